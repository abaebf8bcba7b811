/* Lab plans: lab_plan_parse(), with every row's arguments through the probe
 * catalog's own parser, then what a run asks of a parsed plan.
 *
 * Promises checked: a failed parse sets one line of error naming the file
 * and returns its code, leaving ret untouched; a parsed plan has valid,
 * unique row ids, probes that exist, at least one profile per row (all of
 * them in the plan's list), groups that resolve, arguments that expand
 * with any fixture and pid, and expectations that can be asked. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/strv.h"
#include "fuzz/fuzz.h"
#include "lab/plan.h"
#include "probe/catalog.h"
#include "probe/outcome.h"

static void check_row(const struct lab_plan *p, const struct lab_row *rw)
{
	char **args = NULL;
	struct probe_request req;
	struct error err = { 0 };
	bool has;

	FUZZ_CHECK(rw->row_id && rw->row_id[0] && strlen(rw->row_id) <= LAB_ID_MAX);
	FUZZ_CHECK(probe_find(rw->probe_id));
	FUZZ_CHECK(rw->profiles && rw->profiles[0]);
	for (size_t i = 0; rw->profiles[i]; i++) {
		FUZZ_CHECK(strv_contains(p->profiles, rw->profiles[i]));
		for (int o = -1; o <= _PROBE_OUTCOME_MAX; o++)
			(void)lab_row_expects(rw, rw->profiles[i], o, &has);
	}
	(void)lab_row_expects(rw, NULL, PROBE_OK, NULL);
	FUZZ_CHECK(lab_row_expand_args(rw, rw->setup.fixture ? "/home/fuzz/.ssh/fixture" : NULL, 4242, &args, &err) ==
		   0);
	/* What the lab will hand the probe parses as the check did. */
	FUZZ_CHECK(probe_parse(probe_find(rw->probe_id), (int)strv_length(args), args, &req, &err) == 0);
	strv_free(args);
	if (rw->setup.fixture) {
		FUZZ_CHECK(lab_fixture_kind_name(rw->setup.fixture_kind));
		FUZZ_CHECK(rw->setup.fixture_rel[0] && rw->setup.fixture_rel[0] != '/');
	}
	FUZZ_CHECK(rw->setup.listen_tcp_port == -1 ||
		   (rw->setup.listen_tcp_port >= 1 && rw->setup.listen_tcp_port <= 65535));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lab_plan *p = NULL;
	struct error err = { 0 };
	int r = lab_plan_parse((const char *)data, size, "fuzz.json", &p, &err);

	if (r < 0) {
		fuzz_check_failure(r, p, &err, "fuzz.json");
		return 0;
	}
	FUZZ_CHECK(p && p->n_rows > 0 && p->size == size);
	for (size_t i = 0; i < p->n_rows; i++) {
		check_row(p, &p->rows[i]);
		for (size_t j = 0; j < i; j++)
			FUZZ_CHECK(strcmp(p->rows[i].row_id, p->rows[j].row_id) != 0);
	}
	for (size_t i = 0; i < p->n_groups; i++)
		FUZZ_CHECK(lab_plan_group(p, p->groups[i].name) && p->groups[i].profiles[0]);
	lab_plan_free(p);
	return 0;
}
