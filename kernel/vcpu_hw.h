/*
 * Each backend's own part of a vCPU: the state that one vendor's hardware
 * needs the kernel to keep beside the VMCS or VMCB.  struct vcpu
 * (object.h) holds the two in a union; only vcpu_vmx.c touches `vmx`, only
 * vcpu_svm.c `svm`, and nothing above the backends reads either.
 */
#ifndef KERNEL_VCPU_HW_H
#define KERNEL_VCPU_HW_H

#include <stdbool.h>
#include <stdint.h>

struct task;

/* One entry of the MSR areas VM exits and entries switch (Intel SDM 24.7.2, 24.8.2). */
struct vmx_msr_entry {
	uint32_t index, reserved;
	uint64_t value;
};

#define VMX_SWITCHED_MSRS 6

struct vmx_vcpu {
	uint64_t cr2;                /* not in the VMCS: switched by hand */
	uint64_t dr6;                /* the guest's: not in the VMCS, and a #DB that exits leaves the CPU's */
	/* The MSRs exits and entries switch, not in the VMCS: the guest's and the host's (vcpu_vmx.c). */
	struct vmx_msr_entry guest_msrs[VMX_SWITCHED_MSRS] __attribute__((aligned(16)));
	struct vmx_msr_entry host_msrs[VMX_SWITCHED_MSRS];
	bool launched;               /* VMRESUME enters it, not VMLAUNCH */
	bool ud_exit;                /* VMC_UD_EXIT: #UD's bit is set in the exception bitmap */
	/*
	 * HOST_CR3 is the CR3 of an entry, and host_task the task whose
	 * tables those were (or 0): the exit returns to them.  entered_from
	 * is that task too, or HOST_TABLES_UNKNOWN, and while it is the
	 * active task the tables are still those (vcpu_vmx.c).
	 */
	uint64_t host_cr3;
	struct task *host_task, *entered_from;
};

#define SVM_SAVE_AREA_WORDS 84       /* the VMCB's state save area, 0x400-0x69f */

struct svm_vcpu {
	uint8_t *vmcb;               /* the VMCB, kernel-virtual: every exit reads it many times */
	uint64_t exit_len, exit_qual, exit_gpa; /* the exit, in the protocol's terms */
	uint32_t exit_event; /* VMEXIT_EXCEPTION's: the exception, as VMX's exit interruption info */
	uint64_t flush_seen;         /* guest-mapping removals this vCPU has flushed */
	uint64_t tsc_aux;            /* the guest's TSC_AUX, loaded around VMRUN when not 0 */
	/*
	 * The NMI window (vcpu_svm.c): an NMI the VMM injected blocks the
	 * next until the guest's IRET; the VMM wants an exit once none is
	 * blocked; the IRET is being single-stepped to find its end
	 * (nmi_step); the one instruction of an STI or MOV SS shadow is,
	 * before a window opens, until the next exit (shadow_step), with a
	 * TF of the kernel's own unless the guest had set its own
	 * (shadow_step_tf).
	 */
	bool nmi_blocked, nmi_window, nmi_step, shadow_step, shadow_step_tf;
	bool ud_exit; /* VMC_UD_EXIT: a #UD that is not Intel's VMCALL goes to the VMM */
	/*
	 * QEMU's injection (vcpu_svm.c): the external interrupt this VMRUN
	 * offers as a virtual interrupt instead of EVENTINJ (0: none), the
	 * guest's RIP and RSP at the VMRUN, and whether an interrupt window
	 * was asked for (it has V_IRQ back after the exit).
	 */
	uint64_t virq_event, virq_rip, virq_rsp;
	bool virq_window;
	/*
	 * QEMU's lost shadow (vcpu_svm.c): this VMRUN entered an STI or MOV
	 * SS shadow at shadow_rip with no event to inject.
	 */
	bool shadow_entered;
	uint64_t shadow_rip;
	/* The state save area as the VMM last wrote it, for a VMRUN that fails (vcpu_svm.c). */
	uint64_t entry_state[SVM_SAVE_AREA_WORDS];
	bool entry_state_valid;
	/*
	 * A reply set CR2 (the VMM injecting a #PF): svm_enter loads it by hand,
	 * since Bochs 2.7's VMRUN does not load CR2 from the VMCB as AMD's does.
	 */
	bool cr2_written;
};

#endif
