/* The JSON envelope every machine-readable output uses (see README, "JSON
 * contract"): keys sorted at every level, one envelope per line. */
#ifndef LATCH_BASE_JSON_UTIL_H
#define LATCH_BASE_JSON_UTIL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/macro.h"

#define LATCH_SCHEMA_VERSION 1

/* The "result" block. Fields that do not apply stay at their zero value and
 * are written as null: errno_name NULL, error NULL, exit_code < 0. */
struct json_result {
	bool ok;
	int rc;                  /* the command's own return code */
	int exit_code;           /* a child's exit status; < 0: null */
	const char *outcome;     /* normalized_outcome, e.g. "ok", "error" */
	const char *errno_name;  /* e.g. "EACCES"; NULL: null */
	const char *error;       /* one line; NULL: null */
};

/* Build an envelope of the given kind. Takes the reference to data (which
 * may be NULL for an empty object). Returns NULL only when out of memory. */
json_t *json_envelope(const char *kind, json_t *data, const struct json_result *result);

/* Write v as one line of compact JSON with sorted keys, then '\n', and flush.
 * Returns 0 or a negative errno. */
int json_write_line(FILE *f, const json_t *v);

/* v as one line, keys sorted, '\n' terminated, malloc'd; NULL when out of
 * memory. */
char *json_line(const json_t *v);

/* Strings and helpers that never return NULL for valid input: a string that
 * is not UTF-8 is stored with each offending byte as "\xNN" (so evidence is
 * never dropped), and a NULL string becomes JSON null. */
json_t *json_str(const char *s);

/* Sets key to value (stealing the reference). Ignores a NULL value only when
 * out of memory, which the caller detects when dumping. */
void json_set(json_t *obj, const char *key, json_t *value);

/* A JSON array of the strings in a NULL-terminated vector (NULL: []). */
json_t *json_strv(char *const *v);

/* A JSON array of port numbers. */
json_t *json_ports(const uint16_t *ports, size_t n);

/* errno name for a positive errno, e.g. "EACCES"; "E<number>" if unknown. */
const char *errno_name(int err);

/* Milliseconds since the epoch, for generated_at_unix_ms. */
long long unix_time_ms(void);

/* jansson provides json_decrefp(). */
#define _cleanup_json_ _cleanup_(json_decrefp)

#endif
