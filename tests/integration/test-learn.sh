#!/bin/sh
# latch learn (README, "Learn"): a run under a base profile whose supervisor
# denies and records (or grants, --learn-grant), and the profile it
# proposes: grouped to the directories a person writes, variables put back,
# an override of a deny group said, the refusals each rule covers; saved
# with --save-to, after which the same command is refused nothing. Real
# work: npm install from a local registry on a fresh HOME, pip install, git
# clone.
. "$(dirname "$0")/lib.sh"

S=$IT_SCRATCH
W=$S/work
mkdir -p "$W"
cd "$W" || exit 1
PROFILES=$HOME/.config/latch/profiles

# base_profile FILE [NETWORK_JSON]: base, plus writing and running what is
# in the project (under /var/tmp here: risk tier 2, acknowledged),
# supervised.
base_profile() {
	cat >"$1" <<EOF
{ "name": "$(basename "$1" .json)", "extends": "base", "filesystem": { "write": ["\$CWD"], "exec": ["\$CWD"] },
  "network": ${2:-{ \"mode\": \"off\" \}}, "supervise": { "mode": "deny" } }
EOF
}

# denied_in_last_run: the denials the session log holds for the last run.
denied_in_last_run() {
	"$LATCH" log show --json last | /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["data"]["exit"]["denied"])'
}

# ---- a small command, deny only ------------------------------------------------
base_profile "$S/lbase.json"
B=$S/lbase.json
printf '[user]\n\tname = t\n' >"$HOME/.gitconfig"
cmd='cat ~/.gitconfig >/dev/null; cat ~/.ssh/known_hosts >/dev/null; mkdir -p ~/.toolcache/a && echo x >~/.toolcache/a/b; echo done'
run "$LATCH" learn --ack-risk "$B" -p "$B" -- sh -c "$cmd"
check "learn: the command ran (its output is there)" contains "$out" "done"
check "...a diff against the base profile" contains "$out" "--- $B"
check "...the read of ~/.gitconfig, with a variable put back" contains "$out" "+ filesystem.read         \$HOME/.gitconfig"
check "...a directory the program makes, to be made by latch (trailing /)" contains "$out" "+ filesystem.write        \$HOME/.toolcache/"
check "...grouped at the directory a person writes, not the files in it" lacks "$out" ".toolcache/a"
check "...an override of a deny group, said" \
	contains "$out" "\$HOME/.ssh/known_hosts                   # 1 refused: read; overrides <group deny_credentials: \$HOME/.ssh>"
check "...and how many refusals each rule covers" contains "$out" "\$HOME/.gitconfig                         # 1 refused: read"
check "...and without --save-to nothing is written" [ ! -e "$PROFILES" ]
run "$LATCH" learn --ack-risk "$B" -p "$B" --save-to learned1 -- sh -c "$cmd"
check "--save-to: the profile is written" [ -f "$PROFILES/learned1.json" ]
check "...and says so" contains "$out" "rules added to $PROFILES/learned1.json"
expect_rc 0 "...a valid profile" -- "$LATCH" profile check learned1
check "...that extends the base" contains "$(cat "$PROFILES/learned1.json")" "\"extends\": \"$B\""
run "$LATCH" run --ack-risk learned1 -p learned1 -- sh -c "$cmd"
check "the same command under the learned profile: exit 0" [ "$rc" -eq 0 ]
check "...and not one denial" [ "$(denied_in_last_run)" = 0 ]
check "...and ~/.toolcache/a/b was written" [ -f "$HOME/.toolcache/a/b" ]
run "$LATCH" learn --ack-risk learned1 -p learned1 --save-to learned1 -- sh -c "$cmd"
check "learning again under it: nothing refused, nothing saved" contains "$out" "nothing was refused"
run "$LATCH" learn --ack-risk "$B" -p "$B" -- sh -c 'echo x >~/.new-dotfile'
check "a file right in \$HOME: not proposed, with the reason" \
	contains "$out" "(not proposed) create, write $HOME/.new-dotfile # 1 refused: creating it is decided on the directory that holds it"

# ---- refusals ---------------------------------------------------------------------
expect_fail_with "not run without --ack-risk $B" "--learn-grant is gated like a tier-2 profile" -- \
	"$LATCH" learn -p "$S/lbase.json" --learn-grant -- true
check "...exit 125" [ "$rc" -eq 125 ]
expect_rc 2 "learn asks nobody: --ask is a usage error" -- "$LATCH" learn --ack-risk "$B" -p "$B" --ask -- true
expect_rc 2 "--learn-grant alone (run) is a usage error" -- "$LATCH" run -p "$B" --learn-grant -- true

# ---- real work: learn with --learn-grant, then run again: no denial ------------------
# learn_then_run NAME BASE CMD [RESET]: learn CMD (shell) granting, save as
# NAME, run RESET outside, then CMD again under NAME.
learn_then_run() {
	_name=$1 _base=$2 _cmd=$3 _reset=${4:-true}
	run "$LATCH" learn --ack-risk "$_base" -p "$_base" --learn-grant --save-to "$_name" -- sh -c "$_cmd"
	if [ "$rc" -eq 0 ]; then
		ok "$_name: learn, granting, exits 0"
	else
		not_ok "$_name: learn, granting, exits 0" "$(_it_detail "$_cmd")"
	fi
	learn_out=$out
	sh -c "$_reset"
	run "$LATCH" run --ack-risk "$_name" -p "$_name" -- sh -c "$_cmd"
	if [ "$rc" -eq 0 ]; then
		ok "$_name: the same command under the learned profile exits 0"
	else
		not_ok "$_name: the same command under the learned profile exits 0" "$(_it_detail "$_cmd")
learned: $learn_out"
	fi
	_denied=$(denied_in_last_run)
	if [ "$_denied" = 0 ]; then
		ok "$_name: ...and is refused nothing"
	else
		not_ok "$_name: ...and is refused nothing" "$_denied denied; $err
learned: $learn_out"
	fi
}

if command -v npm >/dev/null 2>&1 && command -v node >/dev/null 2>&1; then
	# A registry of one package, on a loopback port of its own.
	mkdir -p "$S/npmpkg" "$S/registry/latch-fixture/-"
	printf '{"name":"latch-fixture","version":"1.0.0","main":"index.js"}\n' >"$S/npmpkg/package.json"
	echo 'module.exports = 42;' >"$S/npmpkg/index.js"
	(cd "$S/npmpkg" && HOME=$S/npmhome npm pack --silent >/dev/null 2>&1)
	cp "$S/npmpkg/latch-fixture-1.0.0.tgz" "$S/registry/latch-fixture/-/"
	bg_start "$S/registry.out" /usr/bin/python3 -c '
import base64, hashlib, http.server, json, os, sys
root, tgz = sys.argv[1], sys.argv[2]
data = open(tgz, "rb").read()
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        port = self.server.server_address[1]
        if self.path.rstrip("/") == "/latch-fixture":
            body = json.dumps({"name": "latch-fixture", "dist-tags": {"latest": "1.0.0"}, "versions": {"1.0.0": {
                "name": "latch-fixture", "version": "1.0.0", "main": "index.js", "dist": {
                    "tarball": "http://127.0.0.1:%d/latch-fixture/-/latch-fixture-1.0.0.tgz" % port,
                    "integrity": "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode(),
                    "shasum": hashlib.sha1(data).hexdigest()}}}}).encode()
        elif self.path == "/latch-fixture/-/latch-fixture-1.0.0.tgz":
            body = data
        else:
            self.send_response(404); self.end_headers(); return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()
' "$S/registry" "$S/npmpkg/latch-fixture-1.0.0.tgz"
	wait_for_output "$S/registry.out"
	PORT=$(head -n 1 "$S/registry.out")
	base_profile "$S/lnpm.json" "{ \"mode\": \"ports\", \"connect_tcp\": [$PORT] }"
	mkdir -p npmproj
	# (npm asks registry.npmjs.org for a newer npm unless told not to.)
	learn_then_run learned-npm "$S/lnpm.json" "export npm_config_update_notifier=false && cd npmproj &&
		npm init -y >/dev/null && npm install --registry http://127.0.0.1:$PORT/ --no-audit --no-fund \
			--loglevel=error latch-fixture >/dev/null &&
		node -e 'process.exit(require(\"latch-fixture\") === 42 ? 0 : 1)'" \
		"rm -rf '$HOME/.npm' npmproj && mkdir npmproj"
	check "npm: the cache is proposed as one directory, made by latch on a fresh HOME" contains "$learn_out" "\$HOME/.npm/ "
	check "...not the files in it" lacks "$learn_out" "_cacache"
	bg_stop "$bg_pid"
else
	skip "npm install from a local registry" "node or npm is not installed"
fi

if /usr/bin/python3 -c 'import venv, ensurepip' 2>/dev/null; then
	it_make_wheel latch_fixture-1.0-py3-none-any.whl
	learn_then_run learned-pip "$B" '/usr/bin/python3 -m venv venv &&
		venv/bin/pip install -q --no-index ./latch_fixture-1.0-py3-none-any.whl &&
		venv/bin/python -c "import latch_fixture; assert latch_fixture.VALUE == 42"' "rm -rf venv"
else
	skip "pip install" "python3-venv is not installed"
fi

mkdir -p "$S/origin"
(cd "$S/origin" && git init -q && echo hello >file && git add file &&
	git -c user.name=t -c user.email=t@example.invalid commit -q -m one) >/dev/null 2>&1
# (A clone by plain path hard-links the origin's objects, which Landlock's
# refer rule refuses, every time; git then copies them. file:// is a
# transport, as a remote is.)
learn_then_run learned-git "$B" "git clone -q 'file://$S/origin' clone && test -f clone/file" "rm -rf clone"
check "git: the origin outside the project is proposed for reading, by its directory" \
	contains "$learn_out" "+ filesystem.read         \$TMPDIR/$(basename "$S")"

done_testing
