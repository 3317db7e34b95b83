/*
 * The guest page-table walker of gwalk.h.  A walk reads one entry per
 * level from the top table (CR3) down to a leaf, stopping at the first
 * entry not present or with a reserved bit set; it gathers the rights of
 * every level (R/W and U/S must allow at each, XD at any forbids), checks
 * them against the access, and only then sets the accessed and dirty
 * bits.  Should an entry change between its read and that update, the
 * walk starts again, as a processor's would see the new entry.
 */
#include "gwalk.h"
#include "x86regs.h"

#define PTE_P  (1ULL << 0)
#define PTE_RW (1ULL << 1)
#define PTE_US (1ULL << 2)
#define PTE_A  (1ULL << 5)
#define PTE_D  (1ULL << 6)
#define PTE_PS (1ULL << 7)
#define PTE_XD (1ULL << 63)

#define MAX_LEVELS 5
#define MAX_TRIES  4   /* walks an update may lose to another vCPU before GWALK_BUSY */

/* Bits lo to hi, inclusive. */
static uint64_t bits(unsigned lo, unsigned hi)
{
	return (~0ULL >> (63 - hi)) & ~((1ULL << lo) - 1);
}

/* How a paging mode lays out its tables. */
struct paging_format {
	unsigned top;          /* the top table's level: 2 (32-bit), 3 (PAE), 4 or 5 */
	unsigned entry_bytes;  /* 4 or 8 */
	unsigned index_bits;   /* of the linear address per level: 10 or 9 */
	uint64_t next_mask;    /* the bits of an entry that name the next table or page */
	uint64_t reserved;     /* the bits reserved in every entry of 8 bytes */
	bool nx;               /* XD bits count (EFER.NXE, 8-byte entries) */
};

/* One entry the walk used: where it is and what it held. */
struct used_entry {
	void *p;
	uint64_t v;
};

/* One walk in progress. */
struct walk {
	const struct gwalk_cpu *cpu;
	const struct gwalk_ram *ram;
	struct paging_format f;
	uint64_t linear;
	enum gwalk_access access;
	struct used_entry used[MAX_LEVELS];
	unsigned n_used;
	bool writable, user_page, no_exec; /* the rights of the levels so far */
};

/* The paging mode's layout (SDM vol. 3, 4.1.1); false with paging off. */
static bool paging_format(const struct gwalk_cpu *c, struct paging_format *f)
{
	uint64_t phys = bits(12, c->maxphyaddr - 1);
	if (!(c->cr0 & CR0_PG))
		return false;
	if (!(c->cr4 & CR4_PAE)) {
		*f = (struct paging_format){ 2, 4, 10, 0xfffff000u, 0, false };
		return true;
	}
	bool nx = c->efer & EFER_NXE;
	if (c->efer & EFER_LMA)
		*f = (struct paging_format){ c->cr4 & CR4_LA57 ? 5 : 4, 8, 9, phys,
					     bits(c->maxphyaddr, 51), nx };
	else
		*f = (struct paging_format){ 3, 8, 9, phys, bits(c->maxphyaddr, 62), nx };
	if (!nx)
		f->reserved |= PTE_XD;
	return true;
}

/* The linear address bits a level's index takes, from the lowest: 12 for the page table. */
static unsigned level_shift(const struct paging_format *f, unsigned level)
{
	return 12 + f->index_bits * (level - 1);
}

/* Whether entry e of a large page (level 2 or 3) of 32-bit paging has a reserved bit (PSE-36). */
static bool pse_reserved(const struct gwalk_cpu *c, uint64_t e)
{
	unsigned phys_bits = c->maxphyaddr < 40 ? c->maxphyaddr : 40;
	return (e & (1u << 21)) || (((e >> 13) & 0xff) >> (phys_bits - 32));
}

/* Whether entry e at level has a reserved bit set (SDM vol. 3, tables 4-4 to 4-20). */
static bool entry_reserved(const struct walk *w, uint64_t e, unsigned level, bool large)
{
	const struct paging_format *f = &w->f;
	if (f->entry_bytes == 4)
		return large && pse_reserved(w->cpu, e);
	if (e & f->reserved)
		return true;
	/*
	 * A PAE PDPTE has no rights bits and no XD.  Intel reserves bits 8:5
	 * too, but AMD's processors (and QEMU's) set bit 5, accessed, there:
	 * what the processor accepted, the walk accepts.
	 */
	if (f->top == 3 && level == 3)
		return e & (bits(1, 2) | PTE_XD);
	if (level >= 4)
		return e & PTE_PS;
	return large && (e & bits(13, level == 3 ? 29 : 20));
}

/* Whether the entry at level maps a page itself (its PS bit, where the mode has one). */
static bool is_large(const struct walk *w, uint64_t e, unsigned level)
{
	if (level == 1 || !(e & PTE_PS))
		return false;
	if (w->f.entry_bytes == 4)
		return w->cpu->cr4 & CR4_PSE;
	return level == 2 || (level == 3 && w->f.top >= 4);
}

/* The guest-physical address a leaf at level maps linear to. */
static uint64_t leaf_address(const struct walk *w, uint64_t e, unsigned level)
{
	uint64_t offset = bits(0, level_shift(&w->f, level) - 1);
	uint64_t frame = e & w->f.next_mask & ~offset;
	if (w->f.entry_bytes == 4 && level == 2) /* PSE-36: bits 39:32 in entry bits 20:13 */
		frame = (e & 0xffc00000u) | ((e >> 13) & 0xff) << 32;
	return frame | (w->linear & offset);
}

/* The error code bits that describe the access itself. */
static uint32_t access_error(const struct walk *w)
{
	const struct gwalk_cpu *c = w->cpu;
	uint32_t error = c->cpl == 3 ? PF_USER : 0;
	if (w->access == GWALK_WRITE)
		error |= PF_WRITE;
	if (w->access == GWALK_FETCH && ((c->cr4 & CR4_SMEP) || w->f.nx))
		error |= PF_FETCH;
	return error;
}

/* Whether the gathered rights allow the access (SDM vol. 3, 4.6). */
static bool access_allowed(const struct walk *w)
{
	const struct gwalk_cpu *c = w->cpu;
	bool write = w->access == GWALK_WRITE, fetch = w->access == GWALK_FETCH;
	if (fetch && w->no_exec)
		return false;
	if (c->cpl == 3)
		return w->user_page && (!write || w->writable);
	if (write && !w->writable && (c->cr0 & CR0_WP))
		return false;
	if (w->user_page && fetch)
		return !(c->cr4 & CR4_SMEP);
	if (w->user_page)
		return !(c->cr4 & CR4_SMAP) || (c->rflags & RFLAGS_AC);
	return true;
}

/* Reads the entry at gpa (entry_bytes of it); NULL if it is not RAM. */
static void *read_entry(struct walk *w, uint64_t gpa, uint64_t *e)
{
	void *p = w->ram->ptr(w->ram->ctx, gpa, w->f.entry_bytes);
	if (!p)
		return 0;
	if (w->f.entry_bytes == 4)
		*e = __atomic_load_n((uint32_t *)p, __ATOMIC_ACQUIRE);
	else
		*e = __atomic_load_n((uint64_t *)p, __ATOMIC_ACQUIRE);
	return p;
}

/* Adds entry e at level to the rights gathered (a PAE PDPTE has none). */
static void gather_rights(struct walk *w, uint64_t e, unsigned level)
{
	if (w->f.top == 3 && level == 3)
		return;
	w->writable &= !!(e & PTE_RW);
	w->user_page &= !!(e & PTE_US);
	w->no_exec |= w->f.nx && (e & PTE_XD);
}

/* Sets bits in the entry the walk read at *u, unless it changed since: false then. */
static bool entry_set(const struct used_entry *u, unsigned entry_bytes, uint64_t set)
{
	if ((u->v & set) == set)
		return true;
	if (entry_bytes == 4) {
		uint32_t old = (uint32_t)u->v;
		return __atomic_compare_exchange_n((uint32_t *)u->p, &old, old | (uint32_t)set, false,
						   __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
	}
	uint64_t old = u->v;
	return __atomic_compare_exchange_n((uint64_t *)u->p, &old, old | set, false,
					   __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

/* Accessed on every entry used (not PAE's PDPTEs: they have none), dirty on a write's leaf. */
static bool set_accessed_dirty(struct walk *w)
{
	for (unsigned i = 0; i < w->n_used; i++) {
		bool leaf = i == w->n_used - 1, pdpte = w->f.top == 3 && i == 0;
		uint64_t set = PTE_A | (leaf && w->access == GWALK_WRITE ? PTE_D : 0);
		if (!pdpte && !entry_set(&w->used[i], w->f.entry_bytes, set))
			return false;
	}
	return true;
}

/* The table's address in CR3 (SDM vol. 3, 4.3, 4.4.1, 4.5). */
static uint64_t top_table(const struct walk *w)
{
	if (w->f.top == 3)
		return w->cpu->cr3 & 0xffffffe0u;
	return w->cpu->cr3 & w->f.next_mask;
}

/* One walk from CR3 down to a leaf; GWALK_BUSY if an entry changed before its bits were set. */
static enum gwalk_status walk_once(struct walk *w, struct gwalk_result *out)
{
	uint64_t table = top_table(w), e = 0;
	w->n_used = 0;
	w->writable = w->user_page = true;
	w->no_exec = false;
	for (unsigned level = w->f.top; level >= 1; level--) {
		uint64_t index = (w->linear >> level_shift(&w->f, level)) & bits(0, w->f.index_bits - 1);
		uint64_t gpa = table + index * w->f.entry_bytes;
		void *p = read_entry(w, gpa, &e);
		if (!p) {
			out->gpa = gpa;
			return GWALK_TABLE_NOT_RAM;
		}
		w->used[w->n_used++] = (struct used_entry){ p, e };
		bool large = is_large(w, e, level);
		if (!(e & PTE_P) || entry_reserved(w, e, level, large)) {
			out->error = access_error(w) | (e & PTE_P ? PF_PRESENT | PF_RSVD : 0);
			return GWALK_PAGE_FAULT;
		}
		gather_rights(w, e, level);
		if (level == 1 || large) {
			if (!access_allowed(w)) {
				out->error = access_error(w) | PF_PRESENT;
				return GWALK_PAGE_FAULT;
			}
			out->gpa = leaf_address(w, e, level);
			return set_accessed_dirty(w) ? GWALK_OK : GWALK_BUSY;
		}
		table = e & w->f.next_mask;
	}
	return GWALK_BUSY; /* not reached: level 1 is a leaf */
}

/* Whether linear is canonical for the paging mode (bits above the top index copy its last bit). */
static bool canonical(const struct paging_format *f, uint64_t linear)
{
	unsigned bits_used = level_shift(f, f->top) + f->index_bits;
	return f->top < 4 || (uint64_t)((int64_t)(linear << (64 - bits_used)) >> (64 - bits_used)) ==
				     linear;
}

enum gwalk_status gwalk(const struct gwalk_cpu *cpu, const struct gwalk_ram *ram, uint64_t linear,
			enum gwalk_access access, struct gwalk_result *out)
{
	struct walk w = { .cpu = cpu, .ram = ram, .linear = linear, .access = access };
	if (!(cpu->efer & EFER_LMA))
		w.linear = (uint32_t)linear;
	if (!paging_format(cpu, &w.f)) {
		out->gpa = w.linear;
		return GWALK_OK;
	}
	if (!canonical(&w.f, w.linear))
		return GWALK_NONCANONICAL;
	for (unsigned tries = 0; tries < MAX_TRIES; tries++) {
		enum gwalk_status st = walk_once(&w, out);
		if (st != GWALK_BUSY)
			return st;
	}
	return GWALK_BUSY;
}
