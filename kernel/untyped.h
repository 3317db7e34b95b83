/* Untyped memory: retyping it into kernel objects. */
#ifndef KERNEL_UNTYPED_H
#define KERNEL_UNTYPED_H

#include "object.h"

/* Creates count objects of type in t's slots dst.. from the untyped capability ut. */
int untyped_retype(struct task *t, struct cap *ut, uint64_t type, uint64_t pages, uint64_t dst,
		   uint64_t count);

#endif
