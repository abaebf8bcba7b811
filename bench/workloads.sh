#!/bin/sh
# bench/workloads.sh path/to/latch [RUNS] -- whole workloads under the
# agent profile, supervised against the same without a supervisor, in one
# hyperfine run per workload (issue 13, part 4). Never part of
# `make check`.
#
# Two places to work from, on a fresh HOME with a ~/.ssh key:
#   CWD=$HOME     `~/.ssh` is denied inside the allowed working directory,
#                 which Landlock cannot express: the supervisor performs
#                 every file call under $HOME itself (the emulated path).
#   CWD=project   a project directory with nothing denied inside it: Landlock
#                 enforces the profile, the supervisor answers CONTINUE.
# Each is compared with `latch run --no-supervise` (Landlock, seccomp and
# the isolated mode's masks, which keep ~/.ssh out of reach there too).
# Writing to $HOME makes `agent` risk tier 2: both run with --ack-risk.
# Without a supervisor, the denied paths that do not exist under $HOME
# cannot be masked, and latch refuses to start unless --allow-unmasked
# accepts that (the supervised run enforces them): the run without one is
# then a little less protected than the run it is compared with.
#
# Workloads: `git status` in a repository of FILES files, a C compile,
# `python3 -c 'import json, sqlite3, ssl'`, `make -j2` of a small C project
# (clean first), and `npm install` of a local package from a warm local
# cache (when npm is installed).
#
# Environment: FILES (default 20000). Writes build/bench/workloads.md.
set -eu
latch=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
runs=${2:-10}
FILES=${FILES:-20000}
cd "$(dirname "$0")/.."
. bench/lib.sh
out=${BUILD:-build}/bench
mkdir -p "$out"
report=$(cd "$out" && pwd)/workloads.md

W=$(mktemp -d /var/tmp/latch-bench-work.XXXXXX)
trap 'rm -rf "$W"' EXIT
chmod 755 "$W"
export HOME="$W/home"
mkdir -p "$HOME/.ssh" "$HOME/project"
echo "-----BEGIN FAKE KEY-----" >"$HOME/.ssh/id_rsa"
chmod 600 "$HOME/.ssh/id_rsa"
# The system's programs, not a user's shims (a version manager's shim
# directory is not among the agent profile's executables).
export PATH=/usr/bin:/bin:/usr/local/bin
export GIT_CONFIG_NOSYSTEM=1 npm_config_update_notifier=false npm_config_audit=false npm_config_fund=false

# setup DIR: the workloads' files under DIR.
setup() {
	d=$1
	mkdir -p "$d/cc" "$d/mk/src"
	make_repo "$d/repo" "$FILES"
	cat >"$d/cc/main.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(int argc, char **argv) { return argc > 1 ? (int)strlen(argv[1]) : printf("%d\n", rand()) < 0; }
C
	i=0
	while [ "$i" -lt 8 ]; do
		printf '#include <stdio.h>\n#include <string.h>\nint f%d(const char *s) { return (int)strlen(s) + %d; }\n' "$i" "$i" \
			>"$d/mk/src/f$i.c"
		i=$((i + 1))
	done
	printf 'int main(void) { return 0; }\n' >"$d/mk/src/main.c"
	cat >"$d/mk/Makefile" <<'MK'
SRC := $(wildcard src/*.c)
OBJ := $(SRC:.c=.o)
prog: $(OBJ)
	$(CC) -o $@ $(OBJ)
clean:
	rm -f prog $(OBJ)
MK
	if [ "$have_npm" = yes ]; then
		mkdir -p "$d/npm/pkg" "$d/npm/app"
		printf '{"name":"latch-bench-pkg","version":"1.0.0","main":"index.js"}\n' >"$d/npm/pkg/package.json"
		echo 'module.exports = 1;' >"$d/npm/pkg/index.js"
		(cd "$d/npm/pkg" && npm pack --silent >/dev/null 2>&1)
		printf '{"name":"app","version":"1.0.0"}\n' >"$d/npm/app/package.json"
	fi
}

have_npm=no
command -v npm >/dev/null 2>&1 && have_npm=yes
command -v hyperfine >/dev/null 2>&1 || {
	echo "bench/workloads.sh: hyperfine is missing (scripts/deps.sh bench)" >&2
	exit 1
}
setup "$HOME"
setup "$HOME/project"

# bench WHERE NAME CMD: hyperfine of CMD in WHERE, without and with the
# supervisor; prints one table row.
bench() {
	where=$1 name=$2 cmd=$3 prep=${4:-}
	set -- --warmup 2 --runs "$runs" --export-json "$W/h.json" -N
	[ -n "$prep" ] && set -- "$@" --prepare "$prep"
	(cd "$where" && hyperfine "$@" \
		-n static "$latch run --no-log -q --ack-risk agent --allow-unmasked --no-supervise -p agent -- $cmd" \
		-n supervised "$latch run --no-log -q --ack-risk agent -p agent -- $cmd" >/dev/null 2>"$W/h.err") || {
		echo "| $name | failed: $(tail -n 1 "$W/h.err") | | |"
		return 0
	}
	/usr/bin/python3 - "$W/h.json" "$name" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
s, v = r["static"], r["supervised"]
ms = lambda x: f'{x["median"] * 1000:.1f} ({x["min"] * 1000:.1f}-{x["max"] * 1000:.1f})'
print(f'| {sys.argv[2]} | {ms(s)} | {ms(v)} | **{v["median"] / s["median"]:.2f}x** |')
PY
}

# rows BASE: every workload, run from BASE (the working directory is what
# the agent profile's $CWD rules name).
rows() {
	base=$1
	bench "$base" "git status, $FILES files" "git -C repo status --porcelain"
	bench "$base" "cc -O2 -c main.c" "cc -O2 -c cc/main.c -o cc/main.o"
	bench "$base" "python3 -c 'import json, sqlite3, ssl'" "python3 -c 'import json, sqlite3, ssl'"
	bench "$base" "make -j2 (9 files, clean first)" "make -s -j2 -C mk" "make -s -C $base/mk clean"
	if [ "$have_npm" = yes ]; then
		bench "$base" "npm install of a local package (warm cache)" \
			"npm install --prefix npm/app --no-save --prefer-offline --silent npm/pkg/latch-bench-pkg-1.0.0.tgz" \
			"rm -rf $base/npm/app/node_modules $base/npm/app/package-lock.json"
	fi
}

{
	echo "# Whole workloads under \`agent\`: supervised vs no supervisor ($(uname -r), $(nproc) CPUs)"
	echo
	echo "hyperfine, $runs runs each after 2 warm-ups; median (min-max) in ms; ratio of medians."
	echo
	echo "## CWD=\$HOME: ~/.ssh denied inside the working directory, every file call under \$HOME performed by the supervisor"
	echo
	echo "| workload | no supervisor | supervised | ratio |"
	echo "|---|---:|---:|---:|"
	rows "$HOME"
	echo
	echo "## CWD=a project directory: Landlock enforces, the supervisor answers CONTINUE"
	echo
	echo "| workload | no supervisor | supervised | ratio |"
	echo "|---|---:|---:|---:|"
	rows "$HOME/project"
} | tee "$report"
