/*
 * Multiboot2 boot-information parser.  Every length in the structure comes
 * from the boot loader, so each one is checked against the space that holds
 * it before anything behind it is read.  Offsets are kept in 64 bits so
 * that sums of 32-bit sizes cannot wrap.
 */
#include <stddef.h>
#include <stdint.h>

#include "multiboot2.h"

/* Fixed parts of the tags, in bytes. */
#define MB2_HEADER_SIZE 8  /* u32 total_size, u32 reserved */
#define MB2_TAG_HDR 8      /* u32 type, u32 size */
#define MB2_MODULE_HDR 16  /* tag header, u32 mod_start, u32 mod_end */
#define MB2_MMAP_HDR 16    /* tag header, u32 entry_size, u32 entry_version */
#define MB2_MMAP_ENTRY_MIN 24

/* Reads a little-endian u32 at p; bytewise so no alignment or aliasing rule matters. */
static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* Reads a little-endian u64 at p. */
static uint64_t rd64(const uint8_t *p)
{
	return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

/* True if a NUL occurs in the len bytes at s. */
static int has_nul(const uint8_t *s, uint64_t len)
{
	for (uint64_t i = 0; i < len; i++)
		if (s[i] == 0)
			return 1;
	return 0;
}

/*
 * Records a string tag (command line or loader name) of `size` bytes at tag.
 * *dst must still be NULL: a second copy of the tag is ambiguous.
 */
static enum mb2_status parse_string(const uint8_t *tag, uint32_t size, const char **dst)
{
	if (*dst)
		return MB2_ERR_DUPLICATE_TAG;
	if (!has_nul(tag + MB2_TAG_HDR, size - MB2_TAG_HDR))
		return MB2_ERR_STRING_UNTERMINATED;
	*dst = (const char *)(tag + MB2_TAG_HDR);
	return MB2_OK;
}

/* Appends the module described by the tag of `size` bytes at tag; size >= 8. */
static enum mb2_status parse_module(const uint8_t *tag, uint32_t size, struct boot_info *bi)
{
	struct mb2_module *m;

	if (size < MB2_MODULE_HDR)
		return MB2_ERR_TAG_TOO_SMALL;
	if (!has_nul(tag + MB2_MODULE_HDR, size - MB2_MODULE_HDR))
		return MB2_ERR_STRING_UNTERMINATED;
	if (rd32(tag + 12) < rd32(tag + 8))
		return MB2_ERR_MODULE_RANGE;
	if (bi->n_modules >= MB2_MAX_MODULES)
		return MB2_ERR_TOO_MANY_MODULES;
	m = &bi->modules[bi->n_modules++];
	m->start = rd32(tag + 8);
	m->end = rd32(tag + 12);
	m->cmdline = (const char *)(tag + MB2_MODULE_HDR);
	return MB2_OK;
}

/*
 * Copies the memory-map tag of `size` bytes at tag into bi, skipping
 * zero-length entries.  *seen tells whether an earlier mmap tag was found.
 */
static enum mb2_status parse_mmap(const uint8_t *tag, uint32_t size, struct boot_info *bi,
				  int *seen)
{
	uint32_t esize;

	if (*seen)
		return MB2_ERR_DUPLICATE_TAG;
	if (size < MB2_MMAP_HDR)
		return MB2_ERR_TAG_TOO_SMALL;
	esize = rd32(tag + 8);
	/* Multiples of 8 keep every entry's u64 fields naturally aligned. */
	if (esize < MB2_MMAP_ENTRY_MIN || esize % 8 != 0)
		return MB2_ERR_MMAP_ENTRY_SIZE;
	if ((size - MB2_MMAP_HDR) % esize != 0)
		return MB2_ERR_MMAP_PARTIAL;
	*seen = 1;
	for (uint32_t off = MB2_MMAP_HDR; off < size; off += esize) {
		const uint8_t *e = tag + off;
		uint64_t base = rd64(e), len = rd64(e + 8);
		struct mb2_mmap_entry *out;

		if (len == 0)
			continue;
		/* Reject wrap, even to exactly 2^64, so [base, base + len) is representable. */
		if (base + len < base)
			return MB2_ERR_MMAP_RANGE;
		if (bi->n_mmap >= MB2_MAX_MMAP)
			return MB2_ERR_TOO_MANY_MMAP;
		out = &bi->mmap[bi->n_mmap++];
		out->base = base;
		out->len = len;
		out->type = rd32(e + 16);
	}
	return MB2_OK;
}

/*
 * Records the RSDP copy of an ACPI tag of `size` bytes (>= 8) at tag; the
 * ACPI 2.0 copy wins over the 1.0 one, whatever their order.  The bytes
 * are checked where they are used (fwtables.c): here only their extent.
 */
static void parse_acpi(const uint8_t *tag, uint32_t size, int is_new, struct boot_info *bi)
{
	if (bi->rsdp && bi->rsdp_new && !is_new)
		return;
	bi->rsdp = tag + MB2_TAG_HDR;
	bi->rsdp_len = size - MB2_TAG_HDR;
	bi->rsdp_new = is_new;
}

/* Resets bi to "nothing found yet"; strings stay NULL until the walk ends. */
static void boot_info_clear(struct boot_info *bi)
{
	bi->cmdline = NULL;
	bi->loader_name = NULL;
	bi->mbi_phys_size = 0;
	bi->n_mmap = 0;
	bi->n_modules = 0;
	bi->rsdp = NULL;
	bi->rsdp_len = 0;
	bi->rsdp_new = 0;
}

/* Dispatches one tag of `size` (>= 8, inside the structure) to its parser. */
static enum mb2_status parse_tag(const uint8_t *tag, uint32_t type, uint32_t size,
				 struct boot_info *bi, int *seen_mmap)
{
	switch (type) {
	case MB2_TAG_CMDLINE:
		return parse_string(tag, size, &bi->cmdline);
	case MB2_TAG_LOADER_NAME:
		return parse_string(tag, size, &bi->loader_name);
	case MB2_TAG_MODULE:
		return parse_module(tag, size, bi);
	case MB2_TAG_MMAP:
		return parse_mmap(tag, size, bi, seen_mmap);
	case MB2_TAG_ACPI_OLD:
	case MB2_TAG_ACPI_NEW:
		parse_acpi(tag, size, type == MB2_TAG_ACPI_NEW, bi);
		return MB2_OK;
	default:
		return MB2_OK; /* unknown tags are allowed and carry nothing we use */
	}
}

/*
 * Walks the tags of the total_size-byte structure at base up to the end tag.
 * On error *where is the offending tag's offset.  *seen_mmap is set once a
 * memory-map tag was parsed (it may hold no entries).
 */
static enum mb2_status walk_tags(const uint8_t *base, uint32_t total, struct boot_info *bi,
				 uint32_t *where, int *seen_mmap)
{
	uint64_t off = MB2_HEADER_SIZE;

	while (off < total) {
		uint32_t type, size;
		enum mb2_status st;

		*where = (uint32_t)off;
		if (off + MB2_TAG_HDR > total)
			return MB2_ERR_TAG_OVERRUN;
		type = rd32(base + off);
		size = rd32(base + off + 4);
		if (size < MB2_TAG_HDR)
			return MB2_ERR_TAG_TOO_SMALL;
		if (off + size > total)
			return MB2_ERR_TAG_OVERRUN;
		if (type == MB2_TAG_END)
			return size == MB2_TAG_HDR ? MB2_OK : MB2_ERR_END_TAG_SIZE;
		st = parse_tag(base + off, type, size, bi, seen_mmap);
		if (st != MB2_OK)
			return st;
		off += ((uint64_t)size + 7) & ~(uint64_t)7;
	}
	*where = 0;
	return MB2_ERR_NO_END_TAG;
}

/*
 * Parses the information at mbi into bi.  mbi must be readable for its whole
 * total_size; bi and mbi must not overlap.
 */
enum mb2_status mb2_parse(const void *mbi, struct boot_info *bi, uint32_t *where)
{
	const uint8_t *base = mbi;
	uint32_t dummy, total;
	enum mb2_status st;
	int seen_mmap = 0;

	if (!where)
		where = &dummy;
	*where = 0;
	if (!mbi || !bi)
		return MB2_ERR_NULL;
	if ((uintptr_t)mbi % 8 != 0)
		return MB2_ERR_MISALIGNED;
	boot_info_clear(bi);
	total = rd32(base);
	bi->mbi_phys_size = total;
	if (total < MB2_HEADER_SIZE + MB2_TAG_HDR)
		return MB2_ERR_TOO_SMALL;
	st = walk_tags(base, total, bi, where, &seen_mmap);
	if (st == MB2_OK)
		*where = 0; /* the walk left the end tag's offset there */
	if (!bi->cmdline)
		bi->cmdline = "";
	if (!bi->loader_name)
		bi->loader_name = "";
	if (st == MB2_OK && !seen_mmap)
		return MB2_ERR_NO_MMAP;
	return st;
}

static const char *const mb2_messages[MB2_STATUS_COUNT] = {
	[MB2_OK] = "no error",
	[MB2_ERR_NULL] = "null pointer",
	[MB2_ERR_MISALIGNED] = "information structure not 8-byte aligned",
	[MB2_ERR_TOO_SMALL] = "total_size too small for header and end tag",
	[MB2_ERR_TAG_OVERRUN] = "tag runs past total_size",
	[MB2_ERR_TAG_TOO_SMALL] = "tag size too small for its type",
	[MB2_ERR_NO_END_TAG] = "no end tag before total_size",
	[MB2_ERR_STRING_UNTERMINATED] = "string not NUL-terminated within its tag",
	[MB2_ERR_NO_MMAP] = "no memory map tag",
	[MB2_ERR_MMAP_ENTRY_SIZE] = "memory map entry_size below 24 or not a multiple of 8",
	[MB2_ERR_TOO_MANY_MMAP] = "more memory map entries than fit",
	[MB2_ERR_TOO_MANY_MODULES] = "more modules than fit",
	[MB2_ERR_MODULE_RANGE] = "module ends before it starts",
	[MB2_ERR_END_TAG_SIZE] = "end tag size is not 8",
	[MB2_ERR_MMAP_PARTIAL] = "memory map tag holds a partial entry",
	[MB2_ERR_MMAP_RANGE] = "memory map entry wraps past the top of memory",
	[MB2_ERR_DUPLICATE_TAG] = "command line, loader name or memory map tag repeated",
};

/* Returns a constant sentence for s; unknown values get a generic one. */
const char *mb2_strerror(enum mb2_status s)
{
	if ((unsigned)s >= MB2_STATUS_COUNT || !mb2_messages[s])
		return "unknown multiboot2 error";
	return mb2_messages[s];
}
