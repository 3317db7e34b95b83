/* guest: load=0x8000 mode=protected */
/*
 * triple_fault (hostile): loads an IDT with limit 0, then INT3.  Vector 3
 * is outside the IDT -> #GP, vector 13 is outside too -> #DF, and vector 8
 * as well -> triple fault (shutdown).  The VMM must stop this guest and
 * report it; it must never reach the code below.
 *
 * Failure codes (port 0xF0): none expected.
 *   1  INT3 returned (no triple fault)
 *   2  UD2 returned as well
 */
#include "guest.h"

	.code32
	.text
	.globl	start

start:
	cli
	lidt	null_idt
	int3
	FAIL	1
	ud2
	movl	$2, %eax

	REPORT

	.balign	4
	.word	0
null_idt:
	.word	0			/* limit 0: no usable vector */
	.long	0
