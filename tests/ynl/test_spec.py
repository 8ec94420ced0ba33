#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Issue 15 / S-1.4: the generated netdev YNL spec names autorelease.

usage: test_spec.py NETDEV_YAML UAPI_H

TAP output.  The spec's dmabuf attribute set must number its attributes as
include/devmem/uapi.h does (ifindex 1 ... autorelease 5, computed the way
YNL does: one more than the previous unless `value` says otherwise), with
autorelease a u8, and bind-rx must list autorelease among its request
attributes, so a YNL client can send it by name.
"""
import re
import sys

import yaml

results = []


def ok(cond, what):
    results.append((bool(cond), what))


def numbered(attr_set):
    """Attribute name -> number, as YNL assigns them."""
    value, out = 1, {}
    for attr in attr_set['attributes']:
        value = attr.get('value', value)
        out[attr['name']] = value
        value += 1
    return out


def uapi_dmabuf(path):
    """The NETDEV_A_DMABUF_* enum of uapi.h, name -> number."""
    with open(path) as f:
        text = f.read()
    body = re.search(r'enum \{\s*(NETDEV_A_DMABUF_IFINDEX = 1,.*?)\};', text, re.S).group(1)
    value, out = 0, {}
    for m in re.finditer(r'^\s*(NETDEV_A_DMABUF_[A-Z_]+)\s*(?:=\s*(\d+))?,', body, re.M):
        name, given = m.groups()
        if name.startswith('NETDEV_A_DMABUF_MAX'):
            continue
        value = int(given) if given else value + 1
        out[name[len('NETDEV_A_DMABUF_'):].lower()] = value
    return out


def main():
    spec_path, uapi_path = sys.argv[1:]
    with open(spec_path) as f:
        spec = yaml.safe_load(f)

    ok(spec.get('name') == 'netdev', 'the family is netdev')
    sets = {s['name']: s for s in spec['attribute-sets']}
    dmabuf = sets.get('dmabuf')
    ok(dmabuf is not None, 'a dmabuf attribute set')
    nums = numbered(dmabuf)
    ok(nums.get('autorelease') == 5, 'autorelease is attribute 5 (S-1.4)')
    auto = next((a for a in dmabuf['attributes'] if a['name'] == 'autorelease'), {})
    ok(auto.get('type') == 'u8', 'autorelease is a u8')
    ok(nums == uapi_dmabuf(uapi_path),
       'the dmabuf set numbers its attributes as uapi.h: %r' % nums)

    ops = {o['name']: o for o in spec['operations']['list']}
    bind = ops.get('bind-rx')
    ok(bind is not None and bind.get('attribute-set') == 'dmabuf', 'bind-rx uses the dmabuf set')
    request = bind['do']['request']['attributes'] if bind else []
    ok('autorelease' in request, 'bind-rx request attributes include autorelease')
    ok(all(a in request for a in ('ifindex', 'fd', 'queues')),
       'bind-rx keeps its other request attributes')
    ok(bind and bind['do']['reply']['attributes'] == ['id'], 'bind-rx replies with the id alone')

    print('1..%d' % len(results))
    for i, (good, what) in enumerate(results, 1):
        print('%s %d - %s' % ('ok' if good else 'not ok', i, what))
    return 0 if all(good for good, _ in results) else 1


if __name__ == '__main__':
    sys.exit(main())
