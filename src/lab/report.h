/* Renderings of a lab_summary envelope (run.h): Markdown for summary.md, an
 * aligned text table for `latch lab show` and `latch matrix`, and a
 * self-contained HTML page (README, "The report"): the run's facts, the rows
 * x profiles grid coloured by agreement with each cell's details a click
 * away, the cells that do not agree, the kernel limits met. They read only
 * the summary, so a run directory renders the same whenever it is shown.
 * Prefix: lab_. */
#ifndef LATCH_LAB_REPORT_H
#define LATCH_LAB_REPORT_H

#include <jansson.h>
#include <stdio.h>

#include "base/error.h"

/* summary.md; caller frees. NULL when out of memory. */
char *lab_summary_markdown(const json_t *summary);

/* The grid and the counts as text, one row per plan row. */
void lab_print_summary(FILE *f, const json_t *summary);

/* A whole HTML page: inline style, no script, nothing to fetch (its
 * Content-Security-Policy says so too), every string from the summary
 * escaped and bytes that are not UTF-8 shown as \xNN. Returns 0 or -EIO. */
int lab_write_html(FILE *f, const json_t *summary, const char *title);

/* The page into a file (created or truncated, never through a symlink).
 * Returns 0 or a negative errno with err set. */
int lab_write_html_file(const char *path, const json_t *summary, const char *title, struct error *err);

/* The mark a cell gets for a mismatch reason ("K", "G!", ...); "" for agree. */
const char *lab_reason_mark(const char *reason);

#endif
