/*
 * The root's capability slots (the lowest free one first; slots_reclaim
 * frees those that became empty) and new objects, retyped either from
 * whichever of its untyped regions has room or from a given untyped.
 */
#include "mem.h"
#include "moat/syscall.h"
#include "root.h"

#define SLOT_WORD_BITS 64

static uint64_t first_slot;                                /* below it: the kernel's */
static uint64_t taken[CSPACE_SLOTS / SLOT_WORD_BITS];      /* bit per slot handed out */

/* Whether slot is handed out. */
static int slot_is_taken(uint64_t slot)
{
	return (taken[slot / SLOT_WORD_BITS] >> (slot % SLOT_WORD_BITS)) & 1;
}

/* Marks slot as handed out (on) or free. */
static void slot_mark(uint64_t slot, int on)
{
	uint64_t bit = 1ULL << (slot % SLOT_WORD_BITS);

	if (on)
		taken[slot / SLOT_WORD_BITS] |= bit;
	else
		taken[slot / SLOT_WORD_BITS] &= ~bit;
}

void slots_init(uint64_t first_free)
{
	first_slot = first_free;
}

/* A free slot of the root, or SLOT_NONE when all are used (operations then fail). */
uint64_t slot_take(void)
{
	for (uint64_t slot = first_slot; slot < CSPACE_SLOTS; slot++) {
		if (!slot_is_taken(slot)) {
			slot_mark(slot, 1);
			return slot;
		}
	}
	return SLOT_NONE;
}

void slots_reclaim(void)
{
	for (uint64_t slot = first_slot; slot < CSPACE_SLOTS; slot++)
		if (slot_is_taken(slot) && sys_cap_info(slot, NULL) == ERR_EMPTY_SLOT)
			slot_mark(slot, 0);
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

uint64_t retype_from(uint64_t untyped, uint64_t type, uint64_t pages, uint64_t *slot)
{
	*slot = slot_take();
	return sys_retype(untyped, type, pages, *slot, 1);
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

uint64_t frame_create(uint64_t untyped, uint64_t pages, const void *data, uint64_t offset,
		      uint64_t len, uint64_t *slot)
{
	uint64_t st = retype_from(untyped, OBJ_FRAME, pages, slot);

	if (st == OK && data)
		st = frame_write(*slot, pages, data, offset, len);
	return st;
}
