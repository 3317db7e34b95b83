/*
 * Tasks: creation from retyped memory, user page tables (leaf by leaf, of
 * a frame's page size: kernel/frame.c maps frame capabilities with them),
 * user memory access, and loading the I/O permission bitmap that
 * kernel/ioport.c computes.
 *
 * A task's memory (TASK_BASE_PAGES + quota, contiguous):
 *   page 0     struct task
 *   pages 1-2  I/O permission bitmap (8 KiB, one bit per port)
 *   page 3     PML4 (upper half shared with the kernel)
 *   pages 4-11 capability space (CSPACE_SLOTS x 64 bytes)
 *   the rest   the quota of pages for the task's page tables
 */
#include "bkl.h"
#include "budget.h"
#include "cap.h"
#include "frame.h"
#include "gdt.h"
#include "log.h"
#include "mem.h"
#include "memory.h"
#include "pagetable.h"
#include "smp.h"
#include "task.h"
#include "thread.h"
#include "x86.h"

_Static_assert(CSPACE_SLOTS * sizeof(struct cap) == 8 * PAGE_SIZE, "cspace is 8 pages");
_Static_assert(TASK_BASE_PAGES == 12, "task layout");

struct task *all_tasks;

struct task *task_create(phys_addr phys, uint64_t pages)
{
	struct task *t = phys_to_virt(phys);
	t->iobitmap = phys_to_virt(phys + PAGE_SIZE);
	memset(t->iobitmap, 0xff, 2 * PAGE_SIZE);
	t->pml4 = phys + 3 * PAGE_SIZE;
	paging_share_kernel(phys_to_virt(t->pml4));
	t->cspace = phys_to_virt(phys + 4 * PAGE_SIZE);
	t->pt_quota = (struct pt_quota){ .next = phys + TASK_BASE_PAGES * PAGE_SIZE,
					 .end = phys + pages * PAGE_SIZE };
	t->all_next = all_tasks;
	all_tasks = t;
	return t;
}

/* Links a lower user table: the leaves alone decide what user mode may do. */
static uint64_t user_table(phys_addr phys)
{
	return phys | PTE_P | PTE_W | PTE_U;
}

static const struct pt_format user_format = { PTE_P, user_table };

static uint64_t pte_flags(unsigned rights)
{
	uint64_t f = PTE_P | PTE_U;
	if (rights & RIGHT_W)
		f |= PTE_W;
	if (!(rights & RIGHT_X))
		f |= paging_nx_bit();
	return f;
}

uint64_t task_map_leaves(struct task *t, user_addr va, uint64_t n, phys_addr phys,
			 unsigned rights, int level, int *err)
{
	struct pt_alloc quota = pt_quota_alloc(&t->pt_quota);
	return pt_map_leaves(t->pml4, va, n, level, &user_format, &quota, phys | pte_flags(rights),
			     err);
}

int task_map_page(struct task *t, user_addr va, phys_addr phys, unsigned rights)
{
	int err;
	task_map_leaves(t, va, 1, phys, rights, 1, &err);
	return err;
}

phys_addr task_to_phys(struct task *t, user_addr va)
{
	return pt_translate(t->pml4, va, &user_format).phys;
}

/* Leaves up to this many are flushed one by one (INVLPG); more, with the whole TLB. */
#define FLUSH_ONE_BY_ONE 32

/*
 * This CPU's TLB forgets n leaves of `level` from va, if it holds t's
 * tables.  INVLPG drops a large page's whole translation; a CR3 write
 * drops every user translation at once (no user page is global).
 */
static void flush_user_leaves(struct task *t, user_addr va, uint64_t n, int level)
{
	if ((read_cr3() & PTE_ADDR) != t->pml4)
		return;
	if (n > FLUSH_ONE_BY_ONE) {
		write_cr3(read_cr3());
		return;
	}
	for (uint64_t i = 0; i < n; i++, va += pt_level_bytes(level))
		asm volatile("invlpg (%0)" : : "r"(va) : "memory");
}

/*
 * A cross call (bkl.h) on a CPU that may hold t's tables or I/O bitmap:
 * it lets go of both, so that its TLB keeps nothing of t's (the CR3 write
 * flushes it: no user page is global) and its next entry into t loads
 * both afresh.  (A task's own threads go on: task_activate reloads.)
 */
static void forget_task_here(void *arg)
{
	struct task *t = arg;
	if (active_task == t || (read_cr3() & PTE_ADDR) == t->pml4) {
		write_cr3(paging_kernel_pml4());
		active_task = 0;
	}
	if (active_ports == t)
		active_ports = 0;
}

/*
 * The TLB shootdown: every other CPU that holds t's tables or bitmap
 * forgets them, and the caller waits until each has (docs/smp.md).
 * Other CPUs are asked only if they hold t: a CPU that switched CR3 since
 * it last ran t has flushed its entries already.
 */
static void forget_task_elsewhere(struct task *t)
{
	for (unsigned c = 0; c < n_cpus; c++)
		if (c != percpu->id && (cpu_active_task(&cpus[c]) == t || cpu_active_ports(&cpus[c]) == t))
			cpu_call(c, forget_task_here, t);
}

void task_unmap_leaves(struct task *t, user_addr va, uint64_t n, int level)
{
	if (pt_unmap_leaves(t->pml4, va, n, level, &user_format)) {
		flush_user_leaves(t, va, n, level);
		forget_task_elsewhere(t);
	}
}

int copy_from_user(struct task *t, void *dst, user_addr ua, uint64_t len)
{
	if (ua >= USER_TOP || len > USER_TOP - ua)
		return ERR_BAD_ADDRESS;
	uint8_t *d = dst;
	while (len) {
		struct pt_leaf leaf = pt_translate(t->pml4, ua, &user_format);
		if ((leaf.entry & (PTE_P | PTE_U)) != (PTE_P | PTE_U))
			return ERR_BAD_ADDRESS;
		uint64_t n = PAGE_SIZE - ua % PAGE_SIZE;
		if (n > len)
			n = len;
		memcpy(d, phys_to_virt(leaf.phys), n);
		d += n;
		ua += n;
		len -= n;
	}
	return OK;
}

void task_ports_changed(struct task *t)
{
	if (active_ports == t)
		active_ports = 0; /* reload on the next entry */
	if (active_task == t)
		active_task = 0; /* and re-enable or disable it */
	forget_task_elsewhere(t); /* the same on each CPU that may run t now */
}

void task_load_ports(struct task *t)
{
	tss_load_iomap(t->iobitmap);
	active_ports = t;
}

void task_dying(struct task *t)
{
	t->dying = true;
	while (t->threads)
		thread_set_task(t->threads, 0);
	while (t->vcpus) { /* nobody pays for them now: stopped until a task runs them again */
		thread_stop(t->vcpus, ERR_DELETED);
		thread_charge_to(t->vcpus, 0);
	}
}

unsigned task_destroy(struct task *t)
{
	unsigned work = 1;
	for (struct cap *m = t->mappings; m; m = m->map_next)
		work++;
	budget_task_gone(t);
	frame_forget_mappings(&t->mappings); /* the page tables go with t */
	forget_task_here(t); /* nothing of t may stay loaded, here or elsewhere */
	forget_task_elsewhere(t);
	struct task **pp = &all_tasks;
	for (; *pp != t; work++)
		pp = &(*pp)->all_next;
	*pp = t->all_next;
	return work;
}
