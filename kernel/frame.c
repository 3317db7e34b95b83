/*
 * Frames: a frame capability names pages of physical memory (base, pages)
 * and may be mapped in one place at a time, either a task's address space
 * (SYS_MAP) or, with CAPF_GUEST, a guest-physical space (SYS_GPA_MAP).
 * The capability records where (mapped_in, and mapped_va or mapped_gpa),
 * and sits on that place's list of mappings (map_next), so that deleting
 * the capability unmaps it and tearing the place down finds every frame
 * mapped there.  The page tables themselves are task.c's and
 * gpa_space.c's: this file maps leaf by leaf through them, each leaf of the
 * frame's page size (4 KiB, or 2 MiB and 1 GiB for the large frames that
 * retype makes aligned to their size: kernel/untyped.c).
 */
#include "frame.h"
#include "gpa_space.h"
#include "mem.h"
#include "memory.h"
#include "task.h"

/* The list of the frames mapped where frame is: its task's or its guest space's. */
static struct cap **mapping_list(const struct cap *frame)
{
	return frame->flags & CAPF_GUEST ? &frame->mapped_space->mappings
					 : &frame->mapped_task->mappings;
}

/* The link that points at a mapped frame capability in its mapping list. */
static struct cap **mapping_link(const struct cap *frame)
{
	struct cap **pp = mapping_list(frame);
	while (*pp != frame)
		pp = &(*pp)->map_next;
	return pp;
}

int frame_map_check(const struct cap *frame, uint64_t addr, uint64_t limit, unsigned rights,
		    int max_level)
{
	uint64_t bytes = (uint64_t)frame->pages * PAGE_BYTES;
	if (addr % pt_level_bytes(frame_level(frame)) || addr >= limit || bytes > limit - addr)
		return ERR_BAD_ADDRESS;
	if (frame_level(frame) > max_level)
		return ERR_UNSUPPORTED;
	if (frame_mapped(frame))
		return ERR_BUSY;
	if ((frame->rights & rights) != rights)
		return ERR_NO_RIGHTS;
	if (!(rights & RIGHT_R))
		return ERR_INVALID_ARG; /* neither x86 pages nor EPT can be write-only */
	return OK;
}

/* How many leaves the frame is mapped with: its pages in its page size. */
static uint64_t frame_leaves(const struct cap *frame)
{
	return frame->pages / (pt_level_bytes(frame_level(frame)) / PAGE_SIZE);
}

/* Unmaps the first n leaves of the frame from addr in `in`: a gpa_space if guest, else a task. */
static void unmap_leaves(const struct cap *frame, void *in, bool guest, uint64_t addr, uint64_t n)
{
	if (guest)
		gpa_unmap_leaves(in, addr, n, frame_level(frame));
	else
		task_unmap_leaves(in, addr, n, frame_level(frame));
}

/* Maps the frame's leaves at addr in `in`; on a failure, takes back those it mapped. */
static int map_leaves(const struct cap *frame, void *in, bool guest, uint64_t addr,
		      unsigned rights)
{
	int level = frame_level(frame);
	uint64_t span = pt_level_bytes(level);
	for (uint64_t i = 0; i < frame_leaves(frame); i++) {
		uint64_t at = addr + i * span;
		phys_addr phys = frame->base + i * span;
		int st = guest ? gpa_map_leaf(in, at, phys, rights, level)
			       : task_map_leaf(in, at, phys, rights, level);
		if (st != OK) {
			unmap_leaves(frame, in, guest, addr, i);
			return st;
		}
	}
	return OK;
}

/* Maps the frame at addr in `in` (a gpa_space if guest, else a task) and records where. */
static int map_frame(struct cap *frame, void *in, bool guest, uint64_t addr, unsigned rights)
{
	int st = guest ? frame_map_check(frame, addr, GPA_LIMIT, rights, gpa_max_level)
		       : frame_map_check(frame, addr, USER_TOP, rights, paging_max_level());
	if (st == OK)
		st = map_leaves(frame, in, guest, addr, rights);
	if (st != OK)
		return st;
	frame->mapped_in = in;
	if (guest) {
		frame->flags |= CAPF_GUEST;
		frame->mapped_gpa = addr;
	} else {
		frame->mapped_va = addr;
	}
	struct cap **list = mapping_list(frame);
	frame->map_next = *list;
	*list = frame;
	return OK;
}

int frame_map_task(struct cap *frame, struct task *t, user_addr va, unsigned rights)
{
	return map_frame(frame, t, false, va, rights);
}

int frame_map_guest(struct cap *frame, struct gpa_space *g, guest_phys gpa, unsigned rights)
{
	return map_frame(frame, g, true, gpa, rights);
}

void frame_unmap(struct cap *frame)
{
	bool guest = frame->flags & CAPF_GUEST;
	unmap_leaves(frame, frame->mapped_in, guest, guest ? frame->mapped_gpa : frame->mapped_va,
		     frame_leaves(frame));
	*mapping_link(frame) = frame->map_next;
	frame_forget(frame);
}

void frame_moved(struct cap *from, struct cap *to)
{
	if (frame_mapped(to))
		*mapping_link(from) = to;
}

void frame_forget(struct cap *frame)
{
	frame->mapped_in = 0;
	frame->map_next = 0;
	frame->mapped_va = 0; /* and mapped_gpa: the same word */
	frame->flags &= ~CAPF_GUEST;
}

void frame_forget_mappings(struct cap **list)
{
	for (struct cap *f = *list, *next; f; f = next) {
		next = f->map_next;
		frame_forget(f);
	}
	*list = 0;
}
