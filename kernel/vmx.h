/* Intel VMX: what the CPU offers. */
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
	bool svm;            /* AMD SVM instead (CPUID 0x80000001:ECX.SVM) */
};

extern struct vmx_caps vmx_caps;

/* Reads the VMX capability MSRs and logs what the CPU offers, or that VMX is absent. */
void vmx_probe(void);

#endif
