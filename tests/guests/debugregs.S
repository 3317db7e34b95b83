/* guest: load=0x8000 mode=protected */
/*
 * debugregs: the debug registers are the vCPU's own.  MOV to and from
 * DR0-DR7 exits to the VMM on VMX and SVM alike, and each value written
 * reads back (the fixed bits of DR6 and DR7 as the CPU keeps them); a
 * fresh vCPU starts at the reset values.  DR7 arming DR0 (an execute
 * breakpoint nowhere the guest runs) makes the kernel load DR0-3 into
 * the CPU before each entry; that must change nothing the guest sees.
 *
 * Failure codes (port 0xF0):
 *   1  DR0-DR3 not 0 at reset
 *   2  DR6 not 0xFFFF0FF0 at reset
 *   3  DR7 not 0x400 at reset
 *   4  DR0-DR3 did not read back what was written
 *   5  DR6 written 0 did not read 0xFFFF0FF0
 *   6  DR7 written 0xFFFFDFFF did not read 0xFFFF07FF (bits 11, 12, 14, 15 stay 0;
 *      GD, bit 13, is left clear: it would make the next MOV DR a #DB)
 *   7  DR4/DR5 (CR4.DE clear) are not DR6/DR7
 *   8  DR0-DR3 changed after many exits with DR7 arming DR0
 *   0x100 + n  unexpected exception n
 */
#include "guest.h"

	.code32
	.text
	.globl	start

	.set	NVEC, 32

/* RDDR n, reg: reg = DRn */
.macro	RDDR n, reg
	movl	%db\n, \reg
.endm

start:
	GUEST_ENTRY NVEC
	lidt	idt_desc

	/* ---- reset values ---- */
	RDDR	0, %eax
	RDDR	1, %ebx
	orl	%ebx, %eax
	RDDR	2, %ebx
	orl	%ebx, %eax
	RDDR	3, %ebx
	orl	%ebx, %eax
	EXPECT	0, %eax, 1
	RDDR	6, %eax
	EXPECT	0xFFFF0FF0, %eax, 2
	RDDR	7, %eax
	EXPECT	0x400, %eax, 3

	/* ---- DR0-DR3 read back ---- */
	movl	$0x11111110, %eax
	movl	%eax, %db0
	movl	$0x22222220, %ecx
	movl	%ecx, %db1
	movl	$0x33333330, %edx
	movl	%edx, %db2
	movl	$0x44444440, %esi
	movl	%esi, %db3
	call	check_dr0_3
	/* ---- DR6 and DR7: fixed bits ---- */
	xorl	%eax, %eax
	movl	%eax, %db6
	RDDR	6, %eax
	EXPECT	0xFFFF0FF0, %eax, 5
	movl	$0xFFFFDFFF, %eax
	movl	%eax, %db7
	RDDR	7, %eax
	EXPECT	0xFFFF07FF, %eax, 6
	/* ---- DR4 and DR5 alias DR6 and DR7 ---- */
	RDDR	5, %eax
	EXPECT	0xFFFF07FF, %eax, 7
	movl	$0x401, %eax
	movl	%eax, %db5
	RDDR	7, %eax
	EXPECT	0x401, %eax, 7
	RDDR	4, %eax
	EXPECT	0xFFFF0FF0, %eax, 7

	/* ---- DR7 arms DR0 (execute at 0x11111110): entries load DR0-3 ---- */
	movl	$200, %edi
1:	outl	%eax, $SCRATCH		/* an exit each round */
	decl	%edi
	jnz	1b
	call	check_dr0_3
	xorl	%eax, %eax
	movl	%eax, %db7

	xorl	%eax, %eax		/* pass */
	REPORT

check_dr0_3:
	RDDR	0, %eax
	EXPECT	0x11111110, %eax, 4
	RDDR	1, %eax
	EXPECT	0x22222220, %eax, 4
	RDDR	2, %eax
	EXPECT	0x33333330, %eax, 4
	RDDR	3, %eax
	EXPECT	0x44444440, %eax, 4
	ret

	SET_GATE_FUNCTION

	VECTOR_STUBS NVEC

unexpected:
	popl	%eax
	addl	$0x100, %eax
	jmp	report

	DESCRIPTOR_TABLES NVEC
