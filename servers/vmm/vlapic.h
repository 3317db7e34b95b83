/*
 * A local APIC, one per vCPU (Intel SDM vol. 3, chapter 10 "Advanced
 * Programmable Interrupt Controller"; AMD APM vol. 2, chapter 16).
 *
 * Two ways in, one set of registers: xAPIC mode, 32-bit registers at
 * 16-byte aligned offsets of the 4 KiB page at IA32_APIC_BASE, and x2APIC
 * mode, MSR 0x800 + offset / 16 (the ICR one 64-bit MSR, 0x830; the ID
 * 32 bits wide; SELF IPI at 0x83F).  In x2APIC mode the MSRs are strict:
 * reading a write-only register, writing a read-only one or a reserved
 * bit, and any register that does not exist raise #GP; in xAPIC mode such
 * accesses read 0 and are dropped, as on hardware.
 *
 * Modelled: ID (read-only), version, TPR, APR, PPR, EOI, LDR and DFR
 * (flat and cluster logical destinations), SVR (software enable, spurious
 * vector, focus bit kept), ISR/TMR/IRR, ESR (send/receive illegal vector,
 * which interrupt through the error LVT entry when it is unmasked),
 * the six LVT entries (timer, thermal, performance, LINT0, LINT1, error:
 * no CMCI), the timer (initial and current count, divide configuration,
 * one-shot, periodic and TSC-deadline modes), the ICR, IA32_APIC_BASE's
 * enable and x2APIC bits with the SDM's transitions (10.12.5), and
 * IA32_TSC_DEADLINE.
 *
 * Interrupts: a fixed or lowest-priority message sets an IRR bit (and
 * TMR for level triggering); the highest IRR vector whose priority class
 * is above the PPR's is the one to deliver; acknowledging it moves it to
 * the ISR; EOI clears the highest ISR bit and, for a level-triggered
 * vector, calls the EOI hook (the I/O APIC's remote IRR).  An NMI message
 * adds to nmi_pending, as a CPU holds them: one NMI delivered and one
 * latched until the handler's IRET.  So two that come before the first is
 * taken are both kept (VLAPIC_NMIS_HELD), one that comes while an NMI's
 * handler runs (nmi_in_service, which the VMM keeps) is latched, and
 * more are lost.  (KVM counts the same way; kvm-unit-tests' apic tests
 * "multiple nmi" and "pending nmi" check both halves.)  INIT and STARTUP are the VMM's business (smp.c).
 * Every IPI is sent at once, so the ICR's delivery status reads idle and
 * no spurious interrupt ever arises (acceptance and acknowledgement
 * happen together).
 *
 * Time is the guest's TSC ("now", passed in), and the timer counts at
 * the APIC bus clock, the TSC's rate / LAPIC_TSC_PER_BUS, divided by the
 * divide configuration (CPUID leaf 0x15 calls that clock the crystal,
 * with the TSC at LAPIC_TSC_PER_BUS times its rate: exits.c).  Slower
 * than the TSC, as on hardware, so that a guest that watches a count go
 * down sees it do so across exits that cost thousands of TSC counts
 * under emulators.  The model never reads a clock; it fires a
 * timer whose time has come when it is given a later "now"
 * (vlapic_update), and says when that will be (vlapic_next_deadline).
 * Pure: no syscalls, host-tested (tests/unit/test_vlapic.c).
 */
#ifndef VMM_VLAPIC_H
#define VMM_VLAPIC_H

#include <stdbool.h>
#include <stdint.h>

#include "x86regs.h" /* IA32_APIC_BASE: APIC_BASE_DEFAULT, _BSP, _EXTD, _ENABLE */

#define LAPIC_PAGE_BYTES 4096

/* Register offsets in the xAPIC page (x2APIC: MSR 0x800 + offset / 16). */
#define LAPIC_ID            0x020
#define LAPIC_VERSION       0x030
#define LAPIC_TPR           0x080
#define LAPIC_APR           0x090
#define LAPIC_PPR           0x0a0
#define LAPIC_EOI           0x0b0
#define LAPIC_LDR           0x0d0
#define LAPIC_DFR           0x0e0
#define LAPIC_SVR           0x0f0
#define LAPIC_ISR           0x100 /* 8 registers, 16 bytes apart: vectors 32 i .. 32 i + 31 */
#define LAPIC_TMR           0x180
#define LAPIC_IRR           0x200
#define LAPIC_ESR           0x280
#define LAPIC_ICR_LOW       0x300
#define LAPIC_ICR_HIGH      0x310
#define LAPIC_LVT_TIMER     0x320
#define LAPIC_LVT_THERMAL   0x330
#define LAPIC_LVT_PERF      0x340
#define LAPIC_LVT_LINT0     0x350
#define LAPIC_LVT_LINT1     0x360
#define LAPIC_LVT_ERROR     0x370
#define LAPIC_TIMER_INITIAL 0x380
#define LAPIC_TIMER_CURRENT 0x390
#define LAPIC_TIMER_DIVIDE  0x3e0
#define LAPIC_SELF_IPI      0x3f0 /* x2APIC only */

#define MSR_X2APIC_FIRST    0x800
#define MSR_X2APIC_LAST     0x8ff
#define MSR_X2APIC_ICR      0x830
#define MSR_TSC_DEADLINE    0x6e0

/* The version register: an integrated APIC (0x14) with 6 LVT entries (max index 5). */
#define LAPIC_TSC_PER_BUS   16u /* TSC counts per APIC bus clock */
#define LAPIC_VERSION_VALUE 0x00050014u
#define LAPIC_SVR_RESET     0xffu
#define LAPIC_SVR_ENABLE    (1u << 8)

/* LVT entries: vector 7:0, delivery mode 10:8, mask 16, timer mode 18:17. */
#define LVT_MASKED          (1u << 16)
#define LVT_MODE(v)         (((v) >> 8) & 7u)
#define LVT_TIMER_MODE(v)   (((v) >> 17) & 3u)
#define LVT_TIMER_ONESHOT   0u
#define LVT_TIMER_PERIODIC  1u
#define LVT_TIMER_DEADLINE  2u
enum lvt_index { LVT_TIMER, LVT_THERMAL, LVT_PERF, LVT_LINT0, LVT_LINT1, LVT_ERROR, LVT_COUNT };

/* ICR low: vector 7:0, delivery mode 10:8, destination mode 11, status 12, level 14, trigger 15, shorthand 19:18. */
#define ICR_VECTOR(v)      ((v) & 0xffu)
#define ICR_MODE(v)        (((v) >> 8) & 7u)
#define ICR_LOGICAL        (1u << 11)
#define ICR_BUSY           (1u << 12)
#define ICR_LEVEL_ASSERT   (1u << 14)
#define ICR_TRIGGER_LEVEL  (1u << 15)
#define ICR_SHORTHAND(v)   (((v) >> 18) & 3u)
#define ICR_DEST_NONE      0u /* the destination field names the target */
#define ICR_DEST_SELF      1u
#define ICR_DEST_ALL       2u
#define ICR_DEST_OTHERS    3u /* all excluding self */

/* ESR bits the model sets. */
#define ESR_SEND_ILLEGAL    (1u << 5)
#define ESR_RECEIVE_ILLEGAL (1u << 6)

/*
 * An interrupt message on the APIC bus: what an I/O APIC redirection
 * entry, an MSI or an IPI sends (SDM vol. 3, 10.6 and 10.11; the I/O APIC's
 * redirection entries have the same fields).  smp.c delivers it to the
 * local APICs it reaches with apic_deliver (vmm.h).
 */
struct apic_irq {
	uint8_t vector;
	uint8_t mode;     /* delivery mode: APIC_MODE_* (ICR_MODE's encoding) */
	bool logical;     /* dest is a logical destination (else a physical APIC ID) */
	bool level;       /* level-triggered (the I/O APIC's remote IRR waits for its EOI) */
	uint32_t dest;    /* APIC ID or logical destination; 0xff (x2APIC 0xffffffff): all */
};
#define APIC_MODE_FIXED    0u
#define APIC_MODE_LOWEST   1u
#define APIC_MODE_SMI      2u
#define APIC_MODE_NMI      4u
#define APIC_MODE_INIT     5u
#define APIC_MODE_STARTUP  6u
#define APIC_MODE_EXTINT   7u

/* An IPI a write of the ICR (or SELF IPI) sent: `send` false for none. */
struct vlapic_ipi {
	bool send;
	uint8_t shorthand; /* ICR_DEST_*; with ICR_DEST_NONE, irq.dest names the target */
	struct apic_irq irq;
};

/* The NMIs a local APIC holds for its CPU at most: one delivered, one latched. */
#define VLAPIC_NMIS_HELD 2

struct vlapic {
	uint32_t id;           /* the APIC ID: the vCPU's number */
	uint64_t base;         /* IA32_APIC_BASE */
	uint32_t tpr, svr, ldr, dfr, icr_low, icr_high;
	uint32_t esr, esr_pending; /* errors since the last ESR write, made visible by the next */
	uint32_t lvt[LVT_COUNT];
	uint32_t isr[8], tmr[8], irr[8];
	uint32_t timer_initial, timer_divide;
	bool timer_running;    /* one-shot or periodic, counting down */
	uint64_t timer_start;  /* the guest TSC when the count was timer_initial */
	uint64_t tsc_deadline; /* TSC-deadline mode: when to fire, 0 for not armed */
	/*
	 * vlapic_next_deadline's answer, kept by every change to the timer's
	 * state (its registers, a fire, a reset) so that the exit path reads
	 * it instead of working it out: until the guest TSC reaches it,
	 * vlapic_update has nothing to do that anyone sees.
	 */
	uint64_t timer_due;
	uint8_t nmi_pending; /* NMIs accepted, not yet injected: 0 to VLAPIC_NMIS_HELD */
	bool nmi_in_service; /* an injected NMI's handler may still run: until the NMI window opens */
	/* Called at the EOI of a level-triggered vector (the I/O APIC's remote IRR), if set. */
	void (*eoi_level)(void *ctx, uint8_t vector);
	void *eoi_ctx;
};

/* The APIC of processor id (the bootstrap processor if bsp) at power-up: xAPIC, software-disabled. */
void vlapic_init(struct vlapic *l, uint32_t id, bool bsp);
/* What an INIT does: every register to its power-up value but the ID and IA32_APIC_BASE. */
void vlapic_reset(struct vlapic *l);

static inline bool vlapic_hw_enabled(const struct vlapic *l)
{
	return l->base & APIC_BASE_ENABLE;
}
static inline bool vlapic_x2apic(const struct vlapic *l)
{
	return (l->base & APIC_BASE_EXTD) && vlapic_hw_enabled(l);
}
static inline bool vlapic_xapic(const struct vlapic *l)
{
	return vlapic_hw_enabled(l) && !(l->base & APIC_BASE_EXTD);
}
/* The guest-physical page of its xAPIC registers. */
static inline uint64_t vlapic_mmio_base(const struct vlapic *l)
{
	return l->base & ~0xfffULL & ((1ULL << 52) - 1);
}

/*
 * xAPIC MMIO: the 32-bit register at off (16-byte aligned) at guest TSC
 * now.  Outside xAPIC mode the page is not the APIC's: reads give all
 * ones and writes are dropped.  A write returns the IPI it sends.
 */
uint32_t vlapic_mmio_read(struct vlapic *l, uint32_t off, uint64_t now);
struct vlapic_ipi vlapic_mmio_write(struct vlapic *l, uint32_t off, uint32_t v, uint64_t now);
/* x2APIC MSRs 0x800-0x8FF: false for #GP (also outside x2APIC mode). */
bool vlapic_msr_read(struct vlapic *l, uint32_t msr, uint64_t now, uint64_t *v);
bool vlapic_msr_write(struct vlapic *l, uint32_t msr, uint64_t v, uint64_t now,
		      struct vlapic_ipi *ipi);
/*
 * WRMSR IA32_APIC_BASE: false for #GP (reserved bits, at or above bit
 * phys_bits, or a transition the SDM forbids).  BSP is read-only.
 */
bool vlapic_set_base(struct vlapic *l, uint64_t v, unsigned phys_bits);
/* IA32_TSC_DEADLINE: reads 0 outside TSC-deadline mode and once fired; writes arm it there. */
uint64_t vlapic_tsc_deadline(struct vlapic *l, uint64_t now);
void vlapic_set_tsc_deadline(struct vlapic *l, uint64_t v, uint64_t now);
/* CR8: the TPR's priority class (bits 7:4), kept even while the APIC is disabled. */
static inline uint64_t vlapic_cr8(const struct vlapic *l)
{
	return l->tpr >> 4;
}
static inline void vlapic_set_cr8(struct vlapic *l, uint64_t v)
{
	l->tpr = (uint32_t)(v & 0xf) << 4;
}

/* Whether irq's destination names this APIC (a disabled one is named by nothing). */
bool vlapic_matches(const struct vlapic *l, const struct apic_irq *irq);
/*
 * The APICs among apics[0..n-1] (n <= 32) that a message reaches, a bit
 * per index: by shorthand (from: the sender's index), or those its
 * destination names; of those, for lowest priority, only the one with the
 * lowest PPR (the first on a tie).
 */
uint32_t vlapic_targets(const struct vlapic *const *apics, unsigned n, unsigned from,
			uint8_t shorthand, const struct apic_irq *irq);
/* Takes a fixed, lowest-priority or NMI message; other modes are the VMM's. */
void vlapic_accept(struct vlapic *l, const struct apic_irq *irq);
/* The processor priority (SDM 10.8.3.1): from the TPR and the highest vector in service. */
uint8_t vlapic_ppr(const struct vlapic *l);
/* The vector to deliver now (the highest IRR above PPR), -1 for none. */
int vlapic_pending_vector(const struct vlapic *l);
/* The processor takes vlapic_pending_vector's vector: IRR -> ISR.  Returns it. */
uint8_t vlapic_acknowledge(struct vlapic *l);
/* Whether the 8259's output reaches this processor: LINT0 as ExtINT, or no APIC in the way. */
bool vlapic_accepts_pic(const struct vlapic *l);

/* Brings the timer to guest TSC now: a count or deadline that has run out fires. */
void vlapic_update(struct vlapic *l, uint64_t now);
/*
 * The guest TSC at which the timer fires next, UINT64_MAX if it will not
 * (stopped or masked).  Before it, vlapic_update leaves IRR alone: a
 * caller may skip it (a masked timer's count runs on; the accesses that
 * show it bring it up to date themselves).
 */
uint64_t vlapic_next_deadline(const struct vlapic *l);

#endif
