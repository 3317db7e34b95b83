/*
 * Frames: a frame capability names pages of physical memory (base, pages)
 * and may be mapped in one place at a time, either a task's address space
 * (SYS_MAP) or, with CAPF_GUEST, a guest-physical space (SYS_GPA_MAP).
 * The capability records where (mapped_in, and mapped_va or mapped_gpa),
 * and sits on that place's list of mappings (map_next), so that deleting
 * the capability unmaps it and tearing the place down finds every frame
 * mapped there.  The page tables themselves are task.c's and
 * gpa_space.c's: this file maps through them in leaves of the frame's page
 * size (4 KiB, or 2 MiB and 1 GiB for the large frames that retype makes
 * aligned to their size: kernel/untyped.c), MAP_PIECE at a time with a
 * preemption point between two pieces, so that a large frame holds the
 * kernel lock for one piece at a time (map_frame).
 */
#include "frame.h"
#include "gpa_space.h"
#include "mem.h"
#include "memory.h"
#include "task.h"
#include "thread.h"

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

/*
 * Where the frame is mapped or being mapped: `in` a gpa_space if guest,
 * else a task, from addr.  Every operation below goes through one.
 */
struct place {
	void *in;
	bool guest;
	uint64_t addr;
};

static struct place mapped_place(const struct cap *frame)
{
	bool guest = frame->flags & CAPF_GUEST;
	return (struct place){ frame->mapped_in, guest, guest ? frame->mapped_gpa : frame->mapped_va };
}

/* The address of the frame's leaf i at p. */
static uint64_t leaf_addr(const struct cap *frame, struct place p, uint64_t i)
{
	return p.addr + i * pt_level_bytes(frame_level(frame));
}

/* Maps n of the frame's leaves from leaf i at p; returns how many, fewer where *err stopped it. */
static uint64_t map_leaves(const struct cap *frame, struct place p, uint64_t i, uint64_t n,
			   unsigned rights, int *err)
{
	int level = frame_level(frame);
	uint64_t at = leaf_addr(frame, p, i);
	phys_addr phys = frame->base + i * pt_level_bytes(level);
	return p.guest ? gpa_map_leaves(p.in, at, n, phys, rights, level, err)
		       : task_map_leaves(p.in, at, n, phys, rights, level, err);
}

/* Unmaps the frame's leaves [i, i + n) at p, and flushes them from every TLB. */
static void unmap_leaves(const struct cap *frame, struct place p, uint64_t i, uint64_t n)
{
	if (n == 0)
		return;
	if (p.guest)
		gpa_unmap_leaves(p.in, leaf_addr(frame, p, i), n, frame_level(frame));
	else
		task_unmap_leaves(p.in, leaf_addr(frame, p, i), n, frame_level(frame));
}

/* Whether the frame's own leaf i is mapped at p (this frame's page, at its place). */
static bool leaf_is_in(const struct cap *frame, struct place p, uint64_t i)
{
	uint64_t at = leaf_addr(frame, p, i);
	phys_addr phys = p.guest ? gpa_to_phys(p.in, at) : task_to_phys(p.in, at);
	return phys == frame->base + i * pt_level_bytes(frame_level(frame));
}

/*
 * How many of a mapped frame's leaves are in: all of them, unless the
 * mapping is made or taken down in pieces (CAPF_MAP_PARTIAL).  Then the
 * leaves in are a front part [0, k), k >= 1: the tables hold the progress,
 * and a binary search over them finds k.  Behind k there may be nothing or
 * another frame's leaves, never this frame's own page at its own place
 * (only copies of this capability name its pages, and its leaf 0, which
 * is in, keeps any from taking this place).
 */
static uint64_t leaves_in(const struct cap *frame)
{
	uint64_t lo = 1, hi = frame_leaves(frame);
	if (!(frame->flags & CAPF_MAP_PARTIAL))
		return hi;
	struct place p = mapped_place(frame);
	while (lo < hi) { /* leaves [0, lo) are in; [hi, n) are not */
		uint64_t mid = lo + (hi - lo) / 2;
		if (leaf_is_in(frame, p, mid))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Records that the frame is mapped at p with rights, in pieces until its last one is in. */
static void record_mapping(struct cap *frame, struct place p, unsigned rights)
{
	frame->mapped_in = p.in;
	if (p.guest) {
		frame->flags |= CAPF_GUEST;
		frame->mapped_gpa = p.addr;
	} else {
		frame->mapped_va = p.addr;
	}
	frame->flags |= CAPF_MAP_PARTIAL | CAPF_MAP_RIGHTS(rights);
	struct cap **list = mapping_list(frame);
	frame->map_next = *list;
	*list = frame;
}

/* Whether a SYS_MAP or SYS_GPA_MAP of the frame at p with rights goes on with its mapping in pieces. */
static bool goes_on(const struct cap *frame, struct place p, unsigned rights)
{
	struct place m = mapped_place(frame);
	return (frame->flags & (CAPF_MAP_PARTIAL | CAPF_UNMAPPING)) == CAPF_MAP_PARTIAL &&
	       m.in == p.in && m.guest == p.guest && m.addr == p.addr &&
	       (frame->flags & CAPF_MAP_RIGHTS(7)) == CAPF_MAP_RIGHTS(rights);
}

/* The frame is mapped nowhere now: off its place's list, its record cleared. */
static void drop_mapping(struct cap *frame)
{
	*mapping_link(frame) = frame->map_next;
	frame_forget(frame);
}

/*
 * Maps the frame at p, MAP_PIECE leaves at a time with a preemption point
 * between two pieces (docs/smp.md, "The lock's longest hold").  When the
 * point says stop, STATUS_RESTART: the caller makes the same call again,
 * which finds the mapping under way (goes_on) and the leaves in
 * (leaves_in), and goes on.  A piece that fails (ERR_BUSY, ERR_NO_MEMORY)
 * takes back its own leaves; if none of the frame's stay, the frame is not
 * mapped, as before the call; if earlier pieces' do, it stays mapped in
 * part, which the same call again goes on with and SYS_UNMAP takes back.
 */
static int map_frame(struct cap *frame, struct place p, unsigned rights)
{
	uint64_t k = 0, n = frame_leaves(frame);
	if (goes_on(frame, p, rights)) {
		k = leaves_in(frame);
	} else {
		int st = p.guest ? frame_map_check(frame, p.addr, GPA_LIMIT, rights, gpa_max_level)
				 : frame_map_check(frame, p.addr, USER_TOP, rights,
						   paging_max_level());
		if (st != OK)
			return st;
		record_mapping(frame, p, rights);
	}
	while (k < n) {
		uint64_t piece = MAP_PIECE - k % MAP_PIECE;
		if (piece > n - k)
			piece = n - k;
		int err;
		uint64_t mapped = map_leaves(frame, p, k, piece, rights, &err);
		if (mapped < piece) {
			unmap_leaves(frame, p, k, mapped);
			if (k == 0)
				drop_mapping(frame);
			return err;
		}
		k += piece;
		if (k < n && sched_preemption_point())
			return STATUS_RESTART;
	}
	frame->flags &= ~CAPF_MAP_PARTIAL;
	return OK;
}

int frame_map_task(struct cap *frame, struct task *t, user_addr va, unsigned rights)
{
	return map_frame(frame, (struct place){ t, false, va }, rights);
}

int frame_map_guest(struct cap *frame, struct gpa_space *g, guest_phys gpa, unsigned rights)
{
	return map_frame(frame, (struct place){ g, true, gpa }, rights);
}

void frame_unmap(struct cap *frame)
{
	unmap_leaves(frame, mapped_place(frame), 0, leaves_in(frame));
	drop_mapping(frame);
}

bool frame_unmap_in_pieces(struct cap *frame, bool (*stop)(void))
{
	uint64_t k = leaves_in(frame);
	frame->flags |= CAPF_MAP_PARTIAL | CAPF_UNMAPPING;
	struct place p = mapped_place(frame);
	while (k > 0) {
		uint64_t piece = k % MAP_PIECE ? k % MAP_PIECE : MAP_PIECE;
		unmap_leaves(frame, p, k - piece, piece);
		k -= piece;
		if (k > 0 && stop())
			return false;
	}
	drop_mapping(frame);
	return true;
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
	frame->flags &= ~(CAPF_GUEST | CAPF_MAP_PARTIAL | CAPF_UNMAPPING | CAPF_MAP_RIGHTS(7));
}

void frame_forget_mappings(struct cap **list)
{
	for (struct cap *f = *list, *next; f; f = next) {
		next = f->map_next;
		frame_forget(f);
	}
	*list = 0;
}
