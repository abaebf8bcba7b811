/* Dropping capabilities with capget/capset and prctl: no library needed for
 * three system calls. */
#include <errno.h>
#include <jansson.h>
#include <stdbool.h>
#include <linux/capability.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/macro.h"
#include "policy/policy.h"
#include "sandbox/caps.h"

#define CAP_BIT(c) (UINT64_C(1) << (c))

/* One row per kept capability, with the file work it does. */
static const int kept[] = {
	CAP_CHOWN,            /* chown a file in the project, as tar and cp -a do */
	CAP_DAC_OVERRIDE,     /* root's ordinary file access (Landlock still decides) */
	CAP_DAC_READ_SEARCH,  /* ... and directory search */
	CAP_FOWNER,           /* chmod and utimes of files root does not own */
	CAP_KILL,             /* signals (Landlock's scope still confines them) */
	CAP_SETGID,           /* dropping to another user: su, apt's _apt */
	CAP_SETUID,
	CAP_NET_BIND_SERVICE, /* a dev server on port 80 (the port rules still decide) */
};

json_t *caps_kept_to_json(uint64_t extra)
{
	uint64_t keep = caps_kept() | extra;
	json_t *a = json_array();

	for (int c = 0; c < 64; c++)
		if (keep & CAP_BIT(c))
			(void)json_array_append_new(a, json_string(policy_cap_name(c) ? policy_cap_name(c) : "?"));
	return a;
}

uint64_t caps_kept(void)
{
	uint64_t set = 0;

	for (size_t i = 0; i < ELEMENTSOF(kept); i++)
		set |= CAP_BIT(kept[i]);
	return set;
}

static int caps_get(struct __user_cap_data_struct data[2])
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };

	return (int)syscall(SYS_capget, &hdr, data);
}

static int caps_set(struct __user_cap_data_struct data[2])
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };

	return (int)syscall(SYS_capset, &hdr, data);
}

static void mask(struct __user_cap_data_struct data[2], uint64_t keep, bool permitted)
{
	data[0].effective &= (uint32_t)keep;
	data[1].effective &= (uint32_t)(keep >> 32);
	data[0].inheritable &= (uint32_t)keep;
	data[1].inheritable &= (uint32_t)(keep >> 32);
	if (permitted) {
		data[0].permitted &= (uint32_t)keep;
		data[1].permitted &= (uint32_t)(keep >> 32);
	}
}

int caps_drop(uint64_t extra, struct error *err)
{
	struct __user_cap_data_struct data[2] = { 0 };
	uint64_t keep = caps_kept() | extra;
	int last;

	if (caps_get(data) < 0)
		return error_set(err, errno, "cannot read the capabilities: %s", strerror(errno));
	/* The bounding set limits what an exec can ever give back (a file
	 * capability, a setuid-root binary under a parent without
	 * no_new_privs). Dropping it needs CAP_SETPCAP, which only a caller
	 * that holds capabilities has; without them there is nothing to
	 * bound. */
	if (data[0].effective & CAP_BIT(CAP_SETPCAP)) {
		for (last = 0; prctl(PR_CAPBSET_READ, last, 0, 0, 0) >= 0; last++)
			;
		for (int c = 0; c < last && c < 64; c++)
			if (!(keep & CAP_BIT(c)) && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0)
				return error_set(err, errno, "cannot drop capability %d from the bounding set: %s", c,
						 strerror(errno));
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return error_set(err, errno, "cannot clear the ambient capabilities: %s", strerror(errno));
	mask(data, keep, true);
	if (caps_set(data) < 0)
		return error_set(err, errno, "cannot drop capabilities: %s", strerror(errno));
	return 0;
}

static uint64_t effective(void)
{
	struct __user_cap_data_struct data[2] = { 0 };

	if (caps_get(data) < 0)
		return 0;
	return data[0].effective | (uint64_t)data[1].effective << 32;
}

bool caps_have(int cap)
{
	return cap >= 0 && cap < 64 && (effective() & CAP_BIT(cap));
}

bool caps_any(void)
{
	return effective() != 0;
}

int caps_lower_effective(uint64_t extra, struct error *err)
{
	struct __user_cap_data_struct data[2] = { 0 };

	if (caps_get(data) < 0)
		return error_set(err, errno, "cannot read the capabilities: %s", strerror(errno));
	mask(data, caps_kept() | extra, false);
	if (caps_set(data) < 0)
		return error_set(err, errno, "cannot lower the capabilities: %s", strerror(errno));
	return 0;
}

int caps_effective(int cap, bool on)
{
	struct __user_cap_data_struct data[2] = { 0 };
	uint32_t bit = 1u << (cap % 32);

	if (cap < 0 || cap > 63 || caps_get(data) < 0)
		return -EINVAL;
	if (on && !(data[cap / 32].permitted & bit))
		return -EPERM;
	if (on)
		data[cap / 32].effective |= bit;
	else
		data[cap / 32].effective &= ~bit;
	return caps_set(data) < 0 ? -errno : 0;
}
