/* The notify filters compiled at build time (build/gen/sfilter-bpf.c, by
 * scripts/sfilter-gen.c): kept apart from filter.c, which the generator
 * itself links. */
#include <errno.h>

#include "sandbox/seccomp.h"
#include "supervise/supervise.h"

int sup_filter_prebuilt(struct sup_filter **ret, enum sup_scope scope, struct error *err)
{
	const struct sfilter_program *p;

	if ((unsigned)scope >= SUP_N_SCOPES)
		return error_set(err, EINVAL, "no notify filter for scope %d", (int)scope);
	p = &sup_filter_programs[scope];
	*ret = sup_filter_from(p->filter, p->len);
	if (!*ret)
		return error_set(err, ENOMEM, "out of memory");
	return 0;
}
