/* Frames: mapping frame capabilities into tasks and guest-physical spaces. */
#ifndef KERNEL_FRAME_H
#define KERNEL_FRAME_H

#include "object.h"

/* The level of a frame's leaves: 1 (4 KiB pages), 2 (2 MiB) or 3 (1 GiB). */
static inline int frame_level(const struct cap *frame)
{
	return frame->flags & CAPF_FRAME_1G ? 3 : frame->flags & CAPF_FRAME_2M ? 2 : 1;
}

/* The type a frame capability reports (SYS_CAP_INFO): OBJ_FRAME, OBJ_FRAME_2M or OBJ_FRAME_1G. */
static inline unsigned frame_object_type(const struct cap *frame)
{
	static const unsigned types[] = { 0, OBJ_FRAME, OBJ_FRAME_2M, OBJ_FRAME_1G };
	return types[frame_level(frame)];
}

/*
 * Checks a mapping of a frame capability at addr (a user_addr or a
 * guest_phys), below limit, with rights, where leaves up to max_level fit:
 * aligned to the frame's page size and in range, its page size one the
 * tables take (ERR_UNSUPPORTED), not mapped already, rights held and
 * readable.
 */
int frame_map_check(const struct cap *frame, uint64_t addr, uint64_t limit, unsigned rights,
		    int max_level);
/*
 * A frame's leaves are mapped and unmapped this many at a time, with a
 * preemption point between two pieces: one table's worth of 4 KiB pages.
 */
#define MAP_PIECE 512

/*
 * Maps every page of the frame at va in t with rights (R/W/X); checks
 * everything.  STATUS_RESTART when it stopped between two pieces: the same
 * call again goes on.  An error after the first piece leaves the frame
 * mapped in part (frame.c, map_frame).
 */
int frame_map_task(struct cap *frame, struct task *t, user_addr va, unsigned rights);
/* Maps every page of the frame at gpa in g with rights (R/W/X), as frame_map_task. */
int frame_map_guest(struct cap *frame, struct gpa_space *g, guest_phys gpa, unsigned rights);
/* Removes a mapped frame's mapping, from its task or its guest, in one step. */
void frame_unmap(struct cap *frame);
/*
 * Removes it in pieces from the end, asking `stop` (a preemption point)
 * between two: true once it is mapped nowhere; false when stop said so,
 * the frame mapped in part (CAPF_UNMAPPING: nothing maps it meanwhile),
 * and the same call again goes on.  SYS_UNMAP, and a deletion before it
 * deletes a mapped frame (kernel/cap.c).
 */
bool frame_unmap_in_pieces(struct cap *frame, bool (*stop)(void));

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
