/* guest: load=0x8000 mode=protected */
/*
 * timer_routes: the PIT's interrupts come to a guest that spins with no
 * exit after their route to the CPU opened.  The VMM keeps the platform
 * timers' next deadline, and the route by which it reaches a CPU, from
 * one exit to the next, and works them out again only after an access
 * that may change them (docs/vmm.md, "Catching up"); a VMM that missed
 * one would leave the route closed in its exit deadline and give the
 * spinning guest no interrupt.  Each phase closes a route and opens it
 * again at once, well within the PIT's 10 ms period (no timer deadline
 * passes between), then spins for SPIN_MS ms with interrupts on and no
 * exit (RDTSC does not exit) and counts the interrupts:
 *   1. the 8259: IRQ 0 masked while the PIT is programmed, then unmasked;
 *   2. the BSP's LINT0: masked, then ExtINT again (local APIC writes), with
 *      a write of the 8259's unchanged mask between, which makes the VMM
 *      work out its deadline while LINT0 is closed;
 *   3. the I/O APIC: the 8259 all masked, then pin 2 (IRQ 0, the MADT's
 *      override) unmasked to vector VEC_IOAPIC (I/O APIC writes).
 * Phases 2 and 3 start right after an interrupt (HLT waits for one), so
 * that none is pending when the spin begins.  SPIN_MS is long enough for
 * 3 of its 10 ms periods even when the test run's spinners take 20 ms
 * slices of the CPU meanwhile.
 *
 * Failure codes (port 0xF0):
 *   1, 2, 3  fewer than 3 interrupts in the spin of phase 1, 2 or 3
 *   7  the TSC rate port reads 0
 *   0x100 + n  unexpected vector n
 */
#include "guest.h"

	.code32
	.text
	.globl	start

	.set	PIT_COUNT, 11932		/* 100 Hz: 10 ms */
	.set	IOAPIC, 0xFEC00000		/* IOREGSEL; IOWIN at +0x10 */
	.set	IOAPIC_PIN2_LOW, 0x14		/* redirection entry 2 */
	.set	IOAPIC_PIN2_HIGH, 0x15
	.set	VEC_PIT, 0x20
	.set	VEC_IOAPIC, 0x30
	.set	NVEC, 0x40
	.set	SPIN_MS, 200

start:
	GUEST_ENTRY NVEC
	SET_GATE VEC_PIT, pit_handler
	SET_GATE VEC_IOAPIC, ioapic_handler
	lidt	idt_desc
	PIC_INIT 0xFF, 0xFF		/* every line masked */

	movl	$TSC_KHZ_PORT, %edx
	inl	%dx, %eax
	testl	%eax, %eax
	jnz	1f
	FAIL	7
1:	imull	$SPIN_MS, %eax
	movl	%eax, spin_tsc

	movl	$APIC, %esi
	movl	$0x1FF, APIC_SVR(%esi)
	movl	$LVT_EXTINT, APIC_LVT_LINT0(%esi)

	/* 1: the PIT programmed with IRQ 0 masked at the 8259, then unmasked */
	PIT_RATE_GENERATOR PIT_COUNT
	movb	$0xFE, %al
	outb	%al, $PIC1_DATA
	call	spin
	EXPECT_AT_LEAST 3, count, 1

	/* 2: LINT0 masked and opened again, right after a tick */
	sti
	hlt
	cli
	movl	$(LVT_MASKED | LVT_EXTINT), APIC_LVT_LINT0(%esi)
	movb	$0xFE, %al		/* the same mask: the VMM looks at the routes, LINT0 closed */
	outb	%al, $PIC1_DATA
	movl	$LVT_EXTINT, APIC_LVT_LINT0(%esi)
	call	spin
	EXPECT_AT_LEAST 3, count, 2

	/* 3: the 8259 closed, the I/O APIC's pin 2 opened, right after a tick */
	sti
	hlt
	cli
	movb	$0xFF, %al
	outb	%al, $PIC1_DATA
	movl	$IOAPIC_PIN2_HIGH, IOAPIC
	movl	$0, IOAPIC + 0x10		/* to APIC ID 0 */
	movl	$IOAPIC_PIN2_LOW, IOAPIC
	movl	$VEC_IOAPIC, IOAPIC + 0x10	/* fixed, physical, edge, unmasked */
	call	spin
	EXPECT_AT_LEAST 3, count, 3

	xorl	%eax, %eax		/* pass */
	REPORT

/* spin: count from 0 the interrupts in SPIN_MS ms with interrupts on and no exit; returns with them off */
spin:
	movl	$0, count
	rdtsc
	movl	%eax, %ebx
	movl	%edx, %ecx
	sti
1:	rdtsc
	subl	%ebx, %eax
	sbbl	%ecx, %edx
	jnz	2f
	cmpl	spin_tsc, %eax
	jb	1b
2:	cli
	ret

/* IRQ 0 through the 8259: count it, then a non-specific EOI */
pit_handler:
	incl	count
	pushl	%eax
	movb	$0x20, %al
	outb	%al, $PIC1_CMD
	popl	%eax
	iret

/* IRQ 0 through the I/O APIC: count it, then the local APIC's EOI */
ioapic_handler:
	incl	count
	movl	$0, APIC + APIC_EOI
	iret

	SET_GATE_FUNCTION

/* one stub per vector: push the vector */
	VECTOR_STUBS NVEC

	UNEXPECTED_FAILS

	.balign	4
spin_tsc:	.long	0		/* SPIN_MS ms in TSC counts */
count:		.long	0		/* interrupts in the current spin */

	DESCRIPTOR_TABLES NVEC
