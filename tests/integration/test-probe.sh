#!/bin/sh
# latch probe, the runner and its contract: the catalog and every probe's
# --help, the probe_response envelope (shape and key order), the identity
# probes (world_shape, capabilities_snapshot, probe_catalog) in the three
# lanes, requests that are refused before anything starts, a sandbox that
# refuses to start (harness_error, never denied), safe-by-default paths,
# and the wait/attach workflows.
. "$(dirname "$0")/lib.sh"

S=$IT_SCRATCH
PY=/usr/bin/python3

# pyget EXPR: evaluate EXPR on the last line of $out, an envelope (e), its
# data (d) and result (r).
pyget() {
	printf '%s\n' "$out" | tail -n 1 | "$PY" -c 'import json, sys
e = json.loads(sys.stdin.read()); d = e["data"]; r = e["result"]
print(eval(sys.argv[1]))' "$1" 2>&1
}

# expect_probe WANT DESC -- ARGS...: `latch probe --json ARGS` ends with
# outcome WANT ("denied/landlock" also checks the layer) and exit status rc.
expect_probe() {
	_want=$1 _desc=$2
	shift 2
	[ "$1" = -- ] && shift
	run "$LATCH" probe --json "$@"
	case $_want in
	*/*) _got=$(pyget 'r["normalized_outcome"] + "/" + d["attribution"]["layer"] + " rc=" + str(r["rc"])') ;;
	*) _got=$(pyget 'r["normalized_outcome"] + " rc=" + str(r["rc"])') ;;
	esac
	if [ "$_got" = "$_want rc=$rc" ]; then
		ok "$_desc"
	else
		not_ok "$_desc" "expected '$_want' (rc matching), got '$_got' (exit status $rc)
$(_it_detail "latch probe --json $*")"
	fi
}

check_py() {
	_desc=$1
	shift
	_got=$(pyget "$1")
	if [ "$_got" = True ]; then ok "$_desc"; else not_ok "$_desc" "$1 -> $_got
$(_it_detail "latch probe")"; fi
}

abi=$(landlock_abi)

# ---- the catalog ----
run "$LATCH" probe --list --json
check_py "--list --json: a probe_catalog envelope with 16 probes" \
	'e["kind"] == "probe_catalog" and len(d["probes"]) == 16'
check_py "--list: every probe of issue 5, each with its arguments and usage" \
	'sorted(p["id"] for p in d["probes"]) == sorted("probe_catalog world_shape capabilities_snapshot fs_op net_op signal proc_info sysctl_read exec memfd_exec dlopen ioctl mount userns io_uring inherit_child".split()) and all("args" in p and p["usage"].startswith("usage: latch probe") for p in d["probes"])'
check_py "--list: the outcome vocabulary is the closed set" \
	'[o["name"] for o in d["outcomes"]] == "ok denied dac_denied not_found exists premise_failed unsupported harness_error bad_request unknown_probe timeout".split()'
check_py "--list: fs_op lists its 17 operations" \
	'len([a for p in d["probes"] if p["id"] == "fs_op" for a in p["args"] if a["name"] == "--op"][0]["choices"]) == 17'
ids=$(pyget '" ".join(p["id"] for p in d["probes"])')
run "$LATCH" probe --list
missing=
for id in $ids; do
	contains "$out" "latch probe [-p PROFILE | --no-sandbox] [OPTIONS] $id" || missing="$missing $id"
done
check "--list (text) shows every probe with its arguments${missing:+ (missing:$missing)}" test -z "$missing"
bad=
for id in $ids; do
	run "$LATCH" probe "$id" --help
	{ [ "$rc" -eq 0 ] && contains "$out" "usage: latch probe" && contains "$out" " $id"; } || bad="$bad $id"
done
check "every probe has --help (exit 0, its usage)${bad:+ (failed:$bad)}" test -z "$bad"

# ---- refused before anything starts ----
expect_probe unknown_probe "an unknown probe id is unknown_probe (rc 2)" -- --no-sandbox no_such_probe
expect_probe bad_request "a bad argument is bad_request (rc 2)" -- -p minimal fs_op --op frobnicate
expect_probe bad_request "an unknown profile is bad_request" -- -p no-such-profile-xyz world_shape
expect_rc 2 "neither -p nor --no-sandbox is a usage error" -- "$LATCH" probe world_shape
expect_rc 2 "--expected-outcome outside the vocabulary is a usage error" -- \
	"$LATCH" probe --no-sandbox --expected-outcome allowed world_shape

# ---- the envelope: shape and key order ----
run "$LATCH" probe -p agent --json --plan-id plan-7 --row-id row-3 --correlation-id corr-9 \
	--expected-outcome denied fs_op --op open_read --path-class credentials --path id_rsa
shape=$(printf '%s\n' "$out" | tail -n 1 | "$PY" -c '
import json, sys
text = sys.stdin.read()
def sorted_pairs(pairs):
    keys = [k for k, _ in pairs]
    if keys != sorted(keys):
        raise SystemExit("keys out of order: %s" % keys)
    return dict(pairs)
e = json.loads(text, object_pairs_hook=sorted_pairs)
assert list(e) == ["data", "generated_at_unix_ms", "kind", "result", "schema_version"], list(e)
assert e["kind"] == "probe_response" and e["schema_version"] == 1
assert list(e["result"]) == ["errno", "error", "exit_code", "normalized_outcome", "ok", "rc"], list(e["result"])
want = "access attribution correlation_id details errno expected_outcome harness isolation lane pid plan_id probe_args probe_id profile row_id runner syscall".split()
assert list(e["data"]) == want, list(e["data"])
assert list(e["data"]["attribution"]) == ["how", "layer", "reason"]
assert list(e["data"]["access"]) == ["access", "landlock", "path", "port", "to_access", "to_path"]
assert list(e["data"]["runner"]) == ["launched_via", "pid", "signal"]
assert text.count("\n") == 1 and text.endswith("\n")
print("ok")' 2>&1)
check "envelope: exact keys, sorted at every level, one line${shape:+ ($shape)}" test "$shape" = ok
check_py "envelope: plan, row and correlation ids and the expected outcome are echoed" \
	'(d["plan_id"], d["row_id"], d["correlation_id"], d["expected_outcome"]) == ("plan-7", "row-3", "corr-9", "denied")'
check_py "envelope: lane, profile, launcher, probe id and args" \
	'(d["lane"], d["profile"], d["runner"]["launched_via"], d["probe_id"], d["probe_args"][:2]) == ("sandboxed", "agent", "cli_run", "fs_op", ["--op", "open_read"])'
check_py "envelope: errno in result and data, attribution inferred, result.ok for a measurement" \
	'r["errno"] == d["errno"] == "EACCES" and d["attribution"]["how"] == "inferred" and r["ok"] is True and r["rc"] == 1'
run "$LATCH" probe --no-sandbox --json world_shape
check_py "envelope: the baseline lane is unsandboxed, launched by exec, no profile" \
	'(d["lane"], d["runner"]["launched_via"], d["profile"]) == ("unsandboxed", "exec", None)'

# ---- identity probes, three lanes ----
for lane in --no-sandbox "-p minimal" "-p agent"; do
	for id in world_shape capabilities_snapshot probe_catalog; do
		# shellcheck disable=SC2086
		expect_probe ok "$id ($lane) is ok" -- $lane "$id"
	done
done
run "$LATCH" probe -p minimal --json world_shape
check_py "world_shape (minimal): the Landlock ABI latch applied, as the launcher passed it ($abi)" \
	"d['details']['landlock']['applied']['abi'] == $abi and 'read_file' in d['details']['landlock']['applied']['handled_fs']"
check_py "world_shape (minimal): no_new_privs, a seccomp filter, the profile's name" \
	'd["details"]["no_new_privs"] is True and d["details"]["seccomp_mode"] == "filter" and d["details"]["profile"] == "minimal"'
check_py "world_shape (minimal): the environment is filtered (no LATCH_IT_RUNNER inside)" \
	'"LATCH_IT_RUNNER" not in d["details"]["env_names"] and "PATH" in d["details"]["env_names"]'
check_py "world_shape (minimal): namespaces and isolation agree" \
	'all(d["details"]["namespaces"][k]["same_as_runner"] is (not d["isolation"][k]) for k in ("mnt", "net", "pid", "user"))'
run "$LATCH" probe --no-sandbox --json world_shape
check_py "world_shape (baseline): nothing applied, every namespace the runner's" \
	'd["details"]["landlock"]["applied"] is None and d["details"]["seccomp_applied"] is None and not any(d["isolation"].values())'
if [ "$abi" -gt 3 ]; then
	run env LATCH_LANDLOCK_ABI=3 "$LATCH" probe -p minimal --json world_shape
	check_py "world_shape: LATCH_LANDLOCK_ABI=3 shows ABI 3 applied on a kernel with $abi (passed, not probed)" \
		"d['details']['landlock']['applied']['abi'] == 3 and d['details']['landlock']['kernel_abi'] == $abi and 'truncate' in d['details']['landlock']['applied']['handled_fs']"
else
	skip "world_shape: a lowered ABI" "Landlock ABI $abi: nothing to lower to 3 (latch doctor)"
fi
run "$LATCH" probe -p agent --json capabilities_snapshot
check_py "capabilities_snapshot: capability sets, securebits and rlimits" \
	'set(d["details"]) >= {"capabilities", "securebits", "rlimits", "no_new_privs"} and "nofile" in d["details"]["rlimits"]'
run "$LATCH" probe -p minimal --json probe_catalog
check_py "probe_catalog inside the sandbox lists the 16 probes" 'len(d["details"]["catalog"]["probes"]) == 16'

# ---- a sandbox that refuses to start: harness_error, never denied ----
cat >"$S/req.json" <<EOF
{ "name": "needs-scopes", "groups": ["system_read", "system_exec"], "required": ["landlock_scopes"] }
EOF
run env LATCH_LANDLOCK_ABI=5 "$LATCH" probe -p "$S/req.json" --json world_shape
check_py "a launcher that refuses to start gives harness_error (rc 125), not denied" \
	'r["normalized_outcome"] == "harness_error" and r["rc"] == 125 and "refusing to start" in r["error"] and r["exit_code"] == 125'
check "harness_error: the exit status is 125" test "$rc" -eq 125

# ---- safe by default ----
expect_probe bad_request "fs_op unlink outside the harness is refused, even without a sandbox" -- \
	--no-sandbox fs_op --op unlink --path "$S/victim"
printf 'x\n' >"$S/victim"
check "...and the file is still there" test -f "$S/victim"
run "$LATCH" probe --no-sandbox --json fs_op --op unlink --path "$S/victim" --allow-unsafe-path
check_py "--allow-unsafe-path lets it work, and the envelope says so" \
	'r["normalized_outcome"] == "ok" and d["harness"]["path_safety"] == "unsafe_path_allowed"'
check "...and the file is gone" test ! -e "$S/victim"
run "$LATCH" probe -p agent --json fs_op --op unlink
check_py "a modifying op works in the harness by default (path_safety harness, created by the runner in \$CWD)" \
	"d['harness']['path_safety'] == 'harness' and d['harness']['created_by'] == 'runner' and d['harness']['dir'].startswith('$PROJECT/.latch-probe-')"
run "$LATCH" probe -p agent --json fs_op --op stat --path-class system
check_py "a read-only op is non_destructive anywhere" 'd["harness"]["path_safety"] == "non_destructive"'
leftover=$(ls -a "$PROJECT" | grep -c '^\.latch-probe-')
check "the harness directories are removed afterwards ($leftover left)" test "$leftover" -eq 0

# ---- wait and attach ----
mkfifo "$PROJECT/go.fifo"
( sleep 1 && printf 'go\n' >"$PROJECT/go.fifo" ) &
writer=$!
_it_pids="$_it_pids $writer"
run "$LATCH" probe -p agent --json --wait-fifo "$PROJECT/go.fifo" --wait-timeout-ms 10000 \
	--attach-report "$S/attach.jsonl" --correlation-id w1 fs_op --op stat
check_py "--wait-fifo: the probe ran once a writer released it" 'r["normalized_outcome"] == "ok"'
events=$("$PY" -c '
import json, sys
evs = [json.loads(l) for l in open(sys.argv[1])]
d = [e["data"] for e in evs]
ok = [e["kind"] for e in evs] == ["probe_attach_event"] * 2 and [x["event"] for x in d] == ["pid_ready", "wait_ready"]
ok = ok and d[1]["wait_kind"] == "fifo" and d[1]["wait_path"] == sys.argv[2] and d[1]["correlation_id"] == "w1"
ok = ok and isinstance(d[0]["host_pid"], int) and d[0]["host_pid"] > 1
print("ok" if ok else d)' "$S/attach.jsonl" "$PROJECT/go.fifo" 2>&1)
check "--attach-report PATH: pid_ready then wait_ready, with the pid as seen outside ($events)" test "$events" = ok
wait "$writer" 2>/dev/null
run "$LATCH" probe -p agent --json --wait-exists "$PROJECT/never" --wait-timeout-ms 300 fs_op --op stat
check_py "--wait-exists that nothing satisfies ends in timeout (rc 124)" \
	'r["normalized_outcome"] == "timeout" and r["rc"] == 124'
check "timeout: the exit status is 124" test "$rc" -eq 124
( sleep 1 && : >"$PROJECT/flag" ) &
_it_pids="$_it_pids $!"
run "$LATCH" probe -p minimal --json --wait-exists "$PROJECT/flag" --attach-report stdout fs_op --op stat
check_py "--wait-exists: the probe ran once the path appeared" 'r["normalized_outcome"] == "ok"'
first=$(printf '%s\n' "$out" | head -n 1 | "$PY" -c 'import json, sys; print(json.load(sys.stdin)["data"]["event"])' 2>&1)
check "--attach-report stdout: the events come first, on stdout ($first)" test "$first" = pid_ready
t0=$(date +%s)
run "$LATCH" probe -p agent --json --hold-open 2 fs_op --op stat
t1=$(date +%s)
check_py "--hold-open: the answer is ok" 'r["normalized_outcome"] == "ok"'
check "--hold-open 2: the probe process stayed about 2 s ($((t1 - t0)) s)" test $((t1 - t0)) -ge 1
contains "$err" "pid_ready" && ok "--hold-open without a report: pid_ready on stderr for people" ||
	not_ok "--hold-open without a report: pid_ready on stderr for people" "$err"

# ---- attribution under a supervisor -------------------------------------------
# The same denied read, without and with a (denying) supervisor: a notified
# call is decided at system call entry, before any LSM, so the layer differs.
layer_of() {
	"$LATCH" probe --json "$@" 2>/dev/null | /usr/bin/python3 -c '
import json, sys
print(json.load(sys.stdin)["data"]["attribution"]["layer"])'
}
check "attribution: unsupervised, Landlock refused the credential read" \
	eval '[ "$(layer_of -p agent fs_op --op open_read --path-class credentials)" = landlock ]'
check "attribution: supervised, the supervisor refused the same read" \
	eval '[ "$(layer_of --supervise -p agent fs_op --op open_read --path-class credentials)" = supervisor ]'
check "attribution: supervised, memfd exec (which Landlock cannot confine) is the supervisor's refusal" \
	eval '[ "$(layer_of --supervise -p agent memfd_exec)" = supervisor ]'

done_testing
