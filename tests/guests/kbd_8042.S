/* guest: load=0x8000 mode=protected */
/*
 * kbd_8042: a line typed on the keyboard, read as key codes from the
 * VMM's 8042 keyboard controller.  Enables the keyboard (0xAE to port
 * 0x64: the VMM gives keys to a guest that drives the 8042), asks for
 * input on its UART ("# input please"), then polls the 8042's status (port 0x64) for a full output
 * buffer and reads each code from port 0x60: set-1 make codes of a US
 * keyboard, the shift keys' make and break codes, break codes (bit 7)
 * ignored, up to Enter.  Echoes the line as "guest 8042: LINE".  The
 * keys reach it from the keyboard driver through the VMM, which turns
 * the characters the driver gives back into key codes.
 *
 * Failure codes (port 0xF0):
 *   2  the line is longer than the 64-byte buffer
 *   3  a make code it has no character for
 */
#include "guest.h"

	.code32
	.text
	.globl	start

	.set	LINE_MAX, 64
	.set	ENTER, 0x1C
	.set	LSHIFT, 0x2A
	.set	RSHIFT, 0x36
	.set	BREAK, 0x80
	.set	CODES, 0x3A		/* the make codes the tables cover */

start:
	cli
	cld
	movb	$0xAE, %al		/* enable the keyboard */
	outb	%al, $0x64
	movl	$ask, %esi
	call	puts
	movl	$line, %edi
	xorl	%ebx, %ebx		/* EBX = bytes read */
	xorl	%ebp, %ebp		/* EBP = a shift key is down */
1:	call	get_code
	cmpb	$LSHIFT, %al
	je	4f
	cmpb	$RSHIFT, %al
	je	4f
	cmpb	$LSHIFT | BREAK, %al
	je	5f
	cmpb	$RSHIFT | BREAK, %al
	je	5f
	testb	$BREAK, %al
	jnz	1b
	cmpb	$ENTER, %al
	je	2f
	cmpb	$CODES, %al
	jae	6f
	movzbl	%al, %ecx
	movb	plain(%ecx), %al
	testl	%ebp, %ebp
	jz	3f
	movb	shifted(%ecx), %al
3:	testb	%al, %al
	jz	6f
	cmpl	$LINE_MAX, %ebx
	jb	7f
	FAIL	2
7:	stosb
	incl	%ebx
	jmp	1b
4:	movl	$1, %ebp
	jmp	1b
5:	xorl	%ebp, %ebp
	jmp	1b
6:	FAIL	3
2:	movb	$0, (%edi)
	ECHO_LINE echo
	xorl	%eax, %eax		/* pass */

	REPORT

/* get_code: wait for the 8042's output buffer (status bit 0) and return its byte in AL */
get_code:
1:	inb	$0x64, %al
	testb	$0x01, %al
	jz	1b
	inb	$0x60, %al
	ret

	PUTS_FUNCTION

ask:
	.asciz	"# input please\r\n"
echo:
	.asciz	"guest 8042: "
crlf:
	.asciz	"\r\n"
/* US layout, set 1: the character of each make code, without and with shift (0: none) */
plain:
	.ascii	"\0\0331234567890-=\0\0qwertyuiop[]\0\0asdfghjkl;'`\0\\zxcvbnm,./\0*\0 "
shifted:
	.ascii	"\0\0!@#$%^&*()_+\0\0QWERTYUIOP{}\0\0ASDFGHJKL:\"~\0|ZXCVBNM<>?\0*\0 "
line:
	.fill	LINE_MAX + 1, 1, 0
