/* guest: load=0x8000 mode=protected */
/*
 * reset_port92: a fast reset through System Control Port A (port 0x92,
 * bit 0).  The VMM models no CPU reset: it stops the guest with "reset
 * through port 0x92", a contained stop.  If the guest runs on after the
 * write it reports 1.
 */
#include "guest.h"

	.code32
	.text
	.globl	start

start:
	cli
	movb	$0x03, %al		/* A20 on, and the fast reset */
	outb	%al, $0x92
	FAIL	1
	REPORT
