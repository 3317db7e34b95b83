/*
 * The guest page-table walker: a linear address to the guest-physical one
 * the guest's own paging gives it, with the checks and the accessed and
 * dirty bits the processor's walk has (Intel SDM vol. 3, chapter 4; AMD
 * APM vol. 2, chapter 5).  The VMM walks when it emulates an instruction
 * (MMIO, string I/O) and must reach memory as the guest would have.
 *
 * Paging modes, chosen as the processor chooses them from CR0.PG, CR4.PAE,
 * EFER.LMA and CR4.LA57: none (linear = physical), 32-bit (4 KiB pages,
 * 4 MiB with CR4.PSE, PSE-36 addresses above 4 GiB), PAE (the four PDPTEs
 * read from CR3 at each walk, not cached at the MOV to CR3 as the
 * processor does; 2 MiB pages), 4-level and 5-level (2 MiB and 1 GiB).
 *
 * Checks: present, reserved bits (beyond MAXPHYADDR, XD without
 * EFER.NXE, the ones large pages and PML4Es/PML5Es keep, a PAE PDPTE's
 * R/W, U/S and XD), R/W
 * (supervisor writes only with CR0.WP), U/S, XD, SMEP and SMAP (RFLAGS.AC
 * lets a supervisor data access reach user pages).  Protection keys are
 * not modelled.  A walk that succeeds sets the accessed bit of each entry
 * it used and the dirty bit of a write's leaf, each with a locked
 * compare-exchange: other vCPUs may change the same tables meanwhile.  A
 * walk that faults changes nothing.
 *
 * Pure: the tables are read through a callback, so the host tests walk
 * tables in a plain buffer.
 */
#ifndef VMM_GWALK_H
#define VMM_GWALK_H

#include <stdbool.h>
#include <stdint.h>

/* The vCPU state a walk depends on. */
struct gwalk_cpu {
	uint64_t cr0, cr3, cr4, efer;
	uint64_t rflags;       /* AC, for SMAP */
	unsigned cpl;          /* 3: user-mode accesses; 0-2: supervisor */
	unsigned maxphyaddr;   /* physical address bits, 32 to 52 (CPUID 0x80000008 EAX[7:0]) */
};

enum gwalk_access { GWALK_READ, GWALK_WRITE, GWALK_FETCH };

/*
 * Guest RAM as the walker reaches it: ptr returns the VMM's pointer to len
 * bytes at guest-physical gpa, or NULL where that is not RAM.
 */
struct gwalk_ram {
	void *(*ptr)(void *ctx, uint64_t gpa, uint64_t len);
	void *ctx;
};

enum gwalk_status {
	GWALK_OK,            /* gpa is the translation */
	GWALK_PAGE_FAULT,    /* the guest takes #PF with error code `error`, CR2 = the linear address */
	GWALK_NONCANONICAL,  /* not canonical: the guest takes #GP(0) */
	GWALK_TABLE_NOT_RAM, /* a paging-structure entry lies outside RAM, at gpa */
	GWALK_BUSY,          /* the tables kept changing under the walk: run the instruction again */
};

/* The #PF error code's bits (SDM vol. 3, 4.7). */
#define PF_PRESENT 0x01u  /* a protection violation; 0: a page not present */
#define PF_WRITE   0x02u
#define PF_USER    0x04u
#define PF_RSVD    0x08u  /* a reserved bit was set */
#define PF_FETCH   0x10u  /* an instruction fetch, with SMEP or with NXE on PAE and 4-level paging */

struct gwalk_result {
	uint64_t gpa;
	uint32_t error;
};

/*
 * Translates linear for an access of kind `access` at the vCPU's CPL.
 * Outside long mode only the low 32 bits of linear count.  The result
 * holds for the 4 KiB page linear lies in (large pages are contiguous).
 */
enum gwalk_status gwalk(const struct gwalk_cpu *cpu, const struct gwalk_ram *ram, uint64_t linear,
			enum gwalk_access access, struct gwalk_result *out);

#endif
