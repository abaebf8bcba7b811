/* The probe_response envelope: one shape, whoever builds it. */
#include <string.h>

#include "base/json-util.h"
#include "probe/response.h"

/* Sorted; see response.h for what each holds. */
static const char *const data_keys[] = {
	"access",  "attribution", "correlation_id", "details", "errno",      "expected_outcome",
	"harness", "isolation",   "lane",           "pid",     "plan_id",    "probe_args",
	"probe_id", "profile",    "row_id",         "runner",  "syscall",
};

json_t *probe_data_new(void)
{
	json_t *d = json_object();

	for (size_t i = 0; d && i < ELEMENTSOF(data_keys); i++)
		json_set(d, data_keys[i], json_null());
	return d;
}

void probe_data_merge(json_t *to, const json_t *from)
{
	for (size_t i = 0; i < ELEMENTSOF(data_keys); i++) {
		json_t *v = json_object_get(from, data_keys[i]);

		if (v)
			json_set(to, data_keys[i], json_deep_copy(v));
	}
}

json_t *probe_envelope(json_t *data, enum probe_outcome o, const char *errno_name, const char *error, int exit_code)
{
	struct json_result res = {
		.ok = probe_outcome_measured(o),
		.rc = probe_outcome_rc(o),
		.exit_code = exit_code,
		.outcome = probe_outcome_name(o),
		.errno_name = errno_name,
		.error = error && error[0] ? error : NULL,
	};

	return json_envelope(PROBE_RESPONSE_KIND, data, &res);
}

json_t *probe_attribution_json(enum probe_layer layer, const char *reason)
{
	json_t *a = json_object();

	json_set(a, "how", json_str("inferred"));
	json_set(a, "layer", json_str(probe_layer_name(layer)));
	json_set(a, "reason", json_str(reason));
	return a;
}

void probe_facts_from_data(const json_t *data, struct probe_facts *ret)
{
	const json_t *acc = json_object_get(data, "access");
	const char *en = json_string_value(json_object_get(data, "errno"));
	int a = policy_access_from_name(json_string_value(json_object_get(acc, "access")) ?: "");
	int e = en ? probe_errno_from_name(en) : 0;

	const json_t *iso = json_object_get(data, "isolation"), *details = json_object_get(data, "details");

	memset(ret, 0, sizeof(*ret));
	ret->dac = -1;
	ret->err = e > 0 ? e : 0;
	ret->syscall = json_string_value(json_object_get(data, "syscall"));
	ret->own_mnt_ns = json_is_true(json_object_get(iso, "mnt"));
	ret->own_net_ns = json_is_true(json_object_get(iso, "net"));
	ret->own_pid_ns = json_is_true(json_object_get(iso, "pid"));
	ret->harness_target = strcmp(json_string_value(json_object_get(details, "target")) ?: "", "harness_listener") == 0;
	ret->target_pid = (int)json_integer_value(json_object_get(details, "target_pid"));
	if (a < 0)
		return;
	ret->has_access = true;
	ret->access = a;
	ret->path = json_string_value(json_object_get(acc, "path"));
	ret->port = (uint16_t)json_integer_value(json_object_get(acc, "port"));
	ret->landlock_mediated = json_is_true(json_object_get(acc, "landlock"));
	a = policy_access_from_name(json_string_value(json_object_get(acc, "to_access")) ?: "");
	if (a >= 0) {
		ret->to_access = a;
		ret->to_path = json_string_value(json_object_get(acc, "to_path"));
	}
}
