/* What the lab reads back from a lane: the probe's response (readback.c),
 * the supervisor's event stream, the attribution the two give together;
 * and the event lines the supervisor writes, read back.
 *
 * The input is the probe's stdout; after a line "%%", the events file;
 * after another, the strings of one event the supervisor writes,
 * NUL-separated: path, resolved path, second path, exe, rule, reason.
 *
 * Promises checked: each reader answers (a response, or which way it is
 * not one); at most LAB_EVENTS_KEPT events are kept; what the lab keeps
 * is JSON that its own writer turns into the same text after a round
 * trip (what `latch evidence verify` insists on); an event line the
 * supervisor writes is one line that the lab reads back as the envelope
 * sup_event_json() builds. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json-util.h"
#include "fuzz/fuzz.h"
#include "lab/evidence.h"
#include "lab/lab.h"
#include "lab/readback.h"
#include "probe/outcome.h"
#include "supervise/sup-internal.h"

/* The text the lab writes for v reads back as a document it writes the
 * same way: the canonical form is a fixed point. */
static void check_canonical(const json_t *v)
{
	for (int pretty = 0; pretty < 2; pretty++) {
		char *text = lab_json_text(v, pretty);
		json_t *again;
		char *text2;

		FUZZ_CHECK(text);
		again = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
		FUZZ_CHECK(again);
		text2 = lab_json_text(again, pretty);
		FUZZ_CHECK(text2 && strcmp(text, text2) == 0);
		free(text2);
		json_decref(again);
		free(text);
	}
}

static json_t *read_events(const char *data, size_t len)
{
	/* fmemopen() wants a buffer of at least one byte. */
	FILE *f = fmemopen((void *)(len ? data : "\n"), len ? len : 1, "r");
	json_t *events;

	FUZZ_CHECK(f);
	events = lab_events_read(f);
	(void)fclose(f);
	FUZZ_CHECK(json_is_array(events) && json_array_size(events) <= LAB_EVENTS_KEPT);
	return events;
}

/* The supervisor writes an event with these strings; the lab reads it. */
static void check_event_line(const char *data, size_t len)
{
	char *buf, *s[6];
	struct sup_event ev = { .time_unix_ms = 1700000000000LL, .pid = 7, .tid = 8, .syscall = "openat",
				.access = "read", .allow = len & 1, .action = "deny", .layer = "supervisor",
				.decided_by = "profile", .err = len & 2 ? EACCES : 0, .latency_us = (long long)len };
	/* At most six bytes for each byte of a string ("\u001f"). */
	size_t size = 6 * len + 4096;
	char *line = malloc(size);
	json_t *env, *events;
	int n;

	FUZZ_CHECK(line);
	(void)fuzz_strings(data, len, &buf, s, 6);
	ev.path = s[0];
	ev.resolved = s[1];
	ev.path2 = s[2];
	ev.exe = s[3];
	ev.rule = s[4];
	ev.reason = s[5];
	n = sup_event_format(&ev, 1, line, size);
	FUZZ_CHECK(n > 0 && strchr(line, '\n') == line + n - 1);
	events = read_events(line, (size_t)n);
	env = sup_event_json(&ev);
	FUZZ_CHECK(env && json_array_size(events) == 1);
	FUZZ_CHECK(json_equal(json_array_get(events, 0), json_object_get(env, "data")));
	json_decref(env);
	json_decref(events);
	free(line);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_part part[3];
	size_t n = fuzz_split(data, size, part, 3);
	json_t *resp = NULL, *events, *seen = NULL;
	int outcome = -1, r;

	r = lab_response_parse(part[0].data, part[0].len, &resp, &outcome);
	FUZZ_CHECK(r == 0 || r == -EBADMSG || r == -EPROTO);
	FUZZ_CHECK(r != 0 || (json_is_object(resp) && probe_outcome_name((enum probe_outcome)outcome)));
	FUZZ_CHECK(r == 0 || (!resp && outcome == -1));
	events = read_events(n > 1 ? part[1].data : "", n > 1 ? part[1].len : 0);
	if (resp) {
		seen = lab_attribution_observed(resp, events);
		FUZZ_CHECK(!seen || strcmp(json_string_value(json_object_get(seen, "how")), "observed") == 0);
		check_canonical(resp);
	}
	check_canonical(events);
	if (seen)
		check_canonical(seen);
	if (n > 2)
		check_event_line(part[2].data, part[2].len);
	json_decref(seen);
	json_decref(events);
	json_decref(resp);
	return 0;
}
