/* Thin wrappers around x86-64 instructions the kernel needs. */
#ifndef KERNEL_X86_H
#define KERNEL_X86_H

#include <stdint.h>

#include "moat/port_io.h" /* inb, outb: the same instructions as the drivers' */
#include "x86regs.h"       /* the bits and MSR numbers: the same as the VMM's */

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;
	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
	asm volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

struct cpuid_regs {
	uint32_t eax, ebx, ecx, edx;
};

static inline struct cpuid_regs cpuid(uint32_t leaf, uint32_t subleaf)
{
	struct cpuid_regs r;
	asm volatile("cpuid" : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
		     : "a"(leaf), "c"(subleaf));
	return r;
}

/* RDTSCP and its MSR, TSC_AUX (CPUID 0x80000001:EDX[27]). */
static inline bool cpu_has_rdtscp(void)
{
	return cpuid(0x80000000, 0).eax >= 0x80000001 && (cpuid(0x80000001, 0).edx & (1u << 27));
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

#define DEFINE_CR_ACCESS(n)                                           \
	static inline uint64_t read_cr##n(void)                       \
	{                                                             \
		uint64_t v;                                           \
		asm volatile("mov %%cr" #n ", %0" : "=r"(v));         \
		return v;                                             \
	}                                                             \
	static inline void write_cr##n(uint64_t v)                    \
	{                                                             \
		asm volatile("mov %0, %%cr" #n : : "r"(v) : "memory"); \
	}
DEFINE_CR_ACCESS(0)
DEFINE_CR_ACCESS(2)
DEFINE_CR_ACCESS(3)
DEFINE_CR_ACCESS(4)

static inline void irq_enable(void)  { asm volatile("sti" ::: "memory"); }
static inline void irq_disable(void) { asm volatile("cli" ::: "memory"); }
static inline void halt(void)        { asm volatile("hlt" ::: "memory"); }
/* Takes pending interrupts, then masks them again (STI holds them off for one instruction: the NOP). */
static inline void irq_window(void)  { asm volatile("sti; nop; cli" ::: "memory"); }

static inline uint64_t read_rflags(void)
{
	uint64_t v;
	asm volatile("pushfq; pop %0" : "=r"(v));
	return v;
}

/* Exception vectors the vCPU backends intercept or inject. */
#define EXC_DB  1
#define EXC_NMI 2
#define EXC_UD  6
#define EXC_DF  8
#define EXC_AC  17

/*
 * Segment access rights: a descriptor's type, S, DPL and P bits (byte 5),
 * as the VMCS, the VMCB and the exit message hold them.  The values are
 * those of a guest at reset; VMX's "unusable" bit 16 stands for "not
 * present" on SVM.
 */
#define SEG_AR_P         0x80
#define SEG_AR_DATA      0x93   /* present, data, read/write, accessed */
#define SEG_AR_CODE      0x9b   /* present, code, execute/read, accessed */
#define SEG_AR_LDT       0x82   /* present LDT */
#define SEG_AR_TSS_BUSY  0x8b   /* present busy TSS */
#define SEG_AR_UNUSABLE  (1u << 16)

/* Loads DR0-DR3: a guest's breakpoints (the host arms none, so it never reads them back). */
static inline void write_breakpoints(const uint64_t dr[4])
{
	asm volatile("mov %0, %%dr0; mov %1, %%dr1; mov %2, %%dr2; mov %3, %%dr3"
		     : : "r"(dr[0]), "r"(dr[1]), "r"(dr[2]), "r"(dr[3]));
}

/* A guest's state at reset (SDM vol. 3, 10.1; APM vol. 2, 14.1.3); PAT's is PAT_POWER_ON. */
#define CR0_RESET  (CR0_CD | CR0_NW | CR0_ET)
#define DR6_RESET  0xffff0ff0
#define DR6_BS     (1ULL << 14)   /* the #DB was a single step */
#define DR7_RESET  0x400

#endif
