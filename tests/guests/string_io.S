/* guest: load=0x8000 mode=protected */
/*
 * string_io: INS/OUTS (with and without REP, forward and backward) through
 * the scratch device.  REP OUTS to 0xE0 writes every element to the same
 * port, so the register ends up holding the last element; REP INS from
 * 0xF8 fills every element with 0x12345678 truncated to the element size.
 *
 * Failure codes (port 0xF0):
 *   1  rep outsb: ECX != 0 afterwards
 *   2  rep outsb: ESI not advanced by 4
 *   3  rep outsb 01 02 03 04 -> 0xE0 (register 0 before): register != 0x00000004
 *   4  rep outsw 1111 2222 BBAA -> 0xE0 (0x99887766 before): register != 0x9988BBAA
 *   5  rep outsw: ESI not advanced by 6 or ECX != 0
 *   6  rep outsd 01010101 A5A5A5A5 -> 0xE0: register != 0xA5A5A5A5
 *   7  rep outsd: ESI not advanced by 8 or ECX != 0
 *   8  rep insw x4 from 0xF8: ECX != 0
 *   9  rep insw: EDI not advanced by 8
 *  10  rep insw: an element != 0x5678
 *  11  rep insw: guard word before/after the buffer modified
 *  12  rep insd x4 from 0xF8: EDI not advanced by 16 or ECX != 0
 *  13  rep insd: an element != 0x12345678
 *  14  rep insd: guard dword before/after the buffer modified
 *  15  insb (no rep) from 0xF8: byte != 0x78 or the next byte modified
 *  16  insb: EDI not advanced by 1
 *  17  std; rep insd x2: EDI not decremented by 8 or ECX != 0
 *  18  std; rep insd: an element != 0x12345678
 *  19  std; rep insd: guard before/after modified (wrote in the wrong direction)
 *  20  rep outsb with ECX = 0: register or ESI changed
 *  21  outsw (no rep) 0x4321 -> 0xE2: register != 0x4321xxxx merge
 */
#include "guest.h"

	.code32
	.text
	.globl	start

	.set	GUARDW, 0xEEEE
	.set	GUARDD, 0xEEEEEEEE

/* set the scratch register to val */
.macro	SETREG val
	movl	$\val, %eax
	movw	$SCRATCH, %dx
	outl	%eax, %dx
.endm

/* EAX = scratch register */
.macro	GETREG
	movw	$SCRATCH, %dx
	inl	%dx, %eax
.endm

start:
	cld

	/* ---- rep outsb ---- */
	SETREG	0
	movl	$bytes4, %esi
	movl	$4, %ecx
	movw	$SCRATCH, %dx
	rep outsb
	EXPECT	0, %ecx, 1
	EXPECT	bytes4+4, %esi, 2
	GETREG
	EXPECT	0x00000004, %eax, 3

	/* ---- rep outsw ---- */
	SETREG	0x99887766
	movl	$words3, %esi
	movl	$3, %ecx
	rep outsw
	GETREG
	EXPECT	0x9988BBAA, %eax, 4
	EXPECT	words3+6, %esi, 5
	EXPECT	0, %ecx, 5

	/* ---- rep outsd ---- */
	movl	$dwords2, %esi
	movl	$2, %ecx
	rep outsl
	GETREG
	EXPECT	0xA5A5A5A5, %eax, 6
	EXPECT	dwords2+8, %esi, 7
	EXPECT	0, %ecx, 7

	/* ---- rep insw ---- */
	movl	$wbuf, %edi
	movl	$4, %ecx
	movw	$CONSTPORT, %dx
	rep insw
	EXPECT	0, %ecx, 8
	EXPECT	wbuf+8, %edi, 9
	movl	$wbuf, %esi
	movl	$4, %ecx
1:	movzwl	(%esi), %eax
	EXPECT	0x5678, %eax, 10
	addl	$2, %esi
	loop	1b
	movzwl	wbuf - 2, %eax
	EXPECT	GUARDW, %eax, 11
	movzwl	wbuf + 8, %eax
	EXPECT	GUARDW, %eax, 11

	/* ---- rep insd ---- */
	movl	$dbuf, %edi
	movl	$4, %ecx
	rep insl
	EXPECT	0, %ecx, 12
	EXPECT	dbuf+16, %edi, 12
	movl	$dbuf, %esi
	movl	$4, %ecx
1:	EXPECT	0x12345678, (%esi), 13
	addl	$4, %esi
	loop	1b
	EXPECT	GUARDD, dbuf-4, 14
	EXPECT	GUARDD, dbuf+16, 14

	/* ---- insb, no rep ---- */
	movl	$bbuf, %edi
	insb
	movzbl	bbuf, %eax
	EXPECT	0x78, %eax, 15
	movzbl	bbuf + 1, %eax
	EXPECT	0xEE, %eax, 15
	EXPECT	bbuf+1, %edi, 16

	/* ---- std; rep insd: fills dbuf2[1] then dbuf2[0] ---- */
	movl	$dbuf2 + 4, %edi
	movl	$2, %ecx
	std
	rep insl
	cld
	EXPECT	dbuf2-4, %edi, 17
	EXPECT	0, %ecx, 17
	EXPECT	0x12345678, dbuf2, 18
	EXPECT	0x12345678, dbuf2+4, 18
	EXPECT	GUARDD, dbuf2-4, 19
	EXPECT	GUARDD, dbuf2+8, 19

	/* ---- rep outsb with a zero count does nothing ---- */
	SETREG	0x13579BDF
	movl	$bytes4, %esi
	xorl	%ecx, %ecx
	rep outsb
	EXPECT	bytes4, %esi, 20
	GETREG
	EXPECT	0x13579BDF, %eax, 20

	/* ---- outsw, no rep, to the upper half ---- */
	movl	$word1, %esi
	movw	$SCRATCH + 2, %dx
	outsw
	GETREG
	EXPECT	0x43219BDF, %eax, 21

	xorl	%eax, %eax		/* pass */

	REPORT

	.balign	4
bytes4:	.byte	0x01, 0x02, 0x03, 0x04
words3:	.word	0x1111, 0x2222, 0xBBAA
word1:	.word	0x4321
dwords2: .long	0x01010101, 0xA5A5A5A5

	.balign	4
	.word	GUARDW, GUARDW
wbuf:	.word	GUARDW, GUARDW, GUARDW, GUARDW
	.word	GUARDW, GUARDW

	.long	GUARDD
dbuf:	.long	GUARDD, GUARDD, GUARDD, GUARDD
	.long	GUARDD

	.long	GUARDD
dbuf2:	.long	GUARDD, GUARDD
	.long	GUARDD

bbuf:	.byte	0xEE, 0xEE, 0xEE, 0xEE
