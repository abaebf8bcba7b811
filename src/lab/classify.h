/* Comparing the three lanes of one row under one profile: the closed set of
 * mismatch reasons, the table of documented kernel limits, and the rules
 * that pick a reason (README, "Lab"). Pure: no system calls. */
#ifndef LATCH_LAB_CLASSIFY_H
#define LATCH_LAB_CLASSIFY_H

#include <jansson.h>
#include <stdbool.h>

#include "lab/oracle.h"
#include "probe/outcome.h"

enum lab_reason {
	LAB_AGREE,                   /* no mismatch */
	LAB_AMBIENT_RESTRICTION,     /* the baseline itself was refused: the host, not the profile */
	LAB_ENFORCEMENT_GAP,         /* the oracle says deny, the sandbox allowed */
	LAB_OVER_ENFORCEMENT,        /* the oracle says allow, the sandbox refused */
	LAB_KERNEL_LIMIT,            /* a gap or an excess that a documented kernel limit explains */
	LAB_EXPECTATION_MISMATCH,    /* the lanes agree, the plan expected something else */
	LAB_PREMISE_FAILED,          /* the probe's own precondition did not hold */
	LAB_HARNESS_ERROR,           /* the harness failed; nothing was measured */
	_LAB_REASON_MAX,
};

/* When a kernel limit applies, beyond its probe and operations. */
enum lab_limit_when {
	LAB_WHEN_ALWAYS,
	LAB_WHEN_MASKED_EMPTY,  /* the sandbox had its own mount namespace and read nothing (a mask) */
	LAB_WHEN_ABI_LACKS,     /* the applied Landlock ABI does not handle the right the oracle denied */
	LAB_WHEN_ABI_1,         /* Landlock ABI 1 (no REFER right) */
	_LAB_WHEN_MAX,
};

struct lab_kernel_limit {
	const char *id;
	const char *text;        /* the limit, stated once */
	enum lab_reason covers;  /* LAB_ENFORCEMENT_GAP or LAB_OVER_ENFORCEMENT */
	const char *probe_id;    /* NULL: any probe */
	const char *const *ops;  /* --op values (NULL: any) */
	enum lab_limit_when when;
};

extern const struct lab_kernel_limit lab_kernel_limits[];
extern const size_t lab_n_kernel_limits;

/* Everything the comparison looks at. */
struct lab_compare {
	const char *probe_id;
	const char *op;              /* the probe's --op, or NULL */
	int baseline;                /* enum probe_outcome */
	int sandboxed;               /* enum probe_outcome */
	const struct lab_oracle *oracle;
	bool own_mnt_ns;             /* the sandboxed probe had a mount namespace of its own */
	bool read_nothing;           /* it read 0 bytes, or listed 0 entries */
	int landlock_abi;            /* applied */
	bool has_expected;           /* the plan expects something here */
	bool expected_ok;            /* ...and the sandboxed outcome is one of it */
	const char *oracle_drift;    /* lab_oracle_matches() said no: why; NULL: it matched */
};

struct lab_classification {
	enum lab_reason reason;
	enum lab_reason underlying;  /* kernel_limit: the gap or excess it explains; else = reason */
	const struct lab_kernel_limit *limit; /* kernel_limit: which */
	char detail[640];            /* one line */
};

void lab_classify(const struct lab_compare *c, struct lab_classification *ret);

/* Whether the reason fails a run: enforcement_gap and over_enforcement
 * (never kernel_limit, which names a documented limit). */
bool lab_reason_fails(enum lab_reason r);

const char *lab_reason_name(enum lab_reason r);
const char *lab_reason_meaning(enum lab_reason r);
int lab_reason_from_name(const char *name);

#endif
