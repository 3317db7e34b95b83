/*
 * The Linux loader (bzimage.h).  A bzImage is a boot sector, setup_sects
 * sectors of real-mode setup code and the protected-mode kernel after them;
 * the setup header at 0x1F1 tells a loader what the kernel needs.  This
 * loader starts the kernel at its 32-bit entry, so the real-mode setup
 * never runs: the loader does its work (the zero page with the header and
 * the e820 map), as the boot protocol's "32-bit boot protocol" section
 * says.  It takes protocol 2.10 and later (Linux 2.6.31, 2009): pref_address
 * and init_size say where the kernel runs and how much RAM that takes,
 * which a loader cannot know otherwise.  What it writes goes in the RAM of
 * the guest's memory map (pcmap.h), which is also the e820 map.  Every
 * refusal says why.
 */
#include "bzimage.h"
#include "fmt.h"
#include "mem.h"

#define SECTOR      512
#define PAGE_MASK   0xfffULL
#define BZ_MIN_HEADER_END (BZ_INIT_SIZE + 4) /* a 2.10 header reaches init_size */

/* Says why the load cannot go on, in l->err; false, for the caller to return. */
#define refuse(l, ...) (fmt_snprintf((l)->err, sizeof((l)->err), __VA_ARGS__), false)

static uint32_t get16(const uint8_t *p, unsigned off)
{
	return p[off] | (uint32_t)p[off + 1] << 8;
}

static uint32_t get32(const uint8_t *p, unsigned off)
{
	uint32_t v;
	memcpy(&v, p + off, sizeof(v));
	return v;
}

static uint64_t get64(const uint8_t *p, unsigned off)
{
	uint64_t v;
	memcpy(&v, p + off, sizeof(v));
	return v;
}

static void put32(uint8_t *p, unsigned off, uint32_t v)
{
	memcpy(p + off, &v, sizeof(v));
}

static void put64(uint8_t *p, unsigned off, uint64_t v)
{
	memcpy(p + off, &v, sizeof(v));
}

/* The zero page in the guest's RAM (bz_load_kernel has checked that it is RAM). */
static uint8_t *zero_page(struct bz_load *l)
{
	return l->ram + BZ_PARAMS_GPA;
}

bool bz_is_linux(const uint8_t *img, uint64_t bytes)
{
	return bytes >= BZ_HEADER + 4 && get32(img, BZ_HEADER) == BZ_MAGIC;
}

void bz_load_init(struct bz_load *l, uint8_t *ram, uint64_t bytes)
{
	memset(l, 0, sizeof(*l));
	l->ram = ram;
	l->ram_bytes = bytes;
	pcmap_build(&l->map, bytes);
}

/* Whether [start, start + len) lies in the map's RAM; says what does not, as what, if not. */
static bool in_ram(struct bz_load *l, const char *what, uint64_t start, uint64_t len)
{
	struct pc_range hole;
	if (start > l->ram_bytes || len > l->ram_bytes - start)
		return refuse(l, "%s at %#lx-%#lx does not fit its %lu MiB of RAM", what, start,
			      start + len, l->ram_bytes >> 20);
	if (pcmap_hole(&l->map, start, len, &hole))
		return refuse(l, "%s at %#lx-%#lx overlaps %s at %#lx-%#lx", what, start, start + len,
			      hole.what, hole.start, hole.end);
	return true;
}

/* Checks what the header promises about the file and the protocol; the setup's end in *setup. */
static bool header_ok(struct bz_load *l, const uint8_t *img, uint64_t bytes, uint64_t *setup)
{
	if (!bz_is_linux(img, bytes))
		return refuse(l, "no Linux setup header (\"HdrS\" at 0x202)");
	uint32_t version = get16(img, BZ_VERSION);
	if (version < BZ_MIN_VERSION)
		return refuse(l, "Linux boot protocol %u.%02u: this loader needs 2.10 or later "
			      "(pref_address, init_size)", version >> 8, version & 0xff);
	if (get16(img, BZ_BOOT_FLAG) != BZ_BOOT_FLAG_MAGIC)
		return refuse(l, "boot_flag at 0x1fe is %#x, not 0xaa55", get16(img, BZ_BOOT_FLAG));
	if (!(img[BZ_LOADFLAGS] & BZ_LOADED_HIGH))
		return refuse(l, "a zImage (loadflags bit 0 clear: its kernel at 0x10000), which this "
			      "loader does not load");
	unsigned sects = img[BZ_SETUP_SECTS] ? img[BZ_SETUP_SECTS] : 4;
	*setup = (uint64_t)(sects + 1) * SECTOR;
	unsigned header_end = BZ_HEADER + img[BZ_JUMP + 1];
	if (header_end < BZ_MIN_HEADER_END || header_end > *setup)
		return refuse(l, "its setup header ends at %#x, outside %#x-%#lx", header_end,
			      BZ_MIN_HEADER_END, *setup);
	if (*setup >= bytes)
		return refuse(l, "its setup (%u sectors) leaves no protected-mode kernel in its %lu "
			      "bytes", sects, bytes);
	uint64_t sys = (uint64_t)get32(img, BZ_SYSSIZE) * 16;
	if (sys > bytes - *setup)
		return refuse(l, "syssize says %lu bytes of kernel, the file has %lu: truncated?", sys,
			      bytes - *setup);
	return true;
}

/*
 * Where the protected-mode kernel goes: a relocatable kernel at
 * pref_address, which must be a multiple of kernel_alignment; any other
 * at 1 MiB, from where it moves itself to pref_address.
 */
static bool load_address(struct bz_load *l, const uint8_t *img, uint64_t *at)
{
	uint64_t pref = get64(img, BZ_PREF_ADDRESS);
	uint32_t align = get32(img, BZ_KERNEL_ALIGNMENT);
	if (pref < PC_HIGH_RAM)
		return refuse(l, "its pref_address %#lx lies below 1 MiB", pref);
	if (!img[BZ_RELOCATABLE]) {
		*at = BZ_LOW_KERNEL;
		return true;
	}
	if (!align || (align & (align - 1)) || (pref & (align - 1)))
		return refuse(l, "its pref_address %#lx is not a multiple of its kernel_alignment %#x",
			      pref, align);
	*at = pref;
	return true;
}

/* Copies the header as the kernel has it into a zero page of zeroes (so its sentinel is 0). */
static void copy_header(struct bz_load *l, const uint8_t *img)
{
	unsigned end = BZ_HEADER + img[BZ_JUMP + 1];
	if (end > BZ_HEADER_LIMIT)
		end = BZ_HEADER_LIMIT; /* fields of a later protocol than the zero page's */
	memset(zero_page(l), 0, BZ_ZERO_PAGE_BYTES);
	memcpy(zero_page(l) + BZ_SETUP_SECTS, img + BZ_SETUP_SECTS, end - BZ_SETUP_SECTS);
}

bool bz_load_kernel(struct bz_load *l, const uint8_t *img, uint64_t bytes)
{
	uint64_t setup = 0, at = 0;
	if (!header_ok(l, img, bytes, &setup) || !load_address(l, img, &at))
		return false;
	uint64_t kernel_bytes = bytes - setup;
	uint64_t run = get64(img, BZ_PREF_ADDRESS), room = get32(img, BZ_INIT_SIZE);
	if (!in_ram(l, "the boot data (zero page, command line)", BZ_GDT_GPA,
		    PC_EBDA_START - BZ_GDT_GPA) ||
	    !in_ram(l, "the protected-mode kernel", at, kernel_bytes) ||
	    !in_ram(l, "the room the kernel runs in (init_size)", run, room))
		return false;
	memcpy(l->ram + at, img + setup, kernel_bytes);
	copy_header(l, img);
	l->entry = (uint32_t)at;
	l->kernel_end = at + kernel_bytes > run + room ? at + kernel_bytes : run + room;
	l->initrd_max = get32(img, BZ_INITRD_ADDR_MAX);
	l->cmdline_max = get32(img, BZ_CMDLINE_SIZE);
	return true;
}

bool bz_load_initrd(struct bz_load *l, const char *name, const uint8_t *data, uint64_t bytes)
{
	uint64_t top = PC_HIGH_RAM + pcmap_ram_from(&l->map, PC_HIGH_RAM); /* the kernel's RAM's end */
	if (top > (uint64_t)l->initrd_max + 1)
		top = (uint64_t)l->initrd_max + 1;
	if (bytes > top || ((top - bytes) & ~PAGE_MASK) < l->kernel_end)
		return refuse(l, "initrd %s (%lu KiB) does not fit between the kernel's end %#lx and "
			      "%#lx (RAM's end or initrd_addr_max)", name, (bytes + 1023) >> 10,
			      l->kernel_end, top);
	l->initrd_start = (uint32_t)((top - bytes) & ~PAGE_MASK);
	l->initrd_bytes = (uint32_t)bytes;
	memcpy(l->ram + l->initrd_start, data, bytes);
	return true;
}

_Static_assert(PC_MAP_MAX <= BZ_E820_MAX, "the zero page holds the whole map");

/* The guest's memory map (pcmap.h) as e820 entries, into map[0 .. m->n). */
static void e820_map(const struct pc_map *m, struct bz_e820_entry *map)
{
	for (unsigned i = 0; i < m->n; i++)
		map[i] = (struct bz_e820_entry){ .addr = m->r[i].start,
						 .size = m->r[i].end - m->r[i].start,
						 .type = m->r[i].type };
}

/* The loader's fields of the header: who loaded it, where, what it gets. */
static void fill_header(struct bz_load *l, uint8_t *zp)
{
	zp[BZ_TYPE_OF_LOADER] = BZ_LOADER_UNDEFINED;
	zp[BZ_LOADFLAGS] &= ~(BZ_KEEP_SEGMENTS | BZ_CAN_USE_HEAP); /* no setup code runs: no heap */
	put32(zp, BZ_CODE32_START, l->entry);
	put32(zp, BZ_RAMDISK_IMAGE, l->initrd_start);
	put32(zp, BZ_RAMDISK_SIZE, l->initrd_bytes);
	put32(zp, BZ_CMD_LINE_PTR, BZ_CMDLINE_GPA);
}

bool bz_write_params(struct bz_load *l, const char *cmdline, uint64_t rsdp)
{
	uint64_t len = strlen(cmdline);
	if (len > l->cmdline_max)
		return refuse(l, "its command line of %lu characters is longer than its cmdline_size "
			      "%u", len, l->cmdline_max);
	memcpy(l->ram + BZ_CMDLINE_GPA, cmdline, len + 1);
	uint8_t *zp = zero_page(l);
	fill_header(l, zp);
	put64(zp, BZ_ACPI_RSDP_ADDR, rsdp);
	struct bz_e820_entry map[PC_MAP_MAX];
	e820_map(&l->map, map);
	zp[BZ_E820_ENTRIES] = (uint8_t)l->map.n;
	memcpy(zp + BZ_E820_TABLE, map, l->map.n * sizeof(map[0]));
	return true;
}
