/*
 * Host stand-ins for the kernel files the unit tests link (pagetable.c,
 * cap.c, untyped.c, gpa_space.c, frame.c, ioport.c, vcpu_check.c):
 * "physical" memory, and
 * stubs for the functions those files call in kernel files that need the
 * processor (threads, tasks, IRQs).  The stubs count their calls, so a test
 * can check that an object was destroyed exactly when its last capability
 * went.
 */
#ifndef UNIT_KHOST_H
#define UNIT_KHOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * n zeroed, page-aligned pages of host memory, freed by host_free_all.
 * Their "physical" address (host_phys) is what the kernel's phys_to_virt
 * turns back into the host pointer: host addresses lie below 2^47 and
 * PHYSMAP_BASE is 2^64 - 2^47, so phys = host + 2^47, which fits the
 * address bits of a page-table entry.
 */
void *host_pages(size_t n);
uint64_t host_phys(const void *p);
void host_free_all(void);

/* How many times each stub ran since kstub_reset. */
struct kstub_calls {
	unsigned endpoint_destroy, notification_destroy, thread_destroy, task_dying, task_destroy;
	unsigned task_create, thread_create, vcpu_create;
	unsigned task_ports_changed, task_map_page, task_unmap_pages;
	unsigned irq_ref, irq_unref, vcpu_space_deleted;
	uint64_t task_create_pages; /* the pages task_create was last given */
};
extern struct kstub_calls kstub;
extern bool kstub_preempt; /* what sched_preemption_point answers */
extern int kstub_max_level; /* what paging_max_level answers: the largest task leaf */
void kstub_reset(void);

#endif
