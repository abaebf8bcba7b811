#!/bin/sh
# bench/supervise.sh [BUILD_DIR] -- what the supervisor costs, against the
# kernel's own floor (issue 13), in one run:
#   1. open+close of an allowed file: natively, under Landlock only (the
#      static sandbox), under the supervisor answering CONTINUE (the profile
#      is exact, so Landlock enforces it), and under the supervisor emulating
#      (the same profile with --exact no: the supervisor opens the file and
#      hands the descriptor in with ADDFD);
#   2. the floors, from bench/floor.c: the raw notify round trip (getppid
#      notified to a parent that only answers), the least a supervisor
#      deciding on paths does before CONTINUE (read the path, ID_VALID,
#      resolve it once, close), and the raw emulated open (openat notified
#      to a parent that reads the path, opens it and installs it with
#      ADDFD + ADDFD_FLAG_SEND, nothing else);
#   3. the same with everything on one CPU (taskset -c 0), where the
#      kernel's wake-ups cost least: what is left is our own work;
#   4. the supervisor's memory during a flood of 100,000 opens (VmRSS
#      after 10,000 and after 100,000);
#   5. `git status` in a generated repository of 20,000 files: bare, static
#      (Landlock + seccomp only) and supervised, with hyperfine.
# Each per-call figure is the median of RUNS runs of N calls, with the
# lowest and highest run. A latch figure is compared with its floor as
# added cost over added cost: (latch - static) / (floor - native). The
# report goes to stdout and to BUILD_DIR/bench/supervise.md. Never part of
# `make check`.
#
# Environment: N (default 200000), RUNS (default 5), FILES (default 20000),
# SKIP_GIT=1 to leave out part 5.
set -eu
. "$(dirname "$0")/lib.sh"

build=${1:-build}
H=$(cd "$build/tests" 2>/dev/null && pwd)/sup-harness
FLOOR=$(cd "$build/bench" 2>/dev/null && pwd)/floor
for b in "$H" "$FLOOR"; do
	[ -x "$b" ] || {
		echo "bench/supervise.sh: $b is missing (make bench builds it)" >&2
		exit 1
	}
done
N=${N:-200000}
RUNS=${RUNS:-5}
FILES=${FILES:-20000}
mkdir -p "$build/bench"
report=$(cd "$build/bench" && pwd)/supervise.md

W=$(mktemp -d /tmp/latch-bench-sup.XXXXXX)
trap 'rm -rf "$W"' EXIT
chmod 755 "$W"
mkdir "$W/data"
echo data >"$W/data/file"
F=$W/data/file
P=$W/profile.json
cat >"$P" <<JSON
{
  "name": "bench-supervise",
  "groups": ["system_read", "system_exec"],
  "filesystem": {
    "read": ["$W/data"],
    "exec": ["$(dirname "$H")"],
    "write": ["$W/repo", "/dev/null"]
  }
}
JSON

# stats FILE: "median min max" of the numbers in FILE
stats() {
	sort -n "$1" | awk '{ v[NR] = $1 } END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.1f %.1f %.1f\n", m, v[1], v[NR] }'
}

# measure OUT CMD...: RUNS runs of CMD, each printing one number; their
# stats into the variables OUT (median) and OUT_spread ("min-max").
measure() {
	_out=$1
	shift
	: >"$W/runs"
	_i=0
	while [ "$_i" -lt "$RUNS" ]; do
		"$@" >>"$W/runs"
		_i=$((_i + 1))
	done
	set -- $(stats "$W/runs")
	eval "$_out=\$1 ${_out}_spread=\"\$2-\$3\""
}

# floor_measure OUT KEY CMD...: like measure, for one key=value of floor's line.
floor_measure() {
	_key=$2
	_o=$1
	shift 2
	measure "$_o" sh -c '"$@" | tr " " "\n" | sed -n "s/^'"$_key"'=//p"' sh "$@"
}

calc() {
	awk "BEGIN { printf \"%.1f\", $1 }"
}

# table PREFIX TITLE: part 1-3's measurements, with PREFIX before every
# command (taskset -c 0, or nothing), and their table.
table() {
	pre=$1
	measure native $pre "$H" bench-open "$F" "$N"
	measure landlock $pre "$H" --no-supervise -p "$P" -- "$H" bench-open "$F" "$N"
	measure cont $pre "$H" --quiet -p "$P" -- "$H" bench-open "$F" "$N"
	measure emul $pre "$H" --quiet --exact no -p "$P" -- "$H" bench-open "$F" "$N"
	floor_measure plain plain $pre "$FLOOR" notify "$N"
	floor_measure notified notified $pre "$FLOOR" notify "$N"
	floor_measure cplain plain $pre "$FLOOR" continue "$F" "$N"
	floor_measure fcont continued $pre "$FLOOR" continue "$F" "$N"
	floor_measure fplain plain $pre "$FLOOR" addfd "$F" "$N"
	floor_measure femul emulated $pre "$FLOOR" addfd "$F" "$N"
	raw=$(calc "$notified - $plain")
	rawaddfd=$(calc "$femul - $fplain")
	rawcont=$(calc "$fcont - $cplain")
	add_cont=$(calc "$cont - $landlock")
	add_emul=$(calc "$emul - $landlock")
	echo "## $2"
	echo
	echo "| ns per call (median of $RUNS runs, lowest-highest) | latch | added | floor | floor's added | ratio |"
	echo "|---|---:|---:|---:|---:|---:|"
	echo "| open+close, native | $native ($native_spread) | - | - | - | - |"
	echo "| open+close, Landlock + seccomp baseline (static) | $landlock ($landlock_spread) | +$(calc "$landlock - $native") over native | - | - | - |"
	echo "| open+close, supervised, CONTINUE (exact profile) | $cont ($cont_spread) | +$add_cont over static | notify round trip: getppid $notified ($notified_spread) | +$raw over $plain | **$(calc "$add_cont / $raw")x** |"
	echo "| open+close, supervised, CONTINUE, against the least a path-deciding supervisor does | $cont ($cont_spread) | +$add_cont over static | read path + ID_VALID + openat2 + close + CONTINUE: $fcont ($fcont_spread) | +$rawcont over $cplain | **$(calc "$add_cont / $rawcont")x** |"
	echo "| open+close, supervised, emulated (ADDFD) | $emul ($emul_spread) | +$add_emul over static | raw ADDFD open+close $femul ($femul_spread) | +$rawaddfd over $fplain | **$(calc "$add_emul / $rawaddfd")x** |"
	echo
}

{
	echo "# Supervisor cost ($(uname -r), $(nproc) CPUs, N=$N calls per run)"
	echo
	table "" "Program and supervisor on any CPU (as they run)"
	if [ "$(nproc)" -gt 1 ] && command -v taskset >/dev/null 2>&1; then
		table "taskset -c 0" "Everything on one CPU (taskset -c 0): the kernel's wake-ups at their cheapest"
	fi
	echo "Static-mode programs pay nothing for the supervisor: it exists only when a run is supervised."
	echo
} | tee "$report"

# ---- memory during a flood ---------------------------------------------------------
# rss_flood OUT ARGS...: the supervisor's VmRSS (kB) after 10,000 and after
# 100,000 opens, as "A B".
rss_flood() {
	rm -f "$W/flood.out"
	"$H" --quiet "$@" -p "$P" -- "$H" flood "$F" 100000 >"$W/flood.out" 2>&1 &
	_sup=$!
	_r=
	for _m in pause1 pause2; do
		_i=0
		while [ "$_i" -lt 600 ] && ! grep -q "^$_m\$" "$W/flood.out" 2>/dev/null; do
			sleep 0.05
			_i=$((_i + 1))
		done
		_r="$_r $(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$_sup/status" 2>/dev/null)"
	done
	wait "$_sup" || true
	echo $_r
}
{
	echo "## The supervisor's memory during a flood of 100,000 opens (VmRSS, kB)"
	echo
	echo "| mode | after 10,000 | after 100,000 |"
	echo "|---|---:|---:|"
	set -- $(rss_flood)
	echo "| CONTINUE | ${1:-?} | ${2:-?} |"
	set -- $(rss_flood --exact no)
	echo "| emulated | ${1:-?} | ${2:-?} |"
	echo
} | tee -a "$report"

if [ "${SKIP_GIT:-0}" = 1 ]; then
	exit 0
fi
if ! command -v hyperfine >/dev/null 2>&1 || ! command -v git >/dev/null 2>&1; then
	echo "(git status: skipped, hyperfine or git missing)" | tee -a "$report"
	exit 0
fi
# A repository of FILES files in 200 directories.
make_repo "$W/repo" "$FILES"
cd "$W/repo"
export GIT_CONFIG_NOSYSTEM=1 HOME="$W"
hyperfine --warmup 3 --runs 20 --export-markdown "$W/git.md" -N \
	'git status --porcelain' \
	"$H --no-supervise -p $P -- git status --porcelain" \
	"$H --quiet -p $P -- git status --porcelain" >/dev/null
{
	echo
	echo "\`git status\` in a repository of $FILES files (hyperfine, 20 runs): bare, static, supervised"
	echo
	sed "s|$H --no-supervise -p $P -- |static: |; s|$H --quiet -p $P -- |supervised: |" "$W/git.md"
} | tee -a "$report"
