/*
 * Extended register state (x87, SSE, AVX, AVX-512): one save area per
 * thread and per vCPU, switched lazily.  fpu.c has the design.
 */
#ifndef KERNEL_FPU_H
#define KERNEL_FPU_H

#include <stdint.h>

#include "moat/vmexit.h"
#include "object.h"
#include "percpu.h"
#include "x86.h"

/* Whose state this CPU's registers hold (NULL: nobody's that still matters). */
#define fpu_owner (percpu->fpu_owner)
/* The thread this CPU's CR0.TS is clear for: fpu_owner after its #NM, else NULL (TS is set). */
#define fpu_live (percpu->fpu_live)
/*
 * The XCR0 the kernel runs with (0 without XSAVE): every thread's, and
 * what a vCPU's guest may enable at most.  A vCPU's own XCR0 is loaded
 * only while its guest runs (vcpu.h, VCPU_ENTRY_XCR0).
 */
extern uint64_t fpu_xcr0;

/* Boot: enables what the CPU has (CR0, CR4, XCR0), sizes the area, logs the choice. */
void fpu_init(void);
/* The same on an application processor, with the boot CPU's choice of components. */
void fpu_init_ap(void);
/* A new thread (or one started afresh): the initial state, never an earlier owner's. */
void fpu_thread_reset(struct thread *t);
/* t is going away: it stops being the owner, and nothing is ever saved into it again. */
void fpu_thread_gone(struct thread *t);
/* If this CPU's registers hold t's state, it goes to t's area and they hold nobody's. */
void fpu_release(struct thread *t);
/* #NM from user mode: current gets its own state in the registers. */
void fpu_trap(struct thread *t);
/* Slow paths of fpu_switch. */
void fpu_load_guest(struct thread *t);
void fpu_leave_for(struct thread *t);
/*
 * After an SVM exit: XCR0 is `seen`, not the guest's `kept` that the
 * kernel loaded, so the guest ran XSETBV without the intercept (QEMU
 * 7.2 ignores it).  Puts the kernel's set back; returns the guest's
 * XCR0 from now on: seen if XSETBV should have taken it, else kept.
 */
uint64_t fpu_xcr0_set_behind(uint64_t kept, uint64_t seen);
/*
 * vCPU t's XMM0-15 and MXCSR (SYS_THREAD_READ_REGS and WRITE_REGS with
 * REGS_SSE; docs/vm-exit-protocol.md, "Vector registers").  t must not
 * be running: these bring its area up to date from the registers first
 * when it owns them, and a write takes the registers from it, so that its
 * next entry loads what was written.
 */
void fpu_sse_read(struct thread *t, struct vm_sse_regs *out);
void fpu_sse_write(struct thread *t, const struct vm_sse_regs *in);
/* vCPU t's x87/MMX state likewise (MXCSR's bytes are read, and kept on a write). */
void fpu_x87_read(struct thread *t, struct vm_x87_regs *out);
void fpu_x87_write(struct thread *t, const struct vm_x87_regs *in);
/* Whether FXRSTOR/XRSTOR would load mxcsr without a #GP (no bit outside MXCSR_MASK). */
bool fpu_mxcsr_valid(uint64_t mxcsr);
/* The XCR0 a new vCPU's guest starts with: x87 alone, as after reset (0 without XSAVE). */
uint64_t fpu_guest_xcr0_reset(void);

static inline void xsetbv0(uint64_t v)
{
	asm volatile("xsetbv" : : "c"(0), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

static inline uint64_t xgetbv0(void)
{
	uint32_t lo, hi;
	asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return lo | (uint64_t)hi << 32;
}

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

#endif
