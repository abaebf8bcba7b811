#!/bin/sh
# Filesystem rules, class by class: for every access an allowed and a denied
# case in the same profile with the same program, each checked against
# `latch why`. Real programs (cat, sh, touch, rm, mkdir, rmdir, mv, ln) where
# natural, try-op where the errno matters.
. "$(dirname "$0")/lib.sh"

W=$IT_SCRATCH/fs
P=$PROJECT
mkdir -p "$W/ro/emptydir" "$W/hidden" "$W/cr" "$W/box"
echo readable-content >"$W/ro/file.txt"
echo mvin >"$W/ro/mvin"
echo rmme >"$W/ro/rmme"
echo hidden-content >"$W/hidden/file.txt"
echo existing >"$W/cr/existing"
echo original >"$P/existing"
echo delme >"$P/delme"
echo mvout >"$P/mvout"
echo a >"$P/renameme"
echo linkme >"$P/linkme"
echo trunc-me >"$P/trunc"
mkdir "$P/emptydir"
cp /bin/true "$P/mytrue"
printf '#!/bin/sh\necho script-ran\n' >"$P/script.sh"
chmod 755 "$P/mytrue" "$P/script.sh"

PF=$IT_SCRATCH/fs.json
cat >"$PF" <<EOF
{
  "name": "fs-test",
  "description": "integration test: one directory per class",
  "groups": ["system_read", "system_exec"],
  "filesystem": {
    "exec": ["$TRY_DIR"],
    "read": ["$W/ro"],
    "create": ["$W/cr"],
    "write": ["\$CWD", "/dev/null", "$W/later", "$W/box"],
    "deny": ["\$HOME/.ssh"]
  }
}
EOF

L() {
	"$LATCH" run -p "$PF" -- "$@"
}

expect_rc 0 "the test profile is valid" -- "$LATCH" profile check "$PF"

# ---- read ----
expect_output_contains readable-content "read: cat a file in a read directory" -- L cat "$W/ro/file.txt"
check "read: cat exited 0" [ "$rc" -eq 0 ]
expect_why allow "$PF" read "$W/ro/file.txt"
expect_fail_with "Permission denied" "read: cat a file in an unlisted directory is refused" -- L cat "$W/hidden/file.txt"
check "read: the refused file's content never appears" [ "$(printf '%s' "$out$err" | grep -c hidden-content)" -eq 0 ]
expect_why deny "$PF" read "$W/hidden/file.txt"

# ---- write (open an existing file for writing; '>' also truncates) ----
expect_rc 0 "write: sh -c 'echo > existing' in the project" -- L sh -c 'echo changed >"$1"' sh "$P/existing"
check "write: the project file was changed" [ "$(cat "$P/existing")" = changed ]
expect_why allow "$PF" write "$P/existing"
expect_fail_with "Permission denied" "write: sh -c 'echo > file' in a read directory is refused" -- \
	L sh -c 'echo changed >"$1"' sh "$W/ro/file.txt"
check "write: the read-only file is unchanged" [ "$(cat "$W/ro/file.txt")" = readable-content ]
expect_why deny "$PF" write "$W/ro/file.txt"
expect_op ok "write: try-op write in the project" -- L "$TRY" write "$P/existing"
expect_op EACCES "write: try-op write in a read directory is EACCES" -- L "$TRY" write "$W/ro/file.txt"

# ---- create ----
expect_rc 0 "create: touch a new file in the project" -- L touch "$P/created"
check "create: the new project file exists" [ -f "$P/created" ]
expect_why allow "$PF" create "$P/created2"
expect_fail_with "Permission denied" "create: touch a new file in a read directory is refused" -- L touch "$W/ro/created"
check "create: no file appeared in the read directory" [ ! -e "$W/ro/created" ]
expect_why deny "$PF" create "$W/ro/created"
expect_op ok "create: try-op create in the project" -- L "$TRY" create "$P/created-by-try-op"
expect_op EACCES "create: try-op create in a read directory is EACCES" -- L "$TRY" create "$W/ro/created"

# ---- delete ----
expect_rc 0 "delete: rm a file in the project" -- L rm -f "$P/delme"
check "delete: the project file is gone" [ ! -e "$P/delme" ]
expect_why allow "$PF" delete "$P/created"
expect_fail_with "Permission denied" "delete: rm a file in a read directory is refused" -- L rm -f "$W/ro/rmme"
check "delete: the read-only file is still there" [ -f "$W/ro/rmme" ]
expect_why deny "$PF" delete "$W/ro/rmme"

# ---- mkdir / rmdir ----
expect_rc 0 "mkdir: in the project" -- L mkdir "$P/newdir"
check "mkdir: the directory exists" [ -d "$P/newdir" ]
expect_why allow "$PF" create "$P/newdir2"
expect_fail_with "Permission denied" "mkdir: in a read directory is refused" -- L mkdir "$W/ro/newdir"
check "mkdir: no directory appeared" [ ! -e "$W/ro/newdir" ]
expect_why deny "$PF" create "$W/ro/newdir"
expect_rc 0 "rmdir: an empty directory in the project" -- L rmdir "$P/emptydir"
check "rmdir: it is gone" [ ! -e "$P/emptydir" ]
expect_why allow "$PF" delete "$P/newdir"
expect_fail_with "Permission denied" "rmdir: an empty directory in a read directory is refused" -- L rmdir "$W/ro/emptydir"
check "rmdir: it is still there" [ -d "$W/ro/emptydir" ]
expect_why deny "$PF" delete "$W/ro/emptydir"

# ---- rename ----
expect_rc 0 "rename: mv within the project" -- L mv "$P/renameme" "$P/renamed"
check "rename: the file moved within the project" eval '[ -f "$P/renamed" ] && [ ! -e "$P/renameme" ]'
expect_why allow "$PF" delete "$P/renamed"
expect_why allow "$PF" create "$P/renamed-again"
expect_rc '!0' "rename: mv from the project into a read directory is refused" -- L mv "$P/mvout" "$W/ro/"
check "rename: the file stayed in the project" eval '[ -f "$P/mvout" ] && [ ! -e "$W/ro/mvout" ]'
expect_why deny "$PF" create "$W/ro/mvout"
expect_rc '!0' "rename: mv from a read directory into the project is refused" -- L mv "$W/ro/mvin" "$P/"
check "rename: the file stayed in the read directory" eval '[ -f "$W/ro/mvin" ] && [ ! -e "$P/mvin" ]'
expect_why deny "$PF" delete "$W/ro/mvin"
expect_op EACCES "rename: try-op rename out of the project into a read directory" -- \
	L "$TRY" rename "$P/mvout" "$W/ro/mvout"
expect_op ok "rename: try-op rename within the project" -- L "$TRY" rename "$P/renamed" "$P/renamed-again"

# ---- hard links ----
expect_rc 0 "link: ln within the project" -- L ln "$P/linkme" "$P/linked"
check "link: the link exists" [ -f "$P/linked" ]
expect_why allow "$PF" create "$P/linked2"
expect_fail_with "Permission denied" "link: ln from the project into a read directory is refused" -- \
	L ln "$P/linkme" "$W/ro/linked"
check "link: no link appeared in the read directory" [ ! -e "$W/ro/linked" ]
expect_why deny "$PF" create "$W/ro/linked"
# A link into the project would make a read-only file writable there:
# Landlock refuses with EXDEV, and why agrees that writing it is denied.
expect_op EXDEV "link: try-op link of a read-only file into the project is EXDEV" -- \
	L "$TRY" link "$W/ro/file.txt" "$P/ro-linked"
check "link: no link of the read-only file appeared" [ ! -e "$P/ro-linked" ]
expect_why deny "$PF" write "$W/ro/file.txt"
run L sh -c 'ln "$1" ./stolen; cat ./stolen' sh "$HOME/.ssh/id_rsa"
check "link: ln ~/.ssh/id_rsa into the project and cat it fails" [ "$rc" -ne 0 ]
check "link: the ssh marker never appears" lacks "$out$err" "$IT_MARK_SSH"
check "link: no hard link to the key was made" [ ! -e "$P/stolen" ]
expect_why deny "$PF" read "$HOME/.ssh/id_rsa"

# ---- symlinks: creating the link is fine, reading through it is not ----
expect_why allow "$PF" create "$P/l"
run L sh -c 'ln -s "$1" ./l && cat ./l' sh "$HOME/.ssh/id_rsa"
check "symlink: cat through a link to ~/.ssh/id_rsa fails" [ "$rc" -ne 0 ]
check "symlink: the error is Permission denied" contains "$err" "Permission denied"
check "symlink: the ssh marker never appears" lacks "$out$err" "$IT_MARK_SSH"
check "symlink: the link itself was created in the project" [ -L "$P/l" ]
expect_why deny "$PF" read "$P/l"
expect_op EACCES "symlink: try-op read through the link is EACCES" -- L "$TRY" read "$P/l"
run L sh -c 'ln -s "$1" ./l2 && cat ./l2' sh "$W/ro/file.txt"
check "symlink: a link to a readable file reads fine" eval '[ "$rc" -eq 0 ] && contains "$out" readable-content'
expect_why allow "$PF" read "$P/l2"

# ---- truncate ----
expect_op ok "truncate: try-op truncate in the project" -- L "$TRY" truncate "$P/trunc"
check "truncate: the project file is empty" [ ! -s "$P/trunc" ]
expect_why allow "$PF" truncate "$P/trunc"
expect_op EACCES "truncate: try-op truncate in a read directory is EACCES" -- L "$TRY" truncate "$W/ro/file.txt"
check "truncate: the read-only file kept its content" [ "$(cat "$W/ro/file.txt")" = readable-content ]
expect_why deny "$PF" truncate "$W/ro/file.txt"

# ---- exec ----
expect_rc 0 "exec: /bin/true runs" -- L /bin/true
expect_why allow "$PF" exec /bin/true
expect_rc 126 "exec: a copy of true in the project (no exec right) exits 126" -- L "$P/mytrue"
check "exec: latch says why it could not execute" contains "$err" "latch:"
expect_why deny "$PF" exec "$P/mytrue"
expect_rc 126 "exec: a script in the project exits 126" -- L "$P/script.sh"
check "exec: the script did not run" lacks "$out" script-ran
expect_why deny "$PF" exec "$P/script.sh"
expect_rc 126 "exec: sh inside the sandbox cannot run the copy either (126)" -- L sh -c '"$1"' sh "$P/mytrue"
expect_rc 0 "exec: sh inside the sandbox runs /bin/true" -- L sh -c '/bin/true'
expect_op EACCES "exec: try-op exec of the project copy is EACCES" -- L "$TRY" exec "$P/mytrue"

# ---- list a directory ----
expect_rc 0 "listdir: ls a read directory" -- L ls "$W/ro"
check "listdir: ls shows the read directory's files" contains "$out" file.txt
expect_why allow "$PF" read "$W/ro"
expect_fail_with "Permission denied" "listdir: ls an unlisted directory is refused" -- L ls "$W/hidden"
expect_why deny "$PF" read "$W/hidden"
expect_op EACCES "listdir: try-op listdir of ~/.ssh is EACCES" -- L "$TRY" listdir "$HOME/.ssh"
expect_why deny "$PF" read "$HOME/.ssh"

# ---- the create class: create and write, never delete or truncate ----
expect_rc 0 "create class: touch a new file" -- L touch "$W/cr/new"
check "create class: the new file exists" [ -f "$W/cr/new" ]
expect_why allow "$PF" create "$W/cr/new2"
expect_rc 0 "create class: append to an existing file" -- L sh -c 'echo more >>"$1"' sh "$W/cr/existing"
check "create class: the file was appended to" [ "$(cat "$W/cr/existing")" = "existing
more" ]
expect_why allow "$PF" write "$W/cr/existing"
expect_rc 0 "create class: mkdir" -- L mkdir "$W/cr/dir"
expect_fail_with "Permission denied" "create class: rm is refused" -- L rm -f "$W/cr/existing"
check "create class: the file is still there" [ -f "$W/cr/existing" ]
expect_why deny "$PF" delete "$W/cr/existing"
expect_fail_with "Permission denied" "create class: rmdir is refused" -- L rmdir "$W/cr/dir"
expect_why deny "$PF" delete "$W/cr/dir"
expect_op EACCES "create class: try-op truncate is EACCES" -- L "$TRY" truncate "$W/cr/existing"
expect_fail_with "Permission denied" "create class: 'echo > file' (O_TRUNC) is refused" -- \
	L sh -c 'echo x >"$1"' sh "$W/cr/existing"
check "create class: the file was not truncated" [ "$(cat "$W/cr/existing")" = "existing
more" ]
expect_why deny "$PF" truncate "$W/cr/existing"
expect_op EACCES "create class: try-op rename away is EACCES" -- L "$TRY" rename "$W/cr/new" "$P/from-cr"

# ---- a rule's own directory is governed by its parent ----
# A write rule on $W/box grants everything beneath it, but removing box itself
# needs remove_dir on $W, which nothing grants.
expect_op ok "own dir: create inside a write-rule directory" -- L "$TRY" create "$W/box/f"
expect_why allow "$PF" create "$W/box/f2"
expect_op EACCES "own dir: rmdir of the write-rule directory itself is EACCES" -- L "$TRY" rmdir "$W/box"
expect_why deny "$PF" delete "$W/box"

# ---- a rule for a path that does not exist when the sandbox starts ----
run "$LATCH" run --dry-run -p "$PF" -- true
printf '%s\n' "$out" >"$IT_SCRATCH/plan.json"
skipped=$(/usr/bin/python3 - "$IT_SCRATCH/plan.json" "$W/later" <<'EOF'
import json, sys
plan = json.load(open(sys.argv[1]))
rules = [r for r in plan["data"]["landlock"]["rules"] if r["path"] == sys.argv[2]]
print(json.dumps(rules[0]["skipped"]) if rules else "no-rule")
EOF
)
case $skipped in
'"'*) ok "missing path: the dry-run plan marks the rule for $W/later skipped ($skipped)" ;;
*) not_ok "missing path: the dry-run plan marks the rule for $W/later skipped" "skipped: $skipped" ;;
esac
expect_op EACCES "missing path: mkdir of the missing write-rule directory is EACCES" -- L "$TRY" mkdir "$W/later"
expect_why deny "$PF" create "$W/later"
mkdir "$W/later"
expect_op ok "missing path: once created outside, the rule applies at the next start" -- \
	L "$TRY" create "$W/later/f"
expect_why allow "$PF" create "$W/later/f2"
run "$LATCH" run --dry-run -p "$PF" -- true
printf '%s\n' "$out" >"$IT_SCRATCH/plan.json"
skipped=$(/usr/bin/python3 - "$IT_SCRATCH/plan.json" "$W/later" <<'EOF'
import json, sys
plan = json.load(open(sys.argv[1]))
rules = [r for r in plan["data"]["landlock"]["rules"] if r["path"] == sys.argv[2]]
print(json.dumps(rules[0]["skipped"]) if rules else "no-rule")
EOF
)
check "missing path: once it exists the plan no longer marks it skipped" [ "$skipped" = null ]

done_testing
