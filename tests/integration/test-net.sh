#!/bin/sh
# Network rules: TCP connect/bind port lists (Landlock ABI 4), network "off"
# (seccomp refuses every socket family but AF_UNIX) and abstract unix socket
# scoping (Landlock ABI 6). Listeners run outside the sandbox, started by
# this script; only their pids are ever killed.
. "$(dirname "$0")/lib.sh"

# Profiles here are deliberately wide (derived risk tier 2): acknowledged,
# as a user must, with --ack-risk.
ACK="--ack-risk net-test"

S=$IT_SCRATCH
abi=$(landlock_abi)

# profile FILE NETWORK_JSON [PROCESS_JSON]
profile() {
	_proc=${3:-'{}'}
	cat >"$1" <<EOF
{
  "name": "net-test",
  "groups": ["system_read", "system_exec"],
  "filesystem": { "exec": ["$TRY_DIR"], "write": ["/dev/null"] },
  "network": $2,
  "process": $_proc
}
EOF
}

# listen_tcp NAME: a TCP listener on 127.0.0.1; sets $port and $lpid.
listen_tcp() {
	bg_start "$S/$1.port" "$TRY" tcp-listen 0
	lpid=$bg_pid
	port=
	if wait_for_output "$S/$1.port"; then
		port=$(head -n 1 "$S/$1.port")
	fi
}

# ---- TCP port lists ----
if [ "$abi" -lt 4 ]; then
	skip "tcp port lists" "Landlock ABI $abi < 4 cannot filter TCP ports (latch doctor)"
else
	listen_tcp allowed
	p_ok=$port pid_ok=$lpid
	listen_tcp other
	p_other=$port pid_other=$lpid
	b_ok=$("$TRY" free-port)
	b_other=$("$TRY" free-port)
	while [ "$b_other" = "$b_ok" ]; do b_other=$("$TRY" free-port); done
	if [ -z "$p_ok" ] || [ -z "$p_other" ]; then
		not_ok "tcp: the listeners started" "ports: '$p_ok' '$p_other'"
	else
		ok "tcp: two listeners outside on ports $p_ok and $p_other"
		PF=$S/ports.json
		profile "$PF" "{ \"mode\": \"ports\", \"connect_tcp\": [$p_ok], \"bind_tcp\": [$b_ok] }"
		expect_op EACCES "tcp: connect to a listening port not in connect_tcp is EACCES" -- \
			"$LATCH" run $ACK -p "$PF" -- "$TRY" tcp-connect 127.0.0.1 "$p_other"
		expect_why deny "$PF" tcp_connect "$p_other"
		check "tcp: that listener is still waiting (the connection never left)" kill -0 "$pid_other"
		expect_op ok "tcp: connect to the port in connect_tcp succeeds" -- \
			"$LATCH" run $ACK -p "$PF" -- "$TRY" tcp-connect 127.0.0.1 "$p_ok"
		expect_why allow "$PF" tcp_connect "$p_ok"
		check "tcp: the allowed listener accepted the connection and exited" wait_gone "$pid_ok"
		expect_op ok "tcp: outside the sandbox the other port is reachable (baseline)" -- \
			"$TRY" tcp-connect 127.0.0.1 "$p_other"
		check "tcp: the other listener accepted the baseline connection" wait_gone "$pid_other"

		expect_op ok "tcp: bind to the port in bind_tcp succeeds" -- \
			"$LATCH" run $ACK -p "$PF" -- "$TRY" tcp-bind 127.0.0.1 "$b_ok"
		expect_why allow "$PF" tcp_bind "$b_ok"
		expect_op EACCES "tcp: bind to a port not in bind_tcp is EACCES" -- \
			"$LATCH" run $ACK -p "$PF" -- "$TRY" tcp-bind 127.0.0.1 "$b_other"
		expect_why deny "$PF" tcp_bind "$b_other"
		expect_op ok "tcp: outside the sandbox that port can be bound (baseline)" -- \
			"$TRY" tcp-bind 127.0.0.1 "$b_other"
		expect_op ok "tcp: mode ports leaves UDP sockets alone" -- \
			"$LATCH" run $ACK -p "$PF" -- "$TRY" udp-socket
	fi
fi

# ---- network off: only AF_UNIX ----
PF=$S/off.json
profile "$PF" '{ "mode": "off" }'
expect_op EACCES "off: socket(AF_INET, SOCK_STREAM) is EACCES" -- \
	"$LATCH" run $ACK -p "$PF" -- "$TRY" tcp-connect 127.0.0.1 9
expect_why deny "$PF" tcp_connect 9
expect_op EACCES "off: socket(AF_INET, SOCK_DGRAM) is EACCES" -- "$LATCH" run $ACK -p "$PF" -- "$TRY" udp-socket
expect_op EACCES "off: socketpair(AF_INET) is EACCES" -- "$LATCH" run $ACK -p "$PF" -- "$TRY" socketpair inet
expect_op EOPNOTSUPP "off: outside, socketpair(AF_INET) reaches the kernel (EOPNOTSUPP)" -- \
	"$TRY" socketpair inet
expect_op ok "off: socketpair(AF_UNIX) works" -- "$LATCH" run $ACK -p "$PF" -- "$TRY" socketpair unix
# A pathname socket outside what the profile grants is refused (a
# supervisor of connect() serves unsupervised runs); named in unix_connect,
# it is reached.
bg_start "$S/unix.out" "$TRY" unix-listen "$S/sock"
upid=$bg_pid
if wait_for_output "$S/unix.out"; then
	expect_op EACCES "off: connect to a unix socket outside the profile is EACCES" -- \
		"$LATCH" run $ACK -p "$PF" -- "$TRY" unix-connect "$S/sock"
	expect_why deny "$PF" unix_connect "$S/sock"
	PF_UC=$S/off-uc.json
	profile "$PF_UC" '{ "mode": "off" }'
	sed -i "s|\"write\": \[\"/dev/null\"\]|&, \"unix_connect\": [\"$S/sock\"]|" "$PF_UC"
	expect_op ok "off: the same socket named in unix_connect is reached" -- \
		"$LATCH" run $ACK -p "$PF_UC" -- "$TRY" unix-connect "$S/sock"
	expect_why allow "$PF_UC" unix_connect "$S/sock"
	check "off: the unix listener accepted and exited" wait_gone "$upid"
else
	not_ok "off: the unix listener started" "$(cat "$S/unix.out")"
fi
expect_fail_with "Permission denied" "off: python3 socket.socket() is refused" -- \
	"$LATCH" run $ACK -p "$PF" -- /usr/bin/python3 -c 'import socket; socket.socket()'
expect_rc 0 "off: python3 socket.socketpair() (AF_UNIX) works" -- \
	"$LATCH" run $ACK -p "$PF" -- /usr/bin/python3 -c 'import socket; socket.socketpair()'
PF_ON=$S/on.json
profile "$PF_ON" '{ "mode": "on" }'
expect_op ok "on: socket(AF_INET, SOCK_DGRAM) works" -- "$LATCH" run $ACK -p "$PF_ON" -- "$TRY" udp-socket
expect_why allow "$PF_ON" tcp_connect 9

# ---- abstract unix sockets ----
if [ "$abi" -lt 6 ]; then
	skip "abstract unix scoping" "Landlock ABI $abi < 6 cannot scope abstract unix sockets (latch doctor)"
else
	name=latch-it-$IT_UID-$$
	bg_start "$S/abstract.out" "$TRY" abstract-listen "$name"
	apid=$bg_pid
	if ! wait_for_output "$S/abstract.out"; then
		not_ok "abstract: the listener started" "$(cat "$S/abstract.out")"
	else
		PF=$S/scoped.json
		profile "$PF" '{ "mode": "off" }' '{ "abstract_unix": "scoped" }'
		# Isolated with network off: the sandbox has its own network
		# namespace, and abstract sockets live in one.
		expect_op ECONNREFUSED "abstract: isolated: the listener outside is in another network namespace" -- \
			"$LATCH" run $ACK -p "$PF" -- "$TRY" abstract-connect "$name"
		# Static mode: Landlock's abstract-unix scope is what refuses.
		expect_op EPERM "abstract: scoped: connect to a listener outside is EPERM" -- \
			"$LATCH" run $ACK --no-namespaces -p "$PF" -- "$TRY" abstract-connect "$name"
		expect_why deny "$PF" abstract_unix
		check "abstract: the listener outside is still waiting" kill -0 "$apid"
		expect_op ok "abstract: scoped: a socket made inside the sandbox is reachable" -- \
			"$LATCH" run $ACK -p "$PF" -- "$TRY" abstract-self "$name-inside"
		PF=$S/open.json
		profile "$PF" '{ "mode": "off" }' '{ "abstract_unix": "open" }'
		expect_op ok "abstract: open: connect to the listener outside succeeds" -- \
			"$LATCH" run $ACK --no-namespaces -p "$PF" -- "$TRY" abstract-connect "$name"
		expect_why allow "$PF" abstract_unix
		check "abstract: the listener accepted and exited" wait_gone "$apid"
	fi
fi

done_testing
