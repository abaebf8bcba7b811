#!/bin/sh
# network.mode proxy with real clients. The test starts an HTTP and an
# HTTPS server on the host's loopback (outside the sandbox), serving a web
# page, a git repository, a package index and an npm registry, under names
# the profile maps to 127.0.0.1 (network.resolve) -- some listed in
# network.hosts, one (other.test) not. Every client is allowed to a listed
# host and refused for the unlisted one in the same run; then every way
# around the proxy is tried and must fail, the proxy's refusals each with
# an event. Unsupervised runs keep deciding pathname Unix sockets.
. "$(dirname "$0")/lib.sh"

S=$IT_SCRATCH
P=$PROJECT
ACK="--ack-risk proxy-test"

for tool in curl openssl git; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		skip "network.mode proxy with real clients" "$tool is not installed"
		done_testing
	fi
done

# ---- the servers, outside ------------------------------------------------------
# A CA and one certificate for every test name (clients get the CA from
# the environment: CURL_CA_BUNDLE, SSL_CERT_FILE, GIT_SSL_CAINFO,
# NODE_EXTRA_CA_CERTS, npm_config_cafile; pip --cert).
mkdir -p "$S/tls" "$S/www"
(
	cd "$S/tls" &&
		openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj "/CN=latch test CA" &&
		openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj "/CN=web.test" &&
		printf 'subjectAltName=DNS:web.test,DNS:git.test,DNS:pypi.test,DNS:npm.test,DNS:other.test,IP:127.0.0.1\n' >ext &&
		openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 -extfile ext
) >"$S/openssl.log" 2>&1 || {
	not_ok "a CA and a certificate for the test names" "$(cat "$S/openssl.log")"
	done_testing
}
cp "$S/tls/ca.pem" "$P/test-ca.pem"
CA=$P/test-ca.pem

printf 'hello from the web server\n' >"$S/www/index.html"
# 1 MiB, for the byte counts.
head -c 1048576 /dev/zero | tr '\0' 'x' >"$S/www/big.bin"
# A git repository, served as files (git's dumb HTTP protocol).
(
	cd "$S" && mkdir src && cd src && git init -q . && git config user.email t@t && git config user.name t &&
		echo 'cloned through the proxy' >README && git add README && git commit -q -m one &&
		git clone -q --bare . "$S/www/repo.git" && cd "$S/www/repo.git" && git update-server-info
) >"$S/git.log" 2>&1 || not_ok "a git repository to clone" "$(cat "$S/git.log")"
# A wheel and a simple index for pip.
mkdir -p "$S/www/simple/latch-fixture" "$S/www/packages"
it_make_wheel "$S/www/packages/latch_fixture-1.0-py3-none-any.whl"
printf '<html><body><a href="../../packages/latch_fixture-1.0-py3-none-any.whl">latch_fixture-1.0-py3-none-any.whl</a></body></html>\n' \
	>"$S/www/simple/latch-fixture/index.html"
# An npm package.
HAVE_NPM=
if command -v npm >/dev/null 2>&1 && command -v node >/dev/null 2>&1; then
	mkdir -p "$S/npmpkg" "$S/www/npm"
	printf '{"name":"latch-fixture","version":"1.0.0","main":"index.js"}\n' >"$S/npmpkg/package.json"
	echo 'module.exports = 42;' >"$S/npmpkg/index.js"
	(cd "$S/npmpkg" && HOME=$S/npmhome npm pack --silent >/dev/null 2>&1) &&
		cp "$S/npmpkg/latch-fixture-1.0.0.tgz" "$S/www/npm/" && HAVE_NPM=1
fi

# One server, HTTP and HTTPS: files from www/, and the npm registry's
# documents made on the fly (they name the server's own address).
cat >"$S/server.py" <<'EOF'
import hashlib, base64, json, os, ssl, sys, threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

root, tls_dir, out = sys.argv[1], sys.argv[2], sys.argv[3]

class Handler(SimpleHTTPRequestHandler):
    def __init__(self, *a, **k):
        super().__init__(*a, directory=root, **k)
    def log_message(self, *a):
        pass
    def do_GET(self):
        if self.path.rstrip("/") == "/latch-fixture":
            tgz = os.path.join(root, "npm", "latch-fixture-1.0.0.tgz")
            data = open(tgz, "rb").read()
            host = self.headers.get("Host")
            doc = {"name": "latch-fixture", "dist-tags": {"latest": "1.0.0"}, "versions": {"1.0.0": {
                "name": "latch-fixture", "version": "1.0.0", "main": "index.js",
                "dist": {"tarball": "https://%s/npm/latch-fixture-1.0.0.tgz" % host,
                         "shasum": hashlib.sha1(data).hexdigest(),
                         "integrity": "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()}}}}
            body = json.dumps(doc).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        if self.path == "/echo-host":
            body = ("host=%s\n" % self.headers.get("Host")).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        return super().do_GET()

plain = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
tls = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(os.path.join(tls_dir, "server.pem"), os.path.join(tls_dir, "server.key"))
tls.socket = ctx.wrap_socket(tls.socket, server_side=True)
for s in (plain, tls):
    threading.Thread(target=s.serve_forever, daemon=True).start()
with open(out + ".tmp", "w") as f:
    f.write("%d %d\n" % (plain.server_address[1], tls.server_address[1]))
os.rename(out + ".tmp", out)
threading.Event().wait()
EOF
bg_start "$S/server.log" /usr/bin/python3 "$S/server.py" "$S/www" "$S/tls" "$S/ports"
i=0
while [ ! -s "$S/ports" ] && [ "$i" -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
if [ ! -s "$S/ports" ]; then
	not_ok "the test servers started" "$(cat "$S/server.log")"
	done_testing
fi
read -r HP SP <"$S/ports"
ok "servers outside on 127.0.0.1: http $HP, https $SP"

# ---- the profile -----------------------------------------------------------------
PF=$S/proxy-test.json
cat >"$PF" <<EOF
{
  "name": "proxy-test",
  "extends": "agent",
  "network": {
    "mode": "proxy",
    "hosts": ["web.test:$HP", "web.test:$SP", "git.test:$SP", "pypi.test:$SP", "npm.test:$SP", "localhost:$HP"],
    "resolve": { "web.test": "127.0.0.1", "git.test": "127.0.0.1", "pypi.test": "127.0.0.1",
                 "npm.test": "127.0.0.1", "other.test": "127.0.0.1" }
  },
  "env": { "keep": ["CURL_CA_BUNDLE", "GIT_SSL_CAINFO", "npm_config_cafile", "npm_config_update_notifier"] }
}
EOF
# (pip takes --cert and REQUESTS_CA_BUNDLE, npm its cafile: a machine's pip.conf or npmrc may name
# the system's bundle, which would win over the environment.)
export CURL_CA_BUNDLE="$CA" SSL_CERT_FILE="$CA" GIT_SSL_CAINFO="$CA" NODE_EXTRA_CA_CERTS="$CA" REQUESTS_CA_BUNDLE="$CA"
export npm_config_cafile="$CA" npm_config_update_notifier=false
EV=$S/events.jsonl
# run_px [LATCH OPTIONS] -- COMMAND: supervised (events), nobody to ask.
run_px() {
	_px_cmd="latch run -p proxy-test $*"
	run "$LATCH" run $ACK -p "$PF" --events "$EV" "$@"
}

# check_px DESC CONDITION...: check, with the last run's output when it fails.
check_px() {
	_desc=$1
	shift
	if "$@"; then
		ok "$_desc"
	else
		not_ok "$_desc" "condition failed: $(_it_cmdline "$@")
$(_it_detail "$_px_cmd")"
	fi
}

# event_for HOST PORT FIELD...: the fields of the proxy's event for that
# connection, space-separated ("-" for null), from $EV.
event_for() {
	/usr/bin/python3 - "$EV" "$@" <<'EOF'
import json, sys
path, host, port, fields = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
for line in open(path):
    d = json.loads(line)["data"]
    if d["access"] == "net_connect" and d["host"] == host and d["port"] == port:
        print(" ".join("-" if d[f] is None else str(d[f]) for f in fields))
        break
EOF
}

expect_why allow "$PF" connect "web.test:$SP"
expect_why deny "$PF" connect "other.test:$SP"

# ---- curl ---------------------------------------------------------------------------
run_px -- sh -c "curl -sSf https://web.test:$SP/index.html && curl -sSf https://other.test:$SP/index.html"
check_px "curl: https to a listed host through the proxy" contains "$out" "hello from the web server"
check_px "curl: https to an unlisted host is refused (403 to CONNECT)" contains "$err" "403"
check_px "curl: the refusal is summarized at exit" contains "$err" "latch: denied 1x: other.test:$SP"
check_px "curl: the allowed connection has an event: host, port, address, verdict, who decided" \
	[ "$(event_for web.test "$SP" protocol address verdict decided_by layer)" = "connect 127.0.0.1 allow profile proxy" ]
check_px "curl: the refused one too, with the reason" \
	[ "$(event_for other.test "$SP" verdict decided_by rule address)" = "deny backend - -" ]

run_px -- sh -c "curl -sSf http://web.test:$HP/index.html; curl -sS http://other.test:$HP/index.html"
check_px "curl: plain http to a listed host is forwarded" contains "$out" "hello from the web server"
check_px "curl: plain http to an unlisted host is answered by latch" contains "$out" "latch: deny, no entry of network.hosts names other.test:$HP"

run_px -- curl -sSf -o /dev/null "https://web.test:$SP/big.bin"
check_px "curl: a 1 MiB download succeeds" [ "$rc" -eq 0 ]
ev=$(event_for web.test "$SP" bytes_down verdict action)
check_px "curl: its event counts the bytes each way and says it was proxied ($ev)" \
	/usr/bin/python3 -c 'import sys; b, v, a = sys.argv[1].split(); assert int(b) > 1048576 and v == "allow" and a == "proxy"' "$ev"

run_px -- curl -sSf --socks5-hostname 127.0.0.1:3128 "http://web.test:$HP/index.html"
check_px "curl: SOCKS5 with the host name, to a listed host" contains "$out" "hello from the web server"
check_px "curl: ...decided on the name (event protocol socks5)" [ "$(event_for web.test "$HP" protocol verdict)" = "socks5 allow" ]

# ---- python3 urllib ---------------------------------------------------------------
run_px -- /usr/bin/python3 -c "
import urllib.request, urllib.error
print(urllib.request.urlopen('https://web.test:$SP/index.html').read().decode().strip())
try:
    urllib.request.urlopen('https://other.test:$SP/index.html')
    print('other: reached')
except (urllib.error.URLError, OSError) as e:
    print('other: refused', e)
"
check_px "python3 urllib: https to a listed host" contains "$out" "hello from the web server"
check_px "python3 urllib: the unlisted host is refused" contains "$out" "other: refused"

# ---- git -------------------------------------------------------------------------------
run_px -- git clone -q "https://git.test:$SP/repo.git" cloned
check_px "git clone https through the proxy (git's own proxy support)" [ "$(cat "$P/cloned/README" 2>/dev/null)" = "cloned through the proxy" ]
run_px -- git clone -q "https://other.test:$SP/repo.git" cloned-other
check_px "git clone from an unlisted host fails" [ "$rc" -ne 0 ] && [ ! -e "$P/cloned-other/README" ]

# ---- pip ----------------------------------------------------------------------------------
if /usr/bin/python3 -m pip --version >/dev/null 2>&1; then
	run_px -- /usr/bin/python3 -m pip download -q --no-deps --disable-pip-version-check -d dl --cert "$CA" \
		--index-url "https://pypi.test:$SP/simple/" latch-fixture
	check_px "pip download from an index on a listed host" [ -f "$P/dl/latch_fixture-1.0-py3-none-any.whl" ]
	run_px -- /usr/bin/python3 -m pip download -q --no-deps --disable-pip-version-check -d dl2 --retries 0 --cert "$CA" \
		--index-url "https://other.test:$SP/simple/" latch-fixture
	check_px "pip download from an unlisted host fails" [ "$rc" -ne 0 ] && [ ! -e "$P/dl2/latch_fixture-1.0-py3-none-any.whl" ]
else
	skip "pip download through the proxy" "python3-pip is not installed"
fi

# ---- npm and Node ---------------------------------------------------------------------------
if [ -n "$HAVE_NPM" ]; then
	run_px -- npm view --registry "https://npm.test:$SP/" latch-fixture version
	check_px "npm view from a registry on a listed host" contains "$out" "1.0.0"
	mkdir -p "$P/npmproj" && printf '{"name":"p","version":"1.0.0"}\n' >"$P/npmproj/package.json"
	run_px -- sh -c "cd npmproj && npm install --no-audit --no-fund --loglevel=error --registry https://npm.test:$SP/ latch-fixture && node -e 'process.exit(require(\"latch-fixture\") === 42 ? 0 : 1)'"
	check_px "npm install from that registry, and the package works" [ "$rc" -eq 0 ]
	run_px -- npm view --fetch-retries=0 --registry "https://other.test:$SP/" latch-fixture version
	check_px "npm view from an unlisted host fails" [ "$rc" -ne 0 ]
	# Node's own fetch ignores HTTPS_PROXY (before Node 24): it resolves
	# and connects itself, and in the sandbox there is nothing to reach.
	run_px -- node -e "fetch('https://web.test:$SP/index.html').then(r => r.text()).then(t => { console.log('fetched', t); }, e => { console.log('fetch failed', e.cause ? e.cause.code : e); process.exit(3); })"
	check_px "node fetch, which ignores the proxy variables, has no route" contains "$out" "fetch failed"
else
	skip "npm through the proxy" "node or npm is not installed"
fi

# ---- ways around the proxy ------------------------------------------------------------------
run_px -- curl -sS --noproxy '*' -o /dev/null "https://web.test:$SP/index.html"
check_px "bypass: curl --noproxy '*' cannot even resolve the name (no resolver inside)" [ "$rc" -ne 0 ]
run_px -- curl -sS --noproxy '*' -o /dev/null "http://127.0.0.1:$HP/index.html"
check_px "bypass: a direct connection to the server's address fails" [ "$rc" -ne 0 ]
check_px "bypass: ...and the supervisor recorded the refusal" grep -q '"access":"tcp_connect".*"verdict":"deny"' "$EV"
run_px -- /usr/bin/python3 -c "
import socket
for what, f in (('udp', lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'x', ('127.0.0.1', 53))),
                ('dns', lambda: socket.getaddrinfo('web.test', 443))):
    try:
        f()
        print(what, 'worked')
    except OSError as e:
        print(what, 'refused', e.errno)
"
check_px "bypass: UDP sockets are refused" contains "$out" "udp refused"
check_px "bypass: a DNS lookup inside finds nothing" contains "$out" "dns refused"

# raw requests to the proxy, as a program could write them
raw() {
	run_px -- /usr/bin/python3 -c "
import socket, sys
s = socket.create_connection(('127.0.0.1', 3128))
s.sendall(sys.argv[1].encode('latin-1').decode('unicode_escape').encode('latin-1'))
s.settimeout(10)
print(s.recv(4096).decode('latin-1', 'replace').splitlines()[0] if True else '')
" "$1"
}
raw "CONNECT other.test:$SP HTTP/1.1\r\nHost: other.test:$SP\r\n\r\n"
check_px "raw CONNECT of an unlisted host through the bridge: 403" contains "$out" "403"
raw "CONNECT 127.0.0.1:$SP HTTP/1.1\r\n\r\n"
check_px "raw CONNECT to an IPv4 literal no entry lists: 403" contains "$out" "403"
check_px "...decided as an address, with an event" [ "$(event_for 127.0.0.1 "$SP" verdict)" = "deny" ]
raw "CONNECT [::1]:$SP HTTP/1.1\r\n\r\n"
check_px "raw CONNECT to an IPv6 literal: 403, with an event" contains "$out" "403" && [ "$(event_for ::1 "$SP" verdict)" = "deny" ]
# localhost resolves (/etc/hosts) to loopback: granted at run time (here by
# the allow backend) is not enough; an entry naming it exactly is.
run_px --approve-all -- /usr/bin/python3 -c "
import socket
s = socket.create_connection(('127.0.0.1', 3128))
s.sendall(b'CONNECT localhost:$SP HTTP/1.1\r\n\r\n')
print(s.recv(4096).decode().splitlines()[0])
"
check_px "a name that resolves to 127.0.0.1, granted at run time: 403" contains "$out" "403"
check_px "...the event says loopback" \
	grep -q '"reason":"deny, localhost is resolved to 127.0.0.1 (loopback, from /etc/hosts)' "$EV"
raw "CONNECT localhost:$HP HTTP/1.1\r\n\r\n"
check_px "...and reached with an entry that names exactly that host and port: 200" contains "$out" "200"
raw "GET http://web.test:$HP/echo-host HTTP/1.1\r\nHost: other.test:$HP\r\n\r\n"
check_px "a Host header that disagrees with the request line: 400" contains "$out" "400"
check_px "...with an event" grep -q '"reason":"refused request: the Host header names another host' "$EV"
long=$(/usr/bin/python3 -c 'print(".".join(["a" * 60] * 5))')
raw "CONNECT $long:443 HTTP/1.1\r\n\r\n"
check_px "a host name longer than 253 bytes: 400" contains "$out" "400"
run_px -- /usr/bin/python3 -c "
import socket
s = socket.create_connection(('127.0.0.1', 3128))
s.sendall(b'\x05\x01\x00')
print('greeting', s.recv(2).hex())
name = b'web.test\x00.evil.example'
s.sendall(b'\x05\x01\x00\x03' + bytes([len(name)]) + name + b'\x01\xbb')
print('reply', s.recv(10)[:2].hex())
"
check_px "SOCKS5: a host name with a NUL inside is refused (reply 02)" contains "$out" "reply 0502"
check_px "...with an event" grep -q '"reason":"refused SOCKS5 request: a NUL byte in the host"' "$EV"

# ---- asked at run time --------------------------------------------------------------------------
# Over the approval socket: the question names the host and port and who
# asks; allow_once lets this connection through, deny refuses the next.
ASOCK=$S/approve.sock
approver_start "$ASOCK" allow_once,deny "$S/asked"
apid=$bg_pid
run_px --approve-socket "$ASOCK" -- sh -c "curl -sSf https://other.test:$SP/index.html && echo first-ok; curl -sSf https://other.test:$SP/index.html && echo second-ok"
check_px "socket: an unlisted host, allowed once by the approver" contains "$out" "first-ok"
check_px "socket: ...and refused the next time (answered deny)" lacks "$out" "second-ok"
check_px "socket: the question said connect, with no path" \
	[ "$(head -n 1 "$S/asked" 2>/dev/null)" = "asked connect None now allow_once /usr/bin/curl" ]
wait_gone "$apid"
ev=$(event_for other.test "$SP" decided_by grant exe verdict)
check_px "socket: the event names the answer and the program ($ev)" [ "$ev" = "user answer: allow_once /usr/bin/curl allow" ]
approver_start "$ASOCK" allow_always "$S/asked2" "$S/question.json"
run_px --approve-socket "$ASOCK" --save-to proxy-saved -- sh -c "curl -sSf https://other.test:$SP/index.html; curl -sSf https://other.test:$SP/index.html"
check_px "socket: allow_always, and the session's second connection is not asked again" \
	[ "$(printf '%s\n' "$out" | grep -c 'hello from the web server')" -eq 2 ]
check_px "socket: the question carries host and port (the protocol's extension)" /usr/bin/python3 -c "
import json, sys
q = json.load(open(sys.argv[1]))
assert sorted(q) == ['access', 'argv', 'exe', 'host', 'id', 'kind', 'path', 'pid', 'port', 'runs_later', 'syscall'], q
assert q['access'] == 'connect' and q['host'] == 'other.test' and q['port'] == $SP and q['path'] is None, q
assert q['exe'] == '/usr/bin/curl' and q['argv'][0] == 'curl', q
" "$S/question.json"
SAVED=${XDG_CONFIG_HOME:-$HOME/.config}/latch/profiles/proxy-saved.json
check_px "socket: --save-to wrote network.hosts" grep -q "\"other.test:$SP\"" "$SAVED"
expect_why allow proxy-saved connect "other.test:$SP"
run "$LATCH" run --ack-risk proxy-saved -p proxy-saved --no-supervise -- curl -sSf "https://other.test:$SP/index.html"
check_px "the saved profile reaches the host without asking" contains "$out" "hello from the web server"

# On the terminal (tmux): the prompt names the program and the host.
if command -v tmux >/dev/null 2>&1; then
	TSOCK="latch-it-$$-proxy"
	T() { SHELL=/bin/sh tmux -L "$TSOCK" "$@"; }
	T new-session -d -s it -x 160 -y 30 \
		"cd '$P' && '$LATCH' run $ACK --ask -p '$PF' -- curl -sS https://other.test:$SP/index.html; echo exit=\$?; sleep 30"
	check_px "tty: the prompt names the program and the host" wait_screen "wants to connect to other.test:$SP"
	screen=$(T capture-pane -p -t it 2>/dev/null)
	check_px "tty: ...as /usr/bin/curl, with its pid" contains "$screen" "[latch] /usr/bin/curl (pid "
	T send-keys -t it o Enter
	check_px "tty: answered once, curl gets the page" wait_screen 'hello from the web server'
	check_px "tty: ...and exits 0" wait_screen 'exit=0'
	T kill-server 2>/dev/null
else
	skip "asked on the terminal" "tmux is not installed"
fi

# ---- unsupervised: Unix sockets are decided as in every mode --------------------------------
# Without a supervisor (and below Landlock ABI 9, with a supervisor of
# connect() alone: the plan's sockets_only) the proxy still works, a
# pathname socket outside the profile is refused and one in the project
# connects, in the same run; isolated and static.
SOCK_SECRET=socket-secret-$$
unix_servers_start "$S/usock.out" "$SOCK_SECRET" "$S/outside.sock" "$P/own.sock" ||
	not_ok "the Unix socket server started" "$(cat "$S/usock.out")"
unix_client_write "$P/connect.py"
run "$LATCH" run $ACK --no-supervise --dry-run -p "$PF"
sockets_only=$(printf '%s' "$out" | /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["data"]["supervise"]["sockets_only"])' 2>/dev/null)
diag "unsupervised proxy run: sockets_only $sockets_only (Landlock ABI $(landlock_abi))"
for mode in isolated static; do
	nons=
	[ "$mode" = static ] && nons=--no-namespaces
	_px_cmd="latch run $nons --no-supervise -p proxy-test"
	run "$LATCH" run $ACK $nons --no-supervise -p "$PF" -- sh -c \
		"curl -sSf https://web.test:$SP/index.html; echo outside \$(/usr/bin/python3 connect.py '$S/outside.sock');
		 echo own \$(/usr/bin/python3 connect.py '$P/own.sock')"
	check_px "unsupervised, $mode: https through the proxy" contains "$out" "hello from the web server"
	check_px "unsupervised, $mode: a pathname socket outside the profile is refused (EACCES)" \
		contains "$out" "outside refused 13"
	check_px "unsupervised, $mode: ...and one in the project connects, in the same run" \
		contains "$out" "own connected $SOCK_SECRET"
done

# ---- the static mode: weaker, and said ------------------------------------------------------
run "$LATCH" run $ACK --no-namespaces --no-supervise -p "$PF" -- sh -c "curl -sSf https://web.test:$SP/index.html; curl -sS --noproxy '*' -o /dev/null http://127.0.0.1:$HP/"
check_px "static: https through the proxy on the host's loopback" contains "$out" "hello from the web server"
check_px "static: a direct connection to another port is refused (Landlock)" contains "$err" "Couldn't connect"
check_px "static: the run says what is weaker" contains "$err" "proxy without a network namespace"
expect_fail_with "refusing to start" "static: --strict refuses" -- \
	"$LATCH" run $ACK --strict --no-namespaces -p "$PF" -- true

done_testing
