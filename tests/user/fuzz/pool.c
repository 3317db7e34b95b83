/*
 * The typed pool: the fuzzer remembers which kind of object each slot of
 * its range holds, so that random calls get, mostly, an argument of the
 * kind they take.  The record is refreshed from SYS_CAP_INFO after the
 * calls that change many slots at once (revoke, a round's fresh objects);
 * in between a slot may be stale, which only makes a call fail.
 */
#include "fuzz.h"

volatile uint8_t pool_type[POOL_SLOTS];

static const uint64_t invalid_slots[] = {
	CSPACE_SLOTS, CSPACE_SLOTS + 1, 0x10000, 1ULL << 32, 1ULL << 63, ~0ULL,
};

uint64_t pool_slot(unsigned i)
{
	return POOL_FIRST + i;
}

/* Reads slot's type back from the kernel (a pool slot only). */
void pool_refresh_slot(uint64_t slot)
{
	struct cap_info info;

	if (slot < POOL_FIRST || slot >= POOL_FIRST + POOL_SLOTS)
		return;
	uint8_t type = sys_cap_info(slot, &info) == OK ? info.type : OBJ_NONE;
	/* a frame of large pages is a frame: it goes wherever calls want one */
	pool_type[slot - POOL_FIRST] = type == OBJ_FRAME_2M || type == OBJ_FRAME_1G ? OBJ_FRAME : type;
}

void pool_refresh(void)
{
	for (unsigned i = 0; i < POOL_SLOTS; i++)
		pool_refresh_slot(pool_slot(i));
}

/* A random slot of the pool whose record satisfies `want` (type, or OBJ_NONE for empty). */
static uint64_t pick_where(struct rng *r, unsigned want)
{
	unsigned start = below(r, POOL_SLOTS);

	for (unsigned k = 0; k < POOL_SLOTS; k++) {
		unsigned i = (start + k) % POOL_SLOTS;
		if (pool_type[i] == want)
			return pool_slot(i);
	}
	return pool_slot(start);
}

uint64_t pool_pick(struct rng *r, unsigned type)
{
	return pick_where(r, type);
}

uint64_t pool_empty(struct rng *r)
{
	return pick_where(r, OBJ_NONE);
}

uint64_t pool_any(struct rng *r)
{
	if (below(r, 8) == 0)
		return invalid_slots[below(r, ARRAY_LEN(invalid_slots))];
	return pool_slot(below(r, POOL_SLOTS));
}
