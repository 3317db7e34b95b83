/* Host unit tests for lib/fmt.c, checked against exact strings and the host snprintf. */
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fmt.h"
#include "unit.h"

/*
 * fmt_snprintf through a pointer: the printf format attribute does not follow
 * it, so tests may pass deliberately non-standard formats ("%q").
 */
static int (*const raw_snprintf)(char *, size_t, const char *, ...) = fmt_snprintf;

/* Formats with fmt_snprintf and the host snprintf and checks both agree. */
#define CHECK_SAME(...)                                                  \
	do {                                                             \
		char got_[64], want_[64];                                 \
		int gn_ = fmt_snprintf(got_, sizeof(got_), __VA_ARGS__); \
		int wn_ = snprintf(want_, sizeof(want_), __VA_ARGS__);   \
		CHECK_STR(got_, want_);                                  \
		CHECK_EQ(gn_, wn_);                                      \
	} while (0)

/* Formats into a local buffer and checks the exact text and return value. */
#define CHECK_FMT(expect, ...)                                           \
	do {                                                             \
		char got_[64];                                           \
		int gn_ = fmt_snprintf(got_, sizeof(got_), __VA_ARGS__); \
		CHECK_STR(got_, expect);                                 \
		CHECK_EQ(gn_, strlen(expect));                           \
	} while (0)

/* CHECK_FMT for formats gcc's -Wformat rejects (redundant flag combinations). */
#define CHECK_RAW(expect, ...)                                           \
	do {                                                             \
		char got_[64];                                           \
		int gn_ = raw_snprintf(got_, sizeof(got_), __VA_ARGS__); \
		CHECK_STR(got_, expect);                                 \
		CHECK_EQ(gn_, strlen(expect));                           \
	} while (0)

TEST(fmt_plain_text)
{
	CHECK_FMT("hello, world", "hello, world");
	CHECK_FMT("", "%s", "");
	CHECK_FMT("100%", "100%%");
	CHECK_FMT("%%", "%%%%");
}

TEST(fmt_decimal)
{
	CHECK_FMT("42", "%d", 42);
	CHECK_FMT("-42", "%i", -42);
	CHECK_FMT("0", "%d", 0);
	CHECK_FMT("2147483647 -2147483648", "%d %d", INT_MAX, INT_MIN);
	CHECK_SAME("%d|%i|%d", 7, -7, 123456789);
}

TEST(fmt_unsigned)
{
	CHECK_FMT("4294967295", "%u", UINT_MAX);
	CHECK_FMT("0", "%u", 0u);
	CHECK_SAME("%u %u", 1u, 3000000000u);
}

TEST(fmt_hex)
{
	CHECK_FMT("deadbeef", "%x", 0xdeadbeefu);
	CHECK_FMT("DEADBEEF", "%X", 0xdeadbeefu);
	CHECK_FMT("0", "%x", 0u);
	CHECK_FMT("ffffffff", "%x", -1);
	CHECK_SAME("%x %X %x", 0xabcu, 0xabcu, 255u);
}

TEST(fmt_octal)
{
	CHECK_FMT("17", "%o", 15u);
	CHECK_FMT("0", "%o", 0u);
	CHECK_FMT("37777777777", "%o", UINT_MAX);
	CHECK_SAME("%o %o", 8u, 0777u);
}

TEST(fmt_char)
{
	CHECK_FMT("A", "%c", 'A');
	CHECK_FMT("ab", "%c%c", 'a', 'b');
	CHECK_FMT("    x", "%5c", 'x');
	CHECK_FMT("x    |", "%-5c|", 'x');
}

TEST(fmt_string)
{
	CHECK_FMT("abc", "%s", "abc");
	CHECK_FMT("  abc", "%5s", "abc");
	CHECK_FMT("abc  |", "%-5s|", "abc");
	CHECK_FMT("ab", "%.2s", "abc");
	CHECK_FMT("   ab", "%5.2s", "abc");
	CHECK_SAME("[%8s][%-8s][%.1s][%.0s]", "hi", "hi", "hi", "hi");
}

TEST(fmt_string_precision_stops_reading)
{
	/* not NUL-terminated: precision must keep %s inside the array */
	char raw[3] = { 'x', 'y', 'z' };

	CHECK_FMT("xyz", "%.3s", raw);
	CHECK_FMT("xy", "%.*s", 2, raw);
}

TEST(fmt_null_string)
{
	const char *volatile nul = NULL; /* hidden from -Wformat-overflow */

	CHECK_RAW("(null)", "%s", nul);
	CHECK_RAW("  (null)", "%8s", nul);
	CHECK_RAW("(null)  |", "%-8s|", nul);
}

TEST(fmt_pointer)
{
	CHECK_FMT("0x0000000000000000", "%p", (void *)0);
	CHECK_FMT("0x00000000deadbeef", "%p", (void *)0xdeadbeefUL);
	CHECK_FMT("0xffffffff80000000", "%p", (void *)0xffffffff80000000UL);
	CHECK_FMT("  0x0000000000000001", "%20p", (void *)1);
	CHECK_FMT("0x0000000000000001  |", "%-20p|", (void *)1);
}

TEST(fmt_flag_minus)
{
	CHECK_FMT("42   |", "%-5d|", 42);
	CHECK_FMT("-42  |", "%-5d|", -42);
	CHECK_RAW("42   |", "%-05d|", 42); /* '-' overrides '0' */
	CHECK_SAME("[%-6x][%-6o][%-6u]", 0x1fu, 9u, 5u);
}

TEST(fmt_flag_zero)
{
	CHECK_FMT("00042", "%05d", 42);
	CHECK_FMT("-0042", "%05d", -42);
	CHECK_FMT("+0042", "%+05d", 42);
	CHECK_FMT("000ff", "%05x", 255u);
	CHECK_RAW("   42", "%05.1d", 42); /* precision disables '0' */
	CHECK_SAME("[%08d][%08x][%08o][%08X]", -123, 0xbeefu, 8u, 0xbeefu);
}

TEST(fmt_flag_plus_space)
{
	CHECK_FMT("+42", "%+d", 42);
	CHECK_FMT("-42", "%+d", -42);
	CHECK_FMT("+0", "%+d", 0);
	CHECK_FMT(" 42", "% d", 42);
	CHECK_FMT("-42", "% d", -42);
	CHECK_RAW("+42", "%+ d", 42); /* '+' beats ' ' */
	CHECK_SAME("[% 5d][%+5d][%+-5d]", 3, 3, 3);
}

TEST(fmt_flag_alt)
{
	CHECK_FMT("0xff", "%#x", 255u);
	CHECK_FMT("0XFF", "%#X", 255u);
	CHECK_FMT("0", "%#x", 0u);
	CHECK_FMT("017", "%#o", 15u);
	CHECK_SAME("[%#o][%#.3o][%#08x][%#10x]", 0u, 8u, 0x12u, 0x12u);
}

TEST(fmt_width)
{
	CHECK_FMT("   42", "%5d", 42);
	CHECK_FMT("  -42", "%5d", -42);
	CHECK_FMT("123456", "%3d", 123456); /* never truncates numbers */
	CHECK_SAME("[%10u][%10x][%1d]", 99u, 0xabu, 12345);
}

TEST(fmt_precision)
{
	CHECK_FMT("00042", "%.5d", 42);
	CHECK_FMT("-00042", "%.5d", -42);
	CHECK_FMT("   00042", "%8.5d", 42);
	CHECK_FMT("", "%.0d", 0);
	CHECK_FMT("", "%.d", 0);
	CHECK_FMT("  ", "%2.0u", 0u);
	CHECK_FMT("1", "%.0d", 1);
	CHECK_SAME("[%.3x][%.10u][%-8.4d][%+.3d]", 0xau, 77u, -5, 5);
}

TEST(fmt_star_width_precision)
{
	CHECK_FMT("   42", "%*d", 5, 42);
	CHECK_FMT("42   |", "%*d|", -5, 42); /* negative width means '-' */
	CHECK_FMT("00042", "%.*d", 5, 42);
	CHECK_FMT("42", "%.*d", -1, 42); /* negative precision means none */
	CHECK_FMT("   007", "%*.*d", 6, 3, 7);
	CHECK_FMT("ab", "%.*s", 2, "abcdef");
	CHECK_SAME("[%*s][%-*s][%*.*s]", 4, "a", 4, "b", 5, 2, "xyz");
}

TEST(fmt_length_hh_h)
{
	CHECK_FMT("-1", "%hhd", 255);
	CHECK_FMT("255", "%hhu", -1);
	CHECK_FMT("ff", "%hhx", 0x1ff);
	CHECK_FMT("-1", "%hd", 65535);
	CHECK_FMT("65535", "%hu", -1);
	CHECK_FMT("1234", "%hx", 0x51234);
}

TEST(fmt_length_l_ll_z)
{
	CHECK_FMT("-1", "%ld", -1L);
	CHECK_FMT("18446744073709551615", "%lu", ULONG_MAX);
	CHECK_FMT("ffffffffffffffff", "%lx", -1UL);
	CHECK_FMT("9223372036854775807", "%lld", LLONG_MAX);
	CHECK_FMT("1777777777777777777777", "%llo", ULLONG_MAX);
	CHECK_FMT("18446744073709551615", "%zu", (size_t)-1);
	CHECK_FMT("abc", "%zx", (size_t)0xabc);
	CHECK_FMT("-5", "%zd", (size_t)-5);
	CHECK_SAME("[%ld][%llx][%lX][%zu][%lli]", 1L << 40, 1ULL << 63, 0xabcUL,
		   (size_t)7, -9LL);
}

TEST(fmt_int64_min)
{
	CHECK_FMT("-9223372036854775808", "%lld", (long long)INT64_MIN);
	CHECK_FMT("-9223372036854775808", "%ld", (long)INT64_MIN);
	CHECK_FMT("   -9223372036854775808", "%23lld", (long long)INT64_MIN);
	CHECK_FMT("-0009223372036854775808", "%023lld", (long long)INT64_MIN);
	CHECK_FMT("8000000000000000", "%llx", (unsigned long long)INT64_MIN);
}

TEST(fmt_unknown_conversion)
{
	char buf[32];
	int n;

	n = raw_snprintf(buf, sizeof(buf), "%q");
	CHECK_STR(buf, "%q");
	CHECK_EQ(n, 2);
	n = raw_snprintf(buf, sizeof(buf), "a%5qb%d", 7);
	CHECK_STR(buf, "a%5qb7"); /* the next conversion still gets its argument */
	n = raw_snprintf(buf, sizeof(buf), "x%");
	CHECK_STR(buf, "x%"); /* a lone trailing '%' */
	CHECK_EQ(n, 2);
	n = raw_snprintf(buf, sizeof(buf), "%-08l");
	CHECK_STR(buf, "%-08l"); /* a format ending inside a specification */
	CHECK_EQ(n, 5);
}

TEST(fmt_snprintf_truncation)
{
	char buf[8];
	int n;

	memset(buf, 'Z', sizeof(buf));
	n = fmt_snprintf(buf, sizeof(buf), "%s", "0123456789");
	CHECK_EQ(n, 10);
	CHECK_STR(buf, "0123456");
	memset(buf, 'Z', sizeof(buf));
	n = fmt_snprintf(buf, 4, "%d", -12345);
	CHECK_EQ(n, 6);
	CHECK_STR(buf, "-12");
	CHECK_EQ(buf[4], 'Z'); /* nothing written past size */
	n = fmt_snprintf(buf, 1, "abc");
	CHECK_EQ(n, 3);
	CHECK_STR(buf, "");
	n = fmt_snprintf(buf, 8, "1234567");
	CHECK_EQ(n, 7); /* exactly fits */
	CHECK_STR(buf, "1234567");
}

TEST(fmt_snprintf_size_zero)
{
	char buf[4] = "xyz";

	CHECK_EQ(fmt_snprintf(buf, 0, "hello %d", 42), 8);
	CHECK_STR(buf, "xyz"); /* untouched */
	CHECK_EQ(fmt_snprintf(NULL, 0, "%s", "abcd"), 4);
}

/* Collects fmt_vformat output into a fixed buffer for fmt_vformat_callback. */
struct collect {
	char text[64];
	int n;
};

/* fmt_putc_fn appending to a struct collect. */
static void collect_putc(void *arg, char c)
{
	struct collect *col = arg;

	if (col->n < (int)sizeof(col->text) - 1)
		col->text[col->n++] = c;
	col->text[col->n] = '\0';
}

/* Calls fmt_vformat with variadic arguments. */
static int format_to(struct collect *col, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fmt_vformat(collect_putc, col, fmt, ap);
	va_end(ap);
	return n;
}

TEST(fmt_vformat_callback)
{
	struct collect col = { .n = 0 };

	CHECK_EQ(format_to(&col, "[%d:%s:%c]", -3, "ok", '!'), 9);
	CHECK_STR(col.text, "[-3:ok:!]");
	CHECK_EQ(col.n, 9);
}
