/*
 * The processors (docs/smp.md).  At boot the kernel lists them from the
 * firmware's tables (fwtables.h) and starts each application processor
 * (AP) with an INIT and two STARTUP IPIs: it reaches long mode through the
 * trampoline (trampoline.S), loads a GDT, TSS and stacks of its own and
 * the shared IDT, enables its local APIC, says it is online and parks:
 * interrupts off, HLT in a loop.  A parked AP runs no thread and touches
 * no kernel object; nothing a task does reaches it.
 */
#ifndef KERNEL_SMP_H
#define KERNEL_SMP_H

#include <stdbool.h>
#include <stdint.h>

#include "fwtables.h"
#include "gdt.h"

#define MAX_CPUS FW_MAX_CPUS

enum cpu_state {
	CPU_STOPPED,   /* never started: cpus=N leaves it out */
	CPU_STARTING,  /* IPIs sent, not online yet */
	CPU_ONLINE,    /* running the kernel (the boot CPU) or parked (an AP) */
	CPU_NO_ANSWER, /* did not come online in time: sent INIT again and left out */
	CPU_LEFT_OUT,  /* cannot be started (its ID needs x2APIC, or no memory for its tables) */
};

/*
 * One processor.  cpus[id] for id 0 (the boot CPU) to n_cpus - 1; a CPU
 * finds its own today by being handed it (ap_main), later by a per-CPU
 * pointer (docs/smp.md, "Next").  The *_seen fields are written by the AP
 * itself once, before it goes online, and read by the boot CPU after.
 */
struct cpu {
	unsigned id;
	uint32_t apic_id;          /* from the firmware's table */
	volatile enum cpu_state state;
	uint64_t *gdt;             /* GDT_BYTES */
	struct tss_area *tss;
	struct desc_ptr gdtr;
	uint64_t stack_top;        /* its one kernel stack (KSTACK_SIZE) */
	uint32_t apic_id_seen;     /* its local APIC's ID, as it read it */
	struct desc_ptr gdtr_seen; /* SGDT and STR after it loaded its tables */
	uint16_t tr_seen;
	volatile uint64_t wakeups; /* times a parked AP left HLT (only NMI, SMI or INIT could) */
};

extern struct cpu cpus[MAX_CPUS];
extern unsigned n_cpus;      /* processors listed (up to MAX_CPUS), the boot CPU first */
extern unsigned cpus_online; /* of them online, the boot CPU included */
extern uint64_t ap_trampoline_page; /* physical; 0 if no AP was started */
/* The MADT's interrupt routing (irq.c routes through it), valid if madt_found. */
extern struct fw_irqs madt_irqs;
extern bool madt_found;

/*
 * What ap_start64 (trampoline.S) loads before calling ap_main(cpu): the
 * boot CPU's CR0, CR4 (less what a later piece sets per CPU) and the
 * kernel's page tables.  Field offsets are fixed: trampoline.S reads them.
 */
struct ap_boot {
	uint64_t cr0, cr4, cr3, stack_top;
	struct cpu *cpu;
};

/* Lists the processors and starts every AP (up to cpus=N); logs each. */
void smp_init(void);

#endif
