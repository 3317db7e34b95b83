/* guest: load=0x8000 mode=protected */
/*
 * io_flood (hostile, but it does report): 100000 OUT instructions (byte,
 * word and dword, in turn) to the unassigned ports 0x80-0x90, i.e. 100000
 * VM exits in a row.  The VMM drops writes to unknown ports and returns all
 * ones for reads from them; the kernel must keep the rest of the system
 * responsive meanwhile.
 *
 * Failure codes (port 0xF0):
 *   1  inb from unassigned port 0x84 != 0xFF (before the flood)
 *   2  inw from unassigned port 0x86 != 0xFFFF (before the flood)
 *   3  inl from unassigned port 0x88 != 0xFFFFFFFF (before the flood)
 *   4  after the flood the loop counter is wrong (registers corrupted)
 *   5  inl from 0x88 != 0xFFFFFFFF after the flood (writes were not dropped)
 */
#include "guest.h"

	.code32
	.text
	.globl	start

	.set	FIRST_PORT, 0x80
	.set	LAST_PORT, 0x90
	.set	COUNT, 100000

start:
	cli
	xorl	%eax, %eax
	movw	$0x84, %dx
	inb	%dx, %al
	EXPECT	0xFF, %eax, 1
	xorl	%eax, %eax
	movw	$0x86, %dx
	inw	%dx, %ax
	EXPECT	0xFFFF, %eax, 2
	xorl	%eax, %eax
	movw	$0x88, %dx
	inl	%dx, %eax
	EXPECT	0xFFFFFFFF, %eax, 3

	/* ECX counts OUTs, DX walks 0x80..0x90, EBX picks the width
	 * (byte, word, dword in turn); no access reaches port 0x92 */
	xorl	%ecx, %ecx
	movw	$FIRST_PORT, %dx
	xorl	%ebx, %ebx
1:	movl	%ecx, %eax
	cmpl	$1, %ebx
	jb	2f
	je	3f
	movw	%dx, %si		/* dwords only to 0x80/84/88/8C so */
	andw	$0x8C, %dx		/* they never reach past port 0x8F */
	outl	%eax, %dx
	movw	%si, %dx
	xorl	%ebx, %ebx
	jmp	4f
2:	outb	%al, %dx
	incl	%ebx
	jmp	4f
3:	outw	%ax, %dx
	incl	%ebx
4:	incw	%dx
	cmpw	$LAST_PORT, %dx
	jbe	5f
	movw	$FIRST_PORT, %dx
5:	incl	%ecx
	cmpl	$COUNT, %ecx
	jb	1b

	EXPECT	COUNT, %ecx, 4
	xorl	%eax, %eax
	movw	$0x88, %dx
	inl	%dx, %eax
	EXPECT	0xFFFFFFFF, %eax, 5

	xorl	%eax, %eax		/* pass */

	REPORT
