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
