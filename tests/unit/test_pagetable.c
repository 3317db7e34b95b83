/*
 * Host unit tests for the page-table walk and the quota allocator
 * (kernel/pagetable.c), in the x86 format and in EPT's (no present bit),
 * and through their guest-physical caller (kernel/gpa_space.c).
 */
#include <stdint.h>

#include "cap.h"
#include "frame.h"
#include "gpa_space.h"
#include "khost.h"
#include "memory.h"
#include "pagetable.h"
#include "thread.h"
#include "unit.h"
#include "vcpu.h"

#define GiB (1ULL << 30)
#define MiB (1ULL << 20)

static uint64_t x86_table(uint64_t phys)
{
	return phys | PTE_P | PTE_W | PTE_U;
}

static uint64_t ept_table(uint64_t phys)
{
	return phys | RIGHT_R | RIGHT_W | RIGHT_X;
}

static const struct pt_format x86 = { PTE_P, x86_table };
static const struct pt_format ept = { ~0ULL, ept_table };

/* A zeroed root table and a quota of n pages behind it. */
static uint64_t root;
static uint64_t *root_table;
static struct pt_quota quota;
static struct pt_alloc alloc;

static void setup(unsigned n)
{
	host_free_all();
	root_table = host_pages(1);
	root = host_phys(root_table);
	/* a page past the quota: an overrun fails a check rather than ASan */
	uint64_t q = host_phys(host_pages(n + 1));
	quota = (struct pt_quota){ q, q + n * PAGE_SIZE };
	alloc = pt_quota_alloc(&quota);
}

/* The table an entry links, as a host pointer. */
static uint64_t *below(uint64_t e)
{
	return phys_to_virt(e & PTE_ADDR);
}

/* A VA whose four table indexes are 3, 5, 7 and 9. */
#define VA ((3ULL << 39) | (5ULL << 30) | (7ULL << 21) | (9ULL << 12) | 0x123)

TEST(pt_walk_makes_the_three_missing_tables_for_a_4k_entry)
{
	setup(8);
	uint64_t first = quota.next;
	struct pt_slot s = pt_walk(root, VA, 1, &x86, &alloc);
	CHECK(s.entry != 0);
	CHECK_EQ(s.level, 1);
	CHECK_EQ(quota.next - first, 3 * PAGE_SIZE);
	/* linked in order, each with the format's table entry, at the VA's index */
	CHECK_EQ(root_table[3], x86_table(first));
	CHECK_EQ(below(root_table[3])[5], x86_table(first + PAGE_SIZE));
	CHECK_EQ(below(below(root_table[3])[5])[7], x86_table(first + 2 * PAGE_SIZE));
	CHECK(s.entry == &((uint64_t *)phys_to_virt(first + 2 * PAGE_SIZE))[9]);
	CHECK_EQ(*s.entry, 0);
}

TEST(pt_walk_reuses_the_tables_it_made)
{
	setup(8);
	uint64_t first = quota.next;
	uint64_t *a = pt_walk(root, VA, 1, &x86, &alloc).entry;
	uint64_t *b = pt_walk(root, VA + PAGE_SIZE, 1, &x86, &alloc).entry;
	CHECK(a && b == a + 1);
	CHECK_EQ(quota.next - first, 3 * PAGE_SIZE);
	/* another GiB under the same top-level entry: a new directory and table */
	CHECK(pt_walk(root, VA + GiB, 1, &x86, &alloc).entry != 0);
	CHECK_EQ(quota.next - first, 5 * PAGE_SIZE);
}

TEST(pt_walk_indexes_each_level_with_nine_bits)
{
	setup(8);
	uint64_t va = (300ULL << 39) | (511ULL << 30) | (256ULL << 21) | (400ULL << 12);
	uint64_t *e = pt_walk(root, va, 1, &x86, &alloc).entry;
	CHECK(e != 0);
	CHECK(root_table[300] != 0);
	uint64_t *pdpt = below(root_table[300]);
	CHECK(pdpt[511] != 0);
	uint64_t *pd = below(pdpt[511]);
	CHECK(pd[256] != 0);
	CHECK(e == &below(pd[256])[400]);
}

TEST(pt_walk_stops_at_the_level_asked_for)
{
	setup(8);
	uint64_t first = quota.next;
	struct pt_slot s = pt_walk(root, VA, 4, &x86, &alloc);
	CHECK(s.entry == &root_table[3] && s.level == 4);
	CHECK_EQ(quota.next, first);
	s = pt_walk(root, VA, 3, &x86, &alloc);
	CHECK(s.entry == &below(root_table[3])[5] && s.level == 3);
	CHECK_EQ(quota.next - first, PAGE_SIZE);
	s = pt_walk(root, VA, 2, &x86, &alloc);
	CHECK(s.entry == &below(below(root_table[3])[5])[7] && s.level == 2);
	CHECK_EQ(quota.next - first, 2 * PAGE_SIZE);
}

TEST(pt_walk_without_an_allocator_only_looks)
{
	setup(8);
	struct pt_slot s = pt_walk(root, VA, 1, &x86, 0);
	CHECK(s.entry == 0);
	CHECK_EQ(s.level, 4); /* the top-level entry is the missing one */
	for (unsigned i = 0; i < 512; i++)
		CHECK_EQ(root_table[i], 0);
	CHECK(pt_walk(root, VA, 1, &x86, &alloc).entry != 0);
	/* once built, a look finds the same entry */
	CHECK(pt_walk(root, VA, 1, &x86, 0).entry == pt_walk(root, VA, 1, &x86, &alloc).entry);
	struct pt_slot s2 = pt_walk(root, VA + 2 * MiB, 1, &x86, 0);
	CHECK(s2.entry == 0);
	CHECK_EQ(s2.level, 2); /* the directory is there, its entry is not */
}

TEST(pt_walk_out_of_quota_fails_and_keeps_every_page_it_took_linked)
{
	setup(2);
	uint64_t first = quota.next;
	struct pt_slot s = pt_walk(root, VA, 1, &x86, &alloc);
	CHECK(s.entry == 0);
	CHECK_EQ(s.level, 2); /* the directory's entry found no page for a table */
	CHECK_EQ(quota.next, quota.end);
	/* no leak: both pages taken are in the tree, where the next walk finds them */
	CHECK_EQ(root_table[3], x86_table(first));
	CHECK_EQ(below(root_table[3])[5], x86_table(first + PAGE_SIZE));
	CHECK_EQ(below(below(root_table[3])[5])[7], 0);
	/* an empty quota changes nothing */
	CHECK(pt_walk(root, VA + GiB, 1, &x86, &alloc).entry == 0);
	CHECK_EQ(root_table[3], x86_table(first));
	CHECK_EQ(below(root_table[3])[6], 0);
	/* one more page finishes the walk */
	uint64_t more = host_phys(host_pages(2));
	quota = (struct pt_quota){ more, more + PAGE_SIZE };
	CHECK(pt_walk(root, VA, 1, &x86, &alloc).entry != 0);
	CHECK_EQ(quota.next, quota.end);
}

TEST(pt_walk_ends_at_a_large_page)
{
	setup(8);
	uint64_t first = quota.next;
	CHECK(pt_walk(root, VA, 2, &x86, &alloc).entry != 0);
	uint64_t *pd = below(below(root_table[3])[5]);
	pd[7] = 0x40000000ULL | PTE_P | PTE_W | PTE_PS; /* 2 MiB page */
	struct pt_slot s = pt_walk(root, VA, 1, &x86, &alloc);
	CHECK(s.entry == &pd[7]);
	CHECK_EQ(s.level, 2);
	CHECK_EQ(quota.next - first, 2 * PAGE_SIZE); /* nothing allocated under it */
	uint64_t *pdpt = below(root_table[3]);
	pdpt[6] = 0x80000000ULL | PTE_P | PTE_PS;   /* 1 GiB page */
	s = pt_walk(root, VA + GiB, 1, &x86, 0);
	CHECK(s.entry == &pdpt[6]);
	CHECK_EQ(s.level, 3);
}

TEST(pt_walk_reads_present_as_the_format_says)
{
	setup(8);
	uint64_t first = quota.next;
	/* EPT: execute-only is there; x86: an entry without PTE_P is not */
	uint64_t *table = host_pages(1);
	root_table[3] = host_phys(table) | RIGHT_X;
	CHECK(pt_walk(root, VA, 3, &ept, &alloc).entry == &table[5]);
	CHECK_EQ(quota.next, first);
	CHECK(pt_walk(root, VA, 3, &x86, 0).entry == 0);
	/* a new EPT table is linked with the format's own entry */
	CHECK(pt_walk(root, VA, 2, &ept, &alloc).entry != 0);
	CHECK_EQ(table[5], ept_table(first));
}

TEST(pt_quota_hands_out_zeroed_pages_front_to_back_until_its_end)
{
	uint8_t *mem = host_pages(3); /* a quota of two pages, and the page after it */
	memset(mem, 0xa5, 3 * PAGE_SIZE);
	struct pt_quota q = { host_phys(mem), host_phys(mem) + 2 * PAGE_SIZE };
	CHECK_EQ(pt_quota_page(&q), host_phys(mem));
	CHECK_EQ(pt_quota_page(&q), host_phys(mem) + PAGE_SIZE);
	for (unsigned i = 0; i < 2 * PAGE_SIZE; i++)
		CHECK_EQ(mem[i], 0);
	CHECK_EQ(pt_quota_page(&q), 0);
	CHECK_EQ(q.next, q.end); /* used up stays used up */
	CHECK_EQ(pt_quota_page(&q), 0);
	CHECK_EQ(mem[2 * PAGE_SIZE], 0xa5); /* nothing past the quota touched */
	host_free_all();
}

/* A fake backend in EPT's format, for gpa_space.c. */
static unsigned flushes;
static uint64_t fake_leaf(uint64_t phys, unsigned rights)
{
	return phys | (rights & 7);
}
static void fake_flush(struct gpa_space *g)
{
	(void)g;
	flushes++;
}
static const struct vcpu_backend fake_backend = {
	.name = "fake", .gpa_leaf = fake_leaf, .gpa_table = ept_table, .gpa_flush = fake_flush,
};

/* A space with a quota of n table pages, and a frame capability of `pages`. */
static struct gpa_space *space(unsigned n)
{
	kstub_reset();
	host_free_all();
	vcpu_backend = &fake_backend;
	flushes = 0;
	return gpa_space_create(host_phys(host_pages(GPA_SPACE_BASE_PAGES + n + 1)),
				GPA_SPACE_BASE_PAGES + n);
}

static struct cap frame_cap(unsigned pages)
{
	return (struct cap){ .type = OBJ_FRAME, .rights = RIGHTS_ALL, .pages = pages,
			     .base = host_phys(host_pages(pages)) };
}

TEST(frame_map_guest_builds_tables_from_the_space_quota)
{
	struct gpa_space *g = space(3);
	struct cap f = frame_cap(2);
	CHECK_EQ(frame_map_guest(&f, g, 0x7000, RIGHT_R | RIGHT_W), OK);
	CHECK_EQ(g->pt_quota.next, g->pt_quota.end);
	CHECK_EQ(gpa_to_phys(g, 0x7000), f.base);
	CHECK_EQ(gpa_to_phys(g, 0x8fff), f.base + PAGE_SIZE);
	CHECK_EQ(gpa_to_phys(g, 0x9000), 0);
	CHECK_EQ(gpa_to_phys(g, 1ULL << 39), 0);
	frame_unmap(&f);
	CHECK_EQ(gpa_to_phys(g, 0x7000), 0);
	CHECK_EQ(flushes, 1);
	host_free_all();
}

TEST(frame_map_guest_out_of_quota_undoes_the_pages_it_mapped)
{
	struct gpa_space *g = space(3);
	struct cap f = frame_cap(2);
	/* the second page is in the next 2 MiB region and needs a table of its own */
	CHECK_EQ(frame_map_guest(&f, g, 2 * MiB - PAGE_SIZE, RIGHT_R), ERR_NO_MEMORY);
	CHECK_EQ(gpa_to_phys(g, 2 * MiB - PAGE_SIZE), 0);
	CHECK(f.mapped_in == 0 && g->mappings == 0);
	/* the tables made stay and serve the next mapping, which needs no more */
	struct cap one = frame_cap(1);
	CHECK_EQ(frame_map_guest(&one, g, 0, RIGHT_R), OK);
	CHECK_EQ(gpa_to_phys(g, 0), one.base);
	host_free_all();
}

TEST(frame_map_guest_refuses_a_page_mapped_already)
{
	struct gpa_space *g = space(3);
	struct cap a = frame_cap(1), b = frame_cap(2);
	CHECK_EQ(frame_map_guest(&a, g, 0x1000, RIGHT_R), OK);
	CHECK_EQ(frame_map_guest(&b, g, 0, RIGHT_R), ERR_BUSY);
	CHECK_EQ(gpa_to_phys(g, 0), 0); /* b's first page was taken back */
	CHECK_EQ(gpa_to_phys(g, 0x1000), a.base);
	host_free_all();
}

/* --- large leaves ------------------------------------------------------- */

#define LEAF_2M (2 * MiB)
#define FAKE_PHYS (64 * GiB) /* leaves only record it: no memory behind it is touched */

/* pt_map_leaves for one leaf: its error. */
static int map_one(phys_addr r, uint64_t va, int level, const struct pt_format *f,
		   const struct pt_alloc *a, uint64_t leaf)
{
	int err;
	pt_map_leaves(r, va, 1, level, f, a, leaf, &err);
	return err;
}

TEST(pt_map_leaves_one_puts_a_2m_leaf_in_the_directory_with_bit_7)
{
	setup(8);
	uint64_t first = quota.next, va = VA & ~(LEAF_2M - 1);
	CHECK_EQ(map_one(root, va, 2, &x86, &alloc, FAKE_PHYS | PTE_P), OK);
	CHECK_EQ(quota.next - first, 2 * PAGE_SIZE); /* a PDPT and a directory, no table */
	uint64_t *dir = below(below(root_table[3])[5]);
	CHECK_EQ(dir[7], FAKE_PHYS | PTE_P | PTE_PS);
	/* the walk down to 4 KiB ends at the large leaf */
	struct pt_slot s = pt_walk(root, va + 0x5000, 1, &x86, &alloc);
	CHECK(s.entry == &dir[7] && s.level == 2);
	CHECK_EQ(quota.next - first, 2 * PAGE_SIZE);
	struct pt_leaf l = pt_translate(root, va + 0x12345, &x86);
	CHECK_EQ(l.phys, FAKE_PHYS + 0x12345);
	CHECK_EQ(pt_translate(root, va + LEAF_2M, &x86).phys, 0);
}

TEST(pt_map_leaves_one_puts_a_1g_leaf_in_the_pdpt_in_ept_format)
{
	setup(8);
	uint64_t first = quota.next, va = 5 * GiB;
	CHECK_EQ(map_one(root, va, 3, &ept, &alloc, FAKE_PHYS | 1), OK);
	CHECK_EQ(quota.next - first, PAGE_SIZE); /* the PDPT alone */
	CHECK_EQ(below(root_table[0])[5], FAKE_PHYS | 1 | PTE_PS);
	CHECK_EQ(pt_translate(root, va + GiB - 8, &ept).phys, FAKE_PHYS + GiB - 8);
	CHECK_EQ(pt_translate(root, va - 8, &ept).phys, 0);
	CHECK_EQ(pt_walk(root, va + 3 * LEAF_2M, 2, &ept, &alloc).level, 3);
}

/* It is an error to map a smaller page under a large one: refused, no table made. */
TEST(pt_map_leaves_one_refuses_a_smaller_page_under_a_large_one)
{
	setup(8);
	CHECK_EQ(map_one(root, GiB, 3, &x86, &alloc, FAKE_PHYS | PTE_P), OK);
	uint64_t used = quota.next;
	CHECK_EQ(map_one(root, GiB + LEAF_2M, 2, &x86, &alloc, PTE_P), ERR_BUSY);
	CHECK_EQ(map_one(root, GiB + PAGE_SIZE, 1, &x86, &alloc, PTE_P), ERR_BUSY);
	CHECK_EQ(quota.next, used);
	CHECK_EQ(pt_translate(root, GiB + PAGE_SIZE, &x86).phys, FAKE_PHYS + PAGE_SIZE);
}

/*
 * It is an error to map a large page over smaller ones, or over the tables
 * they leave behind once unmapped: nothing is split or overwritten.
 */
TEST(pt_map_leaves_one_refuses_a_large_page_over_smaller_ones_and_their_tables)
{
	setup(8);
	CHECK_EQ(map_one(root, LEAF_2M + PAGE_SIZE, 1, &ept, &alloc, FAKE_PHYS | 1), OK);
	CHECK_EQ(map_one(root, LEAF_2M, 2, &ept, &alloc, FAKE_PHYS | 1), ERR_BUSY);
	CHECK_EQ(map_one(root, 0, 3, &ept, &alloc, FAKE_PHYS | 1), ERR_BUSY);
	CHECK(pt_unmap_leaves(root, LEAF_2M + PAGE_SIZE, 1, 1, &ept));
	CHECK_EQ(map_one(root, LEAF_2M, 2, &ept, &alloc, FAKE_PHYS | 1), ERR_BUSY);
	CHECK_EQ(pt_translate(root, LEAF_2M + PAGE_SIZE, &ept).phys, 0);
	/* the next directory entry is free */
	CHECK_EQ(map_one(root, 2 * LEAF_2M, 2, &ept, &alloc, FAKE_PHYS | 1), OK);
}

/* Unmap clears only a leaf of the size asked for, never a table or a larger leaf. */
TEST(pt_unmap_leaves_one_clears_only_a_leaf_of_its_level)
{
	setup(8);
	CHECK_EQ(map_one(root, 0, 2, &x86, &alloc, FAKE_PHYS | PTE_P), OK);
	CHECK_EQ(map_one(root, LEAF_2M, 1, &x86, &alloc, FAKE_PHYS | PTE_P), OK);
	CHECK(!pt_unmap_leaves(root, PAGE_SIZE, 1, 1, &x86));  /* under the 2 MiB leaf */
	CHECK(!pt_unmap_leaves(root, 0, 1, 3, &x86));          /* a table at level 3 */
	CHECK(!pt_unmap_leaves(root, LEAF_2M, 1, 2, &x86));    /* a table at level 2 */
	CHECK_EQ(pt_translate(root, 0x10, &x86).phys, FAKE_PHYS + 0x10);
	CHECK_EQ(pt_translate(root, LEAF_2M + 0x10, &x86).phys, FAKE_PHYS + 0x10);
	CHECK(pt_unmap_leaves(root, 0, 1, 2, &x86));
	CHECK_EQ(pt_translate(root, 0x10, &x86).phys, 0);
	CHECK(!pt_unmap_leaves(root, 0, 1, 2, &x86)); /* already gone */
}

/* A large frame of n pages of `level` at a fake physical address. */
static struct cap large_frame(int level, unsigned n)
{
	uint64_t pages = pt_level_bytes(level) / PAGE_SIZE * n;
	return (struct cap){ .type = OBJ_FRAME, .rights = RIGHTS_ALL, .pages = pages,
			     .base = FAKE_PHYS, .flags = level == 3 ? CAPF_FRAME_1G : CAPF_FRAME_2M };
}

/* The quota a space needs follows what it maps: a 1 GiB guest takes 2 tables in 2 MiB leaves. */
TEST(frame_map_guest_maps_a_large_frame_with_large_leaves)
{
	struct gpa_space *g = space(2);
	gpa_max_level = 3;
	struct cap f = large_frame(2, 512);
	CHECK_EQ(frame_map_guest(&f, g, 0, RIGHT_R | RIGHT_W), OK);
	CHECK_EQ(g->pt_quota.next, g->pt_quota.end);
	CHECK_EQ(gpa_to_phys(g, 0x1234), FAKE_PHYS + 0x1000);
	CHECK_EQ(gpa_to_phys(g, GiB - 1), FAKE_PHYS + GiB - PAGE_SIZE);
	CHECK_EQ(gpa_to_phys(g, GiB), 0);
	frame_unmap(&f);
	CHECK_EQ(gpa_to_phys(g, 0x1234), 0);
	CHECK_EQ(gpa_to_phys(g, GiB - 1), 0);
	CHECK_EQ(flushes, 1);
	struct cap h = large_frame(3, 2); /* no table at all below the PDPT now there */
	CHECK_EQ(frame_map_guest(&h, g, 2 * GiB, RIGHT_R), OK);
	CHECK_EQ(gpa_to_phys(g, 4 * GiB - 1), FAKE_PHYS + 2 * GiB - PAGE_SIZE);
	host_free_all();
}

/* It is an error to map a large frame misaligned, or in a size the backend lacks. */
TEST(frame_map_guest_refuses_misaligned_and_unsupported_large_frames)
{
	struct gpa_space *g = space(2);
	struct cap f = large_frame(2, 1);
	gpa_max_level = 3;
	CHECK_EQ(frame_map_guest(&f, g, PAGE_SIZE, RIGHT_R), ERR_BAD_ADDRESS);
	CHECK_EQ(frame_map_guest(&f, g, GPA_LIMIT - LEAF_2M / 2, RIGHT_R), ERR_BAD_ADDRESS);
	gpa_max_level = 1;
	CHECK_EQ(frame_map_guest(&f, g, 0, RIGHT_R), ERR_UNSUPPORTED);
	gpa_max_level = 2;
	struct cap h = large_frame(3, 1);
	CHECK_EQ(frame_map_guest(&h, g, GiB, RIGHT_R), ERR_UNSUPPORTED);
	CHECK_EQ(g->pt_quota.next, g->pt_quota.end - 2 * PAGE_SIZE); /* nothing made */
	CHECK_EQ(frame_map_guest(&f, g, 0, RIGHT_R), OK);
	CHECK(f.mapped_in == g && g->mappings == &f);
	host_free_all();
}

/* A large frame that runs out of quota halfway takes back the leaves it mapped. */
TEST(frame_map_guest_large_out_of_quota_undoes_its_leaves)
{
	struct gpa_space *g = space(2);
	gpa_max_level = 3;
	struct cap f = large_frame(2, 2);
	/* the second leaf is in the next 1 GiB and needs a directory of its own */
	CHECK_EQ(frame_map_guest(&f, g, GiB - LEAF_2M, RIGHT_R), ERR_NO_MEMORY);
	CHECK_EQ(gpa_to_phys(g, GiB - LEAF_2M), 0);
	CHECK(f.mapped_in == 0 && g->mappings == 0);
	/* and a 4 KiB frame cannot go where a large leaf is */
	struct cap l = large_frame(2, 1), small = frame_cap(1);
	CHECK_EQ(frame_map_guest(&l, g, 0, RIGHT_R), OK);
	CHECK_EQ(frame_map_guest(&small, g, PAGE_SIZE, RIGHT_R), ERR_BUSY);
	host_free_all();
}

/* --- many leaves at a time, and frames in pieces ----------------------------- */

/* Leaves are written a table at a time: across the end of one table into the next. */
TEST(pt_map_leaves_crosses_from_one_table_into_the_next)
{
	setup(8);
	uint64_t va = 500 * PAGE_SIZE;
	int err = -1;
	CHECK_EQ(pt_map_leaves(root, va, 30, 1, &x86, &alloc, FAKE_PHYS | PTE_P, &err), 30);
	CHECK_EQ(err, OK);
	for (uint64_t i = 0; i < 30; i++)
		CHECK_EQ(pt_translate(root, va + i * PAGE_SIZE + 8, &x86).phys,
			 FAKE_PHYS + i * PAGE_SIZE + 8);
	CHECK_EQ(pt_translate(root, va - PAGE_SIZE, &x86).phys, 0);
	CHECK_EQ(pt_translate(root, va + 30 * PAGE_SIZE, &x86).phys, 0);
	uint64_t *dir = below(below(root_table[0])[0]);
	CHECK(dir[0] & PTE_P && dir[1] & PTE_P && !(dir[2] & PTE_P)); /* two tables */
}

/* A taken leaf stops the run there: the count says how many went in, and they stay. */
TEST(pt_map_leaves_stops_at_a_taken_leaf_and_counts_what_went_in)
{
	setup(8);
	CHECK_EQ(map_one(root, 7 * PAGE_SIZE, 1, &x86, &alloc, PTE_P), OK);
	int err = OK;
	CHECK_EQ(pt_map_leaves(root, 0, 10, 1, &x86, &alloc, FAKE_PHYS | PTE_P, &err), 7);
	CHECK_EQ(err, ERR_BUSY);
	CHECK_EQ(pt_translate(root, 6 * PAGE_SIZE, &x86).phys, FAKE_PHYS + 6 * PAGE_SIZE);
	CHECK_EQ(pt_translate(root, 8 * PAGE_SIZE, &x86).phys, 0);
	/* a large page above stops it before its first leaf */
	CHECK_EQ(map_one(root, GiB, 2, &x86, &alloc, FAKE_PHYS | PTE_P), OK);
	CHECK_EQ(pt_map_leaves(root, GiB + PAGE_SIZE, 2, 1, &x86, &alloc, PTE_P, &err), 0);
	CHECK_EQ(err, ERR_BUSY);
}

/* Unmapping a range skips what has no table and clears only the leaves of its level. */
TEST(pt_unmap_leaves_skips_missing_tables_and_other_levels)
{
	setup(8);
	int err;
	CHECK_EQ(pt_map_leaves(root, 511 * PAGE_SIZE, 2, 1, &x86, &alloc, FAKE_PHYS | PTE_P, &err), 2);
	CHECK_EQ(map_one(root, GiB, 2, &x86, &alloc, FAKE_PHYS | PTE_P), OK);
	/* 2 GiB of 4 KiB leaves: half a million, most of them under no table */
	CHECK(pt_unmap_leaves(root, 0, 2 * GiB / PAGE_SIZE, 1, &x86));
	CHECK_EQ(pt_translate(root, 511 * PAGE_SIZE, &x86).phys, 0);
	CHECK_EQ(pt_translate(root, 512 * PAGE_SIZE, &x86).phys, 0);
	CHECK_EQ(pt_translate(root, GiB, &x86).phys, FAKE_PHYS); /* a 2 MiB leaf, not its level */
	CHECK(!pt_unmap_leaves(root, 0, 2 * GiB / PAGE_SIZE, 1, &x86));
	CHECK(!pt_unmap_leaves(root, 0, 2, 2, &x86)); /* level 2 at 0: a table, no leaf */
	CHECK(pt_unmap_leaves(root, GiB, 1, 2, &x86));
}

/* A 4 KiB frame of `pages` at a fake physical address. */
static struct cap big_frame(unsigned pages)
{
	return (struct cap){ .type = OBJ_FRAME, .rights = RIGHTS_ALL, .pages = pages,
			     .base = FAKE_PHYS };
}

/* Whether the frame's pages [from, to) are mapped from gpa, each at its place. */
static bool pages_in(struct gpa_space *g, const struct cap *f, uint64_t gpa, uint64_t from,
		     uint64_t to)
{
	for (uint64_t i = from; i < to; i++)
		if (gpa_to_phys(g, gpa + i * PAGE_SIZE) != f->base + i * PAGE_SIZE)
			return false;
	return true;
}

#define PIECES_GPA (4 * GiB)

/*
 * A frame of more than one piece maps a piece per call while the
 * preemption point says stop; the same call goes on, another is refused.
 */
TEST(frame_map_guest_goes_on_piece_by_piece)
{
	struct gpa_space *g = space(8);
	struct cap f = big_frame(2 * MAP_PIECE + 5);
	kstub_preempt = true;
	CHECK_EQ(frame_map_guest(&f, g, PIECES_GPA, RIGHT_R), STATUS_RESTART);
	CHECK(frame_mapped(&f) && (f.flags & CAPF_MAP_PARTIAL));
	CHECK(pages_in(g, &f, PIECES_GPA, 0, MAP_PIECE));
	CHECK_EQ(gpa_to_phys(g, PIECES_GPA + MAP_PIECE * PAGE_SIZE), 0);
	/* another place or other rights: the frame is taken */
	CHECK_EQ(frame_map_guest(&f, g, 0, RIGHT_R), ERR_BUSY);
	CHECK_EQ(frame_map_guest(&f, g, PIECES_GPA, RIGHT_R | RIGHT_W), ERR_BUSY);
	CHECK_EQ(frame_map_guest(&f, g, PIECES_GPA, RIGHT_R), STATUS_RESTART);
	CHECK(pages_in(g, &f, PIECES_GPA, 0, 2 * MAP_PIECE));
	CHECK_EQ(frame_map_guest(&f, g, PIECES_GPA, RIGHT_R), OK); /* no point after the last */
	CHECK(pages_in(g, &f, PIECES_GPA, 0, 2 * MAP_PIECE + 5));
	CHECK(!(f.flags & CAPF_MAP_PARTIAL) && g->mappings == &f);
	CHECK_EQ(frame_map_guest(&f, g, PIECES_GPA, RIGHT_R), ERR_BUSY); /* whole: mapped once */
	host_free_all();
}

/*
 * A piece that fails takes back its own leaves; the earlier pieces' stay,
 * the frame mapped in part, until SYS_UNMAP's pieces take them back from
 * the end, leaving the other frame's page where the map stopped.
 */
TEST(frame_map_guest_failing_midway_stays_in_part_until_unmapped)
{
	struct gpa_space *g = space(16);
	struct cap f = big_frame(3 * MAP_PIECE), other = big_frame(1);
	other.base = FAKE_PHYS + GiB;
	uint64_t taken = PIECES_GPA + (2 * MAP_PIECE + 9) * PAGE_SIZE;
	CHECK_EQ(frame_map_guest(&other, g, taken, RIGHT_R), OK);
	kstub_preempt = true;
	CHECK_EQ(frame_map_guest(&f, g, PIECES_GPA, RIGHT_R), STATUS_RESTART);
	CHECK_EQ(frame_map_guest(&f, g, PIECES_GPA, RIGHT_R), STATUS_RESTART);
	CHECK_EQ(frame_map_guest(&f, g, PIECES_GPA, RIGHT_R), ERR_BUSY);
	CHECK(pages_in(g, &f, PIECES_GPA, 0, 2 * MAP_PIECE));
	CHECK_EQ(gpa_to_phys(g, PIECES_GPA + 2 * MAP_PIECE * PAGE_SIZE), 0); /* its piece went back */
	CHECK_EQ(gpa_to_phys(g, taken), other.base);
	CHECK(frame_mapped(&f) && (f.flags & CAPF_MAP_PARTIAL));
	/* the same call again finds the page still taken */
	CHECK_EQ(frame_map_guest(&f, g, PIECES_GPA, RIGHT_R), ERR_BUSY);
	/* unmapping goes from the end, a piece per call */
	CHECK(!frame_unmap_in_pieces(&f, sched_preemption_point));
	CHECK(pages_in(g, &f, PIECES_GPA, 0, MAP_PIECE));
	CHECK_EQ(gpa_to_phys(g, PIECES_GPA + MAP_PIECE * PAGE_SIZE), 0);
	CHECK((f.flags & CAPF_UNMAPPING) && frame_mapped(&f));
	/* a map of it now is refused: it is being taken down */
	CHECK_EQ(frame_map_guest(&f, g, PIECES_GPA, RIGHT_R), ERR_BUSY);
	CHECK(frame_unmap_in_pieces(&f, sched_preemption_point));
	CHECK_EQ(gpa_to_phys(g, PIECES_GPA), 0);
	CHECK(!frame_mapped(&f) && f.flags == 0 && g->mappings == &other);
	CHECK_EQ(gpa_to_phys(g, taken), other.base);
	/* and it maps afresh elsewhere */
	kstub_preempt = false;
	CHECK_EQ(frame_map_guest(&f, g, 0, RIGHT_R), OK);
	CHECK(pages_in(g, &f, 0, 0, 3 * MAP_PIECE));
	host_free_all();
}

/* Deleting a frame mapped in part (frame_unmap, one step) takes only its own leaves. */
TEST(frame_unmap_of_a_frame_in_part_takes_only_its_leaves)
{
	struct gpa_space *g = space(8);
	struct cap f = big_frame(2 * MAP_PIECE), other = big_frame(1);
	other.base = FAKE_PHYS + GiB;
	kstub_preempt = true;
	CHECK_EQ(frame_map_guest(&f, g, PIECES_GPA, RIGHT_R), STATUS_RESTART);
	/* another frame takes a page behind the part mapped */
	uint64_t behind = PIECES_GPA + (MAP_PIECE + 1) * PAGE_SIZE;
	CHECK_EQ(frame_map_guest(&other, g, behind, RIGHT_R), OK);
	frame_unmap(&f);
	CHECK_EQ(gpa_to_phys(g, PIECES_GPA), 0);
	CHECK_EQ(gpa_to_phys(g, PIECES_GPA + (MAP_PIECE - 1) * PAGE_SIZE), 0);
	CHECK_EQ(gpa_to_phys(g, behind), other.base);
	CHECK(!frame_mapped(&f) && f.flags == 0 && g->mappings == &other);
	host_free_all();
}

/* A child of `parent` in `slot`: a copy of a frame of 3 pieces mapped whole in g at PIECES_GPA. */
static void mapped_child(struct gpa_space *g, struct cap *parent, struct cap *slot)
{
	*parent = big_frame(3 * MAP_PIECE);
	memset(slot, 0, sizeof(*slot));
	cap_derive(parent, slot, RIGHTS_ALL, 0, 0);
	kstub_preempt = false;
	CHECK_EQ(frame_map_guest(slot, g, PIECES_GPA, RIGHT_R), OK);
	kstub_preempt = true; /* every preemption point says stop */
}

/*
 * Deleting a mapped frame takes it down a piece at a time, from the end,
 * before the deletion itself: SYS_CAP_DELETE's deletion and a revoke stop
 * between two pieces with the frame still there, mapped in part.
 */
TEST(cap_delete_preemptible_unmaps_a_large_frame_a_piece_per_call)
{
	struct gpa_space *g = space(8);
	struct cap parent, f;
	mapped_child(g, &parent, &f);
	CHECK(!cap_delete_preemptible(&f));
	CHECK(f.type == OBJ_FRAME && (f.flags & CAPF_UNMAPPING));
	CHECK(pages_in(g, &f, PIECES_GPA, 0, 2 * MAP_PIECE));
	CHECK_EQ(gpa_to_phys(g, PIECES_GPA + 2 * MAP_PIECE * PAGE_SIZE), 0);
	/* meanwhile nothing maps it, here or elsewhere */
	CHECK_EQ(frame_map_guest(&f, g, PIECES_GPA, RIGHT_R), ERR_BUSY);
	CHECK_EQ(frame_map_guest(&f, g, 0, RIGHT_R), ERR_BUSY);
	CHECK(!cap_delete_preemptible(&f));
	CHECK(pages_in(g, &f, PIECES_GPA, 0, MAP_PIECE));
	CHECK(cap_delete_preemptible(&f)); /* the last piece: no point after it */
	CHECK(f.type == OBJ_NONE && parent.first_child == 0 && g->mappings == 0);
	CHECK_EQ(gpa_to_phys(g, PIECES_GPA), 0);
	host_free_all();
}

TEST(cap_revoke_unmaps_a_large_mapped_frame_a_piece_per_call)
{
	struct gpa_space *g = space(8);
	struct cap parent, f;
	mapped_child(g, &parent, &f);
	unsigned calls = 1;
	while (!cap_revoke(&parent)) {
		/* it stopped in the middle of the frame's leaves, the frame still a child */
		CHECK(parent.first_child == &f && (f.flags & CAPF_UNMAPPING));
		CHECK(pages_in(g, &f, PIECES_GPA, 0, (3 - calls) * MAP_PIECE));
		CHECK_EQ(gpa_to_phys(g, PIECES_GPA + (3 - calls) * MAP_PIECE * PAGE_SIZE), 0);
		calls++;
	}
	CHECK_EQ(calls, 3);
	CHECK(f.type == OBJ_NONE && parent.first_child == 0 && g->mappings == 0);
	CHECK_EQ(gpa_to_phys(g, PIECES_GPA), 0);
	host_free_all();
}

/* A dying task's teardown stops between two pieces of a mapped frame in its space, at that slot. */
TEST(task_teardown_unmaps_a_large_mapped_frame_a_piece_per_batch)
{
	static struct cap dying_slots[CSPACE_SLOTS];
	static struct task dying;
	struct gpa_space *g = space(8);
	struct cap parent, holder = { 0 };
	memset(dying_slots, 0, sizeof(dying_slots));
	dying = (struct task){ .cspace = dying_slots };
	mapped_child(g, &parent, &dying_slots[5]);
	struct cap t = { .type = OBJ_TASK, .rights = RIGHTS_ALL, .task = &dying };
	cap_insert(0, &holder, &t, 0);
	cap_delete(&holder); /* its last capability: a zombie now */
	CHECK(!objects_reap());
	CHECK(!objects_reap());
	CHECK_EQ(dying.reap_slot, 5);
	CHECK(pages_in(g, &dying_slots[5], PIECES_GPA, 0, MAP_PIECE));
	CHECK_EQ(gpa_to_phys(g, PIECES_GPA + MAP_PIECE * PAGE_SIZE), 0);
	while (!objects_reap())
		;
	CHECK(dying_slots[5].type == OBJ_NONE && g->mappings == 0);
	CHECK_EQ(gpa_to_phys(g, PIECES_GPA), 0);
	CHECK_EQ(kstub.task_destroy, 1);
	host_free_all();
}

/*
 * A destroyed space's tables go unused: its frames forget their mappings
 * without a store in the tables, and one flush covers them all.
 */
TEST(gpa_space_destroy_forgets_its_frames_and_flushes_once)
{
	struct gpa_space *g = space(8);
	struct cap f = big_frame(2 * MAP_PIECE), h = frame_cap(1);
	CHECK_EQ(frame_map_guest(&f, g, PIECES_GPA, RIGHT_R), OK);
	CHECK_EQ(frame_map_guest(&h, g, 0, RIGHT_R), OK);
	flushes = 0;
	gpa_space_destroy(g);
	CHECK_EQ(flushes, 1);
	CHECK(g->mappings == 0 && !frame_mapped(&f) && !frame_mapped(&h) && f.flags == 0);
	CHECK_EQ(gpa_to_phys(g, PIECES_GPA + PAGE_SIZE), FAKE_PHYS + PAGE_SIZE); /* untouched */
	host_free_all();
}
