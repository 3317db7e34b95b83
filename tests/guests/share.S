/* guest: load=0x100000 mode=multiboot */
/*
 * share: measures the share of the CPU this guest gets, for the CPU budget
 * tests (tests/budget/).  It spins reading the TSC for WINDOW_MS of TSC
 * time; a step between two reads longer than GAP_US (1 ms) is time its
 * partition did not run (another partition's or the idle CPU's), every
 * shorter one time it ran: a host timer interrupt taken in its time is
 * its partition's, which the budget pays for, and lasts far less.  Its share is the time it ran in permille of the
 * window.  The command line is "NAME EXPECTED [WINDOW_MS]" (NAME is the
 * kernel's, as boot loaders give it): the share it
 * expects, in permille (its VMM's budget over its period), and the
 * window (default 400 ms); it passes if the measured share is within 5%
 * of the expected one.  It prints "share: measured M permille, expected E"
 * on COM1 either way.
 *
 * Failure codes (port 0xF0):
 *   1  EAX != 0x2BADB002 at entry
 *   2  no command line
 *   3  the command line's share is not a number from 1 to 1000
 *   4  the VMM does not know the TSC's rate
 *   10000 + M  the measured share M is not within 5% of the expected one
 */
#include "guest.h"

	.set	WINDOW_MS, 400		/* the default */
	.set	GAP_US, 1000

	.code32
	.text
	.globl	start

	MULTIBOOT_HEADER

start:
	MB_CMDLINE %esi
	call	skip_word		/* the kernel's name, as a boot loader gives it */
	call	parse_number
	movl	%eax, expected
	testl	%eax, %eax
	jz	3f
	cmpl	$1000, %eax
	jbe	4f
3:	FAIL	3
4:	call	skip_spaces
	call	parse_number
	testl	%eax, %eax
	jnz	6f
	movl	$WINDOW_MS, %eax
6:	movl	%eax, window
	TSC_KHZ	4
	movl	%eax, %ebx
	imull	window, %eax
	movl	%eax, window		/* TSC counts of the window (32 bits: at most 4 s at 1 GHz) */
	movl	%ebx, %eax
	imull	$GAP_US, %eax, %eax
	xorl	%edx, %edx
	movl	$1000, %ecx
	divl	%ecx
	movl	%eax, %ebp		/* EBP: the longest step counted as running */

	/* ESI: TSC at the window's start; EDI: the last read; EBX: counts ran. */
	rdtsc
	movl	%eax, %esi
	movl	%eax, %edi
	xorl	%ebx, %ebx
spin:
	rdtsc
	movl	%eax, %ecx
	subl	%edi, %ecx		/* this step */
	movl	%eax, %edi
	cmpl	%ebp, %ecx
	ja	1f
	addl	%ecx, %ebx		/* a short step: it ran */
1:	subl	%esi, %eax
	cmpl	window, %eax
	jb	spin

	/* share = ran * 1000 / elapsed (elapsed is EAX, at least the window) */
	movl	%eax, %ecx
	movl	%ebx, %eax
	movl	$1000, %edx
	mull	%edx
	divl	%ecx
	movl	%eax, measured

	movl	$msg_measured, %esi
	call	puts
	movl	measured, %eax
	call	putdec
	movl	$msg_expected, %esi
	call	puts
	movl	expected, %eax
	call	putdec
	movl	$crlf, %esi
	call	puts

	/* pass if |measured - expected| * 20 <= expected */
	movl	measured, %eax
	subl	expected, %eax
	jns	1f
	negl	%eax
1:	imull	$20, %eax, %eax
	cmpl	expected, %eax
	jbe	pass
	movl	measured, %eax
	addl	$10000, %eax
	jmp	report
pass:
	xorl	%eax, %eax

	REPORT

/* Moves ESI past the word at it and the spaces after. */
skip_word:
	cmpb	$' ', (%esi)
	je	skip_spaces
	cmpb	$0, (%esi)
	je	1f
	incl	%esi
	jmp	skip_word
skip_spaces:
	cmpb	$' ', (%esi)
	jne	1f
	incl	%esi
	jmp	skip_spaces
1:	ret

/* EAX = the decimal number at ESI (up to its first non-digit); 0 if none. */
parse_number:
	xorl	%eax, %eax
1:	movzbl	(%esi), %ecx
	subl	$'0', %ecx
	cmpl	$9, %ecx
	ja	2f
	imull	$10, %eax, %eax
	addl	%ecx, %eax
	incl	%esi
	cmpl	$100000, %eax		/* no overflow: anything this large is refused */
	jb	1b
2:	ret

	PUTS_FUNCTION

/* Sends EAX in decimal with `puts`. */
putdec:
	DECIMAL
	movl	%edi, %esi
	jmp	puts

msg_measured:	.asciz	"share: measured "
msg_expected:	.asciz	" permille, expected "
crlf:		.asciz	"\r\n"

	.balign	4
expected:	.long	0
measured:	.long	0
window:		.long	0
digits:		.fill	10, 1, 0
digits_end:	.byte	0

	.balign	16
stack:	.fill	512, 1, 0
stack_top:
