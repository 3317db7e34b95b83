/* guest: load=0x8000 mode=protected */
/*
 * console: a guest console that behaves like a minimal terminal program on
 * a serial line.  It says "# input please (console)" once (the test runners type
 * when they see it), then prompts "console> " for each line, reading its
 * 16550 UART by polling LSR.DR.  It echoes each character as it comes, as a
 * program on a raw serial line must (neither the serial driver, whose echo
 * is off, nor the VMM's UART model echoes): Backspace (0x08, or 0x7f as
 * terminals send it) erases the last character on the screen ("\b \b")
 * and in the line, Enter ('\r' or '\n'; the '\n' of a "\r\n" pair is
 * skipped) ends the line, which it echoes back as "guest echo: LINE".
 * Other control bytes are ignored, and characters past the 64-byte line
 * are dropped, not echoed, so the screen shows what the line holds.  It
 * asks again until the line is "exit", then reports 0.
 * The input reaches it through the serial driver (or the keyboard driver)
 * and the VMM's UART model.  It waits as long as it takes: a person types
 * slowly, and the test harness's timeout ends a run with no input.
 * After "exit" it lingers (a 32M-iteration loop, no exits) before it
 * reports: the test runner types the next guest's line as soon as it sees
 * the echo, and that line must wait in the serial driver for the guest
 * that reads it, not be taken by this one, which no longer listens.
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

prompt:
	movl	$prompt_text, %esi
	call	puts
	movl	$line, %edi
	xorl	%ebx, %ebx		/* EBX = bytes in the line */
1:	call	getc
	cmpb	$'\n', %al
	je	5f
	movb	$0, after_cr
	cmpb	$'\r', %al
	je	6f
	cmpb	$0x08, %al		/* Backspace */
	je	3f
	cmpb	$0x7f, %al		/* Delete, a terminal's Backspace */
	je	3f
	cmpb	$' ', %al		/* other control bytes: ignored */
	jb	1b
	cmpl	$LINE_MAX, %ebx		/* full: dropped */
	jae	1b
	stosb
	incl	%ebx
	call	putc			/* echo it */
	jmp	1b
3:	testl	%ebx, %ebx		/* nothing to erase */
	jz	1b
	decl	%edi
	decl	%ebx
	movl	$erase, %esi
	call	puts
	jmp	1b
5:	cmpb	$0, after_cr		/* the '\n' of "\r\n": the line has ended */
	movb	$0, after_cr
	jne	1b
	jmp	2f
6:	movb	$1, after_cr
2:	movb	$0, (%edi)
	movl	$crlf, %esi		/* the cursor to the next line */
	call	puts
	ECHO_LINE echo
	movl	$line, %esi
	movl	$exit_word, %edi
	movl	$exit_len, %ecx
	repe	cmpsb
	jne	prompt
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

/* putc: send AL (through puts, one byte and its NUL) */
putc:
	movb	%al, one
	movl	$one, %esi
	jmp	puts

	PUTS_FUNCTION

ask:
	.asciz	"# input please (console)\r\n"
prompt_text:
	.asciz	"console> "
erase:
	.asciz	"\b \b"
echo:
	.asciz	"guest echo: "
crlf:
	.asciz	"\r\n"
exit_word:
	.asciz	"exit"			/* compared with its NUL: the whole line */
	.set	exit_len, . - exit_word
one:
	.byte	0, 0
after_cr:
	.byte	0
line:
	.fill	LINE_MAX + 1, 1, 0
