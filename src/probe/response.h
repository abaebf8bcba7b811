/* The probe_response envelope (README, "Probes"). Every key of data is
 * always present, null when it does not apply, so the shape never depends
 * on the probe or on how it ended:
 *
 *   access          {access, landlock, path, port, to_access, to_path}: what
 *                   the decision engine is asked about the operation; null
 *                   when it is not an access the engine knows
 *   attribution     {how, layer, reason}: how is "inferred" (errno plus the
 *                   decision engine) or "observed" (a supervisor event)
 *   correlation_id, expected_outcome, plan_id, row_id: echoed from the request
 *   details         the probe's own fields
 *   errno           the operation's errno name (also in result.errno)
 *   harness         {created_by, dir, path_safety}
 *   isolation       {ipc, mnt, net, pid, user, uts}: true where the probe is in
 *                   a namespace of its own (not the runner's); null: unknown
 *   lane            "sandboxed" or "unsandboxed"
 *   pid             the probe process
 *   probe_args, probe_id
 *   profile         the profile's name (null unsandboxed)
 *   runner          {launched_via ("cli_run" or "exec"), pid, signal}
 *   syscall         the system call that gave errno */
#ifndef LATCH_PROBE_RESPONSE_H
#define LATCH_PROBE_RESPONSE_H

#include <jansson.h>

#include "probe/outcome.h"

#define PROBE_RESPONSE_KIND "probe_response"

/* A data object with every key, all null. NULL when out of memory. */
json_t *probe_data_new(void);

/* Copy into `to` the values of from's keys that data has (others are
 * ignored, so a probe cannot change the shape). */
void probe_data_merge(json_t *to, const json_t *from);

/* The envelope: result.rc and result.ok follow the outcome table; errno and
 * error may be NULL; exit_code < 0 is null. Takes the reference to data. */
json_t *probe_envelope(json_t *data, enum probe_outcome o, const char *errno_name, const char *error, int exit_code);

/* The attribution block. */
json_t *probe_attribution_json(enum probe_layer layer, const char *reason);

/* The facts in data (access, syscall, errno, isolation, details.target and
 * target_pid) for probe_attribute(); strings point into data. What only the
 * runner can know (dac, exists_outside) is left at -1 and false. */
void probe_facts_from_data(const json_t *data, struct probe_facts *ret);

#endif
