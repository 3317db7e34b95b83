/*
 * Guest-physical address spaces: 4-level tables in the backend's format
 * (EPT for VMX, nested page tables for SVM: one object, two formats),
 * built only from frames the VMM holds capabilities to (kernel/frame.c maps
 * them page by page through this file), in pages charged to the space
 * object itself.  Removing a mapping makes the backend drop the processor's
 * cached translations.
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

/*
 * The 4 KiB entry for gpa, creating tables from the quota if `create`; NULL
 * if absent.  The backend's gpa_table says what links a table.  EPT has no
 * present bit, and every entry here is one the kernel wrote to be there, so
 * any bit set means present, for NPT as for EPT.
 */
static uint64_t *gpa_entry(struct gpa_space *g, guest_phys gpa, bool create)
{
	const struct pt_format format = { ~0ULL, vcpu_backend->gpa_table };
	struct pt_alloc quota = pt_quota_alloc(&g->pt_quota);
	return pt_walk(g->root, gpa, 1, &format, create ? &quota : 0).entry;
}

int gpa_map_page(struct gpa_space *g, guest_phys gpa, phys_addr phys, unsigned rights)
{
	uint64_t *e = gpa_entry(g, gpa, true);
	if (!e)
		return ERR_NO_MEMORY;
	if (*e)
		return ERR_BUSY;
	*e = vcpu_backend->gpa_leaf(phys, rights);
	return OK;
}

void gpa_unmap_pages(struct gpa_space *g, guest_phys gpa, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++) {
		uint64_t *e = gpa_entry(g, gpa + i * PAGE_SIZE, false);
		if (e)
			*e = 0;
	}
	vcpu_backend->gpa_flush(g);
}

void gpa_space_destroy(struct gpa_space *g)
{
	while (g->mappings)
		frame_unmap(g->mappings);
}

phys_addr gpa_to_phys(struct gpa_space *g, guest_phys gpa)
{
	uint64_t *e = gpa_entry(g, gpa & ~(PAGE_SIZE - 1), false);
	return e && *e ? (*e & PTE_ADDR) : 0;
}
