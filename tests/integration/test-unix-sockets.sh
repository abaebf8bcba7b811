#!/bin/sh
# Pathname Unix sockets in every mode: a fake docker.sock in a directory the
# profile does not grant and an agent socket under the denied ~/.ssh are
# refused (with an event or a summary line naming the socket) in the
# isolated, static and supervised modes, for supervised and unsupervised
# profiles alike, while a socket in the project connects in the same run and
# both outside ones connect unsandboxed. A unix_connect rule opens exactly
# its socket. Unix datagram sockets, whose sends no connect() precedes, are
# refused unless the profile allows them.
. "$(dirname "$0")/lib.sh"

ACK="--ack-risk agent"
P=$PROJECT
S=$IT_SCRATCH
PY=/usr/bin/python3
mkdir -p "$S/run"
DOCKER=$S/run/docker.sock
AGENT=$HOME/.ssh/agent.sock
OWN=$P/own.sock
SECRET=socket-secret-$$

# A server outside the sandbox: each socket answers every connection with
# the secret, until the test ends (it_cleanup kills it by pid).
unix_servers_start "$S/server.out" "$SECRET" "$DOCKER" "$AGENT" "$OWN" ||
	not_ok "the socket server started" "$(cat "$S/server.out")"
unix_client_write "$P/connect.py"

# The premise: all three sockets answer unsandboxed.
for sock in "$DOCKER" "$AGENT" "$OWN"; do
	run "$PY" "$P/connect.py" "$sock"
	check "unsandboxed: $sock answers with the secret" [ "$out" = "connected $SECRET" ]
done

# A profile of the unsupervised kind that can run the client: minimal, plus
# writing the project (where a socket is one the program could have made).
printf '{"name": "t-sock", "extends": "minimal", "filesystem": {"write": ["$CWD"]}}\n' >"$S/t-sock.json"

# refused MODE-LABEL LATCH-ARGS...: docker.sock and the agent socket are
# refused and named on stderr, the project's socket connects.
refused() {
	_label=$1
	shift
	for sock in "$DOCKER" "$AGENT"; do
		run "$LATCH" run "$@" -- "$PY" connect.py "$sock"
		check "[$_label] connect to $(basename "$sock") is refused (EACCES): $out $err" [ "$out" = "refused 13" ]
		check "[$_label] ...and the denial names the socket" contains "$err" "denied 1x: $sock"
	done
	run "$LATCH" run "$@" -- "$PY" connect.py "$OWN"
	check "[$_label] the project's own socket connects: $out $err" [ "$out" = "connected $SECRET" ]
	check "[$_label] ...and latch denies nothing" lacks "$err" "denied"
}

refused "minimal-like, isolated" -p "$S/t-sock.json"
refused "minimal-like, static" -p "$S/t-sock.json" --no-namespaces
refused "agent, unsupervised, isolated" $ACK -p agent --no-supervise
refused "agent, unsupervised, static" $ACK -p agent --no-supervise --no-namespaces
refused "agent, supervised" $ACK -p agent

# Sockets the C library tries on its own (nscd, systemd's user database) are
# refused quietly: the built-in group, and the same for any deny_quietly path.
printf '{"name": "t-quiet", "extends": "minimal", "filesystem": {"write": ["$CWD"], "deny_quietly": ["%s"]}}\n' \
	"$S/run" >"$S/t-quiet.json"
run "$LATCH" run -p "$S/t-quiet.json" -- "$PY" connect.py "$DOCKER"
check "deny_quietly: the socket is refused" [ "$out" = "refused 13" ]
check "...without a line on stderr" [ -z "$err" ]
run "$LATCH" run -p "$S/t-quiet.json" --events "$S/evq.jsonl" -- "$PY" connect.py "$DOCKER"
check "...while the events record it" grep -q '"verdict":"deny"' "$S/evq.jsonl"
run "$LATCH" why -p minimal connect /run/nscd/socket
check "minimal refuses nscd's socket by the quiet group" contains "$out" "quiet_system_sockets"
run "$LATCH" why -p minimal connect /run/systemd/userdb/io.systemd.Multiplexer
check "...and systemd's user database" contains "$out" "quiet_system_sockets"

# -q keeps the summary away; the events still name the socket.
run "$LATCH" run -p "$S/t-sock.json" -q --events "$S/ev.jsonl" -- "$PY" connect.py "$DOCKER"
check "with --events: refused" [ "$out" = "refused 13" ]
check "...and the event names the socket, the access and the verdict" sh -c \
	'grep "\"path\":\"$1\"" "$2" | grep "\"access\":\"connect\"" | grep -q "\"verdict\":\"deny\""' sh "$DOCKER" "$S/ev.jsonl"
run "$LATCH" why -p "$S/t-sock.json" connect "$DOCKER"
check "...and why agrees: $out" [ "$rc" -ne 0 ] && contains "$out" "deny"

# The plan says how the sockets are decided.
run "$LATCH" run --dry-run -p "$S/t-sock.json" -- true
check "dry-run: an unsupervised profile gets a supervisor of connect() alone" \
	contains "$out" '"sockets_only":true'
check "...notifying connect only" contains "$out" '"notified":["connect"]'

run "$LATCH" doctor
check "doctor says an unsupervised profile's connect() is supervised" \
	sh -c 'printf "%s\n" "$1" | grep -q "^  minimal .*(connect() to unix sockets supervised)"' sh "$out"

# A unix_connect rule opens exactly the socket it names.
printf '{"name": "t-docker", "extends": "minimal", "filesystem": {"read": ["$CWD"], "unix_connect": ["%s"]}}\n' \
	"$DOCKER" >"$S/t-docker.json"
run "$LATCH" run --ack-risk t-docker -p "$S/t-docker.json" -- "$PY" connect.py "$DOCKER"
check "unix_connect names docker.sock: it connects: $out $err" [ "$out" = "connected $SECRET" ]
run "$LATCH" run --ack-risk t-docker -p "$S/t-docker.json" -- "$PY" connect.py "$AGENT"
check "...the agent socket stays refused" [ "$out" = "refused 13" ]
run "$LATCH" why -p "$S/t-docker.json" connect "$DOCKER"
check "...why names the rule" contains "$out" "filesystem.unix_connect"
run "$LATCH" profile check "$S/t-docker.json"
check "...and it raises the risk tier to 1 (a service outside the sandbox)" contains "$out" "risk tier 1"
printf '{"name": "t-docker2", "extends": "minimal", "filesystem": {"unix_connect": ["/var/run/docker.sock"]}}\n' \
	>"$S/t-docker2.json"
run "$LATCH" profile check "$S/t-docker2.json"
check "...to 2 for the host's container runtime socket" contains "$out" "risk tier 2"

# Datagram sockets: refused, unless the profile allows them.
DG='import socket
try:
    socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); print("made")
except OSError as e:
    print("refused", e.errno)'
run "$PY" -c "$DG"
check "unsandboxed: a Unix datagram socket is made" [ "$out" = made ]
run "$LATCH" run $ACK -p agent -q -- "$PY" -c "$DG"
check "agent: a Unix datagram socket is refused" [ "$out" = "refused 13" ]
run "$LATCH" run -p minimal -- "$PY" -c 'import socket; socket.socket(socket.AF_UNIX); socket.socketpair(); print("made")'
check "minimal: stream sockets and pairs are made" [ "$out" = made ]
printf '{"name": "t-dgram", "extends": "minimal", "network": {"mode": "off", "unix_datagram": true}}\n' >"$S/t-dgram.json"
run "$LATCH" run --ack-risk t-dgram -p "$S/t-dgram.json" -- "$PY" -c "$DG"
check "network.unix_datagram: true: it is made" [ "$out" = made ]
printf '{"name": "t-bad", "extends": "minimal", "network": {"mode": "off", "unix_datagram": "yes"}}\n' >"$S/t-bad.json"
expect_fail_with "network.unix_datagram" "a non-boolean unix_datagram is refused, naming the key" -- \
	"$LATCH" run -p "$S/t-bad.json" -- true

done_testing
