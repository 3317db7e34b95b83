/*
 * Host unit tests for frame capabilities' mappings into tasks
 * (kernel/frame.c): where a mapping is recorded, that it follows a moved
 * capability, and that deleting the capability unmaps it.  The task's page
 * tables are stubs that count (khost.c); guest-physical mappings run on
 * real tables in test_pagetable.c.
 */
#include <stdint.h>

#include "cap.h"
#include "frame.h"
#include "khost.h"
#include "unit.h"

static struct cap slots[CSPACE_SLOTS];
static struct task task = { .cspace = slots };

/* A frame of two pages in slot 0, unmapped. */
static struct cap *fresh(void)
{
	memset(slots, 0, sizeof(slots));
	task.mappings = 0;
	kstub_reset();
	struct cap f = { .type = OBJ_FRAME, .rights = RIGHTS_ALL, .pages = 2, .base = 0x200000 };
	cap_insert(0, &slots[0], &f, &task);
	return &slots[0];
}

TEST(frame_map_task_records_where_and_lists_the_frame)
{
	struct cap *f = fresh();
	CHECK_EQ(frame_map_task(f, &task, 0x400000, RIGHT_R | RIGHT_W), OK);
	CHECK_EQ(kstub.task_map_page, 2);
	CHECK(frame_mapped(f) && f->mapped_task == &task && !(f->flags & CAPF_GUEST));
	CHECK_EQ(f->mapped_va, 0x400000);
	CHECK(task.mappings == f && f->map_next == 0);
	/* it is an error to map a frame twice */
	CHECK_EQ(frame_map_task(f, &task, 0x800000, RIGHT_R), ERR_BUSY);
}

TEST(frame_mapping_follows_a_moved_capability)
{
	struct cap *f = fresh();
	CHECK_EQ(frame_map_task(f, &task, 0x400000, RIGHT_R), OK);
	cap_move(f, &slots[1], &task);
	CHECK(task.mappings == &slots[1] && slots[1].mapped_va == 0x400000);
	cap_delete(&slots[1]);
	CHECK_EQ(kstub.task_unmap_pages, 1);
	CHECK(task.mappings == 0);
}

TEST(frame_forget_mappings_leaves_every_frame_unmapped)
{
	struct cap *f = fresh();
	cap_derive(f, &slots[1], RIGHTS_ALL, 0, &task);
	CHECK_EQ(frame_map_task(f, &task, 0x400000, RIGHT_R), OK);
	CHECK_EQ(frame_map_task(&slots[1], &task, 0x600000, RIGHT_R), OK);
	frame_forget_mappings(&task.mappings);
	CHECK(!frame_mapped(f) && !frame_mapped(&slots[1]) && task.mappings == 0);
	CHECK(f->mapped_va == 0 && f->map_next == 0);
	CHECK_EQ(kstub.task_unmap_pages, 0); /* the tables go with the task */
}
