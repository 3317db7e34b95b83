/*
 * vCPUs on Intel VMX: the VMCS (kernel memory, never mapped to a task),
 * the controls that keep a guest contained, VM entry and exit, and the
 * translation between the VMCS and the exit message's words.  Field
 * encodings and rules: Intel SDM vol. 3, chapters 24-27 and appendix B.
 */
#include <stddef.h>

#include "bkl.h"
#include "entry.h"
#include "fastpath.h"
#include "gdt.h"
#include "gpa_space.h"
#include "ipc.h"
#include "lapic.h"
#include "log.h"
#include "memory.h"
#include "smp.h"
#include "task.h"
#include "thread.h"
#include "trap.h"
#include "vcpu.h"
#include "vmx.h"
#include "x86.h"

/* VMCS fields. */
enum {
	VPID = 0x0000,
	GUEST_SEL = 0x0800, /* + 2 * segment */
	HOST_ES_SEL = 0x0c00, HOST_CS_SEL = 0x0c02, HOST_SS_SEL = 0x0c04, HOST_DS_SEL = 0x0c06,
	HOST_FS_SEL = 0x0c08, HOST_GS_SEL = 0x0c0a, HOST_TR_SEL = 0x0c0c,
	MSR_BITMAP = 0x2004, EXIT_MSR_STORE_ADDR = 0x2006, EXIT_MSR_LOAD_ADDR = 0x2008, ENTRY_MSR_LOAD_ADDR = 0x200a,
	TSC_OFFSET = 0x2010, EPT_POINTER = 0x201a, GUEST_PHYS_ADDR = 0x2400, VMCS_LINK = 0x2800,
	GUEST_DEBUGCTL = 0x2802, GUEST_PAT = 0x2804, GUEST_EFER = 0x2806,
	HOST_PAT = 0x2c00, HOST_EFER = 0x2c02,
	PIN_CONTROLS = 0x4000, PROC_CONTROLS = 0x4002, EXCEPTION_BITMAP = 0x4004,
	EXIT_CONTROLS = 0x400c, EXIT_MSR_STORE_COUNT = 0x400e, EXIT_MSR_LOAD_COUNT = 0x4010,
	ENTRY_CONTROLS = 0x4012, ENTRY_MSR_LOAD_COUNT = 0x4014, ENTRY_INTR_INFO = 0x4016,
	ENTRY_INTR_ERROR = 0x4018, ENTRY_INSN_LEN = 0x401a, PROC_CONTROLS2 = 0x401e,
	PLE_GAP = 0x4020, PLE_WINDOW = 0x4022,
	INSN_ERROR = 0x4400, EXIT_REASON = 0x4402, EXIT_INTR_INFO = 0x4404,
	EXIT_INTR_ERROR = 0x4406, IDT_VECTORING_INFO = 0x4408, IDT_VECTORING_ERROR = 0x440a,
	EXIT_INSN_LEN = 0x440c,
	GUEST_LIMIT = 0x4800, /* + 2 * segment */
	GUEST_GDTR_LIMIT = 0x4810, GUEST_IDTR_LIMIT = 0x4812,
	GUEST_AR = 0x4814, /* + 2 * segment */
	GUEST_INTR_STATE = 0x4824, GUEST_ACTIVITY = 0x4826, GUEST_SYSENTER_CS = 0x482a,
	GUEST_PREEMPT_TIMER = 0x482e,
	HOST_SYSENTER_CS = 0x4c00,
	CR0_MASK = 0x6000, CR4_MASK = 0x6002, CR0_SHADOW = 0x6004, CR4_SHADOW = 0x6006,
	EXIT_QUAL = 0x6400, GUEST_LINEAR_ADDR = 0x640a,
	GUEST_CR0 = 0x6800, GUEST_CR3 = 0x6802, GUEST_CR4 = 0x6804,
	GUEST_PDPTE0 = 0x280a, /* PDPTE1-3 follow, 2 apart */
	GUEST_BASE = 0x6806, /* + 2 * segment */
	GUEST_GDTR_BASE = 0x6816, GUEST_IDTR_BASE = 0x6818, GUEST_DR7 = 0x681a,
	GUEST_RSP = 0x681c, GUEST_RIP = 0x681e, GUEST_RFLAGS = 0x6820, GUEST_PENDING_DBG = 0x6822,
	GUEST_SYSENTER_ESP = 0x6824, GUEST_SYSENTER_EIP = 0x6826,
	HOST_CR0 = 0x6c00, HOST_CR3 = 0x6c02, HOST_CR4 = 0x6c04, HOST_FS_BASE = 0x6c06,
	HOST_GS_BASE = 0x6c08, HOST_TR_BASE = 0x6c0a, HOST_GDTR_BASE = 0x6c0c,
	HOST_IDTR_BASE = 0x6c0e, HOST_SYSENTER_ESP = 0x6c10, HOST_SYSENTER_EIP = 0x6c12,
	HOST_RSP = 0x6c14, HOST_RIP = 0x6c16,
};

/* DR6's (and a #DB exit qualification's) causes: B0-B3, BD, BS (SDM 17.2.3, table 27-1). */
#define DR6_CAUSES 0x600fULL

/* entered_from for "look at CR3 at the next entry": no task is at this address. */
#define HOST_TABLES_UNKNOWN ((struct task *)~0UL)

static unsigned preempt_shift; /* IA32_VMX_MISC[4:0], read at each vCPU's setup */

static void vmcs_load(struct vcpu *v)
{
	if (percpu->loaded_vmcs == v->control_page)
		return;
	asm volatile("vmptrld %0" : : "m"(v->control_page) : "cc", "memory");
	percpu->loaded_vmcs = v->control_page;
}

/* Sets the wanted bits a control MSR allows; bits it requires are set whatever we want. */
static uint32_t control(uint32_t msr, uint32_t true_msr, uint32_t want)
{
	uint64_t cap = rdmsr(rdmsr(MSR_VMX_BASIC) & VMX_BASIC_TRUE_CTLS ? true_msr : msr);
	return (want | (uint32_t)cap) & (uint32_t)(cap >> 32);
}

/*
 * PAUSE-loop exiting (SDM 25.1.3): a PAUSE at CPL 0 exits once PAUSEs no
 * more than PLE_GAP TSC counts apart have gone on for more than
 * PLE_WINDOW, so that a PAUSE in a short delay loop does not exit.
 * KVM's defaults (its window grows with each exit; this one stays).
 */
#define PAUSE_LOOP_GAP    128
#define PAUSE_LOOP_WINDOW 4096

static void setup_controls(void)
{
	/*
	 * A guest spinning in a PAUSE loop waits for another CPU: the kernel
	 * gives the CPU away at the exit (pause_loop_exited).  PAUSE-loop
	 * exiting where the CPU has it (Bochs 2.7), else every PAUSE exits.
	 */
	bool ple = vmx_caps.pause_loop;
	vmwrite(PIN_CONTROLS, control(MSR_VMX_PINBASED_CTLS, MSR_VMX_TRUE_PINBASED_CTLS,
				      PIN_EXT_INTR_EXIT | PIN_NMI_EXIT | PIN_VIRTUAL_NMI |
				      PIN_PREEMPT_TIMER));
	vmwrite(PROC_CONTROLS, control(MSR_VMX_PROCBASED_CTLS, MSR_VMX_TRUE_PROCBASED_CTLS,
		PROC_HLT_EXIT | PROC_MWAIT_EXIT | PROC_RDPMC_EXIT | PROC_CR8_LOAD_EXIT |
		PROC_CR8_STORE_EXIT | PROC_MOV_DR_EXIT | PROC_IO_EXIT | PROC_MONITOR_EXIT |
		PROC_MSR_BITMAP | PROC_TSC_OFFSET | PROC_SECONDARY | (ple ? 0 : PROC_PAUSE_EXIT)));
	vmwrite(MSR_BITMAP, vmx_msr_bitmap);
	vmwrite(PROC_CONTROLS2, control(MSR_VMX_PROCBASED_CTLS2, MSR_VMX_PROCBASED_CTLS2,
					PROC2_EPT | PROC2_VPID | PROC2_WBINVD_EXIT |
					PROC2_UNRESTRICTED | PROC2_RDTSCP | (ple ? PROC2_PAUSE_LOOP : 0)));
	if (ple) {
		vmwrite(PLE_GAP, PAUSE_LOOP_GAP);
		vmwrite(PLE_WINDOW, PAUSE_LOOP_WINDOW);
	}
	vmwrite(EXIT_CONTROLS, control(MSR_VMX_EXIT_CTLS, MSR_VMX_TRUE_EXIT_CTLS,
				       EXIT_HOST_64 | EXIT_ACK_INTR | EXIT_SAVE_EFER | EXIT_LOAD_EFER |
				       EXIT_SAVE_PAT | EXIT_LOAD_PAT | EXIT_SAVE_DEBUG));
	vmwrite(ENTRY_CONTROLS, control(MSR_VMX_ENTRY_CTLS, MSR_VMX_TRUE_ENTRY_CTLS,
					ENTRY_LOAD_EFER | ENTRY_LOAD_PAT | ENTRY_LOAD_DEBUG));
	/* #DB, #AC: see reflect_exception() */
	vmwrite(EXCEPTION_BITMAP, (1u << EXC_DB) | (1u << EXC_AC));
	vmwrite(VMCS_LINK, ~0ULL);
}

/* The host state a VM exit returns to: the kernel, on the kernel stack's entry path. */
/* The host fields that name the CPU the vCPU runs on (this one). */
static void host_cpu_fields(void)
{
	vmwrite(HOST_GS_BASE, (uint64_t)this_cpu()); /* the kernel's GS (percpu.h) */
	vmwrite(HOST_TR_BASE, (uint64_t)&this_cpu()->tss);
	vmwrite(HOST_GDTR_BASE, percpu->gdtr.base); /* the limits: descriptor_tables_reload() */
}

static void setup_host(struct vcpu *v)
{
	vmwrite(HOST_CR0, read_cr0() | CR0_TS); /* fpu.c: every exit leaves TS set */
	vmwrite(HOST_CR3, paging_kernel_pml4()); /* until the first entry: vmx_enter */
	v->vmx.host_cr3 = paging_kernel_pml4();
	v->vmx.host_task = 0;
	v->vmx.entered_from = HOST_TABLES_UNKNOWN;
	vmwrite(HOST_CR4, read_cr4() & ~CR4_FSGSBASE); /* an exit leaves no task's bases (fsgs.h) */
	vmwrite(HOST_CS_SEL, SEL_KCODE);
	vmwrite(HOST_SS_SEL, SEL_KDATA);
	vmwrite(HOST_DS_SEL, SEL_KDATA);
	vmwrite(HOST_ES_SEL, SEL_KDATA);
	vmwrite(HOST_FS_SEL, 0);
	vmwrite(HOST_GS_SEL, 0);
	vmwrite(HOST_TR_SEL, SEL_TSS);
	vmwrite(HOST_FS_BASE, 0); /* no task's bases after an exit (fsgs.h) */
	host_cpu_fields();
	vmwrite(HOST_IDTR_BASE, idt_pointer.base);
	vmwrite(HOST_SYSENTER_CS, 0);
	vmwrite(HOST_SYSENTER_ESP, 0);
	vmwrite(HOST_SYSENTER_EIP, 0);
	vmwrite(HOST_EFER, rdmsr(MSR_EFER));
	vmwrite(HOST_PAT, rdmsr(MSR_PAT));
	/* Exits push the guest's registers straight into the thread, as syscalls do. */
	vmwrite(HOST_RSP, (uint64_t)&v->thread->regs.vector);
	vmwrite(HOST_RIP, (uint64_t)vmx_exit_entry);
}

/* A guest at the x86 reset state, but at address 0: real mode, everything flat. */
static void setup_guest(void)
{
	for (unsigned s = VMS_ES; s <= VMS_TR; s++) {
		vmwrite(GUEST_SEL + 2 * s, 0);
		vmwrite(GUEST_BASE + 2 * s, 0);
		vmwrite(GUEST_LIMIT + 2 * s, 0xffff);
		vmwrite(GUEST_AR + 2 * s, s == VMS_CS ? SEG_AR_CODE : SEG_AR_DATA);
	}
	vmwrite(GUEST_AR + 2 * VMS_LDTR, SEG_AR_LDT);
	vmwrite(GUEST_AR + 2 * VMS_TR, SEG_AR_TSS_BUSY);
	vmwrite(GUEST_GDTR_LIMIT, 0xffff);
	vmwrite(GUEST_IDTR_LIMIT, 0xffff);
	vmwrite(GUEST_GDTR_BASE, 0);
	vmwrite(GUEST_IDTR_BASE, 0);
	vmwrite(GUEST_RFLAGS, 2);
	vmwrite(GUEST_RIP, 0);
	vmwrite(GUEST_RSP, 0);
	vmwrite(GUEST_DR7, DR7_RESET);
	vmwrite(GUEST_DEBUGCTL, 0);
	vmwrite(GUEST_EFER, 0);
	vmwrite(GUEST_PAT, PAT_POWER_ON);
	vmwrite(TSC_OFFSET, 0);
	vmwrite(GUEST_PENDING_DBG, 0);
	vmwrite(GUEST_INTR_STATE, 0);
	vmwrite(GUEST_ACTIVITY, 0);
	vmwrite(GUEST_SYSENTER_CS, 0);
	vmwrite(GUEST_SYSENTER_ESP, 0);
	vmwrite(GUEST_SYSENTER_EIP, 0);
	vmwrite(GUEST_CR3, 0);
}

/*
 * CR0 and CR4 bits VMX requires (fixed to 1) are owned by the kernel: the
 * guest reads its own value through the shadow, and writing one of them
 * exits to the VMM.  With unrestricted guest, PE and PG are the guest's.
 * CR4.OSXSAVE is owned too, though VMX does not require it: a write that
 * changes it exits, so the VMM knows at every CPUID what leaf 1's OSXSAVE
 * bit must say (on SVM every CR4 write exits, vcpu_svm.c).
 */
static uint64_t cr0_forced(void)
{
	return rdmsr(MSR_VMX_CR0_FIXED0) & ~(CR0_PE | CR0_PG);
}

static uint64_t cr4_forced(void)
{
	return rdmsr(MSR_VMX_CR4_FIXED0);
}

/*
 * The guest's CD and NW live only in its read shadow: a VM exit does not
 * load them from the host state (SDM 27.5.1), so a guest that set them in
 * the real CR0 would switch the host's caches off.  The guest runs cached;
 * its writes to them exit (CR0_MASK).
 */
static void guest_write_cr0(uint64_t v)
{
	vmwrite(CR0_SHADOW, v);
	vmwrite(GUEST_CR0, (v & ~(CR0_CD | CR0_NW)) | cr0_forced());
}

static void guest_write_cr4(uint64_t v)
{
	vmwrite(CR4_SHADOW, v);
	vmwrite(GUEST_CR4, v | cr4_forced());
}

/*
 * The guest's CR0 or CR4 as it sees it: the bits the mask gives the
 * kernel from the read shadow, the others (CR0.WP, CR4.PAE, PSE, SMEP...)
 * as the guest wrote them without an exit, in the real register.
 */
static uint64_t guest_read_cr(unsigned real, unsigned shadow, unsigned mask)
{
	uint64_t owned = vmread(mask);
	return (vmread(real) & ~owned) | (vmread(shadow) & owned);
}

/*
 * The guest's MSRs that VM exits and entries switch through MSR areas
 * (SDM 24.7.2, 24.8.2), because the VMCS has no field for them and the
 * guest writes them without an exit (vcpu_passthrough_msrs): the entry
 * loads the guest's, the exit stores them and loads the host's, so no
 * guest sees another's and the host always gets its own back.  TSC_AUX,
 * the last, only where the CPU has it.  (SYSENTER_*, FS and GS base, PAT
 * and DEBUGCTL have VMCS fields.)
 */
static const uint32_t switched_msr[VMX_SWITCHED_MSRS] = {
	MSR_KERNEL_GS_BASE, MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_SFMASK, MSR_TSC_AUX,
};
static const uint8_t switched_word[VMX_SWITCHED_MSRS] = {
	VMW_KERNEL_GS_BASE, VMW_STAR, VMW_LSTAR, VMW_CSTAR, VMW_SFMASK, VMW_TSC_AUX,
};
static unsigned switched_count; /* VMX_SWITCHED_MSRS, or one less without TSC_AUX */

/* What an exit loads into msr: the host's own; KERNEL_GS_BASE 0, no task's base (fsgs.h). */
static uint64_t host_msr(uint32_t msr)
{
	return msr == MSR_KERNEL_GS_BASE ? 0 : rdmsr(msr);
}

static void setup_switched_msrs(struct vcpu *v)
{
	switched_count = VMX_SWITCHED_MSRS - !cpu_has_rdtscp();
	for (unsigned i = 0; i < switched_count; i++) {
		v->vmx.guest_msrs[i] = (struct vmx_msr_entry){ switched_msr[i], 0, 0 };
		v->vmx.host_msrs[i] = (struct vmx_msr_entry){ switched_msr[i], 0, host_msr(switched_msr[i]) };
	}
	vmwrite(EXIT_MSR_STORE_ADDR, physmap_to_phys(v->vmx.guest_msrs));
	vmwrite(EXIT_MSR_STORE_COUNT, switched_count);
	vmwrite(ENTRY_MSR_LOAD_ADDR, physmap_to_phys(v->vmx.guest_msrs));
	vmwrite(ENTRY_MSR_LOAD_COUNT, switched_count);
	vmwrite(EXIT_MSR_LOAD_ADDR, physmap_to_phys(v->vmx.host_msrs));
	vmwrite(EXIT_MSR_LOAD_COUNT, switched_count);
}

static void vmx_vcpu_setup(struct vcpu *v)
{
	preempt_shift = rdmsr(MSR_VMX_MISC) & VMX_MISC_PREEMPT_SHIFT;
	*(uint32_t *)phys_to_virt(v->control_page) = vmx_caps.revision;
	asm volatile("vmclear %0" : : "m"(v->control_page) : "cc", "memory");
	percpu->loaded_vmcs = 0;
	vmcs_load(v);
	setup_controls();
	setup_host(v);
	setup_guest();
	vmwrite(VPID, v->tag);
	vmwrite(CR0_MASK, cr0_forced() | CR0_PE | CR0_PG | CR0_CD | CR0_NW); /* mode switches exit too */
	setup_switched_msrs(v);
	vmwrite(CR4_MASK, cr4_forced() | CR4_OSXSAVE);
	guest_write_cr0(CR0_RESET);
	guest_write_cr4(0);
	v->vmx.dr6 = DR6_RESET;
}

static void vmx_vcpu_teardown(struct vcpu *v)
{
	asm volatile("vmclear %0" : : "m"(v->control_page) : "cc", "memory");
	if (percpu->loaded_vmcs == v->control_page)
		percpu->loaded_vmcs = 0;
}

static void vmx_vcpu_set_space(struct vcpu *v, struct gpa_space *g)
{
	vmcs_load(v);
	vmwrite(EPT_POINTER, g ? g->root | EPTP_WALK_4 | EPT_MEMTYPE_WB : 0);
}

/* EPT entries (SDM 29.3.2): R, W, X in bits 0-2; leaves are write-back memory. */
static uint64_t ept_leaf(uint64_t phys, unsigned rights)
{
	return phys | EPT_LEAF_WB | (rights & (RIGHT_R | RIGHT_W | RIGHT_X));
}

static uint64_t ept_table(uint64_t phys)
{
	return phys | RIGHT_R | RIGHT_W | RIGHT_X;
}

/*
 * The EPT root v's VMCS names (kcheck_hw.c checks it).  It reads through
 * v's VMCS and then makes current again whichever VMCS was (VMPTRST), so
 * that this CPU's loaded_vmcs stays true.
 */
static uint64_t ept_root(struct vcpu *v)
{
	uint64_t was = ~0ULL, eptp;
	asm volatile("vmptrst %0" : "=m"(was) : : "memory");
	asm volatile("vmptrld %0" : : "m"(v->control_page) : "cc", "memory");
	eptp = vmread(EPT_POINTER);
	if (was != ~0ULL)
		asm volatile("vmptrld %0" : : "m"(was) : "cc", "memory");
	return eptp & ~0xfffULL; /* the memory type and walk length below */
}

static void ept_flush(struct gpa_space *g)
{
	vmx_invept(g->root);
}

/* --- the exit message ----------------------------------------------------- */

/* Where each general register of the message (VMW_RAX .. VMW_R15) sits in a trap frame. */
static uint64_t *gpr(struct trap_frame *f, unsigned word)
{
	static const uint8_t slot[VMW_R15 + 1] = {
		[VMW_RAX] = offsetof(struct trap_frame, rax) / 8,
		[VMW_RCX] = offsetof(struct trap_frame, rcx) / 8,
		[VMW_RDX] = offsetof(struct trap_frame, rdx) / 8,
		[VMW_RBX] = offsetof(struct trap_frame, rbx) / 8,
		[VMW_RBP] = offsetof(struct trap_frame, rbp) / 8,
		[VMW_RSI] = offsetof(struct trap_frame, rsi) / 8,
		[VMW_RDI] = offsetof(struct trap_frame, rdi) / 8,
		[VMW_R8] = offsetof(struct trap_frame, r8) / 8,
		[VMW_R9] = offsetof(struct trap_frame, r9) / 8,
		[VMW_R10] = offsetof(struct trap_frame, r10) / 8,
		[VMW_R11] = offsetof(struct trap_frame, r11) / 8,
		[VMW_R12] = offsetof(struct trap_frame, r12) / 8,
		[VMW_R13] = offsetof(struct trap_frame, r13) / 8,
		[VMW_R14] = offsetof(struct trap_frame, r14) / 8,
		[VMW_R15] = offsetof(struct trap_frame, r15) / 8,
	};
	return (uint64_t *)f + slot[word];
}

static void read_segments(uint64_t *w)
{
	for (unsigned s = VMS_ES; s <= VMS_TR; s++) {
		w[VMW_SEG_DESC(s)] = VM_SEG_PACK(vmread(GUEST_SEL + 2 * s), vmread(GUEST_AR + 2 * s),
						  vmread(GUEST_LIMIT + 2 * s));
		w[VMW_SEG_BASE(s)] = vmread(GUEST_BASE + 2 * s);
	}
}

static void read_msrs(struct vcpu *v, uint64_t *w)
{
	w[VMW_TSC_AUX] = 0; /* where the CPU has none */
	for (unsigned i = 0; i < switched_count; i++)
		w[switched_word[i]] = v->vmx.guest_msrs[i].value;
	w[VMW_SYSENTER_CS] = vmread(GUEST_SYSENTER_CS);
	w[VMW_SYSENTER_ESP] = vmread(GUEST_SYSENTER_ESP);
	w[VMW_SYSENTER_EIP] = vmread(GUEST_SYSENTER_EIP);
	w[VMW_PAT] = vmread(GUEST_PAT);
	w[VMW_DEBUGCTL] = vmread(GUEST_DEBUGCTL);
	w[VMW_TSC_OFFSET] = vmread(TSC_OFFSET);
}


/*
 * VMG_EVENT: the exit's information, or at an exit the kernel made at an
 * entry (vcpu_exit_at_entry) none, and the event still to be injected as
 * the interrupted one (VM exits clear ENTRY_INTR_INFO's valid bit, so a
 * valid one is a reply's or one queued again).
 */
static void read_events(struct vcpu *v, uint64_t *w)
{
	if (!vcpu_exit_at_entry(v)) {
		w[VMW_EXIT_INTR_INFO] = vmread(EXIT_INTR_INFO);
		w[VMW_EXIT_INTR_ERROR] = vmread(EXIT_INTR_ERROR);
		w[VMW_IDT_VECTORING_INFO] = vmread(IDT_VECTORING_INFO);
		w[VMW_IDT_VECTORING_ERROR] = vmread(IDT_VECTORING_ERROR);
		return;
	}
	uint32_t info = vmread(ENTRY_INTR_INFO);
	bool valid = info & VM_EVENT_VALID;
	w[VMW_EXIT_INTR_INFO] = w[VMW_EXIT_INTR_ERROR] = 0;
	w[VMW_IDT_VECTORING_INFO] = valid ? info : 0;
	w[VMW_IDT_VECTORING_ERROR] = valid && (info & VM_EVENT_ERROR_CODE) ? vmread(ENTRY_INTR_ERROR) : 0;
}
static void read_debug(struct vcpu *v, uint64_t *w)
{
	for (unsigned i = 0; i < 4; i++)
		w[VMW_DR0 + i] = v->dr[i];
	w[VMW_DR6] = v->vmx.dr6;
	w[VMW_DR7] = vmread(GUEST_DR7);
}

static void write_debug(struct vcpu *v, const uint64_t *w)
{
	for (unsigned i = 0; i < 4; i++)
		v->dr[i] = w[VMW_DR0 + i];
	v->vmx.dr6 = w[VMW_DR6];
	vmwrite(GUEST_DR7, w[VMW_DR7]);
	vcpu_entry_work_put(v, VCPU_ENTRY_BREAKPOINTS, w[VMW_DR7] & DR7_ENABLES);
}

static void write_msrs(struct vcpu *v, const uint64_t *w)
{
	for (unsigned i = 0; i < switched_count; i++)
		v->vmx.guest_msrs[i].value = w[switched_word[i]];
	vmwrite(GUEST_SYSENTER_CS, w[VMW_SYSENTER_CS]);
	vmwrite(GUEST_SYSENTER_ESP, w[VMW_SYSENTER_ESP]);
	vmwrite(GUEST_SYSENTER_EIP, w[VMW_SYSENTER_EIP]);
	vmwrite(GUEST_PAT, w[VMW_PAT]);
	vmwrite(GUEST_DEBUGCTL, w[VMW_DEBUGCTL]);
	vmwrite(TSC_OFFSET, w[VMW_TSC_OFFSET]);
}

/* The reader (vcpu_read_fn) of v, whose VMCS is current. */
static inline __attribute__((always_inline)) void vmx_read_groups(struct vcpu *v, uint32_t mask,
								  uint64_t *w)
{
	struct trap_frame *f = &v->thread->regs;
	w[VMW_INSN_LEN] = vmread(EXIT_INSN_LEN);
	w[VMW_QUAL] = mask & VMG_QUAL ? vmread(EXIT_QUAL) : 0;
	if (mask & VMG_GPR_ACDB) {
		w[VMW_RAX] = f->rax;
		w[VMW_RCX] = f->rcx;
		w[VMW_RDX] = f->rdx;
		w[VMW_RBX] = f->rbx;
	}
	if (mask & VMG_RIP)
		w[VMW_RIP] = vmread(GUEST_RIP);
	if (mask & VMG_RFLAGS)
		w[VMW_RFLAGS] = vmread(GUEST_RFLAGS);
	if (mask & VMG_GPR_OTHER) {
		w[VMW_RSP] = vmread(GUEST_RSP);
		for (unsigned i = VMW_RBP; i <= VMW_R15; i++)
			w[i] = *gpr(f, i);
	}
	if (mask & VMG_QUAL) {
		w[VMW_GPA] = vmread(GUEST_PHYS_ADDR);
		w[VMW_GLA] = vmread(GUEST_LINEAR_ADDR);
	}
	if (mask & VMG_CR) {
		w[VMW_CR0] = guest_read_cr(GUEST_CR0, CR0_SHADOW, CR0_MASK);
		w[VMW_CR2] = v->vmx.cr2;
		w[VMW_CR3] = vmread(GUEST_CR3);
		w[VMW_CR4] = guest_read_cr(GUEST_CR4, CR4_SHADOW, CR4_MASK);
		w[VMW_EFER] = vmread(GUEST_EFER);
	}
	if (mask & VMG_SEG)
		read_segments(w);
	if (mask & VMG_DTR) {
		w[VMW_GDTR_BASE] = vmread(GUEST_GDTR_BASE);
		w[VMW_GDTR_LIMIT] = vmread(GUEST_GDTR_LIMIT);
		w[VMW_IDTR_BASE] = vmread(GUEST_IDTR_BASE);
		w[VMW_IDTR_LIMIT] = vmread(GUEST_IDTR_LIMIT);
	}
	if (mask & VMG_STATE) {
		w[VMW_INTR_STATE] = vmread(GUEST_INTR_STATE);
		w[VMW_ACTIVITY] = vmread(GUEST_ACTIVITY);
	}
	if (mask & VMG_EVENT)
		read_events(v, w);
	if (mask & VMG_MSR)
		read_msrs(v, w);
	if (mask & VMG_DEBUG)
		read_debug(v, w);
	if (mask & VMG_XCR0)
		w[VMW_XCR0] = v->xcr0;
}

static void vmx_read_state(struct vcpu *v, uint32_t mask, uint64_t *w)
{
	vmcs_load(v);
	vmx_read_groups(v, mask, w);
}

/* --- the reply: checks first (vcpu_check.c), then writes ---------------------- */

/* VMX's fixed CR0 and CR4 bits: what the kernel adds must be allowed to be 1. */
static bool vmx_check_cr(const uint64_t *w)
{
	uint64_t cr0 = w[VMW_CR0] | cr0_forced(), cr4 = w[VMW_CR4] | cr4_forced();
	return !(cr0 & ~rdmsr(MSR_VMX_CR0_FIXED1)) && !(cr4 & ~rdmsr(MSR_VMX_CR4_FIXED1));
}

static void write_segments(const uint64_t *w)
{
	for (unsigned s = VMS_ES; s <= VMS_TR; s++) {
		uint64_t d = w[VMW_SEG_DESC(s)];
		vmwrite(GUEST_SEL + 2 * s, VM_SEG_SEL(d));
		vmwrite(GUEST_AR + 2 * s, VM_SEG_AR(d) ? VM_SEG_AR(d) : SEG_AR_UNUSABLE);
		vmwrite(GUEST_LIMIT + 2 * s, VM_SEG_LIMIT(d));
		vmwrite(GUEST_BASE + 2 * s, w[VMW_SEG_BASE(s)]);
	}
}

/*
 * Under EPT, a VM entry into PAE paging takes the four PDPTEs from the
 * VMCS, not from memory (SDM vol. 3, 26.3.2.4): a reply that sets CR0,
 * CR3 or CR4 loads them from the guest's table at CR3, as a MOV to CR3
 * would.  One that is not RAM reads as not present.
 */
static void load_pdptes(struct vcpu *v, const uint64_t *w)
{
	if (!(w[VMW_CR0] & CR0_PG) || !(w[VMW_CR4] & CR4_PAE) || (w[VMW_EFER] & EFER_LMA))
		return;
	for (unsigned i = 0; i < 4; i++) {
		uint64_t pdpte = 0;
		vcpu_read_guest(v, (w[VMW_CR3] & 0xffffffe0u) + 8 * i, &pdpte, 8);
		vmwrite(GUEST_PDPTE0 + 2 * i, pdpte);
	}
}

static void write_cr_group(struct vcpu *v, const uint64_t *w)
{
	guest_write_cr0(w[VMW_CR0]);
	guest_write_cr4(w[VMW_CR4]);
	v->vmx.cr2 = w[VMW_CR2];
	vmwrite(GUEST_CR3, w[VMW_CR3]);
	vmwrite(GUEST_EFER, w[VMW_EFER]);
	uint32_t entry = vmread(ENTRY_CONTROLS) & ~ENTRY_IA32E_GUEST;
	v->long_mode = w[VMW_EFER] & EFER_LMA;
	vmwrite(ENTRY_CONTROLS, entry | (v->long_mode ? ENTRY_IA32E_GUEST : 0));
	load_pdptes(v, w);
}

static void write_controls(struct vcpu *v, uint64_t c)
{
	uint32_t proc = vmread(PROC_CONTROLS) & ~(PROC_INTR_WINDOW | PROC_NMI_WINDOW);
	if (c & VMC_INTR_WINDOW)
		proc |= PROC_INTR_WINDOW;
	if (c & VMC_NMI_WINDOW)
		proc |= PROC_NMI_WINDOW;
	vmwrite(PROC_CONTROLS, proc);
	/*
	 * A #UD that exits is not reflected (reflect_exception): it reaches
	 * the VMM.  The bit is kept beside the VMCS so that a reply that
	 * leaves it as it was (nearly every one) reads no exception bitmap.
	 */
	bool ud_exit = c & VMC_UD_EXIT;
	if (ud_exit != v->vmx.ud_exit) {
		vmwrite(EXCEPTION_BITMAP, vmread(EXCEPTION_BITMAP) ^ (1u << EXC_UD));
		v->vmx.ud_exit = ud_exit;
	}
}

/* The guest's CR0 as the entry will load it (vcpu_check_state's injection rule). */
static uint64_t vmx_guest_cr0(const struct vcpu *v)
{
	(void)v; /* its VMCS is the current one */
	return vmread(GUEST_CR0);
}

/*
 * The one applier of a reply (and of SYS_VCPU_WRITE_STATE) on VMX: checks
 * every group in mask, then writes them into v, whose VMCS is current;
 * ERR_INVALID_ARG, and nothing written, if any is bad.  w[VMW_*] holds the
 * words (of words 0-3 only the instruction length is read, for
 * VMG_INJECT).  Inline: the fast reply passes a constant mask and keeps
 * only its groups' checks and writes.
 */
static inline __attribute__((always_inline)) int vmx_apply(struct vcpu *v, uint32_t mask,
							   const uint64_t *w)
{
	struct trap_frame *f = &v->thread->regs;
	int st = vcpu_check_state(v, mask, w, vmx_check_cr, vmx_guest_cr0);
	if (st != OK)
		return st;
	if (mask & VMG_GPR_ACDB) {
		f->rax = w[VMW_RAX];
		f->rcx = w[VMW_RCX];
		f->rdx = w[VMW_RDX];
		f->rbx = w[VMW_RBX];
	}
	if (mask & VMG_RIP)
		vmwrite(GUEST_RIP, w[VMW_RIP]);
	if (mask & VMG_RFLAGS)
		vmwrite(GUEST_RFLAGS, w[VMW_RFLAGS]);
	if (mask & VMG_GPR_OTHER) {
		vmwrite(GUEST_RSP, w[VMW_RSP]);
		for (unsigned i = VMW_RBP; i <= VMW_R15; i++)
			*gpr(f, i) = w[i];
	}
	if (mask & VMG_CR)
		write_cr_group(v, w);
	if (mask & VMG_SEG)
		write_segments(w);
	if (mask & VMG_DTR) {
		vmwrite(GUEST_GDTR_BASE, w[VMW_GDTR_BASE]);
		vmwrite(GUEST_GDTR_LIMIT, w[VMW_GDTR_LIMIT]);
		vmwrite(GUEST_IDTR_BASE, w[VMW_IDTR_BASE]);
		vmwrite(GUEST_IDTR_LIMIT, w[VMW_IDTR_LIMIT]);
	}
	if (mask & VMG_STATE) {
		vmwrite(GUEST_INTR_STATE, w[VMW_INTR_STATE]);
		vmwrite(GUEST_ACTIVITY, w[VMW_ACTIVITY]);
	}
	if (mask & VMG_INJECT) {
		vmwrite(ENTRY_INTR_INFO, w[VMW_INJECT_INFO]);
		vmwrite(ENTRY_INTR_ERROR, w[VMW_INJECT_ERROR]);
		vmwrite(ENTRY_INSN_LEN, w[VMW_INSN_LEN]);
	}
	if (mask & VMG_CONTROLS)
		write_controls(v, w[VMW_CONTROLS]);
	if (mask & VMG_MSR)
		write_msrs(v, w);
	if (mask & VMG_DEBUG)
		write_debug(v, w);
	if (mask & (VMG_CR | VMG_XCR0)) /* (OSXSAVE is the kernel's bit: the shadow has it) */
		vcpu_set_xcr0(v, mask & VMG_XCR0 ? w[VMW_XCR0] : v->xcr0,
			      vmread(CR4_SHADOW) & CR4_OSXSAVE);
	return OK;
}

static int vmx_write_state(struct vcpu *v, uint32_t mask, const uint64_t *w)
{
	vmcs_load(v);
	return vmx_apply(v, mask, w);
}

/*
 * The reply to the common exit (CPUID and the like): at most the
 * FASTPATH_EXIT_GROUPS, from the UTCB, through vmx_apply.  True if
 * applied; false, with nothing changed, for anything the general path
 * must judge (it refuses what vmx_apply refused here).
 */
static bool vmx_fast_reply(struct vcpu *v, const struct trap_frame *r, const struct utcb *u)
{
	uint64_t mask = MSG_REG(r, VMW_MASK);
	if ((mask & ~(uint64_t)FASTPATH_EXIT_GROUPS) || MSG_WORDS(r->rsi) < VMW_RIP + 1 ||
	    MSG_WORDS(r->rsi) > VMW_COUNT)
		return false;
	vmcs_load(v);
	return vmx_apply(v, mask & FASTPATH_EXIT_GROUPS, u->mr) == OK;
}

/* --- entry and exit ----------------------------------------------------------- */

/*
 * The VMX preemption timer ends a guest's time slice even when the guest
 * runs with interrupts off.  (Bochs 2.7 does not exit on an external
 * interrupt while a guest entered with IF=0 keeps it 0, so the LAPIC
 * timer alone cannot be relied on.)  The timer ticks once every
 * 2^IA32_VMX_MISC[4:0] TSC cycles (preempt_shift).
 */
static uint32_t preempt_count(uint64_t tsc_left)
{
	return (tsc_left >> preempt_shift) ?: 1;
}

/* The kernel's own answer to CPUID, for the measurement-only baseline. */
static void kernel_cpuid(struct trap_frame *f)
{
	struct cpuid_regs r = cpuid(f->rax, f->rcx);
	f->rax = r.eax;
	f->rbx = r.ebx;
	f->rcx = r.ecx;
	f->rdx = r.edx;
	vmwrite(GUEST_RIP, vmread(GUEST_RIP) + vmread(EXIT_INSN_LEN));
}

/*
 * #DB and #AC exit only so that a guest cannot keep the CPU in their
 * delivery for ever (CVE-2015-8104, CVE-2015-5307: an exception raised
 * again while it is delivered, which no interrupt ends).  Each goes back to
 * the guest from here, one exit each, and the host gets its turn in
 * between.  True if the exit was one of them.
 */
/*
 * Injects at the next entry an event an exit reported: its information
 * word (bit 12, NMI unblocking, is the exit's alone) and, if it has one,
 * the error code from the exit's field `error_field`.
 */
static void inject_reported_event(uint32_t info, unsigned error_field)
{
	vmwrite(ENTRY_INTR_INFO, info & 0x80000fff);
	if (info & VM_EVENT_ERROR_CODE)
		vmwrite(ENTRY_INTR_ERROR, vmread(error_field));
}

static bool reflect_exception(struct vcpu *v)
{
	uint32_t info = vmread(EXIT_INTR_INFO);
	unsigned vector = info & 0xff, type = (info >> 8) & 7;
	if (type == 2 || (vector != EXC_DB && vector != EXC_AC))
		return false;
	if (vector == EXC_DB) /* a #DB that exits leaves DR6 alone: its bits are in the qualification */
		v->vmx.dr6 = (v->vmx.dr6 & ~DR6_CAUSES) | (vmread(EXIT_QUAL) & DR6_CAUSES);
	inject_reported_event(info, EXIT_INTR_ERROR);
	if (type >= 4)
		vmwrite(ENTRY_INSN_LEN, vmread(EXIT_INSN_LEN));
	return true;
}

/*
 * An exit in the middle of an event's delivery (IDT-vectoring information
 * valid: an EPT violation on the guest's IDT or stack, an interrupt that
 * exits, ...) leaves the event undelivered.  It goes in again at the next
 * entry, unless the VMM's reply injects something else (VMG_INJECT) or
 * the kernel reflects an exception.  Software interrupts and exceptions
 * (types 4-6: INT n, INT1, INT3, INTO) are not queued: RIP still points at
 * their instruction, which raises them again.
 */
static void requeue_interrupted_event(void)
{
	uint32_t info = vmread(IDT_VECTORING_INFO);
	if (!(info & VM_EVENT_VALID) || ((info >> 8) & 7) >= 4)
		return;
	inject_reported_event(info, IDT_VECTORING_ERROR);
}

/*
 * A PAUSE loop exited (or a PAUSE, without PAUSE-loop exiting): the PAUSE
 * is done, as a NOP (the STI or MOV SS shadow it stood in ends with it),
 * and the vCPU yields (vcpu_spin_yield).
 */
static void __attribute__((noinline)) pause_loop_exited(struct thread *t)
{
	vmwrite(GUEST_RIP, vmread(GUEST_RIP) + vmread(EXIT_INSN_LEN));
	uint64_t intr = vmread(GUEST_INTR_STATE);
	if (intr & 3)
		vmwrite(GUEST_INTR_STATE, intr & ~3ULL);
	vcpu_spin_yield(t);
}

/* Called by vmx_exit_entry with the guest's registers saved in current->regs. */
void vmx_exit(void)
{
	struct thread *t = current;
	struct vcpu *v = t->vcpu;
	vcpu_xcr0_exited(v); /* the exit left the guest's XCR0 */
	descriptor_tables_reload(); /* the exit left both limits 0xFFFF */
	v->vmx.cr2 = read_cr2();
	task_cr3_restored_by_vm_exit(v->vmx.host_task);
	tss_limit_cut_by_vm_exit();
	uint32_t reason = vmread(EXIT_REASON);
	/*
	 * An entry that failed on the guest's state left the VMCS's launch
	 * state as it was: clear after a VMLAUNCH, launched after a VMRESUME
	 * (SDM 27.8).  Decided here, before the lock: an exit whose vCPU
	 * another CPU takes away meanwhile returns without the rest.
	 */
	if (!(reason & VMEXIT_ENTRY_FAILURE))
		v->vmx.launched = true;
	requeue_interrupted_event();
	/*
	 * Up to here only this CPU's state and the running vCPU's own, which
	 * no other CPU touches while it runs.  Now the big kernel lock.
	 */
	if (__builtin_expect(cpus_stopping(), 0))
		cpu_stop_here(); /* a panic's NMI made the exit (smp.h): not the guest's business */
	uint32_t intr = reason == VMEXIT_EXTERNAL_INTERRUPT ? vmread(EXIT_INTR_INFO) & 0xff : 0;
	if (!kernel_enter(BKL_REASON_EXIT)) { /* another CPU took the vCPU (bkl.h) */
		if (intr)
			trap_deliver_interrupt(intr);
		return_to_user();
	}
	/* No TSC read here: the preemption timer got what was left of the slice (vcpu.h). */
	if (reason == VMEXIT_EXTERNAL_INTERRUPT) {
		trap_deliver_interrupt(intr); /* acknowledged on exit */
	} else if (reason == VMEXIT_PREEMPTION_TIMER) {
		uint64_t now = rdtsc();
		/*
		 * The timer stops at the slice's end or the first deadline
		 * (vcpu_slice_left): only the first ends the slice (round
		 * robin).  A deadline does not: a vCPU whose exit deadline
		 * comes every millisecond would otherwise wait behind every
		 * other thread of its priority each time.
		 */
		if (now >= t->slice_end)
			t->timeslice = 0;
		/*
		 * Take the interrupts that are pending before choosing who runs
		 * next.  A pending one would have made its own exit, but Bochs
		 * 2.7 exits for none while the guest keeps IF=0: without this
		 * window the scheduler picks the same vCPU again at once, the
		 * kernel never runs with interrupts open, and a thread that
		 * interrupt would wake never runs (the fuzzer's supervisor).
		 */
		irq_window();
		/*
		 * The timer stopped at the first deadline (vcpu_slice_left),
		 * which the LAPIC's interrupt, rounded up to its counts, may
		 * not have reached yet: expire it now, so that the entries
		 * until it fires are not exits at once (and an exit deadline
		 * of this vCPU's is taken at its next entry).
		 */
		if (timeout_first(&timeouts) <= now)
			notification_expire(now);
		if (budget_due <= now)
			budget_expire(now); /* (the timer stopped at it: the same reason) */
	} else if (reason == VMEXIT_PAUSE) {
		pause_loop_exited(t); /* its slice is given up: return_to_user chooses */
	} else if (reason == VMEXIT_CPUID && vcpu_kernel_cpuid(v)) {
		kernel_cpuid(&t->regs);
		resume_current();
	} else if (reason == VMEXIT_EXCEPTION && ((vmread(EXIT_INTR_INFO) >> 8) & 7) == 2) {
		log_warn("vmx: NMI during a guest"); /* the host's own, a panic's, stopped it before the lock */
	} else if (reason == VMEXIT_EXCEPTION && reflect_exception(v)) {
		irq_window(); /* the host's interrupts first (vcpu.h, "kept exits") */
		resume_current(); /* back to the guest */
	} else {
		fastpath_vmexit(t, reason, vmx_read_groups); /* returns if the general path must do it */
		vcpu_exit(t, reason);
	}
	return_to_user();
}

/* VMLAUNCH or VMRESUME failed (not an exit): the VMM hears of it as an invalid-state exit. */
void vmx_entry_failed(void)
{
	if (!kernel_enter(BKL_REASON_EXIT)) /* dropped for the entry (vmx_enter) */
		return_to_user();
	struct thread *t = current;
	vcpu_xcr0_exited(t->vcpu); /* loaded for the entry that failed */
	log_warn("vcpu %u: VM entry failed, VM-instruction error %lu", t->id,
		 vmread(INSN_ERROR));
	vcpu_exit(t, VMEXIT_ENTRY_FAILURE | VMEXIT_INVALID_STATE);
	return_to_user();
}

/*
 * The exit comes back on the tables loaded at entry, usually the VMM's,
 * which its exit message goes to: no CR3 write (a TLB flush on real
 * hardware) on the way there.  While the same task is active its tables
 * are still in CR3 (a task's page-table root lies at a fixed place in
 * its object, so even a new task at the old one's address has the same
 * root), and the entry checks just that; otherwise this runs, and the
 * VMCS write happens only when CR3 differs.  With no active task CR3
 * could hold any task's tables, so the next entry looks again.  Safe on
 * one CPU: nothing frees these tables while the guest runs (with SMP, a
 * task's destruction must wait for the exits of the vCPUs that entered
 * from it).
 */
static void host_tables_changed(struct vcpu *v)
{
	uint64_t cr3 = read_cr3();
	if (cr3 != v->vmx.host_cr3) {
		vmwrite(HOST_CR3, cr3);
		v->vmx.host_cr3 = cr3;
	}
	v->vmx.host_task = active_task;
	v->vmx.entered_from = active_task ? active_task : HOST_TABLES_UNKNOWN;
}

static void __attribute__((noreturn)) vmx_enter(struct thread *t)
{
	struct vcpu *v = t->vcpu;
	vmcs_load(v);
	if (vcpu_entry_refused(t))
		return_to_user();
	if (read_cr2() != v->vmx.cr2)
		write_cr2(v->vmx.cr2);
	if (__builtin_expect(active_task != v->vmx.entered_from, 0))
		host_tables_changed(v);
	if (vcpu_tag_claim(v)) /* another vCPU used this VPID since this one last ran */
		vmx_invvpid(v->tag);
	vmwrite(GUEST_PREEMPT_TIMER, preempt_count(vcpu_slice_left(t)));
	bkl_unlock(); /* the last kernel state read: the guest runs without the lock */
	vmx_launch(&t->regs, v->vmx.launched);
	vmx_entry_failed();
}

/*
 * --- VMX on every CPU ----------------------------------------------------
 *
 * A VMCS is active on one CPU at a time (SDM 24.1): the vCPU's own
 * (t->cpu), where it enters its guest.  Every other operation on it runs
 * there too, in a cross call (bkl.h) when the syscall that needs it runs
 * elsewhere (a VMM's reply or state read from another CPU, a vCPU made or
 * deleted, a guest page unmapped).  That CPU may be in the middle of a VM
 * exit then, waiting for the lock with its running vCPU's VMCS current:
 * the call makes that one current again when it is done.  A vCPU that
 * moves is VMCLEARed on its old CPU first (its state goes to memory, the
 * VMCS becomes inactive there), VMPTRLDed on the new one at the next
 * operation, launched again with VMLAUNCH, and its host fields that name
 * the CPU (GS, TR and GDTR bases) are rewritten before its first entry
 * there (vmx_entry_work).
 */
enum vmx_op { OP_SETUP, OP_TEARDOWN, OP_MOVED, OP_SET_SPACE, OP_READ, OP_WRITE, OP_FLUSH, OP_ROOT };

struct vmx_call {
	enum vmx_op op;
	struct vcpu *v;
	struct gpa_space *g;
	uint32_t mask;
	uint64_t *w;
	const uint64_t *cw;
	uint64_t result;
};

static void vmx_call_here(void *arg)
{
	struct vmx_call *c = arg;
	uint64_t was = percpu->loaded_vmcs;
	switch (c->op) {
	case OP_SETUP:     vmx_vcpu_setup(c->v); break;
	case OP_TEARDOWN:  vmx_vcpu_teardown(c->v); break;
	case OP_MOVED:     vmx_vcpu_teardown(c->v); break; /* VMCLEAR here: inactive, in memory */
	case OP_SET_SPACE: vmx_vcpu_set_space(c->v, c->g); break;
	case OP_READ:      vmx_read_state(c->v, c->mask, c->w); break;
	case OP_WRITE:     c->result = (uint64_t)vmx_write_state(c->v, c->mask, c->cw); break;
	case OP_FLUSH:     ept_flush(c->g); break;
	case OP_ROOT:      c->result = ept_root(c->v); break;
	}
	bool cleared = (c->op == OP_TEARDOWN || c->op == OP_MOVED) && was == c->v->control_page;
	if (was && was != percpu->loaded_vmcs && !cleared) {
		asm volatile("vmptrld %0" : : "m"(was) : "cc", "memory");
		percpu->loaded_vmcs = was;
	}
}

/* Runs c on the CPU of c.v, the vCPU whose VMCS it needs. */
static uint64_t vmx_call(struct vmx_call c)
{
	cpu_call(c.v->thread->cpu, vmx_call_here, &c);
	return c.result;
}

static void setup_op(struct vcpu *v) { vmx_call((struct vmx_call){ OP_SETUP, .v = v }); }
static void teardown_op(struct vcpu *v) { vmx_call((struct vmx_call){ OP_TEARDOWN, .v = v }); }
static void set_space_op(struct vcpu *v, struct gpa_space *g)
{
	vmx_call((struct vmx_call){ OP_SET_SPACE, .v = v, .g = g });
}
static void read_op(struct vcpu *v, uint32_t mask, uint64_t *w)
{
	vmx_call((struct vmx_call){ OP_READ, .v = v, .mask = mask, .w = w });
}
static int write_op(struct vcpu *v, uint32_t mask, const uint64_t *w)
{
	return (int)vmx_call((struct vmx_call){ OP_WRITE, .v = v, .mask = mask, .cw = w });
}
static uint64_t root_op(struct vcpu *v) { return vmx_call((struct vmx_call){ OP_ROOT, .v = v }); }

/*
 * INVEPT of every context on every CPU in VMX operation: any of them may
 * hold translations of g's tables from a vCPU that ran there.  A CPU
 * running a guest exits for the cross call, so none goes on with them.
 */
static void flush_op(struct gpa_space *g)
{
	struct vmx_call c = { OP_FLUSH, .g = g };
	for (unsigned cpu = 0; cpu < n_cpus; cpu++)
		if (cpus[cpu].vm_on)
			cpu_call(cpu, vmx_call_here, &c);
}

static void moved_op(struct vcpu *v, unsigned from)
{
	struct vmx_call c = { OP_MOVED, .v = v };
	cpu_call(from, vmx_call_here, &c);
	v->vmx.launched = false; /* VMCLEAR made it "clear": VMLAUNCH next (SDM 24.1) */
	vcpu_entry_work_set(v, VCPU_ENTRY_BACKEND);
}

/*
 * The first entry on a CPU the vCPU moved to: the host fields that name
 * this CPU, and the host MSR values its exits load (TSC_AUX is the CPU's
 * number).
 */
static bool vmx_entry_work(struct thread *t)
{
	struct vcpu *v = t->vcpu;
	vcpu_entry_work_clear(v, VCPU_ENTRY_BACKEND);
	host_cpu_fields();
	for (unsigned i = 0; i < switched_count; i++)
		v->vmx.host_msrs[i].value = host_msr(v->vmx.host_msrs[i].index);
	return false;
}

/* The fast reply: on the vCPU's own CPU only, where its VMCS is active. */
static bool fast_reply_op(struct vcpu *v, const struct trap_frame *r, const struct utcb *u)
{
	return percpu->id == v->thread->cpu && vmx_fast_reply(v, r, u);
}

const struct vcpu_backend vmx_backend = {
	.name = "VMX",
	.setup = setup_op,
	.teardown = teardown_op,
	.set_space = set_space_op,
	.read_state = read_op,
	.write_state = write_op,
	.fast_reply = fast_reply_op,
	.enter = vmx_enter,
	.entry_work = vmx_entry_work,
	.moved = moved_op,
	.gpa_leaf = ept_leaf,
	.gpa_table = ept_table,
	.gpa_flush = flush_op,
	.gpa_root = root_op,
};
