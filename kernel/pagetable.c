/*
 * The page-table walk and the quota allocator for table pages.
 *
 * Every table the kernel builds has the x86-64 shape: 512 entries of 8
 * bytes, 9 bits of the address per level, the next table's physical address
 * in bits 12-51.  The formats differ only in how an entry says it is there
 * (PTE_P in the kernel's, the tasks' and SVM's nested tables; any of R/W/X
 * in EPT, which has no present bit) and in what links a table below (user
 * tables need PTE_U, EPT the R/W/X bits); struct pt_format carries both.
 * Bit 7 marks a large page at levels 2 and 3 in all of them, so the walk
 * recognises large pages, and pt_map_leaves makes them, without asking the
 * format.
 *
 * Leaves of 2 MiB and 1 GiB (large frames, kernel/frame.c) never share a
 * range with smaller ones: a large leaf goes only where its entry is empty,
 * and a small one never below a large one.  A range once mapped with
 * smaller pages keeps its tables (they come from a quota and never return),
 * so a large leaf is refused there for the object's life.
 *
 * Tables are reached through the physmap and nothing here touches the
 * processor, so this file builds for the host as well: the unit tests
 * (tests/unit/test_pagetable.c) hand it "physical" addresses that the
 * physmap offset turns back into their own memory.
 */
#include "mem.h"
#include "memory.h"
#include "moat/abi.h"
#include "pagetable.h"

/* The index of va in a table at `level`. */
static unsigned pt_index(uint64_t va, int level)
{
	return (va >> (12 + 9 * (level - 1))) & 511;
}

struct pt_slot pt_walk(phys_addr root, uint64_t va, int level, const struct pt_format *f,
		       const struct pt_alloc *alloc)
{
	uint64_t *table = phys_to_virt(root);
	for (int l = PT_LEVELS; l > level; l--) {
		uint64_t *e = &table[pt_index(va, l)];
		if (!(*e & f->present)) {
			phys_addr page = alloc ? alloc->page(alloc->ctx) : 0;
			if (!page)
				return (struct pt_slot){ 0, l };
			*e = f->table(page);
		} else if (l < PT_LEVELS && (*e & PTE_PS)) {
			return (struct pt_slot){ e, l };
		}
		table = phys_to_virt(*e & PTE_ADDR);
	}
	return (struct pt_slot){ &table[pt_index(va, level)], level };
}

/* Where va's table at `level` ends: the first address past it. */
static uint64_t table_end(uint64_t va, int level)
{
	uint64_t reach = pt_level_bytes(level) * 512;
	return (va | (reach - 1)) + 1;
}

/*
 * One walk per table: the walk finds the first entry, and the leaves that
 * follow it in the same table are written in place.  With a walk per leaf,
 * a frame of 4 KiB pages cost about 190 instructions a page under the
 * kernel lock (docs/smp.md, "The lock's longest hold").
 */
uint64_t pt_map_leaves(phys_addr root, uint64_t va, uint64_t n, int level,
		       const struct pt_format *f, const struct pt_alloc *alloc, uint64_t leaf,
		       int *err)
{
	const uint64_t span = pt_level_bytes(level), large = level > 1 ? PTE_PS : 0;
	uint64_t done = 0;
	while (done < n) {
		uint64_t at = va + done * span;
		struct pt_slot s = pt_walk(root, at, level, f, alloc);
		if (!s.entry) {
			*err = ERR_NO_MEMORY;
			return done;
		}
		if (s.level != level) { /* a large page above covers va */
			*err = ERR_BUSY;
			return done;
		}
		uint64_t here = (table_end(at, level) - at) / span;
		if (here > n - done)
			here = n - done;
		for (uint64_t i = 0; i < here; i++) {
			if (s.entry[i] & f->present) { /* a leaf, or a table smaller mappings made */
				*err = ERR_BUSY;
				return done + i;
			}
			s.entry[i] = (leaf + (done + i) * span) | large;
		}
		done += here;
	}
	*err = OK;
	return done;
}

/* A present entry at `level` is a leaf: always at level 1, with bit 7 above it. */
static bool is_leaf(uint64_t e, int level)
{
	return level == 1 || (e & PTE_PS);
}

bool pt_unmap_leaves(phys_addr root, uint64_t va, uint64_t n, int level,
		     const struct pt_format *f)
{
	const uint64_t span = pt_level_bytes(level);
	bool any = false;
	uint64_t done = 0;
	while (done < n) {
		uint64_t at = va + done * span;
		struct pt_slot s = pt_walk(root, at, level, f, 0);
		/*
		 * No table here (s.level's entry is empty), or a large page
		 * above, not one of these leaves: the walk skips all that
		 * entry covers.
		 */
		uint64_t end = s.entry && s.level == level ? table_end(at, level)
							   : table_end(at, s.level - 1);
		uint64_t here = (end - at) / span;
		if (here > n - done)
			here = n - done;
		if (s.entry && s.level == level) {
			for (uint64_t i = 0; i < here; i++) {
				if ((s.entry[i] & f->present) && is_leaf(s.entry[i], level)) {
					s.entry[i] = 0;
					any = true;
				}
			}
		}
		done += here;
	}
	return any;
}

struct pt_leaf pt_translate(phys_addr root, uint64_t va, const struct pt_format *f)
{
	struct pt_slot s = pt_walk(root, va, 1, f, 0);
	if (!s.entry || !(*s.entry & f->present) || !is_leaf(*s.entry, s.level))
		return (struct pt_leaf){ 0, 0 };
	uint64_t span = pt_level_bytes(s.level);
	/* & ~(span - 1) drops bit 12 too: the PAT bit of a large x86 leaf, never an address bit */
	phys_addr base = *s.entry & PTE_ADDR & ~(span - 1);
	return (struct pt_leaf){ *s.entry, base + (va & (span - 1)) };
}

/*
 * Pages are handed out front to back and never return: a table, once
 * linked, stays for the object's life and is reused by later mappings, so
 * the quota bounds what an object's tables can take from its owner's memory.
 */
phys_addr pt_quota_page(void *quota)
{
	struct pt_quota *q = quota;
	if (q->next >= q->end)
		return 0;
	phys_addr page = q->next;
	q->next += PAGE_SIZE;
	memset(phys_to_virt(page), 0, PAGE_SIZE);
	return page;
}
