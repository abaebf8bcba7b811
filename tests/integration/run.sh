#!/bin/sh
# tests/integration/run.sh BUILD_DIR -- latch's integration tests.
#
# Runs every tests/integration/test-*.sh against BUILD_DIR/latch,
# BUILD_DIR/tests/try-op and the escape corpus BUILD_DIR/tests/escapes/,
# once per identity: as root and as uid/gid 65534
# ("nobody", through setpriv) when started as root; as the current user only
# otherwise. Each test file gets a fresh $T/<identity>/home with fake
# credentials and a git project, TMPDIR=$T/<identity>/tmp, the current
# directory $HOME/project and a clean environment. Everything lives under
# T=/var/tmp/latch-it.XXXXXX (mode 0755) because the checkout may sit where an
# unprivileged uid cannot read it, and T is removed at the end. Not in /tmp:
# agent's isolated runs get a /tmp of their own, which would hide the fake
# credentials the tests try to read (as a real $HOME is not hidden).
#
# What a test leaves to be looked at afterwards (the lab report's screenshots)
# it writes to $LATCH_IT_ARTIFACTS; it is kept in BUILD_DIR/it-artifacts/
# <identity>/ when $T goes.
#
# Prints each test's TAP lines prefixed with the identity, then exactly one
#   integration: N passed, N failed, N skipped
# and exits 0 iff nothing failed.
set -u

build=${1:?usage: tests/integration/run.sh BUILD_DIR}
src=$(cd "$(dirname "$0")" && pwd)
timeout_s=120

passed=0
failed=0
skipped=0

summary() {
	echo "integration: $passed passed, $failed failed, $skipped skipped"
	[ "$failed" -eq 0 ]
}

for f in "$build/latch" "$build/tests/try-op" "$build/tests/sup-harness" "$build/tests/escapes/esc-outside"; do
	if [ ! -x "$f" ]; then
		echo "not ok - $f is missing (make $f)"
		failed=$((failed + 1))
	fi
done
if [ "$failed" -ne 0 ]; then
	summary
	exit 1
fi

artifacts=$(cd "$build" && pwd)/it-artifacts
rm -rf "$artifacts"

T=$(mktemp -d /var/tmp/latch-it.XXXXXX) || exit 1
chmod 755 "$T"
trap 'rm -rf "$T"' EXIT
trap 'exit 130' INT TERM

mkdir -m 755 "$T/bin"
cp "$build/latch" "$build/tests/try-op" "$build/tests/sup-harness" "$T/bin/" &&
	chmod 0755 "$T/bin/latch" "$T/bin/try-op" "$T/bin/sup-harness" &&
	mkdir -m 755 "$T/bin/escapes" && cp "$build"/tests/escapes/esc-* "$T/bin/escapes/" &&
	chmod 0755 "$T"/bin/escapes/esc-* &&
	cp "$src"/test-*.sh "$src/lib.sh" "$src/model-api-mock.py" "$T/bin/" &&
	chmod 0755 "$T"/bin/test-*.sh &&
	chmod 0644 "$T/bin/lib.sh" "$T/bin/model-api-mock.py" || {
	echo "not ok - cannot copy the binaries and tests into $T/bin"
	failed=1
	summary
	exit 1
}

# The shell completions, beside bin/ as beside build/ in the checkout
# (test-cli-complete.sh finds them from $LATCH).
cp -R "$src/../../completions" "$T/completions" && chmod -R a+rX "$T/completions" || {
	echo "not ok - cannot copy the completions into $T/completions"
	failed=1
	summary
	exit 1
}

# liblatch as `make install` lays it out (make check builds it there).
if [ -d "$build/prefix" ]; then
	cp -R "$build/prefix" "$T/prefix" && chmod -R a+rX "$T/prefix" || {
		echo "not ok - cannot copy the installed library into $T/prefix"
		failed=1
		summary
		exit 1
	}
fi

# The agent CLIs of test-agent-cli.sh, when it is selected: installed from
# the npm registry into a cache once (scripts/agents.sh), then linked into T,
# so that uid 65534 reads them wherever the checkout lies. If they cannot be
# installed, the test skips with the reason.
agents= agents_error=
case test-agent-cli.sh in
*"${LATCH_TEST-}"*)
	echo "# the agent CLIs of test-agent-cli.sh (scripts/agents.sh)"
	if a=$("$src/../../scripts/agents.sh" "${LATCH_AGENTS_DIR:-$src/../../build/agents}"); then
		if mkdir -m 755 "$T/agents" && { cp -al "$a" "$T/agents/cli" 2>/dev/null || cp -a "$a" "$T/agents/cli"; }; then
			agents=$T/agents/cli
		else
			agents_error="cannot copy $a into $T/agents"
		fi
	else
		agents_error=$a
	fi
	;;
esac

IT_LIB_ONLY=1
. "$T/bin/lib.sh"

# run_test IDENTITY UID GID TEST: one test file as one identity.
run_test() {
	ident=$1 uid=$2 gid=$3 test=$4
	name=$(basename "$test" .sh)
	base=$T/$ident
	log=$T/log.$ident.$name

	rm -rf "$base"
	mkdir -m 755 "$base"
	if ! it_make_fixture "$base" || ! mkdir -m 755 "$base/artifacts"; then
		echo "$ident: not ok - $name: cannot build the fixture"
		failed=$((failed + 1))
		return
	fi
	if [ "$uid" != "$(id -u)" ]; then
		chown -R "$uid:$gid" "$base"
		set -- setpriv --reuid="$uid" --regid="$gid" --clear-groups
	else
		set --
	fi
	# cd inside the new identity, so a directory it cannot enter fails here.
	# Sanitizer options pass through (e.g. ASAN_OPTIONS=detect_leaks=0 for
	# `make asan`); nothing else of the caller's environment does.
	"$@" env -i ${ASAN_OPTIONS+"ASAN_OPTIONS=$ASAN_OPTIONS"} ${UBSAN_OPTIONS+"UBSAN_OPTIONS=$UBSAN_OPTIONS"} \
		${LSAN_OPTIONS+"LSAN_OPTIONS=$LSAN_OPTIONS"} LATCH_IT_RUNNER=1 LATCH_IT_IDENTITY="$ident" \
		HOME="$base/home" TMPDIR="$base/tmp" LATCH="$T/bin/latch" TRY="$T/bin/try-op" ESCAPES="$T/bin/escapes" \
		${agents:+"LATCH_IT_AGENTS=$agents"} ${agents_error:+"LATCH_IT_AGENTS_ERROR=$agents_error"} \
		LATCH_IT_ARTIFACTS="$base/artifacts" \
		PATH=/usr/local/bin:/usr/bin:/bin \
		sh -c 'cd "$HOME/project" && exec timeout -k 5 "$1" sh "$2"' sh "$timeout_s" "$test" \
		>"$log" 2>&1 </dev/null
	trc=$?
	if [ -n "$(ls -A "$base/artifacts" 2>/dev/null)" ]; then
		mkdir -p "$artifacts/$ident" && cp -R "$base/artifacts/." "$artifacts/$ident/"
	fi
	echo "$ident: # $name"
	sed "s/^/$ident: /" "$log"
	counts=$(sed -n 's/^# counts: \([0-9]*\) \([0-9]*\) \([0-9]*\)$/\1 \2 \3/p' "$log" | tail -n 1)
	if [ -z "$counts" ]; then
		echo "$ident: not ok - $name ended without a summary (exit status $trc)"
		failed=$((failed + 1))
		return
	fi
	set -- $counts
	passed=$((passed + $1))
	failed=$((failed + $2))
	skipped=$((skipped + $3))
	if [ "$2" -eq 0 ] && [ "$trc" -ne 0 ]; then
		echo "$ident: not ok - $name exited with status $trc"
		failed=$((failed + 1))
	fi
}

# run_identity IDENTITY UID GID
run_identity() {
	for t in "$T"/bin/test-*.sh; do
		# LATCH_TEST (`make check T=NAME`): only the files whose name holds it.
		case $(basename "$t") in *"${LATCH_TEST-}"*) ;; *) continue ;; esac
		run_test "$1" "$2" "$3" "$t"
	done
}

if [ "$(id -u)" -eq 0 ]; then
	run_identity root 0 0
	if command -v setpriv >/dev/null 2>&1; then
		run_identity nobody 65534 65534
	else
		echo "nobody: ok - every test as uid 65534 # SKIP setpriv (util-linux) is not installed"
		skipped=$((skipped + 1))
	fi
else
	run_identity "uid$(id -u)" "$(id -u)" "$(id -g)"
	echo "root: ok - every test as root # SKIP not running as root (run \`make check\` as root for both identities)"
	skipped=$((skipped + 1))
	if [ "$(id -u)" -ne 65534 ]; then
		echo "nobody: ok - every test as uid 65534 # SKIP not running as root: switching to uid 65534 needs root"
		skipped=$((skipped + 1))
	fi
fi

summary
