#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Issue 17: devmem-lab(1) renders without a warning, as groff and man see it
# (-ww: every warning; -z: no output but the warnings).  Skips (77) without
# groff; man adds its preprocessors (preconv, tbl) when it is there.
set -u
page=$1
command -v groff >/dev/null || { echo "groff not installed (scripts/setup)"; exit 77; }
out=$(groff -man -Tutf8 -ww -z "$page" 2>&1)
if command -v man >/dev/null; then
	out=$(printf '%s\n%s' "$out" "$(MANWIDTH=80 man --warnings=all -l "$page" 2>&1 >/dev/null)")
	out=${out#$'\n'}
fi
if [ -n "$out" ]; then
	printf '%s\n' "$out"
	exit 1
fi
echo "ok: $page renders without warnings"
