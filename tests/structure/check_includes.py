#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Fails on any cycle between the folders of src/ (DESIGN.md, Conventions).

Each '#include "..."' of a file under src/ is resolved as the compiler does
(the including file's folder first, then src/); a header from outside src/
(the public headers, the kernel's) is no edge.  A folder is the first path
component under src/; a file directly in src/ is its own folder, named after
its stem, so host.c and host.h are one node and warn.h another.
"""
import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def folder_of(src, path):
    rel = os.path.relpath(path, src).split(os.sep)
    if len(rel) == 1:
        return os.path.splitext(rel[0])[0]
    return rel[0]


def edges(src):
    graph = {}
    for root, _, files in os.walk(src):
        for name in files:
            if not name.endswith(('.c', '.h')):
                continue
            path = os.path.join(root, name)
            node = folder_of(src, path)
            graph.setdefault(node, {})
            with open(path, encoding='utf-8') as f:
                text = f.read()
            for inc in INCLUDE.findall(text):
                for base in (root, src):
                    target = os.path.normpath(os.path.join(base, inc))
                    if os.path.isfile(target):
                        break
                else:
                    continue
                to = folder_of(src, target)
                if to != node:
                    where = os.path.relpath(path, src)
                    graph[node].setdefault(to, where)
    return graph


def find_cycle(graph):
    """A cycle as a list of nodes (first repeated last), or None."""
    state = {}
    stack = []

    def visit(node):
        state[node] = 'open'
        stack.append(node)
        for to in sorted(graph.get(node, {})):
            if state.get(to) == 'open':
                return stack[stack.index(to):] + [to]
            if to not in state:
                found = visit(to)
                if found:
                    return found
        stack.pop()
        state[node] = 'done'
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), '..', '..', 'src')
    graph = edges(os.path.normpath(src))
    cycle = find_cycle(graph)
    if cycle:
        hops = ['%s -> %s (%s)' % (a, b, graph[a][b])
                for a, b in zip(cycle, cycle[1:])]
        print('include cycle between folders of src/:')
        print('\n'.join('  ' + h for h in hops))
        return 1
    print('folders of src/ depend one way: %d folders' % len(graph))
    return 0


if __name__ == '__main__':
    sys.exit(main())
