/* Intel VMX: what the CPU offers, VMX root operation, and VMCS access. */
#ifndef KERNEL_VMX_H
#define KERNEL_VMX_H

#include <stdbool.h>
#include <stdint.h>

struct vmx_caps {
	bool present;        /* CPUID.1:ECX.VMX */
	bool enabled_by_fw;  /* IA32_FEATURE_CONTROL allows VMXON outside SMX */
	uint32_t revision;   /* VMCS revision identifier */
	bool ept, vpid, unrestricted_guest, preemption_timer;
	bool ept_2m, ept_1g, ept_ad, ept_wb;
	bool invvpid_single;  /* INVVPID of one VPID (else only of all) */
	bool on;             /* VMXON done: vCPUs can run */
};

extern struct vmx_caps vmx_caps;

/* Reads the VMX capability MSRs and logs what the CPU offers, or that VMX is absent. */
void vmx_probe(void);
/* Enters VMX root operation if the CPU offers what vCPUs need; says why not otherwise. */
void vmx_init(void);
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
