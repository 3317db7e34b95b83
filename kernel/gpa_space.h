/* Guest-physical address spaces: the EPT or NPT tables a vCPU's guest runs on. */
#ifndef KERNEL_GPA_SPACE_H
#define KERNEL_GPA_SPACE_H

#include "object.h"

/* Guest-physical addresses a space can map: four levels of tables. */
#define GPA_LIMIT (1ULL << 48)

/* Makes a space in `pages` zeroed pages at phys (GPA_SPACE_BASE_PAGES + table quota). */
struct gpa_space *gpa_space_create(phys_addr phys, uint64_t pages);
/* Unmaps every frame mapped in g; its memory goes with its last capability. */
void gpa_space_destroy(struct gpa_space *g);

/*
 * The largest leaf the backend's tables take: 1 (4 KiB only), 2 (2 MiB) or
 * 3 (1 GiB).  Set by vmx.c or svm.c when it becomes the backend.
 */
extern int gpa_max_level;

/*
 * Maps n leaves of `level` (1-3, at most gpa_max_level) from gpa, the
 * first at phys and each next one the level's bytes further, with rights
 * (R/W/X), making tables from g's quota: for a frame capability's pages
 * (kernel/frame.c, which checks them and the alignment).  Returns how many
 * it mapped: n, or fewer where it stopped on *err, ERR_NO_MEMORY or
 * ERR_BUSY when anything is mapped there (pt_map_leaves).
 */
uint64_t gpa_map_leaves(struct gpa_space *g, guest_phys gpa, uint64_t n, phys_addr phys,
			unsigned rights, int level, int *err);
/*
 * Unmaps n leaves of `level` from gpa (absent ones are skipped); the backend
 * drops cached translations.
 */
void gpa_unmap_leaves(struct gpa_space *g, guest_phys gpa, uint64_t n, int level);
/* The host-physical page mapped at gpa, or 0. */
phys_addr gpa_to_phys(struct gpa_space *g, guest_phys gpa);

#endif
