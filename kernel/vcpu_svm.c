/*
 * vCPUs on AMD SVM: the VMCB (kernel memory, never mapped to a task), the
 * intercepts that keep a guest contained, VMRUN and #VMEXIT, and the
 * translation of SVM exit codes and VMCB fields into the same exit
 * reasons and message words the VMM gets from VMX.  Offsets and rules:
 * AMD64 APM vol. 2, chapter 15 and appendix B.
 *
 * Instruction lengths: QEMU has neither next-RIP saving nor decode
 * assists, so the kernel supplies them.  It intercepts only instructions
 * of fixed length (CPUID 2, HLT 1, RDMSR/WRMSR 2, VMCALL/VMMCALL 3,
 * XSETBV 3), and for I/O the CPU reports the next RIP itself (EXITINFO2).  MOV to and
 * from CRs and DRs it decodes (decode_mov), and PAUSE (pause_length).  MMIO (nested
 * page faults) needs no length from the kernel: the VMM decodes it.
 */
#include "bkl.h"
#include "entry.h"
#include "fastpath.h"
#include "fpu.h"
#include "gpa_space.h"
#include "mem.h"
#include "lapic.h"
#include "log.h"
#include "memory.h"
#include "smp.h"
#include "svm.h"
#include "task.h"
#include "thread.h"
#include "trap.h"
#include "vcpu.h"
#include "x86.h"

/* VMCB control area. */
#define C_INTERCEPT_CR    0x000 /* reads of CR0-15 in bits 0-15, writes in 16-31 */
#define C_INTERCEPT_DR    0x004 /* reads of DR0-15 in bits 0-15, writes in 16-31 */
#define C_INTERCEPT_EXC   0x008
#define C_INTERCEPT_MISC1 0x00c
#define C_INTERCEPT_MISC2 0x010
#define C_PAUSE_THRESHOLD 0x03c /* 16 bits: PauseFilterThreshold */
#define C_PAUSE_COUNT     0x03e /* 16 bits: PauseFilterCount */
#define C_IOPM            0x040
#define C_MSRPM           0x048
#define C_TSC_OFFSET      0x050
#define C_ASID            0x058
#define C_TLB_CONTROL     0x05c
#define C_VINTR           0x060
#define C_INT_SHADOW      0x068
#define C_EXITCODE        0x070
#define C_EXITINFO1       0x078
#define C_EXITINFO2       0x080
#define C_EXITINTINFO     0x088
#define C_NP_ENABLE       0x090
#define C_EVENTINJ        0x0a8
#define C_NCR3            0x0b0
#define C_LBR_VIRT        0x0b8
/* VMCB state save area. */
#define S_SEG             0x400 /* ES, CS, SS, DS, FS, GS, then GDTR, LDTR, IDTR, TR */
#define S_CPL             0x4cb
#define S_EFER            0x4d0
#define S_CR4             0x548
#define S_CR3             0x550
#define S_CR0             0x558
#define S_DR7             0x560
#define S_DR6             0x568
#define S_RFLAGS          0x570
#define S_RIP             0x578
#define S_RSP             0x5d8
#define S_RAX             0x5f8
#define S_STAR            0x600 /* then LSTAR, CSTAR, SFMASK, KernelGSBase, SYSENTER_CS/ESP/EIP */
#define S_CR2             0x640
#define S_GPAT            0x668
#define S_DBGCTL          0x670

/* Intercepts. */
#define ICR_READ_CR8   (1u << 8)
#define ICR_WRITE_CR4  (1u << 20)
#define ICR_WRITE_CR8  (1u << 24)
#define I1_INTR     (1u << 0)
#define I1_NMI      (1u << 1)
#define I1_SMI      (1u << 2)
#define I1_INIT     (1u << 3)
#define I1_VINTR    (1u << 4)
#define I1_RDPMC    (1u << 15)
#define I1_IRET     (1u << 20)
#define I1_CPUID    (1u << 18)
#define I1_PAUSE    (1u << 23)
#define I1_INVD     (1u << 22)
#define I1_HLT      (1u << 24)
#define I1_IOIO     (1u << 27)
#define I1_MSR      (1u << 28)
#define I1_SHUTDOWN (1u << 31)
#define I2_ALL_SVM  0x7f        /* VMRUN, VMMCALL, VMLOAD, VMSAVE, STGI, CLGI, SKINIT */
#define I2_WBINVD   (1u << 9)
#define I2_MONITOR  (1u << 10)
#define I2_MWAIT    (1u << 11)
#define I2_XSETBV   (1u << 13)  /* XCR0 is vCPU state the VMM checks (fpu.c) */

/* Exit codes. */
#define SVM_EXIT_READ_CR0   0x000 /* + n; writes of CRn: 0x010 + n */
#define SVM_EXIT_WRITE_CR0  0x010
#define SVM_EXIT_WRITE_CR15 0x01f
#define SVM_EXIT_READ_DR0   0x020 /* + n; writes of DRn: 0x030 + n */
#define SVM_EXIT_WRITE_DR15 0x03f
#define SVM_EXIT_DB       0x041
#define SVM_EXIT_UD       0x046
#define SVM_EXIT_DF       0x048
#define SVM_EXIT_AC       0x051
#define SVM_EXIT_INTR     0x060
#define SVM_EXIT_NMI      0x061
#define SVM_EXIT_VINTR    0x064
#define SVM_EXIT_IRET     0x074
#define SVM_EXIT_CPUID    0x072
#define SVM_EXIT_PAUSE    0x077
#define SVM_EXIT_HLT      0x078
#define SVM_EXIT_IOIO     0x07b
#define SVM_EXIT_MSR      0x07c
#define SVM_EXIT_SHUTDOWN 0x07f
#define SVM_EXIT_VMRUN    0x080
#define SVM_EXIT_VMMCALL  0x081
#define SVM_EXIT_SKINIT   0x086
#define SVM_EXIT_WBINVD   0x089
#define SVM_EXIT_MONITOR  0x08a
#define SVM_EXIT_MWAIT    0x08b
#define SVM_EXIT_XSETBV   0x08d
#define SVM_EXIT_NPF      0x400
#define SVM_EXIT_INVALID  ((uint64_t)-1)

/* EVENTINJ and EXITINTINFO have the protocol's event-word layout (moat/vmexit.h). */
#define EVENT_UD (VM_EVENT_VALID | VM_EVENT_EXCEPTION | EXC_UD)
#define EVENT_DF (VM_EVENT_VALID | VM_EVENT_ERROR_CODE | VM_EVENT_EXCEPTION | EXC_DF) /* error code 0 */
#define EVENT_DB (VM_EVENT_VALID | VM_EVENT_EXCEPTION | EXC_DB)
#define EVENT_AC (VM_EVENT_VALID | VM_EVENT_ERROR_CODE | VM_EVENT_EXCEPTION | EXC_AC) /* error code 0 */

/* VMCB fields' values. */
#define TLB_FLUSH_NONE  0            /* C_TLB_CONTROL: keep the TLB at VMRUN */
#define TLB_FLUSH_ALL   1            /* C_TLB_CONTROL: flush the TLB at VMRUN */
#define NP_ENABLE       1            /* C_NP_ENABLE: nested paging on */
#define V_IRQ           (1ULL << 8)  /* C_VINTR: a virtual interrupt is pending ... */
#define V_INTR_PRIO     (0xfULL << 16) /* ... with the highest priority ... */
#define V_IGN_TPR       (1ULL << 20) /* ... whatever the guest's TPR: an interrupt window */
#define V_INTR_MASKING  (1ULL << 24) /* the guest's IF never blocks the host's interrupts */
#define V_INTR_VECTOR_SHIFT 32       /* C_VINTR: the virtual interrupt's vector, bits 39:32 */
#define V_INTR_VECTOR   (0xffULL << V_INTR_VECTOR_SHIFT)
/*
 * The pause filter (APM 15.14.4): the PAUSE intercept waits for this many
 * PAUSEs after VMRUN, so that a PAUSE in a short delay loop does not exit;
 * with the threshold, a gap of more than that many cycles between two
 * PAUSEs (another loop) starts the count again.  KVM's defaults.
 */
#define PAUSE_FILTER_COUNT     3000
#define PAUSE_FILTER_THRESHOLD 128


static uint64_t flushes; /* bumped when any guest mapping goes away */
static bool has_tsc_aux;  /* the CPU has TSC_AUX (RDTSCP): set at the first setup */


struct svm_seg {
	uint16_t sel, attr;
	uint32_t limit;
	uint64_t base;
};

static uint8_t *vmcb(struct vcpu *v)
{
	return v->svm.vmcb;
}

static uint64_t *u64(struct vcpu *v, unsigned off)
{
	return (uint64_t *)(vmcb(v) + off);
}

static uint32_t *u32(struct vcpu *v, unsigned off)
{
	return (uint32_t *)(vmcb(v) + off);
}

/* Whether the VMM asked for an interrupt window: write_vintr's VINTR intercept is the record. */
static bool intr_window_asked(struct vcpu *v)
{
	return *u32(v, C_INTERCEPT_MISC1) & I1_VINTR;
}

/*
 * What an entry must do first besides the common work (vcpu.h's
 * entry_work, one byte the entry tests): load the guest's TSC_AUX when it
 * is not the host's 0, and open an NMI or interrupt window asked for.
 */
static void entry_work_changed(struct vcpu *v)
{
	vcpu_entry_work_put(v, VCPU_ENTRY_BACKEND,
			    v->svm.tsc_aux || v->svm.nmi_window || intr_window_asked(v));
}


/* Segment s of the message (VMS_ES .. VMS_TR) in the VMCB's order. */
static struct svm_seg *seg(struct vcpu *v, unsigned s)
{
	static const uint8_t slot[] = { 0, 1, 2, 3, 4, 5, 7, 9 }; /* LDTR is 7th, TR 9th */
	return (struct svm_seg *)(vmcb(v) + S_SEG) + slot[s];
}

/* VMX access rights (type..P in 7:0, AVL..G in 15:12, unusable 16) <-> SVM attributes. */
static uint16_t attr_from_ar(uint64_t ar)
{
	return (ar & SEG_AR_UNUSABLE) || !ar ? 0 : (ar & 0xff) | ((ar >> 4) & 0xf00);
}

static uint64_t ar_from_attr(uint16_t attr)
{
	uint64_t ar = (attr & 0xff) | ((uint64_t)(attr & 0xf00) << 4);
	return attr & SEG_AR_P ? ar : ar | SEG_AR_UNUSABLE;
}

/* The guest state of a new vCPU: real mode at 0, everything flat (as VMX's setup_guest). */
static void reset_guest_state(struct vcpu *v)
{
	memset(vmcb(v) + S_SEG, 0, SVM_SAVE_AREA_WORDS * 8);
	for (unsigned s = VMS_ES; s <= VMS_TR; s++)
		*seg(v, s) = (struct svm_seg){ 0, s == VMS_CS ? SEG_AR_CODE : s == VMS_TR ? SEG_AR_TSS_BUSY :
						    s == VMS_LDTR ? SEG_AR_LDT : SEG_AR_DATA, 0xffff, 0 };
	struct svm_seg *dt = (struct svm_seg *)(vmcb(v) + S_SEG);
	dt[6].limit = dt[8].limit = 0xffff; /* GDTR, IDTR */
	*u64(v, S_CR0) = CR0_RESET;
	*u64(v, S_EFER) = EFER_SVME;
	*u64(v, S_RFLAGS) = 2;
	*u64(v, S_DR6) = DR6_RESET;
	*u64(v, S_DR7) = DR7_RESET;
	*u64(v, S_GPAT) = PAT_POWER_ON;
	v->long_mode = false;
}

/*
 * A VMRUN that fails its consistency checks (VMEXIT_INVALID) writes the
 * state save area anyway, on emulators with the host's own state (kernel
 * RIP and RSP, host CR3, GDTR, IDTR).  That must reach neither the VMM nor
 * the next VMRUN.  Invalid state can only come from the VMM, so each
 * write of state VMRUN checks keeps a copy of the area as written, and a failed
 * VMRUN puts the copy back: the VMM sees the state the entry was tried
 * with, as a VMCS keeps it on VMX.  Without a copy (nothing was written
 * since the guest last ran) the guest gets the reset state.
 */
/* The groups whose values VMRUN's consistency checks judge (the rest the kernel checks fully). */
#define ENTRY_CHECKED_GROUPS (VMG_RFLAGS | VMG_CR | VMG_SEG | VMG_DTR | VMG_STATE | VMG_INJECT)

static void save_entry_state(struct vcpu *v)
{
	memcpy(v->svm.entry_state, vmcb(v) + S_SEG, sizeof(v->svm.entry_state));
	v->svm.entry_state_valid = true;
}

static void restore_entry_state(struct vcpu *v)
{
	if (v->svm.entry_state_valid)
		memcpy(vmcb(v) + S_SEG, v->svm.entry_state, sizeof(v->svm.entry_state));
	else
		reset_guest_state(v);
	v->long_mode = *u64(v, S_EFER) & EFER_LMA;
}

static void svm_setup(struct vcpu *v)
{
	v->svm.vmcb = phys_to_virt(v->control_page);
	/*
	 * #UD: Intel's VMCALL, which AMD does not know.  #DF: see double_fault().
	 * #DB and #AC: see reflect(); a guest could loop the CPU in their delivery.
	 */
	*u32(v, C_INTERCEPT_EXC) = (1u << EXC_DB) | (1u << EXC_UD) | (1u << EXC_DF) | (1u << EXC_AC);
	/* MOV DR: DR0-3 are not switched, so no guest may read the CPU's (the VMM keeps them: VMG_DEBUG) */
	*u32(v, C_INTERCEPT_DR) = 0xffffffff;
	/*
	 * CR8 is the guest's TPR, which the VMM's local APIC model keeps (as
	 * VMX's CR8 exits give it): reads and writes exit.  Otherwise, with
	 * V_INTR_MASKING, they would go to the VMCB's V_TPR, which the VMM
	 * never sees, and a TPR written through the APIC's page would not be
	 * what CR8 reads.  V_TPR stays 0: the kernel's one virtual interrupt,
	 * the interrupt window, ignores it (V_IGN_TPR).  CR4 writes exit so
	 * that the VMM knows the guest's OSXSAVE at every CPUID (SVM has no
	 * per-bit mask as VMX has).
	 */
	*u32(v, C_INTERCEPT_CR) = ICR_READ_CR8 | ICR_WRITE_CR4 | ICR_WRITE_CR8;
	*u32(v, C_INTERCEPT_MISC1) = I1_INTR | I1_NMI | I1_SMI | I1_INIT | I1_RDPMC | I1_CPUID |
				     I1_INVD | I1_HLT | I1_IOIO | I1_MSR | I1_SHUTDOWN | I1_PAUSE;
	/*
	 * A guest spinning in a PAUSE loop waits for another CPU: the kernel
	 * gives the CPU away at the intercept (pause_loop_exited).  Without
	 * a filter (QEMU 7.2) every PAUSE exits.
	 */
	*(uint16_t *)(vmcb(v) + C_PAUSE_COUNT) = svm_caps.pause_filter ? PAUSE_FILTER_COUNT : 0;
	*(uint16_t *)(vmcb(v) + C_PAUSE_THRESHOLD) =
		svm_caps.pause_filter_threshold ? PAUSE_FILTER_THRESHOLD : 0;
	*u32(v, C_INTERCEPT_MISC2) = I2_ALL_SVM | I2_WBINVD | I2_MONITOR | I2_MWAIT |
				     I2_XSETBV;
	*u64(v, C_IOPM) = svm_iopm;
	*u64(v, C_MSRPM) = svm_msrpm;
	*u32(v, C_ASID) = v->tag;
	*(uint8_t *)(vmcb(v) + C_TLB_CONTROL) = TLB_FLUSH_ALL; /* a new ASID: flush it once */
	*u64(v, C_VINTR) = V_INTR_MASKING;
	*u64(v, C_NP_ENABLE) = NP_ENABLE;
	*u64(v, C_LBR_VIRT) = svm_caps.lbrv; /* DEBUGCTL is the guest's */
	*u64(v, C_TSC_OFFSET) = 0;
	v->svm.tsc_aux = 0;
	has_tsc_aux = cpu_has_rdtscp();
	reset_guest_state(v);
}

static void svm_teardown(struct vcpu *v)
{
	(void)v; /* a VMCB is plain memory: nothing is cached outside it */
}

static void svm_set_space(struct vcpu *v, struct gpa_space *g)
{
	*u64(v, C_NCR3) = g ? g->root : 0;
}

/* Nested page tables are ordinary page tables; guest accesses count as user accesses. */
static uint64_t npt_leaf(uint64_t phys, unsigned rights)
{
	uint64_t e = phys | PTE_P | PTE_U;
	if (rights & RIGHT_W)
		e |= PTE_W;
	if (!(rights & RIGHT_X))
		e |= paging_nx_bit();
	return e;
}

static uint64_t npt_table(uint64_t phys)
{
	return phys | PTE_P | PTE_W | PTE_U;
}

/* The nested-table root v's VMCB names (kcheck_hw.c checks it). */
static uint64_t npt_root(struct vcpu *v)
{
	return *u64(v, C_NCR3);
}

/* A cross call's work: none.  That the CPU answered means its guest exited (bkl.h). */
static void guest_left(void *arg)
{
	(void)arg;
}

/*
 * Every vCPU flushes its ASID at its next VMRUN.  A vCPU in its guest on
 * another CPU now would go on with the old translations until then: that
 * CPU is made to exit first (a cross call waits until it has), so that no
 * guest touches the page once the unmap returns.
 */
static void npt_flush(struct gpa_space *g)
{
	(void)g;
	flushes++;
	for (unsigned c = 0; c < n_cpus; c++) {
		const struct thread *t = cpu_current(&cpus[c]);
		if (c != percpu->id && t && t->vcpu)
			cpu_call(c, guest_left, 0);
	}
}

/* --- the exit message ----------------------------------------------------- */

static uint64_t event_from_svm(uint64_t e)
{
	if (!(e & VM_EVENT_VALID))
		return 0;
	return (e & 0xfff) | VM_EVENT_VALID; /* same vector, type and error-valid bits */
}

static void read_debug(struct vcpu *v, uint64_t *w)
{
	for (unsigned i = 0; i < 4; i++)
		w[VMW_DR0 + i] = v->dr[i];
	w[VMW_DR6] = *u64(v, S_DR6);
	w[VMW_DR7] = *u64(v, S_DR7);
}

static void write_debug(struct vcpu *v, const uint64_t *w)
{
	for (unsigned i = 0; i < 4; i++)
		v->dr[i] = w[VMW_DR0 + i];
	*u64(v, S_DR6) = w[VMW_DR6];
	*u64(v, S_DR7) = w[VMW_DR7];
	vcpu_entry_work_put(v, VCPU_ENTRY_BREAKPOINTS, w[VMW_DR7] & DR7_ENABLES);
}

/*
 * The guest's MSRs (VMG_MSR).  The eight from STAR on lie in the save
 * area in the protocol's order, where VMLOAD and VMSAVE switch them.
 */
static void read_msrs(struct vcpu *v, uint64_t *w)
{
	for (unsigned i = 0; i < 8; i++)
		w[VMW_STAR + i] = *u64(v, S_STAR + 8 * i);
	w[VMW_TSC_AUX] = v->svm.tsc_aux;
	w[VMW_PAT] = *u64(v, S_GPAT);
	w[VMW_DEBUGCTL] = *u64(v, S_DBGCTL);
	w[VMW_TSC_OFFSET] = *u64(v, C_TSC_OFFSET);
}

static void write_msrs(struct vcpu *v, const uint64_t *w)
{
	for (unsigned i = 0; i < 8; i++)
		*u64(v, S_STAR + 8 * i) = w[VMW_STAR + i];
	v->svm.tsc_aux = has_tsc_aux ? w[VMW_TSC_AUX] : 0;
	entry_work_changed(v);
	*u64(v, S_GPAT) = w[VMW_PAT];
	*u64(v, S_DBGCTL) = w[VMW_DEBUGCTL];
	*u64(v, C_TSC_OFFSET) = w[VMW_TSC_OFFSET];
}

/* The reader (vcpu_read_fn) of v. */
static inline __attribute__((always_inline)) void svm_read_groups(struct vcpu *v, uint32_t mask,
								  uint64_t *w)
{
	struct trap_frame *f = &v->thread->regs;
	w[VMW_INSN_LEN] = v->svm.exit_len;
	w[VMW_QUAL] = mask & VMG_QUAL ? v->svm.exit_qual : 0;
	if (mask & VMG_GPR_ACDB) {
		w[VMW_RAX] = *u64(v, S_RAX);
		w[VMW_RCX] = f->rcx;
		w[VMW_RDX] = f->rdx;
		w[VMW_RBX] = f->rbx;
	}
	if (mask & VMG_RIP)
		w[VMW_RIP] = *u64(v, S_RIP);
	if (mask & VMG_RFLAGS)
		w[VMW_RFLAGS] = *u64(v, S_RFLAGS);
	if (mask & VMG_GPR_OTHER) {
		const uint64_t from[] = { *u64(v, S_RSP), f->rbp, f->rsi, f->rdi, f->r8, f->r9,
					  f->r10, f->r11, f->r12, f->r13, f->r14, f->r15 };
		for (unsigned i = 0; i < 12; i++)
			w[VMW_RSP + i] = from[i];
	}
	if (mask & VMG_QUAL) {
		w[VMW_GPA] = v->svm.exit_gpa;
		w[VMW_GLA] = 0; /* SVM does not report it */
	}
	if (mask & VMG_CR) {
		w[VMW_CR0] = *u64(v, S_CR0);
		w[VMW_CR2] = *u64(v, S_CR2);
		w[VMW_CR3] = *u64(v, S_CR3);
		w[VMW_CR4] = *u64(v, S_CR4);
		w[VMW_EFER] = *u64(v, S_EFER) & ~EFER_SVME;
	}
	if (mask & VMG_SEG) {
		for (unsigned s = VMS_ES; s <= VMS_TR; s++) {
			struct svm_seg *g = seg(v, s);
			w[VMW_SEG_DESC(s)] = VM_SEG_PACK(g->sel, ar_from_attr(g->attr), g->limit);
			w[VMW_SEG_BASE(s)] = g->base;
		}
	}
	if (mask & VMG_DTR) {
		struct svm_seg *dt = (struct svm_seg *)(vmcb(v) + S_SEG);
		w[VMW_GDTR_BASE] = dt[6].base;
		w[VMW_GDTR_LIMIT] = dt[6].limit;
		w[VMW_IDTR_BASE] = dt[8].base;
		w[VMW_IDTR_LIMIT] = dt[8].limit;
	}
	if (mask & VMG_STATE) {
		w[VMW_INTR_STATE] = *u64(v, C_INT_SHADOW) & 1; /* the STI/MOV SS shadow */
		w[VMW_ACTIVITY] = 0;
	}
	if (mask & VMG_EVENT) {
		w[VMW_EXIT_INTR_INFO] = v->svm.exit_event;
		w[VMW_EXIT_INTR_ERROR] = 0;
		/* at an exit the kernel made at an entry, the event still to go in (vcpu.h) */
		uint64_t event = *u64(v, vcpu_exit_at_entry(v) ? C_EVENTINJ : C_EXITINTINFO);
		w[VMW_IDT_VECTORING_INFO] = event_from_svm(event);
		w[VMW_IDT_VECTORING_ERROR] = event >> 32;
	}
	if (mask & VMG_MSR)
		read_msrs(v, w);
	if (mask & VMG_DEBUG)
		read_debug(v, w);
	if (mask & VMG_XCR0)
		w[VMW_XCR0] = v->xcr0;
}

static void svm_read_state(struct vcpu *v, uint32_t mask, uint64_t *w)
{
	svm_read_groups(v, mask, w);
}

/* --- the reply ---------------------------------------------------------------- */

/* SVM's own CR rules: CR0's upper half clear, and no NW without CD. */
static bool svm_check_cr(const uint64_t *w)
{
	uint64_t cr0 = w[VMW_CR0];
	return !(cr0 >> 32) && !((cr0 & (1u << 29)) && !(cr0 & (1u << 30)));
}

/* The guest's CR0 in its VMCB (vcpu_check_state's injection rule). */
static uint64_t svm_guest_cr0(const struct vcpu *v)
{
	return *(const uint64_t *)(v->svm.vmcb + S_CR0);
}

/* VMX event types -> SVM: software interrupts and exceptions are SVM's "software interrupt". */
static uint64_t event_to_svm(uint64_t info, uint64_t error)
{
	unsigned type = (info >> 8) & 7;
	if (type >= 4)
		type = type == 6 ? 3 : 4;
	return (info & 0x8000f8ff) | (uint64_t)type << 8 | error << 32;
}

static void write_vintr(struct vcpu *v, bool window)
{
	uint64_t vintr = *u64(v, C_VINTR) & ~(V_IRQ | V_INTR_PRIO | V_IGN_TPR);
	*u64(v, C_VINTR) = window ? vintr | V_IRQ | V_INTR_PRIO | V_IGN_TPR : vintr;
	*u32(v, C_INTERCEPT_MISC1) = window ? *u32(v, C_INTERCEPT_MISC1) | I1_VINTR
					    : *u32(v, C_INTERCEPT_MISC1) & ~I1_VINTR;
	entry_work_changed(v);
}

/*
 * An NMI or interrupt window found open at an entry: the exit comes
 * before the guest runs, with nothing of an earlier exit in its message.
 */
static void __attribute__((noreturn)) window_exit(struct thread *t, uint64_t reason)
{
	struct vcpu *v = t->vcpu;
	v->svm.exit_len = v->svm.exit_qual = v->svm.exit_gpa = 0;
	*u64(v, C_EXITINTINFO) = 0;
	vcpu_exit(t, reason);
	return_to_user();
}

static void __attribute__((noreturn)) nmi_window_open(struct thread *t);

/*
 * An interrupt window asked for while the guest can take an interrupt
 * now (IF set, no STI or MOV SS shadow, no event on its way in) is open
 * at the entry: the exit comes before the guest runs, as VMX's does.
 * The CPU would take its VINTR exit at once too, but Bochs 2.7 does not
 * look at a pending virtual interrupt after VMRUN until the guest's IF
 * changes: a window asked for while IF was clear, whose STI the host's
 * timer interrupt exited right after, stayed shut until the guest's
 * next CLI (the test guest `lapic`'s self-IPI came too late).
 */
static void __attribute__((noreturn)) intr_window_open(struct thread *t)
{
	write_vintr(t->vcpu, false);
	window_exit(t, VMEXIT_INTERRUPT_WINDOW);
}

static void step_over_shadow(struct vcpu *v);

/*
 * A window asked for is open at the entry if nothing blocks it there: no
 * event goes in, the NMI's handler has returned, IF is set (for an
 * interrupt), and no STI or MOV SS shadow; the exit then comes before
 * the guest runs, as VMX's does.  In a shadow the window opens after the
 * shadow's instruction, which the kernel steps over first (see
 * step_over_shadow).
 */
static bool svm_entry_work(struct thread *t)
{
	struct vcpu *v = t->vcpu;
	bool nmi = v->svm.nmi_window && !v->svm.nmi_blocked;
	bool intr = intr_window_asked(v) && (*u64(v, S_RFLAGS) & RFLAGS_IF);
	if ((nmi || intr) && !(*u64(v, C_EVENTINJ) & VM_EVENT_VALID)) {
		if (*u64(v, C_INT_SHADOW) & 1)
			step_over_shadow(v);
		else if (nmi)
			nmi_window_open(t); /* no return */
		else
			intr_window_open(t); /* no return */
	}
	if (v->svm.tsc_aux)
		wrmsr(MSR_TSC_AUX, v->svm.tsc_aux);
	return false;
}

/*
 * The NMI window, which SVM lacks (before vNMI): the kernel keeps track
 * of NMI blocking itself.  Only NMIs the VMM injects reach a guest, and
 * each blocks the next until the guest's IRET; the IRET intercept shows
 * where that is, and one single step (TF, the #DB intercept) its end,
 * after which the window is open: VMEXIT_NMI_WINDOW.  A window asked for
 * while nothing blocks exits before the guest runs (svm_entry_work).
 */

/*
 * A window in an STI or MOV SS shadow opens after the shadow's one
 * instruction, as VMX's does (SDM, "Other Causes of VM Exits"): the VMM
 * injects nothing in a shadow, so a window that opened there had it ask
 * again at once, for ever (kvm-unit-tests' xapic hung in test_sti_nmi,
 * whose second vCPU runs `sti; testb; nop; cli` in a loop).  The kernel
 * steps over that instruction with a TF of its own, and with no virtual
 * interrupt pending: QEMU, whose VMRUN drops the shadow ("QEMU's lost
 * shadow"), would take the interrupt window's at once.  The step's TF
 * comes off at the next exit, whatever it is (shadow_step_ends); the
 * entry after it looks at the windows again.
 */
static void step_over_shadow(struct vcpu *v)
{
	*u64(v, C_VINTR) &= ~V_IRQ;
	if (v->svm.shadow_step)
		return; /* an entry tried again before the guest ran: the TF is set already */
	v->svm.shadow_step = true;
	/* A guest that steps itself has its own #DB end the shadow (reflected to it). */
	v->svm.shadow_step_tf = !(*u64(v, S_RFLAGS) & RFLAGS_TF);
	*u64(v, S_RFLAGS) |= RFLAGS_TF;
}

/*
 * The exit after a shadow's step, whatever it is: the kernel's TF comes
 * off before anything sees it (the VMM, or a later entry that injects an
 * event whose frame would keep it), and the interrupt window's virtual
 * interrupt is back if one is asked for.  True if the exit is the step's
 * own #DB, which the guest never sees.
 */
static bool shadow_step_ends(struct vcpu *v, uint64_t code)
{
	v->svm.shadow_step = false;
	if (intr_window_asked(v))
		*u64(v, C_VINTR) |= V_IRQ;
	if (!v->svm.shadow_step_tf)
		return false;
	*u64(v, S_RFLAGS) &= ~RFLAGS_TF;
	if (code != SVM_EXIT_DB)
		return false;
	*u64(v, S_DR6) &= ~DR6_BS; /* (Bochs 2.7 sets no DR6.BS for it: any #DB is the step, as the IRET's) */
	return true;
}

static void nmi_blocked_until_iret(struct vcpu *v)
{
	v->svm.nmi_blocked = true;
	*u32(v, C_INTERCEPT_MISC1) |= I1_IRET;
}

/* The IRET intercept: the blocking NMI's handler returns; step over the IRET if a window waits. */
static void nmi_handler_returns(struct vcpu *v)
{
	*u32(v, C_INTERCEPT_MISC1) &= ~I1_IRET;
	if (!v->svm.nmi_window) {
		v->svm.nmi_blocked = false;
		return;
	}
	v->svm.nmi_step = true;
	*u64(v, S_RFLAGS) |= RFLAGS_TF; /* IRET pops the guest's own RFLAGS: no trace stays */
}

/*
 * The exit after the stepped instruction (its #DB, or whatever came
 * first: an IRET that faulted has ended too; a shadow's instruction that
 * exited is stepped again at the next entry if the shadow is still
 * there): the NMI blocking has ended.  True if this exit was the single
 * step, which the guest never sees.
 */
static bool nmi_stepped(struct vcpu *v, uint64_t code)
{
	v->svm.nmi_step = false;
	v->svm.nmi_blocked = false;
	if (code != SVM_EXIT_DB)
		return false;
	*u64(v, S_DR6) &= ~DR6_BS;
	return true;
}

/* A window asked for while no NMI blocks is open at once: the exit comes before the guest runs. */
static void __attribute__((noreturn)) nmi_window_open(struct thread *t)
{
	t->vcpu->svm.nmi_window = false;
	entry_work_changed(t->vcpu);
	window_exit(t, VMEXIT_NMI_WINDOW);
}

static void write_gprs(struct vcpu *v, uint32_t mask, const uint64_t *w)
{
	struct trap_frame *f = &v->thread->regs;
	if (mask & VMG_GPR_ACDB) {
		*u64(v, S_RAX) = w[VMW_RAX];
		f->rcx = w[VMW_RCX];
		f->rdx = w[VMW_RDX];
		f->rbx = w[VMW_RBX];
	}
	if (mask & VMG_GPR_OTHER) {
		uint64_t *to[] = { u64(v, S_RSP), &f->rbp, &f->rsi, &f->rdi, &f->r8, &f->r9,
				   &f->r10, &f->r11, &f->r12, &f->r13, &f->r14, &f->r15 };
		for (unsigned i = 0; i < 12; i++)
			*to[i] = w[VMW_RSP + i];
	}
}

/*
 * CR bits whose change flushes the TLB when the guest's MOV makes it
 * (SDM vol. 3, 4.10.4.1): a reply that emulates such a MOV (the CR4
 * write intercept) must flush the guest's ASID, since VMRUN with an ASID
 * keeps its translations.
 */
#define CR0_PAGING_BITS (CR0_PG | CR0_WP | CR0_PE)
#define CR4_PAGING_BITS (CR4_PGE | CR4_PAE | CR4_PSE | CR4_SMEP | CR4_SMAP | CR4_LA57 | (1u << 17))

static bool paging_changed(struct vcpu *v, const uint64_t *w)
{
	return ((*u64(v, S_CR0) ^ w[VMW_CR0]) & CR0_PAGING_BITS) ||
	       ((*u64(v, S_CR4) ^ w[VMW_CR4]) & CR4_PAGING_BITS) || *u64(v, S_CR3) != w[VMW_CR3];
}

static void write_system(struct vcpu *v, uint32_t mask, const uint64_t *w)
{
	if (mask & VMG_CR) {
		if (paging_changed(v, w))
			*(uint8_t *)(vmcb(v) + C_TLB_CONTROL) = TLB_FLUSH_ALL; /* (PCIDE is bit 17) */
		*u64(v, S_CR0) = w[VMW_CR0];
		*u64(v, S_CR2) = w[VMW_CR2];
		v->svm.cr2_written = true;
		*u64(v, S_CR3) = w[VMW_CR3];
		*u64(v, S_CR4) = w[VMW_CR4];
		*u64(v, S_EFER) = w[VMW_EFER] | EFER_SVME;
		v->long_mode = w[VMW_EFER] & EFER_LMA;
	}
	if (mask & VMG_SEG) {
		for (unsigned s = VMS_ES; s <= VMS_TR; s++) {
			uint64_t d = w[VMW_SEG_DESC(s)];
			*seg(v, s) = (struct svm_seg){ VM_SEG_SEL(d), attr_from_ar(VM_SEG_AR(d)),
						       VM_SEG_LIMIT(d), w[VMW_SEG_BASE(s)] };
		}
		*(uint8_t *)(vmcb(v) + S_CPL) = (seg(v, VMS_SS)->attr >> 5) & 3;
	}
	if (mask & VMG_DTR) {
		struct svm_seg *dt = (struct svm_seg *)(vmcb(v) + S_SEG);
		dt[6].base = w[VMW_GDTR_BASE];
		dt[6].limit = w[VMW_GDTR_LIMIT];
		dt[8].base = w[VMW_IDTR_BASE];
		dt[8].limit = w[VMW_IDTR_LIMIT];
	}
	if (mask & VMG_STATE)
		*u64(v, C_INT_SHADOW) = (w[VMW_INTR_STATE] & 3) ? 1 : 0;
}

/*
 * The one applier of a reply (and of SYS_VCPU_WRITE_STATE) on SVM: checks
 * every group in mask, then writes them into v's VMCB; an error, and
 * nothing written, if any is bad.  w[VMW_*] holds the words (of words 0-3
 * only the instruction length is read, for VMG_INJECT).  Inline: the fast
 * reply passes a constant mask and keeps only its groups' checks and writes.
 */
static inline __attribute__((always_inline)) int svm_apply(struct vcpu *v, uint32_t mask,
							   const uint64_t *w)
{
	int st = vcpu_check_state(v, mask, w, svm_check_cr, svm_guest_cr0);
	if (st != OK)
		return st;
	if ((mask & VMG_MSR) && w[VMW_DEBUGCTL] && !svm_caps.lbrv)
		return ERR_INVALID_ARG; /* without LBR virtualization it would be the host's */
	write_gprs(v, mask, w);
	if (mask & VMG_RIP)
		*u64(v, S_RIP) = w[VMW_RIP];
	if (mask & VMG_RFLAGS)
		*u64(v, S_RFLAGS) = w[VMW_RFLAGS];
	write_system(v, mask, w);
	if (mask & VMG_INJECT) {
		uint64_t info = w[VMW_INJECT_INFO];
		*u64(v, C_EVENTINJ) = event_to_svm(info, w[VMW_INJECT_ERROR]);
		if ((info & VM_EVENT_VALID) && ((info >> 8) & 7) >= 4)
			*u64(v, S_RIP) += w[VMW_INSN_LEN]; /* SVM pushes the RIP as it is */
		if ((info & VM_EVENT_VALID) && ((info >> 8) & 7) == 2)
			nmi_blocked_until_iret(v);
	}
	if (mask & VMG_CONTROLS) {
		write_vintr(v, w[VMW_CONTROLS] & VMC_INTR_WINDOW);
		v->svm.nmi_window = w[VMW_CONTROLS] & VMC_NMI_WINDOW;
		v->svm.ud_exit = w[VMW_CONTROLS] & VMC_UD_EXIT;
		entry_work_changed(v);
	}
	if (mask & VMG_MSR)
		write_msrs(v, w);
	if (mask & VMG_DEBUG)
		write_debug(v, w);
	if (mask & (VMG_CR | VMG_XCR0))
		vcpu_set_xcr0(v, mask & VMG_XCR0 ? w[VMW_XCR0] : v->xcr0, *u64(v, S_CR4) & CR4_OSXSAVE);
	if (mask & ENTRY_CHECKED_GROUPS)
		save_entry_state(v);
	return OK;
}

static int svm_write_state(struct vcpu *v, uint32_t mask, const uint64_t *w)
{
	return svm_apply(v, mask, w);
}

/* The reply to the common exit, through svm_apply (see vmx_fast_reply). */
static bool svm_fast_reply(struct vcpu *v, const struct trap_frame *r, const struct utcb *u)
{
	uint64_t mask = MSG_REG(r, VMW_MASK);
	if ((mask & ~(uint64_t)FASTPATH_EXIT_GROUPS) || MSG_WORDS(r->rsi) < VMW_RIP + 1 ||
	    MSG_WORDS(r->rsi) > VMW_COUNT)
		return false;
	return svm_apply(v, mask & FASTPATH_EXIT_GROUPS, u->mr) == OK;
}

/* --- entry and exit ----------------------------------------------------------- */

/*
 * The guest-physical address of guest-linear `linear`, through the guest's
 * own page tables in whichever of its three paging modes it uses; false if
 * a level is not present or not in its memory.
 */
static bool guest_translate(struct vcpu *v, uint64_t linear, uint64_t *gpa)
{
	uint64_t cr3 = *u64(v, S_CR3), cr4 = *u64(v, S_CR4), e = 0;
	if (!(cr4 & CR4_PAE)) { /* two levels of 32-bit entries; 4 MiB pages with PSE */
		if (!vcpu_read_guest(v, (cr3 & 0xfffff000) + ((linear >> 22) & 0x3ff) * 4, &e, 4) ||
		    !(e & PTE_P))
			return false;
		if ((e & PTE_PS) && (cr4 & CR4_PSE)) {
			*gpa = (e & 0xffc00000) | (linear & 0x3fffff);
			return true;
		}
		if (!vcpu_read_guest(v, (e & 0xfffff000) + ((linear >> 12) & 0x3ff) * 4, &e, 4) ||
		    !(e & PTE_P))
			return false;
		*gpa = (e & 0xfffff000) | (linear & 0xfff);
		return true;
	}
	bool lm = *u64(v, S_EFER) & EFER_LMA;
	uint64_t table = lm ? cr3 & PTE_ADDR : cr3 & 0xffffffe0;
	for (int level = lm ? 4 : 3; level >= 1; level--) {
		unsigned shift = 12 + 9 * (level - 1);
		uint64_t index = !lm && level == 3 ? (linear >> 30) & 3 : (linear >> shift) & 511;
		if (!vcpu_read_guest(v, table + index * 8, &e, 8) || !(e & PTE_P))
			return false;
		if (level == 1 || (level <= 3 && (e & PTE_PS) && (lm || level == 2))) {
			uint64_t offset = (1ULL << shift) - 1;
			*gpa = (e & PTE_ADDR & ~offset) | (linear & offset);
			return true;
		}
		table = e & PTE_ADDR;
	}
	return false;
}

/* Reads guest-linear memory (within one page), paging or not; false if unmapped. */
static bool read_guest_linear(struct vcpu *v, uint64_t linear, void *buf, unsigned len)
{
	uint64_t gpa = linear;
	if ((*u64(v, S_CR0) & CR0_PG) && !guest_translate(v, linear, &gpa))
		return false;
	return vcpu_read_guest(v, gpa, buf, len);
}

/* Byte i of the instruction at the guest's RIP; false if it is not mapped. */
static bool code_byte(struct vcpu *v, unsigned i, uint8_t *b)
{
	return read_guest_linear(v, seg(v, VMS_CS)->base + *u64(v, S_RIP) + i, b, 1);
}

#define OP_MOV_FROM_CR 0x20 /* 0F 20: MOV r, CRn; 0F 22 MOV CRn, r */
#define OP_MOV_FROM_DR 0x21 /* 0F 21: MOV r, DRn; 0F 23 MOV DRn, r */
#define MOV_QUAL_FROM  (1u << 4) /* VMX's layout: MOV from CR (type 1) or DR (direction 1) */

/*
 * MOV to or from CRn or DRn at the guest's RIP (0F 20-23, ModRM with the
 * CR or DR in reg and the GPR in r/m; REX.B for r8-r15 in 64-bit code,
 * and for CRs REX.R for CR8, or AMD's LOCK prefix, which makes MOV CR0
 * name CR8 outside 64-bit code): the exit's qualification in VMX's
 * layout (register in 3:0, MOV from in bit 4, GPR in 11:8, the same for
 * CRs and DRs) and its length.  Read byte by byte, as an instruction may
 * cross a page.  False if the bytes are not such a MOV.
 */
static bool decode_mov(struct vcpu *v, unsigned from_op, uint64_t *qual, uint64_t *len)
{
	bool code64 = (*u64(v, S_EFER) & EFER_LMA) && (seg(v, VMS_CS)->attr & (1u << 9)); /* CS.L */
	bool cr = from_op == OP_MOV_FROM_CR, lock = false;
	unsigned at = 0, rex = 0;
	uint8_t b, op, modrm;
	if (!code_byte(v, at, &b))
		return false;
	if (cr && b == 0xf0) {
		lock = true;
		if (!code_byte(v, ++at, &b))
			return false;
	}
	if (code64 && (b & 0xf0) == 0x40) {
		rex = b;
		if (!code_byte(v, ++at, &b))
			return false;
	}
	if (b != 0x0f || !code_byte(v, at + 1, &op) || (op != from_op && op != from_op + 2) ||
	    !code_byte(v, at + 2, &modrm))
		return false;
	unsigned reg = ((modrm >> 3) & 7) | (cr && ((rex & 4) || lock) ? 8 : 0);
	unsigned gpr = (modrm & 7) | (rex & 1 ? 8 : 0);
	*qual = reg | (op == from_op ? MOV_QUAL_FROM : 0) | gpr << 8;
	*len = at + 3;
	return true;
}

/*
 * A CR read or write intercept (CR4 writes, CR8 either way): VMX's
 * VMEXIT_CR_ACCESS, if the instruction at RIP is the MOV the exit code
 * names (another vCPU may have rewritten it since); otherwise the code as
 * it is.
 */
static uint32_t mov_cr(struct vcpu *v, uint64_t code)
{
	bool write = code >= SVM_EXIT_WRITE_CR0;
	uint64_t *q = &v->svm.exit_qual;
	if (!decode_mov(v, OP_MOV_FROM_CR, q, &v->svm.exit_len) || (*q & 15) != (code & 15) ||
	    !(*q & MOV_QUAL_FROM) != write)
		return VMEXIT_SVM_OTHER | code;
	return VMEXIT_CR_ACCESS;
}

/* Intel's VMCALL (0F 01 C1) raises #UD on AMD: it is the guest's hypercall all the same. */
static bool is_vmcall(struct vcpu *v)
{
	uint8_t b[3];
	uint64_t linear = seg(v, VMS_CS)->base + *u64(v, S_RIP);
	return read_guest_linear(v, linear, b, 3) && b[0] == 0x0f && b[1] == 0x01 && b[2] == 0xc1;
}

/* The legacy prefixes (SDM vol. 2, 2.1.1), which may stand before PAUSE's F3 90. */
static bool legacy_prefix(uint8_t b)
{
	return b == 0xf0 || b == 0xf2 || b == 0xf3 || b == 0x2e || b == 0x36 || b == 0x3e ||
	       b == 0x26 || b == 0x64 || b == 0x65 || b == 0x66 || b == 0x67;
}

/*
 * The length of the PAUSE at the guest's RIP: 90 after prefixes among
 * which is F3 (in 64-bit code a REX without B may come last; with B it
 * is XCHG r8).  0 if the bytes there are no PAUSE (another vCPU rewrote
 * them) or not mapped: the guest then runs them again.  (SVM reports no
 * length, and QEMU saves no next RIP.)
 */
static unsigned pause_length(struct vcpu *v)
{
	bool code64 = (*u64(v, S_EFER) & EFER_LMA) && (seg(v, VMS_CS)->attr & (1u << 9)); /* CS.L */
	bool rep = false;
	uint8_t b;
	for (unsigned i = 0; i < 15; i++) {
		if (!code_byte(v, i, &b))
			return 0;
		if (b == 0x90)
			return rep ? i + 1 : 0;
		if (!legacy_prefix(b) && !(code64 && (b & 0xf1) == 0x40))
			return 0;
		rep |= b == 0xf3;
	}
	return 0;
}

/*
 * A PAUSE loop exited (the pause filter ran out, or any PAUSE without
 * one): the PAUSE is done, as a NOP (the STI or MOV SS shadow it stood
 * in ends with it), and the vCPU yields (vcpu_spin_yield).
 */
static void __attribute__((noinline)) pause_loop_exited(struct vcpu *v)
{
	*u64(v, S_RIP) += pause_length(v);
	*u64(v, C_INT_SHADOW) &= ~1ULL;
	vcpu_spin_yield(v->thread);
}

/* translate's answer for an exit the kernel dealt with: no reason (VMEXIT_EXCEPTION is 0). */
#define EXIT_KEPT 0xffffffffu

/*
 * A double fault the guest cannot take is a triple fault: reported as one
 * here, because Bochs 2.7 stops the whole machine instead of exiting on
 * SVM's shutdown intercept.  "Cannot take": IDT entry 8 is past the limit,
 * or (protected and long mode) its gate is not present or not readable.
 * Otherwise the #DF is delivered.
 */
static uint32_t double_fault(struct vcpu *v)
{
	struct svm_seg *idt = (struct svm_seg *)(vmcb(v) + S_SEG) + 8;
	bool protected = *u64(v, S_CR0) & CR0_PE;
	unsigned gate = *u64(v, S_EFER) & EFER_LMA ? 16 : protected ? 8 : 4;
	uint8_t type_attr = 0;
	if (idt->limit < 9 * gate - 1 ||
	    (protected && (!read_guest_linear(v, idt->base + 8 * gate + 5, &type_attr, 1) ||
			   !(type_attr & SEG_AR_P))))
		return VMEXIT_TRIPLE_FAULT;
	*u64(v, C_EVENTINJ) = EVENT_DF;
	return EXIT_KEPT;
}

/*
 * The exit reason (moat/vmexit.h) for an SVM exit code, with qualification and length;
 * EXIT_KEPT when the kernel dealt with it (an event to inject is set).
 */
static uint32_t translate(struct vcpu *v, uint64_t code, bool shadow_stepped)
{
	uint64_t info1 = *u64(v, C_EXITINFO1), info2 = *u64(v, C_EXITINFO2);
	v->svm.exit_qual = 0;
	v->svm.exit_event = 0;
	if (__builtin_expect(shadow_stepped, 0)) {
		if ((*u64(v, C_INT_SHADOW) & 1) || !v->svm.nmi_window || v->svm.nmi_blocked)
			return EXIT_KEPT; /* the next entry opens the window, or steps over a new shadow */
		v->svm.nmi_window = false;
		entry_work_changed(v);
		return VMEXIT_NMI_WINDOW;
	}
	if (__builtin_expect(v->svm.nmi_step, 0) && nmi_stepped(v, code)) {
		v->svm.nmi_window = false;
		entry_work_changed(v);
		return VMEXIT_NMI_WINDOW;
	}
	if (__builtin_expect(code == SVM_EXIT_CPUID, 1)) { /* the common exit: before the switch's table */
		v->svm.exit_len = 2;
		return VMEXIT_CPUID;
	}
	switch (code) {
	case SVM_EXIT_HLT:      v->svm.exit_len = 1; return VMEXIT_HLT;
	case SVM_EXIT_XSETBV:   v->svm.exit_len = 3; return VMEXIT_XSETBV;
	case SVM_EXIT_WBINVD:   v->svm.exit_len = 2; return VMEXIT_WBINVD;
	case SVM_EXIT_MONITOR:  v->svm.exit_len = 3; return VMEXIT_MONITOR;
	case SVM_EXIT_MWAIT:    v->svm.exit_len = 3; return VMEXIT_MWAIT;
	case SVM_EXIT_VMMCALL:  v->svm.exit_len = 3; return VMEXIT_HYPERCALL;
	case SVM_EXIT_MSR:      v->svm.exit_len = 2; return info1 ? VMEXIT_WRMSR : VMEXIT_RDMSR;
	case SVM_EXIT_SHUTDOWN: return VMEXIT_TRIPLE_FAULT;
	case SVM_EXIT_VINTR:    write_vintr(v, false); return VMEXIT_INTERRUPT_WINDOW;
	case SVM_EXIT_IRET:     nmi_handler_returns(v); return EXIT_KEPT;
	case SVM_EXIT_PAUSE:    pause_loop_exited(v); return EXIT_KEPT;
	case SVM_EXIT_READ_CR0 ... SVM_EXIT_WRITE_CR15:
		return mov_cr(v, code);
	case SVM_EXIT_READ_DR0 ... SVM_EXIT_WRITE_DR15:
		if (!decode_mov(v, OP_MOV_FROM_DR, &v->svm.exit_qual, &v->svm.exit_len))
			return VMEXIT_SVM_OTHER | code;
		return VMEXIT_MOV_DR;
	case SVM_EXIT_IOIO: {
		unsigned size = info1 & 0x10 ? 1 : info1 & 0x20 ? 2 : 4;
		v->svm.exit_len = info2 - *u64(v, S_RIP);
		v->svm.exit_qual = (size - 1) | (info1 & 1) << 3 | ((info1 >> 2) & 3) << 4 |
			       (info1 & 0xffff0000);
		return VMEXIT_IO;
	}
	case SVM_EXIT_NPF:
		v->svm.exit_gpa = info2;
		v->svm.exit_qual = (info1 & 2 ? 2 : 1) | (info1 & 0x10 ? 4 : 0); /* write, fetch */
		return VMEXIT_GPA_FAULT;
	case SVM_EXIT_UD:
		v->svm.exit_len = 3;
		if (is_vmcall(v))
			return VMEXIT_HYPERCALL;
		if (v->svm.ud_exit) { /* the VMM asked for it (VMC_UD_EXIT) */
			v->svm.exit_len = 0;
			v->svm.exit_event = VM_EVENT_VALID | VM_EVENT_EXCEPTION | EXC_UD;
			return VMEXIT_EXCEPTION;
		}
		*u64(v, C_EVENTINJ) = EVENT_UD; /* the guest's own #UD */
		return EXIT_KEPT;
	case SVM_EXIT_DF:
		return double_fault(v);
	case SVM_EXIT_DB:
	case SVM_EXIT_AC:
		/*
		 * Intercepted only so that a guest cannot keep the CPU in their
		 * delivery for ever (CVE-2015-8104, CVE-2015-5307): each goes
		 * back to the guest from here, one exit each, and the host gets
		 * its turn in between.  A #DB's causes are in the VMCB's DR6
		 * already (an AMD CPU writes DR6 before the intercept; Bochs
		 * 2.7 does not, docs/vm-exit-protocol.md), so nothing is added.
		 */
		*u64(v, C_EVENTINJ) = code == SVM_EXIT_DB ? EVENT_DB : EVENT_AC;
		return EXIT_KEPT;
	case SVM_EXIT_INVALID:
		return VMEXIT_ENTRY_FAILURE | VMEXIT_INVALID_STATE;
	default:
		if (code >= SVM_EXIT_VMRUN && code <= SVM_EXIT_SKINIT) {
			*u64(v, C_EVENTINJ) = EVENT_UD; /* no SVM for guests */
			return EXIT_KEPT;
		}
		return VMEXIT_SVM_OTHER | code;
	}
}

/* The kernel's own answer to CPUID, for the measurement-only baseline. */
static void kernel_cpuid(struct vcpu *v)
{
	struct trap_frame *f = &v->thread->regs;
	struct cpuid_regs r = cpuid(*u64(v, S_RAX), f->rcx);
	*u64(v, S_RAX) = r.eax;
	f->rbx = r.ebx;
	f->rcx = r.ecx;
	f->rdx = r.edx;
	*u64(v, S_RIP) += 2;
}

/* XCR0 as the guest left it is not the one the kernel loaded: QEMU ran an XSETBV (xcr0_exited). */
static void __attribute__((noinline)) xcr0_set_behind(struct vcpu *v, uint64_t seen)
{
	uint64_t kept = v->xcr0;
	vcpu_set_xcr0(v, fpu_xcr0_set_behind(kept, seen), true); /* (read only with OSXSAVE) */
	v->xcr0_news = v->xcr0 != kept;
}

/*
 * First thing after the exit: the kernel's XCR0 again.  SVM intercepts
 * XSETBV, but QEMU 7.2's emulation ignores that intercept, so XCR0 is
 * read back (one XGETBV, in the host, whose CR4.OSXSAVE is on) rather
 * than assumed whenever the guest could have run XSETBV: when its
 * CR4.OSXSAVE is set.  One that is clear now was clear all the time
 * since the last exit, as every CR4 write exits (svm_setup).
 */
static inline void xcr0_exited(struct vcpu *v)
{
	if (*u64(v, S_CR4) & CR4_OSXSAVE) {
		uint64_t seen = xgetbv0();
		if (__builtin_expect(seen != v->xcr0, 0))
			xcr0_set_behind(v, seen);
		else if (__builtin_expect(seen != fpu_xcr0, 0))
			xsetbv0(fpu_xcr0);
	} else {
		vcpu_xcr0_exited(v);
	}
}

/*
 * QEMU's lost shadow.  QEMU's VMRUN does not load the VMCB's interrupt
 * shadow: the guest's first instruction runs outside it, and an exit that
 * comes before that instruction ends (a host interrupt at the VMRUN, or
 * the instruction's own intercept, as a HLT's) reports no shadow.  The
 * VMM would then inject an event in the shadow, and the kernel's NMI
 * window would open there: kvm-unit-tests' xapic got its NMIs right after
 * the STI of `sti; testb; nop; cli` ("nmi-after-sti").  So on QEMU's CPU
 * an exit at the RIP of an entry that had a shadow (and no event to
 * deliver, which would have ended it) reports the shadow still there, as
 * AMD's CPU would: no instruction has ended in it.  A guest's jump to
 * itself in the shadow would keep it one instruction too long, which
 * blocks an event for that one instruction and no more.
 */
static void remember_entry_shadow(struct vcpu *v)
{
	v->svm.shadow_entered = (*u64(v, C_INT_SHADOW) & 1) &&
				!(*u64(v, C_EVENTINJ) & VM_EVENT_VALID) && !v->svm.virq_event;
	v->svm.shadow_rip = *u64(v, S_RIP);
}

static void restore_lost_shadow(struct vcpu *v)
{
	v->svm.shadow_entered = false;
	if (*u64(v, S_RIP) == v->svm.shadow_rip)
		*u64(v, C_INT_SHADOW) |= 1;
}

/*
 * QEMU's injection.  QEMU 7.2's VMRUN delivers an external interrupt that
 * EVENTINJ names at once, but leaves its vector as the CPU's pending
 * exception; the next time QEMU stops the guest's instructions for any
 * request of its own (an I/O event, an -icount budget), it delivers the
 * vector a second time, as an exception: wherever the guest is, with IF
 * clear or not.  A Linux guest took its timer interrupt again inside the
 * timekeeper's write section, and its vCPUs then spun on the odd sequence
 * count for ever (docs/linux.md).  A virtual interrupt (V_IRQ) takes
 * QEMU's path for interrupts, which leaves nothing pending, so on QEMU's
 * CPU an external interrupt goes in that way.  The VMM injects one only
 * while the guest has IF set and no shadow, so QEMU delivers it before
 * the guest's first instruction, unless a host interrupt exits first.
 *
 * After the exit, the interrupt is taken if V_IRQ is clear or the guest
 * moved (RIP or RSP): QEMU 7.2 does not clear V_IRQ in the VMCB when it
 * takes one.  An interrupt's handler cannot come back to the same RIP
 * and RSP without an exit, since its EOI exits.  One not taken is put in
 * EXITINTINFO, as a CPU reports an event an exit cut short, and goes in
 * again at the next entry (interrupted_event) unless the VMM's reply
 * injects something else.  (The STI before VMRUN is followed by a NOP:
 * QEMU lets STI's shadow reach the guest's first instruction, which would
 * run before the interrupt, and a host interrupt could then exit with
 * the guest moved and the interrupt not taken.)
 */
static void injection_to_virq(struct vcpu *v)
{
	uint64_t event = *u64(v, C_EVENTINJ);
	if (!(event & VM_EVENT_VALID) || ((event >> 8) & 7) != 0 ||
	    !(*u64(v, S_RFLAGS) & RFLAGS_IF) || (*u64(v, C_INT_SHADOW) & 1))
		return;
	v->svm.virq_event = event;
	v->svm.virq_rip = *u64(v, S_RIP);
	v->svm.virq_rsp = *u64(v, S_RSP);
	v->svm.virq_window = intr_window_asked(v);
	*u64(v, C_EVENTINJ) = 0;
	*u32(v, C_INTERCEPT_MISC1) &= ~I1_VINTR; /* the window's intercept would take it */
	*u64(v, C_VINTR) = (*u64(v, C_VINTR) & ~V_INTR_VECTOR) | V_IRQ | V_INTR_PRIO | V_IGN_TPR |
			   (event & 0xff) << V_INTR_VECTOR_SHIFT;
}

static void virq_to_injection(struct vcpu *v)
{
	bool taken = !(*u64(v, C_VINTR) & V_IRQ) || *u64(v, S_RIP) != v->svm.virq_rip ||
		     *u64(v, S_RSP) != v->svm.virq_rsp;
	*u64(v, C_VINTR) &= ~V_INTR_VECTOR;
	write_vintr(v, v->svm.virq_window); /* V_IRQ and its intercept as the VMM asked */
	if (!taken && !(*u64(v, C_EXITINTINFO) & VM_EVENT_VALID))
		*u64(v, C_EXITINTINFO) = v->svm.virq_event;
	v->svm.virq_event = 0;
}

/*
 * The event an exit interrupted the delivery of (EXITINTINFO), to go in
 * again at the next VMRUN unless the VMM's reply injects something else
 * (see requeue_interrupted_event in vcpu_vmx.c).  Software interrupts and
 * INT3/INTO are not: RIP still points at their instruction, which raises
 * them again.  EVENTINJ has EXITINTINFO's layout.  (The exit has tested
 * EXITINTINFO's valid bit already: it is the one test of the common case.)
 * QEMU reports an external interrupt whose delivery was cut short as an
 * exception (type 3), which its VMRUN refuses to inject for a vector of
 * 31 or more; no exception has such a vector, so it is an interrupt
 * again, for the VMM's view of it too.
 */
static uint64_t __attribute__((noinline)) interrupted_event(struct vcpu *v, uint64_t info)
{
	unsigned type = (info >> 8) & 7, vector = info & 0xff;
	if (type == 3 && vector >= 32) {
		info &= ~(7ULL << 8); /* type 0: external interrupt */
		*u64(v, C_EXITINTINFO) = info;
		return info;
	}
	if (type == 4 || (type == 3 && (vector == 3 || vector == 4)))
		return 0;
	return info;
}

/* Called by entry.S after #VMEXIT with the guest's registers (but RAX) in current->regs. */
void svm_exit(void)
{
	struct thread *t = current;
	struct vcpu *v = t->vcpu;
	xcr0_exited(v); /* before anything could XSAVE with the guest's XCR0 */
	if (v->svm.tsc_aux)
		wrmsr(MSR_TSC_AUX, percpu->id); /* the host's (syscall_init); the guest's write exits */
	uint64_t code = *u64(v, C_EXITCODE);
	bool shadow_stepped = __builtin_expect(v->svm.shadow_step, 0) && shadow_step_ends(v, code);
	if ((uint32_t)code == (uint32_t)SVM_EXIT_INVALID) { /* QEMU writes only the low half */
		code = SVM_EXIT_INVALID;
		restore_entry_state(v);
	} else {
		v->svm.entry_state_valid = false; /* the guest ran: its state moved on */
		if (__builtin_expect(v->svm.shadow_entered, 0))
			restore_lost_shadow(v);
		/*
		 * CR0 writes do not exit here, so the guest may have entered or
		 * left long mode on its own: the CPU set or cleared EFER.LMA.
		 * The reply's RIP and segment bases are checked by this mode.
		 */
		v->long_mode = *u64(v, S_EFER) & EFER_LMA;
	}
	t->regs.rax = *u64(v, S_RAX);
	*(uint8_t *)(vmcb(v) + C_TLB_CONTROL) = TLB_FLUSH_NONE;
	if (__builtin_expect(v->svm.virq_event != 0, 0))
		virq_to_injection(v);
	uint64_t cut_short = *u64(v, C_EXITINTINFO);
	*u64(v, C_EVENTINJ) = __builtin_expect(cut_short & VM_EVENT_VALID, 0) ?
				      interrupted_event(v, cut_short) : 0;
	/*
	 * Up to here only this CPU's state and the running vCPU's own, which
	 * no other CPU touches while it runs.  Now the big kernel lock.  (An
	 * interrupt that made the exit is still pending: the CPU takes it
	 * when the kernel next opens interrupts, stolen vCPU or not.)
	 */
	if (!kernel_enter(BKL_REASON_EXIT))
		return_to_user(); /* another CPU took the vCPU (bkl.h) */
	vcpu_slice_exit(t);
	if (code == SVM_EXIT_INTR) {
		irq_window(); /* take it through the IDT */
	} else if (code == SVM_EXIT_CPUID && vcpu_kernel_cpuid(v)) {
		kernel_cpuid(v);
		resume_current();
	} else if (code != SVM_EXIT_NMI) {
		uint32_t reason = translate(v, code, shadow_stepped);
		if (reason == EXIT_KEPT) {
			irq_window(); /* the host's interrupts first (vcpu.h, "kept exits") */
			resume_current(); /* the kernel dealt with it */
		}
		if (__builtin_expect(!v->xcr0_news, 1)) /* news of XCR0 go the general way */
			fastpath_vmexit(t, reason, svm_read_groups); /* returns if the general path must */
		vcpu_exit(t, reason);
	}
	return_to_user();
}

static void __attribute__((noreturn)) svm_enter(struct thread *t)
{
	struct vcpu *v = t->vcpu;
	if (vcpu_entry_refused(t))
		return_to_user();
	/* a guest mapping went away, or another vCPU used the ASID, since this vCPU last ran */
	bool asid_reused = vcpu_tag_claim(v);
	if (v->svm.flush_seen != flushes || asid_reused) {
		*(uint8_t *)(vmcb(v) + C_TLB_CONTROL) = TLB_FLUSH_ALL;
		v->svm.flush_seen = flushes;
	}
	if (v->svm.cr2_written) {
		write_cr2(*u64(v, S_CR2));
		v->svm.cr2_written = false;
	}
	if (__builtin_expect(svm_caps.qemu_cpu, 0)) {
		injection_to_virq(v);
		remember_entry_shadow(v);
	}
	bkl_unlock(); /* the last kernel state read: the guest runs without the lock */
	svm_launch(&t->regs, v->control_page, percpu->svm_host_state);
}

const struct vcpu_backend svm_backend = {
	.name = "SVM",
	.setup = svm_setup,
	.teardown = svm_teardown,
	.set_space = svm_set_space,
	.read_state = svm_read_state,
	.write_state = svm_write_state,
	.fast_reply = svm_fast_reply,
	.enter = svm_enter,
	.entry_work = svm_entry_work,
	.gpa_leaf = npt_leaf,
	.gpa_table = npt_table,
	.gpa_flush = npt_flush,
	.gpa_root = npt_root,
};
