/*
 * A thread's own FS and GS bases.  With CR4.FSGSBASE a task writes both
 * bases itself (WRFSBASE, WRGSBASE), so they become per-thread state, as
 * its registers are; without it they are always 0 in ring 3 (a selector
 * load gives base 0, and only ring 0 can write the MSRs).
 *
 * Lazily, as the FPU state (fpu.h), because nearly no task uses them and
 * a save and load on every switch would cost each IPC more than SWAPGS
 * does.  CR4.FSGSBASE is clear, so a thread's first RDFSBASE, RDGSBASE,
 * WRFSBASE or WRGSBASE raises #UD; fsgs_trap recognizes the instruction
 * (where the CPU has FSGSBASE), marks the thread (fsgs_self) and lets it
 * run again with CR4.FSGSBASE set.  percpu->fsgs_owner is the thread whose
 * bases this CPU holds, FS in FS_BASE and GS, while the kernel runs, in
 * KERNEL_GS_BASE (GS base is the kernel's then, percpu.h).  CR4.FSGSBASE
 * is set exactly while there is an owner.  With no owner both hold 0: after
 * boot (cpu_set_self), and after every VM exit, which loads the host's FS
 * base (0) and KERNEL_GS_BASE (0: VMX's exit MSR area, SVM's host save
 * area).  Entering another thread with an owner in place saves the
 * owner's bases into it and leaves zeros; entering a thread that uses its
 * bases loads them.  So a task finds its bases again after any syscall,
 * IPC or preemption, and never sees another's; a switch between threads
 * that use none costs one compare.
 */
#ifndef KERNEL_FSGS_H
#define KERNEL_FSGS_H

#include <stdbool.h>
#include <stdint.h>

#include "object.h"
#include "percpu.h"

/* Boot: whether the CPU has FSGSBASE (CR4.FSGSBASE stays clear until a thread uses it); logs it. */
void fsgs_init(void);
/*
 * #UD from user mode at t's rip: true if the instruction is one of the
 * four FSGSBASE ones and the CPU has them; t then owns the bases, with
 * CR4.FSGSBASE set, and runs the instruction again.
 */
bool fsgs_trap(struct thread *t);
/* Slow path of fsgs_switch. */
void fsgs_switch_slow(struct thread *t);
/* A new thread (or one started afresh): bases 0 and unused, never an earlier owner's. */
void fsgs_thread_reset(struct thread *t);
/* t is going away: it stops being the owner, and nothing is ever saved into it again. */
void fsgs_thread_gone(struct thread *t);
/* If this CPU holds t's FS and GS bases, they go to t and the CPU holds nobody's. */
void fsgs_release(struct thread *t);

/*
 * The n bytes at an instruction are RDFSBASE, RDGSBASE, WRFSBASE or
 * WRGSBASE: F3, an optional REX, 0F AE, then a ModRM byte naming a
 * register (mod 3) with reg 0 to 3 (SDM vol. 2, "RDFSBASE/RDGSBASE").
 * Other prefixes are not taken: such an instruction stays a #UD fault.
 */
static inline bool fsgs_insn_is_base_access(const uint8_t *b, unsigned n)
{
	unsigned i = 1;
	if (n < 4 || b[0] != 0xf3)
		return false;
	if ((b[1] & 0xf0) == 0x40)
		i = 2;
	return i + 3 <= n && b[i] == 0x0f && b[i + 1] == 0xae && (b[i + 2] & 0xc0) == 0xc0 &&
	       ((b[i + 2] >> 3) & 7) < 4;
}

/*
 * Just before entering thread t (interrupts off): the owner must be t if
 * it uses its bases (t->fsgs_self is t then), and nobody otherwise (NULL,
 * zeros, CR4.FSGSBASE clear).  One compare when that holds already: t is
 * the owner, or neither t nor anyone before it uses them.
 */
static inline __attribute__((always_inline)) void fsgs_switch(struct thread *t)
{
	if (__builtin_expect(percpu->fsgs_owner != t->fsgs_self, 0))
		fsgs_switch_slow(t);
}

#endif
