/* guest: load=0x8000 mode=protected */
/*
 * reset_kbc: the reset OSes fall back to, the 8042's "pulse the reset
 * line" command (0xFE on port 0x64).  The VMM models no CPU reset: it
 * stops the guest with "reset by the keyboard controller", a contained
 * stop.  If the guest runs on after the command it reports 1.
 */
#include "guest.h"

	.code32
	.text
	.globl	start

start:
	cli
	movb	$0xFE, %al
	outb	%al, $0x64
	FAIL	1
	REPORT
