#!/bin/sh
# liblatch as a program in another project would use it: the library as
# `make install` lays it out, a small C program built against it with
# `pkg-config --cflags --libs latch` (and once against the static archive),
# a sandboxed command whose denied read is granted from the program's own
# question callback, and the same read denied from it in the same run.
# Errors come back as values naming what is wrong; only latch_* symbols
# are exported.
. "$(dirname "$0")/lib.sh"

PREFIX=$(dirname "$LATCH")/../prefix
export PKG_CONFIG_PATH=$PREFIX/lib/pkgconfig
S=$IT_SCRATCH

# saw DESC NEEDLE, lacks DESC NEEDLE: the last run's output holds it, or not.
saw() {
	case "$out
$err" in
	*"$2"*) ok "$1" ;;
	*) not_ok "$1" "expected '$2' in the output of the last run: $out $err" ;;
	esac
}
lacks() {
	case "$out
$err" in
	*"$2"*) not_ok "$1" "'$2' is in the output of the last run: $out $err" ;;
	*) ok "$1" ;;
	esac
}

if [ ! -f "$PREFIX/lib/pkgconfig/latch.pc" ]; then
	not_ok "the library is installed for the test" "no $PREFIX/lib/pkgconfig/latch.pc (make check installs it)"
	done_testing
	exit
fi
for tool in cc pkg-config nm; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		skip "liblatch: $tool is not installed"
		done_testing
		exit
	fi
done

cat >"$S/prog.c" <<'EOF'
#include <latch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

static int asked, events;
static enum latch_answer answer;

static enum latch_answer on_question(const struct latch_question *q, void *data)
{
	(void)data;
	asked++;
	printf("asked: %s %s\n", q->access, q->path);
	return answer;
}

static void on_event(const char *line, void *data)
{
	(void)data;
	if (strstr(line, "\"kind\":\"sandbox_event\""))
		events++;
}

/* prog PROFILE ANSWER(once|deny|none) COMMAND...: run it, print what came back. */
int main(int argc, char **argv)
{
	struct latch_error err = { 0 };
	struct latch_run_options o = { 0 };
	struct latch_profile *p;
	int status;

	if (argc < 4)
		return 2;
	p = strchr(argv[1], '{') ? latch_profile_from_json(argv[1], strlen(argv[1]), &err)
				 : latch_profile_load(argv[1], &err);
	if (!p) {
		printf("profile error %d: %s\n", err.code, err.message);
		return 3;
	}
	answer = strcmp(argv[2], "once") == 0 ? LATCH_ANSWER_ALLOW_ONCE : LATCH_ANSWER_DENY;
	o.argv = argv + 3;
	o.on_question = strcmp(argv[2], "none") == 0 ? NULL : on_question;
	o.on_event = on_event;
	if (latch_run(p, &o, &status, &err) < 0) {
		printf("run error %d: %s\n", err.code, err.message);
		latch_profile_free(p);
		return 4;
	}
	latch_profile_free(p);
	printf("exit %d asked %d events %s version %s\n", WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status),
	       asked, events > 0 ? "some" : "none", latch_version());
	return 0;
}
EOF

flags=$(pkg-config --cflags --libs latch)
check "pkg-config knows latch" [ -n "$flags" ]
run cc -std=c11 -Wall -Wextra -Werror -o "$S/prog" "$S/prog.c" $flags
check "a program builds against the installed library with pkg-config" [ "$rc" -eq 0 ]
run cc -std=c11 -Wall -Wextra -Werror -o "$S/prog-static" "$S/prog.c" $(pkg-config --cflags latch) \
	"$PREFIX/lib/liblatch.a" $(pkg-config --static --libs-only-l latch | sed 's/-llatch//')
check "...and against the static archive" [ "$rc" -eq 0 ]
export LD_LIBRARY_PATH=$PREFIX/lib

SECRET=$HOME/.ssh/id_rsa
run "$S/prog" agent once /bin/cat "$SECRET"
saw "the denied read is asked about" "asked: read $SECRET"
saw "granted once by the callback, cat reads it" "$IT_MARK_SSH"
saw "...and exits 0, with events" "exit 0 asked 1 events some"
run "$S/prog" agent deny /bin/cat "$SECRET"
saw "the same read, denied by the callback: asked" "asked: read $SECRET"
lacks "...cat never gets it" "$IT_MARK_SSH"
saw "...and fails" "exit 1 asked 1"
run "$S/prog" agent none /bin/cat "$PROJECT/.git/HEAD"
saw "an allowed read with no callback: not asked, exit 0" "exit 0 asked 0"
run "$S/prog-static" agent once /bin/cat "$SECRET"
saw "the static build grants the same way" "$IT_MARK_SSH"

# Profiles from JSON text, and errors as values.
run "$S/prog" '{"name": "t", "filesystem": {"read": ["/"], "exec": ["/usr", "/bin", "/lib", "/lib64"]}}' none /bin/true
saw "a profile from JSON text runs" "exit 0 asked 0"
run "$S/prog" '{"name": "t", "filesystem": {"raed": ["/"]}}' none /bin/true
saw "an unknown key is an error naming it" "profile error"
saw "...naming it" "raed"
run "$S/prog" no-such-profile none /bin/true
saw "an unknown profile is an error" "profile error"
run "$S/prog" agent none /no/such/program
saw "a missing program is ENOENT" "run error 2:"

# Only the API is exported.
extra=$(nm -D --defined-only "$PREFIX/lib/liblatch.so" | awk '$2 ~ /^[TDBRW]$/ && $3 !~ /^latch_/ {print $3}' | head -n 3)
check "the shared library exports only latch_* ($extra)" [ -z "$extra" ]
extra=$(nm -g --defined-only "$PREFIX/lib/liblatch.a" 2>/dev/null | awk 'NF == 3 && $3 !~ /^latch_/ {print $3}' | head -n 3)
check "the static archive leaves only latch_* global ($extra)" [ -z "$extra" ]
done_testing
