/* Markdown, text and HTML from a lab_summary envelope (report.h). */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/path-util.h"
#include "lab/classify.h"
#include "lab/report.h"

/* How each reason shows, in the closed set's order: a mark in text, words
 * in HTML (with a colour by class, k-REASON). */
static const struct {
	const char *reason;
	const char *mark;
	const char *words;
} marks[] = {
	{ "agree", "", "agree" },
	{ "ambient_restriction", "A", "ambient restriction" },
	{ "enforcement_gap", "G!", "enforcement gap" },
	{ "over_enforcement", "O!", "over-enforcement" },
	{ "kernel_limit", "K", "kernel limit" },
	{ "expectation_mismatch", "E", "expectation mismatch" },
	{ "premise_failed", "P", "premise failed" },
	{ "harness_error", "H", "harness error" },
};

const char *lab_reason_mark(const char *reason)
{
	for (size_t i = 0; reason && i < sizeof(marks) / sizeof(marks[0]); i++)
		if (strcmp(marks[i].reason, reason) == 0)
			return marks[i].mark;
	return "?";
}

static const json_t *data_of(const json_t *summary)
{
	return json_object_get(summary, "data");
}

static const char *str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static long long num(const json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

/* "denied", "ok [K]", "skipped", "-" into buf. */
static const char *cell_text(const json_t *cell, bool brackets, char *buf, size_t size)
{
	const char *outcome = str(cell, "outcome"), *reason = str(cell, "reason");
	const char *mark = lab_reason_mark(reason);

	if (!cell)
		return "-";
	if (json_is_true(json_object_get(cell, "skipped")))
		return "skipped";
	if (!mark[0])
		(void)snprintf(buf, size, "%s", outcome ? outcome : "not_run");
	else
		(void)snprintf(buf, size, brackets ? "%s [%s]" : "%s %s", outcome ? outcome : "not_run", mark);
	return buf;
}

static void args_text(const json_t *row, char *buf, size_t size)
{
	const json_t *a;
	size_t i, o;

	o = (size_t)snprintf(buf, size, "%s", str(row, "probe_id") ?: "?");
	json_array_foreach(json_object_get(row, "args"), i, a)
		if (o < size)
			o += (size_t)snprintf(buf + o, size - o, " %s", json_string_value(a));
}

static void counts_line(FILE *f, const json_t *counts, const char *sep)
{
	const json_t *reasons = json_object_get(counts, "reasons");

	fprintf(f, "%lld cells: %lld agree", num(counts, "cells"), num(reasons, "agree"));
	for (size_t i = 1; i < sizeof(marks) / sizeof(marks[0]); i++)
		fprintf(f, "%s%lld %s", sep, num(reasons, marks[i].reason), marks[i].reason);
	fprintf(f, "%s%lld skipped; %lld failing (enforcement_gap or over_enforcement)", sep, num(counts, "skipped"),
		num(counts, "failing"));
}

static const char legend[] =
	"Each cell is the sandboxed outcome under that profile. Unmarked cells agree with the baseline and the "
	"oracle; a mark names the mismatch reason: [A] ambient_restriction, [G!] enforcement_gap, [O!] "
	"over_enforcement, [K] kernel_limit, [E] expectation_mismatch, [P] premise_failed, [H] harness_error. "
	"\"skipped\": a risk tier 2 profile without --ack-risk.";

/* ---- Markdown ----------------------------------------------------------------- */

/* Pipes would end a table cell. */
static void md_cell(FILE *f, const char *s)
{
	for (; s && *s; s++)
		if (*s == '|')
			fputs("\\|", f);
		else if (*s == '\n')
			fputc(' ', f);
		else
			fputc(*s, f);
}

char *lab_summary_markdown(const json_t *summary)
{
	const json_t *d = data_of(summary), *host = json_object_get(d, "host"), *counts = json_object_get(d, "counts");
	const json_t *profiles = json_object_get(d, "profiles"), *rows = json_object_get(d, "rows"), *row, *p;
	char *buf = NULL;
	size_t len = 0, i, j;
	FILE *f = open_memstream(&buf, &len);
	bool any = false;

	if (!f)
		return NULL;
	fprintf(f, "# latch lab: %s\n\n", str(d, "run_id"));
	fprintf(f, "Plan `%s` (sha256 `%.16s…`), latch %s (sha256 `%.16s…`), Linux %s, Landlock ABI %lld, uid %lld, "
		   "user namespaces: %s. Status: **%s**.\n\n",
		str(d, "plan_id"), str(host, "plan_sha256") ?: "?", str(host, "latch_version") ?: "?",
		str(host, "latch_sha256") ?: "?", str(host, "kernel") ?: "?", num(host, "landlock_abi"), num(host, "uid"),
		json_is_true(json_object_get(host, "user_namespaces")) ? "available" : "not available", str(d, "status"));
	fprintf(f, "%zu rows x %zu profiles = ", json_array_size(rows), json_array_size(profiles));
	counts_line(f, counts, ", ");
	fprintf(f, ".\n\n| row | probe | baseline |");
	json_array_foreach(profiles, i, p)
		fprintf(f, " %s |", json_string_value(p));
	fprintf(f, "\n|---|---|---|");
	json_array_foreach(profiles, i, p)
		fputs("---|", f);
	fputc('\n', f);
	json_array_foreach(rows, i, row) {
		char args[512], cell[128];

		args_text(row, args, sizeof(args));
		fprintf(f, "| %s | `", str(row, "row_id"));
		md_cell(f, args);
		fprintf(f, "` | %s |", str(row, "baseline") ?: "not_run");
		json_array_foreach(profiles, j, p)
			fprintf(f, " %s |", cell_text(json_object_get(json_object_get(row, "cells"), json_string_value(p)),
						      true, cell, sizeof(cell)));
		fputc('\n', f);
	}
	fprintf(f, "\n%s\n\n## Mismatches\n\n", legend);
	json_array_foreach(rows, i, row) {
		const char *key;
		const json_t *c;

		json_object_foreach((json_t *)json_object_get(row, "cells"), key, c) {
			const char *reason = str(c, "reason");

			if (!reason || strcmp(reason, "agree") == 0)
				continue;
			if (!any)
				fputs("| row | profile | reason | detail |\n|---|---|---|---|\n", f);
			any = true;
			fprintf(f, "| %s | %s | %s%s%s | ", str(row, "row_id"), key, reason,
				str(c, "kernel_limit") ? ": " : "", str(c, "kernel_limit") ?: "");
			md_cell(f, str(c, "detail"));
			fputs(" |\n", f);
		}
	}
	if (!any)
		fputs("None: every lane agrees.\n", f);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* ---- text ------------------------------------------------------------------------ */

void lab_print_summary(FILE *f, const json_t *summary)
{
	const json_t *d = data_of(summary), *counts = json_object_get(d, "counts");
	const json_t *profiles = json_object_get(d, "profiles"), *rows = json_object_get(d, "rows"), *row, *p;
	size_t i, j, w_row = strlen("row"), w[64] = { 0 }, w_base = strlen("baseline");

	fprintf(f, "run %s  plan %s  %s\n", str(d, "run_id") ?: "-", str(d, "plan_id") ?: "-", str(d, "status") ?: "-");
	json_array_foreach(rows, i, row) {
		w_row = strlen(str(row, "row_id")) > w_row ? strlen(str(row, "row_id")) : w_row;
		w_base = str(row, "baseline") && strlen(str(row, "baseline")) > w_base ? strlen(str(row, "baseline")) : w_base;
		json_array_foreach(profiles, j, p) {
			char cell[128];
			size_t n = strlen(cell_text(json_object_get(json_object_get(row, "cells"), json_string_value(p)),
						    false, cell, sizeof(cell)));

			if (j < 64) {
				w[j] = n > w[j] ? n : w[j];
				w[j] = strlen(json_string_value(p)) > w[j] ? strlen(json_string_value(p)) : w[j];
			}
		}
	}
	fprintf(f, "%-*s  %-*s", (int)w_row, "row", (int)w_base, "baseline");
	json_array_foreach(profiles, j, p)
		fprintf(f, "  %-*s", (int)(j < 64 ? w[j] : 12), json_string_value(p));
	fputc('\n', f);
	json_array_foreach(rows, i, row) {
		fprintf(f, "%-*s  %-*s", (int)w_row, str(row, "row_id"), (int)w_base, str(row, "baseline") ?: "not_run");
		json_array_foreach(profiles, j, p) {
			char cell[128];

			fprintf(f, "  %-*s", (int)(j < 64 ? w[j] : 12),
				cell_text(json_object_get(json_object_get(row, "cells"), json_string_value(p)), false, cell,
					  sizeof(cell)));
		}
		fputc('\n', f);
	}
	fputs("marks: A ambient_restriction, G! enforcement_gap, O! over_enforcement, K kernel_limit, "
	      "E expectation_mismatch, P premise_failed, H harness_error\n",
	      f);
	counts_line(f, counts, ", ");
	fputc('\n', f);
	json_array_foreach(rows, i, row) {
		const char *key;
		const json_t *c;

		json_object_foreach((json_t *)json_object_get(row, "cells"), key, c) {
			const char *reason = str(c, "reason");

			if (reason && strcmp(reason, "agree") != 0)
				fprintf(f, "  %s under %s: %s%s%s: %s\n", str(row, "row_id"), key, reason,
					str(c, "kernel_limit") ? " " : "", str(c, "kernel_limit") ?: "",
					str(c, "detail") ?: "");
		}
	}
}

/* ---- HTML ------------------------------------------------------------------------- */

/* Everything from a record is untrusted: a probe's path may hold markup,
 * quotes or bytes that are not UTF-8. Markup characters become entities;
 * each byte that breaks UTF-8, and each control character but newline and
 * tab, becomes the text \xNN, so it shows instead of vanishing. */
static void html_text(FILE *f, const char *s)
{
	size_t n = s ? strlen(s) : 0;

	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)s[i];
		size_t len = utf8_char_len(s + i);

		if (len > 1) {
			fwrite(s + i, 1, len, f);
			i += len;
			continue;
		}
		i++;
		if (c == '&')
			fputs("&amp;", f);
		else if (c == '<')
			fputs("&lt;", f);
		else if (c == '>')
			fputs("&gt;", f);
		else if (c == '"')
			fputs("&quot;", f);
		else if (c == '\'')
			fputs("&#39;", f);
		else if (len == 1 && (c >= 0x20 || c == '\n' || c == '\t') && c != 0x7f)
			fputc(c, f);
		else
			fprintf(f, "\\x%02x", c);
	}
}

/* open, s escaped (or dflt when s is NULL), close. */
static void html_wrap(FILE *f, const char *open, const char *s, const char *dflt, const char *close)
{
	fputs(open, f);
	html_text(f, s ? s : dflt);
	fputs(close, f);
}

/* The page's whole style: colours by agreement, words that carry the same
 * meaning in black and white, details on click, and rules for paper. */
static const char html_style[] =
	"body{font:14px/1.35 'DejaVu Sans',system-ui,sans-serif;margin:16px 24px;color:#111;background:#fff}\n"
	"h1{font-size:20px;margin:0 0 8px}h2{font-size:16px;margin:22px 0 8px}\n"
	"code,pre{font:12px/1.35 'DejaVu Sans Mono',ui-monospace,monospace}\n"
	"dl.facts{display:flex;flex-wrap:wrap;gap:3px 28px;margin:0 0 10px;max-width:82em}\n"
	"dl.facts div{display:flex;gap:6px}dl.facts dt{color:#555}dl.facts dt::after{content:':'}\n"
	"dl.facts dd{margin:0;font-weight:600;overflow-wrap:anywhere}\n"
	".verdict{display:inline-block;margin:4px 0;padding:4px 10px;border:2px solid #2e7d32;font-weight:700}\n"
	".verdict.fails{border:3px double #000;background:#ffcdd2}\n"
	"ul.legend{list-style:none;padding:0;margin:8px 0;display:grid;"
	"grid-template-columns:repeat(3,minmax(0,1fr));gap:4px 18px}\n"
	"ul.legend li{display:flex;align-items:baseline;gap:6px}\n"
	".sw{flex:none;width:11em;padding:1px 6px;border:1px solid #757575}\n"
	".hint{color:#444}\n"
	"table{border-collapse:collapse}\n"
	"table.grid th,table.grid td{border:1px solid #9e9e9e;padding:0;vertical-align:top;text-align:left;"
	"position:relative}\n"
	"table.grid thead th{position:sticky;top:0;z-index:2;background:#eceff1;padding:4px 6px}\n"
	"table.grid tbody th{background:#fafafa;font-weight:normal;max-width:27em}\n"
	"table.grid td.base{padding:3px 6px;background:#fafafa}\n"
	".rid{font-weight:600}.probe{display:block;color:#333;overflow-wrap:anywhere}\n"
	"td.cell{min-width:8.5em}\n"
	"summary{cursor:pointer;padding:3px 6px;list-style:none}summary::-webkit-details-marker{display:none}\n"
	".o{display:block;font-weight:600}.w{display:block;font-size:11px}\n"
	"td.cell>.o,td.cell>.w{padding:0 6px}\n"
	"details[open]>summary{outline:2px solid #000;outline-offset:-2px}\n"
	".more{position:absolute;top:100%;left:-1px;z-index:3;width:38em;max-width:80vw;background:#fff;color:#111;"
	"border:1px solid #333;box-shadow:0 3px 10px rgba(0,0,0,.35);padding:6px 8px;font-size:12px;"
	"font-weight:normal}\n"
	"td:nth-last-child(-n+3) .more{left:auto;right:-1px}\n"
	".more dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 8px;margin:0}\n"
	".more dt{color:#555}.more dd{margin:0;overflow-wrap:anywhere}\n"
	"pre{white-space:pre-wrap;overflow-wrap:anywhere;background:#f5f5f5;color:#111;padding:4px 6px;margin:6px 0 0}\n"
	"table.list{max-width:100em}\n"
	"table.list td,table.list th{border:1px solid #9e9e9e;padding:3px 6px;vertical-align:top;text-align:left}\n"
	"table.list td.id{white-space:nowrap}table.list td.cmd{min-width:22em}\n"
	"table.list thead th{background:#eceff1}\n"
	"table.list pre{margin:0}\n"
	".k-agree{background:#e8f5e9}\n"
	".k-kernel_limit{background:#b3e5fc}\n"
	".k-enforcement_gap{background:#c62828;color:#fff}\n"
	".k-over_enforcement{background:#ff9800}\n"
	".k-premise_failed{background:#fff176}\n"
	".k-ambient_restriction{background:#e1bee7}\n"
	".k-expectation_mismatch{background:#f8bbd0}\n"
	".k-harness_error{background:#cfd8dc}\n"
	".k-skipped{background:repeating-linear-gradient(45deg,#fff,#fff 5px,#e0e0e0 5px,#e0e0e0 10px);color:#444}\n"
	".k-none{background:#fff;color:#757575}\n"
	".fails{box-shadow:inset 0 0 0 3px #000}.fails .w{font-weight:700;text-transform:uppercase}\n"
	"@media print{\n"
	"@page{size:landscape;margin:10mm}\n"
	"*{-webkit-print-color-adjust:exact;print-color-adjust:exact}\n"
	"body{margin:0;font-size:9pt}\n"
	"table.grid thead th{position:static}thead{display:table-header-group}tr{break-inside:avoid}\n"
	".more,.hint{display:none}details[open]>summary{outline:none}\n"
	"}\n";

/* The kind of a cell, which gives its class (k-KIND) and its words. */
static const char *cell_kind(const json_t *cell)
{
	if (!cell)
		return "none";
	if (json_is_true(json_object_get(cell, "skipped")))
		return "skipped";
	return lab_reason_from_name(str(cell, "reason")) >= 0 ? str(cell, "reason") : "harness_error";
}

static const char *kind_words(const char *kind)
{
	for (size_t i = 0; i < sizeof(marks) / sizeof(marks[0]); i++)
		if (strcmp(marks[i].reason, kind) == 0)
			return marks[i].words;
	return strcmp(kind, "skipped") == 0 ? "skipped" : "not in this row";
}

static bool kind_fails(const char *kind)
{
	int r = lab_reason_from_name(kind);

	return r >= 0 && lab_reason_fails((enum lab_reason)r);
}

/* One fact of the header, its value escaped, with an id to find it by. */
static void html_fact(FILE *f, const char *id, const char *name, const char *value)
{
	fprintf(f, "<div><dt>%s</dt><dd id=\"h-%s\">", name, id);
	html_text(f, value ? value : "unknown");
	fputs("</dd></div>\n", f);
}

static void html_header(FILE *f, const json_t *d, const char *title)
{
	const json_t *counts = json_object_get(d, "counts");
	const json_t *host = json_is_object(json_object_get(d, "host")) ? json_object_get(d, "host") : NULL;
	long long started = num(host, "started_at_unix_ms"), ended = num(host, "ended_at_unix_ms");
	char abi[32], uid[32], when[96] = "unknown", latch[160];
	long long failing = num(counts, "failing");

	(void)snprintf(abi, sizeof(abi), "%lld", num(host, "landlock_abi"));
	(void)snprintf(uid, sizeof(uid), "%lld", num(host, "uid"));
	(void)snprintf(latch, sizeof(latch), "%s (sha256 %.16s…)", str(host, "latch_version") ?: "?",
		       str(host, "latch_sha256") ?: "?");
	if (started > 0) {
		time_t t = (time_t)(started / 1000);
		struct tm tm;
		size_t o;

		if (gmtime_r(&t, &tm)) {
			o = strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
			if (ended >= started)
				(void)snprintf(when + o, sizeof(when) - o, ", %.1f s", (double)(ended - started) / 1000.0);
		}
	}
	fputs("<header>\n<h1>", f);
	html_text(f, title);
	fputs("</h1>\n<dl class=\"facts\">\n", f);
	html_fact(f, "run-id", "run", str(d, "run_id"));
	html_fact(f, "status", "status", str(d, "status"));
	html_fact(f, "plan", "plan", str(d, "plan_id"));
	html_fact(f, "plan-sha256", "plan sha256", str(host, "plan_sha256"));
	html_fact(f, "kernel", "kernel", str(host, "kernel"));
	html_fact(f, "landlock-abi", "Landlock ABI", host ? abi : NULL);
	html_fact(f, "uid", "uid", host ? uid : NULL);
	html_fact(f, "userns", "user namespaces",
		  !host ? NULL : json_is_true(json_object_get(host, "user_namespaces")) ? "available" : "not available");
	html_fact(f, "latch", "latch", host ? latch : NULL);
	html_fact(f, "time", "started", when);
	fputs("</dl>\n", f);
	fprintf(f, "<p class=\"verdict%s\" id=\"h-verdict\">", failing ? " fails" : "");
	if (failing)
		fprintf(f, "FAILS: %lld cell%s where the sandbox and the decision engine disagree "
			   "(enforcement gap or over-enforcement)",
			failing, failing == 1 ? "" : "s");
	else
		fputs("Nothing fails: no enforcement gap, no over-enforcement", f);
	fprintf(f, ". %zu rows x %zu profiles = %lld cells, %lld skipped.</p>\n</header>\n",
		json_array_size(json_object_get(d, "rows")), json_array_size(json_object_get(d, "profiles")),
		num(counts, "cells"), num(counts, "skipped"));
}

static void html_legend(FILE *f, const json_t *counts)
{
	const json_t *reasons = json_object_get(counts, "reasons");

	fputs("<ul class=\"legend\" id=\"legend\">\n", f);
	for (size_t i = 0; i < sizeof(marks) / sizeof(marks[0]); i++) {
		int r = lab_reason_from_name(marks[i].reason);

		fprintf(f, "<li><span class=\"sw k-%s%s\">%s</span><b>%lld</b> %s</li>\n", marks[i].reason,
			kind_fails(marks[i].reason) ? " fails" : "", marks[i].words, num(reasons, marks[i].reason),
			lab_reason_meaning((enum lab_reason)r));
	}
	fprintf(f, "<li><span class=\"sw k-skipped\">skipped</span><b>%lld</b> a risk tier 2 profile run "
		   "without --ack-risk</li>\n</ul>\n",
		num(counts, "skipped"));
	fputs("<p class=\"hint\">Each cell is the sandboxed outcome under that profile and, below it, how the three "
	      "lanes compare. Click a cell for the layer, the errno, the oracle's verdict, the reason and the "
	      "commands that reproduce it; click a row for its probe. Colour is never the only sign: the words say "
	      "the same in black and white.</p>\n",
	      f);
}

/* The probe and its arguments as one line of text, each part escaped. */
static void html_probe(FILE *f, const json_t *row)
{
	const json_t *a;
	size_t i;

	html_text(f, str(row, "probe_id") ?: "?");
	json_array_foreach(json_object_get(row, "args"), i, a) {
		fputc(' ', f);
		html_text(f, json_string_value(a));
	}
}

/* The commands that repeat a cell, as lines to paste (comments name the
 * lanes). */
static void html_reproduce(FILE *f, const json_t *repro)
{
	const json_t *o;
	size_t i;

	if (!json_is_object(repro))
		return;
	fputs("<pre class=\"f-reproduce\"># baseline\n", f);
	html_text(f, str(repro, "baseline"));
	fputs("\n# sandboxed\n", f);
	html_text(f, str(repro, "sandboxed"));
	if (json_array_size(json_object_get(repro, "oracle")))
		fputs("\n# oracle", f);
	json_array_foreach(json_object_get(repro, "oracle"), i, o) {
		fputc('\n', f);
		html_text(f, json_string_value(o));
	}
	fputs("</pre>", f);
}

static void html_row_header(FILE *f, const json_t *row, const char *baseline_cmd)
{
	html_wrap(f, "<th scope=\"row\"><details><summary><span class=\"rid\">", str(row, "row_id"), "?",
		  "</span><code class=\"probe\">");
	html_probe(f, row);
	fputs("</code></summary><div class=\"more\"><dl>", f);
	html_wrap(f, "<dt>family</dt><dd>", str(row, "family"), "unknown", "</dd>");
	html_wrap(f, "<dt>about</dt><dd>", str(row, "description"), "(no description in the plan)", "</dd>");
	html_wrap(f, "<dt>baseline</dt><dd>", str(row, "baseline"), "not_run", "</dd>");
	fputs("</dl>", f);
	if (baseline_cmd)
		html_wrap(f, "<pre># baseline: no sandbox\n", baseline_cmd, "", "</pre>");
	fputs("</div></details></th>", f);
}

static void html_cell(FILE *f, const json_t *row, const json_t *c)
{
	const char *kind = cell_kind(c), *outcome = str(c, "outcome");
	const char *shown = strcmp(kind, "skipped") == 0 ? "skipped" : outcome ? outcome : "not_run";
	const char *layer = str(c, "layer"), *how = str(c, "how");

	fprintf(f, "<td class=\"cell k-%s%s\">", kind, kind_fails(kind) ? " fails" : "");
	if (!c) {
		fprintf(f, "<span class=\"o\">-</span><span class=\"w\">%s</span></td>", kind_words(kind));
		return;
	}
	html_wrap(f, "<details><summary><span class=\"o\">", shown, "", "</span>");
	fprintf(f, "<span class=\"w\">%s</span></summary><div class=\"more\"><dl>", kind_words(kind));
	if (strcmp(kind, "skipped") != 0) {
		html_wrap(f, "<dt>sandboxed</dt><dd class=\"f-outcome\">", outcome, "not_run", "</dd>");
		html_wrap(f, "<dt>errno</dt><dd class=\"f-errno\">", str(c, "errno"), "none", "</dd>");
		html_wrap(f, "<dt>layer</dt><dd class=\"f-layer\">", layer, "unknown", "");
		if (how)
			html_wrap(f, " (", how, "", ")");
		fputs("</dd>", f);
		html_wrap(f, "<dt>baseline</dt><dd>", str(row, "baseline"), "not_run", "</dd>");
		html_wrap(f, "<dt>oracle</dt><dd>", str(c, "oracle"), "none", "</dd>");
	}
	fprintf(f, "<dt>agreement</dt><dd class=\"f-kind\">%s", kind_words(kind));
	html_wrap(f, str(c, "kernel_limit") ? ": " : "", str(c, "kernel_limit"), "", "</dd>");
	html_wrap(f, "<dt>detail</dt><dd>", str(c, "detail"), "", "</dd></dl>");
	html_reproduce(f, json_object_get(c, "reproduce"));
	fputs("</div></details></td>", f);
}

static void html_grid(FILE *f, const json_t *d)
{
	const json_t *profiles = json_object_get(d, "profiles"), *rows = json_object_get(d, "rows"), *row, *p;
	size_t i, j;

	fputs("<table class=\"grid\" id=\"grid\">\n<thead><tr><th>row</th><th>baseline</th>", f);
	json_array_foreach(profiles, j, p)
		html_wrap(f, "<th>", json_string_value(p), "?", "</th>");
	fputs("</tr></thead>\n<tbody>\n", f);
	json_array_foreach(rows, i, row) {
		const json_t *cells = json_object_get(row, "cells"), *any = NULL, *c;
		const char *key;

		json_object_foreach((json_t *)cells, key, c)
			if (!any && json_is_object(json_object_get(c, "reproduce")))
				any = json_object_get(c, "reproduce");
		fputs("<tr>", f);
		html_row_header(f, row, str(any, "baseline"));
		html_wrap(f, "<td class=\"base\">", str(row, "baseline"), "not_run", "</td>");
		json_array_foreach(profiles, j, p)
			html_cell(f, row, json_object_get(cells, json_string_value(p)));
		fputs("</tr>\n", f);
	}
	fputs("</tbody>\n</table>\n", f);
}

/* Every cell that does not agree, in the grid's order, with what it needs
 * on paper (where no cell opens). */
static void html_disagreements(FILE *f, const json_t *d)
{
	const json_t *profiles = json_object_get(d, "profiles"), *rows = json_object_get(d, "rows"), *row, *p;
	size_t i, j;
	bool any = false;

	fputs("<h2>Cells that do not agree</h2>\n", f);
	json_array_foreach(rows, i, row) {
		json_array_foreach(profiles, j, p) {
			const json_t *c = json_object_get(json_object_get(row, "cells"), json_string_value(p));
			const char *kind = cell_kind(c);

			if (!c || strcmp(kind, "agree") == 0 || strcmp(kind, "skipped") == 0)
				continue;
			if (!any)
				fputs("<table class=\"list\" id=\"disagreements\">\n<thead><tr><th>row</th><th>profile</th>"
				      "<th>agreement</th><th>baseline / sandboxed / oracle</th><th>errno, layer</th>"
				      "<th>detail</th><th>sandboxed, by hand</th></tr></thead>\n<tbody>\n",
				      f);
			any = true;
			html_wrap(f, "<tr><td class=\"id\">", str(row, "row_id"), "?", "</td>");
			html_wrap(f, "<td class=\"id\">", json_string_value(p), "?", "</td>");
			fprintf(f, "<td class=\"k-%s%s\">%s", kind, kind_fails(kind) ? " fails" : "", kind_words(kind));
			html_wrap(f, str(c, "kernel_limit") ? ": " : "", str(c, "kernel_limit"), "", "</td>");
			html_wrap(f, "<td>", str(row, "baseline"), "not_run", " / ");
			html_wrap(f, "", str(c, "outcome"), "not_run", " / ");
			html_wrap(f, "", str(c, "oracle"), "none", "</td>");
			html_wrap(f, "<td>", str(c, "errno"), "none", ", ");
			html_wrap(f, "", str(c, "layer"), "unknown", "</td>");
			html_wrap(f, "<td>", str(c, "detail"), "", "</td>");
			html_wrap(f, "<td class=\"cmd\"><pre>", str(json_object_get(c, "reproduce"), "sandboxed"), "",
				  "</pre></td></tr>\n");
		}
	}
	fputs(any ? "</tbody>\n</table>\n" : "<p>None: every cell agrees.</p>\n", f);
}

static void html_kernel_limits(FILE *f, const json_t *counts)
{
	const json_t *met = json_object_get(counts, "kernel_limits"), *n;
	const char *id;

	if (!json_object_size(met))
		return;
	fputs("<h2>Kernel limits met</h2>\n<table class=\"list\" id=\"kernel-limits\">\n<thead><tr><th>limit</th>"
	      "<th>cells</th><th>what it is</th></tr></thead>\n<tbody>\n",
	      f);
	json_object_foreach((json_t *)met, id, n) {
		const char *text = NULL;

		for (size_t i = 0; i < lab_n_kernel_limits; i++)
			if (strcmp(lab_kernel_limits[i].id, id) == 0)
				text = lab_kernel_limits[i].text;
		html_wrap(f, "<tr><td><code>", id, "", "</code></td>");
		fprintf(f, "<td>%lld</td>", (long long)json_integer_value(n));
		html_wrap(f, "<td>", text, "(not a limit this latch knows)", "</td></tr>\n");
	}
	fputs("</tbody>\n</table>\n", f);
}

int lab_write_html(FILE *f, const json_t *summary, const char *title)
{
	const json_t *d = data_of(summary);

	/* No script, no request: the policy says so to the browser as well,
	 * should a string ever slip through unescaped. */
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
	      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>",
	      f);
	html_text(f, title);
	fprintf(f, "</title>\n<style>\n%s</style></head>\n<body>\n", html_style);
	html_header(f, d, title);
	html_legend(f, json_object_get(d, "counts"));
	html_grid(f, d);
	html_disagreements(f, d);
	html_kernel_limits(f, json_object_get(d, "counts"));
	fputs("</body></html>\n", f);
	return fflush(f) == 0 && !ferror(f) ? 0 : -EIO;
}

int lab_write_html_file(const char *path, const json_t *summary, const char *title, struct error *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	int r;

	if (!f) {
		r = errno;
		if (fd >= 0)
			(void)close(fd);
		return error_set(err, r, "cannot write '%s': %s", path, strerror(r));
	}
	r = lab_write_html(f, summary, title);
	if (fclose(f) != 0 || r < 0)
		return error_set(err, EIO, "cannot write '%s'", path);
	return 0;
}
