/* Host unit tests for kernel/cmdline.c. */
#include <stdbool.h>
#include <string.h>

#include "cmdline.h"
#include "log.h"
#include "unit.h"
#include "array.h"

/* Records what options_parse reported, for checking messages and counts. */
struct reports {
	int n;
	char last[96];
	char first[96];
};

/* report callback storing the first and last message in a struct reports. */
static void record(void *arg, const char *msg)
{
	struct reports *r = arg;

	if (r->n == 0)
		snprintf(r->first, sizeof(r->first), "%s", msg);
	snprintf(r->last, sizeof(r->last), "%s", msg);
	r->n++;
}

/* Runs options_parse on cmdline with a fresh recorder; returns its result. */
static int parse(const char *cmdline, struct kernel_options *o, struct reports *r)
{
	memset(r, 0, sizeof(*r));
	memset(o, 0x55, sizeof(*o)); /* garbage: defaults must be set by the parser */
	return options_parse(cmdline, o, record, r);
}

TEST(cmdline_get_present)
{
	char buf[32];

	CHECK(cmdline_get("a=1 loglevel=debug test=mm", "loglevel", buf, sizeof(buf)));
	CHECK_STR(buf, "debug");
	CHECK(cmdline_get("a=1 loglevel=debug test=mm", "a", buf, sizeof(buf)));
	CHECK_STR(buf, "1");
	CHECK(cmdline_get("a=1 loglevel=debug test=mm", "test", buf, sizeof(buf)));
	CHECK_STR(buf, "mm");
	CHECK(cmdline_get("k=x=y", "k", buf, sizeof(buf)));
	CHECK_STR(buf, "x=y"); /* only the first '=' splits */
}

TEST(cmdline_get_absent)
{
	char buf[8] = "keep";

	CHECK(!cmdline_get("a=1 b=2", "c", buf, sizeof(buf)));
	CHECK(!cmdline_get("ab=1 abc", "a", buf, sizeof(buf))); /* no prefix matches */
	CHECK(!cmdline_get("a=1", "ab", buf, sizeof(buf)));
	CHECK(!cmdline_get("x=a", "a", buf, sizeof(buf))); /* values are not keys */
	CHECK_STR(buf, "keep");
}

TEST(cmdline_get_bare_key)
{
	char buf[8] = "junk";

	CHECK(cmdline_get("quiet nosmp", "quiet", buf, sizeof(buf)));
	CHECK_STR(buf, "");
	strcpy(buf, "junk");
	CHECK(cmdline_get("quiet nosmp", "nosmp", buf, sizeof(buf)));
	CHECK_STR(buf, "");
	strcpy(buf, "junk");
	CHECK(cmdline_get("empty=", "empty", buf, sizeof(buf)));
	CHECK_STR(buf, "");
}

TEST(cmdline_get_last_wins)
{
	char buf[16];

	CHECK(cmdline_get("a=1 b=2 a=3", "a", buf, sizeof(buf)));
	CHECK_STR(buf, "3");
	CHECK(cmdline_get("a=long a", "a", buf, sizeof(buf)));
	CHECK_STR(buf, "");
	CHECK(cmdline_get("a a=zz", "a", buf, sizeof(buf)));
	CHECK_STR(buf, "zz");
}

TEST(cmdline_get_truncation)
{
	char buf[8];

	memset(buf, 'Z', sizeof(buf));
	CHECK(cmdline_get("name=0123456789", "name", buf, 5));
	CHECK_STR(buf, "0123");
	CHECK_EQ(buf[5], 'Z'); /* nothing written past n */
	CHECK(cmdline_get("name=0123456789", "name", buf, 1));
	CHECK_STR(buf, "");
	buf[0] = 'Q';
	CHECK(cmdline_get("name=0123456789", "name", buf, 0));
	CHECK_EQ(buf[0], 'Q');
	CHECK(cmdline_get("name=0123456", "name", buf, sizeof(buf)));
	CHECK_STR(buf, "0123456"); /* exactly fits */
}

TEST(cmdline_get_whitespace)
{
	char buf[16];

	CHECK(cmdline_get("   a=1 \t\t  b=two\t  c  ", "b", buf, sizeof(buf)));
	CHECK_STR(buf, "two");
	CHECK(cmdline_get("   a=1 \t\t  b=two\t  c  ", "c", buf, sizeof(buf)));
	CHECK_STR(buf, "");
	CHECK(cmdline_get("\ta=1\t", "a", buf, sizeof(buf)));
	CHECK_STR(buf, "1");
}

TEST(cmdline_get_null_empty)
{
	char buf[8] = "keep";

	CHECK(!cmdline_get(NULL, "a", buf, sizeof(buf)));
	CHECK(!cmdline_get("", "a", buf, sizeof(buf)));
	CHECK(!cmdline_get("  \t ", "a", buf, sizeof(buf)));
	CHECK_STR(buf, "keep");
}

TEST(cmdline_options_defaults)
{
	struct kernel_options o;
	struct reports r;

	CHECK_EQ(parse(NULL, &o, &r), 0);
	CHECK_EQ(o.log_level, LOG_INFO);
	CHECK_STR(o.test_suite, "");
	CHECK_EQ(parse("", &o, &r), 0);
	CHECK_EQ(o.log_level, LOG_INFO);
	CHECK_STR(o.test_suite, "");
	CHECK_EQ(parse(" \t ", &o, &r), 0);
	CHECK_EQ(o.log_level, LOG_INFO);
	CHECK_EQ(r.n, 0);
}

/* Every spelling of every level: the name and the digit. */
TEST(cmdline_options_loglevel_spellings)
{
	static const struct {
		const char *cmdline;
		int level;
	} cases[] = {
		{ "loglevel=error", LOG_ERROR }, { "loglevel=warn", LOG_WARN },
		{ "loglevel=info", LOG_INFO },   { "loglevel=debug", LOG_DEBUG },
		{ "loglevel=0", LOG_ERROR },     { "loglevel=1", LOG_WARN },
		{ "loglevel=2", LOG_INFO },      { "loglevel=3", LOG_DEBUG },
	};
	struct kernel_options o;
	struct reports r;

	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		CHECK_EQ(parse(cases[i].cmdline, &o, &r), 0);
		CHECK_EQ(o.log_level, cases[i].level);
		CHECK_EQ(r.n, 0);
	}
}

TEST(cmdline_options_bad_loglevel)
{
	struct kernel_options o;
	struct reports r;

	CHECK_EQ(parse("loglevel=x", &o, &r), 1);
	CHECK_EQ(r.n, 1);
	CHECK_STR(r.last, "bad loglevel 'loglevel=x'");
	CHECK_EQ(o.log_level, LOG_INFO);
	CHECK_EQ(parse("loglevel=4", &o, &r), 1);
	CHECK_EQ(parse("loglevel=-1", &o, &r), 1);
	CHECK_EQ(parse("loglevel=03", &o, &r), 1);
	CHECK_EQ(parse("loglevel=DEBUG", &o, &r), 1);
	CHECK_EQ(parse("loglevel=debugx", &o, &r), 1);
	CHECK_EQ(parse("loglevel=", &o, &r), 1);
	CHECK_EQ(parse("loglevel", &o, &r), 1);
	CHECK_STR(r.last, "bad loglevel 'loglevel'");
	/* a bad value keeps the earlier good one */
	CHECK_EQ(parse("loglevel=debug loglevel=nope", &o, &r), 1);
	CHECK_EQ(o.log_level, LOG_DEBUG);
}

TEST(cmdline_options_loglevel_last_wins)
{
	struct kernel_options o;
	struct reports r;

	CHECK_EQ(parse("loglevel=debug loglevel=warn", &o, &r), 0);
	CHECK_EQ(o.log_level, LOG_WARN);
	CHECK_EQ(parse("test=a test=b", &o, &r), 0);
	CHECK_STR(o.test_suite, "b");
}

TEST(cmdline_options_test_suite)
{
	struct kernel_options o;
	struct reports r;

	CHECK_EQ(parse("  test=pmm\t loglevel=warn ", &o, &r), 0);
	CHECK_STR(o.test_suite, "pmm");
	CHECK_EQ(o.log_level, LOG_WARN);
	/* exactly 31 chars is the longest allowed */
	CHECK_EQ(parse("test=abcdefghijklmnopqrstuvwxyz01234", &o, &r), 0);
	CHECK_STR(o.test_suite, "abcdefghijklmnopqrstuvwxyz01234");
}

TEST(cmdline_options_test_too_long)
{
	struct kernel_options o;
	struct reports r;

	CHECK_EQ(parse("test=abcdefghijklmnopqrstuvwxyz012345", &o, &r), 1);
	CHECK_STR(o.test_suite, ""); /* not silently truncated */
	CHECK_STR(r.last, "test suite name too long 'test=abcdefghijklmnopqrstuvwxyz012345'");
	CHECK_EQ(parse("test=ok test=abcdefghijklmnopqrstuvwxyz012345", &o, &r), 1);
	CHECK_STR(o.test_suite, "ok");
}

TEST(cmdline_options_test_missing_name)
{
	struct kernel_options o;
	struct reports r;

	CHECK_EQ(parse("test", &o, &r), 1);
	CHECK_STR(r.last, "missing test suite name 'test'");
	CHECK_EQ(parse("test=", &o, &r), 1);
	CHECK_STR(o.test_suite, "");
}

TEST(cmdline_options_unknown)
{
	struct kernel_options o;
	struct reports r;

	CHECK_EQ(parse("foo", &o, &r), 1);
	CHECK_STR(r.last, "unknown option 'foo'");
	CHECK_EQ(parse("foo=bar", &o, &r), 1);
	CHECK_STR(r.last, "unknown option 'foo=bar'");
	CHECK_EQ(parse("loglevelx=debug tests=a", &o, &r), 2);
	CHECK_EQ(o.log_level, LOG_INFO);
	CHECK_STR(o.test_suite, "");
}

TEST(cmdline_options_report_count)
{
	struct kernel_options o;
	struct reports r;

	CHECK_EQ(parse("foo loglevel=x test=mm bar=1 loglevel=debug test", &o, &r), 4);
	CHECK_EQ(r.n, 4); /* one report per problem */
	CHECK_STR(r.first, "unknown option 'foo'");
	CHECK_STR(r.last, "missing test suite name 'test'");
	CHECK_EQ(o.log_level, LOG_DEBUG); /* and it kept going */
	CHECK_STR(o.test_suite, "mm");
}

TEST(cmdline_options_null_report)
{
	struct kernel_options o;

	CHECK_EQ(options_parse("foo loglevel=bad", &o, NULL, NULL), 2);
	CHECK_EQ(o.log_level, LOG_INFO);
}

/* cpus=N takes a count from 1 to 999; anything else is reported and changes nothing. */
TEST(cmdline_options_cpus_count)
{
	struct kernel_options o;
	struct reports r;

	CHECK_EQ(parse("loglevel=info", &o, &r), 0);
	CHECK_EQ(o.max_cpus, 0);
	CHECK(!o.no_acpi);
	CHECK_EQ(parse("cpus=1", &o, &r), 0);
	CHECK_EQ(o.max_cpus, 1);
	CHECK_EQ(parse("cpus=4 cpus=12", &o, &r), 0);
	CHECK_EQ(o.max_cpus, 12);
	CHECK_EQ(parse("cpus=0 cpus cpus= cpus=1000 cpus=2x cpus=-1", &o, &r), 6);
	CHECK_EQ(o.max_cpus, 0);
	CHECK_STR(r.last, "bad cpus (a count from 1 to 999) 'cpus=-1'");
}

TEST(cmdline_options_acpi_off)
{
	struct kernel_options o;
	struct reports r;

	CHECK_EQ(parse("acpi=off", &o, &r), 0);
	CHECK(o.no_acpi);
	CHECK_EQ(parse("acpi=on acpi", &o, &r), 2);
	CHECK(!o.no_acpi);
	CHECK_STR(r.first, "bad acpi (only acpi=off) 'acpi=on'");
}

/* ioapic=off keeps device IRQs on the 8259s; any other value is reported and changes nothing. */
TEST(cmdline_options_ioapic_off)
{
	struct kernel_options o;
	struct reports r;

	CHECK_EQ(parse("loglevel=info", &o, &r), 0);
	CHECK(!o.no_ioapic);
	CHECK_EQ(parse("ioapic=off", &o, &r), 0);
	CHECK(o.no_ioapic);
	CHECK_EQ(parse("ioapic=on ioapic", &o, &r), 2);
	CHECK(!o.no_ioapic);
	CHECK_STR(r.first, "bad ioapic (only ioapic=off) 'ioapic=on'");
}
