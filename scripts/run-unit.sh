#!/bin/sh
# Run the cmocka unit test programs and print one summary line:
#   unit: N passed, N failed, N skipped
# Exit status is 0 iff every test passed.
set -u
passed=0
failed=0
skipped=0
for t in "$@"; do
	# LATCH_TEST (`make check T=NAME`): only the programs whose name holds it.
	case $(basename "$t") in *"${LATCH_TEST-}"*) ;; *) continue ;; esac
	# LATCH_TEST_FUNC (`make check TF=NAME`) is read by the program itself
	# (tests/unit/cmocka-filter.c): only its functions whose name holds it.
	out=$("$t" 2>&1)
	rc=$?
	printf '%s\n' "$out"
	p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -n 1)
	f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -n 1)
	s=$(printf '%s\n' "$out" | sed -n 's/^ *\([0-9]*\) SKIPPED TEST(S)$/\1/p' | tail -n 1)
	passed=$((passed + ${p:-0}))
	skipped=$((skipped + ${s:-0}))
	failed=$((failed + ${f:-0}))
	# A crash or a non-zero exit without a FAILED line still counts.
	if [ "$rc" -ne 0 ] && [ -z "$f" ]; then
		echo "unit: $t exited with status $rc"
		failed=$((failed + 1))
	fi
done
echo "unit: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
