/* guest: load=0x8000 mode=protected */
/*
 * bench_io: the cost of one I/O exit (bench.h), an OUT to the POST port
 * 0x80, after which the VMM looks for interrupts to inject (its timers
 * brought up to date where their time has come, and the exit deadline),
 * with the PIT running as a BIOS leaves it (18.2 Hz) and every line
 * masked at the 8259.
 */
#include "guest.h"

.macro	BENCH_SETUP
	PIC_INIT 0xFF, 0xFF
	PIT_RATE_GENERATOR 0		/* 65536 */
.endm

.macro	BENCH_EXIT
	outb	%al, $0x80
.endm

#include "bench.h"
