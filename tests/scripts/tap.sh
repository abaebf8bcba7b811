# tap.sh -- TAP helpers for the tests in tests/scripts/ (POSIX sh; sourced).
# ok, not_ok DESC [DETAIL], check DESC CMD... and done_testing, which prints
# the plan and the `# counts: P F S` line scripts/check.sh adds up.

passed=0
failed=0

ok() {
	echo "ok - $1"
	passed=$((passed + 1))
}

# not_ok DESC [DETAIL]: DETAIL (its last 20 lines) is printed as comments.
not_ok() {
	echo "not ok - $1"
	[ -n "${2-}" ] && printf '%s\n' "$2" | tail -n 20 | sed 's/^/#   /'
	failed=$((failed + 1))
}

# check DESC CMD...: ok when CMD succeeds.
check() {
	_d=$1
	shift
	if "$@"; then ok "$_d"; else not_ok "$_d"; fi
}

done_testing() {
	echo "1..$((passed + failed))"
	echo "# counts: $passed $failed 0"
	[ "$failed" -eq 0 ]
	exit $?
}
