/*
 * Retype: carving kernel objects out of untyped memory.  An untyped
 * capability hands out its range front to back (retyped_bytes counts the
 * bytes used); revoking it deletes everything made from it and makes the
 * whole range available again.  Untyped capabilities cannot be copied, so
 * one range is never handed out twice.
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

/*
 * Zeroes a new object's bytes (a multiple of 64) with one string store:
 * zeroing a large frame is nearly all of what building a large guest costs,
 * and REP STOSQ is one instruction where a loop takes four per 8 bytes.
 */
static void zero_object(void *p, uint64_t bytes)
{
	uint64_t words = bytes / 8;
	asm volatile("rep stosq" : "+D"(p), "+c"(words) : "a"(0ULL) : "memory");
}

/* The capability to a new object of `bytes` at phys, its memory initialized. */
static struct cap make_object(uint64_t type, phys_addr phys, uint64_t pages, uint64_t bytes)
{
	struct cap c = { .type = type, .rights = RIGHTS_ALL };
	if (type != OBJ_UNTYPED)
		zero_object(phys_to_virt(phys), bytes);
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

	for (uint64_t i = 0; i < count; i++) {
		struct cap c = make_object(type, ut->base + start + i * bytes, pages, bytes);
		cap_insert(ut, &t->cspace[dst + i], &c, t);
	}
	ut->retyped_bytes = start + count * bytes;
	return OK;
}
