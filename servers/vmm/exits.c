/*
 * One handler per exit reason, found through one table; anything else
 * stops the guest with an "unhandled exit" report.  A handler reads the
 * exit words in x->w, writes the state to give back into the same words
 * and says which groups it wrote in x->reply.
 */
#include "moat/syscall.h"
#include "moat/user.h"
#include "vmm.h"
#include "x86regs.h"

#define CPUID_VMX        (1u << 5)  /* leaf 1 ECX: hidden, the guest cannot use VMX */
#define CPUID_HYPERVISOR (1u << 31) /* leaf 1 ECX: set, as on any hypervisor */
#define CPUID_X2APIC     (1u << 21) /* leaf 1 ECX: the local APIC model has x2APIC mode */
#define CPUID_TSC_DEADLINE (1u << 24) /* leaf 1 ECX: and the TSC-deadline timer */
#define CPUID_APIC       (1u << 9)  /* leaf 1 EDX: the vCPU's APIC is enabled (IA32_APIC_BASE) */
#define CPUID_PDCM       (1u << 15) /* leaf 1 ECX: IA32_PERF_CAPABILITIES, hidden (no PMU) */
/*
 * Leaf 1: what the VMM has no model of, hidden as KVM hides it.  ECX:
 * MONITOR/MWAIT (bit 3; Linux idled in MWAIT, whose exits only raise
 * #UD here, so it halts instead), the debug store's (2, 4), SMX (6),
 * Enhanced SpeedStep (7), thermal monitor 2 (8) and xTPR updates (14).
 * EDX: the debug store (21), thermal monitor and clock control (22, 29;
 * Linux wrote IA32_THERM_INTERRUPT, an MSR no model has) and pending
 * break (31).
 */
#define CPUID_LEAF1_ECX_HIDDEN ((1u << 2) | (1u << 3) | (1u << 4) | (1u << 6) | (1u << 7) | \
				(1u << 8) | (1u << 14))
#define CPUID_LEAF1_EDX_HIDDEN ((1u << 21) | (1u << 22) | (1u << 29) | (1u << 31))
/* Leaf 6 EAX: the local APIC timer runs in every C-state (ARAT); nothing else of power management. */
#define CPUID_ARAT       (1u << 2)
/* Leaf 7 EBX: IA32_TSC_ADJUST, hidden: the VMM has no such MSR (Linux's RDMSR of it got #GP). */
#define CPUID_TSC_ADJUST (1u << 1)
#define CPUID_PERFCTR_CORE (1u << 23) /* leaf 0x80000001 ECX: AMD's core counters, hidden */
/*
 * Leaf 7 ECX: 5-level paging, hidden.  The walkers that read guest memory
 * by linear address (the kernel's for SVM's instruction lengths, gwalk.c's
 * for MMIO) know 4 levels; Linux uses LA57 where CPUID offers it (QEMU's
 * -cpu max does), and its first MOV DR exit then could not be decoded.
 */
#define CPUID_LA57       (1u << 16)
/*
 * Leaf 7 EBX: INVPCID, hidden.  The kernel does not set VMX's "enable
 * INVPCID" control, so the instruction raises #UD in a guest there (Linux
 * died of it in native_flush_tlb_global under Bochs VMX); SVM would run
 * it, but the VMM shows one CPU whatever the vendor.
 */
#define CPUID_INVPCID    (1u << 10)
#define MSR_MCG_CAP      0x179  /* machine-check banks: 0 (none modelled), read-only */
#define MSR_MCG_STATUS   0x17a  /* no machine check in progress: 0, and only 0 may be written */
#define MSR_MISC_ENABLE  0x1a0
/*
 * MTRRs (SDM vol. 3, 11.11): CPUID says they are there, so their MSRs
 * must not #GP (Linux's mtrr_bp_init warned "unchecked MSR access error:
 * RDMSR from 0xfe").  MTRRCAP reads 0: no variable ranges, no fixed ones,
 * no write-combining type; the default type is all there is: read/write,
 * enabled and write-back as firmware leaves it (MTRR_DEF_TYPE_RESET).
 */
#define MSR_MTRRCAP      0xfe
/*
 * IA32_BIOS_SIGN_ID: the microcode revision.  Linux writes 0 and reads it
 * after CPUID; there is no microcode to report, so it reads 0 and writes
 * are dropped (they raised #GP, and Linux warned).
 */
#define MSR_BIOS_SIGN_ID 0x8b
#define MSR_MTRR_DEF_TYPE 0x2ff
#define MTRR_DEF_TYPE_BITS 0xcffULL /* E (11), FE (10), the type (7:0) */
/* AMD's four legacy counters and their event selects (APM vol. 2, 13.2): always there on AMD. */
#define MSR_K7_PERF_FIRST 0xc0010000u
#define MSR_K7_PERF_LAST  0xc0010007u
/*
 * AMD's interrupt-pending message register (K8, family 0xF): Linux reads
 * it on CPUs with erratum 400 (QEMU's -cpu max says family 0xF) to see
 * whether C1E is on.  It reads 0 (off) on AMD, as under KVM.
 */
#define MSR_K8_INT_PENDING_MSG 0xc0010055u
#define VMCALL_PING       0
#define VMCALL_WRITE_CHAR 1
#define VMCALL_KVM_SEND_IPI 10 /* KVM's paravirtual IPI hypercall, which kvm-unit-tests uses */
/* The EFER bits a guest may write (the ones the kernel takes, docs/vm-exit-protocol.md). */
#define EFER_GUEST       (EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE)

/* The exit qualification of a control-register access (SDM vol. 3, table 27-3). */
#define CR_QUAL_CR(q)    ((unsigned)(q) & 15)
#define CR_QUAL_TYPE(q)  (((unsigned)(q) >> 4) & 3) /* CR_MOV_TO, CR_MOV_FROM, CLTS, LMSW */
#define CR_QUAL_REG(q)   (((unsigned)(q) >> 8) & 15)
#define CR_MOV_TO        0
#define CR_MOV_FROM      1

/* Moves past the instruction that exited, of the length the exit gives. */
static inline void skip_instruction(struct exit_ctx *x)
{
	advance_rip(x, x->w[VMW_INSN_LEN]);
}

/*
 * The guest's TSC (the host's plus the vCPU's offset: RDTSC does not
 * exit) runs at the host's rate and never stops, so CPUID says so and
 * says the rate, and a guest need not calibrate it: invariant TSC
 * (0x80000007 EDX[8]); leaf 0x15 as the TSC at LAPIC_TSC_PER_BUS times a
 * "crystal", the local APIC timer's clock (vlapic.h), and 0x16 its base
 * MHz (what Intel CPUs report, where the highest basic leaf reaches
 * them); and the hypervisor leaves 0x40000000 (signature, highest leaf)
 * and 0x40000010 (TSC kHz in EAX and the APIC bus kHz in EBX, as VMware
 * defined them).
 */
#define HYPERVISOR_LEAF_MAX 0x40000010u
#define CPUID_INVARIANT_TSC (1u << 8)

static void cpuid_tsc_leaves(uint32_t leaf, uint64_t *w)
{
	uint64_t hz = vmm_tsc_hz();
	switch (leaf) {
	case 0x15:
		w[VMW_RAX] = 1;
		w[VMW_RBX] = LAPIC_TSC_PER_BUS;
		w[VMW_RCX] = (uint32_t)(hz / LAPIC_TSC_PER_BUS);
		w[VMW_RDX] = 0;
		break;
	case 0x16:
		w[VMW_RAX] = hz / 1000000;
		w[VMW_RBX] = w[VMW_RCX] = w[VMW_RDX] = 0;
		break;
	case 0x40000000:
		w[VMW_RAX] = HYPERVISOR_LEAF_MAX;
		w[VMW_RBX] = w[VMW_RCX] = w[VMW_RDX] = 0x74616f4d; /* "Moat" three times */
		break;
	case 0x40000010:
		w[VMW_RAX] = hz / 1000;
		w[VMW_RBX] = hz / 1000 / LAPIC_TSC_PER_BUS;
		w[VMW_RCX] = w[VMW_RDX] = 0;
		break;
	case 0x80000007:
		w[VMW_RDX] |= CPUID_INVARIANT_TSC;
		break;
	default:
		if (kvmclock_cpuid(leaf, w))
			break;
		if ((leaf >> 16) == 0x4000) /* the other hypervisor leaves: none */
			w[VMW_RAX] = w[VMW_RBX] = w[VMW_RCX] = w[VMW_RDX] = 0;
	}
}

/*
 * Leaf 1: no VMX for the guest, the hypervisor bit, the vCPU's number as
 * its initial APIC ID (EBX 31:24, what its local APIC's ID register
 * says), and the local APIC as the model is: x2APIC and the TSC-deadline
 * timer, and the APIC bit as IA32_APIC_BASE's enable bit says.
 */
static void cpuid_leaf1(const struct guest *g, uint64_t *w)
{
	unsigned c = guest_exit_cpu(g);
	w[VMW_RCX] = (w[VMW_RCX] & ~(uint64_t)(CPUID_VMX | CPUID_PDCM | CPUID_X2APIC |
					       CPUID_LEAF1_ECX_HIDDEN)) |
		     CPUID_HYPERVISOR | CPUID_TSC_DEADLINE | (g->cfg.no_x2apic ? 0 : CPUID_X2APIC);
	w[VMW_RBX] = (w[VMW_RBX] & 0x00ffffffu) | (uint64_t)c << 24;
	w[VMW_RDX] &= ~(uint64_t)(CPUID_APIC | CPUID_LEAF1_EDX_HIDDEN);
	if (vlapic_hw_enabled(&g->cpu[c].lapic))
		w[VMW_RDX] |= CPUID_APIC;
}

/*
 * Performance monitoring: the VMM has no PMU model, so CPUID shows none:
 * leaf 0xA (Intel's architectural PMU) is all zeros, AMD's core counters
 * (0x80000001 ECX) and PMU v2 (0x80000022) are hidden.  AMD's four legacy
 * counters have no CPUID bit, so their MSRs read 0 and take writes
 * (exit_rdmsr), as KVM does without a PMU.
 */
static void cpuid_no_pmu(uint32_t leaf, uint64_t *w)
{
	if (leaf == 0xa || leaf == 0x80000022)
		w[VMW_RAX] = w[VMW_RBX] = w[VMW_RCX] = w[VMW_RDX] = 0;
	else if (leaf == 0x80000001)
		w[VMW_RCX] &= ~(uint64_t)CPUID_PERFCTR_CORE;
}

/* Leaves 1 and 0xB (EDX: the x2APIC ID), then what every adjusted leaf gets. */
/* The vendor's name in EBX, EDX, ECX of leaves 0 and 0x80000000: "AuthenticAMD". */
#define AMD_VENDOR_EBX 0x68747541u /* "Auth" */
#define AMD_VENDOR_EDX 0x69746e65u /* "enti" */
#define AMD_VENDOR_ECX 0x444d4163u /* "cAMD" */

static void cpuid_adjust(struct guest *g, uint32_t leaf, uint32_t sub, uint64_t *w)
{
	if ((leaf == 0 || leaf == 0x80000000) && g->cfg.vendor_amd) {
		w[VMW_RBX] = AMD_VENDOR_EBX;
		w[VMW_RDX] = AMD_VENDOR_EDX;
		w[VMW_RCX] = AMD_VENDOR_ECX;
	}
	if (leaf == 1)
		cpuid_leaf1(g, w);
	if (leaf == 0xb)
		w[VMW_RDX] = guest_exit_cpu(g);
	if (leaf == 5) /* MONITOR/MWAIT's leaf: there is no MONITOR */
		w[VMW_RAX] = w[VMW_RBX] = w[VMW_RCX] = w[VMW_RDX] = 0;
	if (leaf == 6) {
		w[VMW_RAX] = CPUID_ARAT;
		w[VMW_RBX] = w[VMW_RCX] = w[VMW_RDX] = 0;
	}
	if (leaf == 7 && sub == 0) {
		w[VMW_RBX] &= ~(uint64_t)(CPUID_INVPCID | CPUID_TSC_ADJUST);
		w[VMW_RCX] &= ~(uint64_t)CPUID_LA57;
	}
	cpuid_no_pmu(leaf, w);
	cpuid_tsc_leaves(leaf, w);
	xstate_trim_cpuid(g, leaf, sub, w);
}

/*
 * CPUID runs as the CPU answers it; the few leaves the guest must see
 * otherwise (cpuid_adjusted) are changed after.  The leaf and subleaf are
 * EAX and ECX: the upper halves of RAX and RCX play no part.
 */
static void cpuid_answer(struct exit_ctx *x, uint32_t leaf, uint32_t sub)
{
	uint64_t *w = x->w;
	uint32_t a = leaf, b, c = sub, d;
	asm volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	w[VMW_RAX] = a;
	w[VMW_RBX] = b;
	w[VMW_RCX] = c;
	w[VMW_RDX] = d;
	x->reply |= VMG_GPR_ACDB;
	skip_instruction(x);
}

/* The leaves changed after the CPU's answer: apart, so that the common case keeps nothing for after. */
static void __attribute__((noinline)) exit_cpuid_adjusted(struct exit_ctx *x, uint32_t leaf,
							  uint32_t sub)
{
	cpuid_answer(x, leaf, sub);
	cpuid_adjust(x->g, leaf, sub, x->w);
}

static void exit_cpuid(struct exit_ctx *x)
{
	uint32_t leaf = x->w[VMW_RAX], sub = x->w[VMW_RCX];
	if (cpuid_adjusted(leaf) || x->g->cfg.vendor_amd)
		exit_cpuid_adjusted(x, leaf, sub);
	else
		cpuid_answer(x, leaf, sub);
}

static void exit_vmcall(struct exit_ctx *x)
{
	uint64_t *w = x->w;
	switch (w[VMW_RAX]) {
	case VMCALL_PING:
		w[VMW_RAX] = (uint32_t)(w[VMW_RBX] + 1);
		break;
	case VMCALL_WRITE_CHAR:
		guest_console_byte(x->g, w[VMW_RBX]);
		w[VMW_RAX] = 0;
		break;
	case VMCALL_KVM_SEND_IPI: /* RBX, RCX: the IDs' bitmap, from RDX up; RSI: ICR low */
		w[VMW_RAX] = smp_send_ipi_bitmap(x, w[VMW_RBX], w[VMW_RCX], w[VMW_RDX], w[VMW_RSI]);
		break;
	default:
		w[VMW_RAX] = 0xffffffff;
	}
	x->reply |= VMG_GPR_ACDB;
	skip_instruction(x);
}

/*
 * After a port write: a reset through the 8042 or port 0x92 stops the
 * guest with its reason (a CPU reset is not modelled), and ACPI's S5 ends
 * it well, as a machine turned off, as does the console line a
 * test=console case waits for.  True if it stopped.
 */
static bool platform_stopped(struct exit_ctx *x, uint16_t port)
{
	struct guest *g = x->g;
	if (g->done)
		return true;
	if (g->kbc.reset_reason)
		guest_stop(x, g->kbc.reset_reason, port);
	else if (g->pm.powered_off)
		guest_stop(x, 0, 0);
	else if (g->console_matched) /* test=console: its line came; the case has passed */
		guest_stop(x, 0, port);
	else
		return false;
	return true;
}

/* IN, OUT and their string forms, to or from the devices. */
static void exit_io(struct exit_ctx *x)
{
	uint64_t *w = x->w, q = w[VMW_QUAL];
	unsigned size = (q & IO_QUAL_SIZE) + 1;
	bool in = q & IO_QUAL_IN;
	uint16_t port = IO_QUAL_PORT(q);
	uint32_t mask = size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
	if (q & IO_QUAL_STRING) { /* through the guest's paging, rip moved on when done (emulate.c) */
		emulate_string_io(x, port, size, in);
		if (!platform_stopped(x, port))
			inject_pending_interrupt(x);
		return;
	}
	if (in) {
		uint32_t v = port_read(x->g, port, size);
		w[VMW_RAX] = size == 4 ? v : (w[VMW_RAX] & ~(uint64_t)mask) | v;
		x->reply |= VMG_GPR_ACDB;
	} else if (testdev_harness_write(x, port, w[VMW_RAX] & mask)) {
		return;
	} else {
		port_write(x->g, port, size, w[VMW_RAX] & mask);
	}
	if (platform_stopped(x, port))
		return;
	skip_instruction(x);
	inject_pending_interrupt(x);
}

void inject_exception(struct exit_ctx *x, uint32_t info, uint32_t error)
{
	/* In real mode no exception pushes an error code (VMX refuses the injection with one). */
	if ((x->w[VMW_MASK] & VMG_CR) && !(x->w[VMW_CR0] & CR0_PE))
		info &= ~VM_EVENT_ERROR_CODE;
	x->w[VMW_INJECT_INFO] = info;
	x->w[VMW_INJECT_ERROR] = error;
	x->reply |= VMG_INJECT;
}

void inject_gp(struct exit_ctx *x)
{
	inject_exception(x, EVENT_FAULT(VECTOR_GP), 0);
}

/* MONITOR and MWAIT: CPUID says there are none, so #UD, as on a CPU without them. */
static void exit_monitor_mwait(struct exit_ctx *x)
{
	inject_exception(x, EVENT_UD, 0);
}

/*
 * WBINVD (Linux runs it on each CPU as it sets up its caches): skipped.
 * The guest's RAM is ordinary write-back memory that no device writes
 * behind the caches' back, so there is nothing to write back that
 * matters to it, and flushing the host's caches would be a cost every
 * other task on the CPU pays.  (At CPL > 0 the CPU raised #GP first.)
 */
static void exit_wbinvd(struct exit_ctx *x)
{
	skip_instruction(x);
}

/*
 * XSETBV: checked as the CPU would (#GP(0) at CPL > 0, for an XCR other
 * than 0 (ECX's low half; the upper is ignored), or for a value XSETBV
 * refuses, vm_xcr0_valid); a valid value becomes the vCPU's XCR0, which
 * the kernel loads while the guest runs (docs/fpu.md).  (CR4.OSXSAVE
 * clear gives #UD before any exit.)
 */
static void exit_xsetbv(struct exit_ctx *x)
{
	uint64_t *w = x->w, v = (w[VMW_RDX] << 32) | (uint32_t)w[VMW_RAX];
	unsigned cpl = (VM_SEG_AR(w[VMW_SEG_DESC(VMS_SS)]) >> 5) & 3;
	if (!(w[VMW_MASK] & VMG_SEG) || cpl || (uint32_t)w[VMW_RCX] ||
	    !vm_xcr0_valid(v, xstate_switched()))
		return inject_gp(x);
	w[VMW_XCR0] = v;
	x->g->cpu[exit_cpu(x)].xcr0 = v;
	x->reply |= VMG_XCR0;
	skip_instruction(x);
}

/*
 * RDMSR and WRMSR of the MSRs that exit.  The guest's own MSRs are vCPU
 * state (VMG_MSR, which the default binding carries): the syscall and
 * SYSENTER MSRs, FS/GS/KERNEL_GS base and TSC_AUX reach the VMM only on
 * hardware that cannot pass them through; PAT and DEBUGCTL always do.
 * A value WRMSR would refuse raises #GP, by the rule the kernel checks
 * the reply with.  IA32_TSC is the host's TSC plus the vCPU's offset, so
 * writing it sets the offset.
 */
/* Whether the CPU is AMD's (its vendor, CPUID leaf 0). */
static bool cpu_is_amd(void)
{
	static int amd = -1;
	if (amd < 0) {
		uint32_t a = 0, b, c = 0, d;
		asm volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
		amd = b == AMD_VENDOR_EBX;
	}
	return amd;
}

/* Whether the guest's CPUID says AMD: the CPU's does, or vendor=amd. */
static bool guest_is_amd(const struct guest *g)
{
	return g->cfg.vendor_amd || cpu_is_amd();
}

/* Whether msr is one of AMD's legacy counters and the guest's CPU has them (an AMD one). */
static bool amd_legacy_pmu_msr(const struct guest *g, uint32_t msr)
{
	return msr >= MSR_K7_PERF_FIRST && msr <= MSR_K7_PERF_LAST && guest_is_amd(g);
}

static void exit_rdmsr(struct exit_ctx *x)
{
	uint64_t *w = x->w, v;
	uint32_t msr = w[VMW_RCX];
	unsigned word = vm_msr_word(msr);
	if (word)
		v = w[word];
	else if (msr == MSR_TSC)
		v = rdtsc() + w[VMW_TSC_OFFSET];
	else if (msr == MSR_EFER)
		v = w[VMW_EFER];
	else if (amd_legacy_pmu_msr(x->g, msr) || msr == MSR_MCG_CAP || msr == MSR_MCG_STATUS)
		v = 0;
	else if (msr == MSR_MISC_ENABLE)
		v = x->g->cpu[exit_cpu(x)].misc_enable;
	else if (msr == MSR_MTRRCAP || msr == MSR_BIOS_SIGN_ID ||
		 (msr == MSR_K8_INT_PENDING_MSG && guest_is_amd(x->g)))
		v = 0;
	else if (msr == MSR_MTRR_DEF_TYPE)
		v = x->g->cpu[exit_cpu(x)].mtrr_def_type;
	else if (kvmclock_is_msr(msr))
		kvmclock_msr(x->g, exit_cpu(x), msr, false, &v);
	else if (!smp_is_lapic_msr(msr) || !smp_lapic_msr(x, msr, false, &v))
		return inject_gp(x);
	w[VMW_RAX] = (uint32_t)v;
	w[VMW_RDX] = v >> 32;
	x->reply |= VMG_GPR_ACDB;
	skip_instruction(x);
	if (smp_is_lapic_msr(msr))
		inject_pending_interrupt(x); /* its timer may have fired meanwhile */
}

/* Whether WRMSR takes v for IA32_MTRR_DEF_TYPE: no reserved bit, a memory type that exists. */
static bool mtrr_def_type_valid(uint64_t v)
{
	unsigned type = v & 0xff;
	return !(v & ~MTRR_DEF_TYPE_BITS) && (type <= 1 || (type >= 4 && type <= 6));
}

static void exit_wrmsr(struct exit_ctx *x)
{
	uint64_t *w = x->w, v = (w[VMW_RDX] << 32) | (uint32_t)w[VMW_RAX];
	uint32_t msr = w[VMW_RCX];
	unsigned word = vm_msr_word(msr);
	if (word && vm_msr_value_valid(word, v)) {
		w[word] = v;
		x->reply |= VMG_MSR;
	} else if (msr == MSR_TSC) {
		w[VMW_TSC_OFFSET] = v - rdtsc();
		x->g->cpu[exit_cpu(x)].tsc_offset = w[VMW_TSC_OFFSET];
		kvmclock_tsc_changed(x->g, exit_cpu(x));
		x->reply |= VMG_MSR;
	} else if (smp_is_lapic_msr(msr) && smp_lapic_msr(x, msr, true, &v)) {
		skip_instruction(x);
		inject_pending_interrupt(x); /* an EOI, a TPR, a self-IPI or a deadline may have one */
		return;
	} else if (amd_legacy_pmu_msr(x->g, msr) || (msr == MSR_MCG_STATUS && v == 0) ||
		   msr == MSR_BIOS_SIGN_ID) {
		/* taken and dropped: the counters never count (cpuid_no_pmu); no machine check runs */
	} else if (msr == MSR_MISC_ENABLE) {
		x->g->cpu[exit_cpu(x)].misc_enable = v;
	} else if (msr == MSR_MTRR_DEF_TYPE && mtrr_def_type_valid(v)) {
		x->g->cpu[exit_cpu(x)].mtrr_def_type = v;
	} else if (kvmclock_is_msr(msr) && kvmclock_msr(x->g, exit_cpu(x), msr, true, &v)) {
		/* its record written (kvmclock.c) */
	} else if (msr == MSR_EFER && !(v & ~EFER_GUEST)) {
		w[VMW_EFER] = (v & ~EFER_LMA) | (w[VMW_EFER] & EFER_LMA); /* LMA is the CPU's */
		x->reply |= VMG_CR;
	} else {
		return inject_gp(x);
	}
	skip_instruction(x);
}

/* General register n in the instructions' encoding (rax, rcx, ... r15), as its word in w. */
uint64_t *gpr_word(uint64_t *w, unsigned n)
{
	static const uint8_t word[16] = {
		VMW_RAX, VMW_RCX, VMW_RDX, VMW_RBX, VMW_RSP, VMW_RBP, VMW_RSI, VMW_RDI,
		VMW_R8, VMW_R9, VMW_R10, VMW_R11, VMW_R12, VMW_R13, VMW_R14, VMW_R15,
	};
	return &w[word[n & 15]];
}

/*
 * CR4 bits MOV refuses with #GP(0) here: reserved ones (15, 25 and up),
 * VMX and SMX (CPUID hides both), and OSXSAVE without XSAVE.
 */
#define CR4_VMXE_SMXE   (3ULL << 13)
#define CR4_RESERVED    (~0x1ffffffULL | 1ULL << 15)

static bool cr4_refused(uint64_t v)
{
	return (v & (CR4_RESERVED | CR4_VMXE_SMXE)) || ((v & CR4_OSXSAVE) && !xstate_has_xsave());
}

/*
 * MOV to/from CR0, CR4 (the bits the kernel keeps on VMX, every write on
 * SVM) and CR8 (the task priority, on both).
 */
static void exit_cr(struct exit_ctx *x)
{
	uint64_t *w = x->w, q = w[VMW_QUAL], *reg = gpr_word(w, CR_QUAL_REG(q));
	unsigned cr = CR_QUAL_CR(q), type = CR_QUAL_TYPE(q);
	if (type == CR_MOV_TO && cr == 4 && cr4_refused(*reg)) {
		return inject_gp(x);
	} else if (type == CR_MOV_TO && (cr == 0 || cr == 4)) {
		w[cr == 0 ? VMW_CR0 : VMW_CR4] = *reg;
		bool paging = w[VMW_CR0] & CR0_PG, lme = w[VMW_EFER] & EFER_LME;
		w[VMW_EFER] = (w[VMW_EFER] & ~EFER_LMA) | (paging && lme ? EFER_LMA : 0);
		x->g->cpu[exit_cpu(x)].cr4 = w[VMW_CR4]; /* for CPUID's OSXSAVE bit */
		x->reply |= VMG_CR;
	} else if (cr == 8 && type == CR_MOV_TO && (*reg >> 4)) {
		return inject_gp(x); /* reserved bits */
	} else if (cr == 8) { /* the local APIC's task priority */
		struct vlapic *l = &x->g->cpu[exit_cpu(x)].lapic;
		if (type == CR_MOV_FROM)
			*reg = vlapic_cr8(l);
		else
			vlapic_set_cr8(l, *reg);
		x->reply |= VMG_GPR_ACDB | VMG_GPR_OTHER;
	} else {
		guest_stop(x, "unsupported control-register access", q);
		return;
	}
	skip_instruction(x);
	if (cr == 8)
		inject_pending_interrupt(x); /* a lower priority may let one through */
}

/*
 * MOV to and from the debug registers, which always exit: their values
 * are the vCPU's (VMG_DEBUG), and the kernel loads DR0-3 into the CPU
 * while DR7 arms them.  DR4 and DR5 are DR6 and DR7 unless CR4.DE makes
 * them #UD.  A value MOV would refuse raises #GP; the fixed bits of DR6
 * (reserved ones read 1) and DR7 (bit 10 reads 1; 11, 12, 14, 15 read 0)
 * are as the CPU keeps them.
 */
static void exit_mov_dr(struct exit_ctx *x)
{
	uint64_t *w = x->w, q = w[VMW_QUAL], *reg = gpr_word(w, DR_QUAL_GPR(q));
	unsigned n = DR_QUAL_DR(q);
	if (n == 4 || n == 5) {
		if (w[VMW_CR4] & CR4_DE)
			return inject_exception(x, EVENT_UD, 0);
		n += 2;
	}
	unsigned word = n < 4 ? VMW_DR0 + n : n == 6 ? VMW_DR6 : VMW_DR7;
	if (q & DR_QUAL_FROM_DR) {
		*reg = w[word];
		x->reply |= VMG_GPR_ACDB | VMG_GPR_OTHER;
	} else if (vm_debug_value_valid(word, *reg)) {
		uint64_t v = *reg;
		if (word == VMW_DR6)
			v = (v & 0xe00f) | 0xffff0ff0;
		else if (word == VMW_DR7)
			v = (v & 0xffff27ff) | 0x400;
		w[word] = v;
		x->reply |= VMG_DEBUG;
	} else {
		return inject_gp(x);
	}
	skip_instruction(x);
}

/* HLT: the vCPU sleeps until its next interrupt or an INIT; an AP with IF=0 halts for good. */
static void exit_hlt(struct exit_ctx *x)
{
	bool ap = exit_cpu(x);
	if (!(x->w[VMW_RFLAGS] & RFLAGS_IF)) {
		if (ap)
			smp_halt(x);
		else
			guest_stop(x, "halted with interrupts disabled", 0);
		return;
	}
	guest_console_flush(x->g); /* it idles: its prompt shows while it waits */
	devices_halt(x->g);
	if (smp_recalled(x)) /* an INIT woke it */
		return;
	skip_instruction(x);
	inject_pending_interrupt(x);
	if (!ap && !(x->reply & VMG_INJECT) &&
	    !(x->w[VMW_CONTROLS] & (VMC_INTR_WINDOW | VMC_NMI_WINDOW)))
		guest_stop(x, "halted with no interrupt to come", 0);
}

static void exit_ept_violation(struct exit_ctx *x)
{
	if (!mmio_access(x))
		guest_stop(x, "access to memory it does not have", x->w[VMW_GPA]);
	else if (!x->g->done)
		inject_pending_interrupt(x);
}

/*
 * The interrupt and NMI windows: the guest can take what was waiting.
 * One taken at a HLT is taken as the halt's wake-up, rip past it: as if
 * the window had opened a moment later, once HLT ran, a timing the VMM
 * may choose, as it decides when an interrupt arrives.  Otherwise a guest
 * whose `sti; hlt` saw the window open between the two (QEMU 7.2's SVM
 * does, STI's shadow notwithstanding) would halt again after the handler,
 * perhaps with nothing more to come.
 */
static void exit_interrupt_window(struct exit_ctx *x)
{
	inject_pending_interrupt(x);
	if ((x->reply & VMG_INJECT) && emulate_at_hlt(x))
		advance_rip(x, 1);
}

const char guest_triple_fault[] = "triple fault";

static void exit_triple_fault(struct exit_ctx *x)
{
	guest_stop(x, guest_triple_fault, 0);
}

static void exit_invalid_state(struct exit_ctx *x)
{
	guest_stop(x, "invalid guest state at VM entry", x->w[VMW_REASON]);
}

/* An exception the guest raised: only a #UD exits (VMC_UD_EXIT, which guest_controls sets). */
static void exit_exception(struct exit_ctx *x)
{
	uint64_t info = x->w[VMW_EXIT_INTR_INFO];
	if (!(x->w[VMW_MASK] & VMG_EVENT) || (info & 0xff) != VECTOR_UD)
		guest_stop(x, "an exception exit the VMM did not ask for", info);
	else
		emulate_ud(x);
}

static void (*const handlers[VMEXIT_REASONS])(struct exit_ctx *x) = {
	[VMEXIT_EXCEPTION] = exit_exception,
	[VMEXIT_TRIPLE_FAULT] = exit_triple_fault,
	[VMEXIT_INTERRUPT_WINDOW] = exit_interrupt_window,
	[VMEXIT_NMI_WINDOW] = exit_interrupt_window,
	[VMEXIT_CPUID] = exit_cpuid,
	[VMEXIT_HLT] = exit_hlt,
	[VMEXIT_HYPERCALL] = exit_vmcall,
	[VMEXIT_CR_ACCESS] = exit_cr,
	[VMEXIT_MOV_DR] = exit_mov_dr,
	[VMEXIT_IO] = exit_io,
	[VMEXIT_RDMSR] = exit_rdmsr,
	[VMEXIT_WRMSR] = exit_wrmsr,
	[VMEXIT_INVALID_STATE] = exit_invalid_state,
	[VMEXIT_GPA_FAULT] = exit_ept_violation,
	[VMEXIT_XSETBV] = exit_xsetbv,
	[VMEXIT_WBINVD] = exit_wbinvd,
	[VMEXIT_MONITOR] = exit_monitor_mwait,
	[VMEXIT_MWAIT] = exit_monitor_mwait,
};

/* The exits the table has no handler for: the kernel's recall, and the rest. */
static void __attribute__((noinline)) exit_other(struct exit_ctx *x, uint32_t reason)
{
	if (reason == VMEXIT_RECALL) { /* input arrived, an INIT, or the VMM wants the guest stopped */
		if (smp_recalled(x))
			return;
		devices_offer_input(x->g);
		inject_pending_interrupt(x);
		if (x->g->cfg.test == TEST_SPIN)
			guest_stop(x, "recalled", 0);
		return;
	}
	if (reason == VMEXIT_DEADLINE) /* a timer's interrupt is due (devices.c) */
		return exit_deadline_fired(x);
	uprintf("vmm: guest %s: unhandled exit %u at rip %#lx\n", x->g->cfg.name, reason,
		x->w[VMW_RIP]);
	guest_stop(x, "unhandled exit", reason);
}

void exit_handle(struct exit_ctx *x)
{
	uint32_t reason = x->w[VMW_REASON] & 0xffff;
	if (x->w[VMW_MASK] & VMG_XCR0) /* the default binding's, or news (QEMU's SVM, docs/fpu.md) */
		x->g->cpu[exit_cpu(x)].xcr0 = x->w[VMW_XCR0];
	if (reason < VMEXIT_REASONS && handlers[reason])
		handlers[reason](x);
	else
		exit_other(x, reason);
}
