/* Tasks: an address space and a capability space. */
#ifndef KERNEL_TASK_H
#define KERNEL_TASK_H

#include "gdt.h"
#include "object.h"
#include "percpu.h"
#include "x86.h"

extern struct task *all_tasks;

/* Makes a task in `pages` zeroed pages at phys (TASK_BASE_PAGES + page-table quota). */
struct task *task_create(phys_addr phys, uint64_t pages);
/*
 * Its last capability is gone: t becomes unusable at once.  It is marked
 * dying and its threads and vCPUs are stopped and let go of (thread_set_task,
 * thread_charge_to), so none of them runs again in t, and no capability
 * names t any more.  Its capability space is emptied afterwards, in
 * batches (cap.c, objects_reap).
 */
void task_dying(struct task *t);
/*
 * Tears down a dying task whose capability space is empty: its mappings,
 * budget, and whatever any CPU holds of it.  Returns the work (steps of
 * its lists walked) for objects_reap's batches.
 */
unsigned task_destroy(struct task *t);

/*
 * Maps n leaves of `level` (1-3: 4 KiB, 2 MiB, 1 GiB; at most
 * paging_max_level) from va, the first at phys and each next one the
 * level's bytes further, with rights (R/W/X), making tables from t's
 * quota: for a frame capability's pages (kernel/frame.c, which checks them
 * and the alignment).  Returns how many it mapped: n, or fewer where it
 * stopped on *err, ERR_NO_MEMORY or ERR_BUSY when anything is mapped
 * there (pt_map_leaves).
 */
uint64_t task_map_leaves(struct task *t, user_addr va, uint64_t n, phys_addr phys,
			 unsigned rights, int level, int *err);
/* The physical address va maps to in t, or 0 if nothing is mapped there. */
phys_addr task_to_phys(struct task *t, user_addr va);
/* One 4 KiB page: the root task's image and stack. */
int task_map_page(struct task *t, user_addr va, phys_addr phys, unsigned rights);
/* Unmaps n leaves of `level` from va (absent ones are skipped) and flushes them from the TLB. */
void task_unmap_leaves(struct task *t, user_addr va, uint64_t n, int level);

/* Copies from user memory of t; ERR_BAD_ADDRESS if any byte is not user-readable. */
int copy_from_user(struct task *t, void *dst, user_addr ua, uint64_t len);

/* t's I/O bitmap changed (kernel/ioport.c): load it, and enable it or not, on the next entry. */
void task_ports_changed(struct task *t);

/*
 * Makes t's address space and I/O bitmap the current ones.  Always inline:
 * it is part of enter_current, which ends every fast path (thread.h).
 */
#define active_task  (percpu->active_task)  /* whose page tables CR3 holds */
#define active_ports (percpu->active_ports) /* whose bitmap this CPU's TSS holds */
void task_load_ports(struct task *t);
static inline __attribute__((always_inline)) void task_activate(struct task *t)
{
	if (t == active_task) {
		if (__builtin_expect(t->has_ports, 0) && percpu->tss_limit_short)
			tss_reload(); /* a VM exit cut TR's limit since t's bitmap was loaded */
		return;
	}
	active_task = t;
	write_cr3(t->pml4);
	if (t->has_ports && t != active_ports)
		task_load_ports(t);
	if (t->has_ports && percpu->tss_limit_short)
		tss_reload();
	tss_enable_iomap(t->has_ports);
}
/*
 * A VM exit (VMX) loaded HOST_CR3, which the entry set to the tables CR3
 * held then, t's (or none): the exit hands back what the entry saw.  (It
 * also cut TR's limit: task_activate reloads TR for a task with ports.)
 */
static inline void task_cr3_restored_by_vm_exit(struct task *t)
{
	active_task = t;
}

#endif
