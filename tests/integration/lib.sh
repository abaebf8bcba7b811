# lib.sh -- helpers for latch's integration tests (POSIX sh; sourced).
#
# A test script sources this file, makes assertions and ends with
# done_testing. Output is TAP: "ok N - DESC", "not ok N - DESC" followed by
# "#   " detail lines, "ok N - DESC # SKIP REASON"; done_testing prints the plan
# and one "# counts: PASSED FAILED SKIPPED" line that run.sh adds up.
#
# Under run.sh (LATCH_IT_RUNNER=1) the environment is ready: LATCH, TRY,
# ESCAPES (the directory of the escape corpus's programs), HOME (with fake credentials), TMPDIR, the current directory $HOME/project.
# Run alone (`sh tests/integration/test-fs.sh`), a test builds the same
# fixture in a temporary directory of its own, uses build/latch and
# build/tests/try-op from the checkout, and removes everything at the end.
# Files to look at afterwards go to $IT_ARTIFACTS, which outlives the test:
# build/it-artifacts/<identity>/ under run.sh, build/it-artifacts/alone/
# when run alone.
#
# The only skip allowed is for a kernel or machine that lacks a feature, and
# every skip says which.

IT_MARK_SSH='LATCH-IT-MARKER-ssh-3c1f9b'
IT_MARK_AWS='LATCH-IT-MARKER-aws-8e27d4'
IT_MARK_GPG='LATCH-IT-MARKER-gpg-51a0e6'
IT_MARK_NETRC='LATCH-IT-MARKER-netrc-9d44c2'
IT_MARK_HIST='LATCH-IT-MARKER-history-07b5aa'

_it_n=0
_it_pass=0
_it_fail=0
_it_skip=0
_it_pids=
_it_standalone_root=

# ---- TAP -------------------------------------------------------------------

ok() {
	_it_n=$((_it_n + 1))
	_it_pass=$((_it_pass + 1))
	printf 'ok %d - %s\n' "$_it_n" "$1"
}

# not_ok DESC [DETAIL]: DETAIL (any number of lines) is printed as comments.
not_ok() {
	_it_n=$((_it_n + 1))
	_it_fail=$((_it_fail + 1))
	printf 'not ok %d - %s\n' "$_it_n" "$1"
	if [ -n "${2-}" ]; then
		printf '%s\n' "$2" | head -n 40 | sed 's/^/#   /'
	fi
}

# skip DESC REASON: a skip without a reason is a failure.
skip() {
	if [ -z "${2-}" ]; then
		not_ok "$1" "skip without a reason"
		return
	fi
	_it_n=$((_it_n + 1))
	_it_skip=$((_it_skip + 1))
	printf 'ok %d - %s # SKIP %s\n' "$_it_n" "$1" "$2"
}

diag() {
	printf '%s\n' "$*" | sed 's/^/# /'
}

done_testing() {
	printf '1..%d\n' "$_it_n"
	printf '# counts: %d %d %d\n' "$_it_pass" "$_it_fail" "$_it_skip"
	it_cleanup
	trap - EXIT INT TERM
	[ "$_it_fail" -eq 0 ]
	exit $?
}

# ---- running commands --------------------------------------------------------

# run CMD...: run a command, never failing the script. Afterwards: $rc, $out
# (standard output), $err (standard error), both without the last newline.
run() {
	"$@" >"$IT_SCRATCH/.out" 2>"$IT_SCRATCH/.err"
	rc=$?
	out=$(cat "$IT_SCRATCH/.out")
	err=$(cat "$IT_SCRATCH/.err")
}

_it_detail() {
	printf 'command: %s\nexit status: %s\nstdout: %s\nstderr: %s' "$1" "$rc" "$out" "$err"
}

# Everything before "--" is taken by the caller; this prints the command.
_it_cmdline() {
	printf '%s' "$*" | tr '\n' ' ' | cut -c1-300
}

# expect_rc WANT DESC -- CMD...: WANT is a number, or "!0" for any failure.
expect_rc() {
	_want=$1 _desc=$2
	shift 2
	[ "$1" = -- ] && shift
	run "$@"
	if [ "$_want" = '!0' ] && [ "$rc" -ne 0 ]; then
		ok "$_desc"
	elif [ "$_want" != '!0' ] && [ "$rc" -eq "$_want" ]; then
		ok "$_desc"
	else
		not_ok "$_desc" "expected exit status $_want
$(_it_detail "$(_it_cmdline "$@")")"
	fi
}

# expect_output_contains NEEDLE DESC -- CMD...: stdout or stderr contains
# NEEDLE (a fixed string). The exit status is left in $rc for the caller.
expect_output_contains() {
	_needle=$1 _desc=$2
	shift 2
	[ "$1" = -- ] && shift
	run "$@"
	case "$out
$err" in
	*"$_needle"*) ok "$_desc" ;;
	*) not_ok "$_desc" "expected output containing '$_needle'
$(_it_detail "$(_it_cmdline "$@")")" ;;
	esac
}

# expect_fail_with NEEDLE DESC -- CMD...: CMD fails (exit status not 0) and
# its stdout or stderr contains NEEDLE, e.g. "Permission denied".
expect_fail_with() {
	_needle=$1 _desc=$2
	shift 2
	[ "$1" = -- ] && shift
	run "$@"
	case "$rc:$out
$err" in
	0:*) not_ok "$_desc" "expected a failure with '$_needle'
$(_it_detail "$(_it_cmdline "$@")")" ;;
	*"$_needle"*) ok "$_desc" ;;
	*) not_ok "$_desc" "expected output containing '$_needle'
$(_it_detail "$(_it_cmdline "$@")")" ;;
	esac
}

# contains HAYSTACK NEEDLE, lacks HAYSTACK NEEDLE: fixed-string tests, for
# check.
contains() {
	case "$1" in
	*"$2"*) return 0 ;;
	esac
	return 1
}

lacks() {
	! contains "$1" "$2"
}

# expect_output_lacks NEEDLE DESC -- CMD...: neither stdout nor stderr
# contains NEEDLE.
expect_output_lacks() {
	_needle=$1 _desc=$2
	shift 2
	[ "$1" = -- ] && shift
	run "$@"
	case "$out
$err" in
	*"$_needle"*) not_ok "$_desc" "output contains '$_needle'
$(_it_detail "$(_it_cmdline "$@")")" ;;
	*) ok "$_desc" ;;
	esac
}

# expect_op WANT DESC -- CMD...: the last line of stdout is exactly WANT
# (try-op prints "ok" or an errno name such as EACCES).
expect_op() {
	_want=$1 _desc=$2
	shift 2
	[ "$1" = -- ] && shift
	run "$@"
	_last=$(printf '%s\n' "$out" | tail -n 1)
	if [ "$_last" = "$_want" ]; then
		ok "$_desc"
	else
		not_ok "$_desc" "expected '$_want', got '$_last'
$(_it_detail "$(_it_cmdline "$@")")"
	fi
}

# expect_why allow|deny PROFILE ACCESS [TARGET]: `latch why` gives that
# verdict, by its exit status (0 allow, 1 deny) and by its first word.
expect_why() {
	_verdict=$1 _profile=$2
	shift 2
	run "$LATCH" why -p "$_profile" "$@"
	_want_rc=0
	[ "$_verdict" = deny ] && _want_rc=1
	case "$rc:$out" in
	"$_want_rc:$_verdict"*) ok "why agrees: $_verdict $*" ;;
	*) not_ok "why agrees: $_verdict $*" "$(_it_detail "latch why -p $_profile $*")" ;;
	esac
}

# check DESC CMD...: ok when CMD succeeds (a plain condition, e.g. test -e).
check() {
	_desc=$1
	shift
	if "$@"; then
		ok "$_desc"
	else
		not_ok "$_desc" "condition failed: $(_it_cmdline "$@")"
	fi
}

# ---- background helpers ------------------------------------------------------

# bg_start OUTFILE CMD...: start CMD in the background with stdout in
# OUTFILE; its pid is in $bg_pid and is killed by it_cleanup if still alive.
bg_start() {
	_outfile=$1
	shift
	"$@" >"$_outfile" 2>&1 &
	bg_pid=$!
	_it_pids="$_it_pids $bg_pid"
}

# bg_stop PID: kill one process we started (never by name), and reap it.
bg_stop() {
	kill "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}

# unix_servers_start OUTFILE SECRET SOCKET...: a server outside the sandbox
# on each pathname SOCKET, answering every connection with SECRET, until the
# test ends (in the background: $bg_pid, killed by it_cleanup). Returns once
# it listens, or 1 when it did not start (OUTFILE says why).
unix_servers_start() {
	_out=$1
	shift
	bg_start "$_out" /usr/bin/python3 -c '
import select, socket, sys
secret = sys.argv[1].encode() + b"\n"
socks = []
for path in sys.argv[2:]:
    s = socket.socket(socket.AF_UNIX)
    s.bind(path)
    s.listen(16)
    socks.append(s)
print("listening", flush=True)
while True:
    for s in select.select(socks, [], [])[0]:
        c, _ = s.accept()
        c.sendall(secret)
        c.close()
' "$@"
	wait_for_output "$_out"
}

# unix_client_write FILE: a Python client at FILE that connects to the
# pathname socket of its argument and prints "connected LINE" (the first
# line the server sent) or "refused ERRNO".
unix_client_write() {
	cat >"$1" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX)
try:
    s.connect(sys.argv[1])
    print("connected", s.recv(100).decode().strip())
except OSError as e:
    print("refused", e.errno)
EOF
}

# wait_for_output FILE: bounded wait (50 x 0.1 s) until FILE is non-empty.
wait_for_output() {
	_i=0
	while [ "$_i" -lt 50 ]; do
		[ -s "$1" ] && return 0
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}

# approver_start SOCKET DECISIONS OUTFILE [QFILE]: a scripted IDE on the approval
# socket, in the background ($bg_pid, killed by it_cleanup if still alive).
# It waits (at most 10 s) for SOCKET, answers each question with the next of
# the comma-separated DECISIONS, and prints one line per question to OUTFILE:
# "asked ACCESS PATH runs_later|now DECISION EXE". DECISIONS "grant=PATH"
# answers every question until latch is gone: allow_once for PATH, deny for
# any other. With QFILE, the first question's own line goes there too.
approver_start() {
	/usr/bin/python3 -c '
import json, os, socket, sys, time
path, decisions = sys.argv[1], sys.argv[2].split(",")
qfile = sys.argv[3] if len(sys.argv) > 3 else None
grant = sys.argv[2][len("grant="):] if sys.argv[2].startswith("grant=") else None
deadline = time.monotonic() + 10
while not os.path.exists(path) and time.monotonic() < deadline:
    time.sleep(0.05)
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(path)
f = s.makefile("rw")
n = 0
while grant is not None or n < len(decisions):
    line = f.readline()
    if not line:
        break
    q = json.loads(line)
    if qfile:
        open(qfile, "w").write(line)
        qfile = None
    d = decisions[n] if grant is None else "allow_once" if q["path"] == grant else "deny"
    n += 1
    print("asked", q["access"], q["path"], "runs_later" if q["runs_later"] else "now", d, q["exe"], flush=True)
    f.write(json.dumps({"id": q["id"], "decision": d}) + "\n")
    f.flush()
' "$1" "$2" ${4+"$4"} >"$3" 2>&1 &
	bg_pid=$!
	_it_pids="$_it_pids $bg_pid"
}

# wait_screen NEEDLE: bounded wait (150 x 0.1 s) for NEEDLE on the screen of
# tmux session "it", through the caller's T function (tmux with its socket).
wait_screen() {
	_i=0
	while [ "$_i" -lt 150 ]; do
		T capture-pane -p -t it 2>/dev/null | grep -q -- "$1" && return 0
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}

# wait_gone PID: bounded wait (50 x 0.1 s) until PID no longer exists.
wait_gone() {
	_i=0
	while [ "$_i" -lt 50 ]; do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}

# ---- features ----------------------------------------------------------------

# The Landlock ABI, as `latch doctor --json` reports it (0: none).
landlock_abi() {
	"$LATCH" doctor --json 2>/dev/null | /usr/bin/python3 -c '
import json, sys
try:
    print(int(json.load(sys.stdin)["data"]["landlock"]["abi"] or 0))
except Exception:
    print(0)'
}

# ---- fixture -----------------------------------------------------------------

# it_make_fixture ROOT: ROOT/home with fake credentials and a project (a git
# repository), ROOT/tmp. Ownership is the caller's business.
it_make_fixture() {
	_r=$1
	_h=$_r/home
	mkdir -p "$_h/.ssh" "$_h/.aws" "$_h/.gnupg/private-keys-v1.d" "$_h/project/src" "$_r/tmp" || return 1
	chmod 755 "$_r" "$_h"
	chmod 700 "$_h/.ssh" "$_h/.gnupg" "$_h/.gnupg/private-keys-v1.d" "$_r/tmp"
	printf -- '-----BEGIN OPENSSH PRIVATE KEY-----\n%s\n-----END OPENSSH PRIVATE KEY-----\n' \
		"$IT_MARK_SSH" >"$_h/.ssh/id_rsa"
	chmod 600 "$_h/.ssh/id_rsa"
	printf 'github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n' \
		>"$_h/.ssh/known_hosts"
	printf '[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = %s\n' \
		"$IT_MARK_AWS" >"$_h/.aws/credentials"
	chmod 600 "$_h/.aws/credentials"
	printf '%s\n' "$IT_MARK_GPG" >"$_h/.gnupg/private-keys-v1.d/0123456789ABCDEF.key"
	printf 'machine example.com login me password %s\n' "$IT_MARK_NETRC" >"$_h/.netrc"
	chmod 600 "$_h/.netrc"
	printf 'ls\nexport TOKEN=%s\n' "$IT_MARK_HIST" >"$_h/.bash_history"
	printf '[user]\n\tname = Latch Test\n\temail = latch-test@example.invalid\n[init]\n\tdefaultBranch = main\n' \
		>"$_h/.gitconfig"
	printf '# project\n' >"$_h/project/README.md"
	printf 'int main(void) { return 0; }\n' >"$_h/project/src/main.c"
	(
		cd "$_h/project" &&
			HOME=$_h GIT_CONFIG_NOSYSTEM=1 git init -q . &&
			HOME=$_h GIT_CONFIG_NOSYSTEM=1 git add -A &&
			HOME=$_h GIT_CONFIG_NOSYSTEM=1 git commit -q -m initial
	) >/dev/null 2>&1 || return 1
	return 0
}

# it_make_wheel PATH: a wheel of the package latch-fixture 1.0 (a module
# latch_fixture with VALUE = 42), for pip.
it_make_wheel() {
	/usr/bin/python3 -c '
import base64, hashlib, sys, zipfile
files = {
    "latch_fixture/__init__.py": b"VALUE = 42\n",
    "latch_fixture-1.0.dist-info/METADATA": b"Metadata-Version: 2.1\nName: latch-fixture\nVersion: 1.0\n",
    "latch_fixture-1.0.dist-info/WHEEL": b"Wheel-Version: 1.0\nGenerator: latch-test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
}
record = []
with zipfile.ZipFile(sys.argv[1], "w") as z:
    for name, data in files.items():
        z.writestr(name, data)
        h = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append("%s,sha256=%s,%d" % (name, h, len(data)))
    record.append("latch_fixture-1.0.dist-info/RECORD,,")
    z.writestr("latch_fixture-1.0.dist-info/RECORD", "\n".join(record) + "\n")
' "$1"
}

# ---- set-up and clean-up -----------------------------------------------------

it_cleanup() {
	for _p in $_it_pids; do
		kill "$_p" 2>/dev/null
		wait "$_p" 2>/dev/null
	done
	_it_pids=
	[ -n "${IT_SCRATCH-}" ] && rm -rf "$IT_SCRATCH"
	if [ -n "$_it_standalone_root" ]; then
		rm -rf "$_it_standalone_root"
		_it_standalone_root=
	fi
	return 0
}

it_init() {
	_self_dir=$(cd "$(dirname "$0")" && pwd)
	if [ -z "${LATCH_IT_RUNNER-}" ]; then
		# Alone, for debugging: build the fixture run.sh would build.
		: "${LATCH:=$_self_dir/../../build/latch}"
		: "${TRY:=$_self_dir/../../build/tests/try-op}"
		: "${ESCAPES:=$_self_dir/../../build/tests/escapes}"
		ESCAPES=$(cd "$ESCAPES" 2>/dev/null && pwd || echo "$ESCAPES")
		LATCH=$(cd "$(dirname "$LATCH")" && pwd)/$(basename "$LATCH")
		TRY=$(cd "$(dirname "$TRY")" && pwd)/$(basename "$TRY")
		_it_standalone_root=$(mktemp -d /var/tmp/latch-it1.XXXXXX) || exit 1
		it_make_fixture "$_it_standalone_root" || {
			echo "Bail out! cannot build the fixture in $_it_standalone_root"
			rm -rf "$_it_standalone_root"
			exit 1
		}
		HOME=$_it_standalone_root/home
		TMPDIR=$_it_standalone_root/tmp
		PATH=/usr/local/bin:/usr/bin:/bin
		unset XDG_CONFIG_HOME XDG_CACHE_HOME XDG_DATA_HOME XDG_STATE_HOME XDG_RUNTIME_DIR
		: "${LATCH_IT_ARTIFACTS:=$_self_dir/../../build/it-artifacts/alone}"
		export HOME TMPDIR PATH LATCH TRY ESCAPES LATCH_IT_ARTIFACTS
		cd "$HOME/project" || exit 1
	fi
	IT_ARTIFACTS=${LATCH_IT_ARTIFACTS-}
	if [ -n "$IT_ARTIFACTS" ] && ! mkdir -p "$IT_ARTIFACTS"; then
		echo "Bail out! cannot create $IT_ARTIFACTS"
		exit 1
	fi
	for _f in "$LATCH" "$TRY"; do
		if [ ! -x "$_f" ]; then
			echo "Bail out! $_f is missing (make build/latch build/tests/try-op)"
			exit 1
		fi
	done
	IT_SCRATCH=$(mktemp -d "$TMPDIR/it-scratch.XXXXXX") || exit 1
	chmod 755 "$IT_SCRATCH"
	PROJECT=$HOME/project
	# Custom profiles grant exec here, so that try-op can run inside.
	TRY_DIR=$(dirname "$TRY")
	IT_UID=$(id -u)
	trap 'it_cleanup' EXIT
	trap 'it_cleanup; exit 130' INT TERM
}

if [ -z "${IT_LIB_ONLY-}" ]; then
	it_init
fi
