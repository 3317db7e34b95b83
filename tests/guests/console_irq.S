/* guest: load=0x8000 mode=protected */
/*
 * console_irq: the interrupt-driven console.  The UART raises IRQ 4 (IER
 * receive-data interrupt, MCR.OUT2) through the PIC (vector 0x24); the
 * guest asks for a line ("# input please (irq)") and then spins with interrupts
 * on, never exiting to the VMM by itself.  The line can only arrive because
 * the VMM, told of input by the serial driver, recalls the vCPU and injects
 * the interrupt.  It echoes the line as "guest echo (irq): LINE".
 *
 * Failure codes (port 0xF0):
 *   2  the line is longer than the 64-byte buffer
 *   0x100 + n  unexpected exception n;  0x200 + n  unexpected IRQ n
 */
#include "guest.h"

	.code32
	.text
	.globl	start

	.set	NVEC, 0x30
	.set	LINE_MAX, 64

start:
	GUEST_ENTRY NVEC
	movl	$0x24, %eax		/* IRQ 4 -> uart_handler */
	movl	$uart_handler, %edx
	call	set_gate
	lidt	idt_desc

	PIC_INIT 0xEF, 0xFF		/* IRQ 4 alone unmasked */

	/* 16550: receive-data interrupt on, OUT2 so that it reaches the PIC */
	movw	$COM1 + 1, %dx
	movb	$0x01, %al
	outb	%al, %dx
	movw	$COM1 + 4, %dx
	movb	$0x0B, %al		/* DTR | RTS | OUT2 */
	outb	%al, %dx

	movl	$ask, %esi
	call	puts
	sti
1:	cmpb	$0, line_done		/* spin: no exit until the VMM recalls us */
	je	1b
	cli

	ECHO_LINE echo
	xorl	%eax, %eax		/* pass */

	REPORT

/* IRQ 4: take every received byte; a line ends at '\n' or '\r' */
	UART_LINE

	PUTS_FUNCTION

	SET_GATE_FUNCTION
	VECTOR_STUBS NVEC

	UNEXPECTED_REPORTS

ask:
	.asciz	"# input please (irq)\r\n"
echo:
	.asciz	"guest echo (irq): "
crlf:
	.asciz	"\r\n"
	.balign	4

	DESCRIPTOR_TABLES NVEC
