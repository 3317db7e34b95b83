/*
 * Four-level page tables in the x86-64 shape, whatever their entry format:
 * the kernel's, each task's, and guest-physical spaces (EPT or NPT).  One
 * walk and one quota allocator serve all of them.
 */
#ifndef KERNEL_PAGETABLE_H
#define KERNEL_PAGETABLE_H

#include <stdbool.h>
#include <stdint.h>

#include "addr.h"

#define PT_LEVELS 4

/*
 * What the walk needs to know of an entry format.  Everything else (leaf
 * rights, memory types) is the caller's business.
 */
struct pt_format {
	uint64_t present;                 /* an entry is there when any of these bits is set */
	uint64_t (*table)(phys_addr phys); /* the entry linking a new lower table at phys */
};

/* Where new tables come from: page(ctx) is a zeroed page, or 0 when there is none. */
struct pt_alloc {
	phys_addr (*page)(void *ctx);
	void *ctx;
};

/* The bytes a leaf at `level` maps: 4 KiB at level 1, 2 MiB at 2, 1 GiB at 3. */
static inline uint64_t pt_level_bytes(int level)
{
	return 1ULL << (12 + 9 * (level - 1));
}

/* An entry found by pt_walk, and its level (1: 4 KiB page, 2: 2 MiB, 3: 1 GiB). */
struct pt_slot {
	uint64_t *entry; /* NULL: a table on the way is missing */
	int level;       /* of entry; or of the missing table's entry when entry is NULL */
};

/*
 * The entry for address va at `level` in the 4-level table at physical
 * root.  A missing table on the way is made from alloc (NULL: none is made,
 * the walk only looks).  A large page above `level` ends the walk: its entry
 * is returned, with its own level.
 */
struct pt_slot pt_walk(phys_addr root, uint64_t va, int level, const struct pt_format *f,
		       const struct pt_alloc *alloc);

/*
 * Writes n leaves of `level` (1-3; bit 7, the large-page bit of every
 * format, is added above level 1) from va: the i-th is `leaf` + i times the
 * level's bytes (the next pages of a frame).  Missing tables come from
 * alloc, and each table is walked to once.  Nothing is ever split or
 * overwritten: ERR_BUSY when an entry is taken (a leaf, or a table that
 * smaller mappings made) or a large page above covers it; ERR_NO_MEMORY
 * when a table is missing and alloc has none.  Returns how many it wrote:
 * n with *err OK, or fewer, stopped by *err at the leaf after them; those
 * it wrote stay.  va must be aligned to the level (the caller checks).
 */
uint64_t pt_map_leaves(phys_addr root, uint64_t va, uint64_t n, int level,
		       const struct pt_format *f, const struct pt_alloc *alloc, uint64_t leaf,
		       int *err);

/*
 * Clears the leaves of exactly `level` that map the n slots of that level
 * from va, one walk per table; a missing table is skipped whole, and a
 * table or a large page where a leaf of `level` would be is left alone.
 * True if any leaf was there.
 */
bool pt_unmap_leaves(phys_addr root, uint64_t va, uint64_t n, int level,
		     const struct pt_format *f);

/* What pt_translate finds: the leaf entry, and the physical address of the byte. */
struct pt_leaf {
	uint64_t entry;
	phys_addr phys;
};

/* The leaf that maps va, at whatever level, and va's physical address through it (0s if none). */
struct pt_leaf pt_translate(phys_addr root, uint64_t va, const struct pt_format *f);

/* Physical pages [next, end) of an object's own memory, kept for its page tables. */
struct pt_quota {
	phys_addr next, end;
};

/* A zeroed page from the struct pt_quota at quota, or 0 once it is used up (a pt_alloc.page). */
phys_addr pt_quota_page(void *quota);

/* The allocator that draws on q. */
static inline struct pt_alloc pt_quota_alloc(struct pt_quota *q)
{
	return (struct pt_alloc){ pt_quota_page, q };
}

#endif
