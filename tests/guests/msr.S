/* guest: load=0x8000 mode=protected */
/*
 * msr: RDMSR/WRMSR of the MSRs the VMM emulates, and #GP(0) injection for
 * an MSR it does not know.  The guest installs its own GDT (0x08 code,
 * 0x10 data, flat) and an IDT: vector 13 (#GP) counts the fault, records
 * the error code and skips the 2-byte RDMSR/WRMSR; every other exception
 * vector 0-31 reports 0x100 + vector.
 *
 * Failure codes (port 0xF0):
 *   1  rdmsr IA32_EFER (0xC0000080) raised #GP
 *   2  EFER.LME or EFER.LMA set in a 32-bit guest
 *   3  wrmsr IA32_EFER (value just read) raised #GP
 *   4  EFER read back != value written
 *   5  rdmsr IA32_PAT (0x277) raised #GP
 *   6  PAT != power-on value 0x0007040600070406
 *   7  wrmsr IA32_PAT = 0x0007010600070106 raised #GP
 *   8  PAT read back != 0x0007010600070106
 *   9  rdmsr IA32_APIC_BASE (0x1B) raised #GP
 *  10  APIC_BASE != 0x00000000FEE00900
 *  11  rdmsr IA32_SYSENTER_CS (0x174) raised #GP or initial value != 0
 *  12  wrmsr SYSENTER_CS = 8 raised #GP or read back != 8
 *  13  SYSENTER_ESP (0x175): #GP, initial value != 0 or read back != 0x7000
 *  14  SYSENTER_EIP (0x176): #GP, initial value != 0 or read back != 0x123456
 *  15  rdmsr IA32_TSC (0x10) raised #GP
 *  16  IA32_TSC went backwards between two reads
 *  17  rdmsr 0x12345 did not raise exactly one #GP
 *  18  #GP error code != 0
 *  19  the faulting rdmsr modified EAX or EDX
 *  20  wrmsr 0x12345 did not raise exactly one #GP
 *  21  wrmsr IA32_TSC = 2^40 raised #GP
 *  22  RDTSC right after did not read 2^40 plus less than 2^32 (the vCPU's TSC offset)
 *  23  wrmsr IA32_PAT with a reserved memory type (2) did not raise exactly one #GP
 *  24  rdmsr IA32_MTRRCAP (0xFE) raised #GP or != 0 (no ranges, no WC)
 *  25  rdmsr IA32_MTRR_DEF_TYPE (0x2FF) raised #GP or != 0x806 (enabled, write-back)
 *  26  wrmsr MTRR_DEF_TYPE = 0x800 (uncached) raised #GP or read back != 0x800
 *  27  wrmsr MTRR_DEF_TYPE with a reserved type (2) or bit (12) did not raise one #GP each
 *  28  wrmsr IA32_MTRRCAP (read-only) did not raise exactly one #GP
 *  29  wrmsr IA32_BIOS_SIGN_ID (0x8B) = 0 raised #GP, or its read did or is != 0
 *  0x100 + n  unexpected exception n
 */
#include "guest.h"

	.code32
	.text
	.globl	start

	.set	MSR_TSC, 0x10
	.set	MSR_APIC_BASE, 0x1B
	.set	MSR_SYSENTER_CS, 0x174
	.set	MSR_SYSENTER_ESP, 0x175
	.set	MSR_SYSENTER_EIP, 0x176
	.set	MSR_PAT, 0x277
	.set	MSR_MTRRCAP, 0xFE
	.set	MSR_BIOS_SIGN_ID, 0x8B
	.set	MSR_MTRR_DEF_TYPE, 0x2FF
	.set	MSR_EFER, 0xC0000080
	.set	MSR_BOGUS, 0x12345
	.set	NVEC, 32		/* IDT entries: the exceptions */

/* RD msr, code: EDX:EAX = MSR; fail with code if it raised #GP */
.macro	RD msr, code
	movl	$0, gp_count
	movl	$\msr, %ecx
	rdmsr
	EXPECT	0, gp_count, \code
.endm

/* WR msr, hi, lo, code: MSR = hi:lo; fail with code if it raised #GP */
.macro	WR msr, hi, lo, code
	movl	$0, gp_count
	movl	$\msr, %ecx
	movl	$\hi, %edx
	movl	$\lo, %eax
	wrmsr
	EXPECT	0, gp_count, \code
.endm

start:
	/* exception vectors 0-31 -> stubs + 8 * n, #GP -> gp_handler */
	GUEST_ENTRY NVEC
	movl	$13, %eax
	movl	$gp_handler, %edx
	call	set_gate
	lidt	idt_desc

	/* ---- IA32_EFER ---- */
	RD	MSR_EFER, 1
	testl	$0x500, %eax
	jz	1f
	FAIL	2
1:	movl	%eax, %esi
	movl	%edx, %edi
	movl	$0, gp_count
	movl	$MSR_EFER, %ecx
	wrmsr
	EXPECT	0, gp_count, 3
	RD	MSR_EFER, 1
	cmpl	%esi, %eax
	je	1f
	FAIL	4
1:	cmpl	%edi, %edx
	je	1f
	FAIL	4
1:
	/* ---- IA32_PAT ---- */
	RD	MSR_PAT, 5
	EXPECT	0x00070406, %eax, 6
	EXPECT	0x00070406, %edx, 6
	WR	MSR_PAT, 0x00070106, 0x00070106, 7
	xorl	%eax, %eax
	xorl	%edx, %edx
	RD	MSR_PAT, 8
	EXPECT	0x00070106, %eax, 8
	EXPECT	0x00070106, %edx, 8
	WR	MSR_PAT, 0x00070406, 0x00070406, 7

	/* ---- IA32_APIC_BASE ---- */
	RD	MSR_APIC_BASE, 9
	EXPECT	0xFEE00900, %eax, 10
	EXPECT	0, %edx, 10

	/* ---- SYSENTER ---- */
	RD	MSR_SYSENTER_CS, 11
	EXPECT	0, %eax, 11
	EXPECT	0, %edx, 11
	WR	MSR_SYSENTER_CS, 0, 0x08, 12
	RD	MSR_SYSENTER_CS, 12
	EXPECT	0x08, %eax, 12
	EXPECT	0, %edx, 12

	RD	MSR_SYSENTER_ESP, 13
	EXPECT	0, %eax, 13
	EXPECT	0, %edx, 13
	WR	MSR_SYSENTER_ESP, 0, 0x7000, 13
	RD	MSR_SYSENTER_ESP, 13
	EXPECT	0x7000, %eax, 13
	EXPECT	0, %edx, 13

	RD	MSR_SYSENTER_EIP, 14
	EXPECT	0, %eax, 14
	EXPECT	0, %edx, 14
	WR	MSR_SYSENTER_EIP, 0, 0x123456, 14
	RD	MSR_SYSENTER_EIP, 14
	EXPECT	0x123456, %eax, 14
	EXPECT	0, %edx, 14

	/* ---- IA32_TSC: readable and not going backwards ---- */
	RD	MSR_TSC, 15
	movl	%eax, %esi
	movl	%edx, %edi
	RD	MSR_TSC, 15
	subl	%esi, %eax
	sbbl	%edi, %edx
	jnc	1f
	FAIL	16
1:
	/* ---- IA32_TSC written: RDTSC, which does not exit, counts on from there ---- */
	WR	MSR_TSC, 0x100, 0, 21
	rdtsc
	EXPECT	0x100, %edx, 22

	/* ---- a PAT type that does not exist: #GP ---- */
	movl	$0, gp_count
	movl	$MSR_PAT, %ecx
	movl	$0x02, %eax
	xorl	%edx, %edx
	wrmsr
	EXPECT	1, gp_count, 23

	/* ---- MTRRs: no ranges, the default type read/write ---- */
	RD	MSR_MTRRCAP, 24
	EXPECT	0, %eax, 24
	EXPECT	0, %edx, 24
	RD	MSR_MTRR_DEF_TYPE, 25
	EXPECT	0x806, %eax, 25
	EXPECT	0, %edx, 25
	WR	MSR_MTRR_DEF_TYPE, 0, 0x800, 26
	RD	MSR_MTRR_DEF_TYPE, 26
	EXPECT	0x800, %eax, 26
	movl	$0, gp_count
	movl	$MSR_MTRR_DEF_TYPE, %ecx
	movl	$0x802, %eax		/* type 2 does not exist */
	xorl	%edx, %edx
	wrmsr
	movl	$0x1806, %eax		/* bit 12 is reserved */
	wrmsr
	EXPECT	2, gp_count, 27
	movl	$0, gp_count
	movl	$MSR_MTRRCAP, %ecx
	xorl	%eax, %eax
	wrmsr
	EXPECT	1, gp_count, 28
	WR	MSR_BIOS_SIGN_ID, 0, 0, 29
	RD	MSR_BIOS_SIGN_ID, 29
	EXPECT	0, %eax, 29
	EXPECT	0, %edx, 29
	/* ---- unknown MSR: #GP(0), registers untouched ---- */
	movl	$0, gp_count
	movl	$0xFFFFFFFF, gp_error
	movl	$MSR_BOGUS, %ecx
	movl	$0xA5A5A5A5, %eax
	movl	$0x5A5A5A5A, %edx
	rdmsr
	EXPECT	1, gp_count, 17
	EXPECT	0, gp_error, 18
	EXPECT	0xA5A5A5A5, %eax, 19
	EXPECT	0x5A5A5A5A, %edx, 19

	movl	$0, gp_count
	movl	$0xFFFFFFFF, gp_error
	movl	$MSR_BOGUS, %ecx
	xorl	%eax, %eax
	xorl	%edx, %edx
	wrmsr
	EXPECT	1, gp_count, 20
	EXPECT	0, gp_error, 18

	xorl	%eax, %eax		/* pass */

	REPORT

	SET_GATE_FUNCTION

/* #GP: count it, keep the error code, skip the 2-byte RDMSR/WRMSR */
gp_handler:
	incl	gp_count
	popl	gp_error
	addl	$2, (%esp)
	iret

/* one stub per exception vector: push the vector, report it */
	VECTOR_STUBS NVEC

unexpected:
	popl	%eax
	addl	$0x100, %eax
	jmp	report

	.balign	4
gp_count:	.long	0
gp_error:	.long	0

	DESCRIPTOR_TABLES NVEC
