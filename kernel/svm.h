/* AMD SVM: what the CPU offers, and turning it on. */
#ifndef KERNEL_SVM_H
#define KERNEL_SVM_H

#include <stdbool.h>
#include <stdint.h>

#define EFER_SVME (1ULL << 12)

struct svm_caps {
	bool present;       /* CPUID 0x80000001:ECX.SVM */
	bool disabled;      /* VM_CR.SVMDIS: the firmware turned it off */
	bool npt, nrip_save, decode_assists;
	bool lbrv;          /* LBR virtualization: VMRUN and #VMEXIT switch DEBUGCTL */
	bool pause_filter;  /* PauseFilterCount: the PAUSE intercept waits for that many PAUSEs */
	bool pause_filter_threshold; /* PauseFilterThreshold: ... of one loop (a gap resets the count) */
	uint32_t asids;
	/*
	 * The CPU is QEMU's (brand string "QEMU ..."), whose VMRUN differs from
	 * AMD's manual in two ways the kernel meets (vcpu_svm.c): it delivers
	 * an external interrupt EVENTINJ names but leaves the vector pending,
	 * so the kernel injects those as virtual interrupts ("QEMU's
	 * injection"); and it drops the VMCB's interrupt shadow, so an exit
	 * before the guest's first instruction gets it back ("QEMU's lost
	 * shadow").
	 */
	bool qemu_cpu;
	bool on;
};

extern struct svm_caps svm_caps;
/* Physical: every port intercepted; every MSR but vcpu_passthrough_msrs intercepted. */
extern uint64_t svm_iopm, svm_msrpm;

/* Reads SVM's features into svm_caps: the kernel's one test for SVM. */
void svm_probe(void);
/* Turns SVM on (EFER.SVME, host save area) if it is there with nested paging and VMX is not in use. */
void svm_init(void);
/* An AP's own SVM state as the boot CPU's (percpu->vm_on), before it runs threads. */
void svm_cpu_init(void);

#endif
