/*
 * The guest's timers against the host's TSC: clocks of a device's rate
 * (the PIT's PIT_HZ, the ACPI PM timer's, the RTC's) to TSC counts at the
 * rate the kernel measured (startinfo.tsc_hz), and back.  A timer's next
 * interrupt turns into a TSC deadline: a halted vCPU sleeps until it
 * (devices_halt), and a running one exits at it (the exit deadline,
 * docs/vm-exit-protocol.md).
 *
 * Whole and fractional seconds are taken apart so that nothing overflows
 * 64 bits for any count of clocks, any clock below 2^22 Hz and any TSC
 * below 2^42 Hz (4 THz): the remainders times the rates stay below 2^64.
 * Pure, freestanding and host-tested (tests/unit/test_vtime.c).
 */
#ifndef VMM_VTIME_H
#define VMM_VTIME_H

#include <stdint.h>

#include "pit8254.h"

/* The TSC counts that `clocks` clocks at clock_hz last, rounded up: a wait for them never ends early. */
static inline uint64_t clocks_to_tsc(uint64_t clocks, uint64_t clock_hz, uint64_t tsc_hz)
{
	uint64_t whole = clocks / clock_hz, part = clocks % clock_hz;
	return whole * tsc_hz + (part * tsc_hz + clock_hz - 1) / clock_hz;
}

/* The whole clocks at clock_hz in `tsc` TSC counts, rounded down (0 for a TSC rate of 0). */
static inline uint64_t tsc_to_clocks(uint64_t tsc, uint64_t tsc_hz, uint64_t clock_hz)
{
	if (!tsc_hz)
		return 0;
	uint64_t whole = tsc / tsc_hz, part = tsc % tsc_hz;
	return whole * clock_hz + part * clock_hz / tsc_hz;
}

static inline uint64_t pit_clocks_to_tsc(uint64_t clocks, uint64_t tsc_hz)
{
	return clocks_to_tsc(clocks, PIT_HZ, tsc_hz);
}

static inline uint64_t tsc_to_pit_clocks(uint64_t tsc, uint64_t tsc_hz)
{
	return tsc_to_clocks(tsc, tsc_hz, PIT_HZ);
}

/*
 * The PIT on TSC time: `since` is TSC counts since pit_init (at tsc_hz).
 * pit_follow_tsc runs it on to the clock they make, never back (the
 * rising edges of counter 0 wait in irq0_edges).  pit_irq0_due_tsc says
 * when IRQ 0 next rises: from that TSC time on, pit_follow_tsc takes the
 * edge, and not a count before (UINT64_MAX: no edge is due, or no rate).
 */
static inline void pit_follow_tsc(struct pit8254 *p, uint64_t since, uint64_t tsc_hz)
{
	uint64_t clock = tsc_to_pit_clocks(since, tsc_hz);
	if (clock > p->now)
		pit_advance(p, clock - p->now);
}

static inline uint64_t pit_irq0_due_tsc(const struct pit8254 *p, uint64_t tsc_hz)
{
	uint64_t clocks = pit_ticks_until_irq0(p);
	if (clocks == UINT64_MAX || !tsc_hz || p->now + clocks < p->now)
		return UINT64_MAX;
	return pit_clocks_to_tsc(p->now + clocks, tsc_hz);
}

#endif
