#!/bin/sh
# The supervisor (src/supervise/), through tests/integration/sup-harness.c,
# a launcher that does what `latch run` does and serves the listener with
# sup_serve(). Issue 4's list: a run-time grant through the socket backend
# and a deny in the same run; deny inside allow with CWD=$HOME; the race;
# the supervisor killed; a flood of 100,000 notified opens; the tty backend
# in a real terminal (tmux). Every denial is paired with an allowed case,
# and the races and denials have controls that show the test can fail.
. "$(dirname "$0")/lib.sh"

# ---- finding the harness ------------------------------------------------------
# Next to try-op (run.sh's bin directory, or build/tests when run alone).
# Until run.sh copies it there itself, find the checkout through the
# `run.sh BUILD` process above us (readable for our own uid) and copy the
# harness next to try-op, where the later identities find it.
find_harness() {
	H=$(dirname "$TRY")/sup-harness
	[ -x "$H" ] && return 0
	_p=$$
	while [ "$_p" -gt 1 ]; do
		_cmd=$(tr '\0' '\n' <"/proc/$_p/cmdline" 2>/dev/null)
		_build=$(printf '%s\n' "$_cmd" | sed -n '/tests\/integration\/run\.sh$/{n;p;}' | head -n 1)
		if [ -n "$_build" ]; then
			_cwd=$(readlink "/proc/$_p/cwd" 2>/dev/null)
			case $_build in /*) _cand=$_build/tests/sup-harness ;; *) _cand=$_cwd/$_build/tests/sup-harness ;; esac
			if [ -x "$_cand" ]; then
				if cp "$_cand" "$H" 2>/dev/null && chmod 0755 "$H"; then
					return 0
				fi
				H=$_cand
				return 0
			fi
		fi
		_p=$(sed -n 's/^PPid:[[:space:]]*//p' "/proc/$_p/status" 2>/dev/null)
		[ -n "$_p" ] || break
	done
	return 1
}

if ! find_harness; then
	not_ok "sup-harness is available" "build/tests/sup-harness was not found next to $TRY (make build/tests/sup-harness)"
	done_testing
fi
HDIR=$(dirname "$H")
W=$IT_SCRATCH/sup
mkdir -p "$W/pub" "$W/out"
chmod 755 "$W" "$W/pub" "$W/out"
SECRET=$HOME/.ssh/id_rsa
echo public-content >"$W/pub/readme"
EV=$W/events.jsonl

PY=/usr/bin/python3

# count FILE STRING: lines of FILE containing STRING; 0 when FILE does not
# exist (yet).
count() {
	_c=$(grep -cF -- "$2" "$1" 2>/dev/null)
	echo "${_c:-0}"
}

# ---- profiles -----------------------------------------------------------------------
# exact: Landlock enforces it all (the secret is outside every rule).
PE=$W/exact.json
cat >"$PE" <<EOF
{
  "name": "sup-exact",
  "groups": ["system_read", "system_exec"],
  "filesystem": {
    "exec": ["$HDIR"],
    "read": ["$W/pub"],
    "write": ["\$CWD", "$W/out", "/dev/null"]
  }
}
EOF
# home: CWD=\$HOME with ~/.ssh denied, a deny inside an allowed directory
# that Landlock cannot express: the supervisor enforces it.
PH=$W/home.json
cat >"$PH" <<EOF
{
  "name": "sup-home",
  "groups": ["system_read", "system_exec"],
  "filesystem": {
    "exec": ["$HDIR"],
    "write": ["\$CWD", "/dev/null"],
    "deny": ["\$HOME/.ssh"]
  }
}
EOF
expect_rc 0 "the exact profile is valid" -- "$LATCH" profile check "$PE"
expect_rc 0 "the home profile is valid" -- "$LATCH" profile check "$PH"

# ---- basics -------------------------------------------------------------------------
expect_output_contains public-content "basics: an allowed read works under the supervisor" -- \
	"$H" --quiet --events "$EV" -p "$PE" -- cat "$W/pub/readme"
check "basics: and exits 0" [ "$rc" -eq 0 ]
check "basics: the allowed read was continued (exact profile)" \
	grep -q '"action":"continue".*"path":"'"$W/pub/readme"'"' "$EV"
expect_fail_with "Permission denied" "basics: a denied read is refused (deny backend)" -- \
	"$H" --quiet --events "$EV" -p "$PE" -- cat "$SECRET"
check "basics: the secret never appears" lacks "$out$err" "$IT_MARK_SSH"
check "basics: the denial is an event (verdict deny, decided by the profile, layer supervisor)" \
	grep -q '"decided_by":"profile".*"layer":"supervisor".*"path":"'"$SECRET"'".*"verdict":"deny"' "$EV"
expect_why deny "$PE" read "$SECRET"
expect_why allow "$PE" read "$W/pub/readme"
expect_rc 3 "basics: the command's exit status comes back exactly" -- "$H" --quiet -p "$PE" -- sh -c 'exit 3'
expect_rc 143 "basics: a command killed by SIGTERM gives 128+15" -- "$H" --quiet -p "$PE" -- sh -c 'kill -TERM $$'

# Every event line is one sorted-key envelope of kind sandbox_event.
run "$PY" -c '
import json, sys
n = 0
for line in open(sys.argv[1]):
    raw = line.rstrip("\n")
    e = json.loads(raw)
    assert e["kind"] == "sandbox_event" and e["schema_version"] == 1, e
    assert raw == json.dumps(e, sort_keys=True, separators=(",", ":"), ensure_ascii=False), raw
    d = e["data"]
    for k in ("time_unix_ms", "pid", "tid", "exe", "syscall", "path", "resolved_path", "access", "verdict",
              "layer", "rule", "grant", "decided_by", "latency_us", "action", "reason"):
        assert k in d, k
    n += 1
print(n)' "$EV"
check "events: every line is a sorted sandbox_event envelope with the issue's fields ($out lines)" \
	[ "$rc" -eq 0 -a "${out:-0}" -gt 0 ]

# ---- socket backend: a grant, then a deny, same run, same file ---------------------------
cat >"$W/approver.py" <<'EOF'
# approver.py SOCKET TARGET ANSWERS OUT [GARBAGE]: answer questions about
# TARGET with ANSWERS in order (comma separated), anything else with deny;
# write each question to OUT. GARBAGE: send malformed lines first.
import json, socket, sys, time
path, target, answers, out = sys.argv[1], sys.argv[2], sys.argv[3].split(","), sys.argv[4]
garbage = len(sys.argv) > 5
s = None
for _ in range(200):
    try:
        s = socket.socket(socket.AF_UNIX)
        s.connect(path)
        break
    except OSError:
        s = None
        time.sleep(0.05)
if s is None:
    sys.exit(3)
f = s.makefile("rwb", buffering=0)
log = open(out, "a")
if garbage:
    for bad in (b"not json\n", b"[1,2]\n", b'{"id":1}\n', b'{"id":-1,"decision":"deny"}\n',
                b'{"id":1,"decision":"maybe"}\n', b'{"id":1,"decision":"deny","extra":1}\n'):
        f.write(bad)
for line in f:
    q = json.loads(line)
    log.write(json.dumps(q, sort_keys=True) + "\n")
    log.flush()
    if q.get("kind") != "approval_request":
        continue
    d = answers.pop(0) if q["path"] == target and answers else "deny"
    f.write((json.dumps({"id": q["id"], "decision": d}) + "\n").encode())
EOF

SOCK=$W/approve.sock
QS=$W/questions.jsonl
rm -f "$QS"
bg_start "$W/approver.out" "$PY" "$W/approver.py" "$SOCK" "$SECRET" allow_once,deny "$QS" garbage
run "$H" --backend socket --socket "$SOCK" --timeout-ms 20000 --events "$EV" -p "$PE" -- \
	sh -c 'cat "$1"; echo ---; cat "$1"' sh "$SECRET"
check "socket: the granted read shows the file (once)" [ "$(printf '%s\n' "$out" | grep -c "$IT_MARK_SSH")" -eq 1 ]
check "socket: the grant came first, the denial after it" \
	[ "$(printf '%s\n' "$out" | sed -n '1,/^---$/p' | grep -c "$IT_MARK_SSH")" -eq 1 ]
check "socket: the second read is refused" contains "$err" "Permission denied"
check "socket: two questions were asked" [ "$(count "$QS" '"kind": "approval_request"')" -eq 2 ]
check "socket: malformed lines were answered with approval_error" [ "$(count "$QS" '"approval_error"')" -ge 6 ]
run "$PY" -c '
import json, sys
qs = [json.loads(l) for l in open(sys.argv[1]) if "approval_request" in l]
q = qs[0]
assert sorted(q) == ["access", "argv", "exe", "id", "kind", "path", "pid", "runs_later", "syscall"], sorted(q)
assert q["runs_later"] is False and q["access"] == "read" and q["path"] == sys.argv[2] and q["argv"][0] == "cat", q
assert q["exe"].endswith("/cat") and q["syscall"] in ("open", "openat") and q["pid"] > 0, q
print("ok")' "$QS" "$SECRET"
check "socket: a question has exactly the protocol's fields" [ "$out" = ok ]
check "socket: the socket is removed at exit" [ ! -e "$SOCK" ]
check "socket: the grant is an event (emulated, decided by the user)" \
	grep -q '"action":"emulate","decided_by":"user".*"grant":"answer: allow_once".*"path":"'"$SECRET"'"' "$EV"
bg_stop "$bg_pid"

# No approver: the question waits for the timeout, then it is denied.
expect_fail_with "Permission denied" "socket: with no approver the question times out and is denied" -- \
	"$H" --backend socket --socket "$SOCK" --timeout-ms 300 --summary-json -p "$PE" -- cat "$SECRET"
check "socket: the summary counts the timeout" contains "$err" '"timeouts":1'

# allow_always: saved into a new profile extending the running one.
rm -f "$QS"
CFG=$W/config
bg_start "$W/approver2.out" "$PY" "$W/approver.py" "$SOCK" "$SECRET" allow_always "$QS"
run env XDG_CONFIG_HOME="$CFG" "$H" --backend socket --socket "$SOCK" --save-to sup-saved -p "$PE" -- \
	sh -c 'cat "$1"; cat "$1"' sh "$SECRET"
check "always: both reads work after one answer" [ "$(printf '%s\n' "$out" | grep -c "$IT_MARK_SSH")" -eq 2 ]
check "always: one question only" [ "$(count "$QS" '"kind": "approval_request"')" -eq 1 ]
check "always: the profile was written" [ -f "$CFG/latch/profiles/sup-saved.json" ]
expect_rc 0 "always: the saved profile is valid" -- env XDG_CONFIG_HOME="$CFG" "$LATCH" profile check sup-saved
run env XDG_CONFIG_HOME="$CFG" "$LATCH" why -p sup-saved read "$SECRET"
check "always: the saved profile allows the read" [ "$rc" -eq 0 ]
run env XDG_CONFIG_HOME="$CFG" "$LATCH" why -p sup-saved read "$HOME/.aws/credentials"
check "always: and nothing else" [ "$rc" -eq 1 ]
check "always: no temporary file is left" [ -z "$(ls -A "$CFG/latch/profiles" | grep -v '^sup-saved.json$')" ]
bg_stop "$bg_pid"

# Rate limit: one question per second; the next ones are denied unasked.
rm -f "$QS"
bg_start "$W/approver3.out" "$PY" "$W/approver.py" "$SOCK" "$SECRET" allow_once,allow_once,allow_once,allow_once "$QS"
run "$H" --backend socket --socket "$SOCK" --rate 1 --summary-json -p "$PE" -- \
	sh -c 'for i in 1 2 3 4; do cat "$1"; done' sh "$SECRET"
check "rate: the first question is answered" [ "$(printf '%s\n' "$out" | grep -c "$IT_MARK_SSH")" -ge 1 ]
check "rate: the rest are denied without asking" [ -n "$(printf '%s' "$err" | grep -o '"rate_limited":[1-9]')" ]
check "rate: fewer questions than reads" [ "$(count "$QS" '"kind": "approval_request"')" -lt 4 ]
bg_stop "$bg_pid"

# SO_PEERCRED: an approver of another uid is not heard (needs root to be one).
if [ "$IT_UID" -eq 0 ] && command -v setpriv >/dev/null 2>&1; then
	rm -f "$QS"
	touch "$QS"
	chmod 666 "$QS"
	chmod 755 "$W"
	bg_start "$W/approver4.out" setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$PY" "$W/approver.py" "$SOCK" "$SECRET" allow_once "$QS"
	expect_fail_with "Permission denied" "peercred: an approver of another uid cannot grant" -- \
		"$H" --backend socket --socket "$SOCK" --timeout-ms 1500 -p "$PE" -- cat "$SECRET"
	check "peercred: it never saw a question" [ "$(count "$QS" approval_request)" -eq 0 ]
	bg_stop "$bg_pid"
else
	skip "peercred: an approver of another uid cannot grant" "needs root to run an approver as another uid"
fi

# No terminal: the tty backend denies and records, never hangs.
run setsid -w "$H" --backend tty --timeout-ms 60000 --summary-json -p "$PE" -- cat "$SECRET" </dev/null
check "tty: without a terminal the access is denied at once" [ "$rc" -ne 0 ]
check "tty: ... and the secret never appears" lacks "$out" "$IT_MARK_SSH"
check "tty: ... and it is recorded as denied" contains "$err" '"denied":1'

# ---- deny inside allow: CWD=$HOME, ~/.ssh denied ------------------------------------------
cd "$HOME" || exit 1
HS() {
	"$H" --quiet --events "$EV" -p "$PH" -- "$@"
}
expect_fail_with "Permission denied" "home: cat ~/.ssh/id_rsa is refused" -- HS cat "$SECRET"
check "home: the key never appears" lacks "$out$err" "$IT_MARK_SSH"
check "home: the denial names the deny rule" \
	grep -q '"path":"'"$SECRET"'".*"rule":"<profile sup-home: $HOME/.ssh>"' "$EV"
expect_why deny "$PH" read "$SECRET"
expect_rc '!0' "home: cp ~/.ssh/id_rsa ./copied is refused" -- HS cp "$SECRET" ./copied
check "home: no copy exists" [ ! -e "$HOME/copied" ]
expect_rc '!0' "home: ln ~/.ssh/id_rsa ./hard is refused" -- HS ln "$SECRET" ./hard
check "home: no hard link exists" [ ! -e "$HOME/hard" ]
expect_rc '!0' "home: mv ~/.ssh ~/x is refused" -- HS mv "$HOME/.ssh" "$HOME/x"
check "home: ~/.ssh is still there and ~/x is not" [ -f "$SECRET" -a ! -e "$HOME/x" ]
expect_fail_with "Permission denied" "home: ln -s ~/.ssh/id_rsa ./l && cat ./l is refused" -- \
	HS sh -c 'ln -s "$1" ./l && cat ./l' sh "$SECRET"
symlink_made_nothing_read() { [ -L "$HOME/l" ] && lacks "$out" "$IT_MARK_SSH"; }
check "home: the symlink was made (ordinary work) but read nothing" symlink_made_nothing_read
rm -f "$HOME/l"
expect_rc '!0' "home: touch ~/.ssh/new is refused" -- HS touch "$HOME/.ssh/new"
expect_rc '!0' "home: sh -c 'echo > ~/.ssh/new' is refused" -- HS sh -c 'echo x >"$1"' sh "$HOME/.ssh/new"
check "home: ~/.ssh/new does not exist" [ ! -e "$HOME/.ssh/new" ]
expect_why deny "$PH" create "$HOME/.ssh/new"
expect_rc '!0' "home: ls ~/.ssh is refused" -- HS ls "$HOME/.ssh"
expect_rc '!0' "home: cd ~/.ssh && cat id_rsa (relative to the cwd) is refused" -- HS sh -c 'cd .ssh && cat id_rsa'
check "home: ... and shows nothing" lacks "$out" "$IT_MARK_SSH"
# An O_PATH descriptor asks for no access (continued), but reopening it
# through /dev/fd or /proc/self/fd is a read, decided on the file it names.
expect_output_contains "reopen: PermissionError" "home: reopening an O_PATH fd of the key via /dev/fd/N is refused" -- \
	HS "$PY" -c '
import os, sys
fd = os.open(sys.argv[1], os.O_PATH)
for p in ("/dev/fd/%d" % fd, "/proc/self/fd/%d" % fd):
    try:
        print(open(p).read())
    except OSError as e:
        print("reopen:", type(e).__name__)' "$SECRET"
check "home: ... and shows nothing" lacks "$out" "$IT_MARK_SSH"
expect_rc '!0' "home: python3 open() through /proc/self/root is refused" -- \
	HS "$PY" -c 'import sys; print(open("/proc/self/root" + sys.argv[1]).read())' "$SECRET"
check "home: ... and shows nothing" lacks "$out" "$IT_MARK_SSH"
expect_output_contains "hi" "home: ordinary work in \$HOME succeeds (write, read, mkdir, mv, ln, rm)" -- \
	HS sh -c 'echo hi >f && cat f && mkdir d && mv f d/g && ln d/g h && rm h && ls d && rm -r d'
check "home: ... with exit status 0 and the directory gone" [ "$rc" -eq 0 -a ! -e "$HOME/d" ]
expect_why allow "$PH" write "$HOME/f"
expect_rc 0 "home: git status in the project works" -- HS sh -c 'cd project && git status --short'
expect_rc 0 "home: a pipe through /dev/fd works (process substitution style)" -- \
	HS sh -c 'echo piped | cat /dev/fd/0'
# Control: Landlock alone cannot take ~/.ssh away from an allowed $HOME.
expect_output_contains "$IT_MARK_SSH" "home: control: without the supervisor the key is readable" -- \
	"$H" --quiet --no-supervise -p "$PH" -- cat "$SECRET"
cd "$PROJECT" || exit 1

# ---- credentials: checked once, read again after any change ----------------------------------
# The supervisor acts for the program only with rights the program has. It
# checks the program's credentials once and trusts them while no change of
# them is notified: after setuid, or a capability dropped for the next
# exec, it must read them again and refuse. Each refusal is paired with the
# same read before the change. Root only: only root can drop to another
# uid or hold capabilities to drop.
if [ "$IT_UID" -eq 0 ]; then
	cd "$HOME" || exit 1
	echo warm-up >"$HOME/creds-a"
	echo root-only-content >"$HOME/creds-root"
	chmod 600 "$HOME/creds-root"
	echo nobody-only-content >"$HOME/creds-nobody"
	chown 65534:65534 "$HOME/creds-nobody"
	chmod 600 "$HOME/creds-nobody"
	run "$H" --quiet -p "$PH" -- "$PY" -c 'import sys
open(sys.argv[1]).read()
print(open(sys.argv[2]).read())' "$HOME/creds-a" "$HOME/creds-root"
	check "creds: root reads its own file through the supervisor" contains "$out" root-only-content
	run "$H" --quiet -p "$PH" -- "$PY" -c 'import os, sys
open(sys.argv[1]).read()
os.setgid(65534)
os.setuid(65534)
try:
    print(open(sys.argv[2]).read())
except PermissionError:
    print("refused")' "$HOME/creds-a" "$HOME/creds-root"
	check "creds: after setuid(65534) the same read is refused" contains "$out" refused
	check "creds: ... and the file's content never appears" lacks "$out" root-only-content
	# A set*id call naming the ids the program already has changes
	# nothing (GNU make makes one in every child); one that names another
	# id, even for one of the three, is a change.
	run "$H" --quiet -p "$PH" -- "$PY" -c 'import os, sys
open(sys.argv[1]).read()
os.setresgid(0, 0, -1)
os.setresuid(0, -1, 0)
print(open(sys.argv[2]).read())
os.setresuid(65534, 65534, 0)
try:
    print(open(sys.argv[2]).read())
except PermissionError:
    print("refused")' "$HOME/creds-a" "$HOME/creds-root"
	check "creds: after setresuid(0, -1, 0), no change, the read still works" contains "$out" root-only-content
	check "creds: after setresuid(65534, 65534, 0) the same read is refused" contains "$out" refused
	run "$H" --quiet -p "$PH" -- "$PY" -c 'import os, sys
open(sys.argv[1]).read()
os.execv("/bin/cat", ["cat", sys.argv[2]])' "$HOME/creds-a" "$HOME/creds-nobody"
	check "creds: root reads another uid's file (its DAC capabilities)" contains "$out" nobody-only-content
	# With fewer capabilities than the supervisor, cat gets nothing
	# performed for it, its libraries included.
	rm -f "$W/creds.jsonl"
	run "$H" --quiet --events "$W/creds.jsonl" -p "$PH" -- "$PY" -c 'import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
open(sys.argv[1]).read()
for cap in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, from the next exec on
    assert libc.prctl(24, cap, 0, 0, 0) == 0, ctypes.get_errno()
os.execv("/bin/cat", ["cat", sys.argv[2]])' "$HOME/creds-a" "$HOME/creds-nobody"
	check "creds: after PR_CAPBSET_DROP and exec the same read fails" [ "$rc" -ne 0 ]
	check "creds: ... and the file's content never appears" lacks "$out" nobody-only-content
	check "creds: ... refused because the credentials differ" grep -q "credentials differ" "$W/creds.jsonl"
	rm -f "$HOME/creds-a" "$HOME/creds-root" "$HOME/creds-nobody"
	cd "$PROJECT" || exit 1
else
	skip "creds: a change of credentials is noticed" "only root can change its uid or drop capabilities"
fi

# ---- the race: a thread flips the path while another opens it ---------------------------------
ALLOWED=$W/pub/racefile-b
echo public >"$ALLOWED"
# both_hit: the flipping thread really raced (the scheduler may leave it
# idle through one whole run on a loaded 2-core machine: then one more run,
# whose leak check counts as much as the first's).
both_hit() { [ -n "$(printf '%s' "$out" | grep -v 'ok=0 ' | grep -v 'denied=0 ')" ]; }
run "$H" --quiet -p "$PE" -- "$H" race "$ALLOWED" "$SECRET" 10000 "$IT_MARK_SSH"
check "race (exact): 10,000 opens never read the denied file ($out)" contains "$out" "leaked=0"
if ! both_hit; then
	run "$H" --quiet -p "$PE" -- "$H" race "$ALLOWED" "$SECRET" 10000 "$IT_MARK_SSH"
	check "race (exact), once more: 10,000 opens never read the denied file ($out)" contains "$out" "leaked=0"
fi
check "race (exact): both files were hit" both_hit
cd "$HOME" || exit 1
echo public >"$HOME/.profile-race"
run "$H" --quiet -p "$PH" -- "$H" race "$HOME/.profile-race" "$SECRET" 10000 "$IT_MARK_SSH"
check "race (deny inside allow, emulated): never read the denied file ($out)" contains "$out" "leaked=0"
if ! both_hit; then
	run "$H" --quiet -p "$PH" -- "$H" race "$HOME/.profile-race" "$SECRET" 10000 "$IT_MARK_SSH"
	check "race (emulated), once more: never read the denied file ($out)" contains "$out" "leaked=0"
fi
check "race (emulated): both files were hit" both_hit
run "$H" --quiet --no-supervise -p "$PH" -- "$H" race "$HOME/.profile-race" "$SECRET" 10000 "$IT_MARK_SSH"
check "race: control: without the supervisor the same race leaks ($out)" lacks "$out" "leaked=0"
rm -f "$HOME/.profile-race"
cd "$PROJECT" || exit 1

# ---- the supervisor killed: the program gets errors, no access -----------------------------------
rm -f "$W/kill.out"
"$H" --quiet --no-pdeathsig -p "$PE" -- "$H" loop-open "$W/pub/readme" 30 100 >"$W/kill.out" 2>&1 &
sup=$!
_i=0
while [ "$_i" -lt 50 ] && [ "$(count "$W/kill.out" ok)" -lt 3 ]; do sleep 0.1; _i=$((_i + 1)); done
kill -KILL "$sup"
wait "$sup" 2>/dev/null
_i=0
while [ "$_i" -lt 100 ] && ! grep -q '^done$' "$W/kill.out"; do sleep 0.1; _i=$((_i + 1)); done
check "killed: before, the opens worked" [ "$(count "$W/kill.out" ok)" -ge 3 ]
check "killed: after, they fail with ENOSYS" [ "$(count "$W/kill.out" ENOSYS)" -ge 5 ]
check "killed: nothing succeeded after the first failure" \
	[ -z "$(sed -n '/ENOSYS/,$p' "$W/kill.out" | grep -x ok)" ]
check "killed: the program ran to its end" grep -q '^done$' "$W/kill.out"
[ "$(count "$W/kill.out" done)" -eq 1 ] || diag "$(cat "$W/kill.out")"

# ---- a flood of 100,000 notified opens ----------------------------------------------------------------
FEV=$W/flood.jsonl
rm -f "$FEV" "$W/flood.out"
"$H" --quiet --events "$FEV" -p "$PE" -- "$H" flood "$W/pub/readme" 100000 >"$W/flood.out" 2>&1 &
sup=$!
rss1= rss2=
for m in pause1 pause2; do
	_i=0
	while [ "$_i" -lt 600 ] && ! grep -q "^$m\$" "$W/flood.out" 2>/dev/null; do sleep 0.1; _i=$((_i + 1)); done
	r=$(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$sup/status" 2>/dev/null)
	if [ "$m" = pause1 ]; then rss1=$r; else rss2=$r; fi
done
_i=0
while [ "$_i" -lt 600 ] && kill -0 "$sup" 2>/dev/null; do sleep 0.1; _i=$((_i + 1)); done
if kill -0 "$sup" 2>/dev/null; then
	not_ok "flood: 100,000 opens finish (no deadlock)" "still running after 60 s"
	kill -KILL "$sup"
else
	wait "$sup"
	frc=$?
	flood_done() { [ "$frc" -eq 0 ] && grep -q '^done 100000 fails=0$' "$W/flood.out"; }
	check "flood: 100,000 opens finish, all of them succeeding (no deadlock)" flood_done
fi
check "flood: no lost events (one per open of the file)" [ "$(count "$FEV" '"path":"'"$W/pub/readme"'"')" -eq 100000 ]
rss_flat() { [ -n "$rss1" ] && [ -n "$rss2" ] && [ "$rss2" -le $((rss1 + 512)) ]; }
check "flood: the supervisor's memory is flat (VmRSS ${rss1:-?} kB after 10,000, ${rss2:-?} kB after 100,000)" rss_flat
rm -f "$FEV"

# ---- the tty backend in a real terminal (tmux) -------------------------------------------------------
if ! command -v tmux >/dev/null 2>&1; then
	skip "tty: the prompt in a real terminal" "tmux is not installed"
else
	TS=$W/tmux.sock
	T=$W/tty
	mkdir -p "$T"
	chmod 755 "$T"
	cat >"$T/tty.json" <<EOF
{
  "name": "sup-tty",
  "groups": ["system_read", "system_exec"],
  "filesystem": { "exec": ["$HDIR"], "write": ["$T", "/dev/null"] }
}
EOF
	cat >"$T/inner.sh" <<EOF
trap 'echo winch >>"$T/winch"' WINCH
stty raw -echo
stty -g >"$T/before"
cat "$SECRET" >"$T/got"
stty -g >"$T/after"
stty sane
printf 'type a line: '
read line
echo "read:\$line" >"$T/read"
EOF
	cat >"$T/outer.sh" <<EOF
cd "$PROJECT"
"$H" --backend tty --timeout-ms 30000 -p "$T/tty.json" -- sh "$T/inner.sh"
echo "rc=\$?" >"$T/rc"
stty -a >"$T/final"
sleep 30
EOF
	pane_has() { tmux -S "$TS" capture-pane -p -t sup 2>/dev/null | grep -qF -- "$1"; }
	wait_pane() {
		_i=0
		while [ "$_i" -lt 100 ] && ! pane_has "$1"; do sleep 0.1; _i=$((_i + 1)); done
	}
	# tmux runs the command with the login shell, nologin for uid 65534.
	SHELL=/bin/sh tmux -S "$TS" -f /dev/null new-session -d -s sup -x 200 -y 40 "env TERM=xterm sh $T/outer.sh"
	wait_pane 'or [d]eny?'
	check "tty: the prompt appears with the path and the access" pane_has "wants to read $SECRET"
	tmux -S "$TS" send-keys -t sup o Enter
	wait_pane 'type a line'
	tmux -S "$TS" send-keys -t sup 'hello there' Enter
	_i=0
	while [ "$_i" -lt 100 ] && [ ! -f "$T/final" ]; do sleep 0.1; _i=$((_i + 1)); done
	sleep 0.2
	check "tty: the answer took effect (the program read the file)" grep -q "$IT_MARK_SSH" "$T/got"
	check "tty: the program's terminal modes were restored after the prompt" cmp -s "$T/before" "$T/after"
	check "tty: the program had the terminal back (it read a typed line)" grep -qx 'read:hello there' "$T/read"
	check "tty: it was sent SIGWINCH to redraw" [ -s "$T/winch" ]
	check "tty: the run ended with status 0" grep -qx 'rc=0' "$T/rc"
	check "tty: the shell has a sane terminal afterwards (icanon, echo)" grep -q ' icanon .* echo ' "$T/final"
	tmux -S "$TS" kill-server 2>/dev/null
fi

done_testing
