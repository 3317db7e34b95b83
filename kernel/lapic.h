/* The local APIC and its timer: the scheduler's tick and the kernel's deadlines. */
#ifndef KERNEL_LAPIC_H
#define KERNEL_LAPIC_H

#include <stdint.h>

#define TIMER_HZ 100

extern volatile uint64_t timer_ticks;
extern uint64_t lapic_timer_rate; /* timer counts per second at divide-by-16 */
extern uint64_t tsc_rate;         /* TSC counts per second */
extern uint64_t timer_due;        /* the TSC at which the timer next fires (kcheck.c reads it) */

/* Masks the 8259s, enables the LAPIC, calibrates its timer against the PIT, starts ticking. */
void lapic_init(void);
void lapic_eoi(void);
/* A timed wait now ends at deadline (already on the timeout list): fire by then. */
void timer_arm(uint64_t deadline);

#endif
