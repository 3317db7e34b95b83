/*
 * Extended register state: x87, SSE, AVX and AVX-512.
 *
 * Each thread (and each vCPU: its thread page is the first of its object)
 * keeps its state in the rest of its own thread page, after struct thread,
 * 64-byte aligned: XSAVE of the components the kernel enables in XCR0, or
 * FXSAVE where the CPU has no XSAVE.  The kernel itself never uses these
 * registers (it is built with -mgeneral-regs-only), so they change hands
 * only between threads, and lazily:
 *   - fpu_owner is the thread whose state the registers hold.
 *   - A user thread that is not the owner runs with CR0.TS set.  Its first
 *     x87/SSE/AVX instruction raises #NM; fpu_trap saves the owner's state,
 *     loads the thread's own, clears TS and makes it the owner.
 *   - A vCPU is entered only as the owner (fpu_load_guest), with TS set in
 *     the host: VMX loads HOST_CR0 (TS set, vcpu_vmx.c) on every exit, and
 *     SVM's #VMEXIT restores the CR0 VMRUN saved (TS set); the guest runs on
 *     its own CR0 either way.  So after an exit the VMM runs with TS set,
 *     and if it uses no FPU the guest's state is still in the registers at
 *     the next entry: the round trip pays one compare per switch.
 * XCR0 is part of a vCPU's state (struct vcpu's xcr0, VMG_XCR0): VMX
 * exits on each XSETBV and SVM intercepts it (vcpu_svm.c), the VMM checks
 * the value and replies with it, and the kernel loads it into XCR0 just
 * before the VM entry and its own set right after the exit, only when the
 * two differ (vcpu.h, VCPU_ENTRY_XCR0).  Neither VMX nor SVM
 * switches XCR0 itself.  Every save and restore above runs with the
 * kernel's XCR0, so a vCPU's area keeps every component its guest could
 * enable, whatever it has enabled now (docs/fpu.md).
 */
#include "fpu.h"
#include "log.h"
#include "mem.h"
#include "panic.h"
#include "thread.h"
#include "x86.h"
#include "moat/vmexit.h"

#define XF_X87    XCR0_X87
#define XF_SSE    XCR0_SSE
#define XF_AVX    XCR0_AVX
#define XF_AVX512 XCR0_AVX512

#define CPUID1_ECX_XSAVE (1u << 26)
#define CPUID1_EDX_FXSR  (1u << 24)

/* The save area: the rest of the thread's page, 64-byte aligned as XSAVE wants. */
#define AREA_OFFSET ((sizeof(struct thread) + 63) & ~(uint64_t)63)
#define AREA_ROOM   (THREAD_BYTES - AREA_OFFSET)
#define LEGACY_BYTES 512 /* the FXSAVE image, and the start of every XSAVE image */
_Static_assert(AREA_ROOM >= LEGACY_BYTES + 64, "x87 and SSE state fit beside struct thread");

/* Offsets in the legacy image of the two values a fresh thread must start with. */
#define FCW_OFFSET   0
#define MXCSR_OFFSET 24
#define FCW_INIT     0x037f /* FNINIT's: all exceptions masked, extended precision */
#define MXCSR_INIT   0x1f80 /* all SIMD exceptions masked, round to nearest */
/* The rest of the legacy image that fpu_sse_read and fpu_sse_write reach (Intel SDM vol. 1, 10.5.1). */
#define MXCSR_MASK_OFFSET 28
#define MXCSR_MASK_ZERO   0xffbf /* what a MXCSR_MASK of 0 means: no DAZ */
#define XMM_OFFSET        160    /* XMM0-15, 16 bytes each */
#define XSTATE_BV_OFFSET  512    /* the XSAVE header: which components the image holds */

uint64_t fpu_xcr0;
static uint32_t area_bytes;
static uint32_t mxcsr_mask; /* the MXCSR bits this CPU takes (fpu_init) */

static uint8_t *area(struct thread *t)
{
	return (uint8_t *)t + AREA_OFFSET;
}


/* Stores the registers' state in t's area (CR0.TS must be clear). */
static void save(struct thread *t)
{
	if (fpu_xcr0)
		asm volatile("xsave64 (%0)" : : "r"(area(t)), "a"(~0u), "d"(~0u) : "memory");
	else
		asm volatile("fxsave64 (%0)" : : "r"(area(t)) : "memory");
}

/* Loads t's state: every enabled component, from the area or its init value (TS clear). */
static void restore(struct thread *t)
{
	if (fpu_xcr0)
		asm volatile("xrstor64 (%0)" : : "r"(area(t)), "a"(~0u), "d"(~0u) : "memory");
	else
		asm volatile("fxrstor64 (%0)" : : "r"(area(t)) : "memory");
}

static void clear_ts(void)
{
	asm volatile("clts" ::: "memory");
}

static void set_ts(void)
{
	write_cr0(read_cr0() | CR0_TS);
}

/* Hands the registers to t: the owner's state saved, t's loaded.  TS must be clear. */
static void take_over(struct thread *t)
{
	if (fpu_owner == t)
		return;
	if (fpu_owner)
		save(fpu_owner);
	restore(t);
	fpu_owner = t;
}

void fpu_trap(struct thread *t)
{
	clear_ts();
	take_over(t);
	fpu_live = t;
}

void fpu_load_guest(struct thread *t)
{
	if (!fpu_live)
		clear_ts();
	take_over(t);
	set_ts(); /* so the exit comes back with TS set (SVM keeps the host's CR0) */
	fpu_live = 0;
}

/* TS is clear for fpu_live: set it (and forget fpu_live). */
static void block(void)
{
	set_ts();
	fpu_live = 0;
}

void fpu_leave_for(struct thread *t)
{
	if (fpu_live != t)
		block();
}

void fpu_thread_reset(struct thread *t)
{
	fpu_thread_gone(t);
	uint8_t *a = area(t);
	memset(a, 0, area_bytes); /* the XSAVE header too: no component in use, XRSTOR inits them */
	*(uint16_t *)(a + FCW_OFFSET) = FCW_INIT;
	*(uint32_t *)(a + MXCSR_OFFSET) = MXCSR_INIT;
}

void fpu_thread_gone(struct thread *t)
{
	if (fpu_live == t)
		block(); /* a thread made later at the same address must still trap */
	if (fpu_owner == t)
		fpu_owner = 0;
}

void fpu_release(struct thread *t)
{
	if (fpu_owner != t)
		return;
	if (fpu_live != t)
		clear_ts();
	save(t);
	block(); /* TS set: whoever uses the registers next traps and loads its own */
	fpu_owner = 0;
}

/* t's area holds its state: saved from the registers if t owns them (t a vCPU, so TS is set). */
static void sync_area(struct thread *t)
{
	if (fpu_owner != t)
		return;
	clear_ts();
	save(t);
	set_ts();
}

/* Whether t's area holds component xf, or XRSTOR would give it its initial state. */
static bool area_holds(struct thread *t, uint64_t xf)
{
	return !fpu_xcr0 || (*(const uint64_t *)(area(t) + XSTATE_BV_OFFSET) & xf);
}

/* After a write of component xf into t's area: it is in use, and t's next entry loads it. */
static void area_written(struct thread *t, uint64_t xf)
{
	if (fpu_xcr0)
		*(uint64_t *)(area(t) + XSTATE_BV_OFFSET) |= xf; /* else XRSTOR would init it */
	if (fpu_owner == t)
		fpu_owner = 0; /* the registers hold the old values: the next entry loads the area */
}

void fpu_x87_read(struct thread *t, struct vm_x87_regs *out)
{
	sync_area(t);
	if (area_holds(t, XF_X87)) {
		memcpy(out->image, area(t), sizeof(out->image));
	} else { /* FNINIT's state: XSAVE leaves the bytes as they were */
		memset(out->image, 0, sizeof(out->image));
		out->image[0] = FCW_INIT; /* bytes 0-1, little-endian; the abridged tags 0: all empty */
	}
	memcpy((uint8_t *)out->image + MXCSR_OFFSET, area(t) + MXCSR_OFFSET, 8);
}

void fpu_x87_write(struct thread *t, const struct vm_x87_regs *in)
{
	sync_area(t);
	uint8_t *a = area(t), mxcsr[8];
	memcpy(mxcsr, a + MXCSR_OFFSET, sizeof(mxcsr));
	memcpy(a, in->image, sizeof(in->image));
	memcpy(a + MXCSR_OFFSET, mxcsr, sizeof(mxcsr)); /* REGS_SSE's, checked there */
	area_written(t, XF_X87);
}

void fpu_sse_read(struct thread *t, struct vm_sse_regs *out)
{
	sync_area(t);
	const uint8_t *a = area(t);
	/* XSAVE leaves XMM's bytes as they were when the guest had them in their initial state, 0. */
	bool in_use = area_holds(t, XF_SSE);
	if (in_use)
		memcpy(out->xmm, a + XMM_OFFSET, sizeof(out->xmm));
	else
		memset(out->xmm, 0, sizeof(out->xmm));
	out->mxcsr = *(const uint32_t *)(a + MXCSR_OFFSET);
}

void fpu_sse_write(struct thread *t, const struct vm_sse_regs *in)
{
	sync_area(t);
	uint8_t *a = area(t);
	memcpy(a + XMM_OFFSET, in->xmm, sizeof(in->xmm));
	*(uint32_t *)(a + MXCSR_OFFSET) = (uint32_t)in->mxcsr;
	area_written(t, XF_SSE);
}

bool fpu_mxcsr_valid(uint64_t mxcsr)
{
	return !(mxcsr & ~(uint64_t)mxcsr_mask);
}

/* MXCSR_MASK from an FXSAVE image (TS clear). */
static uint32_t probe_mxcsr_mask(void)
{
	static uint8_t image[LEGACY_BYTES] __attribute__((aligned(16)));
	asm volatile("fxsave64 %0" : "=m"(image));
	uint32_t mask = *(const uint32_t *)(image + MXCSR_MASK_OFFSET);
	return mask ? mask : MXCSR_MASK_ZERO;
}

/* The guest keeps an invalid value only as its old one: the kernel loads only what it checked. */
uint64_t fpu_xcr0_set_behind(uint64_t kept, uint64_t seen)
{
	static bool warned;
	bool valid = vm_xcr0_valid(seen, fpu_xcr0);
	if (!warned)
		log_warn("fpu: a guest's XSETBV set XCR0 to %#lx without the intercept (%s)", seen,
			 valid ? "taken as its value" : "not valid: dropped");
	warned = true;
	if (seen != fpu_xcr0)
		xsetbv0(fpu_xcr0);
	return valid ? seen : kept;
}

uint64_t fpu_guest_xcr0_reset(void)
{
	return fpu_xcr0 ? XCR0_RESET : 0;
}

/* The XSAVE image size for the components in xcr0 (loaded into XCR0 to ask). */
static uint32_t xsave_size(uint64_t xcr0)
{
	xsetbv0(xcr0);
	return cpuid(0xd, 0).ebx;
}

/* Drops `what` from *xcr0 if the image is still too big for a thread page; says so. */
static void drop_if_too_big(uint64_t *xcr0, uint64_t what, const char *name)
{
	uint32_t size = xsave_size(*xcr0);
	if (!(*xcr0 & what) || size <= AREA_ROOM)
		return;
	log_warn("fpu: %s needs a %u-byte save area, a thread page has room for %lu: not enabled",
		 name, size, (uint64_t)AREA_ROOM);
	*xcr0 &= ~what;
}

/* XCR0 with every component the CPU has that the kernel switches, and that fits. */
static uint64_t choose_xcr0(void)
{
	struct cpuid_regs d = cpuid(0xd, 0);
	uint64_t has = d.eax | (uint64_t)d.edx << 32, xcr0 = XF_X87 | XF_SSE;
	if (has & XF_AVX)
		xcr0 |= XF_AVX;
	if ((xcr0 & XF_AVX) && (has & XF_AVX512) == XF_AVX512)
		xcr0 |= XF_AVX512;
	drop_if_too_big(&xcr0, XF_AVX512, "AVX-512");
	drop_if_too_big(&xcr0, XF_AVX, "AVX");
	return xcr0;
}

void fpu_init_ap(void)
{
	write_cr0((read_cr0() | CR0_MP | CR0_NE) & ~CR0_EM);
	if (fpu_xcr0)
		xsetbv0(fpu_xcr0); /* (CR4's OSFXSR, OSXMMEXCPT and OSXSAVE came with the boot CPU's) */
	set_ts();
}

void fpu_init(void)
{
	struct cpuid_regs id = cpuid(1, 0);
	if (!(id.edx & CPUID1_EDX_FXSR))
		panic("fpu: the CPU has no FXSAVE (every x86-64 CPU should)");
	/* MP: WAIT honours TS; NE: x87 errors as #MF, not the legacy IRQ 13; EM off. */
	write_cr0((read_cr0() | CR0_MP | CR0_NE) & ~CR0_EM);
	uint64_t cr4 = read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT;
	if (id.ecx & CPUID1_ECX_XSAVE)
		cr4 |= CR4_OSXSAVE;
	write_cr4(cr4);
	clear_ts();
	mxcsr_mask = probe_mxcsr_mask();
	if (id.ecx & CPUID1_ECX_XSAVE) {
		fpu_xcr0 = choose_xcr0();
		area_bytes = xsave_size(fpu_xcr0);
	} else {
		area_bytes = LEGACY_BYTES;
	}
	set_ts(); /* nobody owns the registers yet: the first user traps */
	log_info("fpu: %s switches x87 SSE%s%s (XCR0 %#lx), %u-byte area per thread, lazily",
		 fpu_xcr0 ? "XSAVE" : "FXSAVE", fpu_xcr0 & XF_AVX ? " AVX" : "",
		 fpu_xcr0 & XF_AVX512 ? " AVX-512" : "", fpu_xcr0, area_bytes);
}
