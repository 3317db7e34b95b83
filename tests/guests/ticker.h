/*
 * ticker (the body of ticker_a to ticker_e, which define
 * TICKER_NAME and TICKER_LINES before including it): prints "TICKER_NAME:
 * start", then "TICKER_NAME: tick N" every TICKS_PER_LINE ticks of the PIT
 * at 100 Hz (every 50 ms), N counting from 1, sleeping in HLT between the
 * ticks.  With TICKER_LINES 0 it ticks for ever; else it reports 0 after
 * line TICKER_LINES.  The partfault suite runs one in each partition: its
 * lines show that a guest ran, when, and that it never started again (N
 * has no gap and goes back to 1 only with a new start).
 *
 * Failure codes (port 0xF0):
 *   0x100 + n  unexpected exception n
 *   0x200 + n  unexpected IRQ n (only IRQ 0 is unmasked)
 */
#include "guest.h"

	.code32
	.text
	.globl	start

	.set	NVEC, 0x30
	.set	PIT_COUNT, (PIT_INPUT_HZ + 50) / 100	/* ~10 ms */
	.set	TICKS_PER_LINE, 5

start:
	GUEST_ENTRY NVEC
	SET_GATE 0x20, timer_handler
	lidt	idt_desc
	PIC_INIT 0xFE, 0xFF		/* IRQ 0 alone */
	PIT_RATE_GENERATOR PIT_COUNT
	movl	$start_line, %esi
	call	puts

1:	sti				/* STI's shadow: no tick between it and HLT */
	hlt
	cli
	cmpl	$TICKS_PER_LINE, ticks
	jb	1b
	subl	$TICKS_PER_LINE, ticks
	incl	lines
	movl	$tick_line, %esi
	call	puts
	movl	lines, %eax
	DECIMAL
	movl	%edi, %esi
	call	puts			/* the digits and the line's end */
	cmpl	$TICKER_LINES, lines
	jne	1b
	xorl	%eax, %eax		/* all its lines: pass */

	REPORT

	PUTS_FUNCTION
	SET_GATE_FUNCTION

/* IRQ 0: count the tick, non-specific EOI */
	TICK_HANDLER

	VECTOR_STUBS NVEC
	UNEXPECTED_REPORTS

	.balign	4
ticks:	.long	0
lines:	.long	0
start_line:	.ascii	TICKER_NAME
	.asciz	": start\r\n"
tick_line:	.ascii	TICKER_NAME
	.asciz	": tick "
digits:	.fill	10, 1, 0
digits_end:	.asciz	"\r\n"

	DESCRIPTOR_TABLES NVEC
