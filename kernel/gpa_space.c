/*
 * Guest-physical address spaces: 4-level tables in the backend's format
 * (EPT for VMX, nested page tables for SVM: one object, two formats),
 * built only from frames the VMM holds capabilities to, in pages charged
 * to the space object itself.  Removing a mapping makes the backend drop
 * the processor's cached translations.
 *
 * Object layout: page 0 struct gpa_space, page 1 the top-level table, then
 * the quota of pages for lower tables.
 */
#include "cap.h"
#include "gpa_space.h"
#include "memory.h"
#include "pagetable.h"
#include "vcpu.h"

#define GPA_LIMIT  (1ULL << 48)

struct gpa_space *gpa_space_create(uint64_t phys, uint64_t pages)
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
static uint64_t *gpa_entry(struct gpa_space *g, uint64_t gpa, bool create)
{
	const struct pt_format format = { ~0ULL, vcpu_backend->gpa_table };
	struct pt_alloc quota = pt_quota_alloc(&g->pt_quota);
	return pt_walk(g->root, gpa, 1, &format, create ? &quota : 0).entry;
}

static void unmap_pages(struct gpa_space *g, uint64_t gpa, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++) {
		uint64_t *e = gpa_entry(g, gpa + i * PAGE_SIZE, false);
		if (e)
			*e = 0;
	}
	vcpu_backend->gpa_flush(g);
}

int gpa_map_frame(struct gpa_space *g, struct cap *frame, uint64_t gpa, unsigned rights)
{
	int check = frame_map_check(frame, gpa, GPA_LIMIT, rights);
	if (check != OK)
		return check;
	for (uint64_t i = 0; i < frame->pages; i++) {
		uint64_t *e = gpa_entry(g, gpa + i * PAGE_SIZE, true);
		if (!e || *e) {
			unmap_pages(g, gpa, i);
			return e ? ERR_BUSY : ERR_NO_MEMORY;
		}
		*e = vcpu_backend->gpa_leaf(frame->obj + i * PAGE_SIZE, rights);
	}
	frame->owner = (struct task *)g;
	frame->flags |= CAPF_GUEST;
	frame->badge = gpa;
	frame->map_next = g->mappings;
	g->mappings = frame;
	return OK;
}

void gpa_unmap_frame(struct cap *frame)
{
	struct gpa_space *g = (struct gpa_space *)frame->owner;
	unmap_pages(g, frame->badge, frame->pages);
	struct cap **pp = &g->mappings;
	while (*pp != frame)
		pp = &(*pp)->map_next;
	*pp = frame->map_next;
	frame->owner = 0;
	frame->map_next = 0;
	frame->badge = 0;
	frame->flags &= ~CAPF_GUEST;
}

void gpa_space_destroy(struct gpa_space *g)
{
	while (g->mappings)
		gpa_unmap_frame(g->mappings);
}

uint64_t gpa_to_phys(struct gpa_space *g, uint64_t gpa)
{
	uint64_t *e = gpa_entry(g, gpa & ~(PAGE_SIZE - 1), false);
	return e && *e ? (*e & PTE_ADDR) : 0;
}
