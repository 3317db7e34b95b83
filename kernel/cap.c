/*
 * Capabilities: lookup, the derivation tree, copy, move, delete, revoke.
 *
 * Each capability knows its parent, its first child and its next sibling.
 * Deleting one hands its children to its parent, so revoking an ancestor
 * still finds them.  Revoke deletes the revoked capability's first child
 * over and over (cap_revoke says why that is linear) and is preemptible:
 * it stops between two deletions when the scheduler must run another
 * thread, and the syscall restarts.
 * A task whose last capability goes is not torn down at once (its own
 * capability space may hold the capabilities being deleted): it waits on
 * the zombie list until objects_reap() runs at the end of the syscall.
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

/* Deletions (and children moved) between two of cap_revoke's preemption points. */
#define REVOKE_BATCH 64

static struct task *zombies;

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
 * cap_revoke for where such walks add up.
 */
static void relink_in_parent(struct cap *old, struct cap *new)
{
	if (!old->parent)
		return;
	struct cap **pp = &old->parent->first_child;
	while (*pp != old)
		pp = &(*pp)->next_sibling;
	*pp = new;
}

/*
 * Takes c out of the tree; its children move up to c's parent, one by one
 * (each names its parent).  Returns how many moved: the work is linear in
 * them, and cap_revoke counts it.
 */
static unsigned unlink_cap(struct cap *c)
{
	unsigned moved = 0;
	relink_in_parent(c, c->next_sibling);
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
		t->dying = true;
		t->zombie_next = zombies;
		zombies = t;
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

/* Deletes c (not empty); returns how many children moved up to its parent. */
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
		work += 1 + delete_cap(c->first_child);
		if (work >= REVOKE_BATCH) {
			work = 0;
			if (sched_preemption_point())
				return false;
		}
	}
	if (c->type == OBJ_UNTYPED)
		c->retyped_bytes = 0; /* nothing retyped from it survives: its memory is free again */
	return true;
}

void objects_reap(void)
{
	while (zombies) {
		struct task *t = zombies;
		zombies = t->zombie_next;
		task_destroy(t);
	}
}
