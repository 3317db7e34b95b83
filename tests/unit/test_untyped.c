/*
 * Host unit tests for retyping untyped memory (kernel/untyped.c): where
 * each object goes (alignment, the watermark), what is refused (size,
 * count, slots), and what each object is made with.  The untyped range is
 * host memory (khost.h); tasks, threads and vCPUs are stubs that count.
 */
#include <stdint.h>

#include "cap.h"
#include "khost.h"
#include "memory.h"
#include "untyped.h"
#include "unit.h"
#include "vcpu.h"

#define UT_PAGES 8

/*
 * One slot past the space and one page past the untyped range, so that a
 * bound check let slip fails an assertion here rather than only ASan.
 */
static struct cap slots[CSPACE_SLOTS + 1];
static struct task task = { .cspace = slots };
static uint8_t *mem;   /* the untyped range, as the host sees it */
static struct cap *ut; /* slot 0 */

/* An untyped range of `pages` in slot 0, its bytes (and one page past it) dirty: 0xa5. */
static void fresh_pages(uint64_t pages)
{
	memset(slots, 0, sizeof(slots));
	kstub_reset();
	host_free_all();
	mem = host_pages(pages + 1);
	memset(mem, 0xa5, (pages + 1) * PAGE_SIZE);
	struct cap c = { .type = OBJ_UNTYPED, .rights = RIGHTS_ALL, .pages = pages,
			 .base = host_phys(mem) };
	cap_insert(0, &slots[0], &c, &task);
	ut = &slots[0];
}

static void fresh(void)
{
	fresh_pages(UT_PAGES);
}

static int retype(uint64_t type, uint64_t pages, uint64_t dst, uint64_t count)
{
	return untyped_retype(&task, ut, type, pages, dst, count);
}

TEST(retype_small_objects_pack_at_64_bytes)
{
	fresh();
	CHECK_EQ(retype(OBJ_ENDPOINT, 0, 1, 2), OK);
	CHECK_EQ(retype(OBJ_NOTIFICATION, 0, 3, 1), OK);
	CHECK_EQ(ut->retyped_bytes, 3 * 64);
	CHECK_EQ((uint64_t)slots[1].endpoint, (uint64_t)mem);
	CHECK_EQ((uint64_t)slots[2].endpoint, (uint64_t)mem + 64);
	CHECK_EQ((uint64_t)slots[3].notification, (uint64_t)mem + 128);
	CHECK(slots[3].type == OBJ_NOTIFICATION && slots[3].rights == RIGHTS_ALL);
	CHECK(slots[1].parent == ut && slots[3].parent == ut);
	for (unsigned i = 0; i < 3 * 64; i++) /* counted objects hold their reference */
		CHECK_EQ(mem[i], i % 64 == 0 ? 1 : 0);
	CHECK_EQ(mem[3 * 64], 0xa5); /* nothing past them touched */
}

TEST(retype_page_objects_start_on_a_page)
{
	fresh();
	CHECK_EQ(retype(OBJ_ENDPOINT, 0, 1, 1), OK);
	CHECK_EQ(retype(OBJ_FRAME, 2, 2, 1), OK);
	CHECK_EQ(slots[2].base, host_phys(mem) + PAGE_SIZE);
	CHECK_EQ(slots[2].pages, 2);
	CHECK_EQ(ut->retyped_bytes, 3 * PAGE_SIZE);
	CHECK_EQ(mem[PAGE_SIZE - 1], 0xa5); /* the gap stays as it was */
	CHECK_EQ(mem[PAGE_SIZE], 0);
	CHECK_EQ(retype(OBJ_ENDPOINT, 0, 3, 1), OK); /* small ones go on from the watermark */
	CHECK_EQ((uint64_t)slots[3].endpoint, (uint64_t)mem + 3 * PAGE_SIZE);
}

TEST(retype_fills_the_range_exactly_and_no_further)
{
	fresh();
	CHECK_EQ(retype(OBJ_FRAME, UT_PAGES - 1, 1, 1), OK);
	CHECK_EQ(retype(OBJ_FRAME, 2, 2, 1), ERR_NO_MEMORY);
	CHECK_EQ(retype(OBJ_ENDPOINT, 0, 2, 65), ERR_NO_MEMORY); /* one page holds 64 */
	CHECK_EQ(retype(OBJ_ENDPOINT, 0, 2, 63), OK);
	CHECK_EQ(ut->retyped_bytes, UT_PAGES * PAGE_SIZE - 64);
	CHECK_EQ(retype(OBJ_ENDPOINT, 0, 100, 2), ERR_NO_MEMORY);
	CHECK_EQ(retype(OBJ_ENDPOINT, 0, 100, 1), OK);
	CHECK_EQ(ut->retyped_bytes, UT_PAGES * PAGE_SIZE);
	CHECK_EQ(retype(OBJ_NOTIFICATION, 0, 101, 1), ERR_NO_MEMORY);
	CHECK_EQ(slots[101].type, OBJ_NONE);
}

TEST(retype_after_revoke_starts_from_the_front_again)
{
	fresh();
	CHECK_EQ(retype(OBJ_FRAME, UT_PAGES, 1, 1), OK);
	CHECK(cap_revoke(ut));
	CHECK_EQ(slots[1].type, OBJ_NONE);
	CHECK_EQ(retype(OBJ_FRAME, 1, 1, 1), OK);
	CHECK_EQ(slots[1].base, host_phys(mem));
}

TEST(retype_refuses_sizes_that_could_overflow)
{
	fresh();
	CHECK_EQ(retype(OBJ_FRAME, (1ULL << 20) + 1, 1, 1), ERR_INVALID_ARG);
	CHECK_EQ(retype(OBJ_FRAME, -1ULL, 1, 1), ERR_INVALID_ARG);
	CHECK_EQ(retype(OBJ_TASK, -1ULL / PAGE_SIZE, 1, 1), ERR_INVALID_ARG);
	/* the largest size allowed, many times over: compared, not wrapped */
	CHECK_EQ(retype(OBJ_FRAME, 1ULL << 20, 1, CSPACE_SLOTS - 1), ERR_NO_MEMORY);
	CHECK_EQ(retype(OBJ_FRAME, 0, 1, 1), ERR_INVALID_ARG); /* no size at all */
	CHECK_EQ(ut->retyped_bytes, 0);
}

TEST(retype_count_and_slots_are_checked_first)
{
	fresh();
	CHECK_EQ(retype(OBJ_ENDPOINT, 0, 1, 0), ERR_INVALID_ARG);
	CHECK_EQ(retype(OBJ_ENDPOINT, 0, 0, CSPACE_SLOTS + 1), ERR_INVALID_ARG);
	CHECK_EQ(retype(OBJ_ENDPOINT, 0, CSPACE_SLOTS, 1), ERR_INVALID_SLOT);
	CHECK_EQ(retype(OBJ_ENDPOINT, 0, CSPACE_SLOTS - 1, 2), ERR_INVALID_SLOT);
	CHECK_EQ(retype(OBJ_ENDPOINT, 0, -1ULL, 2), ERR_INVALID_SLOT);
	CHECK_EQ(retype(OBJ_ENDPOINT, 0, CSPACE_SLOTS - 1, 1), OK);
	/* one occupied slot in the run refuses all of it */
	CHECK_EQ(retype(OBJ_ENDPOINT, 0, 5, 3), OK);
	uint64_t mark = ut->retyped_bytes;
	CHECK_EQ(retype(OBJ_ENDPOINT, 0, 3, 3), ERR_SLOT_OCCUPIED);
	CHECK_EQ(ut->retyped_bytes, mark);
	CHECK(slots[3].type == OBJ_NONE && slots[4].type == OBJ_NONE);
}

TEST(retype_unknown_types_are_refused)
{
	fresh();
	CHECK_EQ(retype(OBJ_NONE, 1, 1, 1), ERR_INVALID_ARG);
	CHECK_EQ(retype(OBJ_IRQ, 1, 1, 1), ERR_INVALID_ARG);
	CHECK_EQ(retype(OBJ_IOPORT, 1, 1, 1), ERR_INVALID_ARG);
	CHECK_EQ(retype(255, 1, 1, 1), ERR_INVALID_ARG);
}

TEST(retype_vcpus_and_spaces_need_a_backend)
{
	fresh();
	CHECK_EQ(retype(OBJ_VCPU, 0, 1, 1), ERR_UNSUPPORTED);
	CHECK_EQ(retype(OBJ_GPA_SPACE, 0, 1, 1), ERR_UNSUPPORTED);
	static const struct vcpu_backend some = { .name = "some" };
	vcpu_backend = &some;
	CHECK_EQ(retype(OBJ_VCPU, 0, 1, 1), OK);
	CHECK_EQ(kstub.vcpu_create, 1);
	CHECK_EQ(ut->retyped_bytes, VCPU_PAGES * PAGE_SIZE);
}

static unsigned space_flushes;
static void count_flush(struct gpa_space *g)
{
	(void)g;
	space_flushes++;
}

TEST(retype_task_and_space_sizes_add_their_quota)
{
	fresh();
	CHECK_EQ(retype(OBJ_TASK, 3, 1, 1), ERR_NO_MEMORY); /* 12 fixed pages + 3 > 8 */
	static const struct vcpu_backend some = { .name = "some", .gpa_flush = count_flush };
	space_flushes = 0;
	vcpu_backend = &some;
	CHECK_EQ(retype(OBJ_GPA_SPACE, 3, 1, 1), OK);
	struct gpa_space *g = slots[1].gpa_space;
	CHECK_EQ(ut->retyped_bytes, (GPA_SPACE_BASE_PAGES + 3) * PAGE_SIZE);
	CHECK_EQ(g->root, host_phys(mem) + PAGE_SIZE);
	CHECK_EQ(g->pt_quota.next, host_phys(mem) + GPA_SPACE_BASE_PAGES * PAGE_SIZE);
	CHECK_EQ(g->pt_quota.end, host_phys(mem) + (GPA_SPACE_BASE_PAGES + 3) * PAGE_SIZE);
	CHECK(cap_revoke(ut));
	CHECK_EQ(space_flushes, 1); /* the destroyed space's TLB entries, wherever they are */
	CHECK_EQ(retype(OBJ_THREAD, 0, 1, 1), OK);
	CHECK_EQ(kstub.thread_create, 1);
	CHECK_EQ(ut->retyped_bytes, THREAD_BYTES);
}

/* Large frames start at a physical address aligned to their page size. */
TEST(untyped_align_rounds_large_frames_up_to_their_page_size)
{
	const uint64_t two = 2 * 1024 * 1024, one_g = 1ULL << 30;
	/* offsets within a range at phys_base: what matters is the physical address */
	CHECK_EQ(untyped_align(OBJ_FRAME_2M, two, two, 0), 0);
	CHECK_EQ(untyped_align(OBJ_FRAME_2M, two, two + PAGE_SIZE, 0), two - PAGE_SIZE);
	CHECK_EQ(untyped_align(OBJ_FRAME_2M, two, two, 1), two);
	CHECK_EQ(untyped_align(OBJ_FRAME_2M, two, 0, two), two);
	CHECK_EQ(untyped_align(OBJ_FRAME_1G, one_g, one_g - two, 0), two);
	CHECK_EQ(untyped_align(OBJ_FRAME_1G, one_g, 3 * one_g, 5), one_g);
	/* the others as before: a page for page-sized objects, 64 bytes for the small */
	CHECK_EQ(untyped_align(OBJ_FRAME, PAGE_SIZE, two + PAGE_SIZE, 1), PAGE_SIZE);
	CHECK_EQ(untyped_align(OBJ_ENDPOINT, 64, PAGE_SIZE, 65), 128);
}

/* It is an error to ask for a large frame that is not whole large pages. */
TEST(retype_large_frames_must_be_whole_large_pages)
{
	fresh();
	CHECK_EQ(retype(OBJ_FRAME_2M, 0, 1, 1), ERR_INVALID_ARG);
	CHECK_EQ(retype(OBJ_FRAME_2M, FRAME_2M_PAGES - 1, 1, 1), ERR_INVALID_ARG);
	CHECK_EQ(retype(OBJ_FRAME_2M, FRAME_2M_PAGES + 1, 1, 1), ERR_INVALID_ARG);
	CHECK_EQ(retype(OBJ_FRAME_1G, FRAME_2M_PAGES, 1, 1), ERR_INVALID_ARG);
	/* whole pages, but more than this range holds */
	CHECK_EQ(retype(OBJ_FRAME_2M, FRAME_2M_PAGES, 1, 1), ERR_NO_MEMORY);
	CHECK_EQ(retype(OBJ_FRAME_1G, FRAME_1G_PAGES, 1, 1), ERR_NO_MEMORY);
	CHECK_EQ(ut->retyped_bytes, 0);
	CHECK(slots[1].type == OBJ_NONE);
}

/*
 * A 2 MiB frame from an untyped range that starts a page past a 2 MiB
 * boundary: the frame goes at the next boundary, the bytes before it are
 * skipped, and a range too small once aligned is refused.
 */
TEST(retype_large_frame_skips_to_an_aligned_address)
{
	const uint64_t two = FRAME_2M_PAGES * PAGE_SIZE;
	memset(slots, 0, sizeof(slots));
	kstub_reset();
	host_free_all();
	uint8_t *block = host_pages(3 * FRAME_2M_PAGES);
	uint64_t aligned = (host_phys(block) + PAGE_SIZE + two - 1) & ~(two - 1);
	uint64_t start = aligned - PAGE_SIZE; /* one page before a boundary */
	struct cap c = { .type = OBJ_UNTYPED, .rights = RIGHTS_ALL, .pages = FRAME_2M_PAGES + 1,
			 .base = start };
	cap_insert(0, &slots[0], &c, &task);
	ut = &slots[0];
	CHECK_EQ(retype(OBJ_FRAME_2M, FRAME_2M_PAGES, 1, 1), OK);
	CHECK_EQ(slots[1].base, aligned);
	CHECK(slots[1].type == OBJ_FRAME && slots[1].flags == CAPF_FRAME_2M);
	CHECK_EQ(slots[1].pages, FRAME_2M_PAGES);
	CHECK_EQ(ut->retyped_bytes, PAGE_SIZE + two);
	/* the same range a page shorter cannot hold it once aligned */
	cap_revoke(ut);
	ut->pages = FRAME_2M_PAGES;
	CHECK_EQ(retype(OBJ_FRAME_2M, FRAME_2M_PAGES, 1, 1), ERR_NO_MEMORY);
	CHECK(slots[1].type == OBJ_NONE);
	host_free_all();
}

/* --- zeroing in pieces, each followed by a preemption point --- */

#define PIECE_PAGES (UNTYPED_ZERO_PIECE / PAGE_SIZE)

/* Whether mem[from, to) is all `byte`. */
static bool all_bytes(uint64_t from, uint64_t to, uint8_t byte)
{
	for (uint64_t i = from; i < to; i++)
		if (mem[i] != byte)
			return false;
	return true;
}

TEST(retype_stopped_while_zeroing_resumes_where_it_stopped)
{
	fresh_pages(3 * PIECE_PAGES);
	kstub_preempt = true; /* every preemption point says stop */
	CHECK_EQ(retype(OBJ_FRAME, 3 * PIECE_PAGES, 1, 1), STATUS_RESTART);
	/* one piece zeroed, nothing handed out */
	CHECK(slots[1].type == OBJ_NONE);
	CHECK_EQ(ut->retyped_bytes, 0);
	CHECK_EQ(ut->zeroed_to, UNTYPED_ZERO_PIECE);
	CHECK(all_bytes(0, UNTYPED_ZERO_PIECE, 0) && mem[UNTYPED_ZERO_PIECE] == 0xa5);
	/* the restarted call zeroes the next piece, not the first again */
	mem[0] = 0x5a;
	CHECK_EQ(retype(OBJ_FRAME, 3 * PIECE_PAGES, 1, 1), STATUS_RESTART);
	CHECK_EQ(ut->zeroed_to, 2 * UNTYPED_ZERO_PIECE);
	CHECK_EQ(mem[0], 0x5a);
	mem[0] = 0;
	/* the last piece needs no preemption point: the frame is made, all of it zero */
	CHECK_EQ(retype(OBJ_FRAME, 3 * PIECE_PAGES, 1, 1), OK);
	CHECK(slots[1].type == OBJ_FRAME && slots[1].base == host_phys(mem));
	CHECK(all_bytes(0, 3 * UNTYPED_ZERO_PIECE, 0));
	CHECK_EQ(mem[3 * UNTYPED_ZERO_PIECE], 0xa5); /* nothing past it touched */
	CHECK_EQ(ut->retyped_bytes, 3 * UNTYPED_ZERO_PIECE);
}

TEST(retype_from_the_same_untyped_meanwhile_uses_the_zeroed_run)
{
	fresh_pages(3 * PIECE_PAGES);
	kstub_preempt = true;
	CHECK_EQ(retype(OBJ_FRAME, 2 * PIECE_PAGES, 1, 1), STATUS_RESTART);
	/* another retype takes the run's front: already zero, nothing zeroed again */
	mem[PAGE_SIZE] = 0x5a;
	CHECK_EQ(retype(OBJ_FRAME, 1, 2, 1), OK);
	CHECK_EQ(slots[2].base, host_phys(mem));
	CHECK_EQ(ut->zeroed_from, PAGE_SIZE);
	CHECK_EQ(ut->zeroed_to, UNTYPED_ZERO_PIECE);
	mem[PAGE_SIZE] = 0;
	/* the first goes on after it, past the page now handed out */
	CHECK_EQ(retype(OBJ_FRAME, 2 * PIECE_PAGES, 1, 1), STATUS_RESTART);
	CHECK_EQ(ut->zeroed_to, 2 * UNTYPED_ZERO_PIECE);
	kstub_preempt = false;
	CHECK_EQ(retype(OBJ_FRAME, 2 * PIECE_PAGES, 1, 1), OK);
	CHECK_EQ(slots[1].base, host_phys(mem) + PAGE_SIZE);
	CHECK(all_bytes(PAGE_SIZE, PAGE_SIZE + 2 * UNTYPED_ZERO_PIECE, 0));
	CHECK_EQ(mem[PAGE_SIZE + 2 * UNTYPED_ZERO_PIECE], 0xa5);
}

TEST(retype_zeroes_again_what_a_revoke_handed_back)
{
	fresh_pages(2 * PIECE_PAGES);
	CHECK_EQ(retype(OBJ_FRAME, 1, 1, 1), OK);
	kstub_preempt = true;
	CHECK_EQ(retype(OBJ_FRAME, PIECE_PAGES + 1, 2, 1), STATUS_RESTART);
	CHECK(cap_revoke(ut));
	CHECK_EQ(ut->zeroed_from, 0);
	CHECK_EQ(ut->zeroed_to, 0);
	/* the frame's page was written while it was handed out: zeroed again */
	memset(mem, 0x77, PAGE_SIZE);
	kstub_preempt = false;
	CHECK_EQ(retype(OBJ_FRAME, 2 * PIECE_PAGES, 1, 1), OK);
	CHECK(all_bytes(0, 2 * UNTYPED_ZERO_PIECE, 0));
}

TEST(retype_small_objects_and_new_untyped_after_a_stopped_retype)
{
	fresh_pages(2 * PIECE_PAGES);
	kstub_preempt = true;
	CHECK_EQ(retype(OBJ_FRAME, 2 * PIECE_PAGES, 1, 1), STATUS_RESTART);
	kstub_preempt = false;
	/* a new untyped range is not zeroed, and the run moves past it */
	CHECK_EQ(retype(OBJ_UNTYPED, 2 * PIECE_PAGES - 1, 2, 1), OK);
	CHECK_EQ(ut->zeroed_from, ut->retyped_bytes);
	CHECK(ut->zeroed_to >= ut->zeroed_from);
	/* the rest of the range is dirty: an endpoint there is zeroed first */
	CHECK_EQ(retype(OBJ_ENDPOINT, 0, 3, 1), OK);
	CHECK(all_bytes(ut->retyped_bytes - 64 + 8, ut->retyped_bytes, 0));
}
