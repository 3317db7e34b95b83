/*
 * Host unit tests for servers/vmm/pcmap.c, the guest's memory map: its
 * ranges for RAM sizes from tiny to the most memory= allows (and past it),
 * the rules every map keeps (sorted, no overlaps, RAM never in a hole),
 * the queries the loaders place things by, and that both loaders
 * (loader.c's Multiboot map, bzimage.c's e820 table) report it alike.
 */
#include <stdint.h>
#include <string.h>

#include "bzimage.h"
#include "loader.h"
#include "pcmap.h"
#include "unit.h"

#define KIB 1024ULL
#define MIB (1024 * KIB)
#define GIB (1024 * MIB)

/* RAM sizes: tiny, below and above the ACPI tables' end, 1 MiB, 256 MiB, around 3.5 GiB, the most. */
static const uint64_t sizes[] = {
	64 * KIB, 0x80000, 0x9fc00, 0xe0800, 0xe1000, MIB, 4 * MIB, 256 * MIB,
	3584 * MIB - 4 * KIB, 3584 * MIB + 4 * KIB, 0xfeb00000, 5 * GIB,
};

/* Whether range r is the one of m, with those bounds and that type. */
static int has(const struct pc_map *m, uint64_t start, uint64_t end, enum pc_range_type type)
{
	for (unsigned i = 0; i < m->n; i++)
		if (m->r[i].start == start && m->r[i].end == end && m->r[i].type == type)
			return 1;
	return 0;
}

TEST(pcmap_of_256_mib_is_a_pcs)
{
	struct pc_map m;
	pcmap_build(&m, 256 * MIB);
	CHECK_EQ(m.n, 7);
	CHECK(has(&m, 0, 0x9fc00, PC_RAM));              /* 639 KiB, as SeaBIOS reports */
	CHECK(has(&m, 0x9fc00, 0xa0000, PC_RESERVED));   /* the EBDA */
	CHECK(has(&m, 0xe0000, 0xe1000, PC_ACPI));       /* the tables, acpi.h */
	CHECK(has(&m, 0xe1000, 0x100000, PC_RESERVED));  /* the BIOS: bios.h's handlers */
	CHECK(has(&m, 0x100000, 256 * MIB, PC_RAM));
	CHECK(has(&m, 0xfec00000, 0xfec01000, PC_RESERVED));
	CHECK(has(&m, 0xfee00000, 0xfee01000, PC_RESERVED));
	CHECK(strcmp(m.r[1].what, "the EBDA") == 0);
}

/* A guest smaller than 640 KiB: its RAM ends early, nothing above 1 MiB, no ACPI tables. */
TEST(pcmap_of_a_tiny_guest)
{
	struct pc_map m;
	pcmap_build(&m, 64 * KIB);
	CHECK_EQ(m.n, 5);
	CHECK(has(&m, 0, 64 * KIB, PC_RAM));
	CHECK(has(&m, 0x9fc00, 0xa0000, PC_RESERVED));
	CHECK(has(&m, 0xe0000, 0x100000, PC_RESERVED));
	CHECK(has(&m, 0xfec00000, 0xfec01000, PC_RESERVED));
	CHECK(has(&m, 0xfee00000, 0xfee01000, PC_RESERVED));
}

/* The tables are in the map as ACPI exactly when the RAM holds them (devices.c writes them then). */
TEST(pcmap_lists_the_acpi_tables_only_in_ram)
{
	struct pc_map m;
	pcmap_build(&m, 0xe0800);
	CHECK(has(&m, 0xe0000, 0x100000, PC_RESERVED));
	pcmap_build(&m, 0xe1000);
	CHECK(has(&m, 0xe0000, 0xe1000, PC_ACPI));
	CHECK(has(&m, 0xe1000, 0x100000, PC_RESERVED));
	CHECK_EQ(m.n, 6); /* no RAM above 1 MiB */
}

/* Around 3.5 GiB and up to memory='s most, RAM above 1 MiB is one range: no PCI hole here. */
TEST(pcmap_of_large_guests)
{
	struct pc_map m;
	pcmap_build(&m, 3584 * MIB - 4 * KIB);
	CHECK(has(&m, 0x100000, 3584 * MIB - 4 * KIB, PC_RAM));
	pcmap_build(&m, 3584 * MIB + 4 * KIB);
	CHECK(has(&m, 0x100000, 3584 * MIB + 4 * KIB, PC_RAM));
	pcmap_build(&m, 0xfeb00000);
	CHECK(has(&m, 0x100000, 0xfeb00000, PC_RAM));
	CHECK_EQ(m.n, 7);
}

/* Past what memory= allows, the RAM the map reports still ends at the I/O APIC. */
TEST(pcmap_never_puts_ram_on_the_apics)
{
	struct pc_map m;
	pcmap_build(&m, 5 * GIB);
	CHECK(has(&m, 0x100000, 0xfec00000, PC_RAM));
	CHECK_EQ(m.n, 7);
}

/* Every map: sorted, no range empty, none overlapping, RAM only below ram and never in a hole. */
TEST(pcmap_keeps_its_rules_for_every_size)
{
	for (unsigned s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		struct pc_map m;
		pcmap_build(&m, sizes[s]);
		CHECK(m.n <= PC_MAP_MAX);
		uint64_t ram = 0;
		for (unsigned i = 0; i < m.n; i++) {
			const struct pc_range *r = &m.r[i];
			CHECK(r->start < r->end);
			CHECK(i == 0 || m.r[i - 1].end <= r->start);
			CHECK(r->what && r->what[0]);
			if (r->type == PC_RAM) {
				CHECK(r->end <= sizes[s]);
				ram += r->end - r->start;
			}
		}
		for (uint64_t hole = 0x9fc00; hole < 0x100000; hole += 0x400)
			CHECK(!pcmap_is_ram(&m, hole, 1));
		CHECK(!pcmap_is_ram(&m, 0xfec00000, 1));
		CHECK(!pcmap_is_ram(&m, 0xfee00000, 1));
		uint64_t low = sizes[s] < 0x9fc00 ? sizes[s] : 0x9fc00;
		uint64_t top = sizes[s] < 0xfec00000 ? sizes[s] : 0xfec00000;
		CHECK_EQ(ram, low + (top > MIB ? top - MIB : 0));
	}
}

TEST(pcmap_ram_from_and_is_ram)
{
	struct pc_map m;
	pcmap_build(&m, 4 * MIB);
	CHECK_EQ(pcmap_ram_from(&m, 0), 0x9fc00);
	CHECK_EQ(pcmap_ram_from(&m, 0x9f000), 0xc00);
	CHECK_EQ(pcmap_ram_from(&m, 0x9fc00), 0);
	CHECK_EQ(pcmap_ram_from(&m, MIB), 3 * MIB);
	CHECK_EQ(pcmap_ram_from(&m, 4 * MIB), 0);
	CHECK(pcmap_is_ram(&m, 0x7000, 0x98c00));
	CHECK(!pcmap_is_ram(&m, 0x7000, 0x98c01)); /* one byte into the EBDA */
	CHECK(pcmap_is_ram(&m, MIB, 3 * MIB));
	CHECK(!pcmap_is_ram(&m, MIB, 3 * MIB + 1));
	CHECK(!pcmap_is_ram(&m, 0x9f000, MIB)); /* across the hole, though both ends are RAM */
}

/* A hole is the first non-RAM stretch met: a listed range, or a gap with no entry. */
TEST(pcmap_hole_names_what_is_met_first)
{
	struct pc_map m;
	struct pc_range h;
	pcmap_build(&m, 4 * MIB);
	CHECK(!pcmap_hole(&m, 0x1000, 0x1000, &h));
	CHECK(!pcmap_hole(&m, MIB, 3 * MIB, &h));
	CHECK(pcmap_hole(&m, 0x9f000, 0x2000, &h));
	CHECK_EQ(h.start, 0x9fc00);
	CHECK_EQ(h.end, 0xa0000);
	CHECK(strcmp(h.what, "the EBDA") == 0);
	CHECK(pcmap_hole(&m, 0xb8000, 0x1000, &h)); /* video memory: no entry */
	CHECK_EQ(h.type, PC_GAP);
	CHECK_EQ(h.start, 0xa0000);
	CHECK_EQ(h.end, 0xe0000);
	CHECK(pcmap_hole(&m, 0xe0010, 1, &h));
	CHECK_EQ(h.type, PC_ACPI);
	CHECK(pcmap_hole(&m, 4 * MIB - 1, 2, &h)); /* past the RAM's end */
	CHECK_EQ(h.type, PC_GAP);
	CHECK_EQ(h.start, 4 * MIB);
	CHECK_EQ(h.end, 0xfec00000);
	CHECK(pcmap_hole(&m, 0xfee00800, UINT64_MAX, &h)); /* a length that wraps is no way round */
	CHECK_EQ(h.start, 0xfee00000);
}

/* Placing: the first aligned place at or above from in RAM, skipping the holes. */
TEST(pcmap_fit_skips_the_holes)
{
	struct pc_map m;
	uint64_t at = 0;
	pcmap_build(&m, 4 * MIB);
	CHECK(pcmap_fit(&m, 0x12345, 0x1000, 0x1000, &at));
	CHECK_EQ(at, 0x13000);
	CHECK(pcmap_fit(&m, 0x90000, 0x10000, 0x1000, &at)); /* would reach the EBDA: at 1 MiB */
	CHECK_EQ(at, MIB);
	CHECK(pcmap_fit(&m, 0x9f800, 0x100, 0x1000, &at)); /* the page after is the EBDA's */
	CHECK_EQ(at, MIB);
	CHECK(pcmap_fit(&m, 0xa0000, 3 * MIB, 0x1000, &at));
	CHECK_EQ(at, MIB);
	CHECK(!pcmap_fit(&m, 0xa0000, 3 * MIB + 1, 0x1000, &at));
	CHECK(!pcmap_fit(&m, 4 * MIB, 0, 0x1000, &at));
}

/* Both loaders report the same map: the Multiboot memory map and the e820 table, entry by entry. */
TEST(pcmap_both_loaders_report_the_same_map)
{
	static uint8_t low[0x8000]; /* the loaders write their information below 0x8000 only */
	for (unsigned s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		static struct mb_load mb;
		static struct bz_load bz;
		struct pc_map m;
		if (sizes[s] < MB_INFO_END)
			continue; /* no room for the Multiboot information */
		pcmap_build(&m, sizes[s]);
		mb_load_init(&mb, low, sizes[s]);
		CHECK(mb_write_info(&mb, "k", "", NULL));
		struct mb_info info;
		memcpy(&info, low + MB_INFO_GPA, sizeof(info));
		CHECK_EQ(info.mmap_length, m.n * sizeof(struct mb_mmap_entry));
		bz_load_init(&bz, low, sizes[s]);
		CHECK(bz_write_params(&bz, "", 0));
		CHECK_EQ(low[BZ_PARAMS_GPA + BZ_E820_ENTRIES], m.n);
		for (unsigned i = 0; i < m.n; i++) {
			struct mb_mmap_entry e;
			struct bz_e820_entry z;
			memcpy(&e, low + info.mmap_addr + i * sizeof(e), sizeof(e));
			memcpy(&z, low + BZ_PARAMS_GPA + BZ_E820_TABLE + i * sizeof(z), sizeof(z));
			CHECK_EQ(e.base_addr, m.r[i].start);
			CHECK_EQ(e.length, m.r[i].end - m.r[i].start);
			CHECK_EQ(e.type, m.r[i].type);
			CHECK_EQ(z.addr, e.base_addr);
			CHECK_EQ(z.size, e.length);
			CHECK_EQ(z.type, e.type);
		}
		CHECK_EQ(info.mem_lower, pcmap_ram_from(&m, 0) >> 10);
		CHECK_EQ(info.mem_upper, pcmap_ram_from(&m, MIB) >> 10);
	}
}
