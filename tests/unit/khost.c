/* Host stand-ins for the kernel (khost.h says which and why). */
#include <stdlib.h>
#include <string.h>

#include "ipc.h"
#include "irq.h"
#include "khost.h"
#include "memory.h"
#include "pmm.h"
#include "task.h"
#include "thread.h"
#include "vcpu.h"

struct kstub_calls kstub;
bool kstub_preempt;
int kstub_max_level = 3;
const struct vcpu_backend *vcpu_backend;
uint64_t fpu_xcr0; /* the kernel's XCR0 (fpu.c): what a test sets */

static void *blocks[256];
static unsigned nblocks;

void *host_pages(size_t n)
{
	void *p = aligned_alloc(PAGE_SIZE, n * PAGE_SIZE);
	if (!p || (uintptr_t)p >> 47 || nblocks == sizeof(blocks) / sizeof(blocks[0]))
		abort(); /* the physmap trick needs a lower-half address */
	memset(p, 0, n * PAGE_SIZE);
	blocks[nblocks++] = p;
	return p;
}

uint64_t host_phys(const void *p)
{
	return (uint64_t)(uintptr_t)p - PHYSMAP_BASE;
}

void host_free_all(void)
{
	while (nblocks)
		free(blocks[--nblocks]);
}

void kstub_reset(void)
{
	memset(&kstub, 0, sizeof(kstub));
	kstub_preempt = false;
	kstub_max_level = 3;
	vcpu_backend = 0;
}

/* A stub that only counts its calls. */
#define COUNTED(name, param)            \
	void name(param arg)            \
	{                               \
		(void)arg;              \
		kstub.name++;           \
	}

COUNTED(endpoint_destroy, struct endpoint *)
COUNTED(notification_destroy, struct notification *)
COUNTED(thread_destroy, struct thread *)
COUNTED(task_ports_changed, struct task *)
COUNTED(irq_ref, uint64_t)
COUNTED(irq_unref, uint64_t)
COUNTED(vcpu_space_deleted, struct cap *)

/* A dying task's teardown (cap.c, objects_reap) empties its space: a stub task has one only if a test gave it. */
void task_dying(struct task *t)
{
	t->dying = true;
	kstub.task_dying++;
}

unsigned task_destroy(struct task *t)
{
	(void)t;
	kstub.task_destroy++;
	return 1;
}

struct task *task_create(uint64_t phys, uint64_t pages)
{
	kstub.task_create++;
	kstub.task_create_pages = pages;
	struct task *t = phys_to_virt(phys);
	t->cspace = phys_to_virt(phys + 4 * PAGE_SIZE); /* where task.c puts it */
	return t;
}

struct thread *thread_create(uint64_t phys)
{
	kstub.thread_create++;
	return phys_to_virt(phys);
}

struct thread *vcpu_create(uint64_t phys)
{
	kstub.vcpu_create++;
	return phys_to_virt(phys);
}

uint64_t task_map_leaves(struct task *t, user_addr va, uint64_t n, phys_addr phys,
			 unsigned rights, int level, int *err)
{
	(void)t, (void)va, (void)phys, (void)rights, (void)level;
	kstub.task_map_page += n;
	*err = OK;
	return n;
}

phys_addr task_to_phys(struct task *t, user_addr va)
{
	(void)t, (void)va;
	return 0; /* no tables: test_pagetable.c maps in pieces on real ones, through a gpa_space */
}

void task_unmap_leaves(struct task *t, user_addr va, uint64_t n, int level)
{
	(void)t, (void)va, (void)n, (void)level;
	kstub.task_unmap_pages++;
}

int paging_max_level(void)
{
	return kstub_max_level;
}

bool sched_preemption_point(void)
{
	return kstub_preempt;
}

bool sched_work_point(void)
{
	return kstub_preempt;
}
