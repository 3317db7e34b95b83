/* Untyped memory and retype; frames and mapping them. */
#include "suite.h"

/* A sub-untyped of `pages` pages, so a case can use memory up without harm. */
static uint64_t untyped_new(uint64_t pages)
{
	uint64_t s = slot_alloc();

	if (!s || sys_retype(SLOT_UNTYPED, OBJ_UNTYPED, pages, s, 1) != OK)
		return 0;
	return s;
}

/* --- retype --- */

static enum result retype_makes_each_object_type(void)
{
	static const struct {
		uint64_t type, pages;
	} kinds[] = {
		{ OBJ_FRAME, 3 }, { OBJ_UNTYPED, 2 }, { OBJ_TASK, 1 }, { OBJ_THREAD, 0 },
		{ OBJ_ENDPOINT, 0 }, { OBJ_NOTIFICATION, 0 },
	};
	struct cap_info info;

	for (unsigned int i = 0; i < ARRAY_LEN(kinds); i++) {
		uint64_t s = slot_alloc();

		CHECK_OK(sys_retype(SLOT_UNTYPED, kinds[i].type, kinds[i].pages, s, 1));
		CHECK_OK(sys_cap_info(s, &info));
		CHECK(info.type == kinds[i].type && info.rights == RIGHTS_ALL);
		if (kinds[i].type == OBJ_FRAME || kinds[i].type == OBJ_UNTYPED)
			CHECK(info.size == kinds[i].pages);
	}
	return PASS;
}

static enum result retype_count_fills_consecutive_slots(void)
{
	uint64_t first = slots_alloc(4);

	CHECK_MADE(first);
	CHECK_OK(sys_retype(SLOT_UNTYPED, OBJ_NOTIFICATION, 0, first, 4));
	for (uint64_t i = 0; i < 4; i++)
		CHECK(cap_type(first + i) == OBJ_NOTIFICATION);
	return PASS;
}

static enum result retype_into_occupied_slot_fails(void)
{
	uint64_t first = slots_alloc(3);

	CHECK_MADE(first);
	CHECK_OK(sys_retype(SLOT_UNTYPED, OBJ_ENDPOINT, 0, first + 2, 1));
	/* it is an error if any destination slot is taken; none is filled then */
	CHECK_ST(sys_retype(SLOT_UNTYPED, OBJ_ENDPOINT, 0, first, 3), ERR_SLOT_OCCUPIED);
	CHECK(cap_type(first) == OBJ_NONE && cap_type(first + 1) == OBJ_NONE);
	return PASS;
}

static enum result retype_past_cspace_end_fails(void)
{
	/* it is an error if the destination slots run past the capability space */
	CHECK_ST(sys_retype(SLOT_UNTYPED, OBJ_ENDPOINT, 0, CSPACE_SLOTS, 1), ERR_INVALID_SLOT);
	CHECK_ST(sys_retype(SLOT_UNTYPED, OBJ_ENDPOINT, 0, CSPACE_SLOTS - 1, 2), ERR_INVALID_SLOT);
	CHECK(cap_type(CSPACE_SLOTS - 1) == OBJ_NONE);
	return PASS;
}

static enum result retype_into_fixed_kinds_fails(void)
{
	static const uint64_t types[] = {
		OBJ_NONE, OBJ_IRQ, OBJ_IOPORT, OBJ_CONSOLE, OBJ_TYPE_COUNT, 1000,
	};
	uint64_t s = slot_alloc();

	/* it is an error to retype into an object kind untyped memory cannot become */
	for (unsigned int i = 0; i < ARRAY_LEN(types); i++)
		CHECK_ST(sys_retype(SLOT_UNTYPED, types[i], 1, s, 1), ERR_INVALID_ARG);
	CHECK(cap_type(s) == OBJ_NONE);
	return PASS;
}

static enum result retype_needs_untyped(void)
{
	uint64_t frame = frame_new(1);

	CHECK_MADE(frame);
	/* it is an error to retype anything but untyped memory */
	CHECK_ST(sys_retype(SLOT_CONSOLE, OBJ_ENDPOINT, 0, slot_alloc(), 1), ERR_WRONG_TYPE);
	CHECK_ST(sys_retype(frame, OBJ_ENDPOINT, 0, slot_alloc(), 1), ERR_WRONG_TYPE);
	CHECK_ST(sys_retype(slot_alloc(), OBJ_ENDPOINT, 0, slot_alloc(), 1), ERR_EMPTY_SLOT);
	return PASS;
}

static enum result retype_of_empty_sizes_fails(void)
{
	/* it is an error to ask for a frame or untyped memory of no pages */
	CHECK_ST(sys_retype(SLOT_UNTYPED, OBJ_FRAME, 0, slot_alloc(), 1), ERR_INVALID_ARG);
	CHECK_ST(sys_retype(SLOT_UNTYPED, OBJ_UNTYPED, 0, slot_alloc(), 1), ERR_INVALID_ARG);
	return PASS;
}

static enum result untyped_runs_out(void)
{
	uint64_t ut = untyped_new(4);

	CHECK_MADE(ut);
	CHECK_OK(sys_retype(ut, OBJ_FRAME, 4, slot_alloc(), 1));
	/* it is an error to retype more memory than is left */
	CHECK_ST(sys_retype(ut, OBJ_FRAME, 1, slot_alloc(), 1), ERR_NO_MEMORY);
	CHECK_ST(sys_retype(ut, OBJ_ENDPOINT, 0, slot_alloc(), 1), ERR_NO_MEMORY);
	CHECK_ST(sys_retype(SLOT_UNTYPED, OBJ_FRAME, 1ULL << 20, slot_alloc(), 1), ERR_NO_MEMORY);
	return PASS;
}

static enum result task_needs_its_base_pages(void)
{
	uint64_t ut = untyped_new(TASK_BASE_PAGES + 1);

	CHECK_MADE(ut);
	/* it is an error to make a task from less than its base pages plus its quota */
	CHECK_ST(sys_retype(ut, OBJ_TASK, 2, slot_alloc(), 1), ERR_NO_MEMORY);
	CHECK_OK(sys_retype(ut, OBJ_TASK, 1, slot_alloc(), 1));
	return PASS;
}

static enum result revoked_untyped_is_reused(void)
{
	uint64_t ut = untyped_new(4), frame = slot_alloc();

	CHECK_MADE(ut);
	CHECK_OK(sys_retype(ut, OBJ_FRAME, 4, frame, 1));
	CHECK_OK(sys_cap_revoke(ut));
	CHECK(cap_type(frame) == OBJ_NONE);
	CHECK_OK(sys_retype(ut, OBJ_FRAME, 4, frame, 1));
	return PASS;
}

/* --- frames and mappings --- */

static enum result new_frames_are_zeroed(void)
{
	uint64_t *p = frame_map_new(2, RIGHT_R | RIGHT_W, NULL);

	CHECK_MADE(p);
	for (uint64_t i = 0; i < 2 * PAGE_BYTES / 8; i++)
		CHECK(p[i] == 0);
	return PASS;
}

static enum result frame_copies_share_memory(void)
{
	uint64_t frame, copy, va = va_alloc(1);
	volatile uint64_t *a = frame_map_new(1, RIGHT_R | RIGHT_W, &frame);

	CHECK_MADE(a);
	CHECK_MADE(copy = cap_dup(frame, RIGHT_R, 0));
	CHECK_OK(sys_map(copy, TASK_SELF, va, RIGHT_R));
	a[7] = 0xfeedface;
	CHECK(((volatile uint64_t *)va)[7] == 0xfeedface);
	return PASS;
}

static enum result frame_is_mapped_once(void)
{
	uint64_t frame;

	CHECK_MADE(frame_map_new(1, RIGHT_R | RIGHT_W, &frame));
	/* it is an error to map a frame capability that is mapped already */
	CHECK_ST(sys_map(frame, TASK_SELF, va_alloc(1), RIGHT_R), ERR_BUSY);
	return PASS;
}

static enum result map_over_mapping_fails(void)
{
	uint64_t va = (uint64_t)frame_map_new(1, RIGHT_R, NULL), other = frame_new(1);

	CHECK_MADE(va && other);
	/* it is an error to map at an address where something is mapped */
	CHECK_ST(sys_map(other, TASK_SELF, va, RIGHT_R), ERR_BUSY);
	CHECK_ST(sys_map(other, TASK_SELF, USER_IMAGE_BASE, RIGHT_R), ERR_BUSY);
	return PASS;
}

static enum result map_needs_frame_rights(void)
{
	uint64_t frame = frame_new(1), ro, rw;

	CHECK_MADE(frame);
	CHECK_MADE(ro = cap_dup(frame, RIGHT_R, 0));
	CHECK_MADE(rw = cap_dup(frame, RIGHT_R | RIGHT_W, 0));
	/* it is an error to map with rights the frame capability lacks */
	CHECK_ST(sys_map(ro, TASK_SELF, va_alloc(1), RIGHT_R | RIGHT_W), ERR_NO_RIGHTS);
	CHECK_ST(sys_map(rw, TASK_SELF, va_alloc(1), RIGHT_R | RIGHT_X), ERR_NO_RIGHTS);
	CHECK_OK(sys_map(ro, TASK_SELF, va_alloc(1), RIGHT_R));
	return PASS;
}

static enum result map_rights_are_checked(void)
{
	uint64_t frame = frame_new(1);

	CHECK_MADE(frame);
	/* it is an error to map a page that cannot be read: x86 cannot do that */
	CHECK_ST(sys_map(frame, TASK_SELF, va_alloc(1), RIGHT_W), ERR_INVALID_ARG);
	CHECK_ST(sys_map(frame, TASK_SELF, va_alloc(1), 0), ERR_INVALID_ARG);
	/* ... or to ask for a right a mapping does not have */
	CHECK_ST(sys_map(frame, TASK_SELF, va_alloc(1), RIGHT_R | RIGHT_G), ERR_INVALID_ARG);
	return PASS;
}

static enum result map_rejects_bad_addresses(void)
{
	const uint64_t bad[] = {
		va_alloc(1) + 8,               /* unaligned */
		va_alloc(1) + PAGE_BYTES / 2,  /* unaligned */
		0xffffffff80000000ULL,         /* the kernel image */
		0xffff800000000000ULL,         /* the kernel's map of physical memory */
		USER_TOP,                      /* non-canonical */
		0x0000900000000000ULL,         /* non-canonical */
		USER_TOP - PAGE_BYTES,         /* the second page would cross USER_TOP */
	};
	uint64_t frame = frame_new(2);

	CHECK_MADE(frame);
	/* it is an error to map at an address that is unaligned or not user space */
	for (unsigned int i = 0; i < ARRAY_LEN(bad); i++)
		CHECK_ST(sys_map(frame, TASK_SELF, bad[i], RIGHT_R), ERR_BAD_ADDRESS);
	return PASS;
}

static enum result map_needs_frame_and_task(void)
{
	uint64_t frame = frame_new(1), ep = obj_new(OBJ_ENDPOINT);

	CHECK_MADE(frame && ep);
	/* it is an error to map anything but a frame, or into anything but a task */
	CHECK_ST(sys_map(ep, TASK_SELF, va_alloc(1), RIGHT_R), ERR_WRONG_TYPE);
	CHECK_ST(sys_map(frame, ep, va_alloc(1), RIGHT_R), ERR_WRONG_TYPE);
	CHECK_ST(sys_map(frame, slot_alloc(), va_alloc(1), RIGHT_R), ERR_EMPTY_SLOT);
	CHECK_ST(sys_unmap(ep), ERR_WRONG_TYPE);
	return PASS;
}

static enum result map_uses_page_table_quota(void)
{
	uint64_t none = task_new(0), three = task_new(3), a = frame_new(1), b = frame_new(1);

	CHECK_MADE(none && three && a && b);
	/* it is an error to map when the task has no page-table pages left */
	CHECK_ST(sys_map(a, none, 0x400000, RIGHT_R), ERR_NO_MEMORY);
	/* three tables reach one 2 MiB region; another one needs three more */
	CHECK_OK(sys_map(a, three, 0x400000, RIGHT_R));
	CHECK_ST(sys_map(b, three, 0x7f0000000000ULL, RIGHT_R), ERR_NO_MEMORY);
	CHECK_OK(sys_map(b, three, 0x401000, RIGHT_R));
	return PASS;
}

static enum result unmap_removes_mapping(void)
{
	uint64_t frame;
	char *p = frame_map_new(1, RIGHT_R | RIGHT_W, &frame);

	CHECK_MADE(p);
	p[0] = '#';
	CHECK_OK(sys_unmap(frame));
	/* the kernel reads user memory through the page tables: the page is gone */
	CHECK_ST(sys_debug_write(SLOT_CONSOLE, p, 1), ERR_BAD_ADDRESS);
	/* unmapped, the frame may be mapped again, and keeps its contents */
	CHECK_OK(sys_map(frame, TASK_SELF, (uint64_t)p, RIGHT_R));
	CHECK(p[0] == '#');
	return PASS;
}

static enum result unmap_of_unmapped_frame_fails(void)
{
	uint64_t frame = frame_new(1);

	CHECK_MADE(frame);
	/* it is an error to unmap a frame capability that is not mapped */
	CHECK_ST(sys_unmap(frame), ERR_INVALID_ARG);
	return PASS;
}

static enum result deleting_frame_unmaps_it(void)
{
	uint64_t frame;
	char *p = frame_map_new(1, RIGHT_R | RIGHT_W, &frame);

	CHECK_MADE(p);
	CHECK_OK(sys_cap_delete(frame));
	CHECK_ST(sys_debug_write(SLOT_CONSOLE, p, 1), ERR_BAD_ADDRESS);
	return PASS;
}

static enum result multi_page_frame_maps_every_page(void)
{
	uint64_t frame;
	struct cap_info info;
	volatile uint8_t *p = frame_map_new(4, RIGHT_R | RIGHT_W, &frame);

	CHECK_MADE(p);
	CHECK_OK(sys_cap_info(frame, &info));
	CHECK(info.type == OBJ_FRAME && info.size == 4);
	for (uint64_t i = 0; i < 4; i++)
		p[i * PAGE_BYTES + 5] = (uint8_t)(i + 1);
	for (uint64_t i = 0; i < 4; i++)
		CHECK(p[i * PAGE_BYTES + 5] == i + 1);
	return PASS;
}

/* --- large frames (2 MiB pages; the suite's 16 MiB hold no 1 GiB one) --- */

/* A free 1 GiB region of the suite's address space; each case takes its own 2 MiB slices. */
#define LARGE_VADDR 0x40000000ULL
#define TWO_MIB     (FRAME_2M_PAGES * (uint64_t)PAGE_BYTES)

/* A 2 MiB frame from an untyped of its own (room for it once aligned); 0 on failure. */
static uint64_t large_frame_new(uint64_t *ut_out)
{
	uint64_t ut = untyped_new(2 * FRAME_2M_PAGES), f = slot_alloc();

	uint64_t st = ut ? sys_retype(ut, OBJ_FRAME_2M, FRAME_2M_PAGES, f, 1) : ERR_NO_MEMORY;

	if (st != OK) {
		uprintf("# retype of a 2 MiB frame: %s\n", status_name(st));
		return 0;
	}
	if (ut_out)
		*ut_out = ut;
	return f;
}

static enum result large_frame_maps_as_one_leaf(void)
{
	struct cap_info info;
	uint64_t frame = large_frame_new(NULL), copy, va = LARGE_VADDR;

	CHECK_MADE(frame);
	CHECK_OK(sys_cap_info(frame, &info));
	CHECK(info.type == OBJ_FRAME_2M && info.size == FRAME_2M_PAGES);
	CHECK_MADE(copy = cap_dup(frame, RIGHT_R, 0));
	CHECK_OK(sys_cap_info(copy, &info)); /* the page size is the object's: copies keep it */
	CHECK(info.type == OBJ_FRAME_2M);
	CHECK_OK(sys_map(frame, TASK_SELF, va, RIGHT_R | RIGHT_W));
	volatile uint64_t *p = (volatile uint64_t *)va;
	CHECK(p[0] == 0 && p[TWO_MIB / 8 - 1] == 0); /* zeroed */
	p[0] = 0x1234;
	p[TWO_MIB / 8 - 1] = 0x5678;
	CHECK(p[0] == 0x1234 && p[TWO_MIB / 8 - 1] == 0x5678);
	/* the kernel reads user memory through the large leaf too, at the byte's offset in it */
	((volatile char *)va)[TWO_MIB / 2 + 3] = '\n';
	CHECK_OK(sys_debug_write(SLOT_CONSOLE, (const char *)va + TWO_MIB / 2 + 3, 1));
	return PASS;
}

static enum result large_frame_needs_whole_pages_and_room(void)
{
	uint64_t ut = untyped_new(FRAME_2M_PAGES), small = slot_alloc(), f = slot_alloc();

	CHECK_MADE(ut);
	/* it is an error to ask for a large frame that is not whole large pages */
	CHECK_ST(sys_retype(ut, OBJ_FRAME_2M, 0, f, 1), ERR_INVALID_ARG);
	CHECK_ST(sys_retype(ut, OBJ_FRAME_2M, FRAME_2M_PAGES - 1, f, 1), ERR_INVALID_ARG);
	CHECK_ST(sys_retype(ut, OBJ_FRAME_2M, FRAME_2M_PAGES + 1, f, 1), ERR_INVALID_ARG);
	CHECK_ST(sys_retype(ut, OBJ_FRAME_1G, FRAME_2M_PAGES, f, 1), ERR_INVALID_ARG);
	/* ... or from untyped memory that holds none once aligned to its page size */
	CHECK_ST(sys_retype(SLOT_UNTYPED, OBJ_FRAME_1G, FRAME_1G_PAGES, f, 1), ERR_NO_MEMORY);
	CHECK_OK(sys_retype(ut, OBJ_FRAME, 1, small, 1));
	CHECK_ST(sys_retype(ut, OBJ_FRAME_2M, FRAME_2M_PAGES, f, 1), ERR_NO_MEMORY);
	CHECK(cap_type(f) == OBJ_NONE);
	return PASS;
}

static enum result large_frame_map_rejects_bad_addresses(void)
{
	const uint64_t bad[] = {
		LARGE_VADDR + 2 * TWO_MIB + PAGE_BYTES,     /* page-aligned, not 2 MiB-aligned */
		LARGE_VADDR + 2 * TWO_MIB + TWO_MIB / 2,
		(USER_TOP + PAGE_BYTES) - TWO_MIB,          /* would cover the never-mapped top page */
		0xffff800000000000ULL,
	};
	uint64_t frame = large_frame_new(NULL);

	CHECK_MADE(frame);
	/* it is an error to map a large frame where its leaves would not be aligned */
	for (unsigned int i = 0; i < ARRAY_LEN(bad); i++)
		CHECK_ST(sys_map(frame, TASK_SELF, bad[i], RIGHT_R), ERR_BAD_ADDRESS);
	return PASS;
}

static enum result large_frame_never_overlaps_smaller_pages(void)
{
	uint64_t big = large_frame_new(NULL), other = large_frame_new(NULL);
	uint64_t small = frame_new(1), small2 = frame_new(1);
	const uint64_t va = LARGE_VADDR + 4 * TWO_MIB;

	CHECK_MADE(big && other && small && small2);
	CHECK_OK(sys_map(small, TASK_SELF, va + 2 * PAGE_BYTES, RIGHT_R));
	/* it is an error to map a large page over smaller ones: nothing is split */
	CHECK_ST(sys_map(big, TASK_SELF, va, RIGHT_R), ERR_BUSY);
	/* ... or over the table they leave behind */
	CHECK_OK(sys_unmap(small));
	CHECK_ST(sys_map(big, TASK_SELF, va, RIGHT_R), ERR_BUSY);
	CHECK_OK(sys_map(big, TASK_SELF, va + TWO_MIB, RIGHT_R | RIGHT_W));
	/* ... and to map a smaller page, or another large one, where a large one is */
	CHECK_ST(sys_map(small2, TASK_SELF, va + TWO_MIB + PAGE_BYTES, RIGHT_R), ERR_BUSY);
	CHECK_ST(sys_map(other, TASK_SELF, va + TWO_MIB, RIGHT_R), ERR_BUSY);
	*(volatile uint64_t *)(va + TWO_MIB + PAGE_BYTES) = 7; /* still the large page */
	return PASS;
}

static enum result large_frame_uses_fewer_tables(void)
{
	uint64_t one = task_new(1), two = task_new(2), a = large_frame_new(NULL);
	uint64_t b = large_frame_new(NULL), c = frame_new(1);

	CHECK_MADE(one && two && a && b && c);
	/* a 2 MiB leaf needs a pointer table and a directory, not a page table too */
	CHECK_ST(sys_map(a, one, LARGE_VADDR, RIGHT_R), ERR_NO_MEMORY);
	CHECK_OK(sys_map(a, two, LARGE_VADDR, RIGHT_R));
	CHECK_OK(sys_map(b, two, LARGE_VADDR + TWO_MIB, RIGHT_R)); /* the same directory */
	/* it is an error to map when the quota is used up: a 4 KiB page needs a table */
	CHECK_ST(sys_map(c, two, LARGE_VADDR + 2 * TWO_MIB, RIGHT_R), ERR_NO_MEMORY);
	return PASS;
}

static enum result revoking_untyped_unmaps_a_large_frame(void)
{
	uint64_t ut, frame = large_frame_new(&ut), again = large_frame_new(NULL);
	const uint64_t va = LARGE_VADDR + 6 * TWO_MIB;

	CHECK_MADE(frame && again);
	CHECK_OK(sys_map(frame, TASK_SELF, va, RIGHT_R | RIGHT_W));
	*(volatile uint64_t *)(va + TWO_MIB - 8) = 1;
	CHECK_OK(sys_cap_revoke(ut));
	CHECK(cap_type(frame) == OBJ_NONE);
	/* the kernel reads user memory through the page tables: the whole leaf is gone */
	CHECK_ST(sys_debug_write(SLOT_CONSOLE, (const char *)va, 1), ERR_BAD_ADDRESS);
	CHECK_ST(sys_debug_write(SLOT_CONSOLE, (const char *)va + TWO_MIB - 1, 1), ERR_BAD_ADDRESS);
	/* and the place is free for another large frame */
	CHECK_OK(sys_map(again, TASK_SELF, va, RIGHT_R | RIGHT_W));
	CHECK(*(volatile uint64_t *)(va + TWO_MIB - 8) == 0);
	return PASS;
}

static const struct test_case cases[] = {
	{ "retype_makes_each_object_type", retype_makes_each_object_type },
	{ "retype_count_fills_consecutive_slots", retype_count_fills_consecutive_slots },
	{ "retype_into_occupied_slot_fails", retype_into_occupied_slot_fails },
	{ "retype_past_cspace_end_fails", retype_past_cspace_end_fails },
	{ "retype_into_fixed_kinds_fails", retype_into_fixed_kinds_fails },
	{ "retype_needs_untyped", retype_needs_untyped },
	{ "retype_of_empty_sizes_fails", retype_of_empty_sizes_fails },
	{ "untyped_runs_out", untyped_runs_out },
	{ "task_needs_its_base_pages", task_needs_its_base_pages },
	{ "revoked_untyped_is_reused", revoked_untyped_is_reused },
	{ "new_frames_are_zeroed", new_frames_are_zeroed },
	{ "frame_copies_share_memory", frame_copies_share_memory },
	{ "frame_is_mapped_once", frame_is_mapped_once },
	{ "map_over_mapping_fails", map_over_mapping_fails },
	{ "map_needs_frame_rights", map_needs_frame_rights },
	{ "map_rights_are_checked", map_rights_are_checked },
	{ "map_rejects_bad_addresses", map_rejects_bad_addresses },
	{ "map_needs_frame_and_task", map_needs_frame_and_task },
	{ "map_uses_page_table_quota", map_uses_page_table_quota },
	{ "unmap_removes_mapping", unmap_removes_mapping },
	{ "unmap_of_unmapped_frame_fails", unmap_of_unmapped_frame_fails },
	{ "deleting_frame_unmaps_it", deleting_frame_unmaps_it },
	{ "multi_page_frame_maps_every_page", multi_page_frame_maps_every_page },
	{ "large_frame_maps_as_one_leaf", large_frame_maps_as_one_leaf },
	{ "large_frame_needs_whole_pages_and_room", large_frame_needs_whole_pages_and_room },
	{ "large_frame_map_rejects_bad_addresses", large_frame_map_rejects_bad_addresses },
	{ "large_frame_never_overlaps_smaller_pages", large_frame_never_overlaps_smaller_pages },
	{ "large_frame_uses_fewer_tables", large_frame_uses_fewer_tables },
	{ "revoking_untyped_unmaps_a_large_frame", revoking_untyped_unmaps_a_large_frame },
};

const struct test_group memory_group = GROUP(cases);
