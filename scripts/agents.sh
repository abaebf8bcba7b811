#!/bin/sh
# scripts/agents.sh DIR -- the agent CLIs that tests/integration/test-agent-cli.sh
# runs, installed from the npm registry at pinned versions into DIR (a
# cache: build/agents by default, which `make clean` removes), once; later
# calls find them there. Only the pinned install is kept in DIR.
#
# On success prints the install prefix (a per-user npm prefix: bin/claude,
# bin/codex, lib/node_modules) and exits 0; otherwise prints one line, why
# (npm missing, npm's own error, a binary that does not start), and exits 1.
#
# Pins: Claude Code 2.1.197 is the last release whose package declares
# Node >= 18 (2.1.198 asks for Node 22; this machine has Debian's Node 20);
# both CLIs are native binaries from a platform package (linux-x64 here)
# that npm installs as an optional dependency.
set -u

CLAUDE_CODE_VERSION=2.1.197
CODEX_VERSION=0.171.0

dir=${1:?usage: scripts/agents.sh DIR}
prefix=$dir/claude-code-$CLAUDE_CODE_VERSION+codex-$CODEX_VERSION

if [ -f "$prefix/.installed" ]; then
	echo "$prefix"
	exit 0
fi
if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
	echo "npm and node are needed to install the agent CLIs, and are not installed"
	exit 1
fi

# Bounded: an earlier pin (or a broken attempt) is removed first.
rm -rf "$dir"
mkdir -p "$dir" || {
	echo "cannot create $dir"
	exit 1
}
log=$dir/npm-install.log
# Claude Code's postinstall links the native binary into place; npm 11
# names such scripts in a warning unless they are allowed by name.
if ! timeout 900 npm install --global --prefix "$prefix.tmp" --no-audit --no-fund --loglevel=error \
	--fetch-retries=1 --fetch-retry-maxtimeout=20000 --allow-scripts=@anthropic-ai/claude-code \
	"@anthropic-ai/claude-code@$CLAUDE_CODE_VERSION" "@openai/codex@$CODEX_VERSION" >"$log" 2>&1; then
	echo "npm install of @anthropic-ai/claude-code@$CLAUDE_CODE_VERSION and @openai/codex@$CODEX_VERSION failed:" \
		"$(grep -i 'err' "$log" | grep -v '^npm error *at ' | head -n 4 | tr '\n' ' ' | cut -c1-400)"
	exit 1
fi
v=$("$prefix.tmp/bin/claude" --version 2>&1)
case $v in
"$CLAUDE_CODE_VERSION "*) ;;
*)
	echo "the installed claude does not start: $(printf '%s' "$v" | head -n 2 | tr '\n' ' ')"
	exit 1
	;;
esac
v=$("$prefix.tmp/bin/codex" --version 2>&1)
case $v in
"codex-cli $CODEX_VERSION") ;;
*)
	echo "the installed codex does not start: $(printf '%s' "$v" | head -n 2 | tr '\n' ' ')"
	exit 1
	;;
esac
chmod -R a+rX "$prefix.tmp" && mv "$prefix.tmp" "$prefix" && touch "$prefix/.installed" || {
	echo "cannot move the install into $prefix"
	exit 1
}
echo "$prefix"
