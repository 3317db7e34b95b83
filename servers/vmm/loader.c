/*
 * The Multiboot (v1) loader (loader.h).  The kernel comes in one of two
 * forms, told apart by its header's flag bit 16: with address fields
 * (the "a.out kludge": one range of the file goes to load_addr, then
 * zeroed BSS) or without (the image must then be ELF32 or ELF64, each
 * PT_LOAD copied to its p_paddr; lib/elf.c reads both classes).  Every
 * placement, kernel and modules alike, is checked against the RAM of the
 * guest's memory map (pcmap.h: what a PC keeps for itself is not RAM
 * there) and against the VMM's boot data; every refusal says why.  The
 * information's memory sizes and map are that map's.
 */
#include "elf.h"
#include "fmt.h"
#include "loader.h"
#include "mem.h"
#include "moat/abi.h"

#define PAGE           ((uint64_t)PAGE_BYTES)
#define MB_HEADER_MIN  12 /* magic, flags, checksum */

/* The header with the address fields (flag bit 16). */
struct mb_header {
	uint32_t magic, flags, checksum;
	uint32_t header_addr, load_addr, load_end_addr, bss_end_addr, entry_addr;
};

_Static_assert(sizeof(struct mb_info) == 88, "the spec's layout, up to vbe_interface_len");

/* Says why the load cannot go on, in l->err; returns false for the caller to return. */
static bool refuse(struct mb_load *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool refuse(struct mb_load *l, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fmt_vsnprintf(l->err, sizeof(l->err), fmt, ap);
	va_end(ap);
	return false;
}

/* KiB, rounded up: a 1-byte segment is 1 KiB in a message, not 0. */
static uint64_t kib(uint64_t bytes)
{
	return (bytes + 1023) >> 10;
}

/* a rounded up to a page boundary. */
static uint64_t page_up(uint64_t a)
{
	return (a + PAGE - 1) & ~(PAGE - 1);
}

void mb_load_init(struct mb_load *l, uint8_t *ram, uint64_t bytes)
{
	memset(l, 0, sizeof(*l));
	l->ram = ram;
	l->ram_bytes = bytes;
	pcmap_build(&l->map, bytes);
}

/* Whether [start, start + len) meets the VMM's boot data. */
static bool on_boot_data(uint64_t start, uint64_t len)
{
	return start < BOOT_DATA_END && BOOT_DATA_START < start + len;
}

/* Whether [start, start + len) may hold what (a kernel range): RAM in the map, no boot data. */
static bool place_ok(struct mb_load *l, const char *what, uint64_t start, uint64_t len)
{
	struct pc_range hole;
	if (start > l->ram_bytes || len > l->ram_bytes - start)
		return refuse(l, "%s at %#lx (%lu KiB) lies outside its %lu KiB of RAM", what, start,
			      kib(len), l->ram_bytes >> 10);
	if (on_boot_data(start, len))
		return refuse(l, "%s at %#lx (%lu KiB) overlaps the boot data at %#x-%#x (GDT, "
			      "Multiboot information)", what, start, kib(len), BOOT_DATA_START,
			      BOOT_DATA_END);
	if (pcmap_hole(&l->map, start, len, &hole))
		return refuse(l, "%s at %#lx (%lu KiB) overlaps %s at %#lx-%#lx", what, start,
			      kib(len), hole.what, hole.start, hole.end);
	return true;
}

/* The offset of a valid Multiboot header in img's first 8 KiB (4-byte aligned), or -1. */
static int64_t find_header(const uint8_t *img, uint64_t bytes)
{
	uint64_t end = bytes < MB_SEARCH_BYTES ? bytes : MB_SEARCH_BYTES;
	for (uint64_t off = 0; off + MB_HEADER_MIN <= end; off += 4) {
		uint32_t w[3];
		memcpy(w, img + off, sizeof(w));
		if (w[0] == MB_HEADER_MAGIC && (uint32_t)(w[0] + w[1] + w[2]) == 0)
			return (int64_t)off;
	}
	return -1;
}

/* Refuses a requirement (flag bits 0-15) this loader does not meet; notes the video mode. */
static bool check_flags(struct mb_load *l, uint32_t flags)
{
	uint32_t unknown = flags & 0xffff & ~(MB_FLAG_PAGE_ALIGN | MB_FLAG_MEMORY | MB_FLAG_VIDEO);
	if (unknown)
		return refuse(l, "Multiboot header flag bit %u (a requirement Multiboot 0.6.96 does "
			      "not define) not supported", __builtin_ctz(unknown));
	if (flags & MB_FLAG_VIDEO)
		l->notice = "its Multiboot header asks for a video mode (flag bit 2): there is no "
			    "framebuffer, so that is ignored";
	return true;
}

/* Checks that the kernel's entry lies in [start, end), what it loaded there. */
static bool entry_ok(struct mb_load *l, uint64_t entry, uint64_t start, uint64_t end)
{
	if (entry < start || entry >= end)
		return refuse(l, "its entry %#lx lies outside the kernel it loads (%#lx-%#lx)", entry,
			      start, end);
	l->entry = (uint32_t)entry;
	return true;
}

/* Loads the kernel by the address fields of the header at file offset off (flag bit 16). */
static bool load_by_addresses(struct mb_load *l, const uint8_t *img, uint64_t bytes, uint64_t off)
{
	struct mb_header h;
	uint64_t limit = bytes < MB_SEARCH_BYTES ? bytes : MB_SEARCH_BYTES;
	if (off + sizeof(h) > limit)
		return refuse(l, "its Multiboot header's address fields lie past the first 8 KiB "
			      "or the end of the file");
	memcpy(&h, img + off, sizeof(h));
	if (h.header_addr < h.load_addr || h.header_addr - h.load_addr > off)
		return refuse(l, "header_addr %#x and load_addr %#x put the kernel's start before "
			      "the file's", h.header_addr, h.load_addr);
	uint64_t start = off - (h.header_addr - h.load_addr); /* load_addr's offset in the file */
	uint64_t len = bytes - start;
	if (h.load_end_addr) {
		if (h.load_end_addr < h.load_addr || h.load_end_addr - h.load_addr > len)
			return refuse(l, "load_end_addr %#x lies before load_addr or past the end of "
				      "the file", h.load_end_addr);
		len = h.load_end_addr - h.load_addr;
	}
	uint64_t end = h.load_addr + len, bss_end = end;
	if (h.bss_end_addr && h.bss_end_addr < end)
		return refuse(l, "bss_end_addr %#x lies below the end of the loaded kernel %#lx",
			      h.bss_end_addr, end);
	if (h.bss_end_addr)
		bss_end = h.bss_end_addr;
	if (!place_ok(l, "the kernel", h.load_addr, bss_end - h.load_addr))
		return false;
	memcpy(l->ram + h.load_addr, img + start, len);
	memset(l->ram + end, 0, bss_end - end); /* the spec: the loader zeroes the BSS */
	l->kernel_end = bss_end;
	return entry_ok(l, h.entry_addr, h.load_addr, end);
}

/* Checks every segment's place, then that no two of them overlap. */
static bool segments_ok(struct mb_load *l, const struct elf_segment *segs, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		if (!place_ok(l, "ELF segment", segs[i].paddr, segs[i].memsz))
			return false;
		for (unsigned j = 0; j < i; j++)
			if (segs[i].paddr < segs[j].paddr + segs[j].memsz &&
			    segs[j].paddr < segs[i].paddr + segs[i].memsz)
				return refuse(l, "ELF segments at %#lx and %#lx overlap", segs[j].paddr,
					      segs[i].paddr);
	}
	return true;
}

/* The segment holding entry, or -1. */
static int segment_of(const struct elf_segment *segs, unsigned n, uint64_t entry)
{
	for (unsigned i = 0; i < n; i++)
		if (entry >= segs[i].paddr && entry - segs[i].paddr < segs[i].memsz)
			return (int)i;
	return -1;
}

/* Loads an ELF32 or ELF64 kernel: each PT_LOAD at its p_paddr, e_entry its entry. */
static bool load_elf(struct mb_load *l, const uint8_t *img, uint64_t bytes)
{
	enum elf_status st = elf_check_boot(img, bytes);
	if (st != ELF_OK)
		return refuse(l, "its Multiboot header has no address fields (flag bit 16), so it "
			      "must be ELF, but: %s", elf_strerror(st));
	struct elf_segment segs[ELF_MAX_LOAD_SEGMENTS];
	unsigned n = 0;
	size_t cursor = 0;
	while (n < ELF_MAX_LOAD_SEGMENTS && elf_next_segment(img, &cursor, &segs[n]))
		n++;
	if (!segments_ok(l, segs, n))
		return false;
	for (unsigned i = 0; i < n; i++) {
		memcpy(l->ram + segs[i].paddr, segs[i].data, segs[i].filesz);
		memset(l->ram + segs[i].paddr + segs[i].filesz, 0, segs[i].memsz - segs[i].filesz);
		if (segs[i].paddr + segs[i].memsz > l->kernel_end)
			l->kernel_end = segs[i].paddr + segs[i].memsz;
	}
	uint64_t entry = elf_entry(img);
	if (entry >> 32)
		return refuse(l, "its ELF64 entry %#lx is not below 4 GiB, and it is entered in "
			      "32-bit protected mode", entry);
	int in = segment_of(segs, n, entry);
	if (in < 0)
		return refuse(l, "its entry %#lx lies in no loaded segment", entry);
	return entry_ok(l, entry, segs[in].paddr, segs[in].paddr + segs[in].memsz);
}

bool mb_load_kernel(struct mb_load *l, const uint8_t *img, uint64_t bytes)
{
	int64_t off = find_header(img, bytes);
	if (off < 0)
		return refuse(l, "no Multiboot header in the first 8 KiB");
	uint32_t flags;
	memcpy(&flags, img + off + 4, sizeof(flags));
	if (!check_flags(l, flags))
		return false;
	bool ok = flags & MB_FLAG_ADDRESSES ? load_by_addresses(l, img, bytes, (uint64_t)off)
					    : load_elf(l, img, bytes);
	l->next_module = l->kernel_end;
	return ok;
}

/* The first page at or above from where len bytes lie in the map's RAM past the boot data. */
static bool module_start(struct mb_load *l, uint64_t from, uint64_t len, uint64_t *start)
{
	from = page_up(from);
	if (on_boot_data(from, len))
		from = page_up(BOOT_DATA_END);
	return pcmap_fit(&l->map, from, len, PAGE, start); /* on to a later RAM range: above the boot data */
}

bool mb_load_module(struct mb_load *l, const char *name, const uint8_t *data, uint64_t bytes)
{
	uint64_t start;
	if (l->mods_count == MB_MAX_MODULES)
		return refuse(l, "module %s: more than %u modules", name, MB_MAX_MODULES);
	if (!module_start(l, l->next_module, bytes, &start))
		return refuse(l, "module %s (%lu KiB) does not fit above the kernel in its %lu KiB "
			      "of RAM", name, kib(bytes), l->ram_bytes >> 10);
	memcpy(l->ram + start, data, bytes);
	l->mods[l->mods_count++] = (struct mb_module){ .mod_start = (uint32_t)start,
						      .mod_end = (uint32_t)(start + bytes) };
	l->next_module = start + bytes;
	return true;
}

/* Where the information's pieces go, from MB_INFO_GPA up to MB_INFO_END. */
struct info_space {
	struct mb_load *l;
	uint64_t next;
};

/* Room for len bytes, 8-byte aligned; 0 (after saying why) if the space is full. */
static uint32_t info_alloc(struct info_space *s, uint64_t len)
{
	uint64_t at = (s->next + 7) & ~7ULL;
	if (len > MB_INFO_END - at) {
		refuse(s->l, "its boot information does not fit in %#x-%#x", MB_INFO_GPA, MB_INFO_END);
		return 0;
	}
	s->next = at + len;
	return (uint32_t)at;
}

/* Copies the strings a and b (b may be 0), with one space between, into the space. */
static uint32_t info_string(struct info_space *s, const char *a, const char *b)
{
	uint64_t la = strlen(a), lb = b ? strlen(b) : 0;
	uint32_t at = info_alloc(s, la + (b ? 1 + lb : 0) + 1);
	if (!at)
		return 0;
	char *p = (char *)s->l->ram + at;
	memcpy(p, a, la);
	if (b) {
		p[la] = ' ';
		memcpy(p + la + 1, b, lb);
		la += 1 + lb;
	}
	p[la] = 0;
	return at;
}

/* The guest's memory map (pcmap.h) in the Multiboot format, into map[0 .. m->n). */
static void memory_map(const struct pc_map *m, struct mb_mmap_entry *map)
{
	for (unsigned i = 0; i < m->n; i++)
		map[i] = (struct mb_mmap_entry){ .size = sizeof(*map) - 4, .base_addr = m->r[i].start,
						 .length = m->r[i].end - m->r[i].start,
						 .type = m->r[i].type };
}

bool mb_write_info(struct mb_load *l, const char *kernel_name, const char *cmdline,
		   const char *const *names)
{
	if (l->ram_bytes < MB_INFO_END)
		return refuse(l, "its boot information at %#x-%#x lies outside its %lu KiB of RAM",
			      MB_INFO_GPA, MB_INFO_END, l->ram_bytes >> 10);
	struct info_space s = { l, MB_INFO_GPA };
	struct mb_mmap_entry map[PC_MAP_MAX];
	unsigned n = l->map.n;
	memory_map(&l->map, map);
	uint32_t info_at = info_alloc(&s, sizeof(struct mb_info));
	uint32_t map_at = info_alloc(&s, sizeof(map[0]) * n);
	uint32_t mods_at = info_alloc(&s, sizeof(l->mods[0]) * MB_MAX_MODULES);
	for (unsigned i = 0; i < l->mods_count && mods_at; i++)
		if (!(l->mods[i].string = info_string(&s, names[i], 0)))
			return false;
	struct mb_info info = {
		.flags = MBI_MEMORY | MBI_CMDLINE | MBI_MODULES | MBI_MEMORY_MAP | MBI_LOADER_NAME,
		.mem_lower = pcmap_ram_from(&l->map, 0) >> 10,
		.mem_upper = pcmap_ram_from(&l->map, PC_HIGH_RAM) >> 10,
		.cmdline = info_string(&s, kernel_name, cmdline[0] ? cmdline : 0),
		.mods_count = l->mods_count,
		.mods_addr = mods_at,
		.mmap_length = sizeof(map[0]) * n,
		.mmap_addr = map_at,
		.boot_loader_name = info_string(&s, MB_LOADER_NAME, 0),
	};
	if (!info_at || !map_at || !mods_at || !info.cmdline || !info.boot_loader_name)
		return false;
	memcpy(l->ram + info_at, &info, sizeof(info));
	memcpy(l->ram + map_at, map, sizeof(map[0]) * n);
	memcpy(l->ram + mods_at, l->mods, sizeof(l->mods[0]) * l->mods_count);
	return true;
}
