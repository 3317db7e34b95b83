/* Host unit tests for the Multiboot2 information parser (kernel/multiboot2.c). */
#include <stdint.h>
#include <string.h>

#include "multiboot2.h"
#include "unit.h"
#include "array.h"

/* A Multiboot2 information structure under construction; buf keeps it 8-aligned. */
struct mbb {
	uint64_t buf[1024];
	uint32_t len;
};

static uint8_t *mbb_bytes(struct mbb *b)
{
	return (uint8_t *)b->buf;
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static void put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

/* Starts an empty structure: just the 8-byte header, total_size filled in later. */
static void mbb_init(struct mbb *b)
{
	memset(b, 0, sizeof(*b));
	b->len = 8;
}

/*
 * Appends a tag with the given header size field and payload (payload_len
 * bytes copied); pads to 8.  Returns the tag's offset.
 */
static uint32_t mbb_raw(struct mbb *b, uint32_t type, uint32_t size, const void *payload,
			uint32_t payload_len)
{
	uint32_t off = b->len;
	uint8_t *p = mbb_bytes(b) + off;

	put32(p, type);
	put32(p + 4, size);
	if (payload_len)
		memcpy(p + 8, payload, payload_len);
	b->len = (off + 8 + payload_len + 7) & ~7u;
	return off;
}

/* Appends a tag whose size covers exactly its payload. */
static uint32_t mbb_tag(struct mbb *b, uint32_t type, const void *payload, uint32_t len)
{
	return mbb_raw(b, type, 8 + len, payload, len);
}

/* Appends a string tag (cmdline or loader name), NUL included. */
static uint32_t mbb_string(struct mbb *b, uint32_t type, const char *s)
{
	return mbb_tag(b, type, s, (uint32_t)strlen(s) + 1);
}

/* Appends a module tag. */
static uint32_t mbb_module(struct mbb *b, uint32_t start, uint32_t end, const char *s)
{
	uint8_t pl[128];
	uint32_t n = (uint32_t)strlen(s) + 1;

	put32(pl, start);
	put32(pl + 4, end);
	memcpy(pl + 8, s, n);
	return mbb_tag(b, MB2_TAG_MODULE, pl, 8 + n);
}

/* Appends a memory map tag with n entries of esize bytes each (esize >= 24). */
static uint32_t mbb_mmap(struct mbb *b, uint32_t esize, const struct mb2_mmap_entry *e,
			 uint32_t n)
{
	static uint8_t pl[8 + 128 * 64];
	uint32_t len = 8 + n * esize;

	memset(pl, 0xee, sizeof(pl)); /* padding bytes must not matter */
	put32(pl, esize);
	put32(pl + 4, 0);
	for (uint32_t i = 0; i < n; i++) {
		uint8_t *q = pl + 8 + i * esize;

		put64(q, e[i].base);
		put64(q + 8, e[i].len);
		put32(q + 16, e[i].type);
		put32(q + 20, 0);
	}
	return mbb_tag(b, MB2_TAG_MMAP, pl, len);
}

/* Appends a tiny valid memory map (one available entry). */
static uint32_t mbb_small_mmap(struct mbb *b)
{
	struct mb2_mmap_entry e = { 0x100000, 0x1000000, MB2_MEM_AVAILABLE };

	return mbb_mmap(b, 24, &e, 1);
}

/* Sets total_size to v. */
static void mbb_total(struct mbb *b, uint32_t v)
{
	put32(mbb_bytes(b), v);
}

/* Appends the end tag and sets total_size to the full length. */
static void mbb_finish(struct mbb *b)
{
	mbb_raw(b, MB2_TAG_END, 8, NULL, 0);
	mbb_total(b, b->len);
}

static struct mbb B;
static struct boot_info BI;

/* Parses B and returns the status; *where gets the reported offset. */
static enum mb2_status parse(uint32_t *where)
{
	*where = 0xdeadbeef;
	return mb2_parse(B.buf, &BI, where);
}

TEST(mb2_full_structure)
{
	struct mb2_mmap_entry map[4] = {
		{ 0, 0x9fc00, MB2_MEM_AVAILABLE },
		{ 0x9fc00, 0x400, MB2_MEM_RESERVED },
		{ 0x100000, 0x7ee0000, MB2_MEM_AVAILABLE },
		{ 0xfffc0000, 0x40000, MB2_MEM_NVS },
	};
	uint32_t where;

	mbb_init(&B);
	mbb_string(&B, MB2_TAG_CMDLINE, "loglevel=debug");
	mbb_string(&B, MB2_TAG_LOADER_NAME, "GRUB 2.06");
	mbb_module(&B, 0x200000, 0x201234, "init");
	mbb_tag(&B, 4, "\x80\x02\0\0\0\0\x0f\0", 8); /* basic meminfo: ignored */
	mbb_module(&B, 0x300000, 0x300000, "");
	mbb_mmap(&B, 24, map, 4);
	mbb_finish(&B);
	CHECK_EQ(parse(&where), MB2_OK);
	CHECK_EQ(where, 0);
	CHECK_STR(BI.cmdline, "loglevel=debug");
	CHECK_STR(BI.loader_name, "GRUB 2.06");
	CHECK_EQ(BI.mbi_phys_size, B.len);
	CHECK_EQ(BI.n_modules, 2);
	CHECK_EQ(BI.modules[0].start, 0x200000);
	CHECK_EQ(BI.modules[0].end, 0x201234);
	CHECK_STR(BI.modules[0].cmdline, "init");
	CHECK_EQ(BI.modules[1].start, 0x300000);
	CHECK_EQ(BI.modules[1].end, 0x300000);
	CHECK_STR(BI.modules[1].cmdline, "");
	CHECK_EQ(BI.n_mmap, 4);
	for (unsigned i = 0; i < 4; i++) {
		CHECK_EQ(BI.mmap[i].base, map[i].base);
		CHECK_EQ(BI.mmap[i].len, map[i].len);
		CHECK_EQ(BI.mmap[i].type, map[i].type);
	}
	/* Strings point into the structure, not into a copy. */
	CHECK((const uint8_t *)BI.cmdline > mbb_bytes(&B));
	CHECK((const uint8_t *)BI.cmdline < mbb_bytes(&B) + B.len);
}

TEST(mb2_absent_strings_are_empty)
{
	uint32_t where;

	mbb_init(&B);
	mbb_small_mmap(&B);
	mbb_finish(&B);
	CHECK_EQ(parse(&where), MB2_OK);
	CHECK(BI.cmdline != NULL);
	CHECK(BI.loader_name != NULL);
	CHECK_STR(BI.cmdline, "");
	CHECK_STR(BI.loader_name, "");
	CHECK_EQ(BI.n_modules, 0);
	CHECK_EQ(BI.n_mmap, 1);
}

TEST(mb2_unknown_tags_skipped)
{
	uint8_t junk[13] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13 };
	uint32_t where;

	mbb_init(&B);
	mbb_tag(&B, 21, junk, 13);   /* odd size: the next tag sits after padding */
	mbb_tag(&B, 0x1234, NULL, 0); /* bare header */
	mbb_string(&B, MB2_TAG_CMDLINE, "x");
	mbb_tag(&B, 8, junk, 5);
	mbb_small_mmap(&B);
	mbb_finish(&B);
	CHECK_EQ(parse(&where), MB2_OK);
	CHECK_STR(BI.cmdline, "x");
	CHECK_EQ(BI.n_mmap, 1);
}

TEST(mb2_bytes_after_end_tag_ignored)
{
	uint32_t where;

	mbb_init(&B);
	mbb_small_mmap(&B);
	mbb_raw(&B, MB2_TAG_END, 8, NULL, 0);
	mbb_raw(&B, 0x77, 0, NULL, 0); /* would be TAG_TOO_SMALL if it were read */
	mbb_total(&B, B.len);
	CHECK_EQ(parse(&where), MB2_OK);
}

TEST(mb2_null_pointers)
{
	uint32_t where = 7;

	mbb_init(&B);
	mbb_small_mmap(&B);
	mbb_finish(&B);
	CHECK_EQ(mb2_parse(NULL, &BI, &where), MB2_ERR_NULL);
	CHECK_EQ(where, 0);
	CHECK_EQ(mb2_parse(B.buf, NULL, &where), MB2_ERR_NULL);
	/* where is optional */
	CHECK_EQ(mb2_parse(B.buf, &BI, NULL), MB2_OK);
}

TEST(mb2_misaligned_pointer)
{
	uint32_t where;

	mbb_init(&B);
	mbb_small_mmap(&B);
	mbb_finish(&B);
	CHECK_EQ(mb2_parse(mbb_bytes(&B) + 4, &BI, &where), MB2_ERR_MISALIGNED);
	CHECK_EQ(mb2_parse(mbb_bytes(&B) + 1, &BI, &where), MB2_ERR_MISALIGNED);
	CHECK_EQ(where, 0);
}

TEST(mb2_total_size_too_small)
{
	uint32_t where;

	mbb_init(&B);
	mbb_finish(&B);
	mbb_total(&B, 15);
	CHECK_EQ(parse(&where), MB2_ERR_TOO_SMALL);
	CHECK_EQ(where, 0);
	mbb_total(&B, 0);
	CHECK_EQ(parse(&where), MB2_ERR_TOO_SMALL);
	/* 16 bytes is just the end tag: well formed but without a memory map. */
	mbb_total(&B, 16);
	CHECK_EQ(parse(&where), MB2_ERR_NO_MMAP);
}

TEST(mb2_tag_past_total_size)
{
	uint32_t where, off;

	mbb_init(&B);
	mbb_small_mmap(&B);
	off = mbb_string(&B, MB2_TAG_CMDLINE, "console=ttyS0");
	mbb_finish(&B);
	/* total_size ends inside the command line tag. */
	mbb_total(&B, off + 12);
	CHECK_EQ(parse(&where), MB2_ERR_TAG_OVERRUN);
	CHECK_EQ(where, off);
	/* A tag whose size field claims more than is left. */
	mbb_finish(&B);
	put32(mbb_bytes(&B) + off + 4, 0x10000);
	CHECK_EQ(parse(&where), MB2_ERR_TAG_OVERRUN);
	CHECK_EQ(where, off);
	/* Huge size must not wrap the offset arithmetic. */
	put32(mbb_bytes(&B) + off + 4, 0xfffffff8);
	CHECK_EQ(parse(&where), MB2_ERR_TAG_OVERRUN);
	CHECK_EQ(where, off);
}

TEST(mb2_truncated_tag_header)
{
	uint32_t where, off;

	mbb_init(&B);
	mbb_small_mmap(&B);
	off = B.len;
	mbb_finish(&B);
	mbb_total(&B, off + 4); /* only half of the end tag's header is inside */
	CHECK_EQ(parse(&where), MB2_ERR_TAG_OVERRUN);
	CHECK_EQ(where, off);
}

TEST(mb2_tag_size_below_header)
{
	uint32_t where, off;

	mbb_init(&B);
	mbb_small_mmap(&B);
	off = mbb_raw(&B, 0x55, 4, NULL, 0);
	mbb_finish(&B);
	CHECK_EQ(parse(&where), MB2_ERR_TAG_TOO_SMALL);
	CHECK_EQ(where, off);
	/* size 0 would loop forever if accepted */
	put32(mbb_bytes(&B) + off + 4, 0);
	CHECK_EQ(parse(&where), MB2_ERR_TAG_TOO_SMALL);
	CHECK_EQ(where, off);
}

TEST(mb2_missing_end_tag)
{
	uint32_t where;

	mbb_init(&B);
	mbb_small_mmap(&B);
	mbb_string(&B, MB2_TAG_CMDLINE, "abc");
	mbb_total(&B, B.len);
	CHECK_EQ(parse(&where), MB2_ERR_NO_END_TAG);
	CHECK_EQ(where, 0);
}

TEST(mb2_end_tag_wrong_size)
{
	uint32_t where, off;

	mbb_init(&B);
	mbb_small_mmap(&B);
	off = mbb_raw(&B, MB2_TAG_END, 16, "\0\0\0\0\0\0\0", 8);
	mbb_total(&B, B.len);
	CHECK_EQ(parse(&where), MB2_ERR_END_TAG_SIZE);
	CHECK_EQ(where, off);
}

TEST(mb2_unterminated_cmdline)
{
	uint32_t where, off;

	mbb_init(&B);
	mbb_small_mmap(&B);
	off = mbb_tag(&B, MB2_TAG_CMDLINE, "abcd", 4);
	mbb_finish(&B);
	CHECK_EQ(parse(&where), MB2_ERR_STRING_UNTERMINATED);
	CHECK_EQ(where, off);
	/* an empty body has no room for the NUL either */
	mbb_init(&B);
	mbb_small_mmap(&B);
	off = mbb_tag(&B, MB2_TAG_CMDLINE, NULL, 0);
	mbb_finish(&B);
	CHECK_EQ(parse(&where), MB2_ERR_STRING_UNTERMINATED);
	CHECK_EQ(where, off);
}

TEST(mb2_unterminated_loader_name)
{
	uint32_t where, off;

	mbb_init(&B);
	mbb_small_mmap(&B);
	/* The padding after the tag holds a 0, but it is outside the tag. */
	off = mbb_tag(&B, MB2_TAG_LOADER_NAME, "GRUB", 4);
	mbb_finish(&B);
	CHECK_EQ(mbb_bytes(&B)[off + 12], 0);
	CHECK_EQ(parse(&where), MB2_ERR_STRING_UNTERMINATED);
	CHECK_EQ(where, off);
}

TEST(mb2_module_string_and_size)
{
	uint8_t pl[12];
	uint32_t where, off;

	put32(pl, 0x1000);
	put32(pl + 4, 0x2000);
	memcpy(pl + 8, "init", 4);
	mbb_init(&B);
	mbb_small_mmap(&B);
	off = mbb_tag(&B, MB2_TAG_MODULE, pl, 12);
	mbb_finish(&B);
	CHECK_EQ(parse(&where), MB2_ERR_STRING_UNTERMINATED);
	CHECK_EQ(where, off);
	/* too small for mod_start and mod_end */
	mbb_init(&B);
	mbb_small_mmap(&B);
	off = mbb_tag(&B, MB2_TAG_MODULE, pl, 4);
	mbb_finish(&B);
	CHECK_EQ(parse(&where), MB2_ERR_TAG_TOO_SMALL);
	CHECK_EQ(where, off);
}

TEST(mb2_module_bad_range)
{
	uint32_t where, off;

	mbb_init(&B);
	mbb_small_mmap(&B);
	mbb_module(&B, 0x5000, 0x5000, "empty is fine");
	off = mbb_module(&B, 0x5000, 0x4fff, "backwards");
	mbb_finish(&B);
	CHECK_EQ(parse(&where), MB2_ERR_MODULE_RANGE);
	CHECK_EQ(where, off);
}

TEST(mb2_too_many_modules)
{
	uint32_t where, off = 0;

	mbb_init(&B);
	mbb_small_mmap(&B);
	for (unsigned i = 0; i < MB2_MAX_MODULES; i++)
		mbb_module(&B, 0x1000 * i, 0x1000 * i + 1, "m");
	mbb_finish(&B);
	CHECK_EQ(parse(&where), MB2_OK);
	CHECK_EQ(BI.n_modules, MB2_MAX_MODULES);
	CHECK_EQ(BI.modules[MB2_MAX_MODULES - 1].start, 0x1000 * (MB2_MAX_MODULES - 1));

	B.len -= 8; /* drop the end tag and add one more module */
	off = mbb_module(&B, 0x100000, 0x100001, "one too many");
	mbb_finish(&B);
	CHECK_EQ(parse(&where), MB2_ERR_TOO_MANY_MODULES);
	CHECK_EQ(where, off);
}

TEST(mb2_no_memory_map)
{
	uint32_t where;

	mbb_init(&B);
	mbb_string(&B, MB2_TAG_CMDLINE, "a");
	mbb_module(&B, 1, 2, "m");
	mbb_finish(&B);
	CHECK_EQ(parse(&where), MB2_ERR_NO_MMAP);
	CHECK_EQ(where, 0);
}

TEST(mb2_mmap_zero_entries)
{
	uint32_t where;

	mbb_init(&B);
	mbb_mmap(&B, 24, NULL, 0);
	mbb_finish(&B);
	CHECK_EQ(parse(&where), MB2_OK);
	CHECK_EQ(BI.n_mmap, 0);
}

TEST(mb2_mmap_zero_length_entries_skipped)
{
	struct mb2_mmap_entry map[3] = {
		{ 0x1000, 0, MB2_MEM_AVAILABLE },
		{ 0x100000, 0x100000, MB2_MEM_AVAILABLE },
		{ 0x300000, 0, MB2_MEM_RESERVED },
	};
	uint32_t where;

	mbb_init(&B);
	mbb_mmap(&B, 24, map, 3);
	mbb_finish(&B);
	CHECK_EQ(parse(&where), MB2_OK);
	CHECK_EQ(BI.n_mmap, 1);
	CHECK_EQ(BI.mmap[0].base, 0x100000);
	CHECK_EQ(BI.mmap[0].len, 0x100000);
}

TEST(mb2_mmap_bad_entry_size)
{
	static const uint32_t bad[] = { 0, 8, 16, 20, 28, 33 };
	struct mb2_mmap_entry e = { 0x100000, 0x1000, MB2_MEM_AVAILABLE };
	uint32_t where, off;

	for (unsigned i = 0; i < ARRAY_LEN(bad); i++) {
		mbb_init(&B);
		off = mbb_mmap(&B, 40, &e, 1);
		put32(mbb_bytes(&B) + off + 8, bad[i]);
		mbb_finish(&B);
		CHECK_EQ(parse(&where), MB2_ERR_MMAP_ENTRY_SIZE);
		CHECK_EQ(where, off);
	}
	/* a tag too small for entry_size and entry_version */
	mbb_init(&B);
	off = mbb_tag(&B, MB2_TAG_MMAP, "\x18\0\0\0", 4);
	mbb_finish(&B);
	CHECK_EQ(parse(&where), MB2_ERR_TAG_TOO_SMALL);
	CHECK_EQ(where, off);
}

TEST(mb2_mmap_larger_entry_size)
{
	struct mb2_mmap_entry map[2] = {
		{ 0x100000, 0x200000, MB2_MEM_AVAILABLE },
		{ 0xfee00000, 0x1000, MB2_MEM_RESERVED },
	};
	uint32_t where;

	mbb_init(&B);
	mbb_mmap(&B, 40, map, 2); /* future, longer entries: the extra bytes are skipped */
	mbb_finish(&B);
	CHECK_EQ(parse(&where), MB2_OK);
	CHECK_EQ(BI.n_mmap, 2);
	CHECK_EQ(BI.mmap[1].base, 0xfee00000);
	CHECK_EQ(BI.mmap[1].len, 0x1000);
	CHECK_EQ(BI.mmap[1].type, MB2_MEM_RESERVED);
}

TEST(mb2_mmap_partial_entry)
{
	struct mb2_mmap_entry map[2] = {
		{ 0x100000, 0x200000, MB2_MEM_AVAILABLE },
		{ 0x400000, 0x1000, MB2_MEM_AVAILABLE },
	};
	uint32_t where, off;

	mbb_init(&B);
	off = mbb_mmap(&B, 24, map, 2);
	put32(mbb_bytes(&B) + off + 4, 16 + 24 + 16); /* second entry cut short */
	mbb_finish(&B);
	CHECK_EQ(parse(&where), MB2_ERR_MMAP_PARTIAL);
	CHECK_EQ(where, off);
}

TEST(mb2_too_many_mmap_entries)
{
	static struct mb2_mmap_entry map[MB2_MAX_MMAP + 2];
	uint32_t where, off;

	for (unsigned i = 0; i < MB2_MAX_MMAP + 2; i++) {
		map[i].base = 0x100000ULL * (i + 1);
		map[i].len = 0x1000;
		map[i].type = MB2_MEM_AVAILABLE;
	}
	mbb_init(&B);
	mbb_mmap(&B, 24, map, MB2_MAX_MMAP);
	mbb_finish(&B);
	CHECK_EQ(parse(&where), MB2_OK);
	CHECK_EQ(BI.n_mmap, MB2_MAX_MMAP);
	CHECK_EQ(BI.mmap[MB2_MAX_MMAP - 1].base, 0x100000ULL * MB2_MAX_MMAP);

	mbb_init(&B);
	off = mbb_mmap(&B, 24, map, MB2_MAX_MMAP + 1);
	mbb_finish(&B);
	CHECK_EQ(parse(&where), MB2_ERR_TOO_MANY_MMAP);
	CHECK_EQ(where, off);

	/* a zero-length entry does not count against the limit */
	map[3].len = 0;
	mbb_init(&B);
	mbb_mmap(&B, 24, map, MB2_MAX_MMAP + 1);
	mbb_finish(&B);
	CHECK_EQ(parse(&where), MB2_OK);
	CHECK_EQ(BI.n_mmap, MB2_MAX_MMAP);
}

TEST(mb2_mmap_entry_wraps)
{
	struct mb2_mmap_entry map[2] = {
		{ 0xfffffffffffff000ULL, 0x1000, MB2_MEM_RESERVED },
		{ 0xfffffffffffff000ULL, 0x2000, MB2_MEM_RESERVED },
	};
	uint32_t where, off;

	mbb_init(&B);
	off = mbb_mmap(&B, 24, map, 2);
	mbb_finish(&B);
	CHECK_EQ(parse(&where), MB2_ERR_MMAP_RANGE);
	CHECK_EQ(where, off);
	mbb_init(&B);
	mbb_mmap(&B, 24, map, 1);
	mbb_finish(&B);
	CHECK_EQ(parse(&where), MB2_ERR_MMAP_RANGE); /* ends exactly at 2^64 */
	map[0].len = 0xfff;
	mbb_init(&B);
	mbb_mmap(&B, 24, map, 1);
	mbb_finish(&B);
	CHECK_EQ(parse(&where), MB2_OK);
}

TEST(mb2_duplicate_tags)
{
	static const uint32_t types[] = { MB2_TAG_CMDLINE, MB2_TAG_LOADER_NAME };
	uint32_t where, off;

	for (unsigned i = 0; i < 2; i++) {
		mbb_init(&B);
		mbb_small_mmap(&B);
		mbb_string(&B, types[i], "first");
		off = mbb_string(&B, types[i], "second");
		mbb_finish(&B);
		CHECK_EQ(parse(&where), MB2_ERR_DUPLICATE_TAG);
		CHECK_EQ(where, off);
	}
	mbb_init(&B);
	mbb_small_mmap(&B);
	off = mbb_small_mmap(&B);
	mbb_finish(&B);
	CHECK_EQ(parse(&where), MB2_ERR_DUPLICATE_TAG);
	CHECK_EQ(where, off);
}

TEST(mb2_strerror_distinct)
{
	for (int i = 0; i < MB2_STATUS_COUNT; i++) {
		const char *a = mb2_strerror((enum mb2_status)i);

		CHECK(a != NULL);
		CHECK(a[0] != '\0');
		CHECK(strcmp(a, mb2_strerror(MB2_STATUS_COUNT)) != 0);
		for (int j = 0; j < i; j++)
			CHECK(strcmp(a, mb2_strerror((enum mb2_status)j)) != 0);
	}
	CHECK_STR(mb2_strerror(MB2_ERR_TAG_OVERRUN), "tag runs past total_size");
	CHECK(mb2_strerror((enum mb2_status)-1) != NULL);
	CHECK(mb2_strerror((enum mb2_status)1000) != NULL);
}

/* The ACPI 2.0 RSDP copy wins over the 1.0 one in either order; without a tag there is none. */
TEST(mb2_acpi_tags_give_the_newest_rsdp)
{
	uint8_t old_rsdp[20] = "RSD PTR old", new_rsdp[36] = "RSD PTR new";
	uint32_t where;

	mbb_init(&B);
	mbb_small_mmap(&B);
	mbb_finish(&B);
	CHECK_EQ(parse(&where), MB2_OK);
	CHECK(BI.rsdp == NULL && BI.rsdp_len == 0);
	for (int order = 0; order < 2; order++) {
		mbb_init(&B);
		if (order == 0)
			mbb_tag(&B, MB2_TAG_ACPI_OLD, old_rsdp, sizeof(old_rsdp));
		mbb_tag(&B, MB2_TAG_ACPI_NEW, new_rsdp, sizeof(new_rsdp));
		if (order == 1)
			mbb_tag(&B, MB2_TAG_ACPI_OLD, old_rsdp, sizeof(old_rsdp));
		mbb_small_mmap(&B);
		mbb_finish(&B);
		CHECK_EQ(parse(&where), MB2_OK);
		CHECK_EQ(BI.rsdp_len, 36);
		CHECK(BI.rsdp_new && memcmp(BI.rsdp, new_rsdp, 36) == 0);
	}
	mbb_init(&B);
	mbb_tag(&B, MB2_TAG_ACPI_OLD, old_rsdp, sizeof(old_rsdp));
	mbb_small_mmap(&B);
	mbb_finish(&B);
	CHECK_EQ(parse(&where), MB2_OK);
	CHECK(!BI.rsdp_new && BI.rsdp_len == 20 && memcmp(BI.rsdp, old_rsdp, 20) == 0);
}
