/*
 * The root's capability slots (handed out in order, never reused) and new
 * objects retyped from whichever of its untyped regions has room.
 */
#include "mem.h"
#include "moat/syscall.h"
#include "root.h"

static uint64_t next_slot;

void slots_init(uint64_t first_free)
{
	next_slot = first_free;
}

/* A free slot of the root, or SLOT_NONE when all are used (operations then fail). */
uint64_t slot_take(void)
{
	return next_slot < CSPACE_SLOTS ? next_slot++ : SLOT_NONE;
}

uint64_t retype(uint64_t type, uint64_t pages, uint64_t *slot)
{
	const struct bootinfo *bi = boot_info();
	uint64_t st = ERR_NO_MEMORY;

	*slot = slot_take();
	for (uint64_t i = 0; i < bi->untyped_count && st == ERR_NO_MEMORY; i++)
		st = sys_retype(bi->untyped_first + i, type, pages, *slot, 1);
	return st;
}

uint64_t copy_to_self(uint64_t src, uint64_t rights, uint64_t badge, uint64_t *slot)
{
	*slot = slot_take();
	return sys_cap_copy(src, TASK_SELF, *slot, rights, badge);
}

/* Writes len bytes of data at offset into the frame and zeroes the rest. */
static uint64_t frame_write(uint64_t frame, uint64_t pages, const void *data, uint64_t offset,
			    uint64_t len)
{
	uint8_t *window = (uint8_t *)ROOT_SCRATCH_VADDR;
	uint64_t st = sys_map(frame, TASK_SELF, ROOT_SCRATCH_VADDR, RIGHT_R | RIGHT_W);

	if (st != OK)
		return st;
	memset(window, 0, offset);
	memcpy(window + offset, data, len);
	memset(window + offset + len, 0, pages * PAGE_BYTES - offset - len);
	return sys_unmap(frame);
}

uint64_t frame_create(uint64_t pages, const void *data, uint64_t offset, uint64_t len,
		      uint64_t *slot)
{
	uint64_t st = retype(OBJ_FRAME, pages, slot);

	if (st == OK && data)
		st = frame_write(*slot, pages, data, offset, len);
	return st;
}
