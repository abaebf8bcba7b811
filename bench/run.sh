#!/bin/sh
# Start-up cost of latch against bubblewrap and firejail. Each table comes
# from one hyperfine run, so its ratios are comparable. Never part of
# `make check`.
#
#   static:    latch run --no-namespaces -p minimal  vs  bwrap --ro-bind / /,
#              firejail --noprofile
#   isolated:  latch run -p minimal (its own namespaces)  vs
#              bwrap ... --unshare-all --die-with-parent, and the kernel's
#              floor: a bare clone into the same namespaces (bench/floor.c)
#
# latch runs with --no-log: the sandbox against the sandboxes, without the
# session log, which neither of the others keeps (bench/session-log.sh
# measures the log).
# usage: bench/run.sh path/to/latch [RUNS]
# Writes build/bench/startup.md and prints it.
set -eu
latch=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
runs=${2:-300}
out=build/bench
mkdir -p "$out"
true_bin=$(command -v true)
bwrap_iso="bwrap --ro-bind / / --dev /dev --proc /proc --unshare-all --die-with-parent $true_bin"

# table NAME: run hyperfine with the rest of the arguments, then print a
# markdown table of medians and of added time against the row named PEER.
table() {
	name=$1 peer=$2
	shift 2
	hyperfine -N --warmup 30 --runs "$runs" --export-json "$out/$name.json" "$@" >&2
	/usr/bin/python3 - "$out/$name.json" "$runs" "$peer" <<'PY'
import json, sys
res = json.load(open(sys.argv[1]))["results"]
med = {r["command"]: r["median"] * 1000 for r in res}
bare = med["bare"]
peer = med.get(sys.argv[3])
print(f"hyperfine medians of {sys.argv[2]} runs each, one run:\n")
print(f"| command | median (ms) | added over bare (ms) | added vs {sys.argv[3]} |")
print("|---|---:|---:|---:|")
for r in res:
    m = med[r["command"]]
    added = m - bare
    ratio = f"{added / (peer - bare):.2f}x" if peer and r["command"] != "bare" and peer > bare else "-"
    print(f"| {r['command']} | {m:.3f} | {added:+.3f} | {ratio} |")
PY
}

have_bwrap=no
if command -v bwrap >/dev/null 2>&1 && bwrap --ro-bind / / "$true_bin" 2>/dev/null; then
	have_bwrap=yes
else
	echo "bench: bubblewrap unavailable or not permitted here; its rows are left out" >&2
fi
have_firejail=no
if command -v firejail >/dev/null 2>&1 && firejail --quiet --noprofile "$true_bin" 2>/dev/null; then
	have_firejail=yes
else
	echo "bench: firejail unavailable or not permitted here; its row is left out" >&2
fi

{
	echo "## Static mode (Landlock + seccomp, exec in place)"
	echo
	set -- -n bare "$true_bin" \
		-n "latch run --no-namespaces -p minimal" "$latch run --no-log --no-namespaces -p minimal -- $true_bin"
	[ "$have_bwrap" = yes ] && set -- "$@" -n "bwrap --ro-bind / /" "bwrap --ro-bind / / $true_bin"
	[ "$have_firejail" = yes ] && set -- "$@" -n "firejail --noprofile" "firejail --quiet --noprofile $true_bin"
	table static "bwrap --ro-bind / /" "$@"
	echo
	echo "## Isolated mode (namespaces + masks + Landlock + seccomp)"
	echo
	set -- -n bare "$true_bin" -n "latch run -p minimal" "$latch run --no-log -p minimal -- $true_bin"
	[ "$have_bwrap" = yes ] && set -- "$@" -n "bwrap --unshare-all" "$bwrap_iso"
	table isolated "bwrap --unshare-all" "$@"
	# The kernel's floor for the isolated mode: a clone into the same
	# namespaces, its child exiting at once, and the wait (bench/floor.c),
	# in the same invocation.
	floor=$(dirname "$latch")/bench/floor
	if [ -x "$floor" ]; then
		for _i in 1 2 3 4 5; do
			"$floor" clone 200 | sed -n 's/^clone=\([0-9.]*\) .*/\1/p'
		done >"$out/clone.runs"
		set -- $(sort -n "$out/clone.runs" | awk '{ v[NR] = $1 } END { printf "%s %s %s\n", v[3], v[1], v[5] }')
		echo
		echo "The floor: a clone into the same namespaces and its wait, bench/floor.c, median of 5 runs of 200:"
		echo "$1 us (lowest $2, highest $3)."
	else
		echo
		echo "(the clone floor is missing: make $(dirname "$latch")/bench/floor)"
	fi
} >"$out/startup.md"
cat "$out/startup.md"
