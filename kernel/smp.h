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
#include "percpu.h"

#define MAX_CPUS FW_MAX_CPUS

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

/*
 * Lists the processors and starts every AP (up to cpus=N); logs each.
 * With smp_aps_schedule each AP then runs threads (docs/smp.md); without
 * (the kernel's own test suites) it parks.
 */
extern bool smp_aps_schedule;
void smp_init(void);

/*
 * A panic's first step (panic.c): every other online CPU gets an NMI,
 * which IF=0, a held lock and a running guest all let through, and halts
 * in its handler, so that nothing else runs or writes while the report
 * goes out.  Uses no per-CPU pointer (the panic may come from a bad GS).
 * The first CPU to call it returns how many CPUs halted, and the number
 * asked in `asked`; a second CPU calling it halts too; the same CPU again
 * (a fault in its report) returns 0 at once.
 */
unsigned cpus_stop_others(unsigned *asked);
/* True once a panic stops the CPUs: an NMI, or a guest's exit, then ends in cpu_stop_here. */
bool cpus_stopping(void);
void __attribute__((noreturn)) cpu_stop_here(void);

/* True if CPU `cpu` (a number from a task: any value) runs threads, so takes their work. */
static inline bool cpu_runs_threads(uint64_t cpu)
{
	return cpu < n_cpus && cpus[cpu].scheduling;
}

#endif
