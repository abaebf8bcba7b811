#!/bin/sh
# Real work under the agent profile, as an agent's shell commands do it: each
# workload must exit 0, print nothing from latch, and leave no denial in the
# events but the credential read paired with it in the same run. Every event
# is then put to `latch why`, which must give the same verdict: the evidence
# never disagrees with the decision engine.
. "$(dirname "$0")/lib.sh"

ACK="--ack-risk agent"
S=$IT_SCRATCH
W=$S/work
mkdir -p "$W"
cd "$W" || exit 1

# why_agrees EVENTS: every decided event's verdict is what `latch why` says.
why_agrees() {
	python3 - "$1" "$LATCH" <<'EOF'
import json, os, subprocess, sys
queries = {}
for line in open(sys.argv[1]):
    d = json.loads(line)["data"]
    if d["action"] == "fail" or d["grant"] or not d["resolved_path"]:
        continue
    if "ptrace rule" in (d["reason"] or ""):
        continue  # a process outside the sandbox: the kernel's rule, not the profile's
    if d["access"] not in ("read", "write", "create", "delete", "truncate", "exec"):
        continue
    if d["syscall"] in ("symlink", "symlinkat") or os.path.islink(d["resolved_path"]):
        continue  # why resolves a link to its target; the event is about the link
    if d["resolved_path2"]:
        continue  # rename and link: each side asks for an access of its own
    queries.setdefault((d["access"], d["resolved_path"]), d["verdict"])
keys = sorted(queries)
r = subprocess.run([sys.argv[2], "why", "-p", "agent", "--batch"], capture_output=True, text=True,
                   input="".join("%s %s\n" % k for k in keys))
answers = r.stdout.splitlines()
if r.returncode != 0 or len(answers) != len(keys):
    print("latch why --batch failed: %s %s" % (r.returncode, r.stderr))
    sys.exit(1)
bad = ["%s %s: event says %s, why says %s" % (k[0], k[1], queries[k], a)
       for k, a in zip(keys, answers) if not a.startswith(queries[k] + ",")]
print("\n".join(bad))
sys.exit(1 if bad else 0)
EOF
}

# work NAME CMD: CMD (a shell line) runs under agent together with a read of
# ~/.ssh/id_rsa that must fail; nothing else may be denied.
work() {
	_name=$1 _cmd=$2
	_ev=$S/events.$(printf '%s' "$_name" | tr -c 'a-zA-Z0-9' _)
	run "$LATCH" run $ACK -p agent --events "$_ev" -- sh -c "$_cmd"'
		if cat ~/.ssh/id_rsa >/dev/null 2>&1; then echo CREDENTIAL-READ; exit 99; fi'
	if [ "$rc" -eq 0 ]; then
		ok "$_name: exit 0"
	else
		not_ok "$_name: exit 0" "$(_it_detail "$_cmd")"
	fi
	check "$_name: the credential read in the same run failed" lacks "$out" CREDENTIAL-READ
	# Denials of other processes' guarded /proc entries (ps reads every
	# environ) are the kernel's own rule, kept out of the summary.
	_denied=$(grep '"verdict":"deny"' "$_ev" | grep -v '/.ssh/id_rsa"' | grep -v 'ptrace rule' |
		grep -v 'denied by the profile, quietly' | head -n 5)
	if [ -z "$_denied" ]; then
		ok "$_name: no denial but the credential read"
	else
		not_ok "$_name: no denial but the credential read" "$_denied"
	fi
	diag "$_name: $(wc -l <"$_ev") notified calls, $(grep -c '"verdict":"deny"' "$_ev") denied (the credential read among them)"
	check "$_name: the credential read is a denial in the events" \
		sh -c "grep '/.ssh/id_rsa\"' '$_ev' | grep -q '\"verdict\":\"deny\"'"
	_mism=$(why_agrees "$_ev")
	if [ $? -eq 0 ]; then
		ok "$_name: every event agrees with latch why"
	else
		not_ok "$_name: every event agrees with latch why" "$_mism"
	fi
}

# ---- /proc: the program's own, ps and top ---------------------------------------
work "cat /proc/self/stat, /proc/self/maps, /proc/cpuinfo" \
	'cat /proc/self/stat /proc/self/maps /proc/self/status /proc/cpuinfo /proc/meminfo >/dev/null'
work "ps -e" 'ps -e | grep -q " ps$"'
work "ls / and ls /etc (list: the directory itself)" 'ls / | grep -qx usr && ls /etc | grep -qx passwd'
expect_fail_with "Permission denied" "...but not what lies below it: ls /var/lib" -- \
	"$LATCH" run $ACK -p agent -q -- ls /var/lib
expect_rc 0 "the environment of the program's own child is readable (static mode, where /proc is the host's)" -- \
	"$LATCH" run $ACK -p agent -q --no-namespaces -- sh -c \
	'sleep 5 & cat /proc/$!/environ >/dev/null; r=$?; kill $!; exit $r'
work "top -b -n1" 'top -b -n1 >/dev/null'
work "the host facts runtimes read under /sys" \
	'cat /sys/kernel/mm/transparent_hugepage/enabled /sys/devices/system/cpu/online >/dev/null'
if [ -r /etc/machine-id ]; then
	work "the machine ID, as OpenTelemetry's host detector reads it" \
		'cat /etc/machine-id >/dev/null && { [ ! -e /var/lib/dbus/machine-id ] || cat /var/lib/dbus/machine-id >/dev/null; }'
else
	skip "the machine ID" "this machine has no /etc/machine-id"
fi

# ---- archives and copies ----------------------------------------------------
mkdir -p src/sub && echo one >src/sub/a && chmod 640 src/sub/a && ln -s sub/a src/link
tar cf src.tar src
work "tar x (modes through /proc/self/fd)" 'mkdir -p out && tar xf src.tar -C out && cmp src/sub/a out/src/sub/a'
check "tar x kept the mode 640" [ "$(stat -c %a "$W/out/src/sub/a")" = 640 ]
work "tar c" 'tar czf again.tgz src && tar tzf again.tgz >/dev/null'
work "cp -a" 'cp -a src copy && cmp src/sub/a copy/sub/a'
check "cp -a kept the mode 640" [ "$(stat -c %a "$W/copy/sub/a")" = 640 ]
work "install -m 644" 'install -m 644 src/sub/a installed && install -d -m 755 idir'
check "install set the mode 644" [ "$(stat -c %a "$W/installed")" = 644 ]
work "chmod -R and chmod through a symlink" 'chmod -R go-rwx copy && chmod -h 600 src/link 2>/dev/null; true'

# ---- git, in a repository made during the run -------------------------------
# (Each removes what it made: `latch why` afterwards must answer for the same
# world the run started in, where these repositories did not exist yet.)
mkdir -p g
work "git init/add/commit/log, git config in the new repository" 'cd g && git init -q repo && cd repo && echo x >f &&
	git add f && git config user.name t && git config user.email t@example.invalid && git commit -q -m one &&
	git log --oneline | grep -q one && cd .. && git clone -q repo clone && cd clone && git gc -q &&
	git status --short && cd .. && rm -rf repo clone'

# ---- text tools ----------------------------------------------------------------
work "find, grep -r, sed -i" 'find . -name a >/dev/null && grep -r one src >/dev/null && cp src/sub/a s.txt &&
	sed -i s/one/two/ s.txt && grep -q two s.txt'
work "a pipeline with a here-document" 'cat <<X | tr a-z A-Z | grep -q HELLO
hello
X'

# ---- /tmp: what the program makes there is its own, nothing else is ---------------
work "mkdir in /tmp, tar x into it, use it, remove it" 'd=/tmp/latch-wl-$$ && mkdir "$d" &&
	tar xf src.tar -C "$d" && cmp src/sub/a "$d/src/sub/a" && echo more >"$d/new" && rm -rf "$d" && [ ! -e "$d" ]'
OUTSIDE=/tmp/latch-it-outside.$$.$IT_UID
echo "outside-$IT_MARK_SSH" >"$OUTSIDE"
chmod 666 "$OUTSIDE"
# Isolated, /tmp is the sandbox's own and the file is not there; static,
# /tmp is scratch and the file is refused.
for mode in "No such file:" "Permission denied:--no-namespaces"; do
	want=${mode%%:*} flag=${mode#*:}
	expect_fail_with "$want" "[$flag] a file in /tmp that the program did not make is not readable" -- \
		"$LATCH" run $ACK -p agent -q $flag -- cat "$OUTSIDE"
	if [ -n "$flag" ]; then
		expect_fail_with "$want" "[$flag] ...nor writable" -- \
			"$LATCH" run $ACK -p agent -q $flag -- sh -c "echo x >>'$OUTSIDE'"
	else
		# the write makes a file of the sandbox's own, gone at exit
		expect_rc 0 "[$flag] ...a write by that name makes a file of the sandbox's own" -- \
			"$LATCH" run $ACK -p agent -q -- sh -c "echo x >>'$OUTSIDE'"
	fi
	expect_fail_with "$want" "[$flag] ...nor removable" -- "$LATCH" run $ACK -p agent -q $flag -- rm "$OUTSIDE"
	check "[$flag] ...and it is as it was" [ "$(cat "$OUTSIDE")" = "outside-$IT_MARK_SSH" ]
done
rm -f "$OUTSIDE"
expect_why allow agent create /tmp/anything-new

# ---- build and run ---------------------------------------------------------------
if command -v cc >/dev/null 2>&1 && command -v make >/dev/null 2>&1; then
	mkdir -p cproj
	printf 'int f(void);\nint main(void) { return f(); }\n' >cproj/main.c
	printf 'int f(void) { return 0; }\n' >cproj/f.c
	printf 'app: main.o f.o\n\t$(CC) -o $@ main.o f.o\n' >cproj/Makefile
	work "make -j2 of a small C project, then run it" 'cd cproj && make -s -j2 && ./app'
else
	skip "make -j2 of a small C project" "cc or make is not installed"
fi

# ---- package managers on a fresh HOME, with caches of latch's own ---------------
if command -v npm >/dev/null 2>&1 && command -v node >/dev/null 2>&1; then
	mkdir -p "$S/npmpkg"
	printf '{"name":"latch-fixture","version":"1.0.0","main":"index.js"}\n' >"$S/npmpkg/package.json"
	echo 'module.exports = 42;' >"$S/npmpkg/index.js"
	(cd "$S/npmpkg" && HOME=$S/npmhome npm pack --silent >/dev/null 2>&1) && cp "$S/npmpkg/latch-fixture-1.0.0.tgz" .
	mkdir -p npmproj && mv latch-fixture-1.0.0.tgz npmproj/
	work "npm init and npm install of a local package on a fresh HOME" 'cd npmproj && npm init -y >/dev/null &&
		npm install --no-audit --no-fund --loglevel=error ./latch-fixture-1.0.0.tgz >/dev/null &&
		node -e "process.exit(require(\"latch-fixture\") === 42 ? 0 : 1)"'
	check "npm used latch's own cache" [ -d "$HOME/.cache/latch/npm/_cacache" ]
	check "...and never made or wrote the user's ~/.npm" [ ! -e "$HOME/.npm" ]
	work "node: os.cpus() and fs.watch" 'node -e "
const os = require(\"os\"), fs = require(\"fs\");
if (os.cpus().length < 1) process.exit(1);
const w = fs.watch(\".\"); w.close();"'
else
	skip "npm install on a fresh HOME" "node or npm is not installed"
fi
it_make_wheel latch_fixture-1.0-py3-none-any.whl
if /usr/bin/python3 -c 'import venv, ensurepip' 2>/dev/null; then
	work "python3 -m venv and pip install of a local wheel" '/usr/bin/python3 -m venv venv &&
		venv/bin/pip install -q --no-index ./latch_fixture-1.0-py3-none-any.whl &&
		venv/bin/python -c "import latch_fixture; assert latch_fixture.VALUE == 42"'
else
	skip "python3 -m venv and pip install" "python3-venv is not installed"
fi
if /usr/bin/python3 -m pip --version >/dev/null 2>&1; then
	# (Debian marks its Python externally managed; the variable is Debian's
	# own opt-out, nothing of latch's.)
	work "pip install --user of a local wheel, then import it" 'PIP_BREAK_SYSTEM_PACKAGES=1 /usr/bin/python3 -m pip \
		install -q --user --no-index --no-warn-script-location ./latch_fixture-1.0-py3-none-any.whl 2>/dev/null &&
		cd / && /usr/bin/python3 -c "import latch_fixture; assert latch_fixture.VALUE == 42"'
	check "pip --user installed into latch's own user base" \
		[ -d "$HOME/.cache/latch/python-user/lib" ]
	# (~/.local itself holds latch's own session log, ~/.local/state/latch.)
	check "...and never wrote the user's user base (~/.local/lib, ~/.local/bin) or ~/.cache/pip" \
		sh -c '[ ! -e "$1/.local/lib" ] && [ ! -e "$1/.local/bin" ] && [ ! -e "$1/.cache/pip" ]' sh "$HOME"
	check "...so the user's own Python outside does not import it" \
		sh -c 'cd / && ! /usr/bin/python3 -c "import latch_fixture" 2>/dev/null'
else
	skip "pip install --user" "python3-pip is not installed"
fi
cat >mp.py <<'EOF'
import multiprocessing as mp
if __name__ == "__main__":
    with mp.Pool(2) as p:
        assert p.map(abs, [-1, -2]) == [1, 2]
    with mp.Lock():
        pass
    # A manager listens on a socket in a directory of its own in /tmp and
    # tells its clients the name getsockname() gives.
    with mp.Manager() as m:
        d = m.dict()
        d["k"] = 1
        assert dict(d) == {"k": 1}
    print("mp-ok")
EOF
work "python3 multiprocessing (a pool of two, a lock in /dev/shm, a manager's socket in /tmp)" '/usr/bin/python3 mp.py | grep -q mp-ok'
check "...and the host's /dev/shm got nothing of it" sh -c '! ls /dev/shm | grep -q "^sem\."'

# ---- what the program may not do with /proc and with root's powers --------------
# Another process's environment: refused (Landlock's ptrace rule outside the
# sandbox; in the isolated mode pid 1 is latch's own init, whose environment
# is the sandbox's). The program's own is readable.
# (Static mode: refused; isolated mode: not even visible.)
run "$LATCH" run $ACK -p agent -q -- sh -c "cat /proc/$$/environ >/dev/null"
check "reading the environment of a process outside the sandbox fails: $err" \
	sh -c "[ $rc -ne 0 ] && printf '%s' '$err' | grep -q -e 'Permission denied' -e 'No such file'"
check "...while this test reads it unsandboxed" sh -c "cat /proc/$$/environ >/dev/null"
expect_rc 0 "...and the program reads its own" -- "$LATCH" run $ACK -p agent -q -- sh -c 'cat /proc/self/environ >/dev/null'
# A variable the profile drops is not in the program's environment, nor
# readable back from the sandbox's pid 1 (a copy of latch, whose own
# environment it was), while one it keeps is.
run env GITHUB_TOKEN=LATCH-IT-dropped-7c1 LC_LATCH_IT=kept-ok "$LATCH" run $ACK -p agent -q -- \
	sh -c 'echo "[${GITHUB_TOKEN-}][$LC_LATCH_IT]"; cat /proc/1/environ 2>/dev/null | tr "\0" "\n" | grep -c LATCH-IT-dropped'
check "a dropped variable is gone, a kept one is there: $out" contains "$out" "[][kept-ok]"
check "...and /proc/1/environ does not give the dropped one back" sh -c "printf '%s' '$out' | tail -n 1 | grep -qx 0"
# The metadata of a file the profile does not let the program write: its
# times and extended attributes stay as they are (supervised).
_t0=$(stat -c %Y "$HOME/.ssh/id_rsa")
expect_fail_with "Permission denied" "touch -d on ~/.ssh/id_rsa is refused" -- \
	"$LATCH" run $ACK -p agent -q -- touch -d 2001-01-01 "$HOME/.ssh/id_rsa"
check "...and its time is unchanged" [ "$(stat -c %Y "$HOME/.ssh/id_rsa")" = "$_t0" ]
expect_fail_with "PermissionError" "setxattr on ~/.ssh/id_rsa is refused" -- \
	"$LATCH" run $ACK -p agent -q -- /usr/bin/python3 -c 'import os, sys; os.setxattr(sys.argv[1], "user.latch", b"x")' \
	"$HOME/.ssh/id_rsa"
echo meta >"$W/meta-file"
ln -sf meta-file "$W/meta-link"
expect_rc 0 "...while a project file's times and attributes, and a symlink's own times, are set" -- \
	"$LATCH" run $ACK -p agent -q -- sh -c 'touch -d 2001-01-01 meta-file && touch -h -d 2002-02-02 meta-link &&
	/usr/bin/python3 -c "import os; os.setxattr(\"meta-file\", \"user.latch\", b\"v\"); os.removexattr(\"meta-file\", \"user.latch\")"'
check "...the file's time is the one set" [ "$(stat -c %y "$W/meta-file" | cut -c1-10)" = 2001-01-01 ]
check "...and the symlink's own, not its target's" [ "$(stat -c %y "$W/meta-link" | cut -c1-10)" = 2002-02-02 ]
rm -f "$W/meta-file" "$W/meta-link"
# The same through a descriptor the program holds (fchmod, futimens,
# fsetxattr) and through the legacy utime, utimes and futimesat: a file
# the program may read but not write (.git/config is protected) keeps its
# metadata; a project file's changes, and a memfd's, go through.
cat >"$W/meta.py" <<'EOF'
import ctypes, os, platform, sys
libc = ctypes.CDLL(None, use_errno=True)
def sysc(name, *args):
    nr = {"utime": 132, "utimes": 235, "futimesat": 261}[name]
    if libc.syscall(nr, *args) < 0:
        raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))
def tryit(name, fn):
    try:
        fn()
        print(name, "ok")
    except OSError as e:
        print(name, e.strerror)
f = sys.argv[1]
fd = os.open(f, os.O_RDONLY)
tryit("fchmod", lambda: os.fchmod(fd, 0o600))
tryit("futimens", lambda: os.utime(fd, (1, 1)))
tryit("fsetxattr", lambda: os.setxattr(fd, "user.latch", b"1"))
if platform.machine() == "x86_64":
    tryit("utime", lambda: sysc("utime", f.encode(), None))
    tryit("utimes", lambda: sysc("utimes", f.encode(), None))
    tryit("futimesat", lambda: sysc("futimesat", -100, f.encode(), None))
tryit("memfd", lambda: os.fchmod(os.memfd_create("m"), 0o600))
EOF
git init -q "$W/repo"
_g0=$(stat -c '%a %Y' "$W/repo/.git/config")
run "$LATCH" run $ACK -p agent -q -- /usr/bin/python3 meta.py repo/.git/config
check "fchmod of a protected file through a read-only descriptor is refused" contains "$out" "fchmod Operation not permitted"
check "...futimens too" contains "$out" "futimens Operation not permitted"
check "...fsetxattr too" contains "$out" "fsetxattr Operation not permitted"
if [ "$(uname -m)" = x86_64 ]; then
	check "...and the legacy utime, utimes and futimesat" sh -c "printf '%s' '$out' | grep -c '^\(utime\|utimes\|futimesat\) Operation not permitted' | grep -qx 3"
fi
check "...while a memfd of its own is the program's to change" contains "$out" "memfd ok"
check "...and .git/config's mode and time are unchanged" [ "$(stat -c '%a %Y' "$W/repo/.git/config")" = "$_g0" ]
echo meta >"$W/meta-file"
run "$LATCH" run $ACK -p agent -q -- /usr/bin/python3 meta.py meta-file
check "every one of them works on a project file" sh -c "printf '%s' '$out' | grep -q '^fsetxattr ok' && ! printf '%s' '$out' | grep -q 'not permitted'"
cp "$W/repo/.git/config" "$S/config-copy"
run /usr/bin/python3 "$W/meta.py" "$S/config-copy"
check "...and on a copy of .git/config unsandboxed" sh -c "printf '%s' '$out' | grep -q '^fsetxattr ok' && ! printf '%s' '$out' | grep -q 'not permitted'"
rm -rf "$W/meta-file" "$W/meta.py" "$S/config-copy" "$W/repo"

# The extended attributes of a file the program may not read are not
# there for it (answered as none, quietly: ls -l asks for every name);
# a project file's are.
cat >"$W/gx.py" <<'EOF'
import os, sys
for p in sys.argv[1:]:
    print(p, "list", os.listxattr(p))
    try:
        print(p, "get", os.getxattr(p, "user.latch"))
    except OSError as e:
        print(p, "get", e.strerror)
EOF
echo meta >"$W/gx-file"
if /usr/bin/python3 -c 'import os, sys; [os.setxattr(p, "user.latch", b"visible") for p in sys.argv[1:]]' \
	"$W/gx-file" "$HOME/.ssh/id_rsa" 2>/dev/null; then
	run "$LATCH" run $ACK -p agent -q -- /usr/bin/python3 gx.py "$HOME/.ssh/id_rsa" gx-file
	check "listxattr of ~/.ssh/id_rsa finds nothing" contains "$out" "$HOME/.ssh/id_rsa list []"
	check "...getxattr neither" contains "$out" "$HOME/.ssh/id_rsa get No data available"
	check "...and no denial is summarized for it" sh -c "! printf '%s' '$err' | grep -q 'denied'"
	check "...while a project file's attribute is listed" contains "$out" "gx-file list ['user.latch']"
	check "...and read" contains "$out" "gx-file get b'visible'"
	run /usr/bin/python3 "$W/gx.py" "$HOME/.ssh/id_rsa"
	check "...and id_rsa's is read unsandboxed" contains "$out" "id_rsa get b'visible'"
	/usr/bin/python3 -c 'import os, sys; os.removexattr(sys.argv[1], "user.latch")' "$HOME/.ssh/id_rsa"
else
	skip "getxattr of a denied file" "this file system takes no user.* attribute"
fi
rm -f "$W/gx.py" "$W/gx-file"

# No setuid or setgid file can be left behind, however it is made.
cp /bin/true "$W/suid-me"
expect_fail_with "Operation not permitted" "chmod u+s is refused" -- \
	"$LATCH" run $ACK -p agent -q -- chmod u+s suid-me
expect_fail_with "Operation not permitted" "chmod g+s is refused" -- \
	"$LATCH" run $ACK -p agent -q -- chmod 2755 suid-me
expect_rc 0 "...while chmod 700 of the same file works" -- "$LATCH" run $ACK -p agent -q -- chmod 700 suid-me
expect_fail_with "Operation not permitted" "install -m 4755 is refused" -- \
	"$LATCH" run $ACK -p agent -q -- install -m 4755 /bin/true suid-2
expect_fail_with "PermissionError" "creating a file with mode 04755 is refused" -- \
	"$LATCH" run $ACK -p agent -q -- /usr/bin/python3 -c 'import os; os.open("suid-3", os.O_CREAT | os.O_WRONLY, 0o4755)'
for mode in --no-supervise --no-namespaces; do
	expect_fail_with "Operation not permitted" "[$mode] chmod u+s is refused" -- \
		"$LATCH" run $ACK -p agent -q $mode -- chmod u+s suid-me
	expect_fail_with "PermissionError" "[$mode] fchmod to 02755 is refused" -- "$LATCH" run $ACK -p agent -q $mode -- \
		/usr/bin/python3 -c 'import os; fd = os.open("suid-me", os.O_RDONLY); os.fchmod(fd, 0o2755)'
	expect_rc 0 "[$mode] ...while chmod 755 works" -- "$LATCH" run $ACK -p agent -q $mode -- chmod 755 suid-me
done
check "no setuid or setgid file is in the project" sh -c "[ -z \"\$(find '$W' -perm /6000)\" ]"
chmod u+s "$W/suid-me" && check "...though this test makes one unsandboxed" [ -u "$W/suid-me" ]
rm -f "$W/suid-me" "$W/suid-2" "$W/suid-3"
if [ "$IT_UID" -eq 0 ]; then
	cp /bin/true "$W/fcap-me"
	_cap='import os, sys; os.setxattr(sys.argv[1], "security.capability", bytes.fromhex("0000000200200000000000000000000000000000"))'
	expect_fail_with "PermissionError" "root cannot give a file capabilities in the sandbox" -- \
		"$LATCH" run $ACK -p agent -q -- /usr/bin/python3 -c "$_cap" fcap-me
	if /usr/bin/python3 -c "$_cap" "$W/fcap-me" 2>/dev/null; then
		ok "...which it can outside"
	else
		skip "...which it can outside" "this file system takes no security.capability attribute"
	fi
	rm -f "$W/fcap-me"
fi

# Capabilities: only those that do file work are kept.
printf '{"name": "badcap", "process": {"capabilities": ["CAP_NET_RAW"]}}\n' >"$S/badcap.json"
expect_fail_with "process.capabilities[0]: 'CAP_NET_RAW' is not a capability name" \
	"a capability name a profile cannot mean is refused, naming the key" -- "$LATCH" profile check "$S/badcap.json"
run "$LATCH" run $ACK -p agent -q -- sh -c 'grep CapEff /proc/self/status'
if [ "$IT_UID" -eq 0 ]; then
	check "root keeps only the file-work capabilities (CapEff 4ef): $out" contains "$out" 00000000000004ef
	check "...where it held all of them outside" sh -c "! grep -q 'CapEff:.*00000000000004ef' /proc/self/status"
	run "$LATCH" run $ACK -p agent -q -- sh -c 'grep CapBnd /proc/self/status'
	check "...and the bounding set holds no more, so no exec can give one back: $out" contains "$out" 00000000000004ef
	run "$LATCH" run $ACK -p agent --dry-run -- true
	check "--dry-run names exactly those capabilities" /usr/bin/python3 -c '
import json, sys
names = ["chown", "dac_override", "dac_read_search", "fowner", "fsetid", "kill", "setgid", "setuid", "setpcap",
         "linux_immutable", "net_bind_service"]
caps = json.loads(sys.argv[1])["data"]["capabilities"]
assert sum(1 << names.index(c) for c in caps) == 0x4ef, caps
' "$out"
	for mode in "" --no-supervise --no-namespaces; do
		expect_fail_with "Operation not permitted" "[$mode] root cannot set the clock in the sandbox" -- \
			"$LATCH" run $ACK -p agent -q $mode -- sh -c 'date -s "@$(date +%s)"'
	done
	if head -c1 /proc/kcore >/dev/null 2>&1; then
		expect_fail_with "Operation not permitted" "root cannot read /proc/kcore in the sandbox, as it can outside" \
			-- "$LATCH" run $ACK -p agent -q -- sh -c 'head -c1 /proc/kcore >/dev/null'
	else
		skip "root cannot read /proc/kcore in the sandbox" "this kernel has no readable /proc/kcore"
	fi
	# A profile may keep one more on purpose, and its risk says so.
	printf '{"name": "with-raw", "extends": "agent", "process": {"capabilities": ["net_raw"]}}\n' >"$S/with-raw.json"
	run "$LATCH" run --ack-risk agent --ack-risk with-raw -p "$S/with-raw.json" -q -- sh -c 'grep CapEff /proc/self/status'
	check "process.capabilities keeps net_raw besides the file-work set (CapEff 24ef): $out" \
		contains "$out" 00000000000024ef
	expect_output_contains "keeps net_raw" "...which makes the profile risk tier 2, saying why" -- \
		"$LATCH" profile show "$S/with-raw.json"
	expect_fail_with "--ack-risk with-raw" "...and it does not run unacknowledged" -- \
		"$LATCH" run --ack-risk agent -p "$S/with-raw.json" -q -- true
	if command -v ip >/dev/null 2>&1 && command -v unshare >/dev/null 2>&1; then
		# network.mode ports shares the host's network namespace.
		printf '{"name": "ports", "extends": "agent", "network": {"mode": "ports", "connect_tcp": [443]}}\n' \
			>"$S/ports.json"
		expect_fail_with "Operation not permitted" "root cannot change the host's routes under network.mode ports" -- \
			"$LATCH" run --ack-risk agent --ack-risk ports -p "$S/ports.json" -q -- ip route add 198.51.100.77/32 dev lo
		check "...which root can do (tried in a network namespace of this test's own)" \
			unshare -n sh -c 'ip link set lo up && ip route add 198.51.100.77/32 dev lo'
		check "...and the host's routing table has no such route" sh -c '! ip route | grep -q 198.51.100.77'
	else
		skip "routes" "ip (iproute2) or unshare is not installed"
	fi
	expect_fail_with "Operation not permitted" "root cannot chroot in the sandbox" -- \
		"$LATCH" run $ACK -p agent -q --no-supervise -- /usr/sbin/chroot / true
	expect_rc 0 "root in the sandbox still chowns a file in the project" -- \
		"$LATCH" run $ACK -p agent -q -- sh -c 'touch owned && chown 1:1 owned'
	check "...and the owner changed" [ "$(stat -c %u "$W/owned")" = 1 ]
else
	check "an unprivileged program holds no capability: $out" contains "$out" 0000000000000000
fi

done_testing
