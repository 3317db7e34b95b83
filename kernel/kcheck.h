#ifndef KERNEL_KCHECK_H
#define KERNEL_KCHECK_H

#include <stdint.h>

#include "moat/abi.h"

/*
 * Checks the invariants `scope` selects (DEBUG_CHECK_*, 0 for all), logs each broken one, and returns
 * how many are broken.  States that a known kernel bug still produces
 * (kcheck_hw.c's known_bugs[]) are not counted: *known gets a bit per
 * known bug seen (bit i: known_bugs[i]).
 */
unsigned kcheck_invariants(unsigned scope, uint64_t *known);

/* Records the hardware state boot set up, which kcheck_hardware compares against. */
void kcheck_boot(void);
/* The hardware half of kcheck_invariants; counts into *broken and *known. */
void kcheck_hardware(unsigned *broken, uint64_t *known);

#endif
