#!/bin/sh
# Start-up cost of latch against bubblewrap and firejail, measured in one
# hyperfine run so that the ratios are comparable. Never part of `make check`.
#
# usage: bench/run.sh path/to/latch [RUNS]
# Writes build/bench/startup.md (a markdown table) and prints it.
set -eu
latch=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
runs=${2:-300}
out=build/bench
mkdir -p "$out"
true_bin=$(command -v true)

set -- -N --warmup 30 --runs "$runs" --export-json "$out/startup.json" \
	-n bare "$true_bin" \
	-n "latch run -p minimal" "$latch run -p minimal -- $true_bin"
if command -v bwrap >/dev/null 2>&1 && bwrap --ro-bind / / "$true_bin" 2>/dev/null; then
	set -- "$@" -n "bwrap --ro-bind / /" "bwrap --ro-bind / / $true_bin"
else
	echo "bench: bubblewrap unavailable or not permitted here; its row is left out" >&2
fi
if command -v firejail >/dev/null 2>&1 && firejail --quiet --noprofile "$true_bin" 2>/dev/null; then
	set -- "$@" -n "firejail --noprofile" "firejail --quiet --noprofile $true_bin"
else
	echo "bench: firejail unavailable or not permitted here; its row is left out" >&2
fi
hyperfine "$@" >&2

python3 - "$out/startup.json" "$runs" >"$out/startup.md" <<'PY'
import json, sys
res = json.load(open(sys.argv[1]))["results"]
med = {r["command"]: r["median"] * 1000 for r in res}
bare = med["bare"]
bw = next((v for k, v in med.items() if k.startswith("bwrap")), None)
print(f"Start-up of `true`, hyperfine median of {sys.argv[2]} runs each, one run:\n")
print("| command | median (ms) | added over bare (ms) | added vs bubblewrap's |")
print("|---|---:|---:|---:|")
for r in res:
    m = med[r["command"]]
    added = m - bare
    ratio = f"{added / (bw - bare):.2f}x" if bw and r["command"] != "bare" and bw > bare else "-"
    print(f"| {r['command']} | {m:.3f} | {added:+.3f} | {ratio} |")
PY
cat "$out/startup.md"
