/* guest: load=0x8000 mode=protected */
/*
 * greeting: program the 16550 UART at COM1 (115200 8N1, FIFOs on) and print
 * "Hello from a Moat guest!\r\n" by polling LSR.THRE, then report 0.
 *
 * Failure codes (port 0xF0):
 *   1  LSR.THRE never became set (100000 polls) before a character
 */
#include "guest.h"

	.code32
	.text
	.globl	start


/* UART port, value: write one byte to a UART register (port = COM1 + n) */
.macro	UART port, val
	movw	$\port, %dx
	movb	$\val, %al
	outb	%al, %dx
.endm

start:
	cld
	UART	COM1 + 1, 0x00		/* IER = 0: no UART interrupts */
	UART	COM1 + 3, 0x80		/* LCR = DLAB: expose the divisor latch */
	UART	COM1 + 0, 0x01		/* DLL = 1: divisor 1, 115200 baud */
	UART	COM1 + 1, 0x00		/* DLM = 0 */
	UART	COM1 + 3, 0x03		/* LCR = 8N1, DLAB off */
	UART	COM1 + 2, 0xC7		/* FCR: enable and clear FIFOs, 14-byte trigger */
	UART	COM1 + 4, 0x03		/* MCR: DTR | RTS */

	movl	$message, %esi
1:	lodsb
	testb	%al, %al
	jz	2f
	call	putc
	jmp	1b
2:	xorl	%eax, %eax		/* all characters sent: pass */

	REPORT

/* putc: send the byte in AL once the transmit holding register is empty */
putc:
	movb	%al, %ah
	movl	$100000, %ecx
	movw	$COM1 + 5, %dx		/* LSR */
1:	inb	%dx, %al
	testb	$0x20, %al		/* THRE */
	jnz	2f
	loop	1b
	FAIL	1
2:	movw	$COM1, %dx		/* THR */
	movb	%ah, %al
	outb	%al, %dx
	ret

message:
	.ascii	"Hello from a Moat guest!\r\n"
	.byte	0
