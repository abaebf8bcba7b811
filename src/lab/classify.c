/* Mismatch reasons, the kernel limits latch documents, and the comparison
 * of three lanes. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lab/classify.h"

static const struct {
	const char *name;
	const char *meaning;
} reasons[_LAB_REASON_MAX] = {
	[LAB_AGREE] = { "agree", "the lanes agree" },
	[LAB_AMBIENT_RESTRICTION] = { "ambient_restriction",
				      "the baseline itself was refused: the host, not the profile, forbids it" },
	[LAB_ENFORCEMENT_GAP] = { "enforcement_gap",
				  "the oracle says deny, the sandbox allowed: a security bug or an unenforceable rule" },
	[LAB_OVER_ENFORCEMENT] = { "over_enforcement", "the oracle says allow, the sandbox refused" },
	[LAB_KERNEL_LIMIT] = { "kernel_limit", "a documented limit of this kernel's mechanisms (named)" },
	[LAB_EXPECTATION_MISMATCH] = { "expectation_mismatch",
				       "the lanes agree, and the plan expected another outcome" },
	[LAB_PREMISE_FAILED] = { "premise_failed", "the probe's own precondition did not hold: nothing was measured" },
	[LAB_HARNESS_ERROR] = { "harness_error", "the harness failed, or the oracle and the probe asked different "
						 "questions: nothing was measured" },
};

const char *lab_reason_name(enum lab_reason r)
{
	return (unsigned)r < _LAB_REASON_MAX ? reasons[r].name : NULL;
}

const char *lab_reason_meaning(enum lab_reason r)
{
	return (unsigned)r < _LAB_REASON_MAX ? reasons[r].meaning : NULL;
}

int lab_reason_from_name(const char *name)
{
	for (int r = 0; name && r < _LAB_REASON_MAX; r++)
		if (strcmp(reasons[r].name, name) == 0)
			return r;
	return -EINVAL;
}

bool lab_reason_fails(enum lab_reason r)
{
	return r == LAB_ENFORCEMENT_GAP || r == LAB_OVER_ENFORCEMENT;
}

static const char *const metadata_ops[] = { "chmod", "getxattr", "readlink", "realpath", "setxattr", "stat", NULL };
static const char *const read_ops[] = { "listdir", "open_read", NULL };
static const char *const refer_ops[] = { "link", "rename", NULL };

/* The kernel limits latch documents (README, "What this kernel showed" and
 * "Lab"), each stated once. A gap or an excess is a kernel_limit only when a
 * row here matches it; nothing is invented per run. */
const struct lab_kernel_limit lab_kernel_limits[] = {
	{ "landlock_unmediated_metadata",
	  "Landlock does not mediate chmod/setxattr/stat/readlink (nor getxattr or realpath): they work on any path "
	  "the process can reach",
	  LAB_ENFORCEMENT_GAP, "fs_op", metadata_ops, LAB_WHEN_ALWAYS },
	{ "memfd_exec_unconfined",
	  "memfd exec is not confined by Landlock: a memfd lies beneath no path rule, so fileless execution works "
	  "unless a supervisor refuses it",
	  LAB_ENFORCEMENT_GAP, "memfd_exec", NULL, LAB_WHEN_ALWAYS },
	{ "mask_reads_empty",
	  "a masked file reads as empty rather than denied: a mount mask is an empty read-only file or tmpfs",
	  LAB_ENFORCEMENT_GAP, "fs_op", read_ops, LAB_WHEN_MASKED_EMPTY },
	{ "mmap_exec_unmediated",
	  "Landlock checks opening a library for reading, not mapping it executable: dlopen needs only read access",
	  LAB_ENFORCEMENT_GAP, "dlopen", NULL, LAB_WHEN_ALWAYS },
	{ "landlock_abi_lacks_right",
	  "this kernel's Landlock ABI does not handle the right (truncate before ABI 3, TCP ports before 4, device "
	  "ioctl before 5, signal and abstract-socket scopes before 6): degraded and reported at start",
	  LAB_ENFORCEMENT_GAP, NULL, NULL, LAB_WHEN_ABI_LACKS },
	{ "landlock_refer_abi1",
	  "Landlock ABI 1 refuses every rename and link across directories (no REFER right), even where the profile "
	  "allows both ends",
	  LAB_OVER_ENFORCEMENT, "fs_op", refer_ops, LAB_WHEN_ABI_1 },
};

const size_t lab_n_kernel_limits = ELEMENTSOF(lab_kernel_limits);

static bool in_list(const char *const *list, const char *s)
{
	for (size_t i = 0; list && list[i]; i++)
		if (s && strcmp(list[i], s) == 0)
			return true;
	return !list;
}

static bool oracle_abi_lacks(const struct lab_oracle *o)
{
	for (size_t i = 0; o && i < o->n; i++)
		if (!o->q[i].allow && o->q[i].abi_lacks)
			return true;
	return false;
}

static const struct lab_kernel_limit *find_limit(const struct lab_compare *c, enum lab_reason r)
{
	for (size_t i = 0; i < lab_n_kernel_limits; i++) {
		const struct lab_kernel_limit *k = &lab_kernel_limits[i];
		bool when = false;

		if (k->covers != r || (k->probe_id && strcmp(k->probe_id, c->probe_id) != 0) || !in_list(k->ops, c->op))
			continue;
		switch (k->when) {
		case LAB_WHEN_ALWAYS:
			when = true;
			break;
		case LAB_WHEN_MASKED_EMPTY:
			when = c->own_mnt_ns && c->read_nothing;
			break;
		case LAB_WHEN_ABI_LACKS:
			when = oracle_abi_lacks(c->oracle);
			break;
		case LAB_WHEN_ABI_1:
			when = c->landlock_abi == 1;
			break;
		case _LAB_WHEN_MAX:
			break;
		}
		if (when)
			return k;
	}
	return NULL;
}

static void set(struct lab_classification *ret, enum lab_reason r, const char *fmt, ...) _printf_(3, 4);

static void set(struct lab_classification *ret, enum lab_reason r, const char *fmt, ...)
{
	va_list ap;

	ret->reason = ret->underlying = r;
	va_start(ap, fmt);
	(void)vsnprintf(ret->detail, sizeof(ret->detail), fmt, ap);
	va_end(ap);
}

/* A gap or an excess, or the kernel limit that explains it. */
static void disagree(const struct lab_compare *c, struct lab_classification *ret, enum lab_reason r)
{
	const char *b = probe_outcome_name(c->baseline), *s = probe_outcome_name(c->sandboxed);
	const char *o = lab_verdict_name(c->oracle->verdict);

	set(ret, r, "baseline %s, sandboxed %s, oracle %s", b, s, o);
	ret->limit = find_limit(c, r);
	if (ret->limit) {
		ret->reason = LAB_KERNEL_LIMIT;
		(void)snprintf(ret->detail, sizeof(ret->detail), "baseline %s, sandboxed %s, oracle %s: %s", b, s, o,
			       ret->limit->text);
	}
}

static bool refused(int o)
{
	return o == PROBE_DENIED || o == PROBE_DAC_DENIED;
}

static bool unmeasured(int o)
{
	return o == PROBE_HARNESS_ERROR || o == PROBE_TIMEOUT || o == PROBE_BAD_REQUEST || o == PROBE_UNKNOWN_PROBE ||
	       o < 0;
}

/* The rules, first match wins (README, "Lab"):
 *   1. either observed lane did not measure (harness_error, timeout,
 *      bad_request), or the probe asked another question than the oracle
 *                                                    harness_error
 *   2. either observed lane is premise_failed        premise_failed
 *   3. the baseline is refused (dac_denied, denied, unsupported):
 *        the oracle says allow                       ambient_restriction
 *        the sandbox succeeded all the same          harness_error
 *        otherwise (refused either way)              agree
 *   4. the oracle says deny:
 *        the sandbox refused, or hid what the
 *        baseline found (not_found)                  agree
 *        the sandbox failed as the baseline did      agree (the op fails either way)
 *        the sandbox succeeded                       enforcement_gap, or kernel_limit
 *        otherwise                                   premise_failed
 *   5. the oracle says allow or has no decision:
 *        the sandbox did as the baseline did         agree
 *        the sandbox succeeded, the baseline not     harness_error
 *        otherwise                                   over_enforcement, or kernel_limit
 *   6. the lanes agree but the plan expected another outcome
 *                                                    expectation_mismatch */
void lab_classify(const struct lab_compare *c, struct lab_classification *ret)
{
	const char *b = probe_outcome_name(c->baseline), *s = probe_outcome_name(c->sandboxed);
	enum lab_verdict v = c->oracle ? c->oracle->verdict : LAB_VERDICT_NO_DECISION;

	memset(ret, 0, sizeof(*ret));
	if (unmeasured(c->baseline) || unmeasured(c->sandboxed)) {
		set(ret, LAB_HARNESS_ERROR, "nothing was measured: baseline %s, sandboxed %s", b ? b : "missing",
		    s ? s : "missing");
		return;
	}
	if (c->oracle_drift) {
		set(ret, LAB_HARNESS_ERROR, "%s", c->oracle_drift);
		return;
	}
	if (c->baseline == PROBE_PREMISE_FAILED || c->sandboxed == PROBE_PREMISE_FAILED) {
		set(ret, LAB_PREMISE_FAILED, "the probe's premise did not hold: baseline %s, sandboxed %s", b, s);
		return;
	}
	if (refused(c->baseline) || c->baseline == PROBE_UNSUPPORTED) {
		if (c->sandboxed == PROBE_OK)
			set(ret, LAB_HARNESS_ERROR, "the sandboxed run succeeded where the baseline was refused (%s)", b);
		else if (v == LAB_VERDICT_ALLOW)
			set(ret, LAB_AMBIENT_RESTRICTION, "the oracle allows it, but the host refuses it without a sandbox (%s)",
			    b);
		else
			goto expectation;
		return;
	}
	if (v == LAB_VERDICT_DENY) {
		if (refused(c->sandboxed) || (c->sandboxed == c->baseline && c->baseline != PROBE_OK) ||
		    (c->sandboxed == PROBE_NOT_FOUND && c->baseline == PROBE_OK))
			goto expectation;
		if (c->sandboxed == PROBE_OK)
			disagree(c, ret, LAB_ENFORCEMENT_GAP);
		else
			set(ret, LAB_PREMISE_FAILED, "the oracle says deny; the sandboxed outcome %s is neither a success "
						     "nor a refusal (baseline %s)", s, b);
		return;
	}
	if (c->sandboxed == c->baseline)
		goto expectation;
	if (c->sandboxed == PROBE_OK)
		set(ret, LAB_HARNESS_ERROR, "the sandboxed run succeeded where the baseline did not (%s)", b);
	else
		disagree(c, ret, LAB_OVER_ENFORCEMENT);
	return;
expectation:
	if (c->has_expected && !c->expected_ok)
		set(ret, LAB_EXPECTATION_MISMATCH, "the lanes agree (baseline %s, sandboxed %s, oracle %s), the plan "
						   "expected otherwise", b, s, lab_verdict_name(v));
	else
		set(ret, LAB_AGREE, "baseline %s, sandboxed %s, oracle %s", b, s, lab_verdict_name(v));
}
