#!/bin/sh
# The isolation layer: namespaces, masks, limits, and the fallback. Every
# case runs in isolated mode (the default) and, where the answer differs,
# with the fallback forced (LATCH_NO_NAMESPACES=1), asserting what each mode
# gives -- and that the fallback says what it loses.
. "$(dirname "$0")/lib.sh"

# Profiles here are deliberately wide (derived risk tier 2): acknowledged,
# as a user must, with --ack-risk.
ACK="--ack-risk iso-home --ack-risk iso-missing"

S=$IT_SCRATCH
H=$HOME
NOISO="env LATCH_NO_NAMESPACES=1"

if ! "$LATCH" doctor --json | /usr/bin/python3 -c '
import json, sys
sys.exit(0 if json.load(sys.stdin)["data"]["user_namespaces"]["available"] else 1)'; then
	skip "isolation" "unprivileged user namespaces are not available here (latch doctor)"
	done_testing
	exit 0
fi

# A profile that may read /proc and write the whole home, with ~/.ssh, one
# file and the history denied inside it, and known_hosts allowed back.
cat >"$S/home.json" <<EOF
{
  "name": "iso-home",
  "groups": ["system_read", "system_exec", "devices"],
  "filesystem": {
    "read": ["/proc", "\$HOME/.ssh/known_hosts"],
    "exec": ["$TRY_DIR"],
    "write": ["\$HOME"],
    "deny": ["\$HOME/.ssh", "\$HOME/.aws", "\$HOME/.netrc", "\$HOME/.gnupg", "\$HOME/.bash_history"]
  }
}
EOF
P=$S/home.json

# ---- other processes ------------------------------------------------------
bg_start "$S/sleeper.out" env LATCH_IT_SECRET=env-secret-7f3a sleep 60
spid=$bg_pid
# env execs sleep with the secret: wait (bounded) until it has.
_i=0
while [ "$_i" -lt 50 ] && [ "$(cat "/proc/$spid/comm" 2>/dev/null)" != sleep ]; do
	sleep 0.1
	_i=$((_i + 1))
done
expect_output_contains "env-secret-7f3a" "baseline: the outside process's environ is readable without latch" -- \
	sh -c 'tr "\0" "\n" <"/proc/$1/environ"' sh "$spid"
expect_output_lacks "sleep 60" "isolated: ps inside does not list the outside process" -- \
	"$LATCH" run $ACK -p "$P" -- ps -e -o pid,args
expect_output_contains "ps -e" "isolated: ps inside does list the sandbox's own processes" -- \
	"$LATCH" run $ACK -p "$P" -- ps -e -o pid,args
expect_fail_with "No such file" "isolated: /proc/PID/environ of the outside process does not exist inside" -- \
	"$LATCH" run $ACK -p "$P" -- cat "/proc/$spid/environ"
# Without a pid namespace the process is visible (its command line, with
# any secret on it). Its environ is still refused to an unprivileged
# sandbox by Landlock's own ptrace restriction; root passes that check.
expect_output_contains "sleep 60" "fallback: ps inside lists the outside process (the loss)" -- \
	$NOISO "$LATCH" run $ACK --quiet -p "$P" --allow-unmasked -- ps -e -o pid,args
expect_output_contains "sleep" "fallback: its /proc/PID/cmdline is readable (the loss)" -- \
	$NOISO "$LATCH" run $ACK --quiet -p "$P" --allow-unmasked -- cat "/proc/$spid/cmdline"
expect_output_contains "no pid, mount, ipc, uts or network namespace" "fallback: the warning says what is lost" -- \
	$NOISO "$LATCH" run $ACK -p "$P" --allow-unmasked -- true
bg_stop "$spid"

# ---- masks: ~/.ssh hidden inside a writable $HOME ---------------------------
R() { "$LATCH" run $ACK -p "$P" -- "$@"; }
expect_fail_with "No such file" "mask: cat ~/.ssh/id_rsa fails" -- R cat "$H/.ssh/id_rsa"
expect_output_lacks "id_rsa" "mask: listing ~/.ssh shows nothing denied" -- R ls -a "$H/.ssh"
expect_output_contains "known_hosts" "mask: listing ~/.ssh shows the allowed known_hosts" -- R ls -a "$H/.ssh"
expect_output_contains "github.com" "mask: the allowed known_hosts is readable" -- R cat "$H/.ssh/known_hosts"
expect_why allow "$P" read "$H/.ssh/known_hosts"
expect_fail_with "Read-only" "mask: the allowed known_hosts is not writable (the policy grants read)" -- \
	R sh -c 'echo x >>"$1"' sh "$H/.ssh/known_hosts"
expect_why deny "$P" write "$H/.ssh/known_hosts"
expect_fail_with "No such file" "mask: cp ~/.ssh/id_rsa fails" -- R cp "$H/.ssh/id_rsa" "$H/copy"
expect_fail_with "No such file" "mask: ln ~/.ssh/id_rsa fails" -- R ln "$H/.ssh/id_rsa" "$H/hard"
expect_fail_with "busy" "mask: mv ~/.ssh ~/x fails" -- R mv "$H/.ssh" "$H/x"
expect_why deny "$P" delete "$H/.ssh"
rm -f "$H/sym"
expect_output_lacks "$IT_MARK_SSH" "mask: ln -s ~/.ssh/id_rsa ./l && cat ./l shows nothing" -- \
	R sh -c 'ln -s "$1" "$2"; cat "$2"' sh "$H/.ssh/id_rsa" "$H/sym"
rm -f "$H/sym"
expect_fail_with "Read-only" "mask: creating ~/.ssh/new fails" -- R sh -c 'echo x >"$1"' sh "$H/.ssh/new"
expect_why deny "$P" create "$H/.ssh/new"
expect_fail_with "No such file" "mask: ~/.aws/credentials is hidden" -- R cat "$H/.aws/credentials"
expect_output_lacks "$IT_MARK_NETRC" "mask: ~/.netrc (a file) reads empty" -- R cat "$H/.netrc"
expect_fail_with "Read-only" "mask: ~/.netrc (a file) cannot be written" -- R sh -c 'echo x >"$1"' sh "$H/.netrc"
expect_output_lacks "$IT_MARK_HIST" "mask: ~/.bash_history reads empty" -- R cat "$H/.bash_history"
expect_output_contains "home-work" "mask: ordinary work in \$HOME succeeds" -- \
	R sh -c 'echo home-work >"$1/work.txt" && mkdir -p "$1/dir" && mv "$1/work.txt" "$1/dir/" && cat "$1/dir/work.txt"' sh "$H"
expect_why allow "$P" write "$H/dir/work.txt"
check "mask: the real files outside are untouched" eval 'grep -q "$IT_MARK_SSH" "$H/.ssh/id_rsa" && grep -q "$IT_MARK_NETRC" "$H/.netrc"'
check "mask: no staging file is left in /tmp" eval '! ls /tmp/.latch-mask-* >/dev/null 2>&1'
rm -f "$S/m"
expect_rc 125 "fallback: the same profile is refused (Landlock alone cannot mask)" -- \
	$NOISO "$LATCH" run $ACK -p "$P" -- sh -c 'touch "$1"' sh "$S/m"
check "fallback: the command never ran" [ ! -e "$S/m" ]
expect_output_contains "namespaces would mask it" "fallback: the refusal says namespaces would mask it" -- \
	$NOISO "$LATCH" run $ACK -p "$P" -- true

# A denied path inside an allowed directory that does not exist: refused in
# isolated mode too, unless --allow-unmasked.
cat >"$S/missing.json" <<EOF
{ "name": "iso-missing", "extends": "$P", "filesystem": { "deny": ["\$HOME/.not-there"] } }
EOF
expect_rc 125 "unmaskable: a missing denied path inside \$HOME is refused" -- \
	"$LATCH" run $ACK -p "$S/missing.json" -- sh -c 'touch "$1"' sh "$S/m"
check "unmaskable: the command never ran" [ ! -e "$S/m" ]
expect_output_contains "not enforced: --allow-unmasked" "unmaskable: --allow-unmasked runs it, with a warning" -- \
	"$LATCH" run $ACK --allow-unmasked -p "$S/missing.json" -- true
check "unmaskable: and it ran (exit 0)" [ "$rc" -eq 0 ]

# ---- network off: an empty network namespace, and no sockets but unix -------
cat >"$S/net.json" <<EOF
{ "name": "iso-net", "groups": ["system_read", "system_exec"], "filesystem": { "exec": ["$TRY_DIR"] },
  "network": { "mode": "off" } }
EOF
port=$("$TRY" free-port)
/usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.settimeout(3)
print("listening", flush=True)
try:
    print("received", s.recv(100).decode(), flush=True)
except socket.timeout:
    print("nothing", flush=True)
' "$port" >"$S/udp.out" 2>&1 &
upid=$!
_it_pids="$_it_pids $upid"
wait_for_output "$S/udp.out"
for mode in isolated fallback; do
	pre=
	[ "$mode" = fallback ] && pre=$NOISO
	expect_op EACCES "$mode: network off: a TCP socket is refused" -- $pre "$LATCH" run $ACK --quiet -p "$S/net.json" -- "$TRY" tcp-connect 127.0.0.1 "$port"
	expect_op EACCES "$mode: network off: a UDP socket is refused" -- $pre "$LATCH" run $ACK --quiet -p "$S/net.json" -- "$TRY" udp-socket
	expect_op EACCES "$mode: network off: a raw socket is refused" -- $pre "$LATCH" run $ACK --quiet -p "$S/net.json" -- "$TRY" raw-socket
	run $pre "$LATCH" run $ACK --quiet -p "$S/net.json" -- /usr/bin/python3 -c '
import socket, sys
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"leak", ("127.0.0.1", int(sys.argv[1])))' "$port"
done
wait "$upid" 2>/dev/null
expect_output_contains "nothing" "network off: the UDP listener outside received nothing" -- cat "$S/udp.out"
expect_output_contains "net" "isolated: the plan lists the network namespace" -- \
	"$LATCH" run $ACK --dry-run -p "$S/net.json" -- true

# ---- lifetime: killing latch kills the sandbox -------------------------------
"$LATCH" run $ACK -p "$P" -- sh -c 'sleep 60 & sleep 60 & echo started; wait' >"$S/life.out" 2>&1 &
lpid=$!
_it_pids="$_it_pids $lpid"
wait_for_output "$S/life.out"
kids=$(ps -e -o pid=,ppid=,args= | awk -v p="$lpid" '$2 == p { print $1 }')
grand=
for k in $kids; do
	grand="$grand $(ps -e -o pid=,ppid= | awk -v p="$k" '$2 == p { print $1 }')"
done
sleepers=
for g in $grand; do
	sleepers="$sleepers $(ps -e -o pid=,ppid=,args= | awk -v p="$g" '$2 == p && /sleep 60/ { print $1 }')"
done
check "lifetime: the sandbox's sleeps are running" [ -n "$(echo $sleepers)" ]
kill -KILL "$lpid"
wait "$lpid" 2>/dev/null
gone=yes
for s in $sleepers; do wait_gone "$s" || gone=no; done
check "lifetime: kill -9 of latch ends every process in the sandbox" [ "$gone" = yes ]

# ---- exit status and signals propagate exactly -----------------------------
for mode in isolated fallback; do
	pre=
	[ "$mode" = fallback ] && pre=$NOISO
	expect_rc 7 "$mode: exit 7 propagates" -- $pre "$LATCH" run $ACK --quiet -p minimal -- sh -c 'exit 7'
	expect_rc 143 "$mode: death by SIGTERM propagates (143)" -- $pre "$LATCH" run $ACK --quiet -p minimal -- sh -c 'kill -TERM $$'
	expect_rc 137 "$mode: death by SIGKILL propagates (137)" -- $pre "$LATCH" run $ACK --quiet -p minimal -- sh -c 'kill -KILL $$'
done
"$LATCH" run $ACK -p base -- sh -c 'trap "echo got-term; exit 3" TERM; echo ready; sleep 30 & wait' >"$S/term.out" 2>&1 &
tpid=$!
_it_pids="$_it_pids $tpid"
wait_for_output "$S/term.out"
kill -TERM "$tpid"
wait "$tpid"
trc=$?
check "isolated: SIGTERM to latch reaches the program (it trapped it and exited 3)" \
	eval '[ "$trc" -eq 3 ] && grep -q got-term "$S/term.out"'

# ---- limits ------------------------------------------------------------------
cat >"$S/limits.json" <<EOF
{ "name": "iso-limits", "extends": "minimal", "filesystem": { "write": ["$S"] },
  "limits": { "nofile": 64, "fsize": 4096 } }
EOF
expect_output_contains "64" "limits: nofile 64 is in force inside" -- "$LATCH" run $ACK -p "$S/limits.json" -- sh -c 'ulimit -n'
expect_output_contains "0" "limits: core is 0 by default" -- "$LATCH" run $ACK -p "$S/limits.json" -- sh -c 'ulimit -c'
run "$LATCH" run $ACK -p "$S/limits.json" -- sh -c 'head -c 8192 /dev/zero >"$1"' sh "$S/big"
check "limits: fsize 4096 stops a larger write" eval '[ "$rc" -ne 0 ] && [ "$(wc -c <"$S/big")" -le 4096 ]'
run "$LATCH" run $ACK -p minimal -- sh -c 'ulimit -n'
check "limits: without a limit, nofile is not 64 (control)" eval '[ "$rc" -eq 0 ] && [ "$out" != 64 ]'
cat >"$S/cg.json" <<EOF
{ "name": "iso-cg", "extends": "minimal", "limits": { "pids": 64 } }
EOF
cat >"$S/cg-req.json" <<EOF
{ "name": "iso-cg-req", "extends": "$S/cg.json", "required": ["cgroup_limits"] }
EOF
if "$LATCH" run $ACK --dry-run -p "$S/cg.json" -- true | grep -q 'cgroup_limits'; then
	expect_output_contains "cgroup_limits:" "limits: pids without a delegated cgroup v2 controller is reported" -- \
		"$LATCH" run $ACK -p "$S/cg.json" -- true
	expect_rc 125 "limits: with cgroup_limits required, the run is refused" -- "$LATCH" run $ACK -p "$S/cg-req.json" -- true
	expect_rc 125 "limits: with --strict, the run is refused" -- "$LATCH" run $ACK --strict -p "$S/cg.json" -- true
else
	expect_output_contains "pids.max" "limits: the cgroup is delegated, and pids.max is set" -- \
		"$LATCH" run $ACK -p "$S/cg.json" -- true
fi

# ---- required namespaces ------------------------------------------------------
cat >"$S/need-ns.json" <<EOF
{ "name": "iso-need", "extends": "minimal", "required": ["namespaces"] }
EOF
expect_rc 0 "required namespaces: isolated mode runs" -- "$LATCH" run $ACK -p "$S/need-ns.json" -- true
expect_rc 125 "required namespaces: the forced fallback is refused" -- $NOISO "$LATCH" run $ACK -p "$S/need-ns.json" -- true
expect_rc 125 "--strict: the forced fallback is not a degradation but --no-namespaces with required is refused" -- \
	"$LATCH" run $ACK --no-namespaces -p "$S/need-ns.json" -- true
expect_rc 125 "LATCH_NO_NAMESPACES=yes is refused (0 or 1)" -- env LATCH_NO_NAMESPACES=yes "$LATCH" run $ACK -p minimal -- true

# ---- one truth about the mode: doctor, --dry-run and the run agree ------------
for nn in 0 1; do
	run env LATCH_NO_NAMESPACES=$nn "$LATCH" doctor --json
	dmode=$(printf '%s' "$out" | /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["data"]["run_mode"])')
	for p in minimal agent claude-code; do
		run env LATCH_NO_NAMESPACES=$nn "$LATCH" run --ack-risk "$p" -p "$p" --dry-run -- true
		pmode=$(printf '%s' "$out" | /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["data"]["mode"])')
		run env LATCH_NO_NAMESPACES=$nn "$LATCH" run --ack-risk "$p" -p "$p" -q -- sh -c 'echo "$$"'
		if [ "$out" = 2 ]; then rmode=isolated; else rmode=static; fi
		check "LATCH_NO_NAMESPACES=$nn, $p: doctor ($dmode), --dry-run ($pmode) and the run ($rmode) agree" \
			[ "$dmode" = "$pmode" ] && [ "$pmode" = "$rmode" ]
	done
done

# ---- one truth about everything else: every built-in profile, with and --------
# without its supervisor and its namespaces, as root and unprivileged:
# doctor's plan (for the profile as it is), --dry-run and the run itself
# name the same mode, the same warnings and the same refusals (the risk
# gate, which only a run applies, aside).
cat >"$IT_SCRATCH/truth.py" <<'EOF'
import json, subprocess, sys
latch, mode_flag = sys.argv[1], sys.argv[2:]
doc = json.loads(subprocess.run([latch, "doctor", "--json"], capture_output=True, text=True).stdout)["data"]
rows = {r["name"]: r for r in doc["profiles"]}
bad = []
for name in sorted(rows):
    ack = ["--ack-risk", name]
    plan = json.loads(subprocess.run([latch, "run", "-p", name, *ack, *mode_flag, "--dry-run", "--json", "--", "true"],
                                     capture_output=True, text=True).stdout)["data"]
    run = subprocess.run([latch, "run", "-p", name, *ack, *mode_flag, "--", "sh", "-c", "echo $$"],
                         capture_output=True, text=True)
    warned = [l[len("latch: warning: "):] for l in run.stderr.splitlines() if l.startswith("latch: warning: ")]
    refused = [l[len("latch: refusing to start: "):] for l in run.stderr.splitlines()
               if l.startswith("latch: refusing to start: ")]
    rmode = "isolated" if run.stdout.strip() == "2" else ("static" if run.returncode == 0 else None)
    if plan["warnings"] != warned:
        bad.append("%s: --dry-run warns %s, the run %s" % (name, plan["warnings"], warned))
    if plan["refusals"] != refused:
        bad.append("%s: --dry-run refuses %s, the run %s" % (name, plan["refusals"], refused))
    if rmode and rmode != plan["mode"]:
        bad.append("%s: --dry-run says %s, the run was %s" % (name, plan["mode"], rmode))
    if not mode_flag:
        r = rows[name]
        gate = [x for x in r["refusals"] if "risk tier 2" in x]
        if r["mode"] != plan["mode"] or r["degraded"] != plan["warnings"] or \
           [x for x in r["refusals"] if x not in gate] != plan["refusals"]:
            bad.append("%s: doctor says %s %s %s, --dry-run %s %s %s" % (name, r["mode"], r["degraded"],
                       r["refusals"], plan["mode"], plan["warnings"], plan["refusals"]))
print("; ".join(bad) if bad else "agree: %d profiles" % len(rows))
sys.exit(1 if bad else 0)
EOF
for flag in "" --no-supervise --no-namespaces; do
	run /usr/bin/python3 "$IT_SCRATCH/truth.py" "$LATCH" $flag
	check "[$flag] doctor, --dry-run and the run agree for every built-in profile: $out" [ "$rc" -eq 0 ]
done

# ---- /tmp: the sandbox's own in the isolated mode, scratch in the static one ----
# A file another program left in the host's /tmp is out of sight; what the
# program writes there is gone at exit; a project inside /tmp stays what it
# is.
HOSTFILE=$(mktemp /tmp/latch-host-file.XXXXXX)
TP0=$(mktemp -d /tmp/latch-project.XXXXXX)
TP=$TP0/deeper
mkdir "$TP"
echo host-secret >"$HOSTFILE"
echo '# project in /tmp' >"$TP/README.md"
chmod 644 "$HOSTFILE"
run sh -c 'cd "$1" && shift && exec "$@"' sh "$TP" "$LATCH" run --ack-risk agent -p agent -q -- sh -c '
	ls -A /tmp | grep -q "^latch-host-file" && echo HOST-VISIBLE
	cat "$1" 2>/dev/null
	echo own >/tmp/own-file && cat /tmp/own-file
	cat README.md >/dev/null && echo project-ok && echo new >made-here
	mkdir -p "$TMPDIR/x" && echo tmpdir-ok' sh "$HOSTFILE"
check "isolated: the host's /tmp entries are out of sight: $out $err" lacks "$out" HOST-VISIBLE
check "...and unreadable" lacks "$out" host-secret
check "...a file of its own in /tmp is written and read" contains "$out" own
check "...a project inside /tmp stays reachable" contains "$out" project-ok
check "...and writable, on the host" [ "$(cat "$TP/made-here" 2>/dev/null)" = new ]
check "...and so does \$TMPDIR" contains "$out" tmpdir-ok
check "...and the file it wrote in /tmp is gone from the host" [ ! -e /tmp/own-file ]
run "$LATCH" run --ack-risk agent -p agent -q --no-namespaces -- sh -c '
	cat "$1" 2>/dev/null
	echo own >/tmp/own-file-$$ && cat /tmp/own-file-$$ && rm /tmp/own-file-$$' sh "$HOSTFILE"
check "static: /tmp is scratch: another program's file there stays unreadable" lacks "$out" host-secret
check "...while a new file of its own is written, read and removed: $err" contains "$out" own
run cat "$HOSTFILE"
check "...and the host file is readable outside (the control)" [ "$out" = host-secret ]
run "$LATCH" run --dry-run --ack-risk agent -p agent --no-namespaces -- true
check "static: dropping the private /tmp (scratch takes over) says nothing" lacks "$err" "/tmp cannot be"
rm -rf "$HOSTFILE" "$TP0"

done_testing
