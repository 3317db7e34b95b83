/* The local APIC and its timer: the scheduler's tick and the kernel's deadlines. */
#ifndef KERNEL_LAPIC_H
#define KERNEL_LAPIC_H

#include <stdbool.h>
#include <stdint.h>

#define TIMER_HZ 100

extern uint64_t lapic_timer_rate; /* timer counts per second at divide-by-16 */
extern uint64_t tsc_rate;         /* TSC counts per second */

/* Masks the 8259s, enables the LAPIC, calibrates its timer against the PIT, starts ticking. */
void lapic_init(void);
void lapic_eoi(void);
/*
 * The 8259s' ExtINT through LINT0 on (device IRQs through the 8259s) or
 * masked (through the I/O APIC: a stray 8259 interrupt then never arrives).
 */
void lapic_extint(bool on);
/* A timed wait now ends at deadline (already on the timeout list): fire by then. */
void timer_arm(uint64_t deadline);

/* This CPU's xAPIC ID. */
uint32_t lapic_id(void);
/* Waits us microseconds on the TSC. */
void tsc_delay_us(uint64_t us);
/*
 * Starting another processor (smp.c, Intel SDM vol. 3, 9.4.4): an INIT IPI,
 * and a STARTUP IPI that starts it in real mode at the page `page` (below
 * 1 MiB, 4 KiB aligned).  False if the local APIC did not send it in time.
 */
bool lapic_send_init(uint32_t dest);
bool lapic_send_startup(uint32_t dest, uint64_t page);
/*
 * For a self-test: aims the ICR at this CPU and returns the address of
 * its low word, where writing LAPIC_ICR_NMI sends this CPU an NMI at once.
 */
#define LAPIC_ICR_NMI ((4U << 8) | (1U << 14)) /* delivery mode NMI, assert */
volatile uint32_t *lapic_aim_ipi_at_self(void);
/* An application processor's own local APIC: enabled, every interrupt source masked. */
void lapic_ap_init(void);
/* This CPU's timer (an AP's too, once it runs threads): one-shot, its first tick a tick from now. */
void lapic_timer_start(void);
/*
 * Sends the fixed interrupt `vector` to the xAPIC ID dest (IPIs of bkl.h),
 * or an NMI for `vector` LAPIC_ICR_NMI (a panic's stop, smp.h); not
 * waiting for it.
 */
void lapic_send_ipi(uint32_t dest, unsigned vector);

#endif
