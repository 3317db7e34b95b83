/* guest: load=0x8000 mode=protected */
/*
 * bench: the cost of one CPUID exit (bench.h), which the VMM answers with
 * the fast reply and no look for interrupts.
 */
#include "guest.h"

.macro	BENCH_SETUP
.endm

.macro	BENCH_EXIT
	xor	%eax, %eax
	cpuid
.endm

#include "bench.h"
