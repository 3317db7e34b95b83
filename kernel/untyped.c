/*
 * Retype: carving kernel objects out of untyped memory.  An untyped
 * capability hands out its range front to back (retyped_bytes counts the
 * bytes used); revoking it deletes everything made from it and makes the
 * whole range available again.  Untyped capabilities cannot be copied, so
 * one range is never handed out twice.
 *
 * Every new object starts zeroed, and zeroing is nearly all a large
 * retype costs (a 512 MiB guest's memory: 67 million instructions under
 * Bochs).  It is done in pieces of UNTYPED_ZERO_PIECE bytes, each followed
 * by a preemption point (sched_preemption_point: a higher priority, or another
 * CPU waiting for the big kernel lock), and when one says stop the syscall
 * restarts.  How far it got lives in the untyped capability, not in the
 * caller: [zeroed_from, zeroed_to) is memory known zero and not handed out,
 * so the restarted call (or any other retype from the same capability
 * that starts in that run) goes on where it stopped.  Objects are made
 * only once their whole range is zero, so nothing unzeroed is handed out.
 */
#include "cap.h"
#include "gpa_space.h"
#include "memory.h"
#include "task.h"
#include "thread.h"
#include "untyped.h"
#include "vcpu.h"

#define MAX_OBJECT_PAGES (1ULL << 20) /* 4 GiB: keeps every size computation in range */

static uint64_t object_bytes(uint64_t type, uint64_t pages)
{
	switch (type) {
	case OBJ_UNTYPED:
	case OBJ_FRAME:
		return pages * PAGE_SIZE;
	case OBJ_FRAME_2M:
		return pages % FRAME_2M_PAGES ? 0 : pages * PAGE_SIZE;
	case OBJ_FRAME_1G:
		return pages % FRAME_1G_PAGES ? 0 : pages * PAGE_SIZE;
	case OBJ_TASK:
		return (TASK_BASE_PAGES + pages) * PAGE_SIZE;
	case OBJ_THREAD:
		return THREAD_BYTES;
	case OBJ_ENDPOINT:
		return ENDPOINT_BYTES;
	case OBJ_NOTIFICATION:
		return NOTIFICATION_BYTES;
	case OBJ_GPA_SPACE:
		return (GPA_SPACE_BASE_PAGES + pages) * PAGE_SIZE;
	case OBJ_VCPU:
		return VCPU_PAGES * PAGE_SIZE;
	default:
		return 0;
	}
}

/*
 * Where an object of `bytes` and `type` may start in an untyped range at
 * phys_base, its first free byte at offset `used`: the offset, rounded up so
 * that a large frame starts at a physical address aligned to its page size
 * (the bytes skipped stay unused until a revoke), any other page-sized
 * object at a page, and the small ones at 64 bytes.
 */
uint64_t untyped_align(uint64_t type, uint64_t bytes, phys_addr phys_base, uint64_t used)
{
	uint64_t align = type == OBJ_FRAME_1G ? FRAME_1G_PAGES * PAGE_SIZE
		       : type == OBJ_FRAME_2M ? FRAME_2M_PAGES * PAGE_SIZE
		       : bytes >= PAGE_SIZE   ? PAGE_SIZE
					      : 64;
	return ((phys_base + used + align - 1) & ~(align - 1)) - phys_base;
}

/* Zeroes `bytes` (a multiple of 8) at p with one string store: REP STOSQ, one instruction. */
static void zero_piece(void *p, uint64_t bytes)
{
	uint64_t words = bytes / 8;
	asm volatile("rep stosq" : "+D"(p), "+c"(words) : "a"(0ULL) : "memory");
}

/*
 * Makes ut's bytes [start, end) zero, from the zeroed run on: true when
 * they are, false when a preemption point said stop (the run keeps what
 * was done).  A run that does not reach start is of no use here and starts
 * again at start; the bytes between the used part and start stay unused.
 */
static bool zero_range(struct cap *ut, uint64_t start, uint64_t end)
{
	if (start < ut->zeroed_from || start > ut->zeroed_to)
		ut->zeroed_from = ut->zeroed_to = start;
	while (ut->zeroed_to < end) {
		uint64_t n = end - ut->zeroed_to;
		if (n > UNTYPED_ZERO_PIECE)
			n = UNTYPED_ZERO_PIECE;
		zero_piece(phys_to_virt(ut->base + ut->zeroed_to), n);
		ut->zeroed_to += n;
		if (ut->zeroed_to < end && sched_preemption_point())
			return false;
	}
	return true;
}

/* The capability to a new object at phys, whose memory is zero: the object initialized. */
static struct cap make_object(uint64_t type, phys_addr phys, uint64_t pages)
{
	struct cap c = { .type = type, .rights = RIGHTS_ALL };
	switch (type) {
	case OBJ_FRAME_2M:
	case OBJ_FRAME_1G:
		c.type = OBJ_FRAME; /* one kind of capability; the page size is a flag */
		c.flags = type == OBJ_FRAME_1G ? CAPF_FRAME_1G : CAPF_FRAME_2M;
		/* fall through */
	case OBJ_UNTYPED:
	case OBJ_FRAME:
		c.base = phys;
		c.pages = pages;
		break;
	case OBJ_TASK:
		c.task = task_create(phys, TASK_BASE_PAGES + pages);
		break;
	case OBJ_THREAD:
		c.thread = thread_create(phys);
		break;
	case OBJ_VCPU:
		c.thread = vcpu_create(phys);
		break;
	case OBJ_GPA_SPACE:
		c.gpa_space = gpa_space_create(phys, GPA_SPACE_BASE_PAGES + pages);
		break;
	default:
		c.header = phys_to_virt(phys); /* an endpoint or a notification: zeroed is ready */
		break;
	}
	return c;
}

int untyped_retype(struct task *t, struct cap *ut, uint64_t type, uint64_t pages, uint64_t dst,
		   uint64_t count)
{
	if (pages > MAX_OBJECT_PAGES)
		return ERR_INVALID_ARG;
	uint64_t bytes = object_bytes(type, pages);
	if (bytes == 0 || count == 0 || count > CSPACE_SLOTS)
		return ERR_INVALID_ARG;
	if ((type == OBJ_VCPU || type == OBJ_GPA_SPACE) && !vcpu_backend)
		return ERR_UNSUPPORTED;
	if (dst >= CSPACE_SLOTS || count > CSPACE_SLOTS - dst)
		return ERR_INVALID_SLOT;
	for (uint64_t i = 0; i < count; i++)
		if (t->cspace[dst + i].type != OBJ_NONE)
			return ERR_SLOT_OCCUPIED;
	uint64_t start = untyped_align(type, bytes, ut->base, ut->retyped_bytes);
	uint64_t size = (uint64_t)ut->pages * PAGE_SIZE;
	if (start > size || count * bytes > size - start)
		return ERR_NO_MEMORY;
	uint64_t end = start + count * bytes;
	/* A new untyped range is not zeroed: each object made from it will be. */
	if (type != OBJ_UNTYPED && !zero_range(ut, start, end))
		return STATUS_RESTART;

	for (uint64_t i = 0; i < count; i++) {
		struct cap c = make_object(type, ut->base + start + i * bytes, pages);
		cap_insert(ut, &t->cspace[dst + i], &c, t);
	}
	ut->retyped_bytes = end;
	if (ut->zeroed_to < end) /* (an untyped range was handed out) */
		ut->zeroed_to = end;
	ut->zeroed_from = end;
	return OK;
}
