#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Write the netdev family's YNL spec with the series' autorelease attribute.

The spec is the kernel's own Documentation/netlink/specs/netdev.yaml, which
the build extracts from the Debian linux-source tarball (it stays out of the
repository).  Two lines are added, as the series' netdev.yaml change adds
them: an `autorelease` attribute (u8, 5) closing the `dmabuf` attribute set,
and `autorelease` in bind-rx's request attributes.  The text is edited, not
re-serialised, so the kernel's file keeps its comments and anchors; the
result is parsed back and checked before it is written.

usage: netdev_spec.py KERNEL_NETDEV_YAML OUTPUT
"""
import copy
import os
import sys

import yaml

ATTR_VALUE = 5  # SPEC.md S-1.4: autorelease = 5, after id = 4

ATTRIBUTE = '''      -
        name: autorelease
        doc: |
          Token mode of the binding.  1: each delivered frag gets a fresh
          token and a socket's tokens are freed when it closes.  0 (the
          default when absent): the token names the net_iov's page and the
          user returns it with SO_DEVMEM_DONTNEED.  One mode holds
          system-wide while any RX binding exists.
        type: u8
        value: {value}
'''.format(value=ATTR_VALUE)


def find_line(lines, start, text, what):
    for i in range(start, len(lines)):
        if lines[i].rstrip('\n') == text:
            return i
    raise SystemExit('netdev.yaml: cannot find %s (%r)' % (what, text))


def block_end(lines, start, indent):
    """The first line after @start indented less than @indent, blank lines skipped."""
    for i in range(start + 1, len(lines)):
        line = lines[i]
        if line.strip() and len(line) - len(line.lstrip(' ')) < indent:
            while i > start and not lines[i - 1].strip():
                i -= 1
            return i
    return len(lines)


def add_autorelease(text):
    lines = text.splitlines(keepends=True)
    sets = find_line(lines, 0, 'attribute-sets:', 'the attribute sets')
    dmabuf = find_line(lines, sets, '    name: dmabuf', 'the dmabuf attribute set')
    # The set's attribute list ends where the next set (or section) begins.
    end = block_end(lines, dmabuf, 4)
    lines[end:end] = [ATTRIBUTE]

    ops = find_line(lines, 0, 'operations:', 'the operations')
    bind = find_line(lines, ops, '      name: bind-rx', 'bind-rx')
    request = find_line(lines, bind, '        request:', "bind-rx's request")
    attrs = find_line(lines, request, '          attributes:', "bind-rx's request attributes")
    last = block_end(lines, attrs, 12)
    lines[last:last] = ['            - autorelease\n']
    return ''.join(lines)


def by_name(items, name):
    return next(x for x in items if x['name'] == name)


def check(old_text, new_text):
    """The new spec is the old one plus the attribute and its use, nothing else."""
    old = yaml.safe_load(old_text)
    new = yaml.safe_load(new_text)
    want = copy.deepcopy(old)
    dmabuf = by_name(want['attribute-sets'], 'dmabuf')
    dmabuf['attributes'].append(by_name(by_name(new['attribute-sets'], 'dmabuf')['attributes'],
                                        'autorelease'))
    by_name(want['operations']['list'], 'bind-rx')['do']['request']['attributes'].append(
        'autorelease')
    if new != want:
        raise SystemExit('netdev.yaml: the edit changed more than the autorelease attribute')
    attr = by_name(by_name(new['attribute-sets'], 'dmabuf')['attributes'], 'autorelease')
    if attr['type'] != 'u8' or attr['value'] != ATTR_VALUE:
        raise SystemExit('netdev.yaml: autorelease came out as %r' % attr)


def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__.strip().splitlines()[-1])
    source, output = sys.argv[1:]
    with open(source) as f:
        old = f.read()
    new = add_autorelease(old)
    check(old, new)
    tmp = output + '.tmp'
    with open(tmp, 'w') as f:
        f.write(new)
    os.replace(tmp, output)


if __name__ == '__main__':
    main()
