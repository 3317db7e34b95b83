/* guest: load=0x8000 mode=protected */
/*
 * cpuid: CPUID is intercepted and filtered by the VMM.
 *
 * Failure codes (port 0xF0):
 *   1  leaf 0: maximum basic leaf (EAX) < 1
 *   2  leaf 0: vendor string EBX is zero
 *   3  leaf 0: vendor string EDX is zero
 *   4  leaf 0: vendor string ECX is zero
 *   5  leaf 1: ECX bit 5 (VMX) is set; the VMM must hide it
 *   6  leaf 1: EAX (family/model/stepping signature) is zero
 *   8  leaf 0x40000000: highest leaf not 0x40000010, or the signature not "MoatMoatMoat"
 *   9  leaf 0x40000010: EAX (TSC kHz) not the rate the VMM's test port 0xD8
 *      reads, or EBX (the local APIC's bus kHz) not a sixteenth of it
 *  10  leaf 0x15, where the highest basic leaf reaches it: not the TSC at
 *      16 times a crystal (the APIC bus clock) at a sixteenth of its rate
 *  11  leaf 0x80000007: EDX bit 8 (invariant TSC) clear
 *  12  leaf 7: EBX bit 10 (INVPCID) or ECX bit 16 (LA57) set; the VMM must hide them
 */
#include "guest.h"

	.code32
	.text
	.globl	start

start:
	xorl	%eax, %eax
	xorl	%ecx, %ecx
	cpuid
	cmpl	$1, %eax
	jae	1f
	FAIL	1
1:	testl	%ebx, %ebx
	jnz	1f
	FAIL	2
1:	testl	%edx, %edx
	jnz	1f
	FAIL	3
1:	testl	%ecx, %ecx
	jnz	1f
	FAIL	4
1:
	movl	$1, %eax
	xorl	%ecx, %ecx
	cpuid
	testl	$(1 << 5), %ecx
	jz	1f
	FAIL	5
1:	testl	%eax, %eax
	jnz	1f
	FAIL	6
1:
	/* ---- the TSC: invariant, and its rate ---- */
	xorl	%eax, %eax
	cpuid
	movl	%eax, %edi		/* the highest basic leaf */
	movl	$0x40000000, %eax
	cpuid
	EXPECT	0x40000010, %eax, 8
	EXPECT	0x74616f4d, %ebx, 8
	EXPECT	0x74616f4d, %ecx, 8
	EXPECT	0x74616f4d, %edx, 8
	movw	$0xD8, %dx		/* the TSC's rate in kHz */
	inl	%dx, %eax
	movl	%eax, %esi
	movl	$0x40000010, %eax
	cpuid
	cmpl	%esi, %eax
	je	1f
	FAIL	9
1:	shrl	$4, %eax
	cmpl	%eax, %ebx
	je	1f
	FAIL	9
1:	cmpl	$0x15, %edi
	jb	1f			/* no leaf 0x15 on this CPU (AMD's stop lower) */
	movl	$0x15, %eax
	cpuid
	EXPECT	1, %eax, 10
	EXPECT	16, %ebx, 10
	movl	%ecx, %eax		/* 16 crystal Hz / 1000 = TSC kHz, within 1 */
	shll	$4, %eax
	xorl	%edx, %edx
	movl	$1000, %ecx
	divl	%ecx
	cmpl	%esi, %eax
	je	1f
	incl	%eax
	cmpl	%esi, %eax
	je	1f
	FAIL	10
1:	movl	$0x80000007, %eax
	cpuid
	testl	$(1 << 8), %edx
	jnz	1f
	FAIL	11
1:	xorl	%eax, %eax		/* leaf 7 where the highest basic leaf reaches it */
	cpuid
	cmpl	$7, %eax
	jb	1f
	movl	$7, %eax
	xorl	%ecx, %ecx
	cpuid
	testl	$(1 << 10), %ebx
	jz	2f
	FAIL	12
2:	testl	$(1 << 16), %ecx
	jz	1f
	FAIL	12
1:	xorl	%eax, %eax		/* pass */

	REPORT
