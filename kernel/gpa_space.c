/*
 * Guest-physical address spaces: 4-level tables in the backend's format
 * (EPT for VMX, nested page tables for SVM: one object, two formats),
 * built only from frames the VMM holds capabilities to (kernel/frame.c maps
 * them leaf by leaf through this file: 4 KiB, 2 MiB or 1 GiB, the frame's
 * page size), in pages charged to the space object itself.  Removing a
 * mapping makes the backend drop the processor's cached translations.
 *
 * Object layout: page 0 struct gpa_space, page 1 the top-level table, then
 * the quota of pages for lower tables.
 */
#include "frame.h"
#include "gpa_space.h"
#include "memory.h"
#include "pagetable.h"
#include "vcpu.h"

struct gpa_space *gpa_space_create(phys_addr phys, uint64_t pages)
{
	struct gpa_space *g = phys_to_virt(phys);
	g->root = phys + PAGE_SIZE;
	g->pt_quota = (struct pt_quota){ .next = phys + GPA_SPACE_BASE_PAGES * PAGE_SIZE,
					 .end = phys + pages * PAGE_SIZE };
	return g;
}

int gpa_max_level = 1;

/*
 * The entry format: the backend's gpa_table says what links a table.  EPT
 * has no present bit, and every entry here is one the kernel wrote to be
 * there, so any bit set means present, for NPT as for EPT.
 */
static struct pt_format gpa_format(void)
{
	return (struct pt_format){ ~0ULL, vcpu_backend->gpa_table };
}

uint64_t gpa_map_leaves(struct gpa_space *g, guest_phys gpa, uint64_t n, phys_addr phys,
			unsigned rights, int level, int *err)
{
	const struct pt_format format = gpa_format();
	struct pt_alloc quota = pt_quota_alloc(&g->pt_quota);
	return pt_map_leaves(g->root, gpa, n, level, &format, &quota,
			     vcpu_backend->gpa_leaf(phys, rights), err);
}

void gpa_unmap_leaves(struct gpa_space *g, guest_phys gpa, uint64_t n, int level)
{
	const struct pt_format format = gpa_format();
	pt_unmap_leaves(g->root, gpa, n, level, &format);
	vcpu_backend->gpa_flush(g); /* INVEPT, or a new ASID: whatever the leaves' size */
}

/*
 * No vCPU holds the space any more, so its tables go unused: the frames
 * mapped in it forget their mappings without a store in the tables (a
 * step per frame, not per leaf), and one flush drops what any CPU's TLB
 * still caches through them, before the space's memory can be reused.
 */
void gpa_space_destroy(struct gpa_space *g)
{
	frame_forget_mappings(&g->mappings);
	vcpu_backend->gpa_flush(g);
}

phys_addr gpa_to_phys(struct gpa_space *g, guest_phys gpa)
{
	const struct pt_format format = gpa_format();
	return pt_translate(g->root, gpa & ~(PAGE_SIZE - 1), &format).phys;
}
