#!/bin/sh
# Interactive tools under agent with --ask, in a real terminal (tmux): less
# and vim open, show and quit without a single question from latch and
# without a summary, although they write their histories and state at exit
# (quiet_tool_state); a read the profile denies is still asked about, in the
# same terminal, so the quiet is not deafness.
. "$(dirname "$0")/lib.sh"

if ! command -v tmux >/dev/null 2>&1; then
	skip "interactive tools" "tmux is not installed"
	done_testing
	exit 0
fi
ACK="--ack-risk agent"
P=$PROJECT
SOCK="latch-it-$$-interactive"
T() { SHELL=/bin/bash tmux -L "$SOCK" "$@"; }


# session NAME CMD: run CMD (a shell line) under latch in a fresh tmux
# session; the pane shows "exit=N" when latch is done.
session() {
	T kill-server 2>/dev/null
	SOCK="latch-it-$$-$1" # a server being killed must not take the next session
	T new-session -d -s it -x 120 -y 30 \
		"cd '$P' && '$LATCH' run $ACK --ask -p agent -- $2; echo exit=\$?; sleep 30"
}

printf 'line one of the notes\n' >"$P/notes.txt"

# ---- less ------------------------------------------------------------------------
session less "less notes.txt"
check "less: the file is on the screen" wait_screen 'line one of the notes'
T send-keys -t it q
check "less: quits with exit 0" wait_screen 'exit=0'
screen=$(T capture-pane -p -t it 2>/dev/null)
check "less: latch asked nothing and said nothing" lacks "$screen" "latch"

# ---- vim ---------------------------------------------------------------------------
if command -v vim >/dev/null 2>&1; then
	session vim "vim -N -u NONE -i ~/.viminfo notes.txt"
	check "vim: the file is on the screen" wait_screen 'line one of the notes'
	T send-keys -t it 'Oadded by vim' Escape ':wq' Enter
	check "vim: writes and quits with exit 0" wait_screen 'exit=0'
	screen=$(T capture-pane -p -t it 2>/dev/null)
	check "vim: latch asked nothing and said nothing (its viminfo is refused quietly)" lacks "$screen" "latch"
	check "vim: the edit is in the project file" grep -q 'added by vim' "$P/notes.txt"
	check "vim: ~/.viminfo was not written" [ ! -e "$HOME/.viminfo" ]
else
	skip "vim" "vim is not installed"
fi

# ---- and a real question still comes --------------------------------------------
session cat "cat ~/.aws/credentials"
check "a denied read of a credential is asked about on the terminal" wait_screen '\[latch\]'
T send-keys -t it d Enter
check "...and denied, the program exits non-zero" wait_screen 'exit=1'
screen=$(T capture-pane -p -t it 2>/dev/null)
check "...without the secret on the screen" lacks "$screen" "$IT_MARK_AWS"

T kill-server 2>/dev/null
done_testing
