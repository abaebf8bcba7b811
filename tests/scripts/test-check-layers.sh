#!/bin/sh
# scripts/check-layers.sh on small trees: a clean one passes; an include
# that runs up a layer, one from an unknown layer directory and a file
# outside any layer each fail and are named; includes on one rank
# (supervise and net), downward ones (lib on session), system headers and
# a session layer that does not exist yet pass. Prints TAP lines and `# counts: P F S`.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
check=$root/scripts/check-layers.sh
T=$(mktemp -d /tmp/latch-layers.XXXXXX) || exit 1
trap 'rm -rf "$T"' EXIT
. "$root/tests/scripts/tap.sh"

# tree NAME: a fresh tree holding a clean, downward-only set of files.
tree() {
	d=$T/$1
	mkdir -p "$d/base" "$d/policy" "$d/supervise" "$d/net" "$d/lib" "$d/probe" "$d/cli"
	printf '#include <stdio.h>\n#include "base/macro.h"\n' >"$d/base/macro.h"
	printf '#include "base/macro.h"\n' >"$d/policy/policy.h"
	printf '#include "net/proxy.h"\n#include "policy/policy.h"\n' >"$d/supervise/serve.c"
	printf '#include "supervise/serve.h"\n' >"$d/net/proxy.c"
	printf '#include "session/session.h"\n' >"$d/lib/latch.c"
	printf '#include "session/session.h"\n#include "supervise/serve.h"\n' >"$d/probe/runner.c"
	printf '#include "probe/probe.h"\n#include "session/session.h"\n#include "base/macro.h"\n' >"$d/cli/main.c"
	echo "$d"
}

d=$(tree clean)
if out=$("$check" "$d" 2>&1) && [ -z "$out" ]; then
	ok "a tree whose includes run down passes silently"
else
	not_ok "a clean tree failed: $out"
fi

d=$(tree up)
printf '/* policy */\n#include "base/macro.h"\n  #  include "sandbox/launch.h"\n' >"$d/policy/decide.c"
printf '#include "cli/cli.h"\n' >"$d/base/hash.h"
out=$("$check" "$d" 2>&1)
rc=$?
if [ "$rc" -eq 1 ] &&
	printf '%s\n' "$out" | grep -qx "$d/policy/decide.c:3: include \"sandbox/launch.h\" runs up from policy to sandbox" &&
	printf '%s\n' "$out" | grep -qx "$d/base/hash.h:1: include \"cli/cli.h\" runs up from base to cli" &&
	[ "$(printf '%s\n' "$out" | wc -l)" -eq 2 ]; then
	ok "upward includes in a .c and a .h fail, each named with file and line"
else
	not_ok "upward includes: exit $rc, output: $out"
fi

d=$(tree session)
mkdir -p "$d/session"
printf '#include "probe/probe.h"\n' >"$d/session/session.c"
out=$("$check" "$d" 2>&1)
rc=$?
if [ "$rc" -eq 1 ] && [ "$out" = "$d/session/session.c:1: include \"probe/probe.h\" runs up from session to probe" ]; then
	ok "session sits below probe"
else
	not_ok "session including probe: exit $rc, output: $out"
fi

d=$(tree unknown)
mkdir -p "$d/extra"
printf '#include "base/macro.h"\n' >"$d/extra/x.c"
out=$("$check" "$d" 2>&1)
rc=$?
if [ "$rc" -eq 1 ] && printf '%s\n' "$out" | grep -q "^$d/extra/x.c: layer \"extra\" is not in the layer order"; then
	ok "a directory that is no layer fails"
else
	not_ok "unknown layer: exit $rc, output: $out"
fi

d=$(tree loose)
printf '#include "base/macro.h"\n' >"$d/loose.c"
out=$("$check" "$d" 2>&1)
rc=$?
if [ "$rc" -eq 1 ] && [ "$out" = "$d/loose.c: not inside a layer directory" ]; then
	ok "a file outside every layer fails"
else
	not_ok "loose file: exit $rc, output: $out"
fi

if out=$("$check" "$root/src" 2>&1); then
	ok "latch's own src/ passes"
else
	not_ok "latch's own src/: $out"
fi

done_testing
