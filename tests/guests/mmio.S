/* guest: load=0x8000 mode=protected */
/*
 * mmio: MOV loads and stores of every width to the VMM's scratch MMIO page
 * at guest-physical 0xFEB00000 (not backed by RAM: every access is an EPT
 * violation that the VMM decodes and emulates).  Paging is off, so linear
 * = physical.  Device layout:
 *   +0..+7  read/write register, any width at any offset
 *   +8      read-only 0xCAFEF00D; a narrower read returns its low bytes
 *   other   read 0, writes ignored
 * Encodings covered: moffs (A1/A3/A2/66 A3), ModRM disp32 without base,
 * base+disp8, SIB base+index*scale+disp, SIB index*scale+disp32 without base,
 * EBP base, ES override, immediate stores (C6/C7/66 C7), high byte
 * registers (AH/CH) in both directions, MOVZX/MOVSX byte and word, and
 * partial loads that must preserve the untouched bits of the destination.
 *
 * Failure codes (port 0xF0):
 *   1  movl %eax,abs (A3) then movl abs,%ecx: != 0x11223344
 *   2  movl $imm,abs (C7 05) then movl abs,%eax (A1): != 0x0BADCAFE
 *   3  movl $0x55667788,4(%ebx) then movl 4(%ebx),%ecx: mismatch
 *   4  movb 2(%ebx,%esi,4),%dl (offset 6) with EDX=0xAABBCCDD: != 0xAABBCC66
 *   5  movb %ah,1(%ebx) (AH=0xAB): dword 0 != 0x1122AB44
 *   6  movb 3(%ebx),%ah with EAX=0x12345678: != 0x12341178
 *   7  movb %ch,7(%ebx) (CH=0xEE): dword 1 != 0xEE667788
 *   8  movw $0xBEEF,2(%ebx): dword 0 != 0xBEEFAB44
 *   9  movw 5(%ebx),%ax with EAX=0xFFFFFFFF: != 0xFFFF6677
 *  10  unaligned movl 2(%ebx): != 0x7788BEEF
 *  11  unaligned movl $0xA1B2C3D4,1(%ebx): dwords != 0xB2C3D444 / 0xEE6677A1
 *  12  movl abs(,%esi,4),%eax (no base, ESI=1): != dword 1
 *  13  movl 0x100(%ebx,%edi,1),%eax (EDI=-0xF8, offset 8): != 0xCAFEF00D
 *  14  movl 0(%ebp),%eax (EBP=base+4): != dword 1
 *  15  movl 8(%ebx): != 0xCAFEF00D
 *  16  movzbl 8(%ebx): != 0x0D           17  movzwl 8(%ebx): != 0xF00D
 *  18  movsbl 8(%ebx): != 0x0D           19  movswl 8(%ebx): != 0xFFFFF00D
 *  20  movb $0x80,(%ebx); movsbl (%ebx): != 0xFFFFFF80
 *  21  movzbl (%ebx): != 0x80
 *  22  movsbw (%ebx),%dx with EDX=0x12340000: != 0x1234FF80
 *  23  movzbw (%ebx),%dx with EDX=0x12340000: != 0x12340080
 *  24  movl $0,8(%ebx) was not ignored (read != 0xCAFEF00D)
 *  25  offset 0x10 does not read 0
 *  26  movl $-1,0x10(%ebx) was not ignored (read != 0)
 *  27  offset 0xFFC does not read 0
 *  28  movl %es:4(%ebx),%eax: != dword 1
 *  29  movl 4(%ebx),%edi: != dword 1
 *  30  movb $0x5C,7(%ebx) (C6), movb %al,abs (A2), movw %ax,abs+1 (66 A3):
 *      dword 1 != 0x5C6677A1 or dword 0 != 0xB2776699
 * Arithmetic on the register, each result and the arithmetic flags
 * (CF PF AF ZF SF OF) it leaves, as the SDM gives them:
 *  31  orl $0x8001 (81 /1)        32  addl %ecx (01)
 *  33  stc; adcb $0xC8 (80 /2): carry, zero, AF, PF
 *  34  subw $0x9201 (66 81 /5): borrow to 0xFFFF
 *  35  stc; incl 0x7FFFFFFF (FF /0): OF, CF kept
 *  36  negl 0x80000000 (F7 /3)    37  notl (F7 /2): no flag changed
 *  38  decb (FE /1)               39  testb $0x80 (F6 /0)
 *  40  cmpl (%ebx),%eax (3B): equal
 *  41  xchgb %ah,1(%ebx) (86)     42  lock xaddl (0F C1)
 *  43  lock cmpxchgl, equal: memory written, ZF
 *  44  lock cmpxchgl, unequal: EAX loaded, ZF clear
 *  45  btsl $37 (0F BA /5: bit 5)
 *  46  btsl %ecx=33 (0F AB: the next dword's bit 1)
 *  47  btcl $1,4(%ebx): CF the old bit
 *  48  shldl $3 (0F A4) on 0x12345678 from 0xAAAAAAAA: != 0x91A2B3C5, or
 *      CF ZF SF PF (OF and AF are undefined for a count over 1) != SF PF
 *  49  shrdl %cl (0F AD), CL = 3, from 0x55555555: != 0xA2468ACF or not SF PF
 */
#include "guest.h"

/* FLAGS_ARE value, code[, mask]: fail with code unless RFLAGS' arithmetic bits (those of mask) are value */
.macro	FLAGS_ARE val, code, mask=0x8D5
	pushfl
	popl	%edx
	andl	$\mask, %edx
	EXPECT	\val, %edx, \code
.endm

	.code32
	.text
	.globl	start

start:
	movl	$MMIO_PAGE, %ebx

	/* absolute (moffs and ModRM disp32) */
	movl	$0x11223344, %eax
	movl	%eax, MMIO_PAGE		/* A3 */
	xorl	%ecx, %ecx
	movl	MMIO_PAGE, %ecx		/* 8B 0D */
	EXPECT	0x11223344, %ecx, 1
	movl	$0x0BADCAFE, MMIO_PAGE	/* C7 05 */
	xorl	%eax, %eax
	movl	MMIO_PAGE, %eax		/* A1 */
	EXPECT	0x0BADCAFE, %eax, 2
	movl	$0x11223344, (%ebx)

	/* base + disp8 */
	movl	$0x55667788, 4(%ebx)
	movl	4(%ebx), %ecx
	EXPECT	0x55667788, %ecx, 3

	/* base + index*scale + disp, byte load into DL */
	movl	$1, %esi
	movl	$0xAABBCCDD, %edx
	movb	2(%ebx,%esi,4), %dl
	EXPECT	0xAABBCC66, %edx, 4

	/* high byte registers */
	movl	$0xAB00, %eax
	movb	%ah, 1(%ebx)
	movl	(%ebx), %eax
	EXPECT	0x1122AB44, %eax, 5
	movl	$0x12345678, %eax
	movb	3(%ebx), %ah
	EXPECT	0x12341178, %eax, 6
	movl	$0xEE00, %ecx
	movb	%ch, 7(%ebx)
	movl	4(%ebx), %eax
	EXPECT	0xEE667788, %eax, 7

	/* words */
	movw	$0xBEEF, 2(%ebx)
	movl	(%ebx), %eax
	EXPECT	0xBEEFAB44, %eax, 8
	movl	$0xFFFFFFFF, %eax
	movw	5(%ebx), %ax
	EXPECT	0xFFFF6677, %eax, 9

	/* unaligned dwords inside the register */
	movl	2(%ebx), %eax
	EXPECT	0x7788BEEF, %eax, 10
	movl	$0xA1B2C3D4, 1(%ebx)
	movl	(%ebx), %eax
	EXPECT	0xB2C3D444, %eax, 11
	movl	4(%ebx), %eax
	EXPECT	0xEE6677A1, %eax, 11

	/* SIB without base: disp32 + index*scale */
	movl	$1, %esi
	xorl	%eax, %eax
	movl	MMIO_PAGE(,%esi,4), %eax
	EXPECT	0xEE6677A1, %eax, 12

	/* SIB base + index*1 + disp32, negative index */
	movl	$-0xF8, %edi
	movl	0x100(%ebx,%edi,1), %eax
	EXPECT	0xCAFEF00D, %eax, 13

	/* EBP as base (needs a displacement byte) */
	movl	$MMIO_PAGE + 4, %ebp
	xorl	%eax, %eax
	movl	0(%ebp), %eax
	EXPECT	0xEE6677A1, %eax, 14

	/* read-only constant at offset 8, all widths and extensions */
	movl	8(%ebx), %eax
	EXPECT	0xCAFEF00D, %eax, 15
	movl	$0xFFFFFFFF, %eax
	movzbl	8(%ebx), %eax
	EXPECT	0x0D, %eax, 16
	movl	$0xFFFFFFFF, %eax
	movzwl	8(%ebx), %eax
	EXPECT	0xF00D, %eax, 17
	movl	$0xFFFFFFFF, %eax
	movsbl	8(%ebx), %eax
	EXPECT	0x0D, %eax, 18
	xorl	%eax, %eax
	movswl	8(%ebx), %eax
	EXPECT	0xFFFFF00D, %eax, 19

	/* sign/zero extension of a negative byte from the RW register */
	movb	$0x80, (%ebx)
	xorl	%ecx, %ecx
	movsbl	(%ebx), %ecx
	EXPECT	0xFFFFFF80, %ecx, 20
	movl	$0xFFFFFFFF, %ecx
	movzbl	(%ebx), %ecx
	EXPECT	0x80, %ecx, 21
	movl	$0x12340000, %edx
	movsbw	(%ebx), %dx
	EXPECT	0x1234FF80, %edx, 22
	movl	$0x12340000, %edx
	movzbw	(%ebx), %dx
	EXPECT	0x12340080, %edx, 23

	/* writes to the read-only and unassigned offsets are ignored */
	movl	$0, 8(%ebx)
	movl	8(%ebx), %eax
	EXPECT	0xCAFEF00D, %eax, 24
	movl	$0x5A5A5A5A, %eax
	movl	0x10(%ebx), %eax
	EXPECT	0, %eax, 25
	movl	$0xFFFFFFFF, 0x10(%ebx)
	movl	0x10(%ebx), %eax
	EXPECT	0, %eax, 26
	movl	$0x5A5A5A5A, %eax
	movl	0xFFC(%ebx), %eax
	EXPECT	0, %eax, 27

	/* segment override prefix, other destination registers */
	xorl	%eax, %eax
	movl	%es:4(%ebx), %eax
	EXPECT	0xEE6677A1, %eax, 28
	xorl	%edi, %edi
	movl	4(%ebx), %edi
	EXPECT	0xEE6677A1, %edi, 29

	/* byte immediate store (C6), AL moffs store (A2), AX moffs store (66 A3) */
	movb	$0x5C, 7(%ebx)
	movb	$0x99, %al
	movb	%al, MMIO_PAGE + 0		/* A2 */
	movw	$0x7766, %ax
	movw	%ax, MMIO_PAGE + 1		/* 66 A3 */
	movl	4(%ebx), %eax
	EXPECT	0x5C6677A1, %eax, 30
	movl	(%ebx), %eax
	EXPECT	0xB2776699, %eax, 30

	/* arithmetic: the result, and RFLAGS' arithmetic bits (FLAGS_ARE) */
	movl	$0x1234, (%ebx)
	orl	$0x8001, (%ebx)
	FLAGS_ARE 0x004, 31
	EXPECT	0x9235, (%ebx), 31
	movl	$2, %ecx
	addl	%ecx, (%ebx)
	FLAGS_ARE 0, 32
	EXPECT	0x9237, (%ebx), 32
	stc
	adcb	$0xC8, (%ebx)
	FLAGS_ARE 0x055, 33
	EXPECT	0x9200, (%ebx), 33
	subw	$0x9201, (%ebx)
	FLAGS_ARE 0x095, 34
	EXPECT	0xFFFF, (%ebx), 34
	movl	$0x7FFFFFFF, (%ebx)
	stc
	incl	(%ebx)
	FLAGS_ARE 0x895, 35
	negl	(%ebx)
	FLAGS_ARE 0x885, 36
	EXPECT	0x80000000, (%ebx), 36
	xorl	%eax, %eax		/* ZF and PF set, the rest clear */
	notl	(%ebx)
	FLAGS_ARE 0x044, 37
	EXPECT	0x7FFFFFFF, (%ebx), 37
	decb	3(%ebx)
	FLAGS_ARE 0x004, 38
	EXPECT	0x7EFFFFFF, (%ebx), 38
	testb	$0x80, 3(%ebx)
	FLAGS_ARE 0x044, 39
	movl	$0x7EFFFFFF, %eax
	cmpl	(%ebx), %eax
	FLAGS_ARE 0x044, 40

	/* exchanges */
	movl	$0x11223344, (%ebx)
	movl	$0xAB00, %eax
	xchgb	%ah, 1(%ebx)
	EXPECT	0x3300, %eax, 41
	EXPECT	0x1122AB44, (%ebx), 41
	movl	$5, %ecx
	lock xaddl %ecx, (%ebx)
	EXPECT	0x1122AB44, %ecx, 42
	EXPECT	0x1122AB49, (%ebx), 42
	movl	$0x1122AB49, %eax
	movl	$0x600DF00D, %ecx
	lock cmpxchgl %ecx, (%ebx)
	jz	1f
	FAIL	43
1:	EXPECT	0x600DF00D, (%ebx), 43
	xorl	%eax, %eax
	lock cmpxchgl %ecx, (%ebx)
	jnz	1f
	FAIL	44
1:	EXPECT	0x600DF00D, %eax, 44

	/* bit tests: an immediate offset wraps, a register one reaches on */
	movl	$0, (%ebx)
	movl	$0, 4(%ebx)
	btsl	$37, (%ebx)
	EXPECT	0x20, (%ebx), 45
	movl	$33, %ecx
	btsl	%ecx, (%ebx)
	EXPECT	2, 4(%ebx), 46
	btcl	$1, 4(%ebx)
	jc	1f
	FAIL	47
1:	EXPECT	0, 4(%ebx), 47

	/* double shifts: kvm-unit-tests' values (its test_shld_shrd) */
	movl	$0x12345678, (%ebx)
	movl	$0xAAAAAAAA, %ecx
	shldl	$3, %ecx, (%ebx)
	FLAGS_ARE 0x084, 48, 0x0C5	/* SF, PF (0xC5); CF (bit 29) clear; OF, AF undefined */
	EXPECT	0x91A2B3C5, (%ebx), 48
	movl	$0x12345678, (%ebx)
	movl	$0x55555555, %edx
	movl	$3, %ecx
	shrdl	%cl, %edx, (%ebx)
	FLAGS_ARE 0x084, 49, 0x0C5	/* SF, PF (0xCF); CF (bit 2 of 0x78) clear */
	EXPECT	0xA2468ACF, (%ebx), 49

	xorl	%eax, %eax		/* pass */

	REPORT
