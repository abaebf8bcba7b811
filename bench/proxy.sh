#!/bin/sh
# What network.mode proxy costs, on loopback: a 256 MiB download three ways
# in each trial -- direct (the client outside), through the floor (a
# user-space relay with no latch in it: accept, connect, splice both ways
# through a 1 MiB pipe, the least any user-space proxy does; `relay` in
# bench/proxy.c), and through latch's proxy (the client in the sandbox,
# CONNECT on the listener in its network namespace) -- and the time of one
# connection's set-up (connect, request, first byte of a small answer),
# median of 200 in five interleaved rounds. latch/direct is what the proxy
# costs; latch/floor is the part of it that is latch's, the rest is the
# second TCP connection that any relay adds. Ratios are medians of the
# trials' ratios, with the quartiles. Never part of `make check`.
#
# usage: bench/proxy.sh path/to/latch [TRIALS]     (default 21 trials)
# Writes build/bench/proxy.md and prints it.
set -eu
latch=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
trials=${2:-21}
cd "$(dirname "$0")/.."
out=${BUILD:-build}/bench
mkdir -p "$out"
${CC:-cc} -O2 -std=gnu17 -Wall -Wextra -Werror -D_GNU_SOURCE -o "$out/netbench" bench/proxy.c -lpthread

dir=$(mktemp -d /tmp/latch-bench-proxy.XXXXXX)
server= relay=
cleanup() {
	[ -n "$server" ] && kill "$server" 2>/dev/null
	[ -n "$relay" ] && kill "$relay" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT
cp "$out/netbench" "$dir/"
"$dir/netbench" serve 268435456 "$dir/port" >/dev/null 2>&1 &
server=$!
i=0
while [ ! -s "$dir/port" ] && [ "$i" -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
port=$(cat "$dir/port")
"$dir/netbench" relay "$port" "$dir/relayport" 1048576 >/dev/null 2>&1 &
relay=$!
i=0
while [ ! -s "$dir/relayport" ] && [ "$i" -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
relayport=$(cat "$dir/relayport")
cat >"$dir/bench.json" <<EOF
{ "name": "bench", "extends": "agent",
  "network": { "mode": "proxy", "hosts": ["bench.test:$port"], "resolve": { "bench.test": "127.0.0.1" } } }
EOF
cd "$dir"
run() { "$latch" run -q -p ./bench.json "$@"; }

# MB/s of one download: direct, through the floor relay, through the proxy.
direct() { ./netbench get 127.0.0.1 "$port" | awk '{ print $6 }'; }
floor() { ./netbench get 127.0.0.1 "$relayport" | awk '{ print $6 }'; }
proxied() { run --no-supervise -- ./netbench get bench.test "$port" 3128 | awk '{ print $6 }'; }

direct >/dev/null
floor >/dev/null
proxied >/dev/null
: >"$dir/mbs"
for t in $(seq "$trials"); do
	echo "$(direct) $(floor) $(proxied)" >>"$dir/mbs"
done
# Set-up: five rounds of 200 connections each way, interleaved; the median
# of the rounds' medians (a busy machine moves single rounds a lot).
: >"$dir/setup"
for r in 1 2 3 4 5; do
	echo "$(./netbench setup 127.0.0.1 "$port" 200 | sed 's/.*median \([0-9]*\) us.*/\1/')" \
		"$(run --no-supervise -- ./netbench setup bench.test "$port" 200 3128 | sed 's/.*median \([0-9]*\) us.*/\1/')" \
		"$(run -- ./netbench setup bench.test "$port" 200 3128 | sed 's/.*median \([0-9]*\) us.*/\1/')" >>"$dir/setup"
done
cd - >/dev/null

/usr/bin/python3 - "$dir/mbs" "$trials" "$dir/setup" "$(uname -r)" "$(nproc)" \
	"$(cut -d' ' -f1-3 /proc/loadavg)" >"$out/proxy.md" <<'PY'
import statistics, sys
rows = [list(map(float, l.split())) for l in open(sys.argv[1]) if len(l.split()) == 3]
trials, setup, kernel, cpus, load = sys.argv[2:7]
med = lambda xs: statistics.median(xs)
def spread(xs):
    q = statistics.quantiles(xs, n=4)
    return f"{q[0]:.2f}-{q[2]:.2f}"
d, f, p = (med([r[k] for r in rows]) for k in range(3))
fd = [r[1] / r[0] for r in rows]
pd = [r[2] / r[0] for r in rows]
pf = [r[2] / r[1] for r in rows]
rounds = [list(map(float, l.split())) for l in open(setup) if len(l.split()) == 3]
sd, sp, ss = (med([r[k] for r in rounds]) for k in range(3))
print(f"Linux {kernel}, {cpus} CPUs, load average {load} at the end.\n")
print(f"256 MiB over loopback, {trials} trials of the three downloads, interleaved; MB/s the median,")
print("ratios the median of the trials' ratios (quartiles in brackets):\n")
print("| path | MB/s | / direct | / floor |")
print("|---|---:|---:|---:|")
print(f"| direct | {d:.0f} | 1.00x | |")
print(f"| floor: a bare splice relay, no latch | {f:.0f} | {med(fd):.2f}x ({spread(fd)}) | 1.00x |")
print(f"| latch's proxy (isolated, CONNECT) | {p:.0f} | {med(pd):.2f}x ({spread(pd)}) | {med(pf):.2f}x ({spread(pf)}) |")
print(f"\nOne connection's set-up to the first byte of a small answer: the median of 200, in five")
print("interleaved rounds, the median of the rounds:\n")
print("| path | median (us) | added (us) |")
print("|---|---:|---:|")
print(f"| direct | {sd:.0f} | - |")
print(f"| through the proxy | {sp:.0f} | {sp - sd:+.0f} |")
print(f"| through the proxy, supervised (the agent profiles' default) | {ss:.0f} | {ss - sd:+.0f} |")
PY
cat "$out/proxy.md"
