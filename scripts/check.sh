#!/bin/sh
# `make check`: unit tests, the tests of latch's scripts, the replays of the
# fuzz targets' corpora, then integration tests (as root and as an
# unprivileged uid when run as root), then one summary line for CI:
#   check: N passed, N failed, N skipped
set -u
build=$1
shift
log=$(mktemp)
trap 'rm -f "$log"' EXIT

scripts/run-unit.sh "$@" | tee -a "$log"

# tests/scripts/test-*.sh: TAP lines and a last `# counts: P F S`. Those
# that need the build find it in LATCH_BUILD.
sp=0 sf=0
if [ -z "${LATCH_TEST_FUNC-}" ]; then
	for t in tests/scripts/test-*.sh; do
		case $(basename "$t") in *"${LATCH_TEST-}"*) ;; *) continue ;; esac
		out=$(LATCH_BUILD=$build sh "$t" 2>&1)
		printf '%s\n' "$out"
		counts=$(printf '%s\n' "$out" | sed -n 's/^# counts: \([0-9]*\) \([0-9]*\) [0-9]*$/\1 \2/p' | tail -n 1)
		if [ -z "$counts" ]; then
			echo "not ok - $t ended without a summary"
			sf=$((sf + 1))
			continue
		fi
		sp=$((sp + ${counts% *}))
		sf=$((sf + ${counts#* }))
	done
	echo "scripts: $sp passed, $sf failed, 0 skipped"
fi

# Each fuzz target (fuzz/) replays its seed corpus and its regression cases
# (tests/fuzz/NAME/): a crash or a failed check is a failed test.
fp=0 ff=0
if [ -z "${LATCH_TEST_FUNC-}" ]; then
	for f in "$build"/tests/fuzz-*; do
		[ -x "$f" ] || continue
		t=${f##*/fuzz-}
		case "fuzz-$t" in *"${LATCH_TEST-}"*) ;; *) continue ;; esac
		dirs="fuzz/corpus/$t"
		[ -d "tests/fuzz/$t" ] && dirs="$dirs tests/fuzz/$t"
		# shellcheck disable=SC2086
		if out=$("$f" $dirs 2>&1); then
			echo "ok - fuzz-$t replays $(printf '%s\n' "$out" | sed -n 's/.*: \([0-9]*\) inputs$/\1/p' | tail -n 1) inputs"
			fp=$((fp + 1))
		else
			printf '%s\n' "$out" | tail -n 20
			echo "not ok - fuzz-$t: an input of $dirs fails"
			ff=$((ff + 1))
		fi
	done
	echo "fuzz: $fp passed, $ff failed, 0 skipped"
fi

# LATCH_TEST_FUNC (`make check TF=NAME`) names unit test functions: the
# integration files, which have none, do not run then.
[ -n "${LATCH_TEST_FUNC-}" ] || tests/integration/run.sh "$build" | tee -a "$log"

up=$(sed -n 's/^unit: \([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped$/\1/p' "$log" | tail -n 1)
uf=$(sed -n 's/^unit: \([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped$/\2/p' "$log" | tail -n 1)
us=$(sed -n 's/^unit: \([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped$/\3/p' "$log" | tail -n 1)
ip=$(sed -n 's/^integration: \([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped$/\1/p' "$log" | tail -n 1)
if_=$(sed -n 's/^integration: \([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped$/\2/p' "$log" | tail -n 1)
is=$(sed -n 's/^integration: \([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped$/\3/p' "$log" | tail -n 1)
# A missing summary means a runner died: that is a failure, not a pass.
[ -n "$up" ] || { echo "check: the unit runner printed no summary"; uf=$(( ${uf:-0} + 1 )); }
[ -n "$ip" ] || [ -n "${LATCH_TEST_FUNC-}" ] || { echo "check: the integration runner printed no summary"; if_=$(( ${if_:-0} + 1 )); }
passed=$(( ${up:-0} + ${ip:-0} + sp + fp ))
failed=$(( ${uf:-0} + ${if_:-0} + sf + ff ))
skipped=$(( ${us:-0} + ${is:-0} ))
# A filter (`make check T=NAME`) that matches nothing ran nothing: a failure.
if [ $((passed + failed + skipped)) -eq 0 ]; then
	echo "check: no test matched T='${LATCH_TEST-}' TF='${LATCH_TEST_FUNC-}'"
	failed=1
fi
echo "check: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
