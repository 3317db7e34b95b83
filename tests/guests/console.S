/* guest: load=0x8000 mode=protected */
/*
 * console: a guest console round trip.  Asks for input on its 16550 UART
 * ("# input please", which the test runner answers by typing a line into
 * the machine's serial port), reads the line by polling LSR.DR until '\n',
 * and echoes it back as "guest echo: LINE".  The input reaches it through
 * the serial driver and the VMM's UART model.  A line ends at '\n' or '\r'
 * (a terminal's Enter key).  It waits as long as it takes: a person types
 * slowly, and the test harness's timeout ends a run with no input.
 * After its echo it lingers (a 32M-iteration loop, no exits) before it
 * reports: the test runner types the next guest's line as soon as it sees
 * the echo, and that line must wait in the serial driver for the guest
 * that reads it, not be taken by this one, which no longer listens.
 *
 * Failure codes (port 0xF0):
 *   2  the line is longer than the 64-byte buffer
 */
#include "guest.h"

	.code32
	.text
	.globl	start

	.set	LINE_MAX, 64

start:
	cld
	movl	$ask, %esi
	call	puts

	movl	$line, %edi
	xorl	%ebx, %ebx		/* EBX = bytes read */
1:	call	getc
	cmpb	$'\n', %al
	je	2f
	cmpb	$'\r', %al
	je	2f
	cmpl	$LINE_MAX, %ebx
	jb	3f
	FAIL	2
3:	stosb
	incl	%ebx
	jmp	1b
2:	movb	$0, (%edi)
	ECHO_LINE echo
	movl	$0x2000000, %ecx	/* linger: the next line arrives meanwhile */
4:	loop	4b
	xorl	%eax, %eax		/* pass */

	REPORT

/* getc: wait for a received byte (LSR.DR) and return it in AL */
getc:
	movw	$COM1 + 5, %dx		/* LSR */
1:	inb	%dx, %al
	testb	$0x01, %al		/* DR */
	jz	1b
	movw	$COM1, %dx		/* RBR */
	inb	%dx, %al
	ret

	PUTS_FUNCTION

ask:
	.asciz	"# input please\r\n"
echo:
	.asciz	"guest echo: "
crlf:
	.asciz	"\r\n"
line:
	.fill	LINE_MAX + 1, 1, 0
