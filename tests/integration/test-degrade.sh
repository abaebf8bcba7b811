#!/bin/sh
# Degradation is reported, refused on request, and true. LATCH_LANDLOCK_ABI
# caps the ABI latch compiles for, as on an older kernel: the warnings must
# name what is lost, --strict and "required" must refuse (starting nothing),
# and what a warning says is open must really be open -- while at the full
# ABI, in the same run, it is closed.
. "$(dirname "$0")/lib.sh"

S=$IT_SCRATCH
abi=$(landlock_abi)
MARK=$S/marker

cat >"$S/scoped.json" <<EOF
{
  "name": "degrade-test",
  "groups": ["system_read", "system_exec"],
  "filesystem": { "exec": ["$TRY_DIR"], "write": ["/dev/null", "$S"] },
  "process": { "signals": "scoped", "abstract_unix": "scoped", "ptrace": false }
}
EOF
cat >"$S/needs-scopes.json" <<EOF
{ "name": "needs-scopes", "extends": "$S/scoped.json", "required": ["landlock_scopes"] }
EOF
cat >"$S/needs-net.json" <<EOF
{ "name": "needs-net", "extends": "$S/scoped.json", "required": ["landlock_net"] }
EOF

if [ "$abi" -lt 6 ]; then
	skip "degradation of scopes" "Landlock ABI $abi < 6: nothing to cap from (latch doctor)"
	done_testing
	exit 0
fi

# ---- reported ----
expect_output_contains "latch: warning: landlock_scopes" "ABI 5: the lost signal scoping is reported at start" -- \
	env LATCH_LANDLOCK_ABI=5 "$LATCH" run -p "$S/scoped.json" -- /bin/true
check "ABI 5: and the program still ran (exit 0)" [ "$rc" -eq 0 ]
expect_output_contains "landlock_scopes" "ABI 5: --dry-run lists it under warnings" -- \
	env LATCH_LANDLOCK_ABI=5 "$LATCH" run --dry-run -p "$S/scoped.json" -- /bin/true
expect_output_lacks "latch: warning" "ABI $abi: no warning at the full ABI" -- \
	"$LATCH" run -p "$S/scoped.json" -- /bin/true
expect_output_lacks "latch: warning" "--quiet hides the warning" -- \
	env LATCH_LANDLOCK_ABI=5 "$LATCH" run --quiet -p "$S/scoped.json" -- /bin/true

# ---- refused on request, starting nothing ----
rm -f "$MARK"
expect_rc 125 "ABI 5 + --strict: refused (125)" -- \
	env LATCH_LANDLOCK_ABI=5 "$LATCH" run --strict -p "$S/scoped.json" -- sh -c 'touch "$1"' sh "$MARK"
check "ABI 5 + --strict: the command never ran" [ ! -e "$MARK" ]
expect_rc 0 "full ABI + --strict: runs" -- \
	"$LATCH" run --strict -p "$S/scoped.json" -- sh -c 'touch "$1"' sh "$MARK"
check "full ABI + --strict: the command ran" [ -e "$MARK" ]
rm -f "$MARK"
expect_rc 125 "ABI 5 + required landlock_scopes: refused (125)" -- \
	env LATCH_LANDLOCK_ABI=5 "$LATCH" run -p "$S/needs-scopes.json" -- sh -c 'touch "$1"' sh "$MARK"
check "ABI 5 + required landlock_scopes: the command never ran" [ ! -e "$MARK" ]
expect_rc 0 "ABI 3 + required landlock_net: runs (network is off, seccomp holds it: nothing lost)" -- \
	env LATCH_LANDLOCK_ABI=3 "$LATCH" run --quiet -p "$S/needs-net.json" -- /bin/true
expect_rc 0 "ABI 6 + required landlock_scopes: runs (scopes are there)" -- \
	env LATCH_LANDLOCK_ABI=6 "$LATCH" run --quiet -p "$S/needs-scopes.json" -- /bin/true
expect_rc 125 "LATCH_LANDLOCK_ABI=0: no Landlock, refused" -- \
	env LATCH_LANDLOCK_ABI=0 "$LATCH" run -p "$S/scoped.json" -- sh -c 'touch "$1"' sh "$MARK"
check "LATCH_LANDLOCK_ABI=0: the command never ran" [ ! -e "$MARK" ]
expect_rc 125 "LATCH_LANDLOCK_ABI=abc: a malformed cap is refused" -- \
	env LATCH_LANDLOCK_ABI=abc "$LATCH" run -p "$S/scoped.json" -- /bin/true

# ---- true: the hole the warning names is open, and closed at the full ABI ----
bg_start "$S/sleep.out" sleep 30
spid=$bg_pid
# In static mode, where Landlock alone stands between the sandbox and the
# process (isolated mode hides it in another pid namespace).
expect_op EPERM "full ABI: signalling a process outside is EPERM" -- \
	"$LATCH" run --no-namespaces -p "$S/scoped.json" -- "$TRY" kill "$spid" 0
expect_op ok "ABI 5 (reported as lost): signalling the same process works" -- \
	env LATCH_LANDLOCK_ABI=5 "$LATCH" run --no-namespaces --quiet -p "$S/scoped.json" -- "$TRY" kill "$spid" 0
bg_stop "$spid"

done_testing
