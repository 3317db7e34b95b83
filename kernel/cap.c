/*
 * Capabilities: lookup, the derivation tree, copy, move, delete, revoke.
 *
 * Each capability knows its parent, its first child and its next sibling.
 * Deleting one hands its children to its parent, so revoking an ancestor
 * still finds them.  Revoke deletes the revoked capability's first child
 * over and over (cap_revoke says why that is linear) and is preemptible:
 * it stops between two deletions when the scheduler must run another
 * thread, and the syscall restarts.  A mapped frame is unmapped before
 * its deletion, in pieces with the same preemption points between two
 * (ready_to_delete), by SYS_CAP_DELETE, a revoke and a teardown alike.
 * A task whose last capability goes is not torn down at once: its
 * capability space may hold the capabilities being deleted, and emptying
 * it is long (each capability unlinked from its sibling list).  It becomes
 * unusable at once (dying, its threads stopped: task_dying), then waits on
 * the zombie list, which objects_reap() empties a batch at a time with a
 * preemption point after each, as revoke does (docs/smp.md).
 */
#include "cap.h"
#include "frame.h"
#include "gpa_space.h"
#include "ioport.h"
#include "ipc.h"
#include "irq.h"
#include "mem.h"
#include "task.h"
#include "thread.h"
#include "vcpu.h"

/*
 * Work between two preemption points of a revoke or a task's teardown:
 * a capability deleted, a child moved, a step of a sibling list walked,
 * a slot looked at.
 */
#define REVOKE_BATCH 64

/* Dying tasks, first in first torn down (objects_reap). */
static struct {
	struct task *head, *tail;
} zombies;

int cap_lookup(struct task *t, uint64_t slot, unsigned type, unsigned rights, struct cap **out)
{
	if (slot >= CSPACE_SLOTS)
		return ERR_INVALID_SLOT;
	struct cap *c = &t->cspace[slot];
	if (c->type == OBJ_NONE)
		return ERR_EMPTY_SLOT;
	if (type != OBJ_NONE && c->type != type)
		return ERR_WRONG_TYPE;
	if ((c->rights & rights) != rights)
		return ERR_NO_RIGHTS;
	*out = c;
	return OK;
}

int cap_empty_slot(struct task *t, uint64_t slot, struct cap **out)
{
	if (slot >= CSPACE_SLOTS)
		return ERR_INVALID_SLOT;
	if (t->cspace[slot].type != OBJ_NONE)
		return ERR_SLOT_OCCUPIED;
	*out = &t->cspace[slot];
	return OK;
}

bool cap_copyable(const struct cap *c)
{
	return c->type != OBJ_UNTYPED;
}

struct obj_header *cap_object_header(const struct cap *c)
{
	switch (c->type) {
	case OBJ_TASK:
	case OBJ_THREAD:
	case OBJ_ENDPOINT:
	case OBJ_NOTIFICATION:
	case OBJ_GPA_SPACE:
	case OBJ_VCPU:
		return c->header;
	default:
		return 0;
	}
}

static void link_child(struct cap *parent, struct cap *c)
{
	c->parent = parent;
	c->next_sibling = parent ? parent->first_child : 0;
	if (parent)
		parent->first_child = c;
}

/*
 * Replaces old by new in the child list of old's parent.  The sibling list
 * is singly linked (a 64-byte capability has no room for a back link), so
 * this costs old's position in the list: O(1) for a first child, which is
 * all cap_revoke unlinks itself.  Elsewhere it is one walk per capability
 * deleted or moved (SYS_CAP_DELETE, SYS_CAP_MOVE, a task's teardown, an
 * object's own copies), linear in a list built one syscall per entry; see
 * cap_revoke for where such walks add up.  Returns the steps walked: the
 * batches of a revoke or a teardown count them.
 */
static unsigned relink_in_parent(struct cap *old, struct cap *new)
{
	if (!old->parent)
		return 0;
	unsigned steps = 0;
	struct cap **pp = &old->parent->first_child;
	for (; *pp != old; steps++)
		pp = &(*pp)->next_sibling;
	*pp = new;
	return steps;
}

/*
 * Takes c out of the tree; its children move up to c's parent, one by one
 * (each names its parent).  Returns how many moved, plus the steps of the
 * walk that found c: the work, which cap_revoke and objects_reap count.
 */
static unsigned unlink_cap(struct cap *c)
{
	unsigned moved = relink_in_parent(c, c->next_sibling);
	for (struct cap *ch = c->first_child, *next; ch; ch = next, moved++) {
		next = ch->next_sibling;
		link_child(c->parent, ch);
	}
	return moved;
}

/*
 * Counts the new capability c in its object.  Where the source was mapped,
 * or who held its ports, is not the copy's: the copy of a frame starts
 * unmapped, and a port capability opens its ports to dst_task (if any).
 */
static void after_insert(struct cap *c, struct task *dst_task)
{
	if (c->type == OBJ_FRAME)
		frame_forget(c);
	struct obj_header *h = cap_object_header(c);
	if (h)
		h->refs++;
	if (c->type == OBJ_IRQ)
		irq_ref(c->irq);
	if (c->type == OBJ_IOPORT) {
		c->holder = 0;
		ioport_set_holder(c, dst_task);
	}
}

void cap_insert(struct cap *parent, struct cap *dst, const struct cap *value, struct task *dst_task)
{
	*dst = *value;
	dst->first_child = 0;
	link_child(parent, dst);
	after_insert(dst, dst_task);
}

void cap_derive(struct cap *src, struct cap *dst, unsigned rights, uint64_t badge,
		struct task *dst_task)
{
	cap_insert(src, dst, src, dst_task);
	dst->rights = src->rights & rights;
	if (badge)
		dst->badge = badge;
}

void cap_move(struct cap *src, struct cap *dst, struct task *dst_task)
{
	*dst = *src;
	relink_in_parent(src, dst);
	for (struct cap *ch = dst->first_child; ch; ch = ch->next_sibling)
		ch->parent = dst;
	if (dst->type == OBJ_FRAME)
		frame_moved(src, dst);
	memset(src, 0, sizeof(*src));
	if (dst->type == OBJ_IOPORT)
		ioport_set_holder(dst, dst_task);
}

/* Drops one reference to c's object, destroying it when it was the last. */
static void release_object(struct cap *c)
{
	if (c->type == OBJ_IRQ) {
		irq_unref(c->irq);
		return;
	}
	struct obj_header *h = cap_object_header(c);
	if (!h || --h->refs > 0)
		return;
	switch (c->type) {
	case OBJ_TASK: {
		struct task *t = c->task;
		task_dying(t);
		t->zombie_next = 0;
		if (zombies.tail)
			zombies.tail->zombie_next = t;
		else
			zombies.head = t;
		zombies.tail = t;
		break;
	}
	case OBJ_THREAD:
	case OBJ_VCPU:
		thread_destroy(c->thread);
		break;
	case OBJ_GPA_SPACE:
		gpa_space_destroy(c->gpa_space);
		break;
	case OBJ_ENDPOINT:
		endpoint_destroy(c->endpoint);
		break;
	case OBJ_NOTIFICATION:
		notification_destroy(c->notification);
		break;
	}
}

/*
 * Whether c is ready to be deleted in one step: anything but a mapped
 * frame is; a mapped frame is taken down first, in pieces with `stop`
 * between two (frame_unmap_in_pieces), so that a large one does not hold
 * the kernel lock for its every leaf.  False when stop said so: c is
 * still there, mapped in part, and the caller stops and goes on later.
 */
static bool ready_to_delete(struct cap *c, bool (*stop)(void))
{
	return c->type != OBJ_FRAME || !frame_mapped(c) || frame_unmap_in_pieces(c, stop);
}

/*
 * Deletes c (not empty); returns the work done (unlink_cap's).  A frame
 * still mapped (a deletion by the kernel's own, of a capability it keeps
 * in a thread or a vCPU, which is never mapped) is unmapped in one step.
 */
static unsigned delete_cap(struct cap *c)
{
	if (c->type == OBJ_FRAME && frame_mapped(c))
		frame_unmap(c);
	if (c->flags & CAPF_VCPU_SPACE)
		vcpu_space_deleted(c);
	unsigned moved = unlink_cap(c);
	struct cap gone = *c;
	memset(c, 0, sizeof(*c));
	if (gone.type == OBJ_IOPORT)
		ioport_set_holder(&gone, 0); /* its ports close, now that it is out of the space */
	release_object(&gone);
	return moved;
}

void cap_delete(struct cap *c)
{
	if (c->type != OBJ_NONE)
		delete_cap(c);
}

bool cap_delete_preemptible(struct cap *c)
{
	if (!ready_to_delete(c, sched_preemption_point))
		return false;
	cap_delete(c);
	return true;
}

/*
 * Deletes c's descendants, first child first: unlinking a first child is
 * O(1) and hands its children to c.  A capability moves at most once (from
 * its parent, when that is deleted, up to c; from there it is deleted), so
 * the work is linear in the descendants: one deletion each plus at most one
 * move each.  Nothing but the tree records how far the revoke has got, so
 * it may stop after any deletion, with the tree as a delete syscall would
 * leave it, and a new call goes on from there at no extra cost.
 *
 * Objects destroyed on the way delete their own copies (a thread its UTCB
 * and fault endpoint, a vCPU its bindings): a few leaves each, anywhere in
 * a sibling list, so each costs a walk of that list (relink_in_parent).
 * That is the one part of a revoke not linear in the descendants; each
 * walk is one step, and a preemption point still follows every batch.
 */
bool cap_revoke(struct cap *c)
{
	unsigned work = 0;
	while (c->first_child) {
		if (!ready_to_delete(c->first_child, sched_preemption_point))
			return false;
		work += 1 + delete_cap(c->first_child);
		if (work >= REVOKE_BATCH) {
			work = 0;
			if (sched_preemption_point())
				return false;
		}
	}
	/*
	 * A dying task's memory may be in the range about to be handed out
	 * again, and no capability names it any more: its teardown ends first.
	 */
	if (c->type == OBJ_UNTYPED && !objects_reap())
		return false;
	if (c->type == OBJ_UNTYPED) {
		c->retyped_bytes = 0; /* nothing retyped from it survives: its memory is free again */
		c->zeroed_from = c->zeroed_to = 0; /* and its next retype zeroes afresh */
	}
	return true;
}

/*
 * One step of the first zombie's teardown: empties its next slot; once
 * they are all empty, destroys it and takes it off the list.  Returns the
 * work done.  A task deleted on the way (its last capability was in this
 * space) joins the list's tail: the list is flat, so no teardown nests in
 * another, and no cycle of tasks holding each other's capabilities turns
 * it into a loop.
 */
static unsigned reap_step(void)
{
	struct task *t = zombies.head;
	if (t->reap_slot < CSPACE_SLOTS) {
		struct cap *c = &t->cspace[t->reap_slot++];
		return c->type == OBJ_NONE ? 1 : 1 + delete_cap(c);
	}
	zombies.head = t->zombie_next;
	if (!zombies.head)
		zombies.tail = 0;
	return task_destroy(t);
}

bool objects_reap(void)
{
	unsigned work = 0;
	while (zombies.head) {
		struct task *t = zombies.head;
		if (t->reap_slot < CSPACE_SLOTS &&
		    !ready_to_delete(&t->cspace[t->reap_slot], sched_work_point))
			return false;
		work += reap_step();
		if (work >= REVOKE_BATCH && zombies.head) {
			work = 0;
			if (sched_work_point())
				return false;
		}
	}
	return true;
}
