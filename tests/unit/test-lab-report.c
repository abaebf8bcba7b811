/* Tests for the HTML page of src/lab/report.c: strings from records are
 * escaped whatever they hold (markup, quotes, bytes that are not UTF-8,
 * control characters), the page loads nothing and runs nothing, every kind
 * of cell shows its class and its words, and the header shows the run's
 * facts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/json-util.h"
#include "lab/report.h"

#define HOSTILE_ROW "r<script>alert(1)</script>"
#define HOSTILE_ARG "x\"><img src=y onerror=alert(2)>&amp;'"

static json_t *cell(const char *outcome, const char *reason, const char *limit, bool skipped)
{
	json_t *c = json_object(), *repro = json_object();

	json_set(c, "skipped", json_boolean(skipped));
	json_set(c, "outcome", json_str(outcome));
	json_set(c, "errno", json_str(outcome && strcmp(outcome, "denied") == 0 ? "EACCES" : NULL));
	json_set(c, "layer", json_str("landlock"));
	json_set(c, "how", json_str("inferred"));
	json_set(c, "oracle", json_str(skipped ? NULL : "deny"));
	json_set(c, "reason", json_str(reason));
	json_set(c, "kernel_limit", json_str(limit));
	json_set(c, "detail", json_str(skipped ? "profile 'wide' is risk tier 2: --ack-risk wide" : "one line"));
	json_set(repro, "baseline", json_str("latch probe --no-sandbox fs_op --op stat"));
	json_set(repro, "sandboxed", json_str("latch probe -p minimal fs_op --op stat"));
	json_set(repro, "oracle", json_pack("[s]", "latch why -p minimal read /x"));
	json_set(c, "reproduce", skipped ? json_null() : repro);
	if (skipped)
		json_decref(repro);
	return c;
}

/* A summary with one cell of every kind, the last row hostile. */
static json_t *summary(void)
{
	static const struct {
		const char *profile, *outcome, *reason, *limit;
		bool skipped;
	} cells[] = {
		{ "p-agree", "denied", "agree", NULL, false },
		{ "p-ambient", "dac_denied", "ambient_restriction", NULL, false },
		{ "p-gap", "ok", "enforcement_gap", NULL, false },
		{ "p-over", "denied", "over_enforcement", NULL, false },
		{ "p-limit", "ok", "kernel_limit", "landlock_unmediated_metadata", false },
		{ "p-expect", "ok", "expectation_mismatch", NULL, false },
		{ "p-premise", "premise_failed", "premise_failed", NULL, false },
		{ "p-harness", "harness_error", "harness_error", NULL, false },
		{ "p-skipped", NULL, NULL, NULL, true },
	};
	struct json_result res = { .ok = true, .exit_code = -1, .outcome = "complete" };
	json_t *d = json_object(), *rows = json_array(), *profiles = json_array(), *host = json_object();
	json_t *counts = json_object(), *reasons = json_object(), *limits = json_object(), *row, *cs, *hostile;
	_cleanup_free_ char *bad = NULL;

	row = json_pack("{s:s, s:s, s:s, s:[ss], s:s, s:n}", "row_id", "fs-stat", "probe_id", "fs_op", "family",
			"filesystem", "args", "--op", "stat", "baseline", "ok", "description");
	cs = json_object();
	for (size_t i = 0; i < sizeof(cells) / sizeof(cells[0]); i++) {
		json_array_append_new(profiles, json_str(cells[i].profile));
		json_set(cs, cells[i].profile, cell(cells[i].outcome, cells[i].reason, cells[i].limit, cells[i].skipped));
		if (cells[i].reason)
			json_set(reasons, cells[i].reason, json_integer(1));
	}
	json_set(row, "cells", cs);
	json_array_append_new(rows, row);

	/* Bytes that are not UTF-8 can reach a record only through a path a
	 * probe reports; jansson's nocheck constructor stands in for it. */
	bad = strdup("/tmp/\xff\xfe-\x01-\xc3\xa9-</td>");
	assert_non_null(bad);
	hostile = cell("denied", "agree", NULL, false);
	json_set(hostile, "detail", json_stringn_nocheck(bad, strlen(bad)));
	json_set(json_object_get(hostile, "reproduce"), "sandboxed", json_str("latch probe -p p-agree fs_op --path '<u>'"));
	row = json_pack("{s:s, s:s, s:s, s:[ss], s:s, s:s}", "row_id", HOSTILE_ROW, "probe_id", "fs_op", "family",
			"filesystem", "args", "--path", HOSTILE_ARG, "baseline", "ok", "description", "</th><th>");
	json_set(row, "cells", json_pack("{s:o}", "p-agree", hostile));
	json_array_append_new(rows, row);

	json_set(limits, "landlock_unmediated_metadata", json_integer(1));
	json_set(counts, "cells", json_integer(10));
	json_set(counts, "skipped", json_integer(1));
	json_set(counts, "failing", json_integer(2));
	json_set(counts, "reasons", reasons);
	json_set(counts, "kernel_limits", limits);
	json_set(host, "kernel", json_str("6.18.0-test"));
	json_set(host, "landlock_abi", json_integer(6));
	json_set(host, "uid", json_integer(65534));
	json_set(host, "user_namespaces", json_true());
	json_set(host, "latch_version", json_str("0.1.0"));
	json_set(host, "latch_sha256", json_str("ab12"));
	json_set(host, "plan_sha256", json_str("cd34ef"));
	json_set(host, "started_at_unix_ms", json_integer(1700000000000));
	json_set(host, "ended_at_unix_ms", json_integer(1700000002500));
	json_set(d, "run_id", json_str("20231114T221320Z-t-0001"));
	json_set(d, "plan_id", json_str("t"));
	json_set(d, "status", json_str("complete"));
	json_set(d, "profiles", profiles);
	json_set(d, "rows", rows);
	json_set(d, "counts", counts);
	json_set(d, "host", host);
	return json_envelope("lab_summary", d, &res);
}

static char *render(const char *title)
{
	json_t *s = summary();
	char *page = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&page, &len);

	assert_non_null(f);
	assert_int_equal(lab_write_html(f, s, title), 0);
	assert_int_equal(fclose(f), 0);
	json_decref(s);
	return page;
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

static void test_hostile_strings_are_escaped(void **state)
{
	_cleanup_free_ char *page = render("title <i>&");

	(void)state;
	/* No markup from a record survives as markup. */
	assert_null(strstr(page, "<script"));
	assert_null(strstr(page, "<img"));
	assert_null(strstr(page, "<u>"));
	assert_null(strstr(page, "<i>"));
	assert_non_null(strstr(page, "r&lt;script&gt;alert(1)&lt;/script&gt;"));
	assert_non_null(strstr(page, "x&quot;&gt;&lt;img src=y onerror=alert(2)&gt;&amp;amp;&#39;"));
	assert_non_null(strstr(page, "--path &#39;&lt;u&gt;&#39;"));
	assert_non_null(strstr(page, "title &lt;i&gt;&amp;"));
	assert_non_null(strstr(page, "&lt;/th&gt;&lt;th&gt;"));
	/* Bytes that break UTF-8 and control characters show as \xNN; valid
	 * UTF-8 passes unchanged. */
	assert_non_null(strstr(page, "/tmp/\\xff\\xfe-\\x01-\xc3\xa9-&lt;/td&gt;"));
	assert_null(strchr(page, '\xff'));
	assert_null(strchr(page, '\x01'));
	/* The structure is what the page wrote, not what a record said: as
	 * many cells closed as opened. */
	assert_int_equal(count(page, "<td"), count(page, "</td>"));
	assert_int_equal(count(page, "<th>") + count(page, "<th "), count(page, "</th>"));
	assert_int_equal(count(page, "<tr>"), count(page, "</tr>"));
	assert_int_equal(count(page, "<details>"), count(page, "</details>"));
}

static void test_page_loads_nothing(void **state)
{
	_cleanup_free_ char *page = render("t");

	(void)state;
	assert_non_null(strstr(page, "Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\""));
	assert_null(strstr(page, "<script"));
	assert_null(strstr(page, "src=\""));
	assert_null(strstr(page, "href=\""));
	assert_null(strstr(page, "url("));
	assert_null(strstr(page, "@import"));
	assert_non_null(strstr(page, "@media print"));
}

static void test_every_kind_shows_in_words(void **state)
{
	static const struct {
		const char *cls, *words;
	} kinds[] = {
		{ "cell k-agree\"", "agree" },
		{ "cell k-ambient_restriction\"", "ambient restriction" },
		{ "cell k-enforcement_gap fails\"", "enforcement gap" },
		{ "cell k-over_enforcement fails\"", "over-enforcement" },
		{ "cell k-kernel_limit\"", "kernel limit" },
		{ "cell k-expectation_mismatch\"", "expectation mismatch" },
		{ "cell k-premise_failed\"", "premise failed" },
		{ "cell k-harness_error\"", "harness error" },
		{ "cell k-skipped\"", "skipped" },
		{ "cell k-none\"", "not in this row" },
	};
	_cleanup_free_ char *page = render("t");

	(void)state;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		const char *td = strstr(page, kinds[i].cls), *end;
		char want[64];

		assert_non_null(td);
		end = strstr(td, "</td>");
		assert_non_null(end);
		(void)snprintf(want, sizeof(want), "<span class=\"w\">%s</span>", kinds[i].words);
		assert_non_null(strstr(td, want));
		assert_true(strstr(td, want) < end);
	}
	/* Clicking a cell shows its layer, errno and the commands. */
	assert_non_null(strstr(page, "<dd class=\"f-errno\">EACCES</dd>"));
	assert_non_null(strstr(page, "<dd class=\"f-layer\">landlock (inferred)</dd>"));
	assert_non_null(strstr(page, "# sandboxed\nlatch probe -p minimal fs_op --op stat\n# oracle\nlatch why -p minimal read /x"));
	assert_non_null(strstr(page, "kernel limit: landlock_unmediated_metadata"));
}

static void test_header_has_the_facts(void **state)
{
	_cleanup_free_ char *page = render("t");

	(void)state;
	assert_non_null(strstr(page, "<dd id=\"h-run-id\">20231114T221320Z-t-0001</dd>"));
	assert_non_null(strstr(page, "<dd id=\"h-kernel\">6.18.0-test</dd>"));
	assert_non_null(strstr(page, "<dd id=\"h-landlock-abi\">6</dd>"));
	assert_non_null(strstr(page, "<dd id=\"h-uid\">65534</dd>"));
	assert_non_null(strstr(page, "<dd id=\"h-plan-sha256\">cd34ef</dd>"));
	assert_non_null(strstr(page, "<dd id=\"h-time\">2023-11-14 22:13:20 UTC, 2.5 s</dd>"));
	assert_non_null(strstr(page, "FAILS: 2 cells"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hostile_strings_are_escaped),
		cmocka_unit_test(test_page_loads_nothing),
		cmocka_unit_test(test_every_kind_shows_in_words),
		cmocka_unit_test(test_header_has_the_facts),
	};

	return cmocka_run_group_tests_name("lab-report", tests, NULL, NULL);
}
