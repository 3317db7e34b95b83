/*
 * Host unit tests for capability derivation (kernel/cap.c): lookup, derive
 * (rights only shrink, badges), copy, move, delete, recursive revoke with
 * its preemption, and the checks on mapping a frame.  The objects are
 * endpoints in host memory; khost.c counts their destruction.
 */
#include <stdint.h>

#include "cap.h"
#include "frame.h"
#include "khost.h"
#include "memory.h"
#include "unit.h"

static struct cap slots[CSPACE_SLOTS];
static struct task task = { .cspace = slots };
static struct obj_header endpoint; /* an endpoint's header is all cap.c reads */

/* An empty space, and in slot 0 the original capability to one endpoint. */
static struct cap *fresh(void)
{
	memset(slots, 0, sizeof(slots));
	memset(&endpoint, 0, sizeof(endpoint));
	kstub_reset();
	struct cap ep = { .type = OBJ_ENDPOINT, .rights = RIGHTS_ALL, .header = &endpoint };
	cap_insert(0, &slots[0], &ep, &task);
	return &slots[0];
}

TEST(cap_lookup_names_what_is_wrong)
{
	struct cap *out = 0;
	fresh();
	slots[0].rights = RIGHT_R;
	CHECK_EQ(cap_lookup(&task, CSPACE_SLOTS, OBJ_NONE, 0, &out), ERR_INVALID_SLOT);
	CHECK_EQ(cap_lookup(&task, 1, OBJ_NONE, 0, &out), ERR_EMPTY_SLOT);
	CHECK_EQ(cap_lookup(&task, 0, OBJ_FRAME, 0, &out), ERR_WRONG_TYPE);
	CHECK_EQ(cap_lookup(&task, 0, OBJ_ENDPOINT, RIGHT_R | RIGHT_W, &out), ERR_NO_RIGHTS);
	CHECK(out == 0);
	CHECK_EQ(cap_lookup(&task, 0, OBJ_NONE, RIGHT_R, &out), OK);
	CHECK(out == &slots[0]);
}

TEST(cap_empty_slot_refuses_an_occupied_or_invalid_slot)
{
	struct cap *out = 0;
	fresh();
	CHECK_EQ(cap_empty_slot(&task, 0, &out), ERR_SLOT_OCCUPIED);
	CHECK_EQ(cap_empty_slot(&task, CSPACE_SLOTS, &out), ERR_INVALID_SLOT);
	CHECK_EQ(cap_empty_slot(&task, 1, &out), OK);
	CHECK(out == &slots[1]);
}

TEST(cap_derive_rights_only_shrink)
{
	struct cap *src = fresh();
	src->rights = RIGHT_R | RIGHT_G;
	cap_derive(src, &slots[1], RIGHTS_ALL, 0, &task);
	CHECK_EQ(slots[1].rights, RIGHT_R | RIGHT_G); /* asking for more gives no more */
	cap_derive(&slots[1], &slots[2], RIGHT_G | RIGHT_W, 0, &task);
	CHECK_EQ(slots[2].rights, RIGHT_G);
	cap_derive(&slots[2], &slots[3], 0, 0, &task);
	CHECK_EQ(slots[3].rights, 0);
}

TEST(cap_derive_sets_a_badge_and_keeps_it_without_a_new_one)
{
	struct cap *src = fresh();
	cap_derive(src, &slots[1], RIGHTS_ALL, 0x1234, &task);
	CHECK_EQ(slots[1].badge, 0x1234);
	cap_derive(&slots[1], &slots[2], RIGHTS_ALL, 0, &task);
	CHECK_EQ(slots[2].badge, 0x1234);
	CHECK_EQ(src->badge, 0);
}

TEST(cap_derive_links_the_copy_under_its_source_and_counts_it)
{
	struct cap *src = fresh();
	CHECK_EQ(endpoint.refs, 1);
	cap_derive(src, &slots[1], RIGHTS_ALL, 0, &task);
	cap_derive(src, &slots[2], RIGHTS_ALL, 0, &task);
	CHECK_EQ(endpoint.refs, 3);
	CHECK(slots[1].parent == src && slots[2].parent == src);
	CHECK(src->first_child == &slots[2] && slots[2].next_sibling == &slots[1]);
	CHECK(slots[1].first_child == 0 && slots[1].endpoint == src->endpoint);
}

TEST(cap_untyped_memory_cannot_be_copied)
{
	struct cap ut = { .type = OBJ_UNTYPED }, ep = { .type = OBJ_ENDPOINT },
		   frame = { .type = OBJ_FRAME };
	CHECK(!cap_copyable(&ut));
	CHECK(cap_copyable(&ep) && cap_copyable(&frame));
}

TEST(cap_derived_frame_starts_unmapped)
{
	fresh();
	struct cap f = { .type = OBJ_FRAME, .rights = RIGHTS_ALL, .pages = 1, .mapped_gpa = 0x400000,
			 .mapped_in = &task, .flags = CAPF_GUEST };
	cap_derive(&f, &slots[1], RIGHTS_ALL, 0, &task);
	CHECK_EQ(slots[1].mapped_gpa, 0);
	CHECK(slots[1].mapped_in == 0 && !(slots[1].flags & CAPF_GUEST));
}

TEST(cap_delete_moves_children_up_and_destroys_on_the_last_reference)
{
	struct cap *src = fresh();
	cap_derive(src, &slots[1], RIGHTS_ALL, 0, &task);
	cap_derive(&slots[1], &slots[2], RIGHTS_ALL, 0, &task);
	cap_delete(&slots[1]);
	CHECK_EQ(slots[1].type, OBJ_NONE);
	CHECK(slots[2].parent == src && src->first_child == &slots[2]);
	CHECK_EQ(endpoint.refs, 2);
	cap_delete(src);
	CHECK(slots[2].parent == 0);
	CHECK_EQ(kstub.endpoint_destroy, 0);
	cap_delete(&slots[2]);
	CHECK_EQ(endpoint.refs, 0);
	CHECK_EQ(kstub.endpoint_destroy, 1);
	cap_delete(&slots[2]); /* an empty slot: nothing happens */
	CHECK_EQ(kstub.endpoint_destroy, 1);
}

TEST(cap_revoke_deletes_every_descendant_and_keeps_the_capability)
{
	struct cap *src = fresh();
	cap_derive(src, &slots[1], RIGHTS_ALL, 0, &task);
	cap_derive(&slots[1], &slots[2], RIGHTS_ALL, 0, &task);
	cap_derive(&slots[2], &slots[3], RIGHTS_ALL, 0, &task);
	cap_derive(src, &slots[4], RIGHTS_ALL, 0, &task);
	cap_derive(&slots[4], &slots[5], RIGHTS_ALL, 7, &task);
	CHECK(cap_revoke(src));
	for (unsigned i = 1; i <= 5; i++)
		CHECK_EQ(slots[i].type, OBJ_NONE);
	CHECK(src->type == OBJ_ENDPOINT && src->first_child == 0);
	CHECK_EQ(endpoint.refs, 1);
	CHECK_EQ(kstub.endpoint_destroy, 0);
}

TEST(cap_revoke_of_a_copy_leaves_its_siblings)
{
	struct cap *src = fresh();
	cap_derive(src, &slots[1], RIGHTS_ALL, 0, &task);
	cap_derive(src, &slots[2], RIGHTS_ALL, 0, &task);
	cap_derive(&slots[1], &slots[3], RIGHTS_ALL, 0, &task);
	CHECK(cap_revoke(&slots[1]));
	CHECK_EQ(slots[3].type, OBJ_NONE);
	CHECK(slots[1].type == OBJ_ENDPOINT && slots[2].type == OBJ_ENDPOINT);
	CHECK_EQ(endpoint.refs, 3);
}

TEST(cap_revoke_stops_for_the_scheduler_and_goes_on_from_there)
{
	struct cap *src = fresh();
	for (unsigned i = 1; i <= 100; i++)
		cap_derive(src, &slots[i], RIGHTS_ALL, 0, &task);
	kstub_preempt = true;
	CHECK(!cap_revoke(src));
	CHECK_EQ(endpoint.refs, 1 + 100 - 64); /* one batch of deletions stands */
	/* the 36 left are fewer than a batch: no preemption point on the way */
	CHECK(cap_revoke(src));
	CHECK_EQ(endpoint.refs, 1);
	CHECK(src->first_child == 0);
}

/* --- a task's teardown, in batches --- */

static struct cap victim_slots[CSPACE_SLOTS], inner_slots[CSPACE_SLOTS];
static struct task victim, inner;

/*
 * Slot 1 holds the only capability to `victim`, whose space is full: 511
 * copies of the endpoint and, in its last slot, the only capability to
 * `inner`, which holds one more copy.
 */
static void full_victim(void)
{
	struct cap *src = fresh();
	memset(victim_slots, 0, sizeof(victim_slots));
	memset(inner_slots, 0, sizeof(inner_slots));
	victim = (struct task){ .cspace = victim_slots };
	inner = (struct task){ .cspace = inner_slots };
	struct cap v = { .type = OBJ_TASK, .rights = RIGHTS_ALL, .task = &victim };
	struct cap i = { .type = OBJ_TASK, .rights = RIGHTS_ALL, .task = &inner };
	cap_insert(0, &slots[1], &v, &task);
	for (unsigned s = 0; s < CSPACE_SLOTS - 1; s++)
		cap_derive(src, &victim_slots[s], RIGHTS_ALL, 0, &victim);
	cap_insert(0, &victim_slots[CSPACE_SLOTS - 1], &i, &victim);
	cap_derive(src, &inner_slots[7], RIGHTS_ALL, 0, &inner);
}

TEST(cap_task_teardown_goes_a_batch_at_a_time)
{
	full_victim();
	CHECK_EQ(endpoint.refs, 1 + 511 + 1);
	kstub_preempt = true; /* every preemption point says stop */
	cap_delete(&slots[1]);
	/* unusable at once: dying, its threads stopped (task_dying), no capability names it */
	CHECK(victim.dying && slots[1].type == OBJ_NONE);
	CHECK_EQ(kstub.task_dying, 1);
	unsigned calls = 0, done = 0;
	uint64_t refs = endpoint.refs;
	for (bool finished = false; !finished; calls++) {
		finished = objects_reap();
		/* each batch goes on where the last one stopped, and is one batch long */
		unsigned now = victim.reap_slot + inner.reap_slot + kstub.task_destroy;
		CHECK(now > done && now - done <= 64);
		CHECK(endpoint.refs <= refs && refs - endpoint.refs <= 64);
		done = now, refs = endpoint.refs;
	}
	CHECK(calls >= 2 * CSPACE_SLOTS / 64);
	/* the inner task died on the way, and was torn down after the victim */
	CHECK(inner.dying);
	CHECK_EQ(kstub.task_dying, 2);
	CHECK_EQ(kstub.task_destroy, 2);
	CHECK_EQ(endpoint.refs, 1);
	CHECK(slots[0].first_child == 0);
}

TEST(cap_revoke_of_untyped_memory_waits_for_dying_tasks)
{
	full_victim();
	struct cap ut = { .type = OBJ_UNTYPED, .rights = RIGHTS_ALL, .pages = 4,
			  .retyped_bytes = 3 * 4096 };
	cap_insert(0, &slots[2], &ut, &task);
	kstub_preempt = true;
	cap_delete(&slots[1]);
	/* the dying task's memory may be in the range: it is not free until the teardown ends */
	CHECK(!cap_revoke(&slots[2]));
	CHECK_EQ(slots[2].retyped_bytes, 3 * 4096);
	while (!cap_revoke(&slots[2]))
		CHECK_EQ(slots[2].retyped_bytes, 3 * 4096);
	CHECK_EQ(kstub.task_destroy, 2);
	CHECK_EQ(slots[2].retyped_bytes, 0);
}

TEST(cap_revoke_of_untyped_memory_frees_its_whole_range)
{
	fresh();
	struct cap ut = { .type = OBJ_UNTYPED, .rights = RIGHTS_ALL, .pages = 4,
			  .retyped_bytes = 3 * 4096 };
	cap_insert(0, &slots[1], &ut, &task);
	CHECK(cap_revoke(&slots[1]));
	CHECK_EQ(slots[1].retyped_bytes, 0);
}

TEST(cap_move_keeps_the_place_in_the_tree)
{
	struct cap *src = fresh();
	cap_derive(src, &slots[1], RIGHT_R, 5, &task);
	cap_derive(&slots[1], &slots[2], RIGHT_R, 0, &task);
	cap_move(&slots[1], &slots[3], &task);
	CHECK_EQ(slots[1].type, OBJ_NONE);
	CHECK(slots[3].type == OBJ_ENDPOINT && slots[3].rights == RIGHT_R && slots[3].badge == 5);
	CHECK(src->first_child == &slots[3] && slots[3].parent == src);
	CHECK(slots[2].parent == &slots[3] && slots[3].first_child == &slots[2]);
	CHECK_EQ(endpoint.refs, 3); /* a move is not a copy */
	CHECK(cap_revoke(src));
	CHECK(slots[2].type == OBJ_NONE && slots[3].type == OBJ_NONE);
}

TEST(frame_map_check_rules)
{
	struct cap f = { .type = OBJ_FRAME, .rights = RIGHT_R | RIGHT_W, .pages = 2 };
	const uint64_t limit = 0x10000;
	CHECK_EQ(frame_map_check(&f, 0xe000, limit, RIGHT_R | RIGHT_W, 1), OK);
	CHECK_EQ(frame_map_check(&f, 0x1001, limit, RIGHT_R, 1), ERR_BAD_ADDRESS);
	CHECK_EQ(frame_map_check(&f, 0xf000, limit, RIGHT_R, 1), ERR_BAD_ADDRESS); /* runs past */
	CHECK_EQ(frame_map_check(&f, limit, limit, RIGHT_R, 1), ERR_BAD_ADDRESS);
	CHECK_EQ(frame_map_check(&f, -0x1000ULL, limit, RIGHT_R, 1), ERR_BAD_ADDRESS);
	CHECK_EQ(frame_map_check(&f, 0, limit, RIGHT_R | RIGHT_X, 1), ERR_NO_RIGHTS);
	CHECK_EQ(frame_map_check(&f, 0, limit, RIGHT_W, 1), ERR_INVALID_ARG); /* write-only */
	f.mapped_task = &task;
	CHECK_EQ(frame_map_check(&f, 0, limit, RIGHT_R, 1), ERR_BUSY);
}

/* A large frame: aligned to its page size, and only where the tables take that size. */
TEST(frame_map_check_large_frames)
{
	struct cap f = { .type = OBJ_FRAME, .rights = RIGHT_R, .pages = 2 * FRAME_2M_PAGES,
			 .flags = CAPF_FRAME_2M };
	const uint64_t two = 2ULL << 20, limit = 1ULL << 40;
	CHECK_EQ(frame_map_check(&f, two, limit, RIGHT_R, 2), OK);
	CHECK_EQ(frame_map_check(&f, two + 0x1000, limit, RIGHT_R, 2), ERR_BAD_ADDRESS);
	CHECK_EQ(frame_map_check(&f, two / 2, limit, RIGHT_R, 3), ERR_BAD_ADDRESS);
	CHECK_EQ(frame_map_check(&f, limit - two, limit, RIGHT_R, 2), ERR_BAD_ADDRESS); /* runs past */
	CHECK_EQ(frame_map_check(&f, two, limit, RIGHT_R, 1), ERR_UNSUPPORTED);
	f.flags = CAPF_FRAME_1G;
	f.pages = FRAME_1G_PAGES;
	CHECK_EQ(frame_map_check(&f, 1ULL << 30, limit, RIGHT_R, 3), OK);
	CHECK_EQ(frame_map_check(&f, two, limit, RIGHT_R, 3), ERR_BAD_ADDRESS);
	CHECK_EQ(frame_map_check(&f, 1ULL << 30, limit, RIGHT_R, 2), ERR_UNSUPPORTED);
	CHECK_EQ(frame_object_type(&f), OBJ_FRAME_1G);
}
