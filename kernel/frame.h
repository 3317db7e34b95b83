/* Frames: mapping frame capabilities into tasks and guest-physical spaces. */
#ifndef KERNEL_FRAME_H
#define KERNEL_FRAME_H

#include "object.h"

/*
 * Checks a mapping of a frame capability at addr (a user_addr or a
 * guest_phys), below limit, with rights: page-aligned and in range, not
 * mapped already, rights held and readable.
 */
int frame_map_check(const struct cap *frame, uint64_t addr, uint64_t limit, unsigned rights);
/* Maps every page of the frame at va in t with rights (R/W/X); checks everything. */
int frame_map_task(struct cap *frame, struct task *t, user_addr va, unsigned rights);
/* Maps every page of the frame at gpa in g with rights (R/W/X); checks everything. */
int frame_map_guest(struct cap *frame, struct gpa_space *g, guest_phys gpa, unsigned rights);
/* Removes a mapped frame's mapping, from its task or its guest. */
void frame_unmap(struct cap *frame);

static inline bool frame_mapped(const struct cap *frame)
{
	return frame->mapped_in != 0;
}

/* The frame capability at from moved to to (already a copy): its mapping list follows. */
void frame_moved(struct cap *from, struct cap *to);
/* Forgets where the frame is mapped, leaving the page tables as they are. */
void frame_forget(struct cap *frame);
/* Every frame on a task's mapping list forgets its mapping: the task's tables are going. */
void frame_forget_mappings(struct cap **list);

#endif
