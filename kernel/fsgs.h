/*
 * A thread's own FS and GS bases.  Where the CPU has FSGSBASE the kernel
 * sets CR4.FSGSBASE, and a task writes both bases with WRFSBASE and
 * WRGSBASE (it can also load FS or GS, which sets the base to 0), so they
 * are per-thread state as its registers are.  Without FSGSBASE both are
 * always 0 in ring 3 and nothing below runs.
 *
 * Lazily, as the FPU state (fpu.h): percpu->fsgs_owner is the thread
 * whose bases this CPU holds, FS in FS_BASE and GS, while the kernel runs,
 * in KERNEL_GS_BASE (GS base is the kernel's own then, percpu.h; the
 * SWAPGS on the way out puts it back).  With no owner both hold 0: after
 * boot (cpu_set_self), and after every VM exit, which loads the host's
 * FS base (0) and KERNEL_GS_BASE (0: VMX's exit MSR area, SVM's host save
 * area).  Entering another user thread saves the owner's bases into it
 * and loads the thread's; entering a vCPU saves the owner's and leaves no
 * owner, because the guest runs on its own and the exit loads zeros.  So
 * a task finds its bases again after any syscall, IPC or preemption, and
 * never sees another's.
 */
#ifndef KERNEL_FSGS_H
#define KERNEL_FSGS_H

#include <stdbool.h>

#include "object.h"
#include "percpu.h"

/* The CPU has FSGSBASE and CR4.FSGSBASE is set (fsgs_init). */
extern bool fsgs_on;

/* Boot: sets CR4.FSGSBASE where the CPU has it; logs the choice. */
void fsgs_init(void);
/* A new thread (or one started afresh): bases 0, never an earlier owner's. */
void fsgs_thread_reset(struct thread *t);
/* t is going away: it stops being the owner, and nothing is ever saved into it again. */
void fsgs_thread_gone(struct thread *t);

/*
 * The task's GS base, which KERNEL_GS_BASE holds while the kernel runs:
 * SWAPGS, RDGSBASE/WRGSBASE, SWAPGS, as Linux reads it, where the MSR
 * access would cost a hundred cycles.  Interrupts are off; an NMI or #MC
 * in between finds the task's GS and copes (trap_paranoid, entry.S).
 */
static inline uint64_t fsgs_read_task_gs(void)
{
	uint64_t v;
	asm volatile("swapgs; rdgsbase %0; swapgs" : "=r"(v));
	return v;
}

static inline void fsgs_write_task_gs(uint64_t v)
{
	asm volatile("swapgs; wrgsbase %0; swapgs" : : "r"(v) : "memory");
}

/*
 * Just before entering thread t (interrupts off): the CPU must hold t's
 * bases (a user thread) or zeros (a vCPU: its guest gets its own, and its
 * exit loads zeros).  One compare when nothing changes: the same thread
 * again, or a vCPU after a vCPU.  Each base is written only if it
 * differs, which in the common case (no task uses them) it does not.
 */
static inline __attribute__((always_inline)) void fsgs_switch(struct thread *t)
{
	struct thread *owner = percpu->fsgs_owner;
	if (t->vcpu ? !owner : t == owner || !fsgs_on)
		return;
	uint64_t fs = 0, gs = 0, want_fs = 0, want_gs = 0;
	if (owner) {
		asm volatile("rdfsbase %0" : "=r"(fs));
		gs = fsgs_read_task_gs();
		owner->fs_base = fs;
		owner->gs_base = gs;
	}
	if (!t->vcpu) {
		want_fs = t->fs_base;
		want_gs = t->gs_base;
	}
	if (__builtin_expect(fs != want_fs, 0))
		asm volatile("wrfsbase %0" : : "r"(want_fs) : "memory");
	if (__builtin_expect(gs != want_gs, 0))
		fsgs_write_task_gs(want_gs);
	percpu->fsgs_owner = t->vcpu ? 0 : t;
}

#endif
