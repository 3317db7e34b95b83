/*
 * Device interrupt lines (ISA IRQs 0-15), through the I/O APIC or the
 * 8259s, handed to user-level drivers as capabilities.
 */
#ifndef KERNEL_IRQ_H
#define KERNEL_IRQ_H

#include "io_apic.h"
#include "object.h"

#define IRQ_LINES 16

#include <stdbool.h>

/* Chooses the I/O APIC or the 8259s (after smp_init, which reads the MADT); every line masked. */
void irq_init(void);
/* True if device IRQs come through the I/O APIC. */
bool irq_through_ioapic(void);
/*
 * What is wrong with line's state (kcheck.c), NULL if nothing: a pending
 * line is held, a held one bound, its pin sends it to its CPU, and the
 * line is masked exactly when it is unbound, or held and masked on firing
 * or pending (irq.c).
 */
const char *irq_line_broken(unsigned line);
/* The I/O APIC pin of line; NULL if it has none or the 8259s serve (for the boot tests). */
const struct ioapic_pin *irq_pin(unsigned line);
void irq_ref(uint64_t line);
void irq_unref(uint64_t line);
int irq_bind(uint64_t line, struct notification *n, uint64_t badge);
int irq_ack(uint64_t line);
/*
 * Delivers line's interrupts to CPU `cpu` (one that runs threads: the
 * caller checked) from now on, bound or not, held or not: an interrupt
 * that was on its way to the old CPU is served there.  ERR_INVALID_ARG
 * for a line no call takes (the cascade, no pin); ERR_UNSUPPORTED for any
 * CPU but 0 while the 8259s serve.
 */
int irq_set_cpu(uint64_t line, unsigned cpu);
/* A notification going away: unbind it from every line. */
void irq_unbind_notification(struct notification *n);

#endif
