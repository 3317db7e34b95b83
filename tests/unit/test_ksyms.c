/* ksym_find: the backtrace symbolizer. */
#include "ksyms.h"
#include "unit.h"

static const char names[] = "alpha\0beta\0gamma";
static const struct ksym table[] = { { 0x1000, 0 }, { 0x1040, 6 }, { 0x1100, 11 } };

TEST(ksyms_finds_containing_function)
{
	uint64_t off = 99;
	CHECK_STR(ksym_find(table, 3, names, 0x1200, 0x1044, &off), "beta");
	CHECK_EQ(off, 4);
	CHECK_STR(ksym_find(table, 3, names, 0x1200, 0x1000, &off), "alpha");
	CHECK_EQ(off, 0);
	CHECK_STR(ksym_find(table, 3, names, 0x1200, 0x11ff, &off), "gamma");
	CHECK_EQ(off, 0xff);
}

/* It is an error to symbolize an address outside the table's range. */
TEST(ksyms_rejects_outside_addresses)
{
	uint64_t off;
	CHECK(ksym_find(table, 3, names, 0x1200, 0xfff, &off) == NULL);
	CHECK(ksym_find(table, 3, names, 0x1200, 0x1200, &off) == NULL);
	CHECK(ksym_find(table, 0, names, 0x1200, 0x1000, &off) == NULL);
}

TEST(ksyms_single_entry)
{
	uint64_t off;
	CHECK_STR(ksym_find(table, 1, names, 0x1010, 0x100f, &off), "alpha");
	CHECK_EQ(off, 0xf);
}
