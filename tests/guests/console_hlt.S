/* guest: load=0x8000 mode=protected */
/*
 * console_hlt: the interrupt-driven console of a guest that halts, as an
 * idle OS does.  PIT channel 0 ticks at its slowest (count 65536, 54.9 ms)
 * on IRQ 0, and the UART raises IRQ 4 as in console_irq.  The guest asks
 * for a line ("# input please (hlt)"), then runs `sti; hlt` until the line is
 * in.  While it halts the VMM sleeps until the PIT's next tick; input must
 * end that sleep at once: the halt in which the line's end arrives must
 * end with the UART's interrupt alone, no tick taken (a VMM that only
 * woke at the PIT's deadline would bring a tick first, IRQ 0 being the
 * PIC's higher priority).  It echoes the line as "guest echo (hlt): LINE".
 * A line's end can meet a tick by chance (it arrives just after the
 * PIT's deadline, before the VMM has woken for it), so the guest asks
 * again, up to three times: a VMM that wakes only at deadlines brings a
 * tick with every line.
 *
 * Failure codes (port 0xF0):
 *   2  the line is longer than the 64-byte buffer
 *   3  each of three lines' end came in a halt that a timer tick ended
 *   4  1000 wake-ups from HLT without the line
 *   0x100 + n  unexpected exception n;  0x200 + n  unexpected IRQ n
 */
#include "guest.h"

	.code32
	.text
	.globl	start

	.set	NVEC, 0x30
	.set	LINE_MAX, 64
	.set	PIT_CH0, 0x40
	.set	PIT_CMD, 0x43

start:
	GUEST_ENTRY NVEC
	movl	$0x20, %eax		/* IRQ 0 -> timer_handler */
	movl	$timer_handler, %edx
	call	set_gate
	movl	$0x24, %eax		/* IRQ 4 -> uart_handler */
	movl	$uart_handler, %edx
	call	set_gate
	lidt	idt_desc

	PIC_INIT 0xEE, 0xFF		/* IRQ 0 and 4 unmasked */

	/* 16550: receive-data interrupt on, OUT2 so that it reaches the PIC */
	movw	$COM1 + 1, %dx
	movb	$0x01, %al
	outb	%al, %dx
	movw	$COM1 + 4, %dx
	movb	$0x0B, %al		/* DTR | RTS | OUT2 */
	outb	%al, %dx

	/* 8254: channel 0, lobyte/hibyte, mode 2, count 0 (65536) */
	movb	$0x34, %al
	outb	%al, $PIT_CMD
	xorl	%eax, %eax
	outb	%al, $PIT_CH0
	outb	%al, $PIT_CH0

5:	movl	$ask, %esi
	call	puts
	movl	$1000, %ecx
1:	movl	ticks, %ebx		/* ticks before this halt */
	sti
	hlt
	cli
	cmpb	$0, line_done
	jne	2f
	loop	1b
	FAIL	4
2:	cmpl	ticks, %ebx
	je	3f
	movl	$0, line_len		/* a tick came with it: ask for another */
	movb	$0, line_done
	decl	tries
	jnz	5b
	FAIL	3
3:	ECHO_LINE echo
	xorl	%eax, %eax		/* pass */

	REPORT

/* IRQ 0: count the tick, non-specific EOI */
	TICK_HANDLER

/* IRQ 4: take every received byte; a line ends at '\n' or '\r' */
	UART_LINE

	PUTS_FUNCTION

	SET_GATE_FUNCTION
	VECTOR_STUBS NVEC

unexpected:
	popl	%eax
	cmpl	$0x20, %eax
	jae	1f
	addl	$0x100, %eax		/* an exception */
	jmp	report
1:	cmpl	$0x27, %eax		/* spurious IRQ 7: no EOI */
	je	2f
	addl	$0x200 - 0x20, %eax	/* an IRQ other than 0 and 4 */
	jmp	report
2:	iret

ask:
	.asciz	"# input please (hlt)\r\n"
echo:
	.asciz	"guest echo (hlt): "
crlf:
	.asciz	"\r\n"
	.balign	4
ticks:
	.long	0
tries:
	.long	3

	DESCRIPTOR_TABLES NVEC
