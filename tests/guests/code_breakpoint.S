/* guest: load=0x8000 mode=protected */
/*
 * code_breakpoint: a hardware code breakpoint (DR0 = an instruction's
 * address, DR7 L0 with RW0 = LEN0 = 00) is a fault-class #DB (SDM vol. 3,
 * 17.3.1.1; APM vol. 2, 13.1.1.5): it comes before the instruction runs,
 * with the instruction's EIP pushed and B0 alone of DR6's causes set, and
 * the handler's IRET with RF set in the pushed EFLAGS runs the instruction
 * once without a second #DB.  The handler sets RF whatever DR6 says, so a
 * wrong DR6 and a breakpoint taken again are told apart; it disarms DR7 at
 * the fifth #DB, so a breakpoint that keeps firing still ends.  The #DB is
 * intercepted by the kernel on VMX and SVM alike and goes back to the
 * guest from there (kernel/vcpu_vmx.c, kernel/vcpu_svm.c).
 *
 * Failure codes (port 0xF0):
 *   1  no #DB: the instruction ran without one
 *   2  more than one #DB for the one breakpoint
 *   3  the pushed EIP is not the breakpoint's address
 *   4  the instruction did not run exactly once after the #DB
 *   5  DR6 in the handler (the first #DB): of B0-B3, BD, BS, BT not B0 alone
 * (DR6 comes last: Bochs 2.7's SVM gets only it wrong, and the others still
 * count there.)
 *   0x100 + n  unexpected exception n
 */
#include "guest.h"

	.code32
	.text
	.globl	start

	.set	NVEC, 32
	.set	DR7_L0, 0x401		/* L0, bit 10 (reads 1); RW0 = LEN0 = 00: execute */
	.set	DR6_CAUSES, 0xE00F	/* B0-B3, BD, BS, BT */
	.set	DR6_B0, 1
	.set	EFLAGS_RF, 0x10000
	.set	MAX_DB, 5

start:
	GUEST_ENTRY NVEC
	SET_GATE 1, db_handler
	lidt	idt_desc

	xorl	%eax, %eax
	movl	%eax, %db6		/* no cause left over */
	movl	$bp_insn, %eax
	movl	%eax, %db0
	xorl	%esi, %esi
	movl	$DR7_L0, %eax
	movl	%eax, %db7
	nop
bp_insn:
	incl	%esi			/* the breakpoint: runs once, after the #DB */
	xorl	%eax, %eax
	movl	%eax, %db7

	movl	db_count, %eax
	EXPECT_AT_LEAST 1, %eax, 1
	EXPECT	1, %eax, 2
	movl	db_eip, %eax
	EXPECT	bp_insn, %eax, 3
	EXPECT	1, %esi, 4
	movl	db_dr6, %eax
	andl	$DR6_CAUSES, %eax
	EXPECT	DR6_B0, %eax, 5

	xorl	%eax, %eax		/* pass */
	REPORT

/* #DB: count it, keep the first one's EIP and DR6, resume with RF. */
db_handler:
	pushl	%eax
	incl	db_count
	cmpl	$1, db_count
	jne	1f
	movl	4(%esp), %eax		/* the pushed EIP */
	movl	%eax, db_eip
	movl	%db6, %eax
	movl	%eax, db_dr6
1:	cmpl	$MAX_DB, db_count
	jb	2f
	xorl	%eax, %eax		/* a breakpoint that keeps firing: disarm it */
	movl	%eax, %db7
2:	xorl	%eax, %eax
	movl	%eax, %db6		/* as a handler does: DR6's causes are sticky */
	orl	$EFLAGS_RF, 12(%esp)	/* the pushed EFLAGS: run the instruction, no #DB */
	popl	%eax
	iret

	SET_GATE_FUNCTION

	VECTOR_STUBS NVEC

	UNEXPECTED_FAILS

	.balign	4
db_count:	.long	0
db_eip:		.long	0
db_dr6:		.long	0

	DESCRIPTOR_TABLES NVEC
