#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `devmem-lab bench` refuses bad arguments with exit 2 and a reason naming
# the option; it never starts measuring.
set -u
exe=$1
fail=0
check() {
	local want=$1
	shift
	local err
	err=$("$exe" bench "$@" 2>&1 >/dev/null)
	local rc=$?
	if [ "$rc" -ne 2 ] || ! grep -q -- "$want" <<<"$err"; then
		echo "not ok: bench $* -> exit $rc, stderr: $err"
		fail=1
	else
		echo "ok: bench $* -> exit 2: $(head -1 <<<"$err")"
	fi
}
check '--runs' --runs 0
check '--runs' --runs 101
check '--runs' --runs 3x
check '--flows' --flows -1
check '--load' --load 0
check '--load' --load nan
check '--window' --window 0.001
check '--profile' --profile kperf,tcp
check 'the baseline every ratio is against' --designs niov
check '--designs' --designs xarray,bogus
check '--held' --held 99999999
check 'exceeds --flows' --workers 3 --flows 2
check 'unexpected argument' extra
check 'unknown option' --frobnicate
exit $fail
