/* guest: load=0x8000 mode=protected */
/*
 * single_step_exit: single-steps (RFLAGS.TF) over instructions that exit
 * (CPUID, OUT), between ones that do not, twenty times.  An exit ends the
 * instruction in the hypervisor, so no single-step #DB of it may reach
 * the host: Bochs 2.7's SVM delivers the guest's pending one right after
 * #VMEXIT, in the host's ring 0, and the kernel must let it pass without
 * harm (docs/vm-exit-protocol.md, "A Bochs 2.7 quirk worth knowing").  The
 * guest then must go on stepping: the #DB after each instruction that did
 * not exit still comes, at the next instruction's EIP.
 *
 * Failure codes (port 0xF0):
 *   1  no single-step #DB after the second NOP (before any exit)
 *   2  no single-step #DB after the NOP after the CPUID
 *   3  no single-step #DB after the NOP after the OUT
 *   4  TF still set after the POPF that cleared it
 * (Whether a #DB comes for the CPUID or the OUT is not checked: the VMM,
 * which runs them, does not single-step them: docs/vmm.md, "Left out
 * and known limits".)
 *   0x100 + n  unexpected exception n
 */
#include "guest.h"

	.code32
	.text
	.globl	start

	.set	NVEC, 32
	.set	EFLAGS_TF, 0x100
	.set	ROUNDS, 20

start:
	GUEST_ENTRY NVEC
	SET_GATE 1, db_handler
	lidt	idt_desc

	movl	$ROUNDS, %edi		/* many rounds: the exits meet the host's timer too */
round:
	movl	$0, db_seen
	pushfl
	orl	$EFLAGS_TF, (%esp)
	popfl				/* TF on: the #DBs start after the next instruction */
	nop
after_nop1:
	nop
after_nop2:
	xorl	%eax, %eax
	cpuid				/* exits */
	nop
after_nop3:
	nop
	outl	%eax, $SCRATCH		/* exits */
	nop
after_nop4:
	pushfl
	andl	$~EFLAGS_TF, (%esp)
	popfl				/* TF off */
	movl	db_seen, %eax
	testl	$1, %eax
	jnz	1f
	FAIL	1
1:	testl	$2, %eax
	jnz	2f
	FAIL	2
2:	testl	$4, %eax
	jnz	3f
	FAIL	3
3:	pushfl
	popl	%eax
	testl	$EFLAGS_TF, %eax
	jz	4f
	FAIL	4
4:	decl	%edi
	jnz	round

	xorl	%eax, %eax		/* pass */
	REPORT

/* #DB: note which of the marked instructions it came after. */
db_handler:
	pushl	%eax
	movl	4(%esp), %eax		/* the pushed EIP: the next instruction */
	cmpl	$after_nop2, %eax
	jne	1f
	orl	$1, db_seen
1:	cmpl	$after_nop3, %eax
	jne	2f
	orl	$2, db_seen
2:	cmpl	$after_nop4, %eax
	jne	3f
	orl	$4, db_seen
3:	popl	%eax
	iret

	SET_GATE_FUNCTION

	VECTOR_STUBS NVEC

	UNEXPECTED_FAILS

	.balign	4
db_seen:	.long	0

	DESCRIPTOR_TABLES NVEC
