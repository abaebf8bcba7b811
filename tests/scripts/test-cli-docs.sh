#!/bin/sh
# The command line's documentation, checked against the code: every option
# of every getopt table in src/cli/ is described, one line each, in its
# command's --help and named in its command's section of man/latch.1
# (`.SS "latch CMD"`); every option the man page names exists; --help exits
# 0 on stdout and fits 80 columns; the man page renders without a warning
# and has its sections; every exit code of cli.h is in its EXIT STATUS and
# in the README, every variable latch reads (getenv in src/) in its
# ENVIRONMENT. Needs the built latch (LATCH_BUILD, default build/). Prints
# TAP lines and `# counts: P F S`.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
latch=$root/${LATCH_BUILD:-build}/latch
case ${LATCH_BUILD-} in /*) latch=$LATCH_BUILD/latch ;; esac
man=$root/man/latch.1
T=$(mktemp -d /tmp/latch-docs.XXXXXX) || exit 1
trap 'rm -rf "$T"' EXIT
. "$root/tests/scripts/tap.sh"

if [ ! -x "$latch" ]; then
	not_ok "$latch is missing (make build/latch)"
	done_testing
fi

# The man page as text to search: fonts dropped, \- as -.
plain() {
	sed -e 's/\\f[BIRP]//g' -e 's/\\-/-/g' "$@"
}
# section_of CMD: the text of `.SS "latch CMD"` (CMD empty: the OPTIONS section).
section_of() {
	if [ -n "$1" ]; then
		awk -v h=".SS \"latch $1\"" '$0 == h { on = 1; next } /^\.S[SH]/ { on = 0 } on' "$man" | plain
	else
		awk '/^\.SH OPTIONS$/ { on = 1; next } /^\.S[SH]/ { on = 0 } on' "$man" | plain
	fi
}
# sh_section NAME: the text of `.SH NAME`.
sh_section() {
	awk -v n="$1" '$0 == ".SH " n || $0 == ".SH \"" n "\"" { on = 1; next } /^\.SH/ { on = 0 } on' "$man" | plain
}
# has_flag TEXT FLAG: FLAG stands in TEXT as a word of its own.
has_flag() {
	printf '%s\n' "$1" | grep -qE -- "(^|[^a-zA-Z0-9-])$2([^a-zA-Z0-9-]|\$)"
}
# The options of a --help text: "--name", and "-x" where it has a letter.
help_flags() {
	help_options "$1" | tr ' ' '\n'
}
# The same, one option a line: "-p --profile" or "--strict".
help_options() {
	sed -n -e 's/^  \(-[a-zA-Z]\), \(--[a-z0-9-]*\).*/\1 \2/p' -e 's/^      \(--[a-z0-9-]*\).*/\1/p' "$1"
}

# ---- latch --help ---------------------------------------------------------
"$latch" --help >"$T/main" 2>"$T/main.err"
rc=$?
check "latch --help exits 0, on stdout only" eval '[ "$rc" -eq 0 ] && [ ! -s "$T/main.err" ] && [ -s "$T/main" ]'
cmds=$(sed -n '/^commands:$/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p' "$T/main")
check "latch --help lists the commands, one line each" [ "$(printf '%s\n' "$cmds" | wc -l)" -ge 8 ]
wide=$(awk 'length > 79' "$T/main")
check "latch --help fits 80 columns" [ -z "$wide" ]
check "latch --help names --version and man latch" eval 'grep -q -- --version "$T/main" && grep -q "man latch" "$T/main"'
run_v=$("$latch" --version)
check "latch --version prints the version" [ "$run_v" = "latch $(sed -n 's/^VERSION := //p' "$root/Makefile")" ]
opts_sec=$(section_of "")
check "man: OPTIONS names --help, -h and --version" \
	eval 'has_flag "$opts_sec" --help && has_flag "$opts_sec" -h && has_flag "$opts_sec" --version'

# ---- every command's --help against the man page ---------------------------
all_flags=" --version"
for cmd in $cmds; do
	"$latch" "$cmd" --help >"$T/help.$cmd" 2>"$T/err.$cmd"
	rc=$?
	if [ "$rc" -eq 0 ] && [ ! -s "$T/err.$cmd" ] && grep -q "^usage: latch $cmd" "$T/help.$cmd" &&
		grep -q '^options:$' "$T/help.$cmd" && grep -q 'man latch' "$T/help.$cmd"; then
		ok "$cmd --help: exit 0, on stdout, usage, options and a pointer to man latch"
	else
		not_ok "$cmd --help: exit 0, on stdout, usage, options and a pointer to man latch" \
			"exit status $rc; stderr: $(cat "$T/err.$cmd")"
	fi
	wide=$(awk 'length > 79' "$T/help.$cmd")
	check "$cmd --help fits 80 columns${wide:+: $wide}" [ -z "$wide" ]
	undescribed=$(grep -- '(no description)' "$T/help.$cmd")
	check "$cmd --help describes every option${undescribed:+: $undescribed}" [ -z "$undescribed" ]
	help_flags "$T/help.$cmd" >"$T/flags.$cmd"
	check "$cmd --help lists --help" grep -qx -- --help "$T/flags.$cmd"
	sec=$(section_of "$cmd")
	missing=
	for f in $(cat "$T/flags.$cmd"); do
		has_flag "$sec" "$f" || missing="$missing $f"
		all_flags="$all_flags $f"
	done
	check "man: section 'latch $cmd' names every option of $cmd --help${missing:+ (missing:$missing)}" \
		eval '[ -n "$sec" ] && [ -z "$missing" ]'
done

# ---- the getopt tables in the source against --help -------------------------
# A table belongs to the command of its file (cmd-NAME.c), with the rows of
# the CLI_*_OPTIONS macros of cli.h it names; cli-util.c's (--json, --help)
# to each command that parses with cli_parse_json_flag.
table_flags() {
	grep -oE '\{ *"[a-z0-9-]+", *(no|required|optional)_argument' "$@" | sed 's/{ *"\([a-z0-9-]*\)".*/\1/'
}
n_tables=0
for src in "$root"/src/cli/cmd-*.c; do
	cmd=$(basename "$src" .c)
	cmd=${cmd#cmd-}
	[ -f "$T/flags.$cmd" ] || continue
	names=$(table_flags "$src")
	grep -q cli_parse_json_flag "$src" && names="$names $(table_flags "$root/src/cli/cli-util.c")"
	for m in $(grep -oE 'CLI_[A-Z_]+_OPTIONS' "$src" | sort -u); do
		names="$names $(sed -n "/^#define $m /,/[^\\]\$/p" "$root/src/cli/cli.h" | table_flags)"
	done
	[ -n "$names" ] || continue
	n_tables=$((n_tables + 1))
	missing=
	for n in $names; do
		grep -qx -- "--$n" "$T/flags.$cmd" || missing="$missing --$n"
	done
	check "src/cli/cmd-$cmd.c: every option of its getopt tables is in $cmd --help${missing:+ (missing:$missing)}" \
		[ -z "$missing" ]
done
check "the getopt tables of 8 commands were read (read: $n_tables)" [ "$n_tables" -ge 8 ]

# ---- the man page names no option that does not exist ------------------------
for id in $("$latch" probe --list --names); do
	all_flags="$all_flags $("$latch" probe "$id" --help | sed -n 's/^  \(--[a-z0-9-]*\).*/\1/p' | tr '\n' ' ')"
done
unknown=
for f in $(plain "$man" | grep -oE -- '(^|[^a-zA-Z0-9-])--[a-z][a-z0-9-]*' | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u); do
	case " $all_flags " in *" $f "*) ;; *) unknown="$unknown $f" ;; esac
done
check "man: every option it names is one of a command or a probe${unknown:+ (unknown:$unknown)}" [ -z "$unknown" ]

# ---- the man page itself ---------------------------------------------------
groff -man -Tutf8 -ww -z "$man" >"$T/groff.err" 2>&1
check "man: groff -ww renders it without a warning$( [ -s "$T/groff.err" ] && echo ": $(head -n 3 "$T/groff.err")")" \
	[ ! -s "$T/groff.err" ]
MANWIDTH=80 man --warnings -l "$man" >"$T/man.txt" 2>"$T/man.err"
check "man: man -l renders it without a warning" eval '[ -s "$T/man.txt" ] && [ ! -s "$T/man.err" ]'
missing=
for s in NAME SYNOPSIS DESCRIPTION OPTIONS COMMANDS "EXIT STATUS" ENVIRONMENT FILES EXAMPLES "SEE ALSO"; do
	grep -qx -e ".SH $s" -e ".SH \"$s\"" "$man" || missing="$missing '$s'"
done
check "man: has every section${missing:+ (missing:$missing)}" [ -z "$missing" ]
synopsis=$(sh_section SYNOPSIS)
missing=
for cmd in $cmds; do
	printf '%s\n' "$synopsis" | grep -q "^\.B latch $cmd" || missing="$missing $cmd"
done
check "man: the synopsis has every command${missing:+ (missing:$missing)}" [ -z "$missing" ]
missing=
help_options "$T/help.run" >"$T/options.run"
while read -r a b; do
	[ "$a" = -h ] && continue
	has_flag "$synopsis" "$a" || { [ -n "$b" ] && has_flag "$synopsis" "$b"; } || missing="$missing $a"
done <"$T/options.run"
check "man: the synopsis of run names every option of run${missing:+ (missing:$missing)}" [ -z "$missing" ]

# ---- exit codes and the environment ------------------------------------------
exits=$(sh_section 'EXIT STATUS')
readme_exits=$(sed -n '/^## Exit codes/,/^## /p' "$root/README.md")
missing=
for code in 0 $(sed -n 's/^#define EXIT_[A-Z_]* *\([0-9][0-9]*\).*/\1/p' "$root/src/cli/cli.h"); do
	printf '%s\n' "$exits" | grep -qx "\.B $code" || missing="$missing man:$code"
	printf '%s\n' "$readme_exits" | grep -q "^| $code |" || missing="$missing README:$code"
done
check "every exit code of src/cli/cli.h is in the man page and the README${missing:+ (missing:$missing)}" [ -z "$missing" ]
envsec=$(sh_section ENVIRONMENT)
missing=
for v in $(grep -rhoE 'getenv\("[A-Z_]+"\)' "$root/src" | sed 's/getenv("\(.*\)")/\1/' | sort -u); do
	printf '%s\n' "$envsec" | grep -qw -- "$v" || missing="$missing $v"
done
check "man: ENVIRONMENT names every variable latch reads${missing:+ (missing:$missing)}" [ -z "$missing" ]

done_testing
