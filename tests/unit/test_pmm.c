/* Host unit tests for the physical memory bookkeeping (kernel/pmm.c). */
#include <stdint.h>
#include <string.h>

#include "pmm.h"
#include "unit.h"

#define KiB 0x400ULL
#define MiB 0x100000ULL
#define A MB2_MEM_AVAILABLE
#define R MB2_MEM_RESERVED

static struct phys_range out[32];

/* Runs memmap_free_ranges into out (max 32) after filling out with a marker. */
static size_t free_ranges(const struct mb2_mmap_entry *map, size_t n,
			  const struct phys_range *res, size_t nres)
{
	memset(out, 0xa5, sizeof(out));
	return memmap_free_ranges(map, n, res, nres, out, 32);
}

TEST(memmap_simple_region)
{
	struct mb2_mmap_entry map[] = { { 0, 64 * MiB, A } };

	CHECK_EQ(free_ranges(map, 1, NULL, 0), 1);
	CHECK_EQ(out[0].start, MiB);
	CHECK_EQ(out[0].end, 64 * MiB);
}

TEST(memmap_first_mib_excluded)
{
	struct mb2_mmap_entry map[] = {
		{ 0, 0x9fc00, A },
		{ 0x80000, 2 * MiB - 0x80000, A }, /* straddles the 1 MiB line */
	};

	CHECK_EQ(free_ranges(map, 2, NULL, 0), 1);
	CHECK_EQ(out[0].start, MiB);
	CHECK_EQ(out[0].end, 2 * MiB);
	/* only low memory: nothing at all */
	CHECK_EQ(free_ranges(map, 1, NULL, 0), 0);
}

TEST(memmap_reserved_entry_wins)
{
	/* The reserved entry comes first and overlaps two available ones. */
	struct mb2_mmap_entry map[] = {
		{ 4 * MiB, MiB, R },
		{ MiB, 4 * MiB + 4 * KiB, A },
		{ 4 * MiB + 512 * KiB, 4 * MiB, A },
		{ 6 * MiB, 8 * KiB, MB2_MEM_ACPI },
		{ 7 * MiB, 4 * KiB, MB2_MEM_NVS },
		{ 8 * MiB - 4 * KiB, 4 * KiB, MB2_MEM_BAD },
	};

	CHECK_EQ(free_ranges(map, 6, NULL, 0), 5);
	CHECK_EQ(out[0].start, MiB);
	CHECK_EQ(out[0].end, 4 * MiB);
	CHECK_EQ(out[1].start, 5 * MiB);
	CHECK_EQ(out[1].end, 6 * MiB);
	CHECK_EQ(out[2].start, 6 * MiB + 8 * KiB);
	CHECK_EQ(out[2].end, 7 * MiB);
	CHECK_EQ(out[3].start, 7 * MiB + 4 * KiB);
	CHECK_EQ(out[3].end, 8 * MiB - 4 * KiB);
	CHECK_EQ(out[4].start, 8 * MiB);
	CHECK_EQ(out[4].end, 8 * MiB + 512 * KiB);
}

TEST(memmap_unaligned_entries)
{
	struct mb2_mmap_entry map[] = {
		{ 0x100123, 0x200f00 - 0x100123, A },  /* shrinks inward */
		{ 0x150010, 0x10, R },                 /* blocks its whole page */
		{ 0x180ff0, 0x20, MB2_MEM_ACPI },      /* straddles: blocks two pages */
	};

	CHECK_EQ(free_ranges(map, 3, NULL, 0), 3);
	CHECK_EQ(out[0].start, 0x101000);
	CHECK_EQ(out[0].end, 0x150000);
	CHECK_EQ(out[1].start, 0x151000);
	CHECK_EQ(out[1].end, 0x180000);
	CHECK_EQ(out[2].start, 0x182000);
	CHECK_EQ(out[2].end, 0x200000);
	/* An available entry smaller than a page after shrinking vanishes. */
	map[0].base = 0x300001;
	map[0].len = 0x1ffe;
	CHECK_EQ(free_ranges(map, 1, NULL, 0), 0);
}

TEST(memmap_reserved_ranges_split)
{
	struct mb2_mmap_entry map[] = { { MiB, 31 * MiB, A } };
	struct phys_range res[] = {
		{ 2 * MiB + 0x10, 3 * MiB - 0x10 }, /* kernel image, rounded outward */
		{ 8 * MiB, 8 * MiB + 1 },           /* a one-byte module still costs a page */
		{ 40 * MiB, 50 * MiB },             /* outside memory: no effect */
		{ 9 * MiB, 9 * MiB },               /* empty: no effect */
	};

	CHECK_EQ(free_ranges(map, 1, res, 4), 3);
	CHECK_EQ(out[0].start, MiB);
	CHECK_EQ(out[0].end, 2 * MiB);
	CHECK_EQ(out[1].start, 3 * MiB);
	CHECK_EQ(out[1].end, 8 * MiB);
	CHECK_EQ(out[2].start, 8 * MiB + 4 * KiB);
	CHECK_EQ(out[2].end, 32 * MiB);
}

TEST(memmap_empty_inputs)
{
	struct mb2_mmap_entry map[] = {
		{ MiB, MiB, R },
		{ 2 * MiB, 0, A },
	};

	CHECK_EQ(free_ranges(NULL, 0, NULL, 0), 0);
	CHECK_EQ(free_ranges(map, 2, NULL, 0), 0);
	CHECK_EQ(out[0].start, 0xa5a5a5a5a5a5a5a5ULL); /* nothing written */
}

TEST(memmap_sorted_and_merged)
{
	/* Unsorted, overlapping and touching available entries. */
	struct mb2_mmap_entry map[] = {
		{ 10 * MiB, 2 * MiB, A },
		{ 2 * MiB, 2 * MiB, A },
		{ 11 * MiB, 3 * MiB, A },
		{ 4 * MiB, MiB, A },
		{ MiB, 0x800, A },
	};

	CHECK_EQ(free_ranges(map, 5, NULL, 0), 2);
	CHECK_EQ(out[0].start, 2 * MiB);
	CHECK_EQ(out[0].end, 5 * MiB);
	CHECK_EQ(out[1].start, 10 * MiB);
	CHECK_EQ(out[1].end, 14 * MiB);
}

TEST(memmap_max_overflow)
{
	struct mb2_mmap_entry map[] = { { MiB, 9 * MiB, A } };
	struct phys_range res[] = {
		{ 2 * MiB, 3 * MiB }, { 4 * MiB, 5 * MiB }, { 6 * MiB, 7 * MiB },
		{ 8 * MiB, 9 * MiB },
	};
	struct phys_range small[3];

	memset(small, 0xa5, sizeof(small));
	CHECK_EQ(memmap_free_ranges(map, 1, res, 4, small, 2), 5);
	CHECK_EQ(small[0].start, MiB);
	CHECK_EQ(small[1].start, 3 * MiB);
	CHECK_EQ(small[2].start, 0xa5a5a5a5a5a5a5a5ULL); /* never written past max */
	CHECK_EQ(memmap_free_ranges(map, 1, res, 4, NULL, 0), 5);
	CHECK_EQ(memmap_free_ranges(map, 1, res, 4, small, 3), 5);
	CHECK_EQ(small[2].start, 5 * MiB);
}

TEST(memmap_top_of_address_space)
{
	struct mb2_mmap_entry map[] = {
		{ 0xffffffffffff0000ULL, 0x10000, A }, /* ends at exactly 2^64 */
		{ 0xfffffffffffff800ULL, 0x800, R },
	};
	struct phys_range res[] = { { 0xfffffffffffffff0ULL, UINT64_MAX } };

	CHECK_EQ(free_ranges(map, 1, NULL, 0), 1);
	CHECK_EQ(out[0].start, 0xffffffffffff0000ULL);
	CHECK_EQ(out[0].end, 0xfffffffffffff000ULL);
	CHECK_EQ(free_ranges(map, 2, res, 1), 1);
	CHECK_EQ(out[0].end, 0xfffffffffffff000ULL);
}

TEST(memmap_carve_lowest_fit)
{
	struct phys_range r[3] = {
		{ MiB, MiB + 8 * KiB }, { 2 * MiB, 3 * MiB }, { 5 * MiB, 6 * MiB },
	};
	size_t n = 3;

	CHECK_EQ(memmap_carve(r, &n, 12 * KiB), 2 * MiB); /* first range too small */
	CHECK_EQ(n, 3);
	CHECK_EQ(r[1].start, 2 * MiB + 12 * KiB);
	CHECK_EQ(memmap_carve(r, &n, 1), MiB); /* rounds up to a page */
	CHECK_EQ(r[0].start, MiB + 4 * KiB);
	CHECK_EQ(memmap_carve(r, &n, 4 * KiB), MiB + 4 * KiB); /* empties range 0 */
	CHECK_EQ(n, 2);
	CHECK_EQ(r[0].start, 2 * MiB + 12 * KiB);
	CHECK_EQ(r[1].start, 5 * MiB);
	CHECK_EQ(r[1].end, 6 * MiB);
}

TEST(memmap_carve_failures)
{
	struct phys_range r[2] = { { MiB, 2 * MiB }, { 3 * MiB, 4 * MiB } };
	size_t n = 2;

	CHECK_EQ(memmap_carve(r, &n, MiB + 1), 0);
	CHECK_EQ(memmap_carve(r, &n, 0), 0);
	CHECK_EQ(memmap_carve(r, &n, UINT64_MAX), 0);
	CHECK_EQ(n, 2);
	CHECK_EQ(r[0].start, MiB);
	CHECK_EQ(r[1].start, 3 * MiB);
	CHECK_EQ(memmap_carve(r, &n, MiB), MiB);
	CHECK_EQ(memmap_carve(r, &n, MiB), 3 * MiB);
	CHECK_EQ(n, 0);
	CHECK_EQ(memmap_carve(r, &n, 4 * KiB), 0);
}

static uint64_t storage[1024]; /* bitmap for up to 256 MiB */
static struct pmm P;

TEST(pmm_bitmap_bytes_sizes)
{
	CHECK_EQ(pmm_bitmap_bytes(0), 0);
	CHECK_EQ(pmm_bitmap_bytes(4095), 0);
	CHECK_EQ(pmm_bitmap_bytes(4096), 8);
	CHECK_EQ(pmm_bitmap_bytes(64 * 4096), 8);
	CHECK_EQ(pmm_bitmap_bytes(64 * 4096 + 100), 8);
	CHECK_EQ(pmm_bitmap_bytes(65 * 4096), 16);
	CHECK_EQ(pmm_bitmap_bytes(4ULL << 30), (4ULL << 30) / 4096 / 8);
}

TEST(pmm_init_counts)
{
	struct phys_range fr[] = {
		{ MiB, 2 * MiB },
		{ 3 * MiB + 100, 3 * MiB + 8 * KiB + 100 }, /* only one whole frame inside */
		{ MiB + 4 * KiB, MiB + 12 * KiB },          /* overlap: counted once */
		{ 6 * MiB, 100 * MiB },                     /* clipped to top */
	};

	memset(storage, 0, sizeof(storage));
	pmm_init(&P, storage, 8 * MiB, fr, 4);
	CHECK_EQ(P.nframes, 2048);
	CHECK_EQ(P.free_frames, 256 + 1 + 512);
	CHECK(!pmm_is_free(&P, MiB - 4 * KiB));
	CHECK(pmm_is_free(&P, MiB));
	CHECK(pmm_is_free(&P, 2 * MiB - 4 * KiB));
	CHECK(!pmm_is_free(&P, 2 * MiB));
	CHECK(!pmm_is_free(&P, 3 * MiB));
	CHECK(pmm_is_free(&P, 3 * MiB + 4 * KiB));
	CHECK(pmm_is_free(&P, 3 * MiB + 5000)); /* any address inside the frame */
	CHECK(!pmm_is_free(&P, 3 * MiB + 8 * KiB));
	CHECK(pmm_is_free(&P, 8 * MiB - 4 * KiB));
	CHECK(!pmm_is_free(&P, 8 * MiB));
	CHECK(!pmm_is_free(&P, 64 * MiB));
	CHECK(!pmm_is_free(&P, UINT64_MAX));
}

TEST(pmm_frame_zero_never_free)
{
	struct phys_range fr[] = { { 0, 16 * KiB } };

	pmm_init(&P, storage, 16 * KiB, fr, 1);
	CHECK_EQ(P.free_frames, 3);
	CHECK(!pmm_is_free(&P, 0));
	CHECK_EQ(pmm_alloc(&P), 4 * KiB);
	CHECK_EQ(pmm_alloc(&P), 8 * KiB);
	CHECK_EQ(pmm_alloc(&P), 12 * KiB);
	CHECK_EQ(pmm_alloc(&P), 0);
	CHECK_EQ(pmm_free(&P, 0), PMM_ERR_RANGE);
}

TEST(pmm_alloc_only_free_frames)
{
	/* Odd top: the 70-frame bitmap's last word has bits past nframes. */
	struct phys_range fr[] = { { 8 * KiB, 20 * KiB }, { 40 * KiB, 400 * KiB } };
	static unsigned char seen[128];
	uint64_t total, a;

	memset(seen, 0, sizeof(seen));
	pmm_init(&P, storage, 70 * 4 * KiB, fr, 2);
	total = P.free_frames;
	CHECK_EQ(total, 3 + (70 - 10));
	for (uint64_t i = 0; i < total; i++) {
		a = pmm_alloc(&P);
		CHECK(a != 0);
		CHECK_EQ(a % PAGE_SIZE, 0);
		CHECK(a < 70 * 4 * KiB);
		CHECK((a >= 8 * KiB && a < 20 * KiB) || a >= 40 * KiB);
		CHECK(!seen[a / PAGE_SIZE]);
		seen[a / PAGE_SIZE] = 1;
		CHECK(!pmm_is_free(&P, a));
	}
	CHECK_EQ(P.free_frames, 0);
	CHECK_EQ(pmm_alloc(&P), 0);
	CHECK_EQ(pmm_alloc(&P), 0);
	CHECK_EQ(pmm_alloc_contig(&P, 1, 1), 0);
}

TEST(pmm_free_checks)
{
	struct phys_range fr[] = { { MiB, 2 * MiB } };
	uint64_t a, b;

	pmm_init(&P, storage, 4 * MiB, fr, 1);
	a = pmm_alloc(&P);
	b = pmm_alloc(&P);
	CHECK_EQ(a, MiB);
	CHECK_EQ(b, MiB + 4 * KiB);
	CHECK_EQ(P.free_frames, 254);
	CHECK_EQ(pmm_free(&P, a + 1), PMM_ERR_UNALIGNED);
	CHECK_EQ(pmm_free(&P, a + 2048), PMM_ERR_UNALIGNED);
	CHECK_EQ(pmm_free(&P, 4 * MiB), PMM_ERR_RANGE);
	CHECK_EQ(pmm_free(&P, UINT64_MAX & ~4095ULL), PMM_ERR_RANGE);
	CHECK_EQ(pmm_free(&P, a + 8 * KiB), PMM_ERR_DOUBLE_FREE); /* never allocated */
	CHECK_EQ(P.free_frames, 254);
	CHECK_EQ(pmm_free(&P, a), PMM_OK);
	CHECK(pmm_is_free(&P, a));
	CHECK_EQ(P.free_frames, 255);
	CHECK_EQ(pmm_free(&P, a), PMM_ERR_DOUBLE_FREE);
	CHECK_EQ(P.free_frames, 255);
	/* the freed low frame is handed out again before higher ones */
	CHECK_EQ(pmm_alloc(&P), a);
	/* frames that were reserved at init cannot be "freed" twice either */
	CHECK_EQ(pmm_free(&P, 3 * MiB), PMM_OK);
	CHECK_EQ(pmm_free(&P, 3 * MiB), PMM_ERR_DOUBLE_FREE);
}

TEST(pmm_contig_alignment)
{
	struct phys_range fr[] = { { MiB + 4 * KiB, 2 * MiB } };
	uint64_t a, b, before;

	pmm_init(&P, storage, 4 * MiB, fr, 1);
	before = P.free_frames;
	a = pmm_alloc_contig(&P, 4, 16);
	CHECK(a != 0);
	CHECK_EQ(a % (16 * PAGE_SIZE), 0);
	CHECK_EQ(a, MiB + 64 * KiB); /* MiB itself is aligned but not free */
	for (uint64_t i = 0; i < 4; i++)
		CHECK(!pmm_is_free(&P, a + i * PAGE_SIZE));
	CHECK(pmm_is_free(&P, a + 4 * PAGE_SIZE));
	CHECK(pmm_is_free(&P, a - PAGE_SIZE));
	CHECK_EQ(P.free_frames, before - 4);
	/* align 0 and 1 mean "any": the lowest free run */
	b = pmm_alloc_contig(&P, 3, 0);
	CHECK_EQ(b, MiB + 4 * KiB);
	CHECK_EQ(pmm_alloc_contig(&P, 2, 1), MiB + 16 * KiB);
	/* a 256-frame, 256-aligned block does not exist here */
	CHECK_EQ(pmm_alloc_contig(&P, 256, 256), 0);
	CHECK_EQ(pmm_alloc_contig(&P, 0, 1), 0);
	CHECK_EQ(pmm_alloc_contig(&P, 1ULL << 40, 1), 0);
	CHECK_EQ(pmm_alloc_contig(&P, 1, UINT64_MAX), 0);
	CHECK_EQ(P.free_frames, before - 9);
}

TEST(pmm_contig_skips_holes)
{
	struct phys_range fr[] = { { MiB, MiB + 64 * KiB } }; /* 16 frames */

	pmm_init(&P, storage, 2 * MiB, fr, 1);
	CHECK_EQ(pmm_alloc(&P), MiB);
	CHECK_EQ(pmm_alloc(&P), MiB + 4 * KiB);
	CHECK_EQ(pmm_alloc(&P), MiB + 8 * KiB);
	CHECK_EQ(pmm_free(&P, MiB + 4 * KiB), PMM_OK); /* hole of one frame */
	CHECK_EQ(pmm_alloc_contig(&P, 2, 1), MiB + 12 * KiB);
	CHECK_EQ(pmm_alloc_contig(&P, 11, 1), MiB + 20 * KiB);
	CHECK_EQ(pmm_alloc_contig(&P, 2, 1), 0);
	CHECK_EQ(P.free_frames, 1);
	CHECK_EQ(pmm_alloc_contig(&P, 1, 1), MiB + 4 * KiB);
	CHECK_EQ(P.free_frames, 0);
}

TEST(pmm_large_range_word_path)
{
	/* 256 MiB of frames exercises the whole-word path of pmm_init. */
	struct phys_range fr[] = { { MiB, 256 * MiB } };

	pmm_init(&P, storage, 256 * MiB, fr, 1);
	CHECK_EQ(P.free_frames, 255 * 256);
	CHECK(!pmm_is_free(&P, MiB - 4 * KiB));
	CHECK(pmm_is_free(&P, MiB));
	CHECK(pmm_is_free(&P, 256 * MiB - 4 * KiB));
	CHECK_EQ(pmm_alloc_contig(&P, 512, 512), 2 * MiB);
	CHECK_EQ(pmm_alloc(&P), MiB);
	/* a frame freed below the search hint, in an earlier word, comes back first */
	for (uint64_t i = 1; i < 200; i++)
		CHECK_EQ(pmm_alloc(&P), MiB + i * PAGE_SIZE);
	CHECK_EQ(pmm_free(&P, MiB + 8 * KiB), PMM_OK);
	CHECK_EQ(pmm_alloc(&P), MiB + 8 * KiB);
}

/* The low page is RAM the map calls available, outside reserved entries and ranges. */
TEST(memmap_low_page_avoids_reserved_memory)
{
	struct mb2_mmap_entry map[] = {
		{ 0, 0x9fc00, A },
		{ 0x9fc00, 0x400, R },  /* the EBDA */
		{ 0x1800, 0x100, R },   /* firmware data inside the RAM */
		{ 0xf0000, 0x10000, R },
		{ MiB, 63 * MiB, A },
	};
	struct phys_range res[] = { { 0x2000, 0x2001 } }; /* the boot information, say */

	CHECK_EQ(memmap_low_page(map, 5, NULL, 0, 0x1000, 0xa0000), 0x2000);
	CHECK_EQ(memmap_low_page(map, 5, res, 1, 0x1000, 0xa0000), 0x3000);
	CHECK_EQ(memmap_low_page(map, 5, res, 1, 0x9e001, 0xa0000), 0);  /* 0x9f000 meets the EBDA */
	CHECK_EQ(memmap_low_page(map, 5, res, 1, 0x9e000, 0xa0000), 0x9e000);
	CHECK_EQ(memmap_low_page(map, 1, NULL, 0, 0x9f000, 0xa0000), 0); /* ends 0x400 short */
	CHECK_EQ(memmap_low_page(map, 5, NULL, 0, 0x3000, 0x3fff), 0);   /* no whole page below */
}
