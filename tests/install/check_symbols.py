#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Issue 17: the library's exported surface is explicit and MIT only.

  check_symbols.py LIBDEVMEM_LAB.so LIBDEVMEM_LAB.a PUBLIC.sym HEADER...

Fails when the shared library exports a symbol public.sym does not list
(or misses one it lists), when public.sym and the public headers'
declarations disagree, when an export is not under the library's version
node, when the static archive defines a global symbol outside the dml_
namespace, or when either library holds the GPL kxarray plugin's code.
"""
import re
import subprocess
import sys

# The kernel's lib/xarray.c entry points and the plugin's own names: none
# of them may be in the MIT library.
GPL_MARKERS = re.compile(r'^(xa_|xas_|__xa_|radix_tree_|kx_|dml_token_kxarray_ops$)')


def nm(args, path):
    out = subprocess.run(['nm'] + args + [path], check=True, capture_output=True,
                         text=True).stdout
    return [line.split() for line in out.splitlines() if line.strip()]


def declared(headers):
    names = set()
    for path in headers:
        text = open(path, encoding='utf-8').read()
        text = re.sub(r'/\*.*?\*/', '', text, flags=re.S)
        text = re.sub(r'#define(\\\n|.)*?\n', '\n', text)
        for m in re.finditer(r'^(?!static)(?!typedef)[a-z][^;{}()#]*?\b(dml_\w+|devmem_lab_\w+)\s*\(',
                             text, re.M):
            names.add(m.group(1))
    return names


def main():
    so, archive, symfile, headers = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    listed = {l.strip() for l in open(symfile, encoding='utf-8')
              if l.strip() and not l.startswith('#')}
    problems = []

    exports = {}
    for fields in nm(['-D', '--defined-only'], so):
        name = fields[-1]
        if fields[1] == 'A':
            continue  # the version node itself
        base, _, version = name.partition('@@')
        exports[base] = version
    for name in sorted(set(exports) - listed):
        problems.append(f'{so}: exports {name}, which public.sym does not list')
    for name in sorted(listed - set(exports)):
        problems.append(f'{so}: does not export {name}, which public.sym lists')
    versions = set(exports.values())
    if len(versions) != 1 or not next(iter(versions), '').startswith('DEVMEM_LAB_'):
        problems.append(f'{so}: exports are not all under one DEVMEM_LAB_ version node: {versions}')

    in_headers = declared(headers)
    for name in sorted(listed - in_headers):
        problems.append(f'public.sym lists {name}, which no public header declares')
    for name in sorted(in_headers - listed):
        problems.append(f'a public header declares {name}, which public.sym does not list')

    for fields in nm(['-g', '--defined-only'], archive):
        if len(fields) == 3 and not fields[2].startswith('dml_'):
            problems.append(f'{archive}: global {fields[2]} outside the dml_ namespace')

    for path, args in ((so, ['-g', '--defined-only']), (archive, ['-g', '--defined-only'])):
        for fields in nm(args, path):
            if len(fields) >= 3 and GPL_MARKERS.match(fields[-1]):
                problems.append(f'{path}: defines {fields[-1]}: GPL kxarray code in the MIT library')
                break

    for p in problems:
        print('FAIL', p)
    print(f'{len(exports)} exports, {len(listed)} listed, {len(in_headers)} declared')
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
