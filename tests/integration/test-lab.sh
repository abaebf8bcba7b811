#!/bin/sh
# test-lab.sh -- the lab end to end. The built-in plan (plans/builtin.json,
# embedded in latch) runs in its three lanes, and any enforcement_gap or
# over_enforcement that is not a declared kernel_limit fails: enforcement and
# the decision engine must agree. Then the run directory, its evidence
# (verify, tampering, bundles), plans rejected before anything runs, risk
# gating, kernel limits on a capped Landlock ABI, and latch matrix.
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
OUT=$IT_SCRATCH/lab

# pyjson DESC SCRIPT ARGS...: a Python check; it prints the failure's detail
# and exits 1, or exits 0.
pyjson() {
	_desc=$1 _script=$2
	shift 2
	if _detail=$("$PY" -c "$_script" "$@" 2>&1); then
		ok "$_desc"
		[ -n "$_detail" ] && diag "$_detail"
	else
		not_ok "$_desc" "$_detail"
	fi
}

# ---- the truth test: plans/builtin.json ------------------------------------

t0=$(date +%s%N)
run "$LATCH" lab run builtin --out "$OUT"
t1=$(date +%s%N)
diag "latch lab run builtin: $(( (t1 - t0) / 1000000 )) ms, exit status $rc"
run_rc=$rc
RUN=$OUT/LATEST
check "lab run builtin committed a run directory (LATEST)" test -f "$RUN/artifact_index.json"

pyjson "no enforcement_gap or over_enforcement: enforcement and the decision engine agree" '
import json, sys
bad = []
for line in open(sys.argv[1] + "/mismatches.jsonl"):
    d = json.loads(line)["data"]
    if d["mismatch_reason"] in ("enforcement_gap", "over_enforcement"):
        l = d["lanes"]
        bad.append("%s under %s: %s: baseline %s, sandboxed %s (%s, %s), oracle %s; %s" % (
            d["row_id"], d["profile"], d["mismatch_reason"], l["baseline"]["outcome"],
            l["sandboxed"]["outcome"], l["sandboxed"]["errno"], l["sandboxed"]["layer"],
            l["oracle"]["verdict"], d["detail"]))
if bad:
    print("\n".join(bad)); sys.exit(1)
' "$RUN"
if [ "$run_rc" -eq 0 ]; then
	ok "lab run exits 0 when nothing fails"
else
	not_ok "lab run exits 0 when nothing fails" "exit status $run_rc
$(printf '%s\n' "$err" | tail -n 5)"
fi

pyjson "the run directory holds exactly the files issue 6 names, and LATEST points at it" '
import json, os, sys
run = sys.argv[1]
want = {"run_manifest.json", "results.jsonl", "mismatches.jsonl", "summary.json", "summary.md",
        "artifact_index.json", "run_status.json"}
have = set(os.listdir(run))
assert have == want, "files: %s" % sorted(have)
assert os.path.islink(os.path.join(os.path.dirname(run), "LATEST"))
st = json.load(open(run + "/run_status.json"))
assert st["kind"] == "lab_run_status" and st["data"]["status"] == "complete", st
' "$RUN"

pyjson "the manifest records the plan, the binary, the kernel, Landlock, features, uid and user namespaces" '
import hashlib, json, os, sys
run, latch = sys.argv[1], sys.argv[2]
m = json.load(open(run + "/run_manifest.json"))
assert m["kind"] == "lab_run_manifest" and m["schema_version"] == 1
d = m["data"]
assert d["plan"]["id"] == "builtin" and len(d["plan"]["sha256"]) == 64, d["plan"]
assert d["latch"]["sha256"] == hashlib.sha256(open(latch, "rb").read()).hexdigest(), "binary digest"
assert d["kernel"]["release"] == os.uname().release
assert isinstance(d["landlock"]["abi_applied"], int) and d["landlock"]["abi_applied"] >= 1
assert "landlock" in d["features"]["used"] and "seccomp" in d["features"]["used"]
assert isinstance(d["features"]["degraded"], list)
assert d["uid"] == os.getuid() and isinstance(d["user_namespaces"]["available"], bool)
assert d["started_at_unix_ms"] <= d["ended_at_unix_ms"]
assert set(d["lanes"]) == {"baseline", "sandboxed", "oracle"}
for name, p in d["profiles"].items():
    assert p["resolved"]["profile"]["name"] == p["name"] and len(p["sha256"]) == 64
' "$RUN" "$LATCH"

run "$LATCH" lab check --json builtin
pyjson "the manifest names the plan by the sha256 of its exact bytes" '
import json, sys
m = json.load(open(sys.argv[1] + "/run_manifest.json"))["data"]["plan"]
c = json.loads(sys.argv[2])["data"]
assert c["sha256"] == m["sha256"], (c["sha256"], m["sha256"])
' "$RUN" "$out"

run "$LATCH" profile list --json
builtins=$(printf '%s\n' "$out" | "$PY" -c '
import json, sys
print(" ".join(p["name"] for p in json.load(sys.stdin)["data"]["profiles"] if p["source"] == "builtin"))')
pyjson "every probe family runs against every built-in profile, in three lanes never merged" '
import json, sys
run, builtins = sys.argv[1], sys.argv[2].split()
families = {"identity", "filesystem", "network", "process", "execution", "kernel", "inherit"}
seen, rows = {}, {}
fam = {}
for line in open(run + "/results.jsonl"):
    e = json.loads(line)
    assert e["kind"] == "lab_result" and e["schema_version"] == 1
    d = e["data"]
    lane = d["lane"]
    assert lane in ("baseline", "sandboxed", "oracle"), lane
    if lane == "baseline":
        assert d["profile"] is None and d["oracle"] is None
    elif lane == "sandboxed":
        assert d["oracle"] is None and (d["response"] is not None or d["status"] != "ran")
        if d["response"]:
            assert d["response"]["data"]["lane"] == "sandboxed"
            assert d["response"]["data"]["profile"] is not None
    else:
        assert d["response"] is None and (d["oracle"] is not None or d["status"] != "ran")
    rows.setdefault(d["row_id"], set()).add((lane, d["profile"]))
    if lane == "sandboxed" and d["status"] == "ran":
        seen.setdefault(d["probe_id"], set()).add(d["profile"])
summary = json.load(open(run + "/summary.json"))["data"]
for r in summary["rows"]:
    fam.setdefault(r["family"], set()).update(seen.get(r["probe_id"], set()))
for f in families:
    missing = set(builtins) - fam.get(f, set())
    assert not missing, "family %s never ran under %s" % (f, sorted(missing))
for row, lanes in rows.items():
    for p in builtins:
        assert ("sandboxed", p) in lanes and ("oracle", p) in lanes, (row, p)
    assert ("baseline", None) in lanes, row
' "$RUN" "$builtins"

pyjson "no expectation_mismatch: every row's expected outcome holds (an over-restriction of /proc or a planted setting would be one)" '
import json, sys
bad = []
for line in open(sys.argv[1] + "/mismatches.jsonl"):
    d = json.loads(line)["data"]
    if d["mismatch_reason"] == "expectation_mismatch":
        bad.append("%s under %s" % (d["row_id"], d["profile"]))
assert not bad, bad
rows = {json.loads(l)["data"]["row_id"] for l in open(sys.argv[1] + "/results.jsonl")}
for r in ("use-proc-self-stat", "use-proc-self-maps", "use-proc-cpuinfo", "run-later-vscode", "run-later-mcp"):
    assert r in rows, r
' "$RUN"

pyjson "mismatch reasons come from the closed set; kernel limits from the table in the manifest" '
import json, sys
run = sys.argv[1]
m = json.load(open(run + "/run_manifest.json"))["data"]
limits = {k["id"]: k["text"] for k in m["kernel_limits"]}
closed = {"ambient_restriction", "enforcement_gap", "over_enforcement", "kernel_limit",
          "expectation_mismatch", "premise_failed", "harness_error"}
assert set(m["mismatch_reasons"]) == closed, m["mismatch_reasons"]
n = 0
for line in open(run + "/mismatches.jsonl"):
    e = json.loads(line)
    d = e["data"]
    assert e["kind"] == "lab_mismatch" and d["mismatch_reason"] in closed, d["mismatch_reason"]
    assert set(d["lanes"]) == {"baseline", "sandboxed", "oracle"}
    assert d["reproduce"]["sandboxed"].startswith("latch probe -p ")
    if d["mismatch_reason"] == "kernel_limit":
        assert d["kernel_limit"]["id"] in limits and d["kernel_limit"]["text"] == limits[d["kernel_limit"]["id"]]
        assert d["underlying"] in ("enforcement_gap", "over_enforcement")
        n += 1
    else:
        assert d["kernel_limit"] is None
print("kernel limits met: %d" % n)
' "$RUN"

pyjson "a documented kernel limit is met here: Landlock does not mediate chmod (minimal)" '
import json, sys
for line in open(sys.argv[1] + "/mismatches.jsonl"):
    d = json.loads(line)["data"]
    if d["row_id"] == "fs-chmod-harness" and d["profile"] == "minimal":
        assert d["mismatch_reason"] == "kernel_limit" and d["kernel_limit"]["id"] == "landlock_unmediated_metadata", d
        break
else:
    sys.exit("no record for fs-chmod-harness under minimal")
' "$RUN"

pyjson "the credential fixture is denied under every built-in profile, and was removed afterwards" '
import json, os, sys
run, home = sys.argv[1], sys.argv[2]
s = json.load(open(run + "/summary.json"))["data"]
row = [r for r in s["rows"] if r["row_id"] == "fs-read-credential"][0]
assert row["baseline"] == "ok", row["baseline"]
for p, c in row["cells"].items():
    assert c["outcome"] == "denied" and c["oracle"] == "deny" and c["reason"] == "agree", (p, c)
assert not os.path.exists(home + "/.ssh/latch-lab-key")
assert not os.path.exists(home + "/.latch-lab-fixture")
' "$RUN" "$HOME"

pyjson "every cell carries the commands that repeat it, with the supervisor the lane ran under" '
import json, shlex, sys
run = sys.argv[1]
m = json.load(open(run + "/run_manifest.json"))["data"]["profiles"]
rows = {r["row_id"]: r for r in json.load(open(run + "/summary.json"))["data"]["rows"]}
for row in rows.values():
    for p, c in row["cells"].items():
        r = c["reproduce"]
        want = ["latch", "probe", "-p", p] + (["--supervise"] if m[p]["supervise"] != "off" else [])
        want += [row["probe_id"]] + row["args"]
        assert shlex.split(r["sandboxed"]) == want, (row["row_id"], p, r["sandboxed"])
        assert shlex.split(r["baseline"]) == ["latch", "probe", "--no-sandbox", row["probe_id"]] + row["args"]
        assert all(o.startswith("latch ") for o in r["oracle"]), r["oracle"]
for line in open(run + "/mismatches.jsonl"):
    d = json.loads(line)["data"]
    assert d["reproduce"] == rows[d["row_id"]]["cells"][d["profile"]]["reproduce"], d["row_id"]
' "$RUN"

pyjson "the artifact index lists every other file with its size, sha256 and schema version" '
import hashlib, json, os, sys
run = sys.argv[1]
idx = json.load(open(run + "/artifact_index.json"))
files = {f["path"]: f for f in idx["data"]["files"]}
assert set(files) == set(os.listdir(run)) - {"artifact_index.json"}, sorted(files)
for p, f in files.items():
    b = open(os.path.join(run, p), "rb").read()
    assert f["size"] == len(b) and f["sha256"] == hashlib.sha256(b).hexdigest() and f["schema_version"] == 1, p
newest = max(os.stat(os.path.join(run, p)).st_mtime_ns for p in files)
assert os.stat(run + "/artifact_index.json").st_mtime_ns >= newest, "the index is not the last file written"
' "$RUN"

expect_output_contains "fs-read-credential" "lab show prints the summary table" -- "$LATCH" lab show "$RUN"
expect_output_contains "kernel_limit" "lab show counts the reasons" -- "$LATCH" lab show "$RUN"
expect_rc 0 "lab show --html writes a page" -- "$LATCH" lab show --html "$IT_SCRATCH/run.html" "$RUN"
check "the page holds the grid" grep -q 'class="cell k-agree"' "$IT_SCRATCH/run.html"
check "summary.md has the table and the mismatches" grep -q '^| fs-read-credential |' "$RUN/summary.md"

# ---- the HTML report, as a browser shows it -----------------------------------

# A copy of the run whose summary holds a cell of every kind: a real run
# cannot show an enforcement gap or an over-enforcement (it would fail), so
# cells are rewritten; and a row whose probe path is hostile markup.
FIX=$IT_SCRATCH/report-fixture
mkdir -p "$FIX" && cp "$RUN/run_status.json" "$RUN/summary.json" "$RUN/run_manifest.json" "$FIX/"
"$PY" -c '
import copy, json, sys
p = sys.argv[1] + "/summary.json"
e = json.load(open(p))
d = e["data"]
rows = {r["row_id"]: r for r in d["rows"]}
kinds = [("fs-read-credential", "ok", "enforcement_gap"), ("fs-list-credentials", "denied", "over_enforcement"),
         ("fs-read-system-secrets", "dac_denied", "ambient_restriction"),
         ("fs-read-etc-hosts", "denied", "expectation_mismatch"), ("fs-read-home", "premise_failed", "premise_failed"),
         ("fs-write-home", "harness_error", "harness_error"), ("fs-chmod-harness", "ok", "kernel_limit")]
for row_id, outcome, reason in kinds:
    c = rows[row_id]["cells"]["minimal"]
    c.update(outcome=outcome, reason=reason, detail="rewritten for the report test")
c = rows["fs-read-credential"]["cells"]["codex"]
c.update(skipped=True, outcome=None, reason=None, oracle=None, reproduce=None,
         detail="profile codex is risk tier 2: --ack-risk codex")
hostile = copy.deepcopy(rows["fs-read-credential"])
hostile["row_id"] = "<script>alert(1)</script>"
hostile["args"] = ["--path", "/tmp/\"><img src=x onerror=alert(2)>&amp;\\xff"]
d["rows"].append(hostile)
d["counts"]["failing"] = 2
d["counts"]["skipped"] = 1
for k in ("enforcement_gap", "over_enforcement", "ambient_restriction", "expectation_mismatch",
          "premise_failed", "harness_error", "kernel_limit"):
    d["counts"]["reasons"][k] = max(1, d["counts"]["reasons"][k])
json.dump(e, open(p, "w"), sort_keys=True)
' "$FIX"
expect_rc 0 "lab show --html renders a run with a cell of every kind" -- \
	"$LATCH" lab show --html "$IT_SCRATCH/every-kind.html" "$FIX"

# browse PAGE DOM PNG: PAGE in headless Chromium, 1400 px wide: the DOM the
# browser built into DOM, its log (where it says what failed to load or
# run) into DOM.log, a screenshot into PNG. Its HOME, profile and caches are
# in the scratch directory, so it runs as any uid.
browse() {
	HOME=$IT_SCRATCH/chromium XDG_CONFIG_HOME=$IT_SCRATCH/chromium/config \
		XDG_CACHE_HOME=$IT_SCRATCH/chromium/cache timeout 30 chromium --headless --no-sandbox --disable-gpu \
		--no-first-run --user-data-dir="$IT_SCRATCH/chromium/profile" --enable-logging=stderr --v=0 \
		--window-size=1400,2400 --screenshot="$3" --dump-dom "file://$1" >"$2" 2>"$2.log"
}

# PAGE_CHECK PAGE RUN MODE [PNG]: a page checked against the summary it was
# made from: the header, every cell (its kind by class and in words, its
# outcome, errno, layer and commands), the kinds the run produced; MODE
# fixture: every kind, and the hostile row as text. With PNG, PAGE is the
# DOM a browser built: its log must hold no error, PNG is its screenshot.
PAGE_CHECK='
import html.parser, json, os, sys
dom_file, run, fixture = sys.argv[1], sys.argv[2], sys.argv[3] == "fixture"
png = sys.argv[4] if len(sys.argv) > 4 else None
dom = open(dom_file, encoding="utf-8").read()
if png:
    console = [l for l in open(dom_file + ".log", errors="replace") if ":CONSOLE" in l]
    assert not console, "the browser logged: %s" % console[:3]
    b = open(png, "rb").read(24)
    assert b[:8] == b"\x89PNG\r\n\x1a\n" and int.from_bytes(b[16:20], "big") == 1400, "not a 1400 px wide PNG"
assert dom.rstrip().endswith("</html>"), "the page is incomplete"
VOID = {"meta", "br", "img", "input", "link", "hr", "col", "wbr", "area", "base", "source"}

class Tree(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.nodes, self.stack = [], []
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        n = {"tag": tag, "id": a.get("id") or "", "cls": (a.get("class") or "").split(), "text": "",
             "anc": list(self.stack)}
        self.nodes.append(n)
        if tag not in VOID:
            self.stack.append(n)
    def handle_endtag(self, tag):
        while self.stack and self.stack.pop()["tag"] != tag:
            pass
    def handle_data(self, data):
        for n in self.stack:
            n["text"] += data

t = Tree()
t.feed(dom)
tags = {n["tag"] for n in t.nodes}
assert "script" not in tags and "img" not in tags, "markup from a record became elements"
s = json.load(open(run + "/summary.json"))["data"]
m = json.load(open(run + "/run_manifest.json"))["data"]
facts = {n["id"][2:]: n["text"] for n in t.nodes if n["id"].startswith("h-")}
want = {"run-id": s["run_id"], "plan": s["plan_id"], "plan-sha256": m["plan"]["sha256"],
        "kernel": os.uname().release, "landlock-abi": str(m["landlock"]["abi_applied"]), "uid": str(os.getuid())}
for k, v in want.items():
    assert facts.get(k) == v, "header %s: %r, want %r" % (k, facts.get(k), v)
assert facts["verdict"].startswith("FAILS: 2 cells" if fixture else "Nothing fails"), facts["verdict"]
words = {"agree": "agree", "ambient_restriction": "ambient restriction", "enforcement_gap": "enforcement gap",
         "over_enforcement": "over-enforcement", "kernel_limit": "kernel limit",
         "expectation_mismatch": "expectation mismatch", "premise_failed": "premise failed",
         "harness_error": "harness error", "skipped": "skipped"}
cells = [n for n in t.nodes if n["tag"] == "td" and "cell" in n["cls"]]
profiles = s["profiles"]
assert len(cells) == len(s["rows"]) * len(profiles), (len(cells), len(s["rows"]), len(profiles))
shown = set()
for i, row in enumerate(s["rows"]):
    for j, p in enumerate(profiles):
        c, td = row["cells"].get(p), cells[i * len(profiles) + j]
        if c is None:
            assert "k-none" in td["cls"], (row["row_id"], p, td["cls"])
            continue
        kind = "skipped" if c["skipped"] else c["reason"]
        where = "%s under %s" % (row["row_id"], p)
        assert "k-" + kind in td["cls"], (where, kind, td["cls"])
        assert words[kind] in td["text"], (where, words[kind], td["text"][:200])
        shown.add(kind)
        if c["skipped"]:
            continue
        f = {n["cls"][0]: n["text"] for n in t.nodes if td in n["anc"] and n["cls"] and n["cls"][0].startswith("f-")}
        outcome = c["outcome"] or "not_run"
        assert f["f-outcome"] == outcome and outcome in td["text"], (where, f)
        assert f["f-errno"] == (c["errno"] or "none"), (where, f["f-errno"], c["errno"])
        assert f["f-layer"].startswith(c["layer"] or "unknown"), (where, f["f-layer"], c["layer"])
        assert c["reproduce"]["sandboxed"] in f["f-reproduce"], (where, f["f-reproduce"])
        assert c["reproduce"]["baseline"] in f["f-reproduce"], (where, f["f-reproduce"])
produced = {k for k, n in s["counts"]["reasons"].items() if n} | ({"skipped"} if s["counts"]["skipped"] else set())
assert produced <= shown, "kinds the run produced but the page does not show: %s" % (produced - shown)
if fixture:
    assert shown == set(words), "kinds missing from the fixture page: %s" % (set(words) - shown)
    heads = [n["text"] for n in t.nodes if n["tag"] == "th" and "<script>alert(1)</script>" in n["text"]]
    assert heads and "/tmp/\"><img src=x onerror=alert(2)>&amp;\\xff" in heads[0], heads
print("kinds shown: " + ", ".join(sorted(shown)))
'

pyjson "the report shows the header and every cell as the summary says" \
	"$PAGE_CHECK" "$IT_SCRATCH/run.html" "$RUN" run

# One browser start (2-4 s here) for the page with every kind: it is the
# run's own page, but for the rewritten cells and the hostile row.
if ! command -v chromium >/dev/null 2>&1; then
	skip "the report in headless Chromium" "chromium is not installed (scripts/deps.sh check installs it)"
else
	SHOT=${IT_ARTIFACTS:-$IT_SCRATCH}/lab-report.png
	t0=$(date +%s%N)
	browse "$IT_SCRATCH/every-kind.html" "$IT_SCRATCH/every-kind.dom" "$SHOT"
	brc=$?
	diag "chromium: $(( ($(date +%s%N) - t0) / 1000000 )) ms, exit status $brc; screenshot: $SHOT"
	if [ "$brc" -eq 0 ]; then
		pyjson "Chromium loads the report without an error: the header, a cell of every kind, a hostile probe path as text" \
			"$PAGE_CHECK" "$IT_SCRATCH/every-kind.dom" "$FIX" fixture "$SHOT"
	else
		not_ok "Chromium loads the report" "chromium's exit status $brc
$(grep -v dbus "$IT_SCRATCH/every-kind.dom.log" | tail -n 10)"
	fi
fi

# ---- evidence ----------------------------------------------------------------

expect_rc 0 "evidence verify: an untouched run verifies" -- "$LATCH" evidence verify "$RUN"
expect_rc 0 "evidence verify --json" -- "$LATCH" evidence verify --json "$RUN"

# tamper NAME PYTHON: a copy of the run, changed by PYTHON (sys.argv[1] is
# the copy), must fail to verify with exit 3, naming NAME.
tamper() {
	_name=$1
	_t=$IT_SCRATCH/tamper-$2
	rm -rf "$_t"
	cp -R "$(cd "$RUN" && pwd -P)" "$_t"
	"$PY" -c "$3" "$_t"
	run "$LATCH" evidence verify "$_t"
	case "$rc:$out$err" in
	3:*"$_name"*) ok "evidence verify catches $2 ($_name named, exit 3)" ;;
	*) not_ok "evidence verify catches $2" "$(_it_detail "latch evidence verify $_t")" ;;
	esac
}
tamper results.jsonl "one changed byte" '
import sys
p = sys.argv[1] + "/results.jsonl"
b = bytearray(open(p, "rb").read())
i = b.index(b"\"ok\"")
b[i + 1] = ord("O")
open(p, "wb").write(b)'
tamper artifact_index.json "a deleted index" '
import os, sys
os.unlink(sys.argv[1] + "/artifact_index.json")'
tamper summary.md "a truncated file" '
import os, sys
os.truncate(sys.argv[1] + "/summary.md", 10)'
tamper stray.txt "an added file" '
import sys
open(sys.argv[1] + "/stray.txt", "w").write("x")'
tamper mismatches.jsonl "a line removed" '
import sys
p = sys.argv[1] + "/mismatches.jsonl"
lines = open(p).readlines()
open(p, "w").writelines(lines[1:])'
tamper run_status.json "a run left in progress" '
import json, sys
p = sys.argv[1] + "/run_status.json"
s = open(p).read().replace("\"complete\"", "\"in_progress\"")
open(p, "w").write(s)'

# Rewriting a file and its index entry together is caught by the content
# check: the lab writes canonical JSON only.
tamper results.jsonl "a rewritten record with a matching digest" '
import hashlib, json, sys
d = sys.argv[1]
p = d + "/results.jsonl"
lines = open(p).read().splitlines()
lines[0] = json.dumps(json.loads(lines[0]), indent=1)
lines[0] = lines[0].replace("\n", " ")
open(p, "w").write("\n".join(lines) + "\n")
b = open(p, "rb").read()
idx = json.load(open(d + "/artifact_index.json"))
for f in idx["data"]["files"]:
    if f["path"] == "results.jsonl":
        f["sha256"] = hashlib.sha256(b).hexdigest(); f["size"] = len(b)
open(d + "/artifact_index.json", "w").write(json.dumps(idx, indent=2, sort_keys=True) + "\n")'

BUNDLE=$IT_SCRATCH/bundle
expect_rc 0 "evidence bundle copies the run with its profiles" -- "$LATCH" evidence bundle --out "$BUNDLE" "$RUN"
pyjson "the bundle holds the run, the resolved profiles and the binary's digest" '
import hashlib, json, os, sys
b, latch, builtins = sys.argv[1], sys.argv[2], sys.argv[3].split()
assert os.path.isfile(b + "/run/results.jsonl") and os.path.isfile(b + "/run/artifact_index.json")
for p in builtins:
    d = json.load(open(b + "/profiles/%s.json" % p))
    assert d["kind"] == "profile_show" and d["data"]["profile"]["name"] == p
    assert "chain" in d["data"]["profile"] and "tier" in d["data"]["risk"]
m = json.load(open(b + "/bundle_meta.json"))["data"]
assert m["latch"]["sha256"] == hashlib.sha256(open(latch, "rb").read()).hexdigest()
assert m["same_binary"] is True
' "$BUNDLE" "$LATCH" "$builtins"
expect_rc 0 "evidence verify: the bundle verifies" -- "$LATCH" evidence verify "$BUNDLE"
"$PY" -c '
import sys
p = sys.argv[1] + "/profiles/agent.json"
s = open(p).read().replace("agent", "agenT", 1)
open(p, "w").write(s)' "$BUNDLE"
expect_fail_with "profiles/agent.json" "evidence verify: a changed profile in a bundle is caught" -- \
	"$LATCH" evidence verify "$BUNDLE"
expect_rc 3 "evidence bundle refuses a run that does not verify" -- \
	"$LATCH" evidence bundle --out "$IT_SCRATCH/bundle2" "$IT_SCRATCH/tamper-one changed byte"
check "...and writes nothing" test ! -e "$IT_SCRATCH/bundle2/run"

# ---- plans with a bad row are rejected before anything runs -------------------

# bad_plan DESC NEEDLE ROW-JSON
bad_plan() {
	printf '{"schema_version": 1, "plan_id": "bad", "profiles": ["minimal"], "rows": [\n  {"row_id": "good", "probe_id": "world_shape"},\n  %s\n]}\n' "$3" \
		>"$IT_SCRATCH/bad.json"
	rm -rf "$IT_SCRATCH/bad-out"
	run "$LATCH" lab run "$IT_SCRATCH/bad.json" --out "$IT_SCRATCH/bad-out"
	case "$rc:$err" in
	125:*"$2"*) ok "a plan with $1 is rejected, naming it" ;;
	*) not_ok "a plan with $1 is rejected, naming it" "$(_it_detail "latch lab run bad.json")" ;;
	esac
	check "...and nothing was written" test ! -e "$IT_SCRATCH/bad-out"
}
bad_plan "an unknown probe" "rows[1] 'nope': probe_id: no probe 'no_such_probe'" \
	'{"row_id": "nope", "probe_id": "no_such_probe"}'
bad_plan "bad probe arguments" "rows[1] 'badop': args: fs_op --op: unknown value 'frobnicate'" \
	'{"row_id": "badop", "probe_id": "fs_op", "args": ["--op", "frobnicate"]}'
bad_plan "an unknown key" "rows[1] 'typo': row: unknown key 'expect'" \
	'{"row_id": "typo", "probe_id": "world_shape", "expect": {"*": "ok"}}'
bad_plan "a duplicate row id" "rows[1] 'good': row_id: 'good' is also rows[0]" \
	'{"row_id": "good", "probe_id": "world_shape"}'
bad_plan "an unknown outcome" "rows[1] 'exp': expected.minimal: 'allowed' is not an outcome" \
	'{"row_id": "exp", "probe_id": "world_shape", "expected": {"minimal": "allowed"}}'
bad_plan "an unknown placeholder" "rows[1] 'ph': args" \
	'{"row_id": "ph", "probe_id": "exec", "args": ["--path", "${NOPE}"]}'
bad_plan "an unknown profile" "no-such-profile" \
	'{"row_id": "prof", "probe_id": "world_shape", "profiles": ["no-such-profile"]}'
bad_plan "a fixture outside its class" "setup.fixture.path" \
	'{"row_id": "fx", "probe_id": "world_shape", "setup": {"fixture": {"path_class": "home", "path": "../x"}}}'
expect_rc 1 "lab check says a bad plan is invalid" -- "$LATCH" lab check "$IT_SCRATCH/bad.json"
expect_rc 0 "lab check says the built-in plan is valid" -- "$LATCH" lab check builtin

# ---- risk gating --------------------------------------------------------------

printf '{"name": "wide", "extends": "minimal", "network": {"mode": "on"}}\n' >"$IT_SCRATCH/wide.json"
WIDE=$IT_SCRATCH/wide.json
cat >"$IT_SCRATCH/gate.json" <<EOF
{"schema_version": 1, "plan_id": "gate", "groups": {"mixed": ["minimal", "$WIDE"]},
 "rows": [{"row_id": "gated", "probe_id": "net_op", "args": ["--op", "udp_send"], "group": "mixed"}]}
EOF
expect_rc 0 "a tier-2 profile without --ack-risk: the run completes" -- \
	"$LATCH" lab run "$IT_SCRATCH/gate.json" --out "$IT_SCRATCH/gate"
pyjson "...and the profile is skipped with a recorded reason, never silently" '
import json, sys
run = sys.argv[1] + "/LATEST"
recs = [json.loads(l)["data"] for l in open(run + "/results.jsonl")]
wide = [r for r in recs if r["profile"] == sys.argv[2]]
assert len(wide) == 2 and all(r["status"] == "skipped" for r in wide), wide
assert all("--ack-risk wide" in json.loads(l)["result"]["error"] for l in open(run + "/results.jsonl")
           if json.loads(l)["data"]["profile"] == sys.argv[2])
assert json.load(open(run + "/summary.json"))["data"]["counts"]["skipped"] == 1
assert any(r["profile"] == "minimal" and r["status"] == "ran" for r in recs)
' "$IT_SCRATCH/gate" "$WIDE"
expect_rc 0 "with --ack-risk the tier-2 profile runs" -- \
	"$LATCH" lab run "$IT_SCRATCH/gate.json" --ack-risk wide --out "$IT_SCRATCH/gate-ack"
pyjson "...in every lane" '
import json, sys
recs = [json.loads(l)["data"] for l in open(sys.argv[1] + "/LATEST/results.jsonl")]
assert all(r["status"] == "ran" for r in recs if r["profile"] == sys.argv[2]), recs
' "$IT_SCRATCH/gate-ack" "$WIDE"
sed 's/"group": "mixed"/"group": "mixed", "ack_risk": ["wide"]/' "$IT_SCRATCH/gate.json" >"$IT_SCRATCH/gate-row.json"
expect_rc 0 "a plan row's ack_risk acknowledges it too" -- \
	"$LATCH" lab run "$IT_SCRATCH/gate-row.json" --out "$IT_SCRATCH/gate-row"
pyjson "...and it runs" '
import json, sys
recs = [json.loads(l)["data"] for l in open(sys.argv[1] + "/LATEST/results.jsonl")]
assert all(r["status"] == "ran" for r in recs if r["profile"] == sys.argv[2]), recs
' "$IT_SCRATCH/gate-row" "$WIDE"
expect_fail_with "--ack-risk wide" "latch probe refuses a tier-2 profile without --ack-risk" -- \
	"$LATCH" probe -p "$WIDE" world_shape
expect_rc 0 "latch probe runs it with --ack-risk" -- "$LATCH" probe -p "$WIDE" --ack-risk wide world_shape
expect_output_contains "skipped: profile 'wide' is risk tier 2" "latch matrix skips it without --ack-risk" -- \
	"$LATCH" matrix --plan "$IT_SCRATCH/gate.json" --group mixed net_op --op udp_send
expect_output_lacks "skipped" "latch matrix runs it with --ack-risk" -- \
	"$LATCH" matrix --plan "$IT_SCRATCH/gate.json" --group mixed --ack-risk wide net_op --op udp_send

# ---- a kernel limit that this kernel lacks, by capping the ABI ---------------

cat >"$IT_SCRATCH/abi.json" <<'EOF'
{"schema_version": 1, "plan_id": "abi", "profiles": ["readonly"],
 "rows": [{"row_id": "truncate", "probe_id": "fs_op", "args": ["--op", "truncate"]},
          {"row_id": "expect-wrong", "probe_id": "fs_op", "args": ["--op", "open_write"], "expected": {"readonly": "ok"}}]}
EOF
if [ "$(landlock_abi)" -ge 3 ]; then
	run env LATCH_LANDLOCK_ABI=2 "$LATCH" lab run "$IT_SCRATCH/abi.json" --out "$IT_SCRATCH/abi"
	pyjson "Landlock ABI 2 cannot refuse truncate: a kernel_limit, not an enforcement_gap" '
import json, sys
run = sys.argv[1] + "/LATEST"
ms = {json.loads(l)["data"]["row_id"]: json.loads(l)["data"] for l in open(run + "/mismatches.jsonl")}
t = ms["truncate"]
assert t["mismatch_reason"] == "kernel_limit" and t["kernel_limit"]["id"] == "landlock_abi_lacks_right", t
assert json.load(open(run + "/run_manifest.json"))["data"]["landlock"]["abi_applied"] == 2
e = ms["expect-wrong"]
assert e["mismatch_reason"] == "expectation_mismatch" and e["expected"] == ["ok"], e
' "$IT_SCRATCH/abi"
	check "...and the run still exits 0" test "$rc" -eq 0
else
	skip "Landlock ABI 2 cannot refuse truncate" "this kernel's Landlock ABI is below 3"
fi

# ---- latch matrix ----------------------------------------------------------------

run "$LATCH" matrix --group builtin --html "$IT_SCRATCH/matrix.html" fs_op --op open_read --path-class system_secrets
if [ "$rc" -eq 0 ] && contains "$out" "minimal" && contains "$out" "codex" && contains "$out" "denied"; then
	ok "matrix --group builtin: one probe across every built-in profile"
else
	not_ok "matrix --group builtin: one probe across every built-in profile" "$(_it_detail "latch matrix")"
fi
check "matrix --html writes the grid" grep -q 'claude-code' "$IT_SCRATCH/matrix.html"
run "$LATCH" matrix --group agents --json net_op --op tcp_connect --port 443
pyjson "matrix --json: one envelope with the three lanes per profile" '
import json, sys
e = json.loads(sys.argv[1])
assert e["kind"] == "matrix_report", e["kind"]
d = e["data"]
assert [p["profile"] for p in d["profiles"]] == ["agent", "claude-code", "codex"]
for p in d["profiles"]:
    assert p["sandboxed"]["data"]["lane"] == "sandboxed" and p["oracle"]["data"]["lane"] == "oracle"
    # agent has no network, claude-code and codex reach TCP through the
    # proxy only: none connects to port 443 itself.
    assert p["oracle"]["result"]["normalized_outcome"] == "deny", p["oracle"]
assert d["baseline"]["data"]["lane"] == "baseline"
' "$out"
expect_fail_with "no group 'nope'" "matrix names the groups when one is unknown" -- \
	"$LATCH" matrix --group nope world_shape

done_testing
