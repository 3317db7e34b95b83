/* Guest-physical address spaces: the EPT or NPT tables a vCPU's guest runs on. */
#ifndef KERNEL_GPA_SPACE_H
#define KERNEL_GPA_SPACE_H

#include "object.h"

/* Makes a space in `pages` zeroed pages at phys (GPA_SPACE_BASE_PAGES + table quota). */
struct gpa_space *gpa_space_create(uint64_t phys, uint64_t pages);
void gpa_space_destroy(struct gpa_space *g);

/* Maps every page of a frame at guest-physical gpa with rights (R/W/X). */
int gpa_map_frame(struct gpa_space *g, struct cap *frame, uint64_t gpa, unsigned rights);
void gpa_unmap_frame(struct cap *frame);
/* The host-physical page mapped at gpa, or 0. */
uint64_t gpa_to_phys(struct gpa_space *g, uint64_t gpa);

#endif
