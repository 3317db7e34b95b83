/*
 * Extended register state (x87, SSE, AVX, AVX-512): one save area per
 * thread and per vCPU, switched lazily.  fpu.c has the design.
 */
#ifndef KERNEL_FPU_H
#define KERNEL_FPU_H

#include <stdint.h>

#include "object.h"
#include "x86.h"

/* Whose state the registers hold (NULL: nobody's that still matters). */
extern struct thread *fpu_owner;
/* The thread CR0.TS is clear for: fpu_owner after its #NM, else NULL (TS is set). */
extern struct thread *fpu_live;
/* The XCR0 the kernel runs with (0 without XSAVE): what every thread and guest has. */
extern uint64_t fpu_xcr0;

/* Boot: enables what the CPU has (CR0, CR4, XCR0), sizes the area, logs the choice. */
void fpu_init(void);
/* A new thread (or one started afresh): the initial state, never an earlier owner's. */
void fpu_thread_reset(struct thread *t);
/* t is going away: it stops being the owner, and nothing is ever saved into it again. */
void fpu_thread_gone(struct thread *t);
/* #NM from user mode: current gets its own state in the registers. */
void fpu_trap(struct thread *t);
/* Slow paths of fpu_switch and fpu_guest_exited. */
void fpu_load_guest(struct thread *t);
void fpu_leave_for(struct thread *t);
void fpu_restore_xcr0(void);

/*
 * Just before entering thread t (interrupts off).  A guest must run with
 * its own state in the registers; a user thread that is not the owner
 * must run with CR0.TS set so its first use traps.  When nothing must
 * change (the VM exit -> VMM -> reply -> guest round trip with a VMM
 * that uses no FPU) this is one compare (always inline, as enter_current).
 */
static inline __attribute__((always_inline)) void fpu_switch(struct thread *t)
{
	if (t->vcpu) {
		if (t != fpu_owner)
			fpu_load_guest(t);
	} else if (__builtin_expect(fpu_live != 0, 0)) {
		fpu_leave_for(t);
	}
}

/*
 * First thing after an SVM exit from a guest whose CR4 allowed XSETBV:
 * XCR0 goes back to the host's if the guest changed it.  SVM intercepts
 * XSETBV, but QEMU 7.2's emulation ignores that intercept.
 */
static inline void fpu_guest_exited(uint64_t guest_cr4)
{
	if (guest_cr4 & CR4_OSXSAVE)
		fpu_restore_xcr0();
}

#endif
