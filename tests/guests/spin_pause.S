/* guest: load=0x8000 mode=protected */
/*
 * spin_pause: spins for ever with interrupts disabled, in a PAUSE loop,
 * and never exits to the VMM on its own.  The kernel takes the CPU from it
 * (the timer, or the PAUSE-loop exit and yield, which is how it gives the
 * CPU away under Bochs's SVM: docs/vm-exit-protocol.md), so its vCPU is
 * always running or ready to: the partfault suite deletes its VMM so,
 * where `spin` would hold Bochs's SVM CPU for ever.
 *
 * Failure codes: none; it never reports.
 */
#include "guest.h"

	.code32
	.text
	.globl	start

start:
	cli
1:	pause
	jmp	1b
