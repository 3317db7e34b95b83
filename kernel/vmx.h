/* Intel VMX: what the CPU offers, VMX root operation, and VMCS access. */
#ifndef KERNEL_VMX_H
#define KERNEL_VMX_H

#include <stdbool.h>
#include <stdint.h>

/* Capability MSRs (Intel SDM vol. 3, appendix A). */
#define MSR_VMX_BASIC               0x480
#define MSR_VMX_PINBASED_CTLS       0x481
#define MSR_VMX_PROCBASED_CTLS      0x482
#define MSR_VMX_EXIT_CTLS           0x483
#define MSR_VMX_ENTRY_CTLS          0x484
#define MSR_VMX_MISC                0x485
#define MSR_VMX_CR0_FIXED0          0x486
#define MSR_VMX_CR0_FIXED1          0x487
#define MSR_VMX_CR4_FIXED0          0x488
#define MSR_VMX_CR4_FIXED1          0x489
#define MSR_VMX_PROCBASED_CTLS2     0x48b
#define MSR_VMX_EPT_VPID_CAP        0x48c
#define MSR_VMX_TRUE_PINBASED_CTLS  0x48d
#define MSR_VMX_TRUE_PROCBASED_CTLS 0x48e
#define MSR_VMX_TRUE_EXIT_CTLS      0x48f
#define MSR_VMX_TRUE_ENTRY_CTLS     0x490
#define VMX_BASIC_TRUE_CTLS         (1ULL << 55) /* the TRUE_* MSRs above exist */
#define VMX_MISC_PREEMPT_SHIFT      0x1f         /* timer ticks every 2^this TSC cycles */

/* Controls (SDM 24.6-24.8): the bits the kernel sets, and those it asks the CPU about. */
#define PIN_EXT_INTR_EXIT   (1u << 0)
#define PIN_NMI_EXIT        (1u << 3)
#define PIN_VIRTUAL_NMI     (1u << 5)
#define PIN_PREEMPT_TIMER   (1u << 6)
#define PROC_INTR_WINDOW    (1u << 2)
#define PROC_TSC_OFFSET     (1u << 3)
#define PROC_HLT_EXIT       (1u << 7)
#define PROC_MWAIT_EXIT     (1u << 10)
#define PROC_RDPMC_EXIT     (1u << 11)
#define PROC_CR8_LOAD_EXIT  (1u << 19)
#define PROC_CR8_STORE_EXIT (1u << 20)
#define PROC_NMI_WINDOW     (1u << 22)
#define PROC_MOV_DR_EXIT    (1u << 23)
#define PROC_IO_EXIT        (1u << 24)
#define PROC_MSR_BITMAP     (1u << 28)
#define PROC_MONITOR_EXIT   (1u << 29)
#define PROC_PAUSE_EXIT     (1u << 30) /* every PAUSE exits */
#define PROC_SECONDARY      (1u << 31)
#define PROC2_EPT           (1u << 1)
#define PROC2_RDTSCP        (1u << 3)  /* else RDTSCP is #UD in a guest */
#define PROC2_VPID          (1u << 5)
#define PROC2_WBINVD_EXIT   (1u << 6)
#define PROC2_UNRESTRICTED  (1u << 7)
#define PROC2_PAUSE_LOOP    (1u << 10) /* PAUSE-loop exiting: PLE_GAP, PLE_WINDOW */
#define EXIT_SAVE_DEBUG     (1u << 2)
#define EXIT_HOST_64        (1u << 9)
#define EXIT_ACK_INTR       (1u << 15)
#define EXIT_SAVE_PAT       (1u << 18)
#define EXIT_LOAD_PAT       (1u << 19)
#define EXIT_SAVE_EFER      (1u << 20)
#define EXIT_LOAD_EFER      (1u << 21)
#define ENTRY_LOAD_DEBUG    (1u << 2)
#define ENTRY_IA32E_GUEST   (1u << 9)
#define ENTRY_LOAD_PAT      (1u << 14)
#define ENTRY_LOAD_EFER     (1u << 15)

/* EPT (SDM 24.6.11, 29.3.2): the pointer's memory type and walk length, a leaf's memory type. */
#define EPT_MEMTYPE_WB      6ULL
#define EPTP_WALK_4         (3ULL << 3)             /* page-walk length 4, minus 1 */
#define EPT_LEAF_WB         (EPT_MEMTYPE_WB << 3)

struct vmx_caps {
	bool present;        /* CPUID.1:ECX.VMX */
	bool enabled_by_fw;  /* IA32_FEATURE_CONTROL allows VMXON outside SMX */
	uint32_t revision;   /* VMCS revision identifier */
	bool ept, vpid, unrestricted_guest, preemption_timer;
	bool ept_2m, ept_1g, ept_ad, ept_wb;
	bool invvpid_single;  /* INVVPID of one VPID (else only of all) */
	bool msr_bitmap, tsc_offset, pat; /* MSR bitmaps, TSC offsetting, PAT loaded and saved */
	bool pause_loop, pause_exit; /* PAUSE-loop exiting (secondary), PAUSE exiting (primary) */
	bool on;             /* VMXON done: vCPUs can run */
};

extern struct vmx_caps vmx_caps;
/* Physical: the MSR bitmap every vCPU shares (exits for all but vcpu_passthrough_msrs). */
extern uint64_t vmx_msr_bitmap;

/* Reads the VMX capability MSRs and logs what the CPU offers, or that VMX is absent. */
void vmx_probe(void);
/* Enters VMX root operation if the CPU offers what vCPUs need; says why not otherwise. */
void vmx_init(void);
/* An AP into VMX root operation as the boot CPU is (percpu->vm_on), before it runs threads. */
void vmx_cpu_init(void);
/* Drops the TLB entries tagged with vpid. */
void vmx_invvpid(uint16_t vpid);
/* Drops cached guest-physical translations of the EPT tables at root. */
void vmx_invept(uint64_t root);

static inline uint64_t vmread(uint64_t field)
{
	uint64_t v;
	asm volatile("vmread %1, %0" : "=r"(v) : "r"(field) : "cc");
	return v;
}

static inline void vmwrite(uint64_t field, uint64_t v)
{
	asm volatile("vmwrite %1, %0" : : "r"(field), "r"(v) : "cc", "memory");
}

#endif
