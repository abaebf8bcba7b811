#!/bin/sh
# Every operation probe in three lanes -- unsandboxed (the baseline),
# under minimal and under agent -- with the outcome and the attributed
# layer asserted, so each family shows an ok and a denied in one run:
# filesystem, network, process, execution, kernel surfaces, inheritance. dac_denied is
# told apart from denied against a root-owned 0600 file (as uid 65534; as
# root, the same file is readable and Landlock alone denies it).
. "$(dirname "$0")/lib.sh"

S=$IT_SCRATCH
PY=/usr/bin/python3
abi=$(landlock_abi)
B=--no-sandbox
M="-p minimal"
A="-p agent"

pyget() {
	printf '%s\n' "$out" | tail -n 1 | "$PY" -c 'import json, sys
e = json.loads(sys.stdin.read()); d = e["data"]; r = e["result"]; x = d["details"]
print(eval(sys.argv[1]))' "$1" 2>&1
}

# expect_probe WANT DESC -- ARGS...: `latch probe --json ARGS` ends with
# outcome/layer WANT ("ok/none", "denied/landlock", "dac_denied/dac", ...)
# and an exit status equal to result.rc. $PENV: variables for latch.
PENV=
expect_probe() {
	_want=$1 _desc=$2
	shift 2
	[ "$1" = -- ] && shift
	# shellcheck disable=SC2086
	run env $PENV "$LATCH" probe --json "$@"
	_got=$(pyget 'r["normalized_outcome"] + "/" + d["attribution"]["layer"] + " rc=" + str(r["rc"])')
	if [ "$_got" = "$_want rc=$rc" ]; then
		ok "$_desc"
	else
		not_ok "$_desc" "expected '$_want', got '$_got' (exit status $rc)
$(_it_detail "latch probe --json $*")"
	fi
}

# probe_check DESC EXPR -- ARGS...: run `latch probe --json ARGS`; EXPR is
# a Python condition on e, d, r and x (the details).
probe_check() {
	_desc=$1 _expr=$2
	shift 2
	[ "$1" = -- ] && shift
	run "$LATCH" probe --json "$@"
	_got=$(pyget "$_expr")
	if [ "$_got" = True ]; then
		ok "$_desc"
	else
		not_ok "$_desc" "condition: $_expr -> $_got
$(_it_detail "latch probe --json $*")"
	fi
}

# lanes NAME BASELINE MINIMAL AGENT -- ARGS...: one probe in the three lanes.
lanes() {
	_name=$1 _b=$2 _m=$3 _a=$4
	shift 4
	[ "$1" = -- ] && shift
	expect_probe "$_b" "$_name: unsandboxed, $_b" -- $B "$@"
	# shellcheck disable=SC2086
	expect_probe "$_m" "$_name: minimal, $_m" -- $M "$@"
	# shellcheck disable=SC2086
	expect_probe "$_a" "$_name: agent, $_a" -- $A "$@"
}

OK=ok/none
LL=denied/landlock
SC=denied/seccomp

# ---- filesystem: each operation on its harness fixture ----
# Landlock mediates opening, creating, removing, renaming and linking; it
# does not mediate stat, readlink, realpath, chmod or extended attributes,
# so minimal -- which writes nowhere -- still lets those through.
for op in open_read open_write create truncate rename unlink mkdir rmdir listdir link symlink; do
	lanes "fs_op $op" $OK $LL $OK -- fs_op --op "$op"
done
for op in stat readlink realpath chmod setxattr; do
	lanes "fs_op $op (not mediated by Landlock)" $OK $OK $OK -- fs_op --op "$op"
done
run "$LATCH" probe --no-sandbox --json fs_op --op getxattr
if [ "$(pyget 'r["normalized_outcome"]')" = ok ]; then
	lanes "fs_op getxattr (not mediated by Landlock)" $OK $OK $OK -- fs_op --op getxattr
else
	skip "fs_op getxattr" "this file system keeps no user xattrs ($(pyget 'r["errno"]') in the baseline)"
fi
lanes "fs_op open_read ~/.ssh/id_rsa" $OK $LL $LL -- fs_op --op open_read --path-class credentials --path id_rsa
run "$LATCH" probe -p agent --json fs_op --op open_read --path-class credentials --path id_rsa
check "fs_op: agent's denial names the deny_credentials rule" contains "$(pyget 'd["attribution"]["reason"]')" deny_credentials
expect_probe not_found/none "fs_op: a path that does not exist is not_found, not denied (minimal)" -- \
	$M fs_op --op open_read --path "$HOME/no-such-file"
expect_probe exists/none "fs_op: create over an existing fixture is exists (agent)" -- $A fs_op --op create --path file
expect_probe $LL "fs_op: agent renames nothing out of \$CWD into the scratch dir" -- \
	$A fs_op --op rename --to "$S/moved" --allow-unsafe-path

# Mount masks: a deny inside an allowed directory ($HOME writable, ~/.ssh
# and ~/.netrc denied) is hidden in the sandbox's mount namespace.
cat >"$S/mask.json" <<'EOF'
{ "name": "mask", "groups": ["system_read", "system_exec"],
  "filesystem": { "write": ["$HOME"], "deny": ["$HOME/.ssh", "$HOME/.netrc"] } }
EOF
run "$LATCH" probe -p minimal --json world_shape
if [ "$(pyget 'd["isolation"]["mnt"]')" = True ]; then
	expect_probe denied/mount_mask "mask: ~/.ssh/id_rsa is hidden (ENOENT inside, there outside)" -- \
		-p "$S/mask.json" --ack-risk mask fs_op --op open_read --path-class credentials --path id_rsa
	expect_probe denied/mount_mask "mask: ~/.netrc is an empty read-only file (EROFS)" -- \
		-p "$S/mask.json" --ack-risk mask fs_op --op open_write --path "$HOME/.netrc" --allow-unsafe-path
	run "$LATCH" probe -p "$S/mask.json" --ack-risk mask --json fs_op --op open_read --path "$HOME/.netrc"
	check "mask: reading ~/.netrc succeeds on the empty file the mask put there (0 bytes)" \
		test "$(pyget 'r["normalized_outcome"] + " " + str(d["details"]["bytes_read"])')" = "ok 0"
	expect_probe $OK "mask: the rest of \$HOME is writable" -- -p "$S/mask.json" --ack-risk mask fs_op --op create
	PENV=LATCH_NO_NAMESPACES=1
	expect_probe harness_error/none "mask: without namespaces the launcher refuses (harness_error, not denied)" -- \
		-p "$S/mask.json" --ack-risk mask fs_op --op stat
	PENV=
else
	skip "mount masks" "no mount namespace for the sandbox here (world_shape: isolation.mnt is not true)"
fi

# dac_denied against denied: a root-owned 0600 file. As root, Unix
# permissions let root read it: Landlock alone decides. As an unprivileged
# uid, Unix permissions refuse it in every lane -- also where the profile
# allows it, and also where the profile denies it (they answer first).
cat >"$S/dac.json.in" <<'EOF'
{ "name": "dac-test", "groups": ["system_read", "system_exec"], "filesystem": { "read": ["@FILE@"] } }
EOF
if [ "$IT_UID" -eq 0 ]; then
	secret=$S/root-secret
	printf 'secret\n' >"$secret"
	chmod 600 "$secret"
	sed "s|@FILE@|$secret|" "$S/dac.json.in" >"$S/dac.json"
	expect_probe $OK "dac (root): the root-owned 0600 file is readable unsandboxed" -- $B fs_op --op open_read --path "$secret"
	expect_probe $OK "dac (root): readable under a profile that allows it" -- -p "$S/dac.json" fs_op --op open_read --path "$secret"
	expect_probe $LL "dac (root): denied by Landlock under agent (not dac)" -- $A fs_op --op open_read --path "$secret"
	expect_probe $LL "dac (root): denied by Landlock under minimal (not dac)" -- $M fs_op --op open_read --path "$secret"
else
	secret=
	for f in /etc/.pwd.lock /etc/security/opasswd /etc/ssh/ssh_host_ed25519_key /etc/ssh/ssh_host_rsa_key /etc/gshadow- /etc/shadow-; do
		if [ -f "$f" ] && [ "$(stat -c '%u %a' "$f" 2>/dev/null)" = "0 600" ]; then
			secret=$f
			break
		fi
	done
	if [ -z "$secret" ]; then
		skip "dac (uid $IT_UID)" "no root-owned 0600 file this uid can reach on this machine"
	else
		sed "s|@FILE@|$secret|" "$S/dac.json.in" >"$S/dac.json"
		expect_probe dac_denied/dac "dac (uid $IT_UID): $secret is refused unsandboxed (the baseline)" -- \
			$B fs_op --op open_read --path "$secret"
		expect_probe dac_denied/dac "dac (uid $IT_UID): refused by Unix permissions where the profile allows it" -- \
			-p "$S/dac.json" fs_op --op open_read --path "$secret"
		expect_probe dac_denied/dac "dac (uid $IT_UID): dac_denied, not denied, where agent denies it too" -- \
			$A fs_op --op open_read --path "$secret"
	fi
	expect_probe $LL "dac (uid $IT_UID): its own 0600 ~/.ssh/id_rsa is denied by Landlock (agent)" -- \
		$A fs_op --op open_read --path-class credentials --path id_rsa
fi

# ---- network ----
# network: off refuses socket() for everything but AF_UNIX (seccomp), and
# isolated mode puts the sandbox in an empty network namespace.
for op in tcp_connect tcp_bind udp_send; do
	lanes "net_op $op" $OK $SC $SC -- net_op --op "$op"
done
# A pathname socket outside what minimal grants: refused by the supervisor
# of connect() that serves unsupervised runs (by Landlock from ABI 9); the
# harness lies in the project, where agent may write, so may connect.
UC=denied/supervisor UC_TCP=denied/supervisor
[ "$(landlock_abi)" -ge 9 ] && UC=$LL UC_TCP=$LL
lanes "net_op unix_connect (the harness's socket file)" $OK $UC $OK -- net_op --op unix_connect
lanes "net_op getaddrinfo localhost (/etc/hosts)" $OK $OK $OK -- net_op --op getaddrinfo
lanes "net_op abstract_connect (the runner's listener)" $OK denied/namespace denied/namespace -- \
	net_op --op abstract_connect
cat >"$S/nohosts.json" <<'EOF'
{ "name": "no-hosts", "groups": ["system_exec"] }
EOF
expect_probe $LL "net_op getaddrinfo: /etc/hosts unreadable is denied by Landlock" -- \
	-p "$S/nohosts.json" net_op --op getaddrinfo
if [ "$abi" -ge 4 ]; then
	bg_start "$S/l.port" "$TRY" tcp-listen 0
	if wait_for_output "$S/l.port"; then
		port=$(head -n 1 "$S/l.port")
		cat >"$S/ports.json" <<EOF
{ "name": "ports", "groups": ["system_read", "system_exec"], "network": { "mode": "ports", "connect_tcp": [$port] } }
EOF
		# Below ABI 9 a supervisor of connect() serves the run (for
		# pathname sockets) and refuses the port itself, before Landlock.
		expect_probe $UC_TCP "net_op tcp_connect to a port not in connect_tcp: $UC_TCP" -- \
			-p "$S/ports.json" net_op --op tcp_connect
		expect_probe $OK "net_op tcp_connect to the listed port $port: ok" -- \
			-p "$S/ports.json" net_op --op tcp_connect --port "$port"
	else
		not_ok "net_op: a listener outside" "try-op tcp-listen printed nothing"
	fi
else
	skip "net_op: TCP port lists" "Landlock ABI $abi < 4 cannot filter TCP ports"
fi

# ---- process ----
lanes "signal a child of the probe" $OK $OK $OK -- signal --target child --signal TERM
# In isolated mode the parent is the sandbox's own pid 1 (inside); in
# static mode it is the runner, outside, where Landlock's scope applies.
lanes "signal the parent" $OK $OK $OK -- signal --target parent
# Without namespaces the runner and its listener share the sandbox's pid and
# network namespaces: Landlock's scopes are what refuses.
if [ "$abi" -ge 6 ]; then
	PENV=LATCH_NO_NAMESPACES=1
	expect_probe $LL "signal the parent (the runner) without namespaces: Landlock's scope" -- \
		$A signal --target parent
	expect_probe $LL "net_op abstract_connect without namespaces: Landlock's scope" -- \
		$M net_op --op abstract_connect
	PENV=
else
	skip "signal and abstract socket scoping" "Landlock ABI $abi < 6 cannot scope them"
fi
bg_start "$S/sleep.out" sleep 30
spid=$bg_pid
expect_probe $OK "signal 0 to a process outside: ok unsandboxed" -- $B signal --target pid --pid "$spid"
expect_probe denied/namespace "signal a process outside: hidden by the pid namespace (minimal)" -- \
	$M signal --target pid --pid "$spid"
check "the outside process is alive" kill -0 "$spid"
# agent reads all of /proc (system_info); minimal reads none of it.
for op in read_cmdline read_environ; do
	lanes "proc_info $op of a child" $OK $LL $OK -- proc_info --op "$op"
done
for op in ptrace_attach vm_read; do
	lanes "proc_info $op of a child" $OK $SC $SC -- proc_info --op "$op"
done
cat >"$S/ptrace.json" <<'EOF'
{ "name": "ptrace", "groups": ["system_read", "system_exec"], "process": { "ptrace": true } }
EOF
expect_probe $OK "proc_info ptrace_attach of a child with process.ptrace: ok" -- \
	-p "$S/ptrace.json" --ack-risk ptrace proc_info --op ptrace_attach
expect_probe $OK "proc_info vm_read of a child with process.ptrace: ok" -- -p "$S/ptrace.json" --ack-risk ptrace proc_info --op vm_read
PENV=LATCH_NO_NAMESPACES=1
expect_probe $LL "proc_info ptrace_attach of the runner (static mode): Landlock's ptrace rule" -- \
	-p "$S/ptrace.json" --ack-risk ptrace proc_info --op ptrace_attach --target parent
PENV=
lanes "sysctl_read kernel.osrelease" $OK $LL $OK -- sysctl_read
lanes "sysctl_read kernel.hostname" $OK $LL $OK -- sysctl_read --name kernel.hostname

# ---- execution ----
cp /bin/true "$PROJECT/true-copy" && cp /bin/true "$S/true-copy" && chmod 755 "$PROJECT/true-copy" "$S/true-copy"
lanes "exec /bin/true" $OK $OK $OK -- exec --path /bin/true
lanes "exec a copy in \$CWD" $OK $LL $OK -- exec --path "$PROJECT/true-copy"
expect_probe $LL "exec a copy in the scratch dir: agent denies it" -- $A exec --path "$S/true-copy"
# Landlock checks execute on files beneath its rules; a memfd lies beneath
# none, and the kernel lets it run: fileless execution is not confined.
lanes "memfd_exec (not confined by Landlock)" $OK $OK $OK -- memfd_exec
lib=
for f in /lib/x86_64-linux-gnu/libc.so.6 /lib/aarch64-linux-gnu/libc.so.6 /lib64/libc.so.6 /usr/lib/libc.so.6; do
	[ -f "$f" ] && lib=$f && break
done
if [ -n "$lib" ]; then
	cp "$lib" "$PROJECT/libcopy.so" && cp "$lib" "$S/libcopy.so"
	lanes "dlopen $lib" $OK $OK $OK -- dlopen --path "$lib"
	lanes "dlopen a copy in \$CWD" $OK $LL $OK -- dlopen --path "$PROJECT/libcopy.so"
	expect_probe $LL "dlopen a copy in the scratch dir: agent denies reading it" -- $A dlopen --path "$S/libcopy.so"
	expect_probe premise_failed/none "dlopen of a text file, not a shared object: premise_failed" -- \
		$B dlopen --path "$PROJECT/README.md"
else
	skip "dlopen" "no libc.so.6 at a known path"
fi

# ---- kernel surfaces ----
if unshare -U true >/dev/null 2>&1 || [ "$IT_UID" -eq 0 ]; then
	lanes "mount tmpfs (in a private mount namespace)" $OK $SC $SC -- mount --op tmpfs
else
	lanes "mount tmpfs: no user namespace for uid $IT_UID here" dac_denied/dac $SC $SC -- mount --op tmpfs
fi
if unshare -U true >/dev/null 2>&1; then
	lanes "userns" $OK $SC $SC -- userns
else
	lanes "userns: refused to uid $IT_UID by the system" dac_denied/dac $SC $SC -- userns
fi
case $(cat /proc/sys/kernel/io_uring_disabled 2>/dev/null || echo 0) in
0) lanes "io_uring" $OK $SC $SC -- io_uring ;;
*) lanes "io_uring: disabled by kernel.io_uring_disabled" dac_denied/dac $SC $SC -- io_uring ;;
esac
run "$TRY" pty-run "$TRY" tcgetattr 0
if [ "$out" != ok ]; then
	skip "ioctl tiocsti" "no pseudo-terminal can be made here (try-op pty-run: $out $err)"
else
	want=$OK
	if [ "$IT_UID" -ne 0 ] && [ "$(cat /proc/sys/dev/tty/legacy_tiocsti 2>/dev/null)" = 0 ]; then
		want=dac_denied/dac
	fi
	for lane in "$B" "$M" "$A"; do
		w=$want
		[ "$lane" = "$B" ] || w=$SC
		# shellcheck disable=SC2086
		run "$TRY" pty-run "$LATCH" probe --json $lane ioctl --op tiocsti
		got=$(pyget 'r["normalized_outcome"] + "/" + d["attribution"]["layer"]')
		check "ioctl tiocsti on the controlling pty ($lane): $w ($got)" test "$got" = "$w"
	done
fi
expect_probe premise_failed/none "ioctl tiocsti without a terminal under minimal (no /dev/ptmx): premise_failed" -- \
	$M ioctl --op tiocsti
expect_probe $SC "ioctl tiocsti on a new pty under agent: seccomp" -- $A ioctl --op tiocsti

# ---- inherit_child ----
# The probe re-executes latch as a child and reads the child's reports from
# the event bus: the sandbox is inherited (the parent's seccomp mode,
# no_new_privs and denials), an fd handed across the rights bus keeps the
# access it was opened with (read through it works, write does not, and
# the child, restricted further, cannot open the path itself), fds never
# travel on the event bus, and a child that dies silently is a diagnostic
# (harness_error), never a denial.

INHERITED='x["inherited"] is True and x["child_direct_open"] == x["parent_direct_open"]'
OUTCOME='r["normalized_outcome"] + "/" + d["attribution"]["layer"]'

# ---- restrictions: the child is in the parent's sandbox ----
probe_check "restrictions, unsandboxed: the child opens the fixture like its parent" \
	"$OUTCOME == 'ok/none' and $INHERITED" -- \
	--no-sandbox inherit_child --scenario restrictions
probe_check "restrictions, minimal: the child is denied by Landlock, as its parent is" \
	"$OUTCOME == 'denied/landlock' and $INHERITED and x['parent_direct_open'] == 'EACCES'" -- \
	-p minimal inherit_child --scenario restrictions
probe_check "restrictions, minimal: the child has the parent's seccomp filter and no_new_privs" \
	"[e for e in x['events'] if e['event'] == 'restrictions'][0]['seccomp_mode'] == 2 and x['parent']['no_new_privs'] is True" -- \
	-p minimal inherit_child --scenario restrictions
probe_check "restrictions, agent: the child reads the project fixture" \
	"$OUTCOME == 'ok/none' and $INHERITED" -- -p agent inherit_child --scenario restrictions
probe_check "restrictions, agent: ~/.ssh/id_rsa is denied to the child as to the parent" \
	"$OUTCOME == 'denied/landlock' and $INHERITED and 'deny_credentials' in d['attribution']['reason']" -- \
	-p agent inherit_child --scenario restrictions --path-class credentials --path id_rsa

# ---- the rights bus: delegation made visible ----
DELEGATED='x["delegated_read"] == "ok" and x["delegated_write"] == "EBADF" and x["child_restricted_further"] == "ok" and x["child_direct_open"] == "EACCES" and x["fd_sent"] == "ok"'
probe_check "rights_bus, unsandboxed: the fd reads, does not write, and the restricted child cannot open the path" \
	"$OUTCOME == 'ok/none' and $DELEGATED" -- --no-sandbox inherit_child --scenario rights_bus
probe_check "rights_bus, minimal: /etc/passwd delegated keeps its read access" \
	"$OUTCOME == 'ok/none' and $DELEGATED and x['inherited'] is True" -- \
	-p minimal inherit_child --scenario rights_bus --path /etc/passwd
probe_check "rights_bus, minimal: what the parent cannot open it cannot delegate (premise_failed)" \
	"$OUTCOME == 'premise_failed/none' and r['ok'] is False" -- -p minimal inherit_child --scenario rights_bus
probe_check "rights_bus, agent: the project fixture delegated" \
	"$OUTCOME == 'ok/none' and $DELEGATED and x['inherited'] is True" -- -p agent inherit_child --scenario rights_bus

# ---- the event bus carries events, never fds ----
for lane in --no-sandbox "-p minimal" "-p agent"; do
	# shellcheck disable=SC2086
	probe_check "event_bus_fd ($lane): an fd sent on the event bus is closed and counted, not accepted" \
		"$OUTCOME == 'ok/none' and x['event_bus_fds_rejected'] >= 1 and x['event_bus_bad_lines'] == 0" -- \
		$lane inherit_child --scenario event_bus_fd
done

# ---- a child that says nothing is a diagnostic ----
for lane in --no-sandbox "-p minimal" "-p agent"; do
	# shellcheck disable=SC2086
	probe_check "silent_child ($lane): harness_error (rc 125), never denied" \
		"$OUTCOME == 'harness_error/none' and r['rc'] == 125 and x['events'] == [] and 'before writing any event' in r['error']" -- \
		$lane inherit_child --scenario silent_child
	check "silent_child ($lane): exit status 125" test "$rc" -eq 125
done

done_testing
