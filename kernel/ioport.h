/* I/O ports: capabilities to ranges of ports, and the task bitmaps they open. */
#ifndef KERNEL_IOPORT_H
#define KERNEL_IOPORT_H

#include "object.h"

/* Whether first..last is a non-empty range within the ports the capability names. */
bool ioport_covers(const struct cap *ports, uint64_t first, uint64_t last);
/* How many ports the capability names. */
uint64_t ioport_count(const struct cap *ports);
/*
 * Makes the empty slot dst, in holder's space, a child of ports naming
 * first..last (ioport_covers has checked them), and opens them to holder.
 */
void ioport_derive(struct cap *ports, struct cap *dst, uint16_t first, uint16_t last,
		   struct task *holder);
/* Recomputes t's I/O permission bitmap from the port capabilities it holds. */
void ioport_update_bitmap(struct task *t);

/*
 * The port capability c is now held by t (NULL: by no task, it was
 * deleted): the bitmaps of its old holder and of t are recomputed.  Inline
 * so that cap.c's deletion, which passes its local copy of the deleted
 * capability, need not keep that copy in memory on every revoke step.
 */
static inline void ioport_set_holder(struct cap *c, struct task *t)
{
	struct task *old = c->holder;
	c->holder = t;
	if (old)
		ioport_update_bitmap(old);
	if (t)
		ioport_update_bitmap(t);
}

#endif
