/* guest: load=0x10000 mode=multiboot */
/*
 * bigmem: a guest of many MiB (the VMM maps its RAM in large pages with
 * pages=2M or pages=1G) that touches its memory up to the last word.  From
 * the Multiboot memory sizes it takes the top of RAM, writes a value made
 * from the address at top - 4 and at seven more offsets an eighth of RAM
 * apart (down to top/8 - 4), then reads all eight back.
 *
 * Its first instruction reads the TSC, which it gives the VMM on the
 * first-TSC port (0xD0 low half, 0xD4 high half) before it reports: make
 * bench's figure of how long the VMM took to build the guest.
 *
 * Failure codes (port 0xF0):
 *   1      info.flags bit 0 (mem_lower/mem_upper valid) clear
 *   2      less than 16 MiB of RAM (the offsets would reach the image)
 *   0x10n  the word at offset n (8 = top - 4, 1 = top/8 - 4) read back wrong
 */
#include "guest.h"

	.code32
	.text
	.globl	start

	.set	FIRST_TSC, 0xD0
	.set	PATTERN, 0xA5A5A5A5
	.set	OFFSETS, 8

	MULTIBOOT_HEADER

start:
	rdtsc				/* first: the end of the VMM's build */
	movl	%eax, %esi
	movl	%edx, %edi
	movl	$stack_top, %esp
	testl	$1, 0(%ebx)		/* flags */
	jnz	1f
	FAIL	1
1:	movl	8(%ebx), %ebp		/* mem_upper: KiB above 1 MiB */
	addl	$1024, %ebp
	shll	$10, %ebp		/* the top of RAM (below 4 GiB) */
	cmpl	$0x1000000, %ebp
	jae	1f
	FAIL	2
1:	movl	%ebp, %ecx
	shrl	$3, %ecx		/* the step: an eighth of RAM */

	leal	-4(%ebp), %ebx		/* write: top - 4, then down by the step */
	movl	$OFFSETS, %edx
2:	movl	%ebx, %eax
	xorl	$PATTERN, %eax
	movl	%eax, (%ebx)
	subl	%ecx, %ebx
	decl	%edx
	jnz	2b

	leal	-4(%ebp), %ebx		/* read them back */
	movl	$OFFSETS, %edx
3:	movl	%ebx, %eax
	xorl	$PATTERN, %eax
	cmpl	%eax, (%ebx)
	je	4f
	leal	0x100(%edx), %eax
	jmp	report
4:	subl	%ecx, %ebx
	decl	%edx
	jnz	3b

	movl	%esi, %eax		/* the first TSC for the VMM, then pass */
	outl	%eax, $FIRST_TSC
	movl	%edi, %eax
	outl	%eax, $FIRST_TSC + 4
	xorl	%eax, %eax

	REPORT

	.balign	16
stack:	.fill	256, 1, 0
stack_top:
