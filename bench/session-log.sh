#!/bin/sh
# bench/session-log.sh [BUILD_DIR] -- what the session log costs a supervised
# run (README, "Session log").
#
# Runs `sh -c 'for i in $(seq N); do cat /etc/hostname; done'` under the
# agent profile (supervised) RUNS times with the log and RUNS times with
# --no-log, alternating, in a temporary HOME, and prints the median wall
# time of each and their ratio, and the start-up (`latch run -p minimal --
# true`, 50 runs each) with and without the log. Never part of `make check`.
#
# Environment: N (default 2000), RUNS (default 7).
set -eu

build=${1:-build}
L=$(cd "$build" && pwd)/latch
N=${N:-2000}
RUNS=${RUNS:-7}
W=$(mktemp -d /var/tmp/latch-bench-log.XXXXXX)
trap 'rm -rf "$W"' EXIT
mkdir -p "$W/home/project"
cd "$W/home/project"
export HOME="$W/home"
unset XDG_STATE_HOME

# seconds CMD...: the wall time of one run, in seconds.
seconds() {
	_t0=$(date +%s.%N)
	"$@" >/dev/null 2>&1 || true
	_t1=$(date +%s.%N)
	echo "$_t1 - $_t0" | bc
}

median() {
	sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

loop="for i in \$(seq $N); do cat /etc/hostname; done"
: >"$W/log.txt"
: >"$W/nolog.txt"
i=0
while [ "$i" -lt "$RUNS" ]; do
	seconds "$L" run --ack-risk agent -p agent -- sh -c "$loop" >>"$W/log.txt"
	seconds "$L" run --ack-risk agent --no-log -p agent -- sh -c "$loop" >>"$W/nolog.txt"
	i=$((i + 1))
done
with=$(median <"$W/log.txt")
without=$(median <"$W/nolog.txt")
echo "supervised loop of $N cats, median of $RUNS: with the log ${with} s, without ${without} s," \
	"ratio $(echo "scale=3; $with / $without" | bc)"
"$L" log show last | tail -n 1

: >"$W/log.txt"
: >"$W/nolog.txt"
i=0
while [ "$i" -lt 50 ]; do
	seconds "$L" run -p minimal -- true >>"$W/log.txt"
	seconds "$L" run --no-log -p minimal -- true >>"$W/nolog.txt"
	i=$((i + 1))
done
echo "start-up (latch run -p minimal -- true), median of 50: with the log $(median <"$W/log.txt") s," \
	"without $(median <"$W/nolog.txt") s"
