#!/bin/sh
# The built-in minimal profile: system programs run and read what they need,
# nothing is written anywhere, and Landlock binds root too.
. "$(dirname "$0")/lib.sh"

M() {
	"$LATCH" run -p minimal -- "$@"
}

expect_rc 0 "latch run -p minimal -- true exits 0" -- M true
expect_why allow minimal exec /usr/bin/true

# ---- reading ----
expect_output_contains "root:" "cat /etc/passwd works" -- M cat /etc/passwd
check "cat /etc/passwd exited 0" [ "$rc" -eq 0 ]
expect_why allow minimal read /etc/passwd
if [ "$IT_UID" -eq 0 ]; then
	expect_rc 0 "outside, root reads /etc/shadow (baseline)" -- cat /etc/shadow
fi
expect_fail_with "Permission denied" "cat /etc/shadow is refused (uid $IT_UID: Landlock binds root too)" -- \
	M cat /etc/shadow
check "nothing of /etc/shadow was printed" [ -z "$out" ]
expect_why deny minimal read /etc/shadow
expect_fail_with "Permission denied" "cat of a project file is refused (minimal grants no project)" -- \
	M cat "$PROJECT/README.md"
expect_why deny minimal read "$PROJECT/README.md"

# ---- writing: nowhere ----
probe=latch-it-minimal-probe.$$
for dir in "$HOME" "$PROJECT" /tmp "$TMPDIR"; do
	expect_fail_with "Permission denied" "writing a new file in $dir is refused" -- \
		M sh -c 'echo x >"$1"' sh "$dir/$probe"
	check "no file appeared in $dir" [ ! -e "$dir/$probe" ]
	expect_why deny minimal create "$dir/$probe"
done
expect_fail_with "Permission denied" "overwriting an existing project file is refused" -- \
	M sh -c 'echo x >"$1"' sh "$PROJECT/README.md"
check "the project file is unchanged" [ "$(head -n 1 "$PROJECT/README.md")" = "# project" ]
expect_why deny minimal write "$PROJECT/README.md"
expect_fail_with "Permission denied" "mkdir in \$HOME is refused" -- M mkdir "$HOME/newdir"
check "no directory appeared in \$HOME" [ ! -e "$HOME/newdir" ]

# ---- environment and network ----
run env MINIMAL_UNLISTED=1 LANG=C.UTF-8 "$LATCH" run -p minimal -- env
check "env: a variable outside the keep list is gone" lacks "$out" MINIMAL_UNLISTED
check "env: LANG (kept) is there" eval 'printf "%s\n" "$out" | grep -qx "LANG=C.UTF-8"'
expect_fail_with PermissionError "network off: python3 socket.socket() is refused" -- \
	M /usr/bin/python3 -c 'import socket; socket.socket()'
expect_rc 0 "network off: python3 socket.socketpair() (AF_UNIX) works" -- \
	M /usr/bin/python3 -c 'import socket; socket.socketpair()'
expect_why deny minimal tcp_connect 443

done_testing
