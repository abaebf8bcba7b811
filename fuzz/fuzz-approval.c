/* The approval socket: the lines an approver writes, cut as the supervisor
 * cuts them (backend.c) and parsed by sup_parse_answer(); and the question
 * lines the supervisor writes, from strings the sandboxed program chose.
 *
 * The input is what the approver sends; after a line "%%", the strings
 * of a question, NUL-separated: path, exe, syscall, then argv.
 *
 * Promises checked: a line is an answer, or refused with EINVAL and a
 * reason; an answer written canonically reads back the same; the error
 * reply is JSON; a question is exactly one line of JSON that reads back
 * as the strings it was made of (each byte that breaks UTF-8 as \xNN). */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json-util.h"
#include "fuzz/fuzz.h"
#include "supervise/sup-internal.h"

static void check_answer(const char *line, size_t len)
{
	uint64_t id = 777, id2 = 0;
	enum sup_answer a = _SUP_ANSWER_MAX, a2 = _SUP_ANSWER_MAX;
	struct error err = { 0 };
	char canon[128];
	int r = sup_parse_answer(line, len, &id, &a, &err);

	if (r < 0) {
		json_t *o = json_object();
		char *text;

		FUZZ_CHECK(r == -EINVAL && err.code == EINVAL && err.msg[0]);
		FUZZ_CHECK(id == 777 && a == _SUP_ANSWER_MAX);
		/* The reply backend.c sends. */
		json_set(o, "kind", json_str("approval_error"));
		json_set(o, "error", json_str(err.msg));
		text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
		FUZZ_CHECK(text && !strchr(text, '\n') && strstr(text, "\"error\":\""));
		free(text);
		json_decref(o);
		return;
	}
	FUZZ_CHECK(r == 0 && (unsigned)a < _SUP_ANSWER_MAX && id <= INT64_MAX);
	(void)snprintf(canon, sizeof(canon), "{\"decision\": \"%s\", \"id\": %" PRIu64 "}\n", sup_answer_name(a), id);
	FUZZ_CHECK(sup_parse_answer(canon, strlen(canon), &id2, &a2, &err) == 0);
	FUZZ_CHECK(id2 == id && a2 == a);
}

/* As read_approver() in backend.c: lines of at most SUP_LINE_MAX - 1 bytes,
 * a longer one refused whole. */
static void feed(const char *data, size_t len)
{
	static char line[SUP_LINE_MAX];
	size_t n = 0;
	bool overflow = false;

	for (size_t i = 0; i < len; i++) {
		if (data[i] == '\n') {
			if (!overflow)
				check_answer(line, n);
			n = 0;
			overflow = false;
			continue;
		}
		if (n + 1 >= sizeof(line)) {
			overflow = true;
			continue;
		}
		line[n++] = data[i];
	}
}

/* The JSON string json_str() makes of s equals what the line holds. */
static void check_field(json_t *o, const char *key, const char *s)
{
	json_t *want = json_str(s);

	FUZZ_CHECK(want && json_equal(json_object_get(o, key), want));
	json_decref(want);
}

static void check_question(const char *data, size_t len)
{
	struct sup_question q = { .id = len, .pid = 42, .access = "read", .runs_later = len & 1 };
	char *buf, *s[3 + 8 + 1] = { NULL };
	size_t n = fuzz_strings(data, len, &buf, s, 3 + 8), n_argv = n > 3 ? n - 3 : 0;
	char **argv = s + 3;
	json_t *v;
	char *line;

	argv[n_argv] = NULL;
	q.path = s[0];
	q.exe = s[1];
	q.syscall = s[2];
	q.argv = argv;
	line = sup_question_line(&q);
	FUZZ_CHECK(line);
	FUZZ_CHECK(strchr(line, '\n') == line + strlen(line) - 1);
	v = json_loads(line, 0, NULL);
	FUZZ_CHECK(json_is_object(v));
	check_field(v, "path", q.path);
	check_field(v, "exe", q.exe);
	check_field(v, "syscall", q.syscall);
	FUZZ_CHECK(json_array_size(json_object_get(v, "argv")) == n_argv);
	for (size_t i = 0; i < n_argv; i++) {
		json_t *want = json_str(argv[i]);

		FUZZ_CHECK(json_equal(json_array_get(json_object_get(v, "argv"), i), want));
		json_decref(want);
	}
	FUZZ_CHECK((uint64_t)json_integer_value(json_object_get(v, "id")) == q.id);
	json_decref(v);
	free(line);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_part part[2];
	size_t n = fuzz_split(data, size, part, 2);

	feed(part[0].data, part[0].len);
	if (n == 2)
		check_question(part[1].data, part[1].len);
	return 0;
}
