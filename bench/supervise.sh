#!/bin/sh
# bench/supervise.sh [BUILD_DIR] -- what the supervisor costs (issue 4).
#
# In one run, on one file:
#   1. open+close of an allowed file: natively, under Landlock only (the
#      static sandbox), under the supervisor answering CONTINUE (the profile
#      is exact, so Landlock enforces it), and under the supervisor emulating
#      (the same profile with --exact no: the supervisor opens the file and
#      hands the descriptor in with ADDFD);
#   2. the raw notify round trip: getppid() notified to a parent that only
#      answers (SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP set), minus a plain
#      getppid();
#   3. `git status` in a generated repository of 20,000 files: bare, static
#      (Landlock + seccomp only) and supervised, with hyperfine.
# Each figure of 1 is the median of RUNS runs of N calls. The report goes to
# stdout and to BUILD_DIR/bench/supervise.md. Never part of `make check`.
#
# Environment: N (default 200000), RUNS (default 5), FILES (default 20000),
# SKIP_GIT=1 to leave out part 3.
set -eu

build=${1:-build}
H=$(cd "$build/tests" 2>/dev/null && pwd)/sup-harness
[ -x "$H" ] || {
	echo "bench/supervise.sh: $build/tests/sup-harness is missing (make $build/tests/sup-harness)" >&2
	exit 1
}
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
cat >"$P" <<EOF
{
  "name": "bench-supervise",
  "groups": ["system_read", "system_exec"],
  "filesystem": {
    "read": ["$W/data"],
    "exec": ["$(dirname "$H")"],
    "write": ["$W/repo", "/dev/null"]
  }
}
EOF

# median of the numbers on stdin
median() {
	sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# measure NAME CMD...: RUNS runs, each printing ns per call; the median.
measure() {
	_name=$1
	shift
	_i=0
	: >"$W/runs"
	while [ "$_i" -lt "$RUNS" ]; do
		"$@" >>"$W/runs"
		_i=$((_i + 1))
	done
	median <"$W/runs"
}

native=$(measure native "$H" bench-open "$F" "$N")
landlock=$(measure landlock "$H" --no-supervise -p "$P" -- "$H" bench-open "$F" "$N")
cont=$(measure continue "$H" --quiet -p "$P" -- "$H" bench-open "$F" "$N")
emul=$(measure emulate "$H" --quiet --exact no -p "$P" -- "$H" bench-open "$F" "$N")
: >"$W/raw"
_i=0
while [ "$_i" -lt "$RUNS" ]; do
	"$H" bench-raw "$N" | sed -n 's/^plain=\([0-9.]*\) notified=\([0-9.]*\)$/\1 \2/p' >>"$W/raw"
	_i=$((_i + 1))
done
plain=$(awk '{ print $1 }' "$W/raw" | median)
notified=$(awk '{ print $2 }' "$W/raw" | median)

calc() {
	awk "BEGIN { printf \"%.1f\", $1 }"
}
raw=$(calc "$notified - $plain")
add_cont=$(calc "$cont - $landlock")
add_emul=$(calc "$emul - $landlock")
add_ll=$(calc "$landlock - $native")

{
	echo "# Supervisor cost ($(uname -r), $(nproc) CPUs, N=$N calls, median of $RUNS runs)"
	echo
	echo "| open+close of an allowed file | ns per call | added over the line above it | added / raw round trip |"
	echo "|---|---:|---:|---:|"
	echo "| native | $native | - | - |"
	echo "| Landlock + seccomp baseline (static) | $landlock | +$add_ll (over native) | - |"
	echo "| supervised, CONTINUE (exact profile) | $cont | +$add_cont (over static) | $(calc "$add_cont / $raw")x |"
	echo "| supervised, emulated (openat2 + ADDFD) | $emul | +$add_emul (over static) | $(calc "$add_emul / $raw")x |"
	echo
	echo "Raw notify round trip: $raw ns (getppid notified: $notified ns, plain: $plain ns)."
	echo "Static-mode programs pay nothing for the supervisor: it exists only when a run is supervised."
} | tee "$report"

if [ "${SKIP_GIT:-0}" = 1 ]; then
	exit 0
fi
if ! command -v hyperfine >/dev/null 2>&1 || ! command -v git >/dev/null 2>&1; then
	echo "(git status: skipped, hyperfine or git missing)" | tee -a "$report"
	exit 0
fi
# A repository of FILES files in 200 directories.
mkdir "$W/repo"
(
	cd "$W/repo"
	git init -q .
	d=0
	while [ "$d" -lt 200 ]; do
		mkdir "d$d"
		d=$((d + 1))
	done
	awk -v n="$FILES" 'BEGIN { for (i = 0; i < n; i++) { f = sprintf("d%d/f%d.txt", i % 200, i); print i > f; close(f) } }'
	git add -A
	git -c user.name=b -c user.email=b@example.invalid commit -q -m files
)
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
