#!/bin/sh
# The real agent CLIs under their built-in profiles: Claude Code under
# claude-code and Codex under codex, installed from the npm registry at
# pinned versions (scripts/agents.sh; cached in build/agents, linked into the
# run by run.sh) as a per-user npm prefix, ~/.npm-global, which node_runtime
# lets a program read and execute. Each talks to a loopback mock of its
# model's API (model-api-mock.py, outside the sandbox) that scripts a short
# conversation of tool calls: a shell command writes out.txt in the project,
# `cat ~/.ssh/id_rsa` must fail, and a file outside the project and outside
# what the profile grants is read, which is granted at run time: over the
# approval socket non-interactively (claude -p, codex exec), at the
# terminal's prompt under --ask interactively (each CLI's own full-screen
# interface, in tmux). Every run must exit 0 and write the file; the key's
# marker must never reach the mock (the request bodies it logged), the
# granted file's must; the events must hold no denial but the key's and what
# the profile refuses by design (code that runs later, state refused
# quietly); and after the prompts the terminal must be as it was.
#
# The only change to the profiles: a test profile extends each built-in one,
# which goes out through latch's proxy, with the mock as one more host,
# mockapi.test:PORT, which network.resolve maps to 127.0.0.1 (the mock must
# be reached by a name: 127.0.0.1 is in NO_PROXY, and inside the sandbox's
# network namespace it is the sandbox's own loopback), and the CLI's base
# URL at that name. The mock speaks plain HTTP, which the proxy forwards one
# request per connection.
#
# Hosts the CLIs contact on their own, besides the model's API (seen at
# these pins with their DNS answered by a resolver of the test's and TCP 443
# accepted on loopback, in a network namespace of its own):
# - Claude Code 2.1.197, ANTHROPIC_BASE_URL at the mock: api.anthropic.com
#   (6 TLS connections in a short `claude -p`, 3 with DISABLE_TELEMETRY=1);
#   interactively also registry.npmjs.org and raw.githubusercontent.com, and
#   github.com and downloads.claude.ai for the official plugin marketplace.
#   CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1 leaves only the marketplace's,
#   which CLAUDE_CODE_DISABLE_OFFICIAL_MARKETPLACE_AUTOINSTALL=1 (set by
#   claude-code) stops.
# - Codex 0.171.0, a model provider of its own in config.toml: chatgpt.com,
#   github.com and api.github.com (plugins: [features] plugins = false) and
#   ab.chatgpt.com (metrics: [analytics] enabled = false); interactively also
#   api.github.com (the update check: check_for_update_on_startup = false)
#   and raw.githubusercontent.com (tips: [tui] show_tooltips = false).
# With those settings, as here, neither contacts anything but the mock.
. "$(dirname "$0")/lib.sh"

S=$IT_SCRATCH
P=$PROJECT
MOCK=$_self_dir/model-api-mock.py

if [ -z "${LATCH_IT_AGENTS-}" ] && [ -z "${LATCH_IT_AGENTS_ERROR-}" ] && [ -z "${LATCH_IT_RUNNER-}" ]; then
	# Alone: the same install run.sh makes.
	LATCH_IT_AGENTS=$("$_self_dir/../../scripts/agents.sh" "$_self_dir/../../build/agents") ||
		LATCH_IT_AGENTS_ERROR=$LATCH_IT_AGENTS
fi
if [ -n "${LATCH_IT_AGENTS_ERROR-}" ] || [ -z "${LATCH_IT_AGENTS-}" ]; then
	skip "Claude Code and Codex under their profiles" \
		"the agent CLIs cannot be installed here: ${LATCH_IT_AGENTS_ERROR:-run.sh did not install them}"
	done_testing
fi
ln -s "$LATCH_IT_AGENTS" "$HOME/.npm-global"
CLAUDE=$HOME/.npm-global/bin/claude
CODEX=$HOME/.npm-global/bin/codex

# Outside the project, outside the profiles: granted at run time only.
mkdir -p "$S/outside"
GRANTED=$S/outside/granted.txt
GRANTED_MARK=LATCH-IT-GRANTED-$IT_UID-$$
echo "$GRANTED_MARK" >"$GRANTED"
chmod -R a+rX "$S/outside"
KEY=$HOME/.ssh/id_rsa
expect_why deny claude-code read "$GRANTED"
expect_why deny codex read "$GRANTED"

# mock DIALECT NAME: the model's API on a loopback port ($port), scripted
# by $S/NAME.script, logging to $S/NAME.log.
mock() {
	rm -f "$S/$2.port" "$S/$2.log"
	bg_start "$S/$2.mock.out" /usr/bin/python3 "$MOCK" "$1" "$S/$2.script" "$S/$2.port" "$S/$2.log"
	port=
	wait_for_output "$S/$2.port" && port=$(cat "$S/$2.port")
	if [ -z "$port" ]; then
		not_ok "$2: the mock API starts" "$(cat "$S/$2.mock.out")"
		return 1
	fi
	return 0
}

# profile BASE PORT [VAR]: a profile file that extends BASE with the mock
# at mockapi.test:PORT as one more host of the proxy's, and VAR (the CLI's
# base URL) set to it.
profile() {
	_env=
	[ -n "${3-}" ] && _env=", \"env\": { \"set\": { \"$3\": \"http://mockapi.test:$2\" } }"
	cat >"$S/$1-mock.json" <<EOF
{ "name": "$1-mock", "extends": "$1",
  "network": { "mode": "proxy", "hosts": ["mockapi.test:$2"], "resolve": { "mockapi.test": "127.0.0.1" } }$_env }
EOF
	printf '%s\n' "$S/$1-mock.json"
}

# denials EVENTS: sorts every denial in EVENTS; prints one summary line,
# then the false denials (one per line), and fails if there is one. Not
# false: the key's, refusals of code that runs later (protect_run_later),
# what the profile refuses quietly, and one known false denial, named in
# the summary so that it is never forgotten.
denials() {
	/usr/bin/python3 - "$1" "$KEY" <<'EOF'
import json, sys
events = [json.loads(line)["data"] for line in open(sys.argv[1])]
counts = {"the key": 0, "code that runs later": 0, "quiet": 0, "known": 0}
false = []
for d in events:
    if d["verdict"] != "deny":
        continue
    if d["resolved_path"] == sys.argv[2]:
        counts["the key"] += 1
    elif (d["rule"] or "").startswith("<group protect_run_later:"):
        counts["code that runs later"] += 1
    elif "quietly" in (d["reason"] or ""):
        counts["quiet"] += 1
    elif (d["access"] == "tcp_bind" and d["reason"].startswith("deny, network.mode is proxy")
          and d["exe"].endswith("/codex")):
        # Known, reported: the Codex TUI listens on an ephemeral loopback
        # port, which network.mode proxy refuses (TCP goes to the proxy
        # only, and binds nowhere); it goes on without.
        counts["known"] += 1
    else:
        false.append("%s %s %s (%s): %s" % (d["syscall"], d["access"], d["resolved_path"] or d["path"],
                                            d["exe"], d["reason"]))
print("%d notified calls, %d denied: %s, %d false" % (
    len(events), sum(counts.values()) + len(false),
    ", ".join("%s %d" % kv for kv in counts.items()), len(false)) +
    ("; known: the Codex TUI's bind of an ephemeral loopback port" if counts["known"] else ""))
for f in false:
    print(f)
sys.exit(1 if false or not counts["the key"] else 0)
EOF
}

# outcome NAME EVENTS: what every run must show.
outcome() {
	_name=$1 _ev=$2 _log=$S/$1.log
	check "$_name: out.txt was written in the project" [ "$(cat "$P/out.txt" 2>/dev/null)" = hi ]
	_steps=$(grep -c '"step": 3' "$_log" 2>/dev/null)
	check "$_name: the conversation reached its end at the mock ($_steps final requests)" [ "${_steps:-0}" -ge 1 ]
	check "$_name: the key's marker never reached the mock" eval '! grep -q "$IT_MARK_SSH" "$_log"'
	check "$_name: the granted file's marker did" grep -q "$GRANTED_MARK" "$_log"
	_via=$(/usr/bin/python3 -c '
import json, sys
print(sum(1 for l in open(sys.argv[1]) for d in [json.loads(l)["data"]]
          if d["access"] == "net_connect" and d["host"] == "mockapi.test" and d["action"] == "proxy"))' "$_ev" 2>&1)
	check "$_name: the mock was reached through latch's proxy ($_via connections)" [ "${_via:-0}" -ge 1 ] 2>/dev/null
	_d=$(denials "$_ev")
	if [ $? -eq 0 ]; then
		ok "$_name: no false denial ($(printf '%s\n' "$_d" | head -n 1))"
	else
		not_ok "$_name: no false denial" "$_d"
	fi
	rm -f "$P/out.txt"
}

# ---- Claude Code, non-interactive: claude -p over the approval socket --------
cat >"$S/claude-p.script" <<EOF
{ "calls": [
    { "name": "Bash", "input": { "command": "echo hi > out.txt", "description": "Write out.txt" } },
    { "name": "Bash", "input": { "command": "cat ~/.ssh/id_rsa", "description": "Read the key" } },
    { "name": "Read", "input": { "file_path": "$GRANTED" } } ],
  "final": "All done." }
EOF
# Telemetry, error reports and the rest go elsewhere than the base URL.
CLAUDE_ENV="CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1 DISABLE_TELEMETRY=1 DISABLE_ERROR_REPORTING=1
	ANTHROPIC_API_KEY=sk-ant-latch-test-0123456789abcdefghij"
if mock anthropic claude-p; then
	PF=$(profile claude-code "$port" ANTHROPIC_BASE_URL)
	approver_start "$S/claude-p.sock" "grant=$GRANTED" "$S/claude-p.asked"
	t0=$(date +%s)
	run env $CLAUDE_ENV "$LATCH" run -p "$PF" \
		--approve-socket "$S/claude-p.sock" --events "$S/claude-p.ev" -- \
		"$CLAUDE" -p --allowedTools Bash Read -- "Write out.txt, look at the key, read $GRANTED."
	diag "claude -p: $(($(date +%s) - t0)) s"
	if [ "$rc" -eq 0 ] && contains "$out" "All done."; then
		ok "claude -p under claude-code: exit 0, the final answer printed"
	else
		not_ok "claude -p under claude-code: exit 0, the final answer printed" "$(_it_detail "claude -p")"
	fi
	outcome claude-p "$S/claude-p.ev"
	check "claude -p: the approver was asked for the granted file, and allowed it" \
		grep -q "^asked read $GRANTED now allow_once " "$S/claude-p.asked"
	check "claude -p: the key's read was asked about, and denied" \
		grep -q "^asked read $KEY now deny /usr/bin/cat" "$S/claude-p.asked"
	check "claude -p: its configuration went into ~/.claude, not ~/.claude.json" \
		eval '[ -f "$HOME/.claude/.claude.json" ] && [ ! -e "$HOME/.claude.json" ]'
fi

# ---- Codex, non-interactive: codex exec over the approval socket --------------
cat >"$S/codex-exec.script" <<EOF
{ "calls": [
    { "name": "exec_command", "input": { "cmd": "echo hi > out.txt" } },
    { "name": "exec_command", "input": { "cmd": "cat ~/.ssh/id_rsa" } },
    { "name": "exec_command", "input": { "cmd": "cat $GRANTED" } } ],
  "final": "All done." }
EOF
# codex_config PORT: the user's ~/.codex/config.toml: the mock as the model
# provider; Codex's own sandbox off, as latch is the sandbox; plugins,
# metrics, the update check and tips off (other hosts, see above).
codex_config() {
	mkdir -p "$HOME/.codex"
	cat >"$HOME/.codex/config.toml" <<EOF
model = "mock-model"
model_provider = "mock"
sandbox_mode = "danger-full-access"
approval_policy = "never"
check_for_update_on_startup = false

[analytics]
enabled = false

[features]
plugins = false

[tui]
show_tooltips = false

[projects."$P"]
trust_level = "trusted"

[model_providers.mock]
name = "mock"
base_url = "http://mockapi.test:$1/v1"
wire_api = "responses"
env_key = "OPENAI_API_KEY"
request_max_retries = 0
stream_max_retries = 0
EOF
}
if mock openai codex-exec; then
	PF=$(profile codex "$port")
	codex_config "$port"
	approver_start "$S/codex-exec.sock" "grant=$GRANTED" "$S/codex-exec.asked"
	t0=$(date +%s)
	run env OPENAI_API_KEY=sk-latch-test "$LATCH" run -p "$PF" --approve-socket "$S/codex-exec.sock" \
		--events "$S/codex-exec.ev" -- "$CODEX" exec --skip-git-repo-check \
		"Write out.txt, look at the key, read $GRANTED." </dev/null
	diag "codex exec: $(($(date +%s) - t0)) s"
	if [ "$rc" -eq 0 ] && contains "$out" "All done."; then
		ok "codex exec under codex: exit 0, the final answer printed"
	else
		not_ok "codex exec under codex: exit 0, the final answer printed" "$(_it_detail "codex exec")"
	fi
	outcome codex-exec "$S/codex-exec.ev"
	check "codex exec: the approver was asked for the granted file, and allowed it" \
		grep -q "^asked read $GRANTED now allow_once " "$S/codex-exec.asked"
	check "codex exec: the key's read was asked about, and denied" \
		grep -q "^asked read $KEY now deny /usr/bin/cat" "$S/codex-exec.asked"
fi

# ---- interactively, in tmux, under --ask ------------------------------------------
if ! command -v tmux >/dev/null 2>&1; then
	skip "Claude Code and Codex interactively" "tmux is not installed"
	done_testing
fi
SOCK="latch-it-$$-agent-cli"
T() { SHELL=/bin/bash tmux -L "$SOCK" "$@"; }

# tui NAME EXIT-KEYS CMD...: CMD (a shell line) under latch --ask in a fresh
# tmux session, its terminal output logged raw to $S/NAME.tty. The answerer
# says [o]nce to the question about $GRANTED and [d]eny to any other, then,
# once the mock has given the final answer, types EXIT-KEYS (a command of
# the CLI's) and reads back a line typed at the shell afterwards. Leaves
# "exit=N" (latch's status), "asked ACCESS PATH -> KEY" and "typed:LINE" in
# $S/NAME.answers; the terminal's modes before and after in NAME.stty.*.
tui() {
	_n=$1 _keys=$2
	shift 2
	T kill-server 2>/dev/null
	SOCK="latch-it-$$-$_n"
	rm -f "$S/$_n.go" "$S/$_n.tty"
	cat >"$S/$_n.sh" <<EOF
while [ ! -e '$S/$_n.go' ]; do sleep 0.1; done
stty -g >'$S/$_n.stty.before'
$*
echo "exit=\$?"
stty -g >'$S/$_n.stty.after'
while read -r line; do [ -n "\$line" ] && break; done
echo "typed:\$line"
sleep 60
EOF
	T new-session -d -s it -x 250 -y 50 "cd '$P' && sh '$S/$_n.sh'"
	T pipe-pane -t it -o "cat >>'$S/$_n.tty'"
	touch "$S/$_n.go"
	/usr/bin/python3 - "$S/$_n.tty" "$S/$_n.log" "$GRANTED" "$_keys" "$SOCK" >"$S/$_n.answers" 2>&1 <<'EOF'
import json, os, re, subprocess, sys, time
tty, log, grant, keys, sock = sys.argv[1:6]

def keys_to(*k):
    subprocess.run(["tmux", "-L", sock, "send-keys", "-t", "it"] + list(k), env=dict(os.environ, SHELL="/bin/bash"))

def screen():
    try:
        return open(tty, "rb").read().decode("utf-8", "replace")
    except OSError:
        return ""

def finished():
    try:
        return any(json.loads(l).get("step") == 3 for l in open(log))
    except OSError:
        return False

answered, exit_sent, deadline = 0, 0.0, time.monotonic() + 90
while time.monotonic() < deadline:
    text = screen()
    m = re.search(r"exit=(\d+)", text)
    if m:
        print("exit=" + m.group(1), flush=True)
        break
    prompts = [p.start() for p in re.finditer(re.escape("or [d]eny? [d]"), text)]
    if len(prompts) > answered:
        asks = [a for a in re.finditer(r"wants to (\w+) (\S+)", text[:prompts[answered]])]
        access, path = (asks[-1].group(1), asks[-1].group(2)) if asks else ("?", "?")
        key = "o" if path == grant else "d"
        print("asked %s %s -> %s" % (access, path, key), flush=True)
        time.sleep(0.3)
        keys_to(key, "Enter")
        answered += 1
    elif finished() and time.monotonic() - exit_sent > 8:
        time.sleep(2)  # the final answer on the screen first
        keys_to(keys)
        time.sleep(1)
        keys_to("Enter")
        exit_sent = time.monotonic()
    time.sleep(0.2)
else:
    print("timeout; the last of the screen: %r" % screen()[-600:], flush=True)
    sys.exit(0)
keys_to("latch-typed-line", "Enter")
deadline = time.monotonic() + 10
while time.monotonic() < deadline and "typed:latch-typed-line" not in screen():
    time.sleep(0.2)
print("typed:" + ("latch-typed-line" if "typed:latch-typed-line" in screen() else "(nothing)"), flush=True)
EOF
	T kill-server 2>/dev/null
}

# interactive NAME: what an interactive run must show.
interactive() {
	_a=$(cat "$S/$1.answers")
	check "$1: latch exits 0 with the CLI: $(printf '%s' "$_a" | grep -e '^exit=' -e '^timeout' | cut -c1-300)" \
		contains "$_a" "exit=0"
	check "$1: the key's read was asked about on the terminal, and denied" contains "$_a" "asked read $KEY -> d"
	check "$1: the granted file was asked about on the terminal, and allowed once" \
		contains "$_a" "asked read $GRANTED -> o"
	diag "$1: $(printf '%s\n' "$_a" | grep '^asked' | tr '\n' ';')"
	check "$1: the terminal's modes are as before" cmp -s "$S/$1.stty.before" "$S/$1.stty.after"
	check "...and were read before it ran" [ -s "$S/$1.stty.before" ]
	check "$1: the shell reads a line typed at the terminal afterwards" contains "$_a" "typed:latch-typed-line"
	outcome "$1" "$S/$1.ev"
}

# ---- Claude Code's interface -------------------------------------------------------
# Its configuration (~/.claude/.claude.json) as after a first session:
# onboarding done, the project trusted, the API key accepted.
/usr/bin/python3 - "$HOME/.claude/.claude.json" "$P" <<'EOF'
import json, os, sys
path, project = sys.argv[1:3]
os.makedirs(os.path.dirname(path), exist_ok=True)
try:
    c = json.load(open(path))
except (OSError, ValueError):
    c = {}
c.update({"hasCompletedOnboarding": True, "lastOnboardingVersion": "2.1.197", "theme": "dark",
          "customApiKeyResponses": {"approved": ["0123456789abcdefghij"], "rejected": []}})
c.setdefault("projects", {}).setdefault(project, {})["hasTrustDialogAccepted"] = True
json.dump(c, open(path, "w"))
EOF
cp "$S/claude-p.script" "$S/claude-tui.script"
if mock anthropic claude-tui; then
	PF=$(profile claude-code "$port" ANTHROPIC_BASE_URL)
	t0=$(date +%s)
	tui claude-tui /exit env $CLAUDE_ENV "'$LATCH'" run -p "'$PF'" --ask \
		--events "'$S/claude-tui.ev'" -- "'$CLAUDE'" --allowedTools Bash Read -- \
		"'Write out.txt, look at the key, read $GRANTED.'"
	diag "claude (interactive): $(($(date +%s) - t0)) s"
	interactive claude-tui
fi

# ---- Codex's interface -------------------------------------------------------------
# --no-daemon: otherwise the Codex TUI installs an app-server into
# ~/.codex/packages and runs it from there, code that runs later, which
# protect_run_later refuses (and Codex stops).
cp "$S/codex-exec.script" "$S/codex-tui.script"
if mock openai codex-tui; then
	PF=$(profile codex "$port")
	codex_config "$port"
	t0=$(date +%s)
	tui codex-tui /quit env OPENAI_API_KEY=sk-latch-test "'$LATCH'" run -p "'$PF'" --ask \
		--events "'$S/codex-tui.ev'" -- "'$CODEX'" --no-daemon "'Write out.txt, look at the key, read $GRANTED.'"
	diag "codex (interactive): $(($(date +%s) - t0)) s"
	interactive codex-tui
fi

done_testing
