/* guest: load=0x7C00 mode=realmode */
/*
 * realmode: a 16-bit real-mode guest entered at CS:IP = 0000:7C00.
 * Checks segment arithmetic (the same byte of its own image through
 * different segment:offset pairs), a far jump to CS=07C0, a software
 * interrupt through its own IVT entry, and REP OUTSB with 16-bit
 * addressing (DS:SI, CX) through the scratch port.
 *
 * Failure codes (port 0xF0, written with a 32-bit OUT):
 *   1  CS != 0 at entry
 *   2  DS=07C0: byte at DS:(marker-start) != 0xA5
 *   3  DS=0000: byte at 0:marker != 0xA5
 *   4  ES=0700: byte at ES:(0C00+marker-start) != 0xA5
 *   5  byte written through 07C0:x not visible through 0000:7C00+x
 *   6  after ljmp 07C0:x, CS != 07C0 (or the far jump back failed)
 *   7  INT 0x40 through the IVT did not run the handler exactly once
 *   8  PUSH/POP through SS=0, SP=7C00 mismatch
 *   9  rep outsb from DS=07C0:SI: register low byte != 0x44, SI not
 *      advanced by 4, or CX != 0
 *  10  RDMSR of an MSR the VMM does not know: its #GP did not reach the
 *      IVT handler once, with IP, CS and FLAGS on the stack and no error
 *      code (real mode pushes none; VMX refuses to inject one there)
 */
#include "guest.h"

	.code16
	.text
	.globl	start

	.set	SEG7C0, 0x07C0
	.set	IVT_0x40, 0x40 * 4
	.set	IVT_GP, 13 * 4
	.set	UNKNOWN_MSR, 0x12345

start:
	cli
	cld
	movw	%cs, %ax
	testw	%ax, %ax
	jz	1f
	FAIL	1
1:	xorw	%ax, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movw	$0x7C00, %sp

	/* stack */
	movw	$0x1234, %ax
	pushw	%ax
	pushw	$0x5678
	popw	%bx
	popw	%cx
	cmpw	$0x5678, %bx
	jne	2f
	cmpw	$0x1234, %cx
	jne	2f
	cmpw	$0x7C00, %sp
	je	1f
2:	FAIL	8
1:
	/* the same byte through three segment:offset pairs */
	movw	$SEG7C0, %ax
	movw	%ax, %ds
	movb	(marker - start), %al
	cmpb	$0xA5, %al
	je	1f
	FAIL	2
1:	xorw	%ax, %ax
	movw	%ax, %ds
	movb	marker, %al
	cmpb	$0xA5, %al
	je	1f
	FAIL	3
1:	movw	$0x0700, %ax
	movw	%ax, %es
	movb	%es:(0x0C00 + marker - start), %al
	cmpb	$0xA5, %al
	je	1f
	FAIL	4
1:
	/* write through 07C0, read through 0000 */
	movw	$SEG7C0, %ax
	movw	%ax, %ds
	movb	$0x3C, (scratch - start)
	xorw	%ax, %ax
	movw	%ax, %ds
	cmpb	$0x3C, scratch
	je	1f
	FAIL	5
1:
	/* far jump into segment 07C0 and back */
	ljmp	$SEG7C0, $(far07c0 - start)
far07c0:
	movw	%cs, %ax
	cmpw	$SEG7C0, %ax
	je	1f
	FAIL	6
1:	ljmp	$0, $back0000
back0000:
	movw	%cs, %ax
	testw	%ax, %ax
	jz	1f
	FAIL	6
1:
	/* software interrupt through the IVT */
	movw	$int40, IVT_0x40
	movw	$0, IVT_0x40 + 2
	movb	$0, int40_count
	int	$0x40
	cmpb	$1, int40_count
	je	1f
	FAIL	7
1:
	/* rep outsb with 16-bit SI/CX and a segment base */
	movl	$0xFFFFFFFF, %eax
	movw	$SCRATCH, %dx
	outl	%eax, %dx
	movw	$SEG7C0, %ax
	movw	%ax, %ds
	movw	$(bytes4 - start), %si
	movw	$4, %cx
	rep outsb
	cmpw	$(bytes4 - start + 4), %si
	jne	2f
	testw	%cx, %cx
	jne	2f
	inl	%dx, %eax
	cmpl	$0xFFFFFF44, %eax
	je	1f
2:	FAIL	9
1:
	/* a #GP the VMM injects: the handler skips the RDMSR it finds at IP */
	xorw	%ax, %ax
	movw	%ax, %ds
	movw	$gp_handler, IVT_GP
	movw	$0, IVT_GP + 2
	movb	$0, gp_count
	movl	$UNKNOWN_MSR, %ecx
gp_at:
	rdmsr
	cmpb	$1, gp_count
	je	1f
	FAIL	10
1:
	xorl	%eax, %eax		/* pass */

	REPORT

int40:
	pushw	%ds
	pushw	%ax
	xorw	%ax, %ax
	movw	%ax, %ds
	incb	int40_count
	popw	%ax
	popw	%ds
	iret

/* The saved IP is the RDMSR's only if no error code was pushed above it. */
gp_handler:
	pushw	%bp
	movw	%sp, %bp
	cmpw	$gp_at, 2(%bp)
	jne	1f
	addw	$2, 2(%bp)		/* RDMSR is 0F 32 */
	incb	gp_count
1:	popw	%bp
	iret

marker:	.byte	0xA5, 0x5A
scratch: .byte	0
int40_count: .byte 0
gp_count: .byte	0
bytes4:	.byte	0x11, 0x22, 0x33, 0x44
