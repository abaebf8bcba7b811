#!/bin/sh
# The escape corpus (tests/escapes/): one small program per attack class,
# each run first without a sandbox (the control: does the attack work on
# this machine at all?) and then inside latch, in the static mode (Landlock
# and seccomp), the isolated mode (namespaces and masks) and the supervised
# mode (namespaces and a supervisor that may grant, so that it, not a mask,
# enforces what is denied inside an allowed directory; its approver answers
# deny). Every program prints one line: possible, escaped, blocked,
# premise_failed or unsupported (tests/escapes/esc.h).
#
# A case whose control does not show the attack working is skipped with the
# reason (premise failed, unsupported), never counted as blocked. An attack
# that gets through fails the test, unless latch said beforehand that the
# mode cannot stop it (a documented limit, asserted by the warning it
# prints).
. "$(dirname "$0")/lib.sh"

E=$ESCAPES
S=$IT_SCRATCH
P=$PROJECT
ACK="--ack-risk esc --ack-risk esc-inner"
if [ ! -x "$E/esc-outside" ]; then
	not_ok "the escape corpus is built" "$E/esc-outside is missing (make check builds it)"
	done_testing
fi

# ---- the fixture ---------------------------------------------------------------
# Two secrets: one outside the project (~/.ssh/id_rsa, denied by every
# built-in profile), and one inside the writable project, denied by a rule
# of its own -- which only a mask or a supervisor can enforce, so the
# static mode, which would refuse to start with that rule, meets the first.
MARK_OUT=$IT_MARK_SSH
MARK_IN='LATCH-ESC-inner-5e0c2a'
mkdir -p "$P/.secrets" "$HOME/.config" "$HOME/run"
printf '%s\n' "$MARK_IN" >"$P/.secrets/key"
TOKEN='esc-token-9d1e77'

cat >"$S/esc.json" <<EOF
{ "name": "esc", "extends": "agent", "filesystem": { "exec": ["$E"] }, "supervise": { "mode": "deny" } }
EOF
cat >"$S/esc-inner.json" <<EOF
{ "name": "esc-inner", "extends": "$S/esc.json", "filesystem": { "deny": ["\$CWD/.secrets"] } }
EOF

# started PID: a helper this test started, ended at clean-up if still there.
# forget PID: it has ended (and was reaped): clean-up must not signal a pid
# that may have been reused since. stop PID: end it now (by its pid, never
# by name), and forget it.
started() {
	_it_pids="$_it_pids $1"
}
forget() {
	_rest=
	for _p in $_it_pids; do
		[ "$_p" = "$1" ] || _rest="$_rest $_p"
	done
	_it_pids=$_rest
}
stop() {
	kill "$1" 2>/dev/null
	forget "$1"
}

# The supervised mode's approver: connects to every run's socket and
# answers deny.
APPROVE=$S/approve.sock
APPROVER=$("$E/esc-outside" approver "$APPROVE") || {
	not_ok "the approver starts"
	done_testing
}
started "$APPROVER"

mode_flags() {
	case $1 in
	static) echo "--no-namespaces --no-supervise" ;;
	isolated) echo "--no-supervise" ;;
	supervised) echo "--approve-socket $APPROVE" ;;
	static-supervised) echo "--no-namespaces --approve-socket $APPROVE" ;;
	esac
}

# The static mode refuses the profile with the inner secret outright.
expect_fail_with "refusing to start" "static: a deny inside the writable project is refused, not left open" -- \
	"$LATCH" run $ACK -p "$S/esc-inner.json" --no-namespaces --no-supervise -- true

# Handles of both secrets, made outside (for open_by_handle_at).
H_OUT=$("$E/esc-outside" handle "$HOME/.ssh/id_rsa")
H_IN=$("$E/esc-outside" handle "$P/.secrets/key")

# A fresh victim for each run that needs one: a process outside that holds
# the outer secret on descriptor 7, has the token in its environment and
# SIGUSR1 blocked.
victim_start() {
	VICTIM=$(env ESC_VICTIM_TOKEN="$TOKEN" "$E/esc-outside" victim "$HOME/.ssh/id_rsa")
	started "$VICTIM"
}

# ---- the runner -------------------------------------------------------------------
# q ARG: ARG quoted for eval, in $quoted (without a subshell where ARG
# holds no single quote: this runs a few thousand times).
q() {
	case $1 in
	*"'"*) quoted="'$(printf '%s' "$1" | sed "s/'/'\\\\''/g")'" ;;
	*) quoted="'$1'" ;;
	esac
}

# expand TARGET ARG...: the arguments with placeholders (at their start)
# replaced for TARGET (out: the secret outside the project, in: the one
# inside), quoted for eval, in $expanded.
#   @SECRET @SECRET_DIR @NAME (its base name) @REL (from the project) @MARK
#   @HANDLE
#   @P (the project; its copy in control) @H (home; its copy in control)
#   @VICTIM (a fresh victim's pid)
expand() {
	_t=$1 _ctl=$2
	shift 2
	expanded=
	for _a in "$@"; do
		case $_t:$_a in
		out:@SECRET) _a=$HOME/.ssh/id_rsa ;;
		in:@SECRET) _a=$P/.secrets/key ;;
		out:@SECRET_DIR) _a=$HOME/.ssh ;;
		in:@SECRET_DIR) _a=$P/.secrets ;;
		out:@REL) _a=../.ssh/id_rsa ;;
		in:@REL) _a=.secrets/key ;;
		out:@NAME) _a=id_rsa ;;
		in:@NAME) _a=key ;;
		out:@MARK) _a=$MARK_OUT ;;
		in:@MARK) _a=$MARK_IN ;;
		out:@HANDLE) _a=$H_OUT ;;
		in:@HANDLE) _a=$H_IN ;;
		*:@VICTIM) _a=$VICTIM ;;
		*:@P/*) if [ "$_ctl" = 1 ]; then _a=$S/ctl/project${_a#@P}; else _a=$P${_a#@P}; fi ;;
		*:@H/*) if [ "$_ctl" = 1 ]; then _a=$S/ctl/home${_a#@H}; else _a=$HOME${_a#@H}; fi ;;
		esac
		q "$_a"
		expanded="$expanded $quoted"
	done
}

# Per-case settings, reset by esc after each case:
fs=        # 1: static meets the outer secret, isolated and supervised the inner one
modes=     # the modes (default: static isolated supervised)
wrap=      # a command both runs start under (a terminal, a descriptor)
control=   # "PROG OP ARG..." for the control, when it differs
victim=    # 1: a fresh victim before each run (@VICTIM)
warned_static= warned_isolated= warned_supervised=  # a documented limit: NEEDLE of latch's warning

RESULTS=$S/results
: >"$RESULTS"

NL='
'
# last_line OUTPUT: its last line in $line, and that line's first word in
# $word.
last_line() {
	line=${1##*"$NL"}
	word=${line%% *}
}

# esc NAME PROG OP [ARG...]: one case: its control, then every mode.
esc() {
	_name=$1 _prog=$2
	shift 2
	_argv_q=
	for _x in "$@"; do
		q "$_x"
		_argv_q="$_argv_q $quoted"
	done
	_cprog=$_prog _cargs_q=$_argv_q
	if [ -n "$control" ]; then
		_cprog=${control%% *} _cargs_q=
		for _x in ${control#* }; do
			q "$_x"
			_cargs_q="$_cargs_q $quoted"
		done
	fi
	_row=$_name _premise= _broken=
	# The control, once per target the modes meet.
	_targets=out
	[ -n "$fs" ] && _targets="out in"
	for _t in $_targets; do
		[ -n "$victim" ] && victim_start
		eval "set -- $_cargs_q"
		expand "$_t" 1 "$@"
		eval "run \$wrap \"\$E/\$_cprog\" control $expanded"
		[ -n "$victim" ] && stop "$VICTIM"
		last_line "$out"
		_row="$_row | control $_t: $word"
		case $word in
		possible) ;;
		premise_failed | unsupported) _premise="$word: ${line#* }" ;;
		*) _broken="$(_it_detail "$_cprog control")" ;;
		esac
	done
	if [ -n "$_broken" ]; then
		not_ok "$_name: the control gave no result" "$_broken"
		echo "$_row | broken" >>"$RESULTS"
		esc_reset
		return
	fi
	if [ -n "$_premise" ]; then
		skip "$_name" "$_premise"
		echo "$_row | skipped" >>"$RESULTS"
		esc_reset
		return
	fi
	for _m in ${modes:-static isolated supervised}; do
		_t=out _profile=esc
		if [ -n "$fs" ] && [ "$_m" != static ]; then
			_t=in _profile=esc-inner
		fi
		[ -n "$victim" ] && victim_start
		eval "set -- $_argv_q"
		expand "$_t" 0 "$@"
		_cmd="\$wrap \"\$LATCH\" run $ACK -p \"\$S/\$_profile.json\" $(mode_flags "$_m") -- \"\$E/\$_prog\" attack $expanded"
		eval "run $_cmd"
		[ -n "$victim" ] && stop "$VICTIM"
		last_line "$out"
		_line=$line _w=$word _warned=
		case $_m in
		static) _warned=$warned_static ;;
		isolated) _warned=$warned_isolated ;;
		supervised) _warned=$warned_supervised ;;
		esac
		case $_w in
		blocked)
			ok "$_name [$_m]: ${_line#blocked }"
			;;
		escaped)
			if [ -n "$_warned" ] && contains "$err" "$_warned"; then
				ok "$_name [$_m]: got through, as latch warned it would ('$_warned'): ${_line#escaped }"
				_w=escaped-as-warned
			elif [ -n "$_warned" ]; then
				not_ok "$_name [$_m]: ESCAPED, and latch did not warn '$_warned': ${_line#escaped }" "$err"
			else
				not_ok "$_name [$_m]: ESCAPED: ${_line#escaped }" "$(_it_detail "latch run ... $_prog attack")"
			fi
			;;
		premise_failed)
			# The sandboxed run could not set the attack up (a racing
			# thread starved on a busy machine): nothing was measured,
			# said as a skip with the reason, never counted as blocked.
			skip "$_name [$_m]" "premise failed in the sandbox: ${_line#premise_failed }"
			;;
		*)
			not_ok "$_name [$_m]: the attack measured nothing" "$(_it_detail "latch run ... $_prog attack")"
			;;
		esac
		_row="$_row | $_m: $_w"
	done
	echo "$_row" >>"$RESULTS"
	esc_reset
}

esc_reset() {
	fs= modes= wrap= control= victim= warned_static= warned_isolated= warned_supervised=
}

# ---- path races ------------------------------------------------------------------
fs=1; esc race-symlink-swap esc-race symlink-swap "$P/README.md" @SECRET @MARK 2000
fs=1; esc race-dir-swap esc-race dir-swap "$P/README.md" @SECRET @MARK 2000
fs=1; esc race-path-flip esc-race path-flip "$P/README.md" @SECRET @MARK 2000

# ---- links and renames into and out of the denied directory ----------------------
for op in symlink symlink-dir hardlink rename-out rename-in rename-dir; do
	fs=1; esc "links-$op" esc-links "$op" @SECRET @MARK
done

# ---- dirfd-relative and /proc/self paths -------------------------------------------
fs=1; esc path-relative esc-proc relative @REL @MARK
for op in dirfd proc-root proc-fd proc-fd-dir; do
	fs=1; esc "path-$op" esc-proc "$op" @SECRET @MARK
done
fs=1; esc path-proc-cwd esc-proc proc-cwd @REL @MARK
fs=1; victim=1; esc path-proc-pid-root esc-proc proc-pid-root @VICTIM @SECRET @MARK

# ---- open_by_handle_at, io_uring, other ABIs ------------------------------------------
fs=1; esc handle-name esc-handle name @SECRET @MARK
fs=1; esc handle-replay esc-handle replay @HANDLE @MARK
fs=1; esc io-uring-openat esc-io-uring openat @SECRET @MARK
fs=1; esc abi-int80 esc-abi int80 @SECRET @MARK
fs=1; esc abi-x32 esc-abi x32 @SECRET @MARK

# ---- other processes: memory, descriptors, environment, signals ------------------------
for op in attach vm-read proc-mem; do
	victim=1; esc "ptrace-$op" esc-ptrace "$op" @VICTIM
done
victim=1; esc ptrace-pidfd-getfd esc-ptrace pidfd-getfd @VICTIM 7 @MARK
victim=1; esc ptrace-environ esc-ptrace environ @VICTIM "$TOKEN"
for op in kill pidfd sigio; do
	victim=1; esc "signal-$op" esc-signal "$op" @VICTIM
done

# ---- the terminal ---------------------------------------------------------------------
for op in tiocsti tiocsti-hibits tioclinux; do
	wrap="$TRY pty-run"; esc "tty-$op" esc-tty "$op"
done

# ---- the network, off ---------------------------------------------------------------------
set -- $("$E/esc-outside" serve-tcp "$MARK_OUT")
TCP_PID=$1 PORT=$2
ABSTRACT=latch-esc-$IT_UID-$$
ABS_PID=$("$E/esc-outside" serve-abstract "$ABSTRACT" "$MARK_OUT")
started "$TCP_PID"
started "$ABS_PID"
esc net-inet esc-net inet "$PORT" @MARK
esc net-inet6 esc-net inet6 "$PORT" @MARK
esc net-udp esc-net udp "$PORT" @MARK
esc net-packet esc-net packet
esc net-netlink-route esc-net netlink-route
esc net-vsock esc-net vsock
esc net-abstract esc-net abstract "$ABSTRACT" @MARK
stop "$TCP_PID"
stop "$ABS_PID"

# ---- what latch's caller leaves open ---------------------------------------------------
with_fd9() { "$@" 9<"$HOME/.ssh/id_rsa"; }
with_home9() { "$@" 9<"$HOME"; }
wrap=with_fd9; esc inherit-fd esc-inherit fd 9 @MARK
wrap=with_home9; esc inherit-dirfd esc-inherit dirfd 9 .ssh/id_rsa @MARK
wrap=with_fd9; esc inherit-fds esc-inherit fds
wrap="env ESC_API_TOKEN=$TOKEN"; esc inherit-env esc-inherit env ESC_API_TOKEN "$TOKEN"
# Through latch's own pid 1 in the isolated mode, which shares the
# program's Landlock domain, uid and capabilities: it holds nothing but its
# report pipe. The control takes another process's descriptor the same way.
wrap=with_fd9; victim=1; control="esc-ptrace pidfd-getfd @VICTIM 7 @MARK"; esc inherit-pid1-fd esc-inherit pid1-fd 9 @MARK

# ---- nested user namespaces, mounts ----------------------------------------------------
for op in unshare clone clone3; do
	esc "userns-$op" esc-userns "$op"
done
JOIN=$("$E/esc-outside" victim-userns)
started "$JOIN"
esc userns-join esc-userns join "$JOIN"
stop "$JOIN"
fs=1; esc mount-bind esc-mount bind @SECRET @MARK
fs=1; esc mount-umount esc-mount umount @SECRET_DIR
for op in chroot pivot-root fsopen; do
	esc "mount-$op" esc-mount "$op"
done
fs=1; esc mount-open-tree esc-mount open-tree @SECRET_DIR @NAME @MARK

# ---- kernel interfaces ------------------------------------------------------------------
for op in keyctl bpf perf userfaultfd; do
	esc "kernel-$op" esc-kernel "$op"
done

# ---- setuid and file capabilities ----------------------------------------------------------
for op in chmod fchmod fchmodat open mknod fcaps; do
	esc "setuid-$op" esc-setuid "$op"
done
SUID=
for f in /usr/bin/passwd /usr/bin/chsh /usr/bin/newgrp /bin/su /usr/bin/mount; do
	if [ -u "$f" ] && [ "$(stat -c %u "$f")" = 0 ]; then
		SUID=$f
		break
	fi
done
if [ -n "$SUID" ]; then
	esc setuid-exec esc-setuid exec "$SUID"
else
	skip setuid-exec "no setuid-root program here to execute"
fi

# ---- the clock (the control only checks CAP_SYS_TIME: see esc-clock.c) ------------------------
for op in adjtime adjtimex settime rtc; do
	esc "clock-$op" esc-clock "$op"
done

# ---- the supervisor ---------------------------------------------------------------------------
# Signal latch itself (its pid on the program's standard input); the
# control signals another process of ours.
victim=1; control="esc-supervisor kill @VICTIM"; wrap="$E/esc-outside pid-on-stdin"
modes="supervised static-supervised"; esc supervisor-kill esc-supervisor kill -
fs=1; esc supervisor-flood esc-supervisor flood @SECRET "$P/README.md" @MARK 4000

# The approval socket where the program may write (in the project), and
# no approver connected yet: the program would connect first and answer
# its own questions. The control answers, from outside, a question of a
# latch whose program reads the inner secret.
APPROVE_IN=$P/.esc-approve.sock
"$LATCH" run $ACK -q -p "$S/esc-inner.json" --approve-socket "$S/ctl-approve.sock" --approve-timeout 10000 -- \
	cat "$P/.secrets/key" >"$S/ctl-approve.out" 2>&1 &
_ctl_latch=$!
started "$_ctl_latch"
_i=0
while [ ! -S "$S/ctl-approve.sock" ] && [ "$_i" -lt 100 ]; do
	sleep 0.05
	_i=$((_i + 1))
done
run "$E/esc-supervisor" control approve "$S/ctl-approve.sock" "$P/.secrets/key" "$MARK_IN"
wait "$_ctl_latch"
forget "$_ctl_latch"
last_line "$out"
if [ "$word" != possible ] || ! grep -q "$MARK_IN" "$S/ctl-approve.out"; then
	skip supervisor-approve "premise failed: an approver outside did not get the secret read: $line $(cat "$S/ctl-approve.out")"
	echo "supervisor-approve | control in: $word | skipped" >>"$RESULTS"
else
	_row="supervisor-approve | control in: possible"
	for _m in supervised static-supervised; do
		_f=
		[ "$_m" = static-supervised ] && _f=--no-namespaces
		run "$LATCH" run $ACK -q -p "$S/esc-inner.json" $_f --approve-socket "$APPROVE_IN" --approve-timeout 2000 -- \
			"$E/esc-supervisor" attack approve "$APPROVE_IN" "$P/.secrets/key" "$MARK_IN"
		last_line "$out"
		case $word in
		blocked) ok "supervisor-approve [$_m]: ${line#blocked }" ;;
		escaped) not_ok "supervisor-approve [$_m]: ESCAPED: ${line#escaped }" "$(_it_detail "latch run ... esc-supervisor attack approve")" ;;
		*) not_ok "supervisor-approve [$_m]: the attack measured nothing" "$(_it_detail "latch run ... esc-supervisor attack approve")" ;;
		esac
		_row="$_row | $_m: $word"
	done
	echo "$_row" >>"$RESULTS"
fi

# ---- code that runs later -------------------------------------------------------------------
# The controls work on a copy of the project and of the home files.
mkdir -p "$S/ctl/home/.config"
cp -a "$P" "$S/ctl/project"
cp "$HOME/.gitconfig" "$S/ctl/home/.gitconfig"
STATIC_PROTECT="protect: without a supervisor or namespaces"
MISSING_PROTECT="protected paths inside writable directories do not exist"
warned_static=$STATIC_PROTECT; esc persist-git-hook esc-persist create @P/.git/hooks/pre-commit
warned_static=$STATIC_PROTECT; esc persist-git-config esc-persist append @P/.git/config
warned_static=$STATIC_PROTECT; warned_isolated=$MISSING_PROTECT
esc persist-vscode esc-persist create @P/.vscode/tasks.json
warned_static=$STATIC_PROTECT; warned_isolated=$MISSING_PROTECT
esc persist-claude-settings esc-persist create @P/.claude/settings.json
esc persist-bashrc esc-persist create @H/.bashrc
esc persist-git-global esc-persist create @H/.config/git/config
esc persist-gitconfig esc-persist append @H/.gitconfig
# chmod is not Landlock's to decide: the unsupervised modes say so. Of a
# file that runs later, and of the secret itself (which any local user
# could then read).
warned_static="metadata: without a supervisor"; warned_isolated="metadata: without a supervisor"
esc metadata-chmod-gitconfig esc-persist chmod @H/.gitconfig
warned_static="metadata: without a supervisor"; warned_isolated="metadata: without a supervisor"
fs=1; esc metadata-chmod-secret esc-persist chmod @SECRET
check "the project's hooks and configuration are as they were" \
	sh -c "cd '$P' && [ ! -e .git/hooks/pre-commit ] && [ ! -e .vscode ] && [ ! -e .claude ] && ! grep -q planted .git/config"

# ---- System V IPC ----------------------------------------------------------------------------
# Named by a number, not a path: only an IPC namespace keeps it apart,
# which the static mode says it does not have.
set -- $("$E/esc-outside" shm "$MARK_OUT")
SHM_PID=$1 SHM_KEY=$2
started "$SHM_PID"
warned_static="no pid, mount, ipc, uts or network namespace"; esc ipc-shm esc-ipc shm "$SHM_KEY" @MARK
stop "$SHM_PID"

# ---- POSIX shared memory ------------------------------------------------------------------
# /dev/shm is the host's, shared by every process (agent gives the
# sandbox one of its own in the isolated mode, and none in the static).
SHM_FILE=/dev/shm/latch-esc-$IT_UID-$$
if (umask 077 && printf '%s\n' "$MARK_OUT" >"$SHM_FILE") 2>/dev/null; then
	esc ipc-posix-shm esc-ipc posix-shm "$SHM_FILE" @MARK
	rm -f "$SHM_FILE"
else
	skip ipc-posix-shm "/dev/shm cannot be written here"
fi

# ---- host settings --------------------------------------------------------------------------
# Files that make the kernel run a program as root outside any sandbox, or
# act on the whole host: opened for writing, never written. Only root's
# control can open them.
for f in /proc/sys/kernel/core_pattern /proc/sys/kernel/poweroff_cmd /proc/sys/kernel/modprobe \
	/sys/kernel/uevent_helper /proc/sysrq-trigger $(ls -d /sys/fs/cgroup/*/release_agent 2>/dev/null | head -n 1); do
	[ -e "$f" ] || continue
	esc "host-$(basename "$f")" esc-host open-write "$f"
done

# ---- pathname Unix sockets ----------------------------------------------------------------
# A fake docker.sock in a directory the profile does not grant, and an
# agent's socket in the denied ~/.ssh, each answering with a secret; and a
# datagram socket (a journal, a notify socket) reached with sendto alone,
# which answers in a directory the program may read. Every mode must
# refuse them: the supervisor decides connecting (and sending), Landlock
# does from ABI 9 on, and latch must do it where neither can.
DOCKER_SOCK=$HOME/run/docker.sock
AGENT_SOCK=$HOME/.ssh/agent.sock
DGRAM_SOCK=$HOME/run/journal.sock
mkdir -p "$P/.esc-inbox"
DOCKER_PID=$("$E/esc-outside" serve-unix "$DOCKER_SOCK" "$MARK_OUT")
started "$DOCKER_PID"
AGENT_PID=$("$E/esc-outside" serve-unix "$AGENT_SOCK" "$MARK_OUT")
started "$AGENT_PID"
DGRAM_PID=$("$E/esc-outside" serve-dgram "$DGRAM_SOCK" "$MARK_OUT" "$P/.esc-inbox")
started "$DGRAM_PID"
modes="static isolated supervised static-supervised"; esc unix-docker-sock esc-unix stream "$DOCKER_SOCK" @MARK
modes="static isolated supervised static-supervised"; esc unix-ssh-agent esc-unix stream "$AGENT_SOCK" @MARK
modes="static isolated supervised static-supervised"; esc unix-dgram-sendto esc-unix dgram "$DGRAM_SOCK" "$P/.esc-inbox" @MARK
stop "$DOCKER_PID"
stop "$AGENT_PID"
stop "$DGRAM_PID"

# ---- the table ---------------------------------------------------------------------------------
diag "escape corpus as uid $IT_UID: case | control | static | isolated | supervised"
while IFS= read -r line; do
	diag "$line"
done <"$RESULTS"

done_testing
