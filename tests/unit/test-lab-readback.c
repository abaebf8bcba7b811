/* Tests for src/lab/readback.c: a probe_response is exactly one envelope
 * line, and each way it can fail to be one is told apart; events are the
 * data of their lines, bounded, whatever else the stream holds; the
 * observed attribution is the denial of the probe's own path or call. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lab/lab.h"
#include "lab/readback.h"
#include "probe/outcome.h"

#define RESPONSE(outcome, data)                                                                            \
	"{\"data\": " data ", \"generated_at_unix_ms\": 1, \"kind\": \"probe_response\", \"result\": "        \
	"{\"errno\": \"EACCES\", \"error\": null, \"exit_code\": null, \"normalized_outcome\": \"" outcome "\", " \
	"\"ok\": true, \"rc\": 0}, \"schema_version\": 1}\n"

static int parse(const char *text, json_t **ret, int *ret_outcome)
{
	*ret = NULL;
	*ret_outcome = -1;
	return lab_response_parse(text, strlen(text), ret, ret_outcome);
}

static void test_response(void **state)
{
	static const char ok[] = RESPONSE("denied", "{\"syscall\": \"openat\"}");
	json_t *v;
	int o;

	(void)state;
	assert_int_equal(parse(ok, &v, &o), 0);
	assert_int_equal(o, PROBE_DENIED);
	assert_string_equal(json_string_value(json_object_get(json_object_get(v, "data"), "syscall")), "openat");
	json_decref(v);
	/* not exactly one terminated line */
	assert_int_equal(parse("", &v, &o), -EBADMSG);
	assert_int_equal(lab_response_parse(ok, strlen(ok) - 1, &v, &o), -EBADMSG);
	assert_int_equal(parse(RESPONSE("ok", "{}") RESPONSE("ok", "{}"), &v, &o), -EBADMSG);
	/* one line, but not a probe_response */
	assert_int_equal(parse("{}\n", &v, &o), -EPROTO);
	assert_int_equal(parse("not json\n", &v, &o), -EPROTO);
	assert_int_equal(parse(RESPONSE("no_such_outcome", "{}"), &v, &o), -EPROTO);
	assert_int_equal(parse(RESPONSE("ok", "[]"), &v, &o), -EPROTO);
	assert_null(v);
	assert_int_equal(o, -1);
}

static json_t *events_of(const char *text)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	json_t *a;

	assert_non_null(f);
	a = lab_events_read(f);
	(void)fclose(f);
	assert_non_null(a);
	return a;
}

static void test_events(void **state)
{
	json_t *a;
	char *many = NULL;
	size_t len = 0;
	FILE *m;

	(void)state;
	a = events_of("{\"data\": {\"n\": 1}}\nnot json\n[1]\n{\"data\": 2}\n\n{\"data\": {\"n\": 2}}");
	assert_int_equal(json_array_size(a), 2);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(a, 1), "n")), 2);
	json_decref(a);
	/* bounded */
	m = open_memstream(&many, &len);
	for (int i = 0; i < LAB_EVENTS_KEPT + 10; i++)
		fprintf(m, "{\"data\": {\"n\": %d}}\n", i);
	(void)fclose(m);
	a = events_of(many);
	assert_int_equal(json_array_size(a), LAB_EVENTS_KEPT);
	json_decref(a);
	free(many);
}

static void test_attribution(void **state)
{
	json_t *resp = json_loads("{\"data\": {\"access\": {\"path\": \"/h/.ssh/k\"}, \"syscall\": \"openat\", "
				  "\"attribution\": {\"layer\": \"supervisor\"}}}", 0, NULL);
	json_t *events = events_of(
		"{\"data\": {\"verdict\": \"allow\", \"path\": \"/h/.ssh/k\", \"layer\": \"landlock\"}}\n"
		"{\"data\": {\"verdict\": \"deny\", \"path\": \"/elsewhere\", \"layer\": \"landlock\"}}\n"
		"{\"data\": {\"verdict\": \"deny\", \"path\": \"k\", \"resolved_path\": \"/h/.ssh/k\", "
		"\"layer\": \"supervisor\", \"syscall\": \"openat\", \"errno\": \"EACCES\"}}\n");
	json_t *o = lab_attribution_observed(resp, events);

	(void)state;
	assert_non_null(o);
	assert_string_equal(json_string_value(json_object_get(o, "how")), "observed");
	assert_string_equal(json_string_value(json_object_get(o, "layer")), "supervisor");
	assert_string_equal(json_string_value(json_object_get(o, "errno")), "EACCES");
	assert_true(json_is_true(json_object_get(o, "agrees_with_inferred")));
	json_decref(o);
	/* no denial of that path: nothing observed */
	json_object_set_new(json_object_get(json_object_get(resp, "data"), "access"), "path", json_string("/other"));
	assert_null(lab_attribution_observed(resp, events));
	json_decref(events);
	json_decref(resp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_response),
		cmocka_unit_test(test_events),
		cmocka_unit_test(test_attribution),
	};

	return cmocka_run_group_tests_name("lab-readback", tests, NULL, NULL);
}
