#!/bin/sh
# The session log (README, "Session log"): every `latch run` leaves a record
# in $XDG_STATE_HOME/latch/sessions/ID/, quietly; `latch log list`, `show`
# and `verify`; the hash chain catches an edited, removed, inserted or cut
# record; the caps; a state directory that cannot be written; the static
# mode, where no supervisor sees the calls.
. "$(dirname "$0")/lib.sh"

ACK="--ack-risk agent"
S=$IT_SCRATCH
SESSIONS=$HOME/.local/state/latch/sessions

# json_get EXPR: evaluate EXPR (Python, on d = the envelope on stdin).
json_get() {
	/usr/bin/python3 -c 'import json, sys; d = json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"
}

count_sessions() {
	ls "$SESSIONS" 2>/dev/null | grep -c -- '-[0-9]'
}

# ---- a supervised run: quiet, recorded, explained ---------------------------
run "$LATCH" run $ACK -p agent -- sh -c 'cat /etc/hostname >/dev/null; cat ~/.ssh/id_rsa; exit 7'
check "a run with a denial keeps its exit status (7)" [ "$rc" -eq 7 ]
err_log=$err
run "$LATCH" run $ACK --no-log -p agent -- sh -c 'cat /etc/hostname >/dev/null; cat ~/.ssh/id_rsa; exit 7'
# (The program's and latch's lines may interleave either way.)
same_lines() {
	[ "$(printf '%s\n' "$1" | sort)" = "$(printf '%s\n' "$2" | sort)" ]
}
check "...and says on stderr exactly what it says without the log" same_lines "$err" "$err_log"
check "...and left one session in ~/.local/state/latch/sessions ($(count_sessions))" [ "$(count_sessions)" -eq 1 ]
ID=$(ls "$SESSIONS" | tail -n 1)
check "...with a log and a head, mode 0600, in a directory of mode 0700" \
	sh -c "[ \"\$(stat -c %a '$SESSIONS/$ID')\" = 700 ] && [ \"\$(stat -c %a '$SESSIONS/$ID/log.jsonl')\" = 600 ] &&
		[ -s '$SESSIONS/$ID/head.json' ]"

expect_output_contains "$ID" "log list names the session" -- "$LATCH" log list
expect_output_contains "exit 7" "...with its exit status" -- "$LATCH" log list
run "$LATCH" log show last
check "log show last: exit 0" [ "$rc" -eq 0 ]
check "...names the denied path, the access and the program" contains "$out" "$HOME/.ssh/id_rsa: read, 1x by /usr/bin/cat"
check "...the rule that decided" contains "$out" "rule: <group deny_credentials: \$HOME/.ssh>"
check "...and the latch why command" contains "$out" "why:  latch why -p agent read $HOME/.ssh/id_rsa"
check "...says who observed the denial" contains "$out" "observed by the supervisor"
check "...and the exit" contains "$out" "exit:     status 7"
check "...and the exec tree: sh, then cat below it" \
	sh -c "printf '%s\n' \"\$1\" | grep -q '^  [0-9]* sh -c ' && printf '%s\n' \"\$1\" | grep -q '^    [0-9]* cat $HOME/.ssh/id_rsa  (/usr/bin/cat)'" \
	sh "$out"
check "...and nothing allowed is listed as a denial" lacks "$out" "/etc/hostname: read"
why_cmd=$(printf '%s\n' "$out" | sed -n 's/^    why:  latch //p' | head -n 1)
# shellcheck disable=SC2086
run "$LATCH" $why_cmd
check "...and that why command says deny, by the same rule" contains "$out" "deny, by rule <group deny_credentials: \$HOME/.ssh>"

run "$LATCH" log show --json "$ID"
check "log show --json: kind session_log, the denial with its why" \
	[ "$(printf '%s' "$out" | json_get 'd["kind"], d["data"]["denials"][0]["path"], d["data"]["denials"][0]["why"][0].split()[-1], d["data"]["exit"]["exit_code"]')" = \
	"('session_log', '$HOME/.ssh/id_rsa', '$HOME/.ssh/id_rsa', 7)" ]
expect_rc 0 "log verify: an untouched log verifies" -- "$LATCH" log verify "$ID"
check "...saying how many records" contains "$out" "$ID: verified:"

# ---- the hash chain ---------------------------------------------------------
cp -a "$SESSIONS/$ID" "$S/orig"
restore() {
	rm -rf "${SESSIONS:?}/$ID" && cp -a "$S/orig" "$SESSIONS/$ID"
}
sed -i '3s/"pid":[0-9]*/"pid":1/' "$SESSIONS/$ID/log.jsonl"
expect_fail_with "record 2 (line 3): changed" "an edited record: log verify names it" -- "$LATCH" log verify "$ID"
check "...and exits 3" [ "$rc" -eq 3 ]
run "$LATCH" log show "$ID"
check "...and log show exits 3, saying so" sh -c "[ $rc -eq 3 ] && printf '%s' \"\$1\" | grep -q 'DOES NOT VERIFY'" sh "$out"
restore
sed -i '4d' "$SESSIONS/$ID/log.jsonl"
expect_fail_with "record 3 (line 4): out of sequence" "a removed record: named (exit 3)" -- "$LATCH" log verify "$ID"
restore
sed -i '$d' "$SESSIONS/$ID/log.jsonl"
expect_fail_with "records were removed from the end" "the last record removed: caught by the head (exit 3)" -- \
	"$LATCH" log verify "$ID"
restore
truncate -s -5 "$SESSIONS/$ID/log.jsonl"
expect_fail_with "the log was cut" "a cut log: named (exit 3)" -- "$LATCH" log verify "$ID"
check "...exit 3" [ "$rc" -eq 3 ]
restore
sed -i 's/"exit_code":7/"exit_code":0/' "$SESSIONS/$ID/log.jsonl"
expect_fail_with "its digest is not the one head.json holds" "the exit record rewritten: caught by the head (exit 3)" -- \
	"$LATCH" log verify "$ID"
restore
expect_rc 0 "...and the original verifies again" -- "$LATCH" log verify "$ID"
expect_fail_with "no session 'nope'" "an unknown ID: named" -- "$LATCH" log verify nope
check "...usage error (exit 2)" [ "$rc" -eq 2 ]

# ---- the program cannot touch its log ---------------------------------------
run "$LATCH" run $ACK -q -p agent -- sh -c "echo forged >>'$SESSIONS/$ID/log.jsonl'"
check "a sandboxed program cannot write a session log (agent)" [ "$rc" -ne 0 ]
expect_rc 0 "...which still verifies" -- "$LATCH" log verify "$ID"

# ---- quiet, --no-log, XDG_STATE_HOME -------------------------------------------
n=$(count_sessions)
run "$LATCH" run $ACK -p agent -- cat /etc/hostname
check "a run where nothing happened prints nothing on stderr" [ -z "$err" ]
check "...and exits 0" [ "$rc" -eq 0 ]
check "...and is logged" [ "$(count_sessions)" -eq $((n + 1)) ]
run "$LATCH" run --no-log -p minimal -- true
check "--no-log: no session" [ "$(count_sessions)" -eq $((n + 1)) ]
mkdir "$S/state"
XDG_STATE_HOME=$S/state run "$LATCH" run -p minimal -- true
check "XDG_STATE_HOME: the log goes there" [ "$(ls "$S/state/latch/sessions" | wc -l)" -eq 1 ]

# ---- a state directory that cannot be written ---------------------------------
mkdir "$S/ro" && chmod 555 "$S/ro"
if [ "$IT_UID" -eq 0 ]; then
	# Root writes anywhere: a file where the directory should be.
	rm -rf "$S/ro" && : >"$S/ro"
fi
XDG_STATE_HOME=$S/ro run "$LATCH" run -p minimal -- sh -c 'exit 3'
check "an unwritable state directory: the run goes on (exit 3)" [ "$rc" -eq 3 ]
check "...saying so once, as a warning" \
	[ "$(printf '%s\n' "$err" | grep -c 'latch: warning: session log: .*this run is not logged')" -eq 1 ]
XDG_STATE_HOME=$S/ro run "$LATCH" run --strict -p minimal -- sh -c 'exit 3'
check "...and with --strict the run refuses to start (125), naming the log" \
	sh -c "[ $rc -eq 125 ] && printf '%s' \"\$1\" | grep -q 'refusing to start: session log:'" sh "$err"

# ---- the static mode: no supervisor saw the calls ------------------------------
run "$LATCH" run --no-namespaces -p minimal -- sh -c 'cat /etc/shadow; exit 5'
check "static mode: the program's status is kept (5)" [ "$rc" -eq 5 ]
run "$LATCH" log show last
check "...the log has the plan's mode and the exit" \
	sh -c "printf '%s' \"\$1\" | grep -q '(static mode, supervise off)' && printf '%s' \"\$1\" | grep -q 'exit:     status 5'" \
	sh "$out"
if printf '%s' "$out" | grep -q 'observed in the kernel audit log'; then
	check "...and the denial the kernel's audit log recorded" contains "$out" "/etc/shadow"
else
	check "...and says the denials were not seen, and why" contains "$out" "denials:  not seen: "
fi
run "$LATCH" log show --json last
check "...in JSON too: mode static, no exec records (nobody saw them)" \
	[ "$(printf '%s' "$out" | json_get 'd["data"]["mode"], len(d["data"]["execs"])')" = "('static', 0)" ]

# ---- the caps ------------------------------------------------------------------
# 40,000 opens by one shell: more events than 16 MiB holds.
run "$LATCH" run $ACK -q -p agent -- sh -c 'i=0; while [ $i -lt 40000 ]; do : </etc/hostname; i=$((i + 1)); done'
big=$(ls "$SESSIONS" | tail -n 1)
size=$(stat -c %s "$SESSIONS/$big/log.jsonl")
check "a run with more events than the cap: the log stays under 16 MiB and a little ($size bytes)" \
	[ "$size" -le $((16 * 1024 * 1024 + 65536)) ]
check "...and holds almost that much" [ "$size" -gt $((15 * 1024 * 1024)) ]
run "$LATCH" log show "$big"
check "...the rest are counted and the log says so" contains "$out" "more not stored (the 16 MiB cap)"
expect_rc 0 "...and it verifies" -- "$LATCH" log verify "$big"

# 205 old sessions: pruned to 200 at the next run, oldest first, but not one
# that is running (it holds the lock on its log).
rm -rf "$SESSIONS"
mkdir -p "$SESSIONS"
i=100
while [ "$i" -lt 305 ]; do
	mkdir "$SESSIONS/20200101T000$i.000-1" && echo '{}' >"$SESSIONS/20200101T000$i.000-1/log.jsonl"
	i=$((i + 1))
done
mkdir "$SESSIONS/not-a-session"
flock "$SESSIONS/20200101T000100.000-1/log.jsonl" "$LATCH" run -p minimal -- true
check "205 sessions and one more run: 200 are left" [ "$(count_sessions)" -eq 200 ]
check "...the oldest went first" [ ! -e "$SESSIONS/20200101T000106.000-1" ]
check "...and no more" [ -e "$SESSIONS/20200101T000107.000-1" ]
check "...but not one that was running (its log locked)" [ -e "$SESSIONS/20200101T000100.000-1" ]
check "...nor what is not a session" [ -d "$SESSIONS/not-a-session" ]
check "...and the new one is there" [ -n "$(ls "$SESSIONS" | grep -v '^2020' | grep -v not-a)" ]

done_testing
