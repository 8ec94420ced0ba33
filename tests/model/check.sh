#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Exhaustive spin check of the manual-mode protocol model (devmem_manual.pml,
# see docs/protocol.md).  Every variant is a full state-space search (no
# bitstate, no hash compaction; -DCOLLAPSE only compresses states, losslessly).
# The protocol as src/ implements it must show no error; the broken variants
# (the series' v9, v10 and take order, the host checker's plain get, the
# bind order) and the deliberate mutants must each break the property they
# are about, which proves the property is really checked.  One line per
# variant; exit 0 when every outcome is the expected one, 1 otherwise, 77
# (skip) when spin is not installed.
#
# Environment: SPIN_MODEL_JOBS (parallel runs, default: CPUs, at most 2),
# SPIN_MODEL_KEEP=1 keeps the work directory (pan outputs, error trails:
# replay one with `spin -t -p <the variant's -D flags> model.pml` there).
set -u

case ${BASH_SOURCE[0]} in
*/*) here=${BASH_SOURCE[0]%/*} ;;
*) here=. ;;
esac
here=$(cd "$here" && pwd)
model=$here/devmem_manual.pml

if ! command -v spin >/dev/null 2>&1; then
	echo "spin not found in PATH: skipping the model check"
	exit 77
fi
cc=${CC:-}
if [ -z "$cc" ]; then
	for c in gcc cc; do
		if command -v "$c" >/dev/null 2>&1; then
			cc=$c
			break
		fi
	done
fi
if [ -z "$cc" ]; then
	echo "no C compiler (gcc or cc) to build spin's verifier" >&2
	exit 1
fi
[ -r "$model" ] || { echo "cannot read $model" >&2; exit 1; }

jobs=${SPIN_MODEL_JOBS:-$(nproc 2>/dev/null || echo 1)}
[ "$jobs" -gt 2 ] && jobs=2
[ "$jobs" -lt 1 ] && jobs=1

work=$(mktemp -d "${TMPDIR:-/tmp}/devmem-spin.XXXXXX") || exit 1
# shellcheck disable=SC2317  # (called from the traps)
cleanup() {
	local p
	for p in $(jobs -p); do
		pkill -TERM -P "$p" 2>/dev/null	# its spin, cc or pan
		kill -TERM "$p" 2>/dev/null
	done
	if [ "${SPIN_MODEL_KEEP:-0}" = 1 ]; then
		echo "work directory kept: $work"
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# name | expected outcome ("pass", a property flag, or invalid_end_state) | spin -D flags
# The two "fixed" runs are the model of src/ as it is; the biggest go first.
variants=(
	"fixed-3-fills|pass|-DFILLS=3"
	"fixed|pass|-DFILLS=2 -DFOREIGN_BOTH"
	"c-take-order|recycled_while_held|-DFILLS=2 -DC_TAKE_ORDER"
	"c-take-order-honest|pass|-DFILLS=2 -DC_TAKE_ORDER -DNO_FOREIGN_RETURNS"
	"v9|increment_after_reclaim|-DFILLS=2 -DV9"
	"v9-leak|leaked_reference|-DFILLS=2 -DV9 -DNO_INCREMENT_CHECK"
	"v10|double_drop|-DFILLS=2 -DV10_NEGATIVE_UREF"
	"v10-honest|pass|-DFILLS=2 -DV10_NEGATIVE_UREF -DNO_FOREIGN_RETURNS"
	"host-check|double_free|-DFILLS=1 -DNO_FOREIGN_RETURNS -DHOST_CHECK"
	"host-check-fixed|pass|-DFILLS=1 -DNO_FOREIGN_RETURNS -DHOST_CHECK -DHOST_CHECK_FIXED"
	"bind-race|spurious_enodev|-DFILLS=1 -DNO_FOREIGN_RETURNS -DBIND_RACE"
	"bind-race-fixed|pass|-DFILLS=1 -DNO_FOREIGN_RETURNS -DBIND_RACE -DBIND_RACE_FIXED"
	"mut-join-unchecked|increment_after_reclaim|-DFILLS=1 -DMUT_JOIN_UNCHECKED"
	"mut-no-reclaim|leaked_reference|-DFILLS=1 -DMUT_NO_RECLAIM"
	"mut-reclaim-all|double_drop|-DFILLS=1 -DMUT_RECLAIM_ALL"
	"mut-take-no-get|ledger_broken|-DFILLS=1 -DMUT_TAKE_NO_GET"
	"mut-close-puts-twice|use_after_free|-DFILLS=1 -DMUT_CLOSE_PUTS_TWICE"
	"mut-pool-no-ref|freed_in_use|-DFILLS=1 -DMUT_POOL_NO_REF"
	"mut-nl-keeps-ref|not_freed|-DFILLS=1 -DMUT_NL_KEEPS_REF"
	"mut-no-mode-reset|mode_not_reset|-DFILLS=1 -DMUT_NO_MODE_RESET"
	"mut-stuck|invalid_end_state|-DFILLS=1 -DMUT_STUCK"
)

# Runs one variant in its own directory; writes one result line to $dir/result.
run_variant() {
	local name=$1 expect=$2 flags=$3
	local dir=$work/$name out states depth errors elapsed found verdict opt

	mkdir -p "$dir"
	cp "$model" "$dir/model.pml"
	cd "$dir" || return
	# shellcheck disable=SC2086
	if ! spin $flags -a model.pml >spin.log 2>&1; then
		printf '%-22s FAIL  spin -a failed: %s\n' "$name" "$(head -c 300 spin.log | tr '\n' ' ')" >result
		return
	fi
	# Only the big full searches repay -O2's compile time.
	case $name in fixed*) opt=-O2 ;; *) opt=-O0 ;; esac
	if ! "$cc" $opt -w -DSAFETY -DCOLLAPSE -DMEMLIM=4096 -o pan pan.c >cc.log 2>&1; then
		printf '%-22s FAIL  compiling pan.c failed: %s\n' "$name" "$(head -c 300 cc.log | tr '\n' ' ')" >result
		return
	fi
	# Exhaustive: -m deep enough (checked below), stop at the first error.
	./pan -m20000 -w24 >pan.log 2>&1
	out=pan.log
	states=$(sed -n 's/^ *\([0-9.e+]*\) states, stored.*/\1/p' "$out" | head -1)
	depth=$(sed -n 's/.*depth reached \([0-9]*\).*/\1/p' "$out" | head -1)
	errors=$(sed -n 's/.*errors: \([0-9]*\).*/\1/p' "$out" | head -1)
	elapsed=$(sed -n 's/^pan: elapsed time \([0-9.e+]*\) seconds.*/\1/p' "$out" | head -1)
	found=$(sed -n 's/^pan:1: assertion violated *!(\([a-z_]*\)).*/\1/p' "$out" | head -1)
	[ -z "$found" ] && grep -q '^pan:1: invalid end state' "$out" && found=invalid_end_state
	[ -z "$found" ] && grep -q '^pan:1: ' "$out" && found=$(grep -m1 '^pan:1: ' "$out" | cut -c1-80)

	verdict=ok
	if [ -z "$errors" ] || [ -z "$states" ]; then
		verdict="FAIL (no verdict from pan)"
	elif grep -q 'max search depth too small' "$out"; then
		verdict="FAIL (-m too small)"
	elif grep -q 'reached -DMEMLIM bound\|out of memory' "$out"; then
		verdict="FAIL (out of memory)"
	elif [ "$expect" = pass ]; then
		if [ "$errors" != 0 ]; then
			verdict="FAIL (expected no error, found: $found)"
		elif grep -q 'Search not completed' "$out"; then
			verdict="FAIL (search not completed)"
		fi
	elif [ "$errors" = 0 ]; then
		verdict="FAIL (expected $expect, spin found no error)"
	elif [ "$found" != "$expect" ]; then
		verdict="FAIL (expected $expect, found: $found)"
	fi
	printf '%-22s %-4s expect %-24s states %-10s depth %-4s errors %-2s %-26s %7ss\n' \
		"$name" "$([ "$verdict" = ok ] && echo ok || echo FAIL)" "$expect" "$states" \
		"$depth" "$errors" "${found:+($found)}" "${elapsed:-?}" >result
	[ "$verdict" = ok ] || echo "    $verdict" >>result
}

echo "spin model check: $(spin -V 2>&1 | head -1); $jobs parallel run(s)"
start=$SECONDS
running=0
for v in "${variants[@]}"; do
	IFS='|' read -r name expect flags <<<"$v"
	run_variant "$name" "$expect" "$flags" &
	running=$((running + 1))
	if [ "$running" -ge "$jobs" ]; then
		wait -n
		running=$((running - 1))
	fi
done
wait

status=0
for v in "${variants[@]}"; do
	IFS='|' read -r name expect flags <<<"$v"
	if [ -r "$work/$name/result" ]; then
		cat "$work/$name/result"
		grep -q FAIL "$work/$name/result" && status=1
	else
		printf '%-22s FAIL  no result\n' "$name"
		status=1
	fi
done
echo "total wall time $((SECONDS - start)) s: $([ $status = 0 ] && echo 'all outcomes as expected' || echo 'UNEXPECTED OUTCOME')"
exit $status
