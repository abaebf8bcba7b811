/* What this kernel can enforce, found by trying (in short-lived child
 * processes where trying changes the caller), never by version numbers. */
#ifndef LATCH_SANDBOX_FEATURES_H
#define LATCH_SANDBOX_FEATURES_H

#include <jansson.h>
#include <stdbool.h>

struct kernel_features {
	char release[65];          /* uname -r */
	char machine[65];          /* uname -m */
	int landlock_abi;          /* >= 1, or 0 when unavailable */
	int landlock_errno;        /* why unavailable (ENOSYS, EOPNOTSUPP), else 0 */
	int landlock_errata;       /* errata bitmask (ABI >= 7), -1 if not reported */
	bool seccomp_filter;       /* SECCOMP_SET_MODE_FILTER works */
	int seccomp_errno;         /* why not (EINVAL: no filter mode, ETIMEDOUT: probe hung), else 0 */
	bool seccomp_notify;       /* a notification was delivered on a NEW_LISTENER fd and answered */
	int notify_errno;          /* why not (EBUSY: a listener already sits above us), else 0 */
	bool notify_addfd;         /* SECCOMP_IOCTL_NOTIF_ADDFD is known (5.9) */
	bool notify_addfd_send;    /* SECCOMP_ADDFD_FLAG_SEND is accepted (5.14) */
	bool notify_sync_wake_up;  /* SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (6.6) */
	bool wait_killable_recv;   /* SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (5.19) */
	bool userns;               /* an unprivileged user namespace can be created */
	int userns_errno;          /* why not, else 0 */
	char userns_detail[256];   /* the sysctls that decide it, as read */
};

/* Probe everything above. Never fails: what cannot be probed is reported as
 * unavailable with its errno. */
void features_probe(struct kernel_features *ret);

/* f as a JSON object: landlock {abi, available, errno, errata}, seccomp
 * {filter, errno, user_notification, user_notification_errno, addfd,
 * addfd_send, sync_wake_up, wait_killable_recv}, user_namespaces {available,
 * errno, detail}, kernel {release, machine}. An errno of 0 and an empty
 * detail are written as null. Returns NULL only when out of memory. */
json_t *features_to_json(const struct kernel_features *f);

#endif
