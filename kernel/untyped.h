/* Untyped memory: retyping it into kernel objects. */
#ifndef KERNEL_UNTYPED_H
#define KERNEL_UNTYPED_H

#include "object.h"

/* Bytes a retype zeroes between two preemption points: 32,768 stores, a bounded hold of the kernel lock. */
#define UNTYPED_ZERO_PIECE (256 * 1024)

/*
 * Creates count objects of type in t's slots dst.. from the untyped
 * capability ut: OK, an error, or STATUS_RESTART when it stopped for the
 * scheduler while zeroing (untyped.c): calling it again goes on from there.
 */
int untyped_retype(struct task *t, struct cap *ut, uint64_t type, uint64_t pages, uint64_t dst,
		   uint64_t count);

/* The offset in an untyped range at phys_base, `used` bytes taken, where a new object starts. */
uint64_t untyped_align(uint64_t type, uint64_t bytes, phys_addr phys_base, uint64_t used);

#endif
