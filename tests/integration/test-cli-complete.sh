#!/bin/sh
# Shell completion (completions/): bash, zsh and fish complete latch's
# commands, a command's options (every one its --help lists), profile names
# (a user profile of this HOME among them), probe ids and a probe's own
# values, all asked of the latch under test; what follows a command to run
# gets none of latch's options. Each answer is compared whole, so that an
# empty or an unfiltered list fails.
. "$(dirname "$0")/lib.sh"

S=$IT_SCRATCH
# The completions lie beside the directory of the binary: completions/ of
# the checkout beside build/, or the runner's copy beside its bin/.
COMP=$(cd "$(dirname "$LATCH")/.." && pwd)/completions
# zsh and fish complete a command by its name: a directory on PATH holds
# "latch", the binary under test.
mkdir -p "$S/bin" && ln -s "$LATCH" "$S/bin/latch"
PATH=$S/bin:$PATH
export PATH
# A user profile: its name must come from `latch profile list --names`.
mkdir -p "$HOME/.config/latch/profiles"
printf '{ "name": "alpha-it", "extends": "minimal" }\n' >"$HOME/.config/latch/profiles/alpha-it.json"

for f in latch.bash _latch latch.fish; do
	check "completions/$f is there" [ -r "$COMP/$f" ]
done

# words A B C: the words, sorted, on one line (what the answers are
# compared with).
words() {
	printf '%s\n' "$@" | sort -u | tr '\n' ' ' | sed 's/ $//'
}
# expect_words SHELL WANT LINE: SHELL completes the last word of LINE to
# exactly the words WANT (space-separated, any order; "" for none).
expect_words() {
	_shell=$1 _want=$(words $2) _line=$3
	_got=$(words $("complete_$_shell" "$_line"))
	if [ "$_got" = "$_want" ]; then
		ok "$_shell: '$_line' completes to: ${_want:-nothing}"
	else
		not_ok "$_shell: '$_line' completes to: ${_want:-nothing}" "got: $_got"
	fi
}

# ---- bash: COMP_WORDS and COMP_CWORD as bash sets them, then _latch --------
# LINE's words split on blanks, and "=" a word of its own (as
# COMP_WORDBREAKS has it); a LINE ending in a blank completes an empty word.
complete_bash() {
	bash --norc --noprofile -c '
		. "$1"
		line=$2
		read -r -a COMP_WORDS <<<"${line//=/ = }"
		[[ $line == *" " ]] && COMP_WORDS+=("")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		COMPREPLY=()
		_latch
		printf "%s\n" "${COMPREPLY[@]}"' bash "$COMP/latch.bash" "$1"
}

# The answers every shell gives alike.
common_cases() {
	expect_words "$1" "probe profile" "latch pr"
	expect_words "$1" "agent alpha-it" "latch run -p a"
	expect_words "$1" "--no-log --no-namespaces --no-supervise" "latch run --no-"
	expect_words "$1" "minimal" "latch profile show mi"
	expect_words "$1" "open_read open_write" "latch probe -p agent fs_op --op open_"
	expect_words "$1" "tcp_bind tcp_connect" "latch why -p agent tcp_"
}

expect_rc 0 "bash: the script parses (bash -n)" -- bash -n "$COMP/latch.bash"
common_cases bash
expect_words bash "agent" "latch run --profile=ag"
expect_words bash "--approve-all --approve-socket --approve-timeout" "latch run -p agent --appr"
expect_words bash "" "latch run --approve-timeout "
expect_words bash "check list render show" "latch profile "
expect_words bash "minimal" "latch profile render --sbpl mi"
expect_words bash "$("$LATCH" probe --list --names)" "latch probe -p agent "
expect_words bash "--path --path-class" "latch matrix --group builtin fs_op --path"
expect_words bash "builtin" "latch matrix --group b"
expect_words bash "check run show" "latch lab "
expect_words bash "--help --version" "latch --"
# Every option run's --help lists, and nothing else.
run "$LATCH" run --help
run_opts=$(printf '%s\n' "$out" | sed -n -e 's/^  -[a-zA-Z], \(--[a-z0-9-]*\).*/\1/p' -e 's/^      \(--[a-z0-9-]*\).*/\1/p')
check "run --help lists 18 options or more" [ "$(printf '%s\n' "$run_opts" | wc -l)" -ge 18 ]
expect_words bash "$run_opts" "latch run --"
# After the command, its own words: none of latch's options.
printf 'x\n' >"$S/--no-file"
cd "$S" || exit 1
expect_words bash "--no-file" "latch run -p agent ls --no"
cd "$PROJECT" || exit 1

# ---- zsh: the real completion system, driven on a pseudo-terminal ----------
# compadd is wrapped to print each match; the widget ends the shell.
cat >"$S/capture.zsh" <<'EOF'
zmodload zsh/zpty
zpty z TERM=dumb zsh -f -i
zpty -w z 'PROMPT= RPROMPT= PS2=; unsetopt zle_bracketed_paste 2>/dev/null'
zpty -w z "fpath=(${(q)1} \$fpath); autoload -U compinit; compinit -u -D"
zpty -w z 'compadd() { if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then builtin compadd "$@"; return; fi; local -a h; builtin compadd -A h "$@"; (( $#h )) && print -rl -- "@@"${^h}; }'
zpty -w z 'compprefuncs=(_cap_begin); _cap_begin() { print; }'
zpty -w z 'comppostfuncs=(_cap_end); _cap_end() { print -r -- "@@""END"; exit }'
zpty -w z 'bindkey "^I" complete-word'
zpty -w -n z "$2"$'\t'
zpty -r -m z out '*@@END*'
print -rl -- ${${(M)${(f)out//$'\r'/}:#@@*}#@@}
zpty -d z
EOF
complete_zsh() {
	timeout 20 zsh -f "$S/capture.zsh" "$COMP" "$1" | grep -vx END
}

if command -v zsh >/dev/null 2>&1; then
	expect_rc 0 "zsh: the script parses (zsh -n)" -- zsh -n "$COMP/_latch"
	common_cases zsh
	expect_words zsh "agent" "latch run --profile=ag"
else
	skip "zsh completion" "zsh is not installed (scripts/deps.sh check installs it)"
fi

# ---- fish: complete -C --------------------------------------------------------
complete_fish() {
	fish -N -c 'source $argv[1]; complete -C $argv[2]' "$COMP/latch.fish" "$1" | cut -f1
}

if command -v fish >/dev/null 2>&1; then
	expect_rc 0 "fish: the script parses (fish -n)" -- fish -n "$COMP/latch.fish"
	common_cases fish
	expect_words fish "--profile=agent" "latch run --profile=ag"
	expect_words fish "$run_opts" "latch run --"
else
	skip "fish completion" "fish is not installed (scripts/deps.sh check installs it)"
fi

done_testing
