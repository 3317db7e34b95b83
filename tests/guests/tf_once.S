/* guest: load=0x8000 mode=protected */
/*
 * tf_once: prints "tf_once: booting", then triple-faults as triple_fault
 * does (an IDT of limit 0, then INT3: #GP, #DF, shutdown).  It remembers
 * nothing across a restart, so each start prints the line once: the
 * partfault suite counts them to count the VMM's restarts (on-fault=).
 *
 * Failure codes (port 0xF0):
 *   1  INT3 returned (no triple fault)
 */
#include "guest.h"

	GUEST_START
	movl	$booting, %esi
	call	puts
	lidt	null_idt
	int3
	FAIL	1

	REPORT
	PUTS_FUNCTION

booting:	.asciz	"tf_once: booting\r\n"

	.balign	4
	.word	0
null_idt:
	.word	0			/* limit 0: no usable vector */
	.long	0
