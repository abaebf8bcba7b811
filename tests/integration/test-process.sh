#!/bin/sh
# Process rules and the seccomp baseline: signal scoping (Landlock ABI 6),
# ptrace, and the system calls no profile needs. Where the kernel could answer
# the same errno as the filter, try-op passes a bad argument so that the
# kernel answers differently (EFAULT, EINVAL, ESRCH) and the outside run
# proves it.
. "$(dirname "$0")/lib.sh"

# Profiles here are deliberately wide (derived risk tier 2): acknowledged,
# as a user must, with --ack-risk.
ACK="--ack-risk process-test"

S=$IT_SCRATCH
abi=$(landlock_abi)

# profile FILE PROCESS_JSON
profile() {
	cat >"$1" <<EOF
{
  "name": "process-test",
  "groups": ["system_read", "system_exec"],
  "filesystem": { "exec": ["$TRY_DIR"], "write": ["/dev/null"] },
  "network": { "mode": "off" },
  "process": $2
}
EOF
}

SCOPED=$S/scoped.json
OPEN=$S/open.json
profile "$SCOPED" '{ "signals": "scoped", "abstract_unix": "scoped", "ptrace": false }'
profile "$OPEN" '{ "signals": "open", "abstract_unix": "open", "ptrace": true }'

# ---- signals ----
if [ "$abi" -lt 6 ]; then
	skip "signal scoping" "Landlock ABI $abi < 6 cannot scope signals (latch doctor)"
else
	bg_start "$S/sleep.out" sleep 30
	spid=$bg_pid
	# Isolated (the default): the outside process is not even visible.
	expect_op ESRCH "isolated: a process outside does not exist in the sandbox's pid namespace (ESRCH)" -- \
		"$LATCH" run $ACK -p "$OPEN" -- "$TRY" kill "$spid" 15
	check "isolated: the outside process is still alive" kill -0 "$spid"
	# Static mode: Landlock's signal scope is what refuses.
	expect_op EPERM "signals scoped: kill of a process outside is EPERM" -- \
		"$LATCH" run $ACK --no-namespaces -p "$SCOPED" -- "$TRY" kill "$spid" 15
	expect_why deny "$SCOPED" signal
	expect_fail_with "not permitted" "signals scoped: sh's kill of the outside process fails" -- \
		"$LATCH" run $ACK --no-namespaces -p "$SCOPED" -- sh -c 'kill -TERM "$1"' sh "$spid"
	check "signals scoped: the outside process is still alive" kill -0 "$spid"
	expect_output_contains "status=143" "signals scoped: signalling the sandbox's own child works" -- \
		"$LATCH" run $ACK -p "$SCOPED" -- sh -c 'sleep 5 & p=$!; kill "$p"; wait "$p"; echo "status=$?"'
	expect_op ok "signals open: kill of the process outside works" -- \
		"$LATCH" run $ACK --no-namespaces -p "$OPEN" -- "$TRY" kill "$spid" 15
	expect_why allow "$OPEN" signal
	check "signals open: the outside process died" wait_gone "$spid"
	wait "$spid" 2>/dev/null
fi

# ---- ptrace ----
expect_op ESRCH "ptrace: outside, attaching to no such pid reaches the kernel (ESRCH)" -- "$TRY" ptrace-nopid
expect_op EPERM "ptrace false: attaching to no such pid is EPERM (seccomp)" -- \
	"$LATCH" run $ACK -p "$SCOPED" -- "$TRY" ptrace-nopid
expect_op EPERM "ptrace false: attaching to the sandbox's own child is EPERM" -- \
	"$LATCH" run $ACK -p "$SCOPED" -- "$TRY" ptrace-child
expect_why deny "$SCOPED" ptrace
expect_op ESRCH "ptrace true: attaching to no such pid reaches the kernel (ESRCH)" -- \
	"$LATCH" run $ACK -p "$OPEN" -- "$TRY" ptrace-nopid
expect_op ok "ptrace true: attaching to the sandbox's own child works" -- \
	"$LATCH" run $ACK -p "$OPEN" -- "$TRY" ptrace-child
expect_why allow "$OPEN" ptrace

# ---- the seccomp baseline ----
for spec in bpf:EFAULT keyctl:EFAULT unshare-user:EINVAL; do
	op=${spec%%:*} kernel=${spec#*:}
	expect_op "$kernel" "seccomp: outside, $op reaches the kernel ($kernel)" -- "$TRY" "$op"
	expect_op EPERM "seccomp: inside, $op is EPERM" -- "$LATCH" run $ACK -p "$SCOPED" -- "$TRY" "$op"
	expect_op EPERM "seccomp: inside, $op is EPERM even with everything open" -- \
		"$LATCH" run $ACK -p "$OPEN" -- "$TRY" "$op"
done
if unshare -U true >/dev/null 2>&1; then
	expect_rc 0 "seccomp: outside, unshare -U true works" -- unshare -U true
	expect_fail_with "Operation not permitted" "seccomp: inside, unshare -U true is refused" -- \
		"$LATCH" run $ACK -p "$SCOPED" -- unshare -U true
else
	skip "seccomp: unshare -U" "user namespaces are not available to uid $IT_UID here (unshare -U fails outside)"
fi

# ---- TIOCSTI on the controlling terminal ----
run "$TRY" pty-run "$TRY" tcgetattr 0
if [ "$out" != ok ]; then
	skip "seccomp: TIOCSTI" "no pseudo-terminal can be made here (try-op pty-run: $out $err)"
else
	run "$TRY" pty-run "$TRY" tiocsti 0
	case $out in
	EFAULT | EIO) ok "seccomp: outside, TIOCSTI on a pty reaches the kernel ($out)" ;;
	*) not_ok "seccomp: outside, TIOCSTI on a pty reaches the kernel" "$(_it_detail "try-op pty-run try-op tiocsti 0")" ;;
	esac
	expect_op EPERM "seccomp: inside, TIOCSTI on the controlling pty is EPERM" -- \
		"$TRY" pty-run "$LATCH" run $ACK -p "$SCOPED" -- "$TRY" tiocsti 0
	expect_op ok "seccomp: inside, an ordinary ioctl (TCGETS) on the same pty works" -- \
		"$TRY" pty-run "$LATCH" run $ACK -p "$SCOPED" -- "$TRY" tcgetattr 0
	if [ "$IT_UID" -eq 0 ] || [ "$(cat /proc/sys/dev/tty/legacy_tiocsti 2>/dev/null)" = 1 ]; then
		expect_fail_with PermissionError "seccomp: inside, python3 fcntl.ioctl(0, TIOCSTI) fails" -- \
			"$TRY" pty-run "$LATCH" run $ACK -p "$SCOPED" -- /usr/bin/python3 -c \
			'import fcntl, termios; fcntl.ioctl(0, termios.TIOCSTI, b"x")'
	else
		skip "seccomp: python3 TIOCSTI" "dev.tty.legacy_tiocsti is 0: the kernel itself refuses TIOCSTI to uid $IT_UID"
	fi
fi

done_testing
