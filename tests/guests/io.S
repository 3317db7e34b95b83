/* guest: load=0x8000 mode=protected */
/*
 * io: port I/O of every width through the VMM's scratch device.
 *   0xE0-0xE3  32-bit read/write register, byte-addressable
 *   0xF8       read-only, returns 0x12345678 truncated to the access width
 * Covers both encodings (port in DX and immediate port) and checks that
 * byte/word INs leave the upper bits of EAX untouched.
 *
 * Failure codes (port 0xF0):
 *   1  outl 0x11223344 -> 0xE0, inl 0xE0 != 0x11223344
 *   2  inb 0xE0 != 0x44          3  inb 0xE1 != 0x33
 *   4  inb 0xE2 != 0x22          5  inb 0xE3 != 0x11
 *   6  inw 0xE0 != 0x3344        7  inw 0xE2 != 0x1122
 *   8  inw 0xE1 != 0x2233 (unaligned word inside the register)
 *   9  outb 0xAA -> 0xE2, inl 0xE0 != 0x11AA3344
 *  10  outw 0xBEEF -> 0xE0, inl 0xE0 != 0x11AABEEF
 *  11  outw 0xCDAB -> 0xE1, inl 0xE0 != 0x11CDABEF
 *  12  outb 0x5A -> 0xE3, inl 0xE0 != 0x5ACDABEF
 *  13  inb 0xF8 != 0x78          14  inw 0xF8 != 0x5678
 *  15  inl 0xF8 != 0x12345678
 *  16  inb 0xF8 with EAX=0xDEADBEEF: EAX != 0xDEADBE78 (upper bits clobbered)
 *  17  inw 0xF8 with EAX=0xDEADBEEF: EAX != 0xDEAD5678 (upper bits clobbered)
 *  18  immediate-port forms: outl $0xE0 / inl $0xE0 mismatch (0xCAFEBABE)
 *  19  immediate-port forms: inb $0xE2 != 0xFE
 *  20  immediate-port form:  inw $0xF8 != 0x5678
 *  21  upper half of EDX clobbered by an IN/OUT
 */
#include "guest.h"

	.code32
	.text
	.globl	start

start:
	/* dword write, dword read */
	movl	$0x11223344, %eax
	movw	$SCRATCH, %dx
	outl	%eax, %dx
	xorl	%eax, %eax
	inl	%dx, %eax
	EXPECT	0x11223344, %eax, 1

	/* byte reads at each offset */
	xorl	%eax, %eax
	movw	$SCRATCH + 0, %dx
	inb	%dx, %al
	EXPECT	0x44, %eax, 2
	movw	$SCRATCH + 1, %dx
	inb	%dx, %al
	EXPECT	0x33, %eax, 3
	movw	$SCRATCH + 2, %dx
	inb	%dx, %al
	EXPECT	0x22, %eax, 4
	movw	$SCRATCH + 3, %dx
	inb	%dx, %al
	EXPECT	0x11, %eax, 5

	/* word reads */
	movw	$SCRATCH + 0, %dx
	inw	%dx, %ax
	EXPECT	0x3344, %eax, 6
	movw	$SCRATCH + 2, %dx
	inw	%dx, %ax
	EXPECT	0x1122, %eax, 7
	movw	$SCRATCH + 1, %dx
	inw	%dx, %ax
	EXPECT	0x2233, %eax, 8

	/* partial writes merge into the register */
	movb	$0xAA, %al
	movw	$SCRATCH + 2, %dx
	outb	%al, %dx
	movw	$SCRATCH, %dx
	inl	%dx, %eax
	EXPECT	0x11AA3344, %eax, 9

	movw	$0xBEEF, %ax
	movw	$SCRATCH, %dx
	outw	%ax, %dx
	inl	%dx, %eax
	EXPECT	0x11AABEEF, %eax, 10

	movw	$0xCDAB, %ax
	movw	$SCRATCH + 1, %dx
	outw	%ax, %dx
	movw	$SCRATCH, %dx
	inl	%dx, %eax
	EXPECT	0x11CDABEF, %eax, 11

	movb	$0x5A, %al
	movw	$SCRATCH + 3, %dx
	outb	%al, %dx
	movw	$SCRATCH, %dx
	inl	%dx, %eax
	EXPECT	0x5ACDABEF, %eax, 12

	/* constant port at every width */
	xorl	%eax, %eax
	movw	$CONSTPORT, %dx
	inb	%dx, %al
	EXPECT	0x78, %eax, 13
	xorl	%eax, %eax
	inw	%dx, %ax
	EXPECT	0x5678, %eax, 14
	xorl	%eax, %eax
	inl	%dx, %eax
	EXPECT	0x12345678, %eax, 15

	/* narrow INs must preserve the rest of EAX */
	movl	$0xDEADBEEF, %eax
	inb	%dx, %al
	EXPECT	0xDEADBE78, %eax, 16
	movl	$0xDEADBEEF, %eax
	inw	%dx, %ax
	EXPECT	0xDEAD5678, %eax, 17

	/* immediate-port encodings (E4/E5/E6/E7) */
	movl	$0xCAFEBABE, %eax
	outl	%eax, $SCRATCH
	xorl	%eax, %eax
	inl	$SCRATCH, %eax
	EXPECT	0xCAFEBABE, %eax, 18
	xorl	%eax, %eax
	inb	$SCRATCH + 2, %al
	EXPECT	0xFE, %eax, 19
	xorl	%eax, %eax
	inw	$CONSTPORT, %ax
	EXPECT	0x5678, %eax, 20

	/* the port register itself must survive */
	movl	$0xABCD0000 + CONSTPORT, %edx
	inl	%dx, %eax
	movw	$SCRATCH, %dx
	outl	%eax, %dx
	movw	$CONSTPORT, %dx
	EXPECT	0xABCD0000 + CONSTPORT, %edx, 21

	xorl	%eax, %eax		/* pass */

	REPORT
