#!/bin/sh
# Supervision through `latch run` itself (test-supervise.sh covers the
# supervisor module in depth through its own harness): the flags, the
# profile's supervise.mode, a grant and a denial of the same file in one run
# over the approval socket, events, deny inside allow with CWD=$HOME, and
# the modes (isolated for an unprivileged user, static for root).
. "$(dirname "$0")/lib.sh"

# Profiles here are deliberately wide (derived risk tier 2): acknowledged,
# as a user must, with --ack-risk.
ACK="--ack-risk sup-home"

S=$IT_SCRATCH
SECRET=$S/secret.txt
echo "secret-content-5b2e" >"$SECRET"
chmod 600 "$SECRET"

cat >"$S/sup.json" <<EOF
{
  "name": "sup-test",
  "groups": ["system_read", "system_exec", "devices"],
  "filesystem": { "write": ["$S/work"], "exec": ["$TRY_DIR"] },
  "supervise": { "mode": "deny" }
}
EOF
mkdir -p "$S/work"
P=$S/sup.json

# ---- the profile turns it on; the flags override ----------------------------
expect_output_contains "supervisor: 1 denied" "supervise.mode deny: the run is supervised (summary at exit)" -- \
	"$LATCH" run $ACK -p "$P" -- cat "$SECRET"
expect_output_contains "denied 1x: $SECRET" "...and the summary names the denied path" -- \
	"$LATCH" run $ACK -p "$P" -- cat "$SECRET"
expect_output_lacks "supervisor:" "nothing denied or granted: no summary" -- "$LATCH" run $ACK -p "$P" -- cat /etc/hostname
expect_output_lacks "supervisor:" "--no-supervise: not supervised" -- "$LATCH" run $ACK --no-supervise -p "$P" -- true
sed 's/"mode": "deny"/"mode": "ask"/; s/"sup-test"/"sup-ask"/' "$P" >"$S/sup-ask.json"
expect_output_lacks "no terminal" "ask without a terminal, nothing denied: no note about the terminal" -- \
	setsid "$LATCH" run $ACK -p "$S/sup-ask.json" -- cat /etc/hostname
expect_output_contains "no terminal to ask on" "ask without a terminal: said at the first denial" -- \
	setsid "$LATCH" run $ACK -p "$S/sup-ask.json" -- cat "$SECRET"
_n=$(setsid "$LATCH" run $ACK -p "$S/sup-ask.json" -- sh -c "cat '$SECRET'; cat '$SECRET'" 2>&1 | grep -c "no terminal")
check "...and only once, however many denials follow (saw $_n)" [ "$_n" -eq 1 ]
expect_output_lacks "supervisor:" "--quiet: no summary" -- "$LATCH" run $ACK --quiet -p "$P" -- cat "$SECRET"
expect_output_contains '"mode":"deny"' "--dry-run shows the supervision" -- "$LATCH" run $ACK --dry-run -p "$P" -- true
expect_output_contains '"notified"' "--dry-run lists the notified system calls" -- "$LATCH" run $ACK --dry-run -p "$P" -- true
expect_rc 2 "--no-supervise with --events is a usage error" -- \
	"$LATCH" run $ACK --no-supervise --events "$S/e" -p "$P" -- true
expect_output_contains "supervisor: 1 denied" "--supervise turns it on for a profile without it" -- \
	"$LATCH" run $ACK --supervise -p minimal -- cat "$SECRET"
# Root too: it creates the namespaces without a user namespace, and the
# program keeps only the file-work capabilities, which the supervisor
# lowers itself to.
expect_output_lacks "namespaces" "a supervised run stays isolated, and says nothing of it" -- \
	"$LATCH" run $ACK -p "$P" -- true
expect_output_contains "pid=2" "the supervised program is pid 2 of its own namespace" -- \
	"$LATCH" run $ACK --quiet -p "$P" -- sh -c 'echo "pid=$$"'
run "$LATCH" run $ACK --quiet -p "$P" -- sh -c 'readlink /proc/self/ns/user'
if [ "$IT_UID" -eq 0 ]; then
	check "root: in its own user namespace, not one of the sandbox's" [ "$out" = "$(readlink /proc/self/ns/user)" ]
else
	check "unprivileged: in a user namespace of the sandbox's own" [ "$out" != "$(readlink /proc/self/ns/user)" ]
fi
expect_output_contains "written" "...and the supervisor still performs calls for it" -- \
	"$LATCH" run $ACK --quiet -p "$P" -- sh -c 'echo written >"$1/f2" && chmod 600 "$1/f2" && cat "$1/f2"' sh "$S/work"

# ---- denied, allowed, and recorded ------------------------------------------
expect_fail_with "Permission denied" "supervised: reading a file the profile denies fails" -- \
	"$LATCH" run $ACK --quiet -p "$P" -- cat "$SECRET"
expect_output_contains "written" "supervised: writing where the profile allows works" -- \
	"$LATCH" run $ACK --quiet -p "$P" -- sh -c 'echo written >"$1/f" && cat "$1/f"' sh "$S/work"
rm -f "$S/events.jsonl"
run "$LATCH" run $ACK --quiet --events "$S/events.jsonl" -p "$P" -- cat "$SECRET"
check "events: the denied read is recorded with its path, verdict and layer" /usr/bin/python3 -c '
import json, sys
evs = [json.loads(l) for l in open(sys.argv[1])]
for l in open(sys.argv[1]):
    assert l.rstrip("\n") == json.dumps(json.loads(l), sort_keys=True, separators=(",", ":")), "keys not sorted"
hits = [e for e in evs if e["kind"] == "sandbox_event" and e["data"]["resolved_path"] == sys.argv[2]]
assert hits and hits[-1]["data"]["verdict"] == "deny", hits
assert hits[-1]["data"]["layer"] in ("supervisor", "landlock"), hits[-1]
' "$S/events.jsonl" "$SECRET"

# ---- a grant over the approval socket, then a denial: same run, same file ----
SOCK=$S/approve.sock
approver_start "$SOCK" allow_once,deny "$S/approver.out"
apid=$bg_pid
run "$LATCH" run $ACK --quiet --approve-socket "$SOCK" -p "$P" -- sh -c 'cat "$1"; cat "$1"' sh "$SECRET"
wait "$apid" 2>/dev/null
check "socket: the approver was asked twice, about the denied file" \
	eval '[ "$(grep -c "asked read $SECRET" "$S/approver.out")" -eq 2 ]'
check "socket: the first answer (allow_once) let an unmodified cat read it" \
	eval '[ "$(printf "%s\n" "$out" | grep -c secret-content-5b2e)" -eq 1 ]'
check "socket: the second answer (deny) kept it denied" contains "$err" "Permission denied"
check "socket: the socket is removed at exit" [ ! -e "$SOCK" ]

# ---- no approver: the question times out and is denied, latch never hangs ----
expect_fail_with "Permission denied" "socket, no approver: denied after the timeout" -- \
	"$LATCH" run $ACK --quiet --approve-socket "$S/nobody.sock" --approve-timeout 300 -p "$P" -- cat "$SECRET"

# ---- deny inside allow with CWD=$HOME: the supervisor enforces it ----------
cat >"$S/home.json" <<EOF
{
  "name": "sup-home",
  "groups": ["system_read", "system_exec", "devices"],
  "filesystem": { "write": ["\$HOME"], "deny": ["\$HOME/.ssh", "\$HOME/.aws", "\$HOME/.not-there"] },
  "supervise": { "mode": "deny" }
}
EOF
expect_rc 125 "unsupervised, a missing denied path inside \$HOME is refused" -- \
	"$LATCH" run $ACK --no-supervise -p "$S/home.json" -- true
expect_output_lacks "$IT_MARK_SSH" "supervised: cat ~/.ssh/id_rsa shows nothing" -- \
	"$LATCH" run $ACK --quiet -p "$S/home.json" -- cat "$HOME/.ssh/id_rsa"
expect_fail_with "denied" "supervised: creating the missing denied path fails" -- \
	"$LATCH" run $ACK --quiet -p "$S/home.json" -- sh -c 'echo x >"$1"' sh "$HOME/.not-there"
check "supervised: and it was not created" [ ! -e "$HOME/.not-there" ]
expect_rc '!0' "supervised: mv ~/.ssh ~/moved fails" -- "$LATCH" run $ACK --quiet -p "$S/home.json" -- mv "$HOME/.ssh" "$HOME/moved"
check "supervised: ~/.ssh is still there" [ -d "$HOME/.ssh" ]
expect_output_contains "home-ok" "supervised: ordinary work in \$HOME succeeds" -- \
	"$LATCH" run $ACK --quiet -p "$S/home.json" -- sh -c 'echo home-ok >"$1/sup-work" && cat "$1/sup-work"' sh "$HOME"
rm -f "$HOME/sup-work"

# ---- the race, through latch run (isolated, as root too) -------------------
# A thread flips a path between an allowed file and the denied key while
# another opens it, 10,000 times: the supervisor never lets the key be read.
_bin=$(dirname "$LATCH")
cat >"$S/race.json" <<EOF
{
  "name": "sup-race",
  "groups": ["system_read", "system_exec", "devices"],
  "filesystem": { "write": ["\$HOME"], "deny": ["\$HOME/.ssh"], "read": ["$_bin"], "exec": ["$_bin"] },
  "supervise": { "mode": "deny" }
}
EOF
echo public >"$HOME/.race-public"
# An approver that denies: a backend that could grant, so no mask hides the
# key and every open of it is the supervisor's to decide.
# race_once: one run of 10,000 racing opens; out is "PID" then the counts.
race_once() {
	rm -f "$S/race.sock"
	approver_start "$S/race.sock" deny,deny,deny,deny,deny,deny,deny,deny "$S/race.approver"
	run "$LATCH" run --ack-risk sup-race --quiet --approve-socket "$S/race.sock" --approve-timeout 50 \
		-p "$S/race.json" -- sh -c 'echo $$; exec "$1" race "$2" "$3" 10000 "$4"' sh "$_bin/sup-harness" \
		"$HOME/.race-public" "$HOME/.ssh/id_rsa" "$IT_MARK_SSH"
}
race_hit() { printf '%s' "$out" | grep -v 'ok=0 ' | grep -q -v 'denied=0 '; }
race_once
race_hit || race_once # the flipping thread may idle through a whole run on a loaded machine
_counts=$(printf '%s' "$out" | tail -n 1)
check "latch run, isolated (pid 2): 10,000 racing opens never read the denied key ($_counts)" \
	sh -c "printf '%s' '$out' | head -n 1 | grep -qx 2 && printf '%s' '$out' | grep -q 'leaked=0'"
check "...and both files were hit" race_hit
rm -f "$HOME/.race-public"

done_testing
