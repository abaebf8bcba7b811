/* What the lab reads back from a lane (readback.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/json-util.h"
#include "lab/lab.h"
#include "lab/readback.h"
#include "probe/outcome.h"

int lab_response_parse(const char *out, size_t len, json_t **ret, int *ret_outcome)
{
	const char *nl = out ? memchr(out, '\n', len) : NULL;
	json_t *v, *res;
	int o;

	if (!nl || (size_t)(nl - out) + 1 != len)
		return -EBADMSG;
	v = json_loadb(out, len - 1, 0, NULL);
	res = json_object_get(v, "result");
	o = probe_outcome_from_name(json_string_value(json_object_get(res, "normalized_outcome")));
	if (!json_is_object(v) || strcmp(json_string_value(json_object_get(v, "kind")) ?: "", "probe_response") != 0 ||
	    json_integer_value(json_object_get(v, "schema_version")) != LATCH_SCHEMA_VERSION || o < 0 ||
	    !json_is_object(json_object_get(v, "data"))) {
		json_decref(v);
		return -EPROTO;
	}
	*ret = v;
	*ret_outcome = o;
	return 0;
}

json_t *lab_events_read(FILE *f)
{
	json_t *a = json_array();
	char *line = NULL;
	size_t cap = 0;

	while (a && getline(&line, &cap, f) > 0 && json_array_size(a) < LAB_EVENTS_KEPT) {
		json_t *e = json_loads(line, 0, NULL), *d = json_object_get(e, "data");

		if (json_is_object(d))
			(void)json_array_append(a, d);
		json_decref(e);
	}
	free(line);
	return a;
}

json_t *lab_attribution_observed(const json_t *resp, const json_t *events)
{
	const json_t *data = json_object_get(resp, "data"), *e;
	const char *path = json_string_value(json_object_get(json_object_get(data, "access"), "path"));
	const char *syscall = json_string_value(json_object_get(data, "syscall"));
	const char *inferred = json_string_value(json_object_get(json_object_get(data, "attribution"), "layer"));
	size_t i;

	json_array_foreach((json_t *)events, i, e) {
		const char *rp = json_string_value(json_object_get(e, "resolved_path"));
		const char *p = json_string_value(json_object_get(e, "path"));
		const char *sc = json_string_value(json_object_get(e, "syscall"));
		json_t *o;

		if (strcmp(json_string_value(json_object_get(e, "verdict")) ?: "", "deny") != 0)
			continue;
		if (path ? !((rp && strcmp(rp, path) == 0) || (p && strcmp(p, path) == 0))
			 : !(sc && syscall && strcmp(sc, syscall) == 0))
			continue;
		o = json_object();
		json_set(o, "how", json_str("observed"));
		json_set(o, "layer", json_str(json_string_value(json_object_get(e, "layer"))));
		json_set(o, "reason", json_str(json_string_value(json_object_get(e, "reason"))));
		json_set(o, "rule", json_deep_copy(json_object_get(e, "rule")) ?: json_null());
		json_set(o, "syscall", json_str(sc));
		json_set(o, "errno", json_deep_copy(json_object_get(e, "errno")) ?: json_null());
		json_set(o, "agrees_with_inferred",
			 json_boolean(inferred && strcmp(inferred, json_string_value(json_object_get(e, "layer")) ?: "") == 0));
		return o;
	}
	return NULL;
}
