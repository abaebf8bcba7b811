/* Markdown, text and HTML from a lab_summary envelope (report.h). */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lab/classify.h"
#include "lab/report.h"

/* One mark per reason, in the closed set's order. */
static const struct {
	const char *reason;
	const char *mark;
} marks[] = {
	{ "agree", "" },
	{ "ambient_restriction", "A" },
	{ "enforcement_gap", "G!" },
	{ "over_enforcement", "O!" },
	{ "kernel_limit", "K" },
	{ "expectation_mismatch", "E" },
	{ "premise_failed", "P" },
	{ "harness_error", "H" },
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

static void html_text(FILE *f, const char *s)
{
	for (; s && *s; s++)
		switch (*s) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		case '\'':
			fputs("&#39;", f);
			break;
		default:
			fputc(*s, f);
		}
}

/* The class a cell is coloured by: its outcome, or skipped. */
static const char *css_class(const json_t *cell)
{
	static const char *const known[] = { "ok", "denied", "dac_denied", "not_found", "exists", "premise_failed",
					     "unsupported", "harness_error", "bad_request", "unknown_probe", "timeout" };
	const char *o = str(cell, "outcome");

	if (!cell || json_is_true(json_object_get(cell, "skipped")))
		return "skipped";
	for (size_t i = 0; o && i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(known[i], o) == 0)
			return known[i];
	return "other";
}

int lab_write_html(FILE *f, const json_t *summary, const char *title)
{
	const json_t *d = data_of(summary), *counts = json_object_get(d, "counts");
	const json_t *profiles = json_object_get(d, "profiles"), *rows = json_object_get(d, "rows"), *row, *p;
	size_t i, j;

	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>", f);
	html_text(f, title);
	fputs("</title>\n<style>\n"
	      "body{font-family:system-ui,sans-serif;margin:2em;color:#222}\n"
	      "table{border-collapse:collapse;font-size:14px}\n"
	      "th,td{border:1px solid #bbb;padding:4px 8px;text-align:left}\n"
	      "th{background:#eee}\n"
	      "td.ok{background:#c8e6c9}td.denied{background:#ffcdd2}td.dac_denied{background:#ffe0b2}\n"
	      "td.not_found,td.exists{background:#e0e0e0}td.unsupported{background:#d1c4e9}\n"
	      "td.premise_failed,td.harness_error,td.bad_request,td.unknown_probe,td.timeout,td.other{background:#fff59d}\n"
	      "td.skipped{background:repeating-linear-gradient(45deg,#fafafa,#fafafa 6px,#eee 6px,#eee 12px);color:#777}\n"
	      "td.mismatch{font-weight:bold;outline:2px solid #555;outline-offset:-3px}\n"
	      "td.failing{outline:3px solid #b71c1c;outline-offset:-3px}\n"
	      "code{font-size:13px}\n"
	      "</style></head><body>\n<h1>",
	      f);
	html_text(f, title);
	fputs("</h1>\n<p>", f);
	html_text(f, str(d, "run_id"));
	fputs(" &middot; plan ", f);
	html_text(f, str(d, "plan_id"));
	fputs(" &middot; ", f);
	html_text(f, str(d, "status"));
	fputs("</p>\n<p>", f);
	{
		char *line = NULL;
		size_t len = 0;
		FILE *m = open_memstream(&line, &len);

		if (m) {
			counts_line(m, counts, ", ");
			if (fclose(m) == 0)
				html_text(f, line);
		}
		free(line);
	}
	fputs("</p>\n<table>\n<tr><th>row</th><th>probe</th><th>baseline</th>", f);
	json_array_foreach(profiles, j, p) {
		fputs("<th>", f);
		html_text(f, json_string_value(p));
		fputs("</th>", f);
	}
	fputs("</tr>\n", f);
	json_array_foreach(rows, i, row) {
		char args[512];

		args_text(row, args, sizeof(args));
		fputs("<tr><td>", f);
		html_text(f, str(row, "row_id"));
		fputs("</td><td><code>", f);
		html_text(f, args);
		fprintf(f, "</code></td><td class=\"%s\">", str(row, "baseline") ? str(row, "baseline") : "other");
		html_text(f, str(row, "baseline") ?: "not_run");
		fputs("</td>", f);
		json_array_foreach(profiles, j, p) {
			const json_t *c = json_object_get(json_object_get(row, "cells"), json_string_value(p));
			const char *reason = str(c, "reason");
			bool mismatch = reason && strcmp(reason, "agree") != 0;
			int r = lab_reason_from_name(reason);
			char cell[128];

			fprintf(f, "<td class=\"%s%s%s\" title=\"", css_class(c), mismatch ? " mismatch" : "",
				r >= 0 && lab_reason_fails((enum lab_reason)r) ? " failing" : "");
			html_text(f, str(c, "detail"));
			fputs(str(c, "oracle") ? "; oracle: " : "", f);
			html_text(f, str(c, "oracle"));
			fputs("\">", f);
			html_text(f, cell_text(c, true, cell, sizeof(cell)));
			fputs("</td>", f);
		}
		fputs("</tr>\n", f);
	}
	fputs("</table>\n<p>", f);
	html_text(f, legend);
	fputs(" Hover a cell for the lanes and the reason.</p>\n</body></html>\n", f);
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
