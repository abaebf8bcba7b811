#!/bin/sh
# Code that runs later (protect_run_later): a program in the project cannot
# plant a git hook, change .git/config, move .git away and make a new one, or
# create editor and agent settings that run commands, in any mode that can
# enforce it; the one that cannot (static, unsupervised) says so, and
# --strict refuses it. Every refused operation is tried unsandboxed on a copy
# of the repository in the same run, where it works.
. "$(dirname "$0")/lib.sh"

ACK="--ack-risk agent"
P=$PROJECT
S=$IT_SCRATCH
cp "$TRY" "$P/try-op"
CTL=$S/control
cp -a "$P" "$CTL"
config_sum() { sha256sum <"$1/.git/config"; }
hooks_list() { ls -A "$1/.git/hooks" | sort | tr '\n' ' '; }
SUM0=$(config_sum "$P")
HOOKS0=$(hooks_list "$P")

# refused MODE DESC TRY-OP-ARGS...: refused in the sandbox, ok in the control.
refused() {
	_mode=$1 _desc=$2
	shift 2
	run "$LATCH" run $ACK -q -p agent $_mode -- ./try-op "$@"
	_last=$(printf '%s\n' "$out" | tail -n 1)
	case $_last in
	EACCES | EPERM | EROFS | EBUSY | EXDEV) ok "[$_mode] $_desc: refused ($_last)" ;;
	*) not_ok "[$_mode] $_desc: refused" "got '$_last' $err" ;;
	esac
	(cd "$CTL" && "$TRY" "$@" >/dev/null 2>&1)
	check "[$_mode] $_desc: ...and done unsandboxed on the control copy" [ $? -eq 0 ]
	# The control is made again for the next case.
	rm -rf "$CTL" && cp -a "$P" "$CTL"
}

for mode in "" "--no-supervise" "--no-namespaces"; do
	refused "$mode" "create a hook" create .git/hooks/post-checkout
	refused "$mode" "append to .git/config" append .git/config
	refused "$mode" "truncate .git/config" truncate .git/config
	refused "$mode" "rename .git away (then git init and plant a hook)" rename .git .git.old
	echo '[core] fsmonitor = evil' >"$P/evil.cfg"
	cp "$P/evil.cfg" "$CTL/evil.cfg"
	refused "$mode" "rename a file over .git/config" rename evil.cfg .git/config
	refused "$mode" "rename .git/hooks away" rename .git/hooks .git/hooks.old
	refused "$mode" "remove a sample hook" unlink .git/hooks/pre-commit.sample
	refused "$mode" "hard-link .git/config to a writable name" link .git/config cfg-alias
	rm -f "$P/cfg-alias" "$CTL/cfg-alias"
	ln -sf .git/config "$P/cfg-link"
	ln -sf .git/config "$CTL/cfg-link"
	refused "$mode" "write .git/config through a symlink" append cfg-link
	rm -f "$P/cfg-link" "$P/evil.cfg" "$CTL/cfg-link" "$CTL/evil.cfg"
	expect_op ok "[$mode] read .git/config" -- "$LATCH" run $ACK -q -p agent $mode -- ./try-op read .git/config
	expect_op ok "[$mode] write an ordinary project file" -- \
		"$LATCH" run $ACK -q -p agent $mode -- ./try-op create "notes$mode.txt"
done

# Settings that do not exist yet: refused by the supervisor; without one
# they cannot be masked, which the run says (and --strict refuses).
for mode in "" "--no-namespaces"; do
	refused "$mode" "create .vscode" mkdir .vscode
	refused "$mode" "create .mcp.json" create .mcp.json
	refused "$mode" "create .claude (protected paths would lie inside)" mkdir .claude
	mkdir "$P/.claude" "$CTL/.claude"
	refused "$mode" "create .claude/settings.json" create .claude/settings.json
	expect_op ok "[$mode] ...while another file in .claude is created" -- \
		"$LATCH" run $ACK -q -p agent $mode -- ./try-op create ".claude/notes$mode.md"
	rm -rf "$P/.claude" "$CTL/.claude"
done
expect_output_contains "protect: " "--no-supervise: what cannot be protected is reported" -- \
	"$LATCH" run $ACK -p agent --no-supervise -- true
expect_output_contains "protect: without a supervisor or namespaces" \
	"static and unsupervised: code that runs later cannot be protected, and the run says so" -- \
	"$LATCH" run $ACK -p agent --no-namespaces --no-supervise -- true
expect_rc 125 "--no-supervise --strict: refused to start instead" -- \
	"$LATCH" run $ACK -p agent --no-supervise --strict -- true
expect_output_lacks "protect: " "supervised: nothing to report" -- "$LATCH" run $ACK -p agent -- true
expect_output_lacks "protect rule" "doctor does not call the protected paths of this repository refusals" -- \
	"$LATCH" doctor
# From $HOME, doctor says what the run says: agent is tier 2 there.
run sh -c 'cd "$HOME" && "$1" doctor' sh "$LATCH"
_doctor=$out
run sh -c 'cd "$HOME" && "$1" run -p agent -- true' sh "$LATCH"
check "from \$HOME the run of agent is refused (risk tier 2)" [ "$rc" -eq 125 ]
check "...and doctor names the same reason" contains "$_doctor" "refused here: profile 'agent' is risk tier 2"
# readonly from $HOME: the denied paths that do not exist there cannot be
# created (nothing is writable), so nothing needs a mask; agent without a
# supervisor could create them, and is refused.
expect_rc 0 "readonly runs from \$HOME" -- sh -c 'cd "$HOME" && "$1" run -p readonly -- true' sh "$LATCH"
run sh -c 'cd "$HOME" && "$1" doctor' sh "$LATCH"
_short=$(printf '%s\n' "$out" | wc -l)
(cd "$HOME" && "$LATCH" doctor --verbose) >"$IT_SCRATCH/doctor-verbose.txt" 2>&1
check "doctor from \$HOME fits a screen ($_short lines); --verbose adds the per-rule detail" \
	sh -c '[ "$1" -le 40 ] && grep -q "^    rule: .* lies inside " "$2"' sh "$_short" "$IT_SCRATCH/doctor-verbose.txt"
check "...and doctor says full protection for it" sh -c 'printf "%s\n" "$1" | grep -q "^  readonly .*: full protection"' sh "$_doctor"
expect_fail_with "cannot be masked" "agent --no-supervise from \$HOME is refused: it could create them" -- \
	sh -c 'cd "$HOME" && "$1" run -p agent --ack-risk agent --no-supervise -- true' sh "$LATCH"
expect_why deny agent write "$P/.git/config"
expect_why deny agent create "$P/.git/hooks/pre-push"
expect_why deny agent delete "$P/.git"
expect_why allow agent read "$P/.git/config"
expect_why allow agent write "$P/.git/index"
expect_why deny agent create "$P/.vscode"

# Asked, not only refused: the approver hears that the path runs later, and
# an answer can grant it on purpose.
SOCK=$S/approve.sock
approver_start "$SOCK" deny,allow_once "$S/approver.out"
apid=$bg_pid
run "$LATCH" run $ACK -q -p agent --approve-socket "$SOCK" -- sh -c \
	'./try-op create .git/hooks/post-merge; ./try-op create .git/hooks/post-merge'
wait "$apid" 2>/dev/null
check "socket: the approver is told that a hook runs later" \
	grep -q "asked [a-z]* $P/.git/hooks/post-merge runs_later" "$S/approver.out"
check "socket: denied, then allowed once: the same program, unmodified" \
	[ "$(printf '%s\n' "$out" | tr '\n' ' ')" = "EACCES ok " ]
check "...and the hook the person allowed is there" [ -e "$P/.git/hooks/post-merge" ]
rm -f "$P/.git/hooks/post-merge"

# The repository the user will use again is as it was.
check "the project's .git/config is unchanged" [ "$(config_sum "$P")" = "$SUM0" ]
check "the project's hooks are unchanged" [ "$(hooks_list "$P")" = "$HOOKS0" ]
check "no settings directory appeared" [ ! -e "$P/.vscode" ] && [ ! -e "$P/.mcp.json" ]
run sh -c "cd '$P' && git status --short"
check "git status outside runs and sees the project" [ "$rc" -eq 0 ]

# A repository the program makes during the run is its own work.
expect_rc 0 "git init, config and commit in a new repository work" -- \
	"$LATCH" run $ACK -q -p agent -- sh -c 'git init -q fresh && cd fresh && git config user.name t &&
		git config user.email t@example.invalid && echo x >f && git add f && git commit -q -m one'
expect_rc 0 "...and the existing repository still commits" -- \
	"$LATCH" run $ACK -q -p agent -- sh -c 'echo more >>README.md && git add README.md &&
		git -c user.name=t -c user.email=t@example.invalid commit -q -m two'

# claude-code: Claude Code keeps its global configuration in ~/.claude
# (CLAUDE_CONFIG_DIR), made at the start of a run on a fresh HOME, where it
# writes, locks and replaces it; ~/.claude.json, whose MCP servers an outside
# run starts, stays as it was.
echo '{"mcpServers": {}}' >"$HOME/.claude.json"
SUM_CJ=$(sha256sum <"$HOME/.claude.json")
rm -rf "$HOME/.claude"
run "$LATCH" run -q -p claude-code -- sh -c 'echo "$CLAUDE_CONFIG_DIR"; ./try-op append "$HOME/.claude.json"
	./try-op create "$CLAUDE_CONFIG_DIR/.claude.json.tmp.1.2" && ./try-op rename "$CLAUDE_CONFIG_DIR/.claude.json.tmp.1.2" \
		"$CLAUDE_CONFIG_DIR/.claude.json" && ./try-op mkdir "$CLAUDE_CONFIG_DIR/.claude.json.lock"'
check "claude-code: CLAUDE_CONFIG_DIR is ~/.claude: $(echo $out)" [ "$(printf '%s\n' "$out" | head -n 1)" = "$HOME/.claude" ]
check "claude-code: ~/.claude was made at the start, mode 0700" [ "$(stat -c %a "$HOME/.claude" 2>&1)" = 700 ]
check "claude-code: appending to ~/.claude.json is refused" [ "$(printf '%s\n' "$out" | sed -n 2p)" = EACCES ]
check "claude-code: ...while its configuration in ~/.claude is replaced and locked: $(echo $out)" \
	[ "$(printf '%s\n' "$out" | sed -n '3,$p' | tr '\n' ' ')" = "ok ok ok " ]
check "claude-code: ~/.claude.json is as it was" [ "$(sha256sum <"$HOME/.claude.json")" = "$SUM_CJ" ]
rm -rf "$HOME/.claude" "$HOME/.claude.json"
# The official plugin marketplace is a git clone into ~/.claude/plugins,
# which the profile refuses: Claude Code is told not to try.
run "$LATCH" run -q -p claude-code -- sh -c 'echo "$CLAUDE_CODE_DISABLE_OFFICIAL_MARKETPLACE_AUTOINSTALL"'
check "claude-code: the marketplace's automatic install is off" [ "$out" = 1 ]
expect_why deny claude-code create "$HOME/.claude/plugins"
rm -rf "$HOME/.claude"
expect_why deny claude-code write "$HOME/.claude.json"
expect_why allow claude-code create "$HOME/.claude/.claude.json.lock"

# Per-user files the user's own tools execute: unwritable even with
# CWD=$HOME, where the profile writes all of $HOME.
cd "$HOME" || exit 1
cp "$TRY" "$HOME/try-op"
for f in .config/git/config .vimrc .config/autostart/x.desktop .config/systemd/user/x.service \
	.local/bin/ls .bash_aliases .inputrc; do
	run "$LATCH" run $ACK -q -p agent -- ./try-op create "$f"
	_last=$(printf '%s\n' "$out" | tail -n 1)
	case $_last in
	EACCES | EPERM | EROFS | ENOENT) ok "CWD=\$HOME: creating ~/$f is refused ($_last)" ;;
	*) not_ok "CWD=\$HOME: creating ~/$f is refused" "got '$_last' $err" ;;
	esac
	check "...and ~/$f is not there" [ ! -e "$HOME/$f" ]
done
# More that the user's tools execute or read commands from, each refused
# where its directory exists (so that nothing else can be why), and made
# unsandboxed in the same place: Python's user site (usercustomize.py and
# .pth lines run at every start), Gradle's init scripts, less's lesskey
# (its #env can set LESSOPEN, run on every file less opens), a terminal's
# configuration (the shell it starts), Yarn's yarnPath, Neovim's plugins,
# a rustup toolchain's binaries, IPython's startup files.
for f in .local/lib/python3.11/site-packages/usercustomize.py .local/lib/python3.11/site-packages/planted.pth \
	.gradle/init.d/planted.gradle .lesskey .config/alacritty/alacritty.toml .yarnrc.yml \
	.local/share/nvim/site/plugin/planted.lua .rustup/toolchains/stable/bin/cargo \
	.ipython/profile_default/startup/00-planted.py; do
	mkdir -p "$HOME/$(dirname "$f")"
	run "$LATCH" run $ACK -q -p agent -- ./try-op create "$f"
	_last=$(printf '%s\n' "$out" | tail -n 1)
	case $_last in
	EACCES | EPERM | EROFS) ok "CWD=\$HOME: creating ~/$f is refused ($_last)" ;;
	*) not_ok "CWD=\$HOME: creating ~/$f is refused" "got '$_last' $err" ;;
	esac
	check "...and ~/$f is not there, while unsandboxed it is made" \
		eval '[ ! -e "$HOME/$f" ] && "$TRY" create "$HOME/$f" >/dev/null && [ -e "$HOME/$f" ]'
	rm -f "$HOME/$f"
done
expect_op ok "CWD=\$HOME: ...while Gradle's caches and IPython's history stay writable" -- \
	"$LATCH" run $ACK -q -p agent -- sh -c 'mkdir -p .gradle/caches .ipython/profile_default &&
		./try-op create .gradle/caches/x && ./try-op create .ipython/profile_default/history.sqlite'
rm -rf "$HOME/.local/lib" "$HOME/.gradle" "$HOME/.lesskey" "$HOME/.config/alacritty" "$HOME/.yarnrc.yml" \
	"$HOME/.local/share/nvim" "$HOME/.rustup" "$HOME/.ipython"
# Claude Code starts the MCP servers of ~/.claude.json without asking; the
# Codex TUI executes the app-server it keeps in ~/.codex/packages.
echo '{}' >"$HOME/.claude.json"
mkdir -p "$HOME/.codex/packages/app-server-daemon"
expect_op EACCES "CWD=\$HOME: appending to ~/.claude.json (MCP servers) is refused" -- \
	"$LATCH" run $ACK -q -p agent -- ./try-op append .claude.json
expect_op EACCES "CWD=\$HOME: planting Codex's app-server in ~/.codex/packages is refused" -- \
	"$LATCH" run $ACK -q -p agent -- ./try-op create .codex/packages/app-server-daemon/current
(cd "$HOME" && try_sum=$(sha256sum <.claude.json) && "$TRY" append .claude.json >/dev/null &&
	[ "$(sha256sum <.claude.json)" != "$try_sum" ] && "$TRY" create .codex/packages/app-server-daemon/current >/dev/null)
check "...both done unsandboxed" [ $? -eq 0 ]
rm -rf "$HOME/.claude.json" "$HOME/.codex"
expect_op EACCES "CWD=\$HOME: appending to ~/.gitconfig is refused" -- \
	"$LATCH" run $ACK -q -p agent -- ./try-op append .gitconfig
expect_op ok "CWD=\$HOME: ...while ~/.gitconfig stays readable" -- \
	"$LATCH" run $ACK -q -p agent -- ./try-op read .gitconfig
expect_op ok "CWD=\$HOME: ...and an ordinary file in \$HOME is written" -- \
	"$LATCH" run $ACK -q -p agent -- ./try-op create notes-home.txt
# latch's own profiles decide what later runs may do, and its session logs
# are what the user reviews afterwards: a sandbox that writes $HOME writes
# neither. A profile planted under the built-in's name would be the next
# run's profile.
LCFG=${XDG_CONFIG_HOME:-$HOME/.config}/latch
LSTATE=${XDG_STATE_HOME:-$HOME/.local/state}/latch
mkdir -p "$LCFG/profiles" "$LSTATE/sessions"
echo '{"name": "mine", "extends": "minimal"}' >"$LCFG/profiles/mine.json"
SUM_MINE=$(sha256sum <"$LCFG/profiles/mine.json")
expect_op EACCES "CWD=\$HOME: planting a profile named agent in latch's profiles is refused" -- \
	"$LATCH" run $ACK -q -p agent -- ./try-op create "$LCFG/profiles/agent.json"
expect_op EACCES "CWD=\$HOME: appending to a profile of the user's is refused" -- \
	"$LATCH" run $ACK -q -p agent -- ./try-op append "$LCFG/profiles/mine.json"
expect_op EACCES "CWD=\$HOME: writing into latch's session logs is refused" -- \
	"$LATCH" run $ACK -q -p agent -- ./try-op create "$LSTATE/sessions/planted"
expect_op ok "CWD=\$HOME: ...while latch's profiles stay readable (a latch inside reads them)" -- \
	"$LATCH" run $ACK -q -p agent -- ./try-op read "$LCFG/profiles/mine.json"
check "...no profile was planted, the user's is as it was, and no log entry was made" \
	eval '[ ! -e "$LCFG/profiles/agent.json" ] && [ ! -e "$LSTATE/sessions/planted" ] &&
		[ "$(sha256sum <"$LCFG/profiles/mine.json")" = "$SUM_MINE" ]'
run "$LATCH" profile show agent
check "...and agent is still the built-in profile" contains "$out" protect_run_later
(cd "$HOME" && "$TRY" create "$LCFG/profiles/unsandboxed.json" >/dev/null)
check "...creating one there works unsandboxed" [ -e "$LCFG/profiles/unsandboxed.json" ]
rm -f "$LCFG/profiles/mine.json" "$LCFG/profiles/unsandboxed.json"
rm -f "$HOME/try-op" "$HOME/notes-home.txt"

# ---- latch's own files follow no symlink planted in a shared directory ------------
cd "$P" || exit 1
VICTIM=$S/victim
mkdir -p "$VICTIM"
rm -rf "$TMPDIR/latch-$IT_UID"
ln -s "$VICTIM" "$TMPDIR/latch-$IT_UID"
expect_fail_with "is not a directory owned by uid" \
	"a symlink planted at the private temp dir's name in \$TMPDIR: refused, not followed" -- \
	"$LATCH" run $ACK -q -p agent -- sh -c 'echo planted >"$TMPDIR/x"'
check "...and nothing was written where the symlink points" [ -z "$(ls -A "$VICTIM")" ]
RT=$S/runtime
mkdir -m 700 "$RT"
run env XDG_RUNTIME_DIR="$RT" "$LATCH" run $ACK -q -p agent -- sh -c 'echo mine >"$TMPDIR/x" && echo "$TMPDIR"'
check "with \$XDG_RUNTIME_DIR the user's own, the private temp dir lives there: $out" \
	[ "$rc" -eq 0 ] && [ "$out" = "$RT/latch-tmp" ] && [ -f "$RT/latch-tmp/x" ]
check "...and is the user's alone (0700)" [ "$(stat -c %a "$RT/latch-tmp")" = 700 ]
chmod 755 "$RT"
run env XDG_RUNTIME_DIR="$RT" "$LATCH" run $ACK -q -p agent -- sh -c 'echo "$TMPDIR"'
check "a \$XDG_RUNTIME_DIR others may enter is not used" [ "$out" != "$RT/latch-tmp" ]
rm -f "$TMPDIR/latch-$IT_UID"
ln -s "$VICTIM/events" "$S/events-link"
expect_rc 125 "--events does not follow a symlink planted at its name" -- \
	"$LATCH" run $ACK -q -p agent --events "$S/events-link" -- true
check "...and wrote nothing through it" [ ! -e "$VICTIM/events" ]

done_testing
