/* guest: load=0x8000 mode=protected */
/*
 * smp: a guest of two vCPUs (vcpus=2) whose second one, the AP, is started
 * by INIT and STARTUP IPIs through the local APIC, as an OS starts its
 * processors (Intel SDM vol. 3, 8.4.4).  The BSP checks its own local
 * APIC, copies a real-mode trampoline to 0x9000, and sends INIT, STARTUP
 * with vector 0x09 (CS:IP = 0900:0000) and a second STARTUP (the SDM's
 * sequence; the running AP must ignore it) to APIC ID 1.  The AP counts
 * AP_COUNT times in memory both share, records what it sees (its initial
 * APIC ID from CPUID, its APIC base MSR) and sets a done flag.
 * The BSP polls the flag (each poll an I/O exit, so that the scheduler can
 * run the AP meanwhile even without a preemption timer), at most
 * POLL_LIMIT times, then checks what the AP wrote.  The AP spins on after
 * its flag (with IF=1: no interrupt reaches an AP, and Bochs's SVM ends
 * the slice of no guest with IF=0), so the BSP then sends INIT and
 * STARTUP to a running AP: the AP must start again, at a second
 * trampoline (vector 0x0B), which sets a second flag and halts.
 *
 * Failure codes (port 0xF0):
 *   1  the BSP's APIC ID register (0xFEE00020) does not read 0
 *   2  the version register does not read 0x00050014
 *   3  the BSP's APIC base MSR is not 0xFEE00900 (base, enabled, BSP)
 *   4  the AP ran before its STARTUP (after the INIT alone)
 *   5  the ICR reads back with its delivery-status bit (12) set
 *   6  the AP's done flag never came (POLL_LIMIT polls)
 *   7  the shared count is not AP_COUNT
 *   8  the AP's CPUID leaf 1 initial APIC ID (EBX 31:24) is not 1
 *   9  the AP's APIC base MSR is not 0xFEE00800 (no BSP flag)
 *  10  the AP started more than once (the second STARTUP was not ignored)
 *  11  the running AP did not start again after INIT and STARTUP
 */
#include "guest.h"

	.code32
	.text
	.globl	start

	.set	APIC, 0xFEE00000
	.set	APIC_ID, 0x20
	.set	APIC_VERSION, 0x30
	.set	APIC_ICR_LOW, 0x300
	.set	APIC_ICR_HIGH, 0x310
	.set	ICR_BUSY, 1 << 12
	.set	ICR_INIT_ASSERT, 0xC500		/* INIT, level assert, level triggered */
	.set	ICR_INIT_DEASSERT, 0x8500	/* what OSes send next: starts nothing */
	.set	ICR_STARTUP, 0x0600		/* | vector */
	.set	ICR_OTHERS, 3 << 18		/* shorthand: all excluding self */
	.set	MSR_APIC_BASE, 0x1B
	.set	TRAMPOLINE, 0x9000
	.set	VECTOR, TRAMPOLINE >> 12
	.set	TRAMPOLINE2, 0xB000
	.set	VECTOR2, TRAMPOLINE2 >> 12
	.set	SHARED, 0xA000			/* what the AP writes */
	.set	COUNT, SHARED
	.set	DONE, SHARED + 4
	.set	STARTS, SHARED + 8
	.set	AP_APIC_ID, SHARED + 12
	.set	AP_APIC_BASE, SHARED + 16
	.set	DONE2, SHARED + 20
	.set	SHARED_WORDS, 6
	.set	AP_COUNT, 1000
	.set	POLL_LIMIT, 1000000
	.set	POST_PORT, 0x80			/* nothing there: writes are dropped */

start:
	cli
	cld
	movl	$APIC, %esi

	/* the BSP's own APIC: ID 0, the version, the MSR with the BSP flag */
	movl	APIC_ID(%esi), %eax
	EXPECT	0, %eax, 1
	movl	APIC_VERSION(%esi), %eax
	EXPECT	0x00050014, %eax, 2
	movl	$MSR_APIC_BASE, %ecx
	rdmsr
	EXPECT	0xFEE00900, %eax, 3

	/* the shared words and the trampoline */
	xorl	%eax, %eax
	movl	$SHARED, %edi
	movl	$SHARED_WORDS, %ecx
	rep stosl
	COPY_CODE ap_start, ap_end, TRAMPOLINE
	COPY_CODE ap_again, ap_again_end, TRAMPOLINE2
	movl	$APIC, %esi

	/* INIT (assert, then de-assert) to APIC ID 1: the AP must not run yet */
	movl	$(1 << 24), APIC_ICR_HIGH(%esi)
	movl	$ICR_INIT_ASSERT, APIC_ICR_LOW(%esi)
	movl	$ICR_INIT_DEASSERT, APIC_ICR_LOW(%esi)
	movl	STARTS, %eax
	EXPECT	0, %eax, 4

	/* STARTUP to APIC ID 1, then again to all but self: the AP ignores the second */
	movl	$(ICR_STARTUP | VECTOR), APIC_ICR_LOW(%esi)
	movl	APIC_ICR_LOW(%esi), %eax
	testl	$ICR_BUSY, %eax
	jz	1f
	FAIL	5
1:	movl	$(ICR_STARTUP | ICR_OTHERS | VECTOR), APIC_ICR_LOW(%esi)

	/* wait for the AP's done flag */
	movl	$DONE, %ebx
	call	poll
	jnz	3f
	FAIL	6
3:	movl	COUNT, %eax
	EXPECT	AP_COUNT, %eax, 7
	movl	AP_APIC_ID, %eax
	EXPECT	1, %eax, 8
	movl	AP_APIC_BASE, %eax
	EXPECT	0xFEE00800, %eax, 9
	movl	STARTS, %eax
	EXPECT	1, %eax, 10

	/* the AP spins on: INIT and STARTUP must start it again, at TRAMPOLINE2 */
	movl	$ICR_INIT_ASSERT, APIC_ICR_LOW(%esi)
	movl	$(ICR_STARTUP | VECTOR2), APIC_ICR_LOW(%esi)
	movl	$DONE2, %ebx
	call	poll
	jnz	4f
	FAIL	11
4:	xorl	%eax, %eax
	REPORT

/* Polls the word at EBX until it is not 0 (ZF clear), at most POLL_LIMIT times (ZF set). */
poll:
	movl	$POLL_LIMIT, %ecx
1:	cmpl	$0, (%ebx)
	jne	2f
	outb	%al, $POST_PORT
	decl	%ecx
	jnz	1b
2:	ret

/*
 * The AP's code, copied to TRAMPOLINE and entered in real mode at
 * CS:IP = 0900:0000.  Position-independent: relative jumps only, data at
 * absolute addresses through DS = 0.
 */
	.code16
ap_start:
	cli
	xorw	%ax, %ax
	movw	%ax, %ds
	lock incl STARTS
	movl	$1, %eax
	cpuid
	shrl	$24, %ebx
	movl	%ebx, AP_APIC_ID
	movl	$MSR_APIC_BASE, %ecx
	rdmsr
	movl	%eax, AP_APIC_BASE
	movl	$AP_COUNT, %ecx
4:	lock incl COUNT
	decl	%ecx
	jnz	4b
	movl	$1, DONE
	sti				/* for Bochs's SVM, above */
5:	jmp	5b
ap_end:

/* The AP's second start, copied to TRAMPOLINE2. */
ap_again:
	xorw	%ax, %ax
	movw	%ax, %ds
	movl	$1, DONE2
6:	hlt
	jmp	6b
ap_again_end:
