#!/bin/sh
# `make fuzz`: run each libFuzzer target for a bounded time (or a number of
# executions), one after the other, over its seed corpus
# (fuzz/corpus/NAME/), its regression cases (tests/fuzz/NAME/) and what
# earlier runs found (DIR/corpus/NAME/, where new inputs go), with
# fuzz/dict/NAME.dict when there is one. A crash, leak or failed check
# stops that target and is kept as DIR/crashes/NAME-*. Prints one line per
# target and a last line:
#   fuzz: N targets clean, N failed
#
# usage: scripts/fuzz.sh DIR SECONDS RUNS NAME...
#   RUNS empty: each runs for SECONDS; else for RUNS executions.
#   LATCH_TEST (`make fuzz T=NAME`): only the targets whose name holds it.
set -u
dir=$1 secs=$2 runs=$3
shift 3
targets=$*
clean=0 failed=0 ran=0
mkdir -p "$dir/crashes" "$dir/logs"
for t in $targets; do
	case "$t" in *"${LATCH_TEST-}"*) ;; *) continue ;; esac
	ran=$((ran + 1))
	mkdir -p "$dir/corpus/$t"
	set -- -print_final_stats=1 -timeout=10 -artifact_prefix="$dir/crashes/$t-"
	if [ -n "$runs" ]; then
		set -- "$@" -runs="$runs"
	else
		set -- "$@" -max_total_time="$secs"
	fi
	[ -f "fuzz/dict/$t.dict" ] && set -- "$@" -dict="fuzz/dict/$t.dict"
	set -- "$@" "$dir/corpus/$t" "fuzz/corpus/$t"
	[ -d "tests/fuzz/$t" ] && set -- "$@" "tests/fuzz/$t"
	log=$dir/logs/$t.log
	start=$(date +%s)
	"$dir/fuzz-$t" "$@" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	took=$(($(date +%s) - start))
	if [ "$rc" -eq 0 ]; then
		echo "fuzz: $t: ${execs:-?} executions in ${took} s, clean"
		clean=$((clean + 1))
	else
		echo "fuzz: $t: FAILED after ${execs:-?} executions (exit status $rc; log $log):"
		grep -E '^(==[0-9]+==ERROR|SUMMARY|.*fuzz check failed|.*runtime error)|Test unit written' "$log" | head -n 8 | sed 's/^/  /'
		failed=$((failed + 1))
	fi
done
if [ "$ran" -eq 0 ]; then
	echo "fuzz: no target matched T='${LATCH_TEST-}' (targets: $targets)"
	exit 1
fi
echo "fuzz: $clean targets clean, $failed failed"
[ "$failed" -eq 0 ]
