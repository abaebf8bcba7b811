/* What the lab reads back from a lane that ran: the probe's probe_response
 * (its stdout, written from inside the sandbox) and the supervisor's events
 * (paths as the sandboxed program wrote them), and what the two say
 * together. Pure but for reading from a stream. Prefix: lab_. */
#ifndef LATCH_LAB_READBACK_H
#define LATCH_LAB_READBACK_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

/* The probe_response in out (len bytes, as captured): exactly one line, an
 * envelope of kind probe_response, this schema version, a known
 * normalized_outcome and a data object. Returns 0 with *ret (a reference)
 * and *ret_outcome (enum probe_outcome); -EBADMSG when out is not one
 * '\n'-terminated line; -EPROTO when the line is not such an envelope. */
int lab_response_parse(const char *out, size_t len, json_t **ret, int *ret_outcome);

/* The supervisor's events, one sandbox_event envelope per line: the data
 * object of each line that has one, at most LAB_EVENTS_KEPT (lab.h); other
 * lines are skipped. Never NULL but out of memory. */
json_t *lab_events_read(FILE *f);

/* What the events show of the probe's own operation: the denial of the
 * path the response names (or, for an access without a path, of its
 * system call), as attribution "observed" ({how, layer, reason, rule,
 * syscall, errno, agrees_with_inferred}); NULL when no event shows it. */
json_t *lab_attribution_observed(const json_t *resp, const json_t *events);

#endif
