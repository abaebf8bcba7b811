#!/bin/sh
# macOS Seatbelt on this machine: `latch profile render --sbpl` prints a
# profile (its precedence is proven in tests/unit/test-sbpl.c), says what
# Seatbelt cannot express, and `latch run --backend seatbelt` refuses in one
# line with the usage exit code, starting nothing.
. "$(dirname "$0")/lib.sh"

S=$IT_SCRATCH
MARKER=$S/marker
cwd=$(pwd -P)

run "$LATCH" profile render --sbpl agent
check "render --sbpl agent: exit 0" [ "$rc" -eq 0 ]
check "render --sbpl agent: a (version 1) profile that denies by default" \
	eval 'contains "$out" "(version 1)
(deny default)"'
check "render --sbpl agent: the project, from this directory, is writable" \
	contains "$out" "(subpath \"$cwd\")"
check "render --sbpl agent: creating in the project is decided strictly below it" \
	contains "$out" "(allow file-write-create file-write-unlink (regex #\"^"
check "render --sbpl agent: the network is off" contains "$out" "(deny network*)"
check "render --sbpl agent: what Seatbelt cannot express is a warning (private /tmp)" \
	sh -c "printf '%s\n' \"\$1\" | grep -q '^latch: warning: sbpl: private /tmp'" sh "$err"

run "$LATCH" profile render --sbpl --json agent
check "render --sbpl --json: one profile_render envelope" \
	eval '[ "$rc" -eq 0 ] && [ "$(printf "%s\n" "$out" | wc -l)" -eq 1 ] && contains "$out" "\"kind\":\"profile_render\""'
check "render --sbpl --json: the notes are in data.not_expressible" \
	contains "$out" '"key":"filesystem.private"'
check "render --sbpl --json: the text is in data.sbpl" contains "$out" '"sbpl":";; latch profile agent'
check "render --sbpl --json: nothing on stderr" [ -z "$err" ]

expect_rc 2 "render without --sbpl is a usage error" -- "$LATCH" profile render agent
expect_rc 125 "render of an unknown profile fails" -- "$LATCH" profile render --sbpl no-such-profile

rm -f "$MARKER"
run "$LATCH" run --backend seatbelt -p agent -- sh -c "touch '$MARKER'"
check "run --backend seatbelt: exit 2, one line 'seatbelt: macOS only', nothing ran" \
	eval '[ "$rc" -eq 2 ] && [ "$err" = "latch: seatbelt: macOS only" ] && [ ! -e "$MARKER" ]'
expect_rc 0 "run --backend linux is the default backend" -- "$LATCH" run --backend linux -p minimal -- true

done_testing
