/*
 * A thread's own FS and GS bases: CR4.FSGSBASE at boot, and the owner's
 * bookkeeping for threads that start afresh or go away.  fsgs.h has the
 * design and the switch itself.
 */
#include "fsgs.h"
#include "log.h"
#include "x86.h"

#define CPUID7_EBX_FSGSBASE (1u << 0)

bool fsgs_on;

void fsgs_init(void)
{
	if (cpuid(0, 0).eax < 7 || !(cpuid(7, 0).ebx & CPUID7_EBX_FSGSBASE)) {
		log_info("fsgs: no FSGSBASE: a task's FS and GS bases are always 0");
		return;
	}
	write_cr4(read_cr4() | CR4_FSGSBASE);
	fsgs_on = true;
	log_info("fsgs: FSGSBASE on: each thread keeps its own FS and GS base");
}

void fsgs_thread_gone(struct thread *t)
{
	if (percpu->fsgs_owner != t)
		return;
	percpu->fsgs_owner = 0; /* and so the registers hold zeros, as with no owner */
	asm volatile("wrfsbase %0" : : "r"(0UL) : "memory");
	fsgs_write_task_gs(0);
}

void fsgs_thread_reset(struct thread *t)
{
	fsgs_thread_gone(t);
	t->fs_base = 0;
	t->gs_base = 0;
}
