/*
 * Multiboot2 boot-information parser.  Pure logic: it reads the structure
 * the boot loader left in memory, checks it, and copies what the kernel
 * needs into a struct boot_info.  It never prints; the caller reports the
 * returned status (mb2_strerror) and the byte offset of the bad tag.
 */
#ifndef KERNEL_MULTIBOOT2_H
#define KERNEL_MULTIBOOT2_H

#include <stdint.h>

#define MB2_BOOTLOADER_MAGIC 0x36d76289
#define MB2_MAX_MMAP 64
#define MB2_MAX_MODULES 57 /* the root task and BOOTINFO_MAX_MODULES more */

/* Tag types this parser understands; every other type is skipped. */
#define MB2_TAG_END 0
#define MB2_TAG_CMDLINE 1
#define MB2_TAG_LOADER_NAME 2
#define MB2_TAG_MODULE 3
#define MB2_TAG_MMAP 6
#define MB2_TAG_ACPI_OLD 14 /* a copy of the ACPI 1.0 RSDP */
#define MB2_TAG_ACPI_NEW 15 /* a copy of the ACPI 2.0 RSDP */

enum mb2_mem_type {
	MB2_MEM_AVAILABLE = 1,
	MB2_MEM_RESERVED = 2,
	MB2_MEM_ACPI = 3,
	MB2_MEM_NVS = 4,
	MB2_MEM_BAD = 5,
};

struct mb2_mmap_entry {
	uint64_t base, len;
	uint32_t type;
};

/* [start, end) physical; cmdline points into the information structure. */
struct mb2_module {
	uint64_t start, end;
	const char *cmdline;
};

/*
 * The strings point into the information structure, so it must stay mapped
 * (and must not be handed to the frame allocator) while they are used.
 */
struct boot_info {
	const char *cmdline;     /* "" if the tag is absent */
	const char *loader_name; /* "" if absent */
	uint64_t mbi_phys_size;  /* total_size of the information structure */
	struct mb2_mmap_entry mmap[MB2_MAX_MMAP];
	unsigned n_mmap;
	struct mb2_module modules[MB2_MAX_MODULES];
	unsigned n_modules;
	/* The loader's copy of the RSDP (the ACPI 2.0 one if both are given); NULL if none. */
	const uint8_t *rsdp;
	uint32_t rsdp_len;
	int rsdp_new;            /* the copy came from the ACPI 2.0 tag */
};

enum mb2_status {
	MB2_OK = 0,
	MB2_ERR_NULL,
	MB2_ERR_MISALIGNED,
	MB2_ERR_TOO_SMALL,
	MB2_ERR_TAG_OVERRUN,
	MB2_ERR_TAG_TOO_SMALL,
	MB2_ERR_NO_END_TAG,
	MB2_ERR_STRING_UNTERMINATED,
	MB2_ERR_NO_MMAP,
	MB2_ERR_MMAP_ENTRY_SIZE,
	MB2_ERR_TOO_MANY_MMAP,
	MB2_ERR_TOO_MANY_MODULES,
	MB2_ERR_MODULE_RANGE,
	MB2_ERR_END_TAG_SIZE,      /* end tag whose size is not 8 */
	MB2_ERR_MMAP_PARTIAL,      /* mmap tag body not a whole number of entries */
	MB2_ERR_MMAP_RANGE,        /* mmap entry whose base + len wraps past 2^64 */
	MB2_ERR_DUPLICATE_TAG,     /* second command line, loader name or mmap tag */
	MB2_STATUS_COUNT
};

/*
 * Parses the information at `mbi` (already readable, 8-byte aligned by spec).
 * On error, *where gets the byte offset of the offending tag (0 if not
 * tag-specific); `where` may be NULL.  On error *bi is partly filled.
 */
enum mb2_status mb2_parse(const void *mbi, struct boot_info *bi, uint32_t *where);

/* A short human sentence for a status, e.g. "tag runs past total_size". */
const char *mb2_strerror(enum mb2_status s);

#endif
