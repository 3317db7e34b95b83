/* guest: load=0x8000 mode=protected */
/*
 * hlt_pit: timer interrupts through the emulated 8259A pair and 8254 PIT,
 * and HLT with interrupts enabled.  The PIC is remapped to vectors
 * 0x20-0x2F with only IRQ0 unmasked; PIT channel 0 runs in mode 2 with a
 * count of 11932 (1193182 Hz / 11932 = ~100 Hz, ~10 ms).  The guest does
 * `sti; hlt` until its IRQ0 handler (which sends a non-specific EOI) has
 * counted 10 ticks.  If the VMM never injects the interrupt the guest stays
 * halted for ever (the harness timeout catches that).
 *
 * The PIT counts on TSC time from its programming on, so tick n comes n
 * PIT periods after it, and never sooner: a halt sleeps in host time (a
 * timed wait) until the next tick's TSC.  The guest reads the TSC before
 * it programs the PIT and in the handler, and checks each tick against
 * the host TSC's rate (test port 0xD8, in kHz): tick n at least n * 10 ms
 * on (the period is 10.0002 ms).  How long a wait lasts past that also depends on the
 * other vCPUs the scheduler runs first, so for the sleep's resolution the
 * guest reads what the VMM measured when it woke (test port 0xDC: TSC
 * counts past the deadline) after each tick: at most 1 ms for most of them
 * (docs/vmm.md; QEMU follows its host's clock, and a loaded host stalls
 * it now and then, while Bochs keeps every wake-up within the limit).
 *
 * Failure codes (port 0xF0):
 *   1  100 wake-ups from HLT without 10 timer ticks
 *   2  master PIC IMR (port 0x21) does not read back 0xFE
 *   3  slave PIC IMR (port 0xA1) does not read back 0xFF
 *   4  the TSC rate port reads 0 (the VMM does not know the host's TSC rate)
 *   5  tick n came sooner than n * 10 ms after the PIT's programming (virtual time jumped)
 *   6  the VMM woke more than 1 ms after the deadline for half the halts or more
 *   0x100 + n  unexpected exception n
 *   0x200 + n  unexpected (masked) IRQ n, n = 1..15 except spurious 7 and 15
 */
#include "guest.h"

	.code32
	.text
	.globl	start

	.set	PIT_CH0, 0x40
	.set	PIT_CMD, 0x43
	.set	PIT_HZ, 1193182
	.set	PIT_COUNT, (PIT_HZ + 50) / 100	/* 11932: ~10 ms */
	.set	NVEC, 0x30
	.set	HALT_LATE_PORT, 0xDC
	.set	TICKS, 10

start:
	/* vectors 0x00-0x2F -> stubs + 8 * n, then IRQ0 -> timer_handler */
	GUEST_ENTRY NVEC
	SET_GATE 0x20, timer_handler
	lidt	idt_desc

	PIC_INIT 0xFE, 0xFF		/* IRQ 0 alone unmasked */

	xorl	%eax, %eax
	inb	$PIC1_DATA, %al
	EXPECT	0xFE, %eax, 2
	inb	$PIC2_DATA, %al
	EXPECT	0xFF, %eax, 3

	/* 8254: channel 0, lobyte/hibyte, mode 2 (rate generator), binary */
	rdtsc
	movl	%eax, start_tsc
	movl	%edx, start_tsc + 4
	movb	$0x34, %al
	outb	%al, $PIT_CMD
	movb	$(PIT_COUNT & 0xFF), %al
	outb	%al, $PIT_CH0
	movb	$(PIT_COUNT >> 8), %al
	outb	%al, $PIT_CH0

	/* the TSC counts in 10 ms and in 11 ms */
	TSC_KHZ	4
	movl	%eax, late_max		/* 1 ms */
	imull	$10, %eax, %ecx
	movl	%ecx, wait_min

	/* sti; hlt until TICKS ticks (STI's shadow makes the pair atomic) */
	movl	$100, %ecx
1:	sti
	hlt
	cli
	movl	$HALT_LATE_PORT, %edx
	inl	%dx, %eax
	cmpl	late_max, %eax
	jbe	2f
	incl	late_halts
2:	cmpl	$TICKS, ticks
	jae	3f
	loop	1b
	FAIL	1

	/* tick n (from 1) at least n * wait_min after the start */
3:	xorl	%ebx, %ebx
	xorl	%ecx, %ecx
4:	addl	wait_min, %ecx
	movl	waits(,%ebx,4), %eax
	cmpl	%ecx, %eax
	jae	5f
	FAIL	5
5:	incl	%ebx
	cmpl	$TICKS, %ebx
	jb	4b
	cmpl	$TICKS / 2, late_halts
	jb	6f
	FAIL	6
6:	xorl	%eax, %eax		/* pass */

	REPORT

	SET_GATE_FUNCTION

/* IRQ0: note the TSC counts since the start (saturated at 32 bits), count the tick, non-specific EOI */
timer_handler:
	pushl	%eax
	pushl	%edx
	pushl	%ebx
	rdtsc
	subl	start_tsc, %eax
	sbbl	start_tsc + 4, %edx
	jz	1f
	movl	$0xFFFFFFFF, %eax
1:	movl	ticks, %ebx
	cmpl	$TICKS, %ebx
	jae	2f
	movl	%eax, waits(,%ebx,4)
2:	incl	ticks
	movb	$0x20, %al
	outb	%al, $PIC1_CMD
	popl	%ebx
	popl	%edx
	popl	%eax
	iret

/* one stub per vector 0x00-0x2F: push the vector */
	VECTOR_STUBS NVEC

unexpected:
	cmpl	$0x20, (%esp)
	jae	1f
	popl	%eax			/* exception */
	addl	$0x100, %eax
	jmp	report
1:	cmpl	$0x27, (%esp)		/* spurious IRQ7: no EOI */
	je	3f
	cmpl	$0x2F, (%esp)		/* spurious IRQ15: EOI the master only */
	je	2f
	popl	%eax			/* a masked IRQ was delivered */
	addl	$0x200 - 0x20, %eax
	jmp	report
2:	pushl	%eax
	movb	$0x20, %al
	outb	%al, $PIC1_CMD
	popl	%eax
3:	addl	$4, %esp
	iret

	.balign	4
ticks:	.long	0
start_tsc:	.quad	0	/* before the PIT's programming */
waits:	.fill	TICKS, 4, 0	/* TSC counts from the start to each tick */
late_halts:	.long	0		/* halts the VMM woke from more than 1 ms late */
wait_min:	.long	0		/* TSC counts in 10 ms */
late_max:	.long	0		/* TSC counts in 1 ms */

	DESCRIPTOR_TABLES NVEC
