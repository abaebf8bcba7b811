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
import json, subprocess, sys
bad = []
for line in open(sys.argv[1]):
    d = json.loads(line)["data"]
    if d["action"] == "fail" or d["grant"] or not d["resolved_path"]:
        continue
    if "ptrace rule" in (d["reason"] or ""):
        continue  # a process outside the sandbox: the kernel's rule, not the profile's
    if d["access"] not in ("read", "write", "create", "delete", "truncate", "exec"):
        continue
    for path in filter(None, (d["resolved_path"], d["resolved_path2"])):
        r = subprocess.run([sys.argv[2], "why", "-p", "agent", d["access"], path], capture_output=True, text=True)
        verdict = "allow" if r.returncode == 0 else "deny" if r.returncode == 1 else "error"
        if d["resolved_path2"] and d["verdict"] == "allow" and verdict == "deny":
            continue  # rename/link: each side asks for its own access
        if verdict != d["verdict"] and not (d["resolved_path2"] and d["verdict"] == "deny"):
            bad.append("%s %s: event says %s, why says %s" % (d["access"], path, d["verdict"], r.stdout.strip()))
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
	_denied=$(grep '"verdict":"deny"' "$_ev" | grep -v '/.ssh/id_rsa"' | grep -v 'ptrace rule' | head -n 5)
	if [ -z "$_denied" ]; then
		ok "$_name: no denial but the credential read"
	else
		not_ok "$_name: no denial but the credential read" "$_denied"
	fi
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
work "top -b -n1" 'XDG_CONFIG_HOME=$PWD top -b -n1 >/dev/null'
work "the host facts runtimes read under /sys" \
	'cat /sys/kernel/mm/transparent_hugepage/enabled /sys/devices/system/cpu/online >/dev/null'

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
# Capabilities: only those that do file work are kept.
run "$LATCH" run $ACK -p agent -q -- sh -c 'grep CapEff /proc/self/status'
if [ "$IT_UID" -eq 0 ]; then
	check "root keeps only the file-work capabilities (CapEff 4ef): $out" contains "$out" 00000000000004ef
	check "...where it held all of them outside" sh -c "! grep -q 'CapEff:.*00000000000004ef' /proc/self/status"
	expect_fail_with "Operation not permitted" "root cannot set the clock in the sandbox" -- \
		"$LATCH" run $ACK -p agent -q -- sh -c 'date -s "@$(date +%s)"'
	if head -c1 /proc/kcore >/dev/null 2>&1; then
		expect_fail_with "Operation not permitted" "root cannot read /proc/kcore in the sandbox, as it can outside" \
			-- "$LATCH" run $ACK -p agent -q -- sh -c 'head -c1 /proc/kcore >/dev/null'
	else
		skip "root cannot read /proc/kcore in the sandbox" "this kernel has no readable /proc/kcore"
	fi
	expect_rc 0 "root in the sandbox still chowns a file in the project" -- \
		"$LATCH" run $ACK -p agent -q -- sh -c 'touch owned && chown 1:1 owned'
	check "...and the owner changed" [ "$(stat -c %u "$W/owned")" = 1 ]
else
	check "an unprivileged program holds no capability: $out" contains "$out" 0000000000000000
fi

done_testing
