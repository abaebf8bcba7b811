/* Landlock's records in the kernel's audit log, as the session log reads
 * them (ll_audit_parse()): the kernel writes them, but the paths, the
 * program's name and its command are the sandboxed program's choice.
 *
 * The input is the text of a record, read as an access record and as a
 * domain record; and, up to its first NUL, a path that goes into an
 * access record the way the kernel writes one (quoted when it is plain,
 * in hex otherwise).
 *
 * Promises checked: a record is read or refused (-EINVAL); what is read
 * is NUL-terminated and its access has a name; a path comes back exactly
 * as the program named it, whichever way the kernel wrote it. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz/fuzz.h"
#include "sandbox/audit.h"

static void check_record(int type, const char *text)
{
	static struct ll_audit_record r;
	int e;

	memset(&r, 0x55, sizeof(r));
	e = ll_audit_parse(type, text, &r);
	FUZZ_CHECK(e == 0 || e == -EINVAL);
	if (e < 0)
		return;
	FUZZ_CHECK(r.type == type);
	FUZZ_CHECK(memchr(r.blockers, '\0', sizeof(r.blockers)) && memchr(r.path, '\0', sizeof(r.path)));
	FUZZ_CHECK(memchr(r.object, '\0', sizeof(r.object)) && memchr(r.exe, '\0', sizeof(r.exe)));
	if (type == LL_AUDIT_ACCESS)
		FUZZ_CHECK(ll_audit_access(r.blockers));
}

/* The kernel's audit_log_untrustedstring(): quoted, unless a byte is a
 * control character, a space, a quote or above 0x7e: then hex. */
static void check_path(const char *path)
{
	static char text[2 * PATH_MAX + 256];
	static struct ll_audit_record r;
	size_t n = strlen(path), o;
	bool hex = false;

	for (size_t i = 0; i < n; i++)
		hex = hex || (unsigned char)path[i] <= 0x20 || (unsigned char)path[i] >= 0x7f || path[i] == '"';
	o = (size_t)snprintf(text, sizeof(text), "audit(1729738800.221:33): domain=1a6fdc679 blockers=fs.read_file path=");
	if (hex)
		for (size_t i = 0; i < n; i++)
			o += (size_t)snprintf(text + o, sizeof(text) - o, "%02X", (unsigned char)path[i]);
	else
		o += (size_t)snprintf(text + o, sizeof(text) - o, "\"%s\"", path);
	(void)snprintf(text + o, sizeof(text) - o, " dev=\"vda\" ino=12");
	FUZZ_CHECK(ll_audit_parse(LL_AUDIT_ACCESS, text, &r) == 0);
	FUZZ_CHECK(strcmp(r.path, path) == 0);
	FUZZ_CHECK(strcmp(r.blockers, "fs.read_file") == 0 && strcmp(ll_audit_access(r.blockers), "read") == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_strndup((const char *)data, size);

	FUZZ_CHECK(text);
	check_record(LL_AUDIT_ACCESS, text);
	check_record(LL_AUDIT_DOMAIN, text);
	if (strlen(text) > 0 && strlen(text) < PATH_MAX)
		check_path(text);
	free(text);
	return 0;
}
