/* Capabilities: a program in the sandbox keeps only those that do file work
 * for it (the rest would let root reach past every other layer: /proc/kcore
 * with CAP_SYS_RAWIO, the clock with CAP_SYS_TIME, raw sockets around the
 * port rules with CAP_NET_RAW, device nodes with CAP_MKNOD, file
 * capabilities with CAP_SETFCAP). An unprivileged program holds none, so
 * for it this changes nothing. */
#ifndef LATCH_SANDBOX_CAPS_H
#define LATCH_SANDBOX_CAPS_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "base/error.h"

/* The capabilities a sandboxed program may keep, as a bit set by number:
 * chown, dac_override, dac_read_search, fowner, kill, setgid, setuid,
 * net_bind_service. Everything else, fsetid and setpcap included, goes. */
uint64_t caps_kept(void);

/* Lower the calling process to caps_kept() | extra (a profile's
 * process.capabilities): the bounding set (where it holds CAP_SETPCAP),
 * then the effective, permitted and inheritable sets, and the ambient set
 * cleared. Returns 0 or a negative errno with err set. */
int caps_drop(uint64_t extra, struct error *err);

/* The names of caps_kept() | extra, lower case without "cap_", in number
 * order. */
json_t *caps_kept_to_json(uint64_t extra);

/* Whether the calling process holds capability cap in its effective set. */
bool caps_have(int cap);

/* Whether it holds any capability at all in its effective set. */
bool caps_any(void);

/* Lower only the effective set to caps_kept() | extra (the permitted set
 * stays): for the supervisor, which must act for the program with no more
 * than the program's own rights. */
int caps_lower_effective(uint64_t extra, struct error *err);

/* Raise one capability of the permitted set into the effective set, or
 * lower it again. Returns 0 or a negative errno (-EPERM: not permitted). */
int caps_effective(int cap, bool on);

#endif
