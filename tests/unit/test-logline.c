/* One kernel log line: who wrote it, by the format of the line, and whether its message
 * is a kernel format in full, with what the kernel can print in each field. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "cases.h"

#include "logline.h"
#include "util.h"

#define K LOGLINE_KERNEL
#define U LOGLINE_UNSAID
#define O LOGLINE_OTHER

static const struct split_case {
	const char *what, *line;
	enum logline_origin origin;
	const char *msg; /* NULL for LOGLINE_OTHER */
} split_cases[] = {
	{"a /dev/kmsg record of facility 0 is the kernel's", "6,812,4123456,-;amdgpu: x",
	 K, "amdgpu: x"},
	{"a /dev/kmsg record of level 7 is still facility 0", "7,1,2,c;x", K, "x"},
	{"the caller field of CONFIG_PRINTK_CALLER is part of the header",
	 "4,2400,5100000,-,caller=T1;amdgpu: y", K, "amdgpu: y"},
	{"user space writing to /dev/kmsg gets LOG_USER (facility 1): not the kernel",
	 "14,2401,5200000,-;amdgpu: unknown parameter 'x' ignored", O, NULL},
	{"a /dev/kmsg record of facility 3 (daemon) is not the kernel", "30,7,8,-;x", O,
	 NULL},
	{"a header without its flag field is no /dev/kmsg header", "6,1,2;x", U,
	 "6,1,2;x"},
	{"a header with a space before ';' is no /dev/kmsg header", "6,1,2,- ;x", U,
	 "6,1,2,- ;x"},
	{"dmesg -r: <PRI> of facility 0 is the kernel", "<4>[    4.123456] amdgpu: x", K,
	 "amdgpu: x"},
	{"dmesg -r: <PRI> of LOG_USER is not", "<12>[    4.123456] amdgpu: x", O, NULL},
	{"dmesg -r without a time stamp", "<6>amdgpu: x", K, "amdgpu: x"},
	{"dmesg -x: facility kern is the kernel",
	 "kern  :warn  : [    4.123456] amdgpu: x", K, "amdgpu: x"},
	{"dmesg -x: a level of six letters has no padding", "kern  :notice: [    1.0] x",
	 K, "x"},
	{"dmesg -x: facility user is not the kernel",
	 "user  :warn  : [    4.1] amdgpu: x", O, NULL},
	{"dmesg -x: a facility of eight letters has no padding",
	 "authpriv:info  : [    4.1] amdgpu: x", O, NULL},
	{"journalctl -k: identifier kernel is the kernel",
	 "Dec 01 10:00:04 strix kernel: amdgpu: x", K, "amdgpu: x"},
	{"syslog's space-padded day", "Dec  1 10:00:04 strix kernel: amdgpu: x", K,
	 "amdgpu: x"},
	{"journalctl: another identifier is not the kernel",
	 "Dec 01 10:00:04 strix amdgpu: unknown parameter 'x' ignored", O, NULL},
	{"journalctl: an identifier with a PID is not the kernel",
	 "Dec 01 10:00:04 strix logger[42]: kernel: amdgpu: x", O, NULL},
	{"journalctl -o short-monotonic: identifier kernel is the kernel",
	 "[    5.100000] strix kernel: amdgpu: x", K, "amdgpu: x"},
	{"short-monotonic of another identifier reads as plain dmesg, whose message it "
	 "then is",
	 "[    5.100000] strix amdgpu: x", U, "strix amdgpu: x"},
	{"plain dmesg says nothing of who wrote a line", "[    4.123456] amdgpu: x", U,
	 "amdgpu: x"},
	{"parse_args()'s \"Booting kernel: \" is a dmesg message, not a host named Booting",
	 "[    0.700000] Booting kernel: `abc' invalid for parameter `x'", U,
	 "Booting kernel: `abc' invalid for parameter `x'"},
	{"dmesg -T's ctime stamp", "[Mon Dec  1 10:00:04 2025] amdgpu: x", U,
	 "amdgpu: x"},
	{"\"[drm] \" opens a message, it is no time stamp", "[drm] amdgpu: 512M", U,
	 "[drm] amdgpu: 512M"},
	{"a bare message is its own message", "amdgpu: x", U, "amdgpu: x"},
	{"an empty line", "", U, ""},
};

static void test_split(void **state)
{
	const struct split_case *c = *state;
	const char *msg = NULL;
	enum logline_origin o = logline_split(c->line, &msg);

	if (o != c->origin)
		fail_msg("%s: origin %d, want %d", c->line, o, c->origin);
	if (c->msg)
		assert_string_equal(msg, c->msg);
}

static const struct match_case {
	const char *what, *pattern, *msg;
	const char *caps; /* the captures joined by '|', NULL: no match */
} match_cases[] = {
	{"a module's unknown parameter, in full", "%m: unknown parameter '%p' ignored",
	 "amdgpu: unknown parameter 'gtt_size' ignored", "amdgpu|gtt_size"},
	{"the message must start with the format: a USB product string does not",
	 "%m: unknown parameter '%p' ignored",
	 "usb 1-1: Product: amdgpu: unknown parameter 'x' ignored", NULL},
	{"the message must end with the format", "%m: unknown parameter '%p' ignored",
	 "amdgpu: unknown parameter 'x' ignored, said nobody", NULL},
	{"a module name has no space or colon", "%m: x", "a b: x", NULL},
	{"a module name may have '-'", "%m: x", "snd-hda: x", "snd-hda"},
	{"a module name has at most 55 bytes (MODULE_NAME_LEN)", "%m: x",
	 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa: x", NULL},
	{"a parameter name may carry its module (MOD.PARAM)", "`%p'", "`ttm.pages_limit'",
	 "ttm.pages_limit"},
	{"a parameter name has no quote", "`%p'", "`a'b'", NULL},
	{"an empty parameter name is none", "`%p'", "`'", NULL},
	{"a decimal number", "%uM", "98304M", "98304"},
	{"%u prints no leading zero", "%uM", "0512M", NULL},
	{"%u prints a lone zero", "%uM", "0M", "0"},
	{"%u prints no sign", "%uM", "-1M", NULL},
	{"a PCI device name", "amdgpu %D: x", "amdgpu 0000:c5:00.0: x", "0000:c5:00.0"},
	{"a PCI domain beyond 0xffff (VMD)", "%D", "10000:e1:00.0", "10000:e1:00.0"},
	{"%x prints lowercase hex", "%D", "0000:C5:00.0", NULL},
	{"a PCI function is 0 to 7", "%D", "0000:c5:00.8", NULL},
	{"a PCI slot is 0 to 0x1f", "%D", "0000:c5:20.0", NULL},
	{"a USB device name is no PCI name", "%D", "1-1", NULL},
	{"a text runs to the last place of the literal after it",
	 "`%s' invalid for parameter `%p'", "`a' b' invalid for parameter `x'", "a' b|x"},
	{"a text may be empty (val ?: \"\")", "`%s' invalid for parameter `%p'",
	 "`' invalid for parameter `x'", "|x"},
	{"a text has no control characters", "'%s'", "'a\tb'", NULL},
	{"a text at the end of the pattern takes the rest", "x %s", "x a b", "a b"},
	{"%% is a percent sign, not captured", "100%% %u", "100% 5", "5"},
	{"two spaces are two spaces", "%D:  %uM", "0000:c5:00.0: 512M", NULL},
	{"an unknown conversion never matches", "%q", "x", NULL},
};

static void test_match(void **state)
{
	const struct match_case *c = *state;
	struct logline_cap caps[4];
	char got[256] = "";
	size_t n = 0, used = 0;
	bool m = logline_match(c->pattern, c->msg, ELEMENTSOF(caps), caps);

	if (m != (c->caps != NULL))
		fail_msg("'%s' against '%s': %s", c->msg, c->pattern,
			 m ? "matched" : "did not match");
	if (!m)
		return;
	for (const char *p = c->pattern; *p; p++)
		if (*p == '%' && p[1] != '%' && p[1])
			n++;
		else if (*p == '%')
			p++;
	for (size_t i = 0; i < n; i++)
		used += (size_t)snprintf(got + used, sizeof(got) - used, "%s%.*s",
					 i ? "|" : "", (int)caps[i].len, caps[i].s);
	assert_string_equal(got, c->caps);
}

/* A pattern with more conversions than the caller has room for does not match, and
 * leaves the captures alone. */
static void test_match_room(void **state)
{
	struct logline_cap caps[1] = {{"untouched", 9}};

	assert_false(logline_match("%m: %p", "a: b", 1, caps));
	assert_memory_equal(caps[0].s, "untouched", 9);
	assert_true(logline_match("%m: b", "a: b", 1, caps));
	assert_int_equal(caps[0].len, 1);
}

int main(void)
{
	/* One TAP line per table case, named by what it ensures. */
	struct CMUnitTest tests[ELEMENTSOF(split_cases) + ELEMENTSOF(match_cases) + 1];
	size_t n = 0;

	TABLE_TESTS(tests, n, split_cases, test_split);
	TABLE_TESTS(tests, n, match_cases, test_match);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_match_room);
	return _cmocka_run_group_tests("logline", tests, n, NULL, NULL);
}
