/* Capability spaces and the derivation tree. */
#ifndef KERNEL_CAP_H
#define KERNEL_CAP_H

#include "object.h"

/*
 * Finds the capability in `slot` of t's space and checks its type (OBJ_NONE:
 * any type, but not empty) and rights.  Returns OK and sets *out, or the
 * error that names what is wrong.
 */
int cap_lookup(struct task *t, uint64_t slot, unsigned type, unsigned rights, struct cap **out);
/* An empty slot of t, or an error: ERR_INVALID_SLOT or ERR_SLOT_OCCUPIED. */
int cap_empty_slot(struct task *t, uint64_t slot, struct cap **out);

/* Makes dst (empty) a copy of src derived from it: rights masked, badge set if non-zero. */
void cap_derive(struct cap *src, struct cap *dst, unsigned rights, uint64_t badge, struct task *dst_task);
/* Places a new capability to a fresh object in dst, a child of parent (may be NULL). */
void cap_insert(struct cap *parent, struct cap *dst, const struct cap *value, struct task *dst_task);
/* Moves src to the empty slot dst, keeping its place in the derivation tree. */
void cap_move(struct cap *src, struct cap *dst, struct task *dst_task);
/* Empties the slot, releasing the object when this was its last capability. */
void cap_delete(struct cap *c);
/*
 * SYS_CAP_DELETE's cap_delete: a mapped frame is first unmapped in pieces,
 * with a preemption point between two.  False when it stopped there: the
 * frame still in its slot, mapped in part, and calling it again goes on.
 */
bool cap_delete_preemptible(struct cap *c);
/*
 * Deletes every capability derived from c, in every task; true when done.
 * False when it stopped early for the scheduler (sched_preemption_point):
 * the deletions made so far stand, and calling it again goes on from there.
 */
bool cap_revoke(struct cap *c);
/* May capabilities of this kind be copied (untyped memory may not: one owner). */
bool cap_copyable(const struct cap *c);

/* The reference counts of the object c names, or NULL for uncounted objects. */
struct obj_header *cap_object_header(const struct cap *c);

/*
 * Tears down the tasks whose last capability went (each dying already:
 * unusable), in batches: true when none is left; false when it stopped
 * for the scheduler (sched_preemption_point), the rest left for the next
 * call.  Called before leaving the kernel, by SYS_CAP_DELETE and
 * SYS_CAP_REVOKE first, and by a revoke of untyped memory before its range
 * is free again.
 */
bool objects_reap(void);

#endif
