#!/bin/sh
# Hostile hosts, simulated here: what latch does on each (the best
# protection left), the one line it prints, --strict refusing, and doctor
# saying the same beforehand. Each simulation is made in a user namespace
# of this test's own (unshare -U -r), so the host is never changed.
. "$(dirname "$0")/lib.sh"

ACK="--ack-risk agent"
S=$IT_SCRATCH
if ! command -v unshare >/dev/null 2>&1 || ! command -v setpriv >/dev/null 2>&1 ||
	! unshare -U -r true 2>/dev/null; then
	skip "hostile hosts" "unshare/setpriv are not installed, or user namespaces are not available here"
	done_testing
	exit
fi

# ---- unprivileged user namespaces disabled ------------------------------------
# user.max_user_namespaces=0 in a namespace of our own, and no capability
# left (root there would use namespaces without a user namespace).
nouserns() {
	unshare -U -r sh -c 'echo 0 >/proc/sys/user/max_user_namespaces &&
		exec setpriv --securebits +noroot,+noroot_locked --bounding-set -all --inh-caps -all -- "$@"' sh "$@"
}
run nouserns "$LATCH" run -p minimal -- sh -c 'echo $$'
check "no user namespaces: the run goes on in the static mode (not pid 2 of its own: $out)" [ "$rc" -eq 0 ] && [ "$out" != 2 ]
_line="namespaces: the kernel refused an unprivileged user namespace (ENOSPC)"
check "...saying so in one line" sh -c "[ \"\$(printf '%s\n' \"\$1\" | grep -c '^latch: warning: ')\" = 1 ]" sh "$err"
check "...which names the reason" contains "$err" "$_line"
run nouserns "$LATCH" run --strict -p minimal -- true
check "...--strict refuses instead, with the same line" sh -c "[ $rc -eq 125 ] && printf '%s' \"\$1\" | grep -q 'refusing to start: $_line'" sh "$err"
run nouserns "$LATCH" doctor
check "...and doctor says it beforehand" contains "$out" "degraded: $_line"
check "...with the static mode" contains "$out" "latch run:  static mode"
run "$LATCH" run -p minimal -- sh -c 'echo $$'
check "...while here the same run is isolated (pid 2, under latch's own pid 1)" [ "$out" = 2 ]

# ---- a seccomp listener already installed: latch inside a supervised latch ---
# (A sanitizer's leak check cannot stop the world inside a sandbox: off for
# the inner latch under `make asan`.)
cp "$LATCH" "$S/latch-inner"
_inner=$S/latch-inner
printf '{"name": "outer", "extends": "agent", "filesystem": {"exec": ["%s"], "read": ["%s"]}}\n' "$S" "$S" >"$S/outer.json"
run "$LATCH" run $ACK --ack-risk outer -p "$S/outer.json" -q -- env ASAN_OPTIONS=detect_leaks=0 "$_inner" run -p agent --ack-risk agent -- /bin/echo inner-ran
check "inside a supervised latch, an agent run goes on without its own supervisor" contains "$out" inner-ran
check "...saying why in one line" contains "$err" "latch: warning: supervise: "
check "...which names the outer sandbox" sh -c "printf '%s' \"\$1\" | grep -q -e 'outer sandbox' -e 'another sandbox'" sh "$err"
run "$LATCH" run $ACK --ack-risk outer -p "$S/outer.json" -q -- env ASAN_OPTIONS=detect_leaks=0 "$_inner" run -p agent --ack-risk agent --ask -- true
check "...a supervisor asked for on the command line is refused instead ($rc)" sh -c "[ $rc -eq 125 ] && printf '%s' \"\$1\" | grep -q 'refusing to start: supervise: asked for, but'" sh "$err"
run "$LATCH" run $ACK --ack-risk outer -p "$S/outer.json" -q -- env ASAN_OPTIONS=detect_leaks=0 "$_inner" run -p agent --ack-risk agent --strict -- true
check "...and so does --strict" [ "$rc" -eq 125 ]
run "$LATCH" run $ACK --ack-risk outer -p "$S/outer.json" -q -- env ASAN_OPTIONS=detect_leaks=0 "$_inner" doctor
check "...doctor inside says the supervisor is not available" contains "$out" "supervisor: not available: "
run "$LATCH" doctor
check "...and outside that it is" contains "$out" "supervisor: available"
# No supervisor of connect() for an unsupervised profile either: socket(AF_UNIX)
# is refused instead, said in one line; socketpair still works.
UX='import socket
try:
    socket.socket(socket.AF_UNIX); print("made")
except OSError as e:
    print("refused", e.errno)
socket.socketpair(); print("pair")'
run "$LATCH" run $ACK --ack-risk outer -p "$S/outer.json" -q -- env ASAN_OPTIONS=detect_leaks=0 "$_inner" run -p minimal -- /usr/bin/python3 -c "$UX"
check "inside a supervised latch, minimal refuses socket(AF_UNIX): $out" contains "$out" "refused 13"
check "...socketpair still works" contains "$out" "pair"
check "...and says why in one line" contains "$err" "latch: warning: unix sockets: "
run "$LATCH" run -p minimal -- /usr/bin/python3 -c "$UX"
check "...while here the socket is made" contains "$out" "made"
run "$LATCH" run $ACK --ack-risk outer -p "$S/outer.json" -q -- env ASAN_OPTIONS=detect_leaks=0 "$_inner" run -p minimal --strict -- true
check "...and --strict refuses it ($rc)" sh -c "[ $rc -eq 125 ] && printf '%s' \"\$1\" | grep -q 'unix sockets: .*refused because of --strict'" sh "$err"


# ---- /proc mounted with hidepid -------------------------------------------------
run unshare -U -r -m -p -f --mount-proc sh -c 'mount -o remount,hidepid=invisible /proc &&
	grep -q "hidepid=invisible" /proc/mounts && "$1" run $2 -p agent -q -- sh -c "ps -e >/dev/null && cat /proc/self/status >/dev/null && echo proc-ok"' \
	sh "$LATCH" "$ACK"
check "with /proc mounted hidepid=invisible, ps and /proc/self work in the sandbox: $err" contains "$out" proc-ok

# ---- a read-only temporary directory --------------------------------------------
run unshare -U -r -m sh -c 'mount --bind "$TMPDIR" "$TMPDIR" && mount -o remount,bind,ro "$TMPDIR" &&
	! touch "$TMPDIR/probe" 2>/dev/null && "$1" run $2 -p agent -- sh -c "echo tmp-ok"' sh "$LATCH" "$ACK"
check "with a read-only \$TMPDIR the agent profile still runs, and says nothing: $err" sh -c "[ '$out' = tmp-ok ] && [ -z \"\$1\" ]" sh "$err"

# ---- no Landlock --------------------------------------------------------------------
run env LATCH_LANDLOCK_ABI=0 "$LATCH" run -p minimal -- true
check "without Landlock latch refuses to start ($rc)" sh -c "[ $rc -eq 125 ] && printf '%s' \"\$1\" | grep -q 'refusing to start: Landlock is not available'" sh "$err"
run env LATCH_LANDLOCK_ABI=0 "$LATCH" doctor
check "...as doctor says beforehand" contains "$out" "refused here: Landlock is not available"

# ---- no controlling terminal -----------------------------------------------------
if command -v setsid >/dev/null 2>&1; then
	run setsid -w "$LATCH" run $ACK -p agent -- cat "$HOME/.ssh/id_rsa"
	check "with no terminal, what the profile denies is denied" sh -c "[ $rc -ne 0 ] && ! printf '%s' '$out' | grep -q '$IT_MARK_SSH'"
	check "...and latch says once that nobody could be asked" contains "$err" "no terminal to ask on"
	run setsid -w "$LATCH" run $ACK -p agent -- cat "$PROJECT/.git/HEAD"
	check "...while an allowed read works and says nothing: $err" sh -c "[ $rc -eq 0 ] && [ -z \"\$1\" ]" sh "$err"
fi
# ---- nested agents ------------------------------------------------------------------
# A sandbox made of Landlock and seccomp (as an agent's own) nests without
# anything set: the inner latch above ran. A user namespace is refused
# unless the profile says process.nested_sandbox (tier 2), and latch why
# names the switch.
if command -v unshare >/dev/null 2>&1; then
	expect_fail_with "Operation not permitted" "under agent a user namespace is refused" -- \
		"$LATCH" run $ACK -p agent -q -- unshare -U -n true
	expect_output_contains "deny, process.nested_sandbox is false" "...and latch why names the switch" -- \
		"$LATCH" why -p agent userns
	printf '{"name": "nest", "extends": "agent", "process": {"nested_sandbox": true}}\n' >"$S/nest.json"
	expect_fail_with "process.nested_sandbox is true" "a profile that sets it is tier 2, not run unacknowledged" -- \
		"$LATCH" run $ACK -p "$S/nest.json" -q -- true
	run "$LATCH" run $ACK --ack-risk nest -p "$S/nest.json" -q -- unshare -U -n sh -c 'echo nested-ok'
	check "...and with it the program makes a user and network namespace of its own: $err" contains "$out" nested-ok
	expect_output_contains "allow, process.nested_sandbox is true" "...as latch why says" -- \
		"$LATCH" why -p "$S/nest.json" userns
fi
# ---- the supervisor acts with the program's rights, no more ---------------------
# /etc/shadow is denied by the profile; --approve-all grants it, so the
# supervisor opens it for the program: as root it can (root's own rights,
# which the program holds too), as uid 65534 it cannot, exactly as the
# program could not outside.
run "$LATCH" run $ACK -p agent -q --approve-all --events "$S/shadow.ev" -- cat /etc/shadow
if [ "$IT_UID" -eq 0 ]; then
	check "as root, a granted /etc/shadow is read with root's own rights" [ "$rc" -eq 0 ]
else
	check "as uid 65534, a granted /etc/shadow is still refused: the supervisor opened it as the program" \
		sh -c "[ $rc -ne 0 ] && printf '%s' '$err' | grep -q 'Permission denied'"
	check "...as the event says (emulated, EACCES)" sh -c "grep '\"path\":\"/etc/shadow\"' '$S/shadow.ev' | grep -q '\"errno\":\"EACCES\"'"
	check "...and as the program itself is refused outside" sh -c '! cat /etc/shadow >/dev/null 2>&1'
fi
# ---- a program that makes itself non-dumpable ------------------------------------
# The supervisor cannot read its memory without CAP_SYS_PTRACE over it:
# raised for the read as root, held as the owner of the sandbox's user
# namespace otherwise. Where it still cannot read, the call is refused (or,
# where Landlock enforces the profile exactly, left to the kernel) -- never
# continued unseen.
cat >"$PROJECT/nd.py" <<'EOF'
import ctypes, sys
ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE 0
print("non-dumpable:", open("/proc/self/status").read().count("x"))
for p in sys.argv[1:]:
    try:
        print(p, " ".join(open(p).read().split()))
    except OSError as e:
        print(p, e.strerror)
EOF
for mode in "" --no-namespaces; do
	run "$LATCH" run $ACK -p agent -q $mode -- /usr/bin/python3 nd.py "$HOME/.ssh/id_rsa" "$PROJECT/.git/HEAD"
	if [ -n "$mode" ] && [ "$IT_UID" -ne 0 ]; then
		# Static and unprivileged: nothing can read its memory; its calls
		# are refused.
		check "[$mode] as uid $IT_UID a non-dumpable program's calls are refused" contains "$err" "Permission denied"
	else
		check "[$mode] a non-dumpable program runs ($err)" contains "$out" "non-dumpable:"
	fi
	check "[$mode] ...and never reads the denied key" sh -c "! printf '%s' '$out $err' | grep -q '$IT_MARK_SSH'"
	if [ -z "$mode" ]; then
		check "[$mode] ...and reads an allowed file: $out" contains "$out" "HEAD ref:"
	fi
done
run /usr/bin/python3 "$PROJECT/nd.py" "$HOME/.ssh/id_rsa"
check "...while unsandboxed it reads the key" contains "$out" "$IT_MARK_SSH"
rm -f "$PROJECT/nd.py"
# ---- execve from one thread while the others' calls are pending -------------
# Four threads open a file in a loop (each open notified) while the main
# thread executes another program: their notifications die with them, and
# the run ends as the new program does, with nothing said.
cat >"$PROJECT/tx.py" <<'EOF'
import os, threading
def spin():
    while True:
        try:
            open(".git/HEAD").read()
        except Exception:
            pass
for _ in range(4):
    threading.Thread(target=spin, daemon=True).start()
os.execv("/bin/echo", ["echo", "exec-ok"])
EOF
for i in 1 2 3; do
	run timeout 60 "$LATCH" run $ACK -p agent -- /usr/bin/python3 tx.py
	check "[$i] execve while other threads' calls are pending: the new program runs and latch says nothing ($rc: $err)" \
		sh -c "[ $rc -eq 0 ] && [ '$out' = exec-ok ] && [ -z \"\$1\" ]" sh "$err"
done
rm -f "$PROJECT/tx.py"
done_testing
