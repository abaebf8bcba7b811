#!/bin/sh
# The write overlay (README, "Review and commit"): `latch run --overlay`
# leaves the project as it was and keeps the program's writes, removals
# and renames in the session; `latch diff` lists them with a unified diff,
# `latch commit` applies them (one path, or all; refused, naming the file,
# when the real file changed since), `latch discard` drops them. Protected
# paths stay protected inside the overlay; where no overlay can be had the
# run refuses, saying why.
. "$(dirname "$0")/lib.sh"

ACK="--ack-risk agent"
cd "$PROJECT" || exit 1
printf 'one\ntwo\nthree\n' >a.txt
echo gone >b.txt
echo stays >m.txt
mkdir sub && echo s >sub/s.txt

run "$LATCH" run $ACK -q -p agent --overlay -- sh -c 'printf "one\nTWO\nthree\n" >a.txt && rm b.txt && echo new >c.txt &&
	mkdir -p d && echo x >d/x && mv m.txt moved.txt && cat a.txt c.txt'
check "--overlay: the program sees its own writes" [ "$out" = "$(printf 'one\nTWO\nthree\nnew')" ]
check "...exit 0" [ "$rc" -eq 0 ]
check "...and the project is as it was: a.txt unchanged" [ "$(cat a.txt)" = "$(printf 'one\ntwo\nthree')" ]
check "...b.txt still there, m.txt not moved" sh -c '[ -f b.txt ] && [ -f m.txt ]'
check "...nothing new" sh -c '[ ! -e c.txt ] && [ ! -e d ] && [ ! -e moved.txt ]'
ID=$(ls "$HOME/.local/state/latch/sessions" | tail -n 1)
check "...the changes lie in the session's directory" [ -f "$HOME/.local/state/latch/sessions/$ID/overlay/0/upper/c.txt" ]

run "$LATCH" diff
check "diff: a changed file" contains "$out" "M $PROJECT/a.txt"
check "...a deleted one" contains "$out" "D $PROJECT/b.txt"
check "...added ones" contains "$out" "A $PROJECT/c.txt"
check "...and a directory" contains "$out" "A $PROJECT/d/"
check "...a rename as a removal" contains "$out" "D $PROJECT/m.txt"
check "...and an addition" contains "$out" "A $PROJECT/moved.txt"
check "...and a unified diff of the text" contains "$out" "$(printf '@@ -1,3 +1,3 @@\n one\n-two\n+TWO\n three')"
run "$LATCH" diff --json "$ID"
check "diff --json: kind overlay_diff, with each change" \
	[ "$(printf '%s' "$out" | /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["kind"], sorted(c["change"][0] for c in d["data"]["changes"]))')" = \
	"overlay_diff ['a', 'a', 'a', 'a', 'c', 'd', 'd']" ]
run "$LATCH" log show "$ID"
check "log show says what the overlay holds" contains "$out" "overlay:  4 added, 1 changed, 2 deleted when the run ended"

# One path, then a conflict, then the rest.
expect_rc 0 "commit PATH: applies that path" -- "$LATCH" commit "$ID" c.txt
check "...c.txt is in the project" [ "$(cat c.txt)" = new ]
check "...and nothing else yet" [ "$(cat a.txt)" = "$(printf 'one\ntwo\nthree')" ]
check "...b.txt is still there" [ -f b.txt ]
run "$LATCH" diff "$ID"
check "...and diff no longer lists it" lacks "$out" "c.txt"
echo 'changed by someone else' >>a.txt
expect_fail_with "$PROJECT/a.txt changed since the run ended" "commit: a real file changed meanwhile is named" -- \
	"$LATCH" commit "$ID"
check "...exit 3" [ "$rc" -eq 3 ]
check "...and nothing was applied" sh -c '[ -f b.txt ] && [ ! -e d ]'
printf 'one\ntwo\nthree\n' >a.txt
expect_rc 0 "commit: with the file as it was, everything applies" -- "$LATCH" commit "$ID"
check "...a.txt changed" [ "$(cat a.txt)" = "$(printf 'one\nTWO\nthree')" ]
check "...b.txt removed, m.txt moved" sh -c '[ ! -e b.txt ] && [ ! -e m.txt ] && [ "$(cat moved.txt)" = stays ]'
check "...d/x made" [ "$(cat d/x)" = x ]
run "$LATCH" diff "$ID"
check "...and nothing is left to commit" contains "$out" "no changes in its overlay"

# Discard.
run "$LATCH" run $ACK -q -p agent --overlay -- sh -c 'echo junk >junk.txt'
ID2=$(ls "$HOME/.local/state/latch/sessions" | tail -n 1)
expect_output_contains "1 change discarded" "discard: drops the changes" -- "$LATCH" discard "$ID2"
check "...the project never saw them" [ ! -e junk.txt ]
check "...and the overlay is gone, work directory and all" [ ! -e "$HOME/.local/state/latch/sessions/$ID2/overlay" ]

# Code that runs later stays protected in the overlay.
run "$LATCH" run $ACK -q -p agent --overlay -- sh -c 'echo evil >.git/hooks/pre-commit'
check "--overlay: a git hook is still refused (supervised)" [ "$rc" -ne 0 ]
run "$LATCH" run $ACK -q -p agent --no-supervise --overlay -- sh -c 'echo evil >.git/hooks/pre-commit'
check "...and without a supervisor" [ "$rc" -ne 0 ]
run "$LATCH" diff
check "...so no hook is in the overlay" lacks "$out" "pre-commit"

# Where no overlay can be had.
expect_fail_with "an overlay needs the sandbox's own mount namespace" "--overlay with --no-namespaces refuses, saying why" -- \
	"$LATCH" run $ACK -p agent --no-namespaces --overlay -- true
check "...exit 125" [ "$rc" -eq 125 ]
expect_fail_with "which --no-log does without" "--overlay with --no-log refuses" -- \
	"$LATCH" run $ACK -p agent --no-log --overlay -- true
expect_fail_with "no session" "diff of an unknown ID: a usage error" -- "$LATCH" diff 20200101T000000.000-1
check "...exit 2" [ "$rc" -eq 2 ]

done_testing
