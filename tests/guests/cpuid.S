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
 *  12  leaf 7: EBX bit 10 (INVPCID), EBX bit 1 (TSC_ADJUST) or ECX bit 16
 *      (LA57) set; the VMM must hide them
 *  13  leaf 1: a feature the VMM has no model of shows: ECX MONITOR (3), the
 *      debug store's (2, 4), SMX (6), EST (7), TM2 (8), xTPR (14); EDX
 *      DS (21), ACPI thermal control (22), TM (29), PBE (31)
 *  14  leaf 5 (MONITOR/MWAIT) not all zeros, or leaf 6 not ARAT alone
 *  15  MONITOR did not raise exactly one #UD
 *  16  MWAIT did not raise exactly one #UD
 *  0x100 + n  unexpected exception n
 */
#include "guest.h"

	.code32
	.text
	.globl	start

	.set	NVEC, 32

start:
	GUEST_ENTRY NVEC
	SET_GATE 6, ud_handler
	lidt	idt_desc

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
	testl	$(1 << 10) | (1 << 1), %ebx
	jz	2f
	FAIL	12
2:	testl	$(1 << 16), %ecx
	jz	1f
	FAIL	12
1:
	/* ---- what has no model: hidden ---- */
	movl	$1, %eax
	cpuid
	testl	$0x41DC, %ecx		/* bits 2, 3, 4, 6, 7, 8, 14 */
	jz	1f
	FAIL	13
1:	testl	$0xA0600000, %edx	/* bits 21, 22, 29, 31 */
	jz	1f
	FAIL	13
1:	cmpl	$6, %edi		/* leaves 5 and 6 where the highest basic leaf reaches them */
	jb	1f
	movl	$5, %eax
	cpuid
	orl	%ebx, %eax
	orl	%ecx, %eax
	orl	%edx, %eax
	EXPECT	0, %eax, 14
	movl	$6, %eax
	cpuid
	EXPECT	4, %eax, 14
	orl	%ecx, %ebx
	orl	%edx, %ebx
	EXPECT	0, %ebx, 14
1:	movl	$0, ud_count		/* MONITOR and MWAIT: #UD */
	movl	$0x9000, %eax
	xorl	%ecx, %ecx
	xorl	%edx, %edx
	monitor
	EXPECT	1, ud_count, 15
	movl	$0, ud_count
	xorl	%eax, %eax
	xorl	%ecx, %ecx
	mwait
	EXPECT	1, ud_count, 16
	xorl	%eax, %eax		/* pass */

	REPORT

/* #UD: counted, and the 3-byte MONITOR or MWAIT skipped */
ud_handler:
	incl	ud_count
	addl	$3, (%esp)
	iret

	SET_GATE_FUNCTION
	VECTOR_STUBS NVEC
	UNEXPECTED_FAILS

	.balign	4
ud_count: .long	0

	DESCRIPTOR_TABLES NVEC
