#ifndef KERNEL_KCHECK_H
#define KERNEL_KCHECK_H

#include <stdbool.h>
#include <stdint.h>

#include "moat/abi.h"

/*
 * Checks the invariants `scope` selects (DEBUG_CHECK_*, 0 for all), logs
 * each broken one, and returns how many are broken.
 */
unsigned kcheck_invariants(unsigned scope);

/* Records the hardware state boot set up, which kcheck_hardware compares against. */
void kcheck_boot(void);
/* The hardware half of kcheck_invariants; counts into *broken. */
void kcheck_hardware(unsigned *broken, bool other_cpus);

#endif
