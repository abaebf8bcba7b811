#!/bin/sh
# The built-in agent profile, as an AI coding agent would meet it: the
# project is writable and executable, git and python work, credentials are
# out of reach, the environment is scrubbed, TMPDIR is private.
. "$(dirname "$0")/lib.sh"

# Profiles here are deliberately wide (derived risk tier 2): acknowledged,
# as a user must, with --ack-risk.
ACK="--ack-risk agent"

P=$PROJECT
PRIV=$TMPDIR/latch-$IT_UID

A() {
	"$LATCH" run $ACK -p agent -- "$@"
}

# try-op can run inside because agent executes what is in $CWD.
cp "$TRY" "$P/try-op"

# ---- credentials ----
expect_fail_with "Permission denied" "cat ~/.ssh/id_rsa is refused" -- A sh -c 'cat ~/.ssh/id_rsa'
check "the ssh marker never appears" lacks "$out$err" "$IT_MARK_SSH"
expect_why deny agent read "$HOME/.ssh/id_rsa"
run "$LATCH" why -p agent read "$HOME/.ssh/id_rsa"
case $out in
"deny, by rule <group deny_credentials:"*) ok "why names the deny_credentials group: $out" ;;
*) not_ok "why names the deny_credentials group" "$(_it_detail "latch why -p agent read ~/.ssh/id_rsa")" ;;
esac
expect_output_contains "name = Latch Test" "cat ~/.gitconfig (git_config group) works" -- A sh -c 'cat ~/.gitconfig'
check "cat ~/.gitconfig exited 0" [ "$rc" -eq 0 ]
expect_why allow agent read "$HOME/.gitconfig"
expect_op EACCES "try-op read ~/.ssh/id_rsa is EACCES" -- A ./try-op read "$HOME/.ssh/id_rsa"
expect_op EACCES "try-op read ~/.ssh/known_hosts is EACCES (the whole directory is denied)" -- \
	A ./try-op read "$HOME/.ssh/known_hosts"
expect_op EACCES "try-op listdir ~/.ssh is EACCES" -- A ./try-op listdir "$HOME/.ssh"
expect_why deny agent read "$HOME/.ssh"
expect_op ok "try-op read README.md in the project" -- A ./try-op read "$P/README.md"
expect_why allow agent read "$P/README.md"

for spec in ".aws/credentials:$IT_MARK_AWS" ".netrc:$IT_MARK_NETRC" ".bash_history:$IT_MARK_HIST" \
	".gnupg/private-keys-v1.d/0123456789ABCDEF.key:$IT_MARK_GPG"; do
	f=${spec%%:*} mark=${spec#*:}
	expect_fail_with "Permission denied" "cat ~/$f is refused" -- A cat "$HOME/$f"
	check "the marker of ~/$f never appears" lacks "$out$err" "$mark"
	expect_why deny agent read "$HOME/$f"
done
expect_fail_with PermissionError "python3 cannot open ~/.aws/credentials" -- \
	A /usr/bin/python3 -c 'import os; print(open(os.path.expanduser("~/.aws/credentials")).read())'
check "the aws marker never appears through python3" lacks "$out$err" "$IT_MARK_AWS"

# ---- the project ----
expect_rc 0 "write a new file into the project" -- A sh -c 'echo agent-wrote >notes.txt'
check "the project file has the content" [ "$(cat "$P/notes.txt")" = agent-wrote ]
expect_why allow agent create "$P/notes2.txt"
expect_fail_with "Permission denied" "write a new file into \$HOME (outside the project) is refused" -- \
	A sh -c 'echo agent-wrote >"$HOME/notes.txt"'
check "no file appeared in \$HOME" [ ! -e "$HOME/notes.txt" ]
expect_why deny agent create "$HOME/notes.txt"
expect_fail_with "Permission denied" "append to ~/.bashrc is refused" -- A sh -c 'echo evil >>"$HOME/.bashrc"'
check "~/.bashrc was not created" [ ! -e "$HOME/.bashrc" ]
expect_why deny agent write "$HOME/.bashrc"
expect_op ok "the project's own try-op copy runs (exec in \$CWD)" -- A ./try-op read "$P/README.md"
expect_why allow agent exec "$P/try-op"

# ---- git ----
expect_rc 0 "git init/add/commit in a new repository in the project" -- A sh -c '
	git init -q repo2 && cd repo2 && echo hello >f &&
	git add f && git -c user.name=Agent -c user.email=agent@example.invalid commit -q -m "from the sandbox"'
check "the commit is there, seen from outside" \
	eval '[ "$(HOME=$HOME git -C "$P/repo2" log -1 --format=%s 2>/dev/null)" = "from the sandbox" ]'
expect_rc 0 "git add/commit in the project's existing repository" -- A sh -c '
	echo more >>README.md && git add README.md &&
	git -c user.name=Agent -c user.email=agent@example.invalid commit -q -m second'
check "the second commit is there" eval '[ "$(git -C "$P" log -1 --format=%s 2>/dev/null)" = second ]'
expect_why allow agent write "$P/.git/index"

# ---- python ----
expect_rc 0 "python3 -c 'print(1)' runs" -- A /usr/bin/python3 -c 'print(1)'
check "python3 printed 1" [ "$out" = 1 ]
expect_why allow agent exec /usr/bin/python3

# ---- environment ----
run env FOO_TOKEN=secret-foo AWS_SECRET_ACCESS_KEY=secret-aws GH_TOKEN=secret-gh EDITOR=vi \
	UNLISTED_VAR=plain "$LATCH" run $ACK -p agent -- env
check "env inside: exit 0" [ "$rc" -eq 0 ]
check "env inside: FOO_TOKEN is gone" lacks "$out" FOO_TOKEN
check "env inside: AWS_SECRET_ACCESS_KEY is gone" lacks "$out" AWS_SECRET_ACCESS_KEY
check "env inside: GH_TOKEN is gone" lacks "$out" GH_TOKEN
check "env inside: no secret value leaked" lacks "$out" secret-
check "env inside: a variable outside the keep list is gone" lacks "$out" UNLISTED_VAR
check "env inside: PATH is there" eval 'printf "%s\n" "$out" | grep -qx "PATH=/usr/local/bin:/usr/bin:/bin"'
check "env inside: HOME is there" eval 'printf "%s\n" "$out" | grep -qx "HOME=$HOME"'
check "env inside: EDITOR (kept by name) is there" eval 'printf "%s\n" "$out" | grep -qx "EDITOR=vi"'
check "env inside: TMPDIR is the private tmp" eval 'printf "%s\n" "$out" | grep -qx "TMPDIR=$PRIV"'

# ---- temporary files ----
expect_rc 0 "write into \$TMPDIR inside" -- A sh -c 'echo tmp-ok >"$TMPDIR/f" && cat "$TMPDIR/f"'
check "the file landed in the private tmp" [ "$(cat "$PRIV/f" 2>/dev/null)" = tmp-ok ]
expect_why allow agent create "$PRIV/g"
check "the private tmp is mode 0700" [ "$(stat -c %a "$PRIV")" = 700 ]
expect_rc 0 "mktemp inside uses the private tmp" -- A mktemp
check "mktemp made its file in the private tmp" contains "$out" "$PRIV/"
probe=/tmp/latch-it-agent-probe.$$
# /tmp is the sandbox's own (isolated), or a scratch directory (static): a
# new entry there is the program's own either way, and what others left
# there stays out of reach (test-workloads.sh, test-isolation.sh).
for mode in "" --no-namespaces; do
	expect_rc 0 "[$mode] a new file in /tmp itself is made, and is the program's own" -- \
		"$LATCH" run $ACK -p agent $mode -- sh -c 'echo x >"$1" && cat "$1" >/dev/null && rm "$1"' sh "$probe"
	check "[$mode] ...and it removed it again" [ ! -e "$probe" ]
done
expect_why allow agent create "$probe"
expect_why allow agent write "$probe"

# ---- a project that contains the credentials ----
# Static mode: Landlock cannot take ~/.ssh away from a writable $HOME.
marker=$HOME/marker
(
	cd "$HOME" && "$LATCH" run $ACK --no-supervise --no-namespaces -p agent -- sh -c 'touch "$HOME/marker"'
) >"$IT_SCRATCH/home.out" 2>"$IT_SCRATCH/home.err"
rc=$?
err=$(cat "$IT_SCRATCH/home.err")
check "cwd = \$HOME, static: latch refuses to start (125)" [ "$rc" -eq 125 ]
check "cwd = \$HOME, static: the message names the deny rule" contains "$err" "<group deny_credentials: \$HOME/.ssh>"
check "cwd = \$HOME, static: the message names the enclosing write rule" contains "$err" "<profile agent: \$CWD>"
check "cwd = \$HOME, static: the command never ran" [ ! -e "$marker" ]
# Isolated: what exists is masked, but most denied credential paths do not
# exist here, and the program could create them: refused, in one line.
(
	cd "$HOME" && "$LATCH" run $ACK --no-supervise -p agent -- sh -c 'touch "$HOME/marker"'
) >"$IT_SCRATCH/home.out" 2>"$IT_SCRATCH/home.err"
rc=$?
err=$(cat "$IT_SCRATCH/home.err")
check "cwd = \$HOME, isolated: latch refuses to start (125)" [ "$rc" -eq 125 ]
check "cwd = \$HOME, isolated: one line says which denied paths cannot be masked" \
	eval '[ "$(printf "%s\n" "$err" | grep -c "^latch:")" -eq 1 ] && contains "$err" "cannot be masked"'
check "cwd = \$HOME, isolated: the command never ran" [ ! -e "$marker" ]
# Supervised (the agent profile's default): the supervisor enforces what
# neither Landlock nor a mask can, so the run goes ahead, and holds.
(
	cd "$HOME" && "$LATCH" run $ACK --quiet -p agent -- sh -c 'cat "$HOME/.ssh/id_rsa"; touch "$HOME/marker"'
) >"$IT_SCRATCH/home.out" 2>"$IT_SCRATCH/home.err"
check "cwd = \$HOME, supervised: the run goes ahead" [ -e "$marker" ]
check "cwd = \$HOME, supervised: the key stays unreadable" \
	eval '! grep -q "$IT_MARK_SSH" "$IT_SCRATCH/home.out" "$IT_SCRATCH/home.err"'
rm -f "$marker"
(cd "$HOME" && "$LATCH" profile check agent) >"$IT_SCRATCH/check.out" 2>&1
check "cwd = \$HOME: profile check warns that run would refuse" \
	contains "$(cat "$IT_SCRATCH/check.out")" "would refuse"
check "...for the reason run gives (the tier-2 gate), once, not a line per rule" \
	sh -c '[ "$(grep -c "would refuse" "$1")" -eq 1 ] && grep -q "not run without --ack-risk agent" "$1"' sh "$IT_SCRATCH/check.out"

# ---- risk gating: from $HOME, agent writes $HOME: derived tier 2 ----------
rm -f "$marker"
(cd "$HOME" && "$LATCH" run -p agent -- sh -c 'touch "$HOME/marker"') >"$IT_SCRATCH/gate.out" 2>&1
rc=$?
check "risk: tier 2 without --ack-risk is refused (125)" [ "$rc" -eq 125 ]
check "risk: the refusal names the tier-2 reason and the flag" \
	eval 'grep -q "tier 2: write access to \$HOME" "$IT_SCRATCH/gate.out" && grep -q -- "--ack-risk agent" "$IT_SCRATCH/gate.out"'
check "risk: the command never ran" [ ! -e "$marker" ]
(cd "$HOME" && "$LATCH" run --quiet --ack-risk agent -p agent -- sh -c 'touch "$HOME/marker"') >/dev/null 2>&1
check "risk: with --ack-risk agent it runs" [ -e "$marker" ]
rm -f "$marker"
(cd "$HOME" && "$LATCH" run --dry-run -p agent -- true) >"$IT_SCRATCH/gate.json" 2>&1
check "risk: --dry-run is not gated, and shows tier 2" /usr/bin/python3 -c '
import json, sys
assert json.load(open(sys.argv[1]))["data"]["risk"]["tier"] == 2' "$IT_SCRATCH/gate.json"
expect_rc 0 "risk: from the project (tier 1), agent needs no acknowledgement" -- "$LATCH" run --quiet -p agent -- true

# ---- codex on a fresh HOME: its state directory is there to write -----------
# (Landlock cannot grant creating ~/.codex in $HOME alone: latch makes it.)
rm -rf "$HOME/.codex"
expect_rc 0 "codex on a fresh HOME: ~/.codex is made at the start and written" -- \
	"$LATCH" run --quiet -p codex -- sh -c 'echo state >"$HOME/.codex/installation_id"'
check "...mode 0700, with what the program wrote" \
	eval '[ "$(stat -c %a "$HOME/.codex")" = 700 ] && [ "$(cat "$HOME/.codex/installation_id")" = state ]'
expect_why deny codex create "$HOME/.codex"
rm -rf "$HOME/.codex"

done_testing
