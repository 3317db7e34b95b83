/* guest: load=0x8000 mode=protected */
/*
 * spin (hostile): spins for ever with interrupts disabled and never exits
 * to the VMM on its own.  The kernel must keep scheduling everything else
 * (the VMM's preemption timer / the host timer must still get control);
 * the test stops this guest once the other guests have finished.
 *
 * Failure codes: none; it never reports.
 */
#include "guest.h"

	.code32
	.text
	.globl	start

start:
	cli
1:	jmp	1b
