#!/bin/sh
# The terminal stays usable through the sandbox: latch does not setsid, so
# the program reads the terminal, and Ctrl-C from the terminal reaches it
# exactly once, in both modes. Driven in a real terminal with tmux.
. "$(dirname "$0")/lib.sh"

S=$IT_SCRATCH
if ! command -v tmux >/dev/null 2>&1; then
	skip "terminal" "tmux is not installed"
	done_testing
	exit 0
fi
SOCK="latch-it-$$"
cat >"$S/term.json" <<EOF
{ "name": "term-test", "extends": "base", "filesystem": { "read": ["$S"] } }
EOF
# tmux runs commands with $SHELL (nologin for nobody); bash, because it
# waits for a child that handles SIGINT instead of dying of the Ctrl-C itself.
T() { SHELL=/bin/bash tmux -L "$SOCK" "$@"; }


for mode in isolated static; do
	flag=
	[ "$mode" = static ] && flag=--no-namespaces
	SOCK="latch-it-$$-$mode" # a server being killed must not take the next session
	# A program that reads a line from the terminal, then counts SIGINTs.
	cat >"$S/term.sh" <<'EOF'
n=0
trap 'n=$((n + 1)); echo "sigint $n"' INT
printf 'name? '
read -r name
echo "hello:$name"
echo ready-for-int
while [ "$n" -lt 1 ]; do sleep 0.1; done
sleep 0.5
echo "total sigints: $n"
EOF
	T new-session -d -s it -x 120 -y 30 \
		"'$LATCH' run --quiet $flag -p '$S/term.json' -- sh '$S/term.sh'; echo exit=\$?; sleep 30"
	if ! wait_screen 'name?'; then
		not_ok "$mode: the prompt appears in the terminal" "screen: $(T capture-pane -p -t it 2>&1 | head -10)"
	else
		ok "$mode: the prompt appears in the terminal"
	fi
	T send-keys -t it 'latch-user' Enter
	check "$mode: the program read the line typed at the terminal" wait_screen 'hello:latch-user'
	wait_screen ready-for-int
	T send-keys -t it C-c
	if wait_screen 'total sigints: 1'; then
		ok "$mode: Ctrl-C reached the program exactly once"
	else
		not_ok "$mode: Ctrl-C reached the program exactly once" "screen: $(T capture-pane -p -t it 2>&1 | head -8)"
	fi
	check "$mode: the program exited normally after it (exit=0)" wait_screen 'exit=0'
	T kill-server 2>/dev/null
done

# Ctrl-C to a program that does not catch it ends it, and latch dies of the
# same signal (not merely exit 130). A python wrapper reports latch's own
# status: Popen's returncode -2 means "killed by SIGINT".
SOCK="latch-it-$$-b"
cat >"$S/wrap.py" <<'EOF'
import signal, subprocess, sys, time
# Ignore Ctrl-C here (a KeyboardInterrupt between waitpid and Popen noting
# the status would lose it), and give latch the default back.
signal.signal(signal.SIGINT, signal.SIG_IGN)
p = subprocess.Popen(sys.argv[1:], preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
rc = p.wait()
print("latch-status", rc, flush=True)
time.sleep(30)
EOF
T new-session -d -s it -x 120 -y 30 \
	"/usr/bin/python3 '$S/wrap.py' '$LATCH' run -p '$S/term.json' -- sh -c 'echo started; exec sleep 30'"
wait_screen started
T send-keys -t it C-c
if wait_screen 'latch-status -2'; then
	ok "isolated: Ctrl-C ends an uncaught program, and latch dies of SIGINT too"
else
	not_ok "isolated: Ctrl-C ends an uncaught program, and latch dies of SIGINT too" \
		"screen: $(T capture-pane -p -t it 2>&1 | head -5)"
fi
T kill-server 2>/dev/null

# --ask: a denied access pauses the program, latch asks on this terminal,
# and the answer takes effect on the running, unmodified program.
SOCK="latch-it-$$-ask"
echo "asked-secret-9c1d" >"$S/asked.txt"
cat >"$S/ask.json" <<EOF
{ "name": "term-ask", "extends": "base" }
EOF
cat >"$S/ask.sh" <<'EOF'
cat "$1"; echo "after=$?"
cat "$1"; echo "again=$?"
EOF
T new-session -d -s it -x 160 -y 40 \
	"'$LATCH' run --quiet --ask -p '$S/ask.json' -- sh -s '$S/asked.txt' <'$S/ask.sh'; echo exit=\$?; read -r l; echo \"read-after:\$l\"; sleep 30"
if wait_screen 'allow \[o\]nce'; then
	ok "--ask: the prompt appears in the terminal"
else
	not_ok "--ask: the prompt appears in the terminal" "screen: $(T capture-pane -p -t it 2>&1 | head -12)"
fi
check "--ask: the prompt names the path" wait_screen "asked.txt"
T send-keys -t it o Enter
check "--ask: answered once, the unmodified cat read the file" wait_screen 'asked-secret-9c1d'
check "--ask: and went on (exit status 0)" wait_screen 'after=0'
sleep 0.5
T send-keys -t it d Enter
check "--ask: answered deny the second time, the same read fails" wait_screen 'again=1'
check "--ask: latch exits with the program's status" wait_screen 'exit=0'
# The program's group had the terminal's foreground: latch gives it back,
# so the shell that started it (a script, without job control) reads again.
T send-keys -t it 'typed-after-latch' Enter
check "--ask: the terminal is the caller's again: it reads a line typed afterwards" wait_screen 'read-after:typed-after-latch'
T kill-server 2>/dev/null

done_testing
