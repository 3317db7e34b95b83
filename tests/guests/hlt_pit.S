/* guest: load=0x8000 mode=protected */
/*
 * hlt_pit: timer interrupts through the emulated 8259A pair and 8254 PIT,
 * and HLT with interrupts enabled.  The PIC is remapped to vectors
 * 0x20-0x2F with only IRQ0 unmasked; PIT channel 0 runs in mode 2 with a
 * count of 11932 (1193182 Hz / 11932 = ~100 Hz, ~10 ms).  The guest does
 * `sti; hlt` until its IRQ0 handler (which sends a non-specific EOI) has
 * counted 3 ticks.  If the VMM never injects the interrupt the guest stays
 * halted for ever (the harness timeout catches that).
 *
 * Failure codes (port 0xF0):
 *   1  100 wake-ups from HLT without 3 timer ticks
 *   2  master PIC IMR (port 0x21) does not read back 0xFE
 *   3  slave PIC IMR (port 0xA1) does not read back 0xFF
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

start:
	cli
	cld
	LOAD_FLAT_GDT

	/* vectors 0x00-0x2F -> stubs + 8 * n, then IRQ0 -> timer_handler */
	IDT_FILL NVEC
	movl	$0x20, %eax
	movl	$timer_handler, %edx
	call	set_gate
	lidt	idt_desc

	PIC_INIT 0xFE, 0xFF		/* IRQ 0 alone unmasked */

	xorl	%eax, %eax
	inb	$PIC1_DATA, %al
	EXPECT	0xFE, %eax, 2
	inb	$PIC2_DATA, %al
	EXPECT	0xFF, %eax, 3

	/* 8254: channel 0, lobyte/hibyte, mode 2 (rate generator), binary */
	movb	$0x34, %al
	outb	%al, $PIT_CMD
	movb	$(PIT_COUNT & 0xFF), %al
	outb	%al, $PIT_CH0
	movb	$(PIT_COUNT >> 8), %al
	outb	%al, $PIT_CH0

	/* sti; hlt until three ticks (STI's shadow makes the pair atomic) */
	movl	$100, %ecx
1:	sti
	hlt
	cli
	cmpl	$3, ticks
	jae	2f
	loop	1b
	FAIL	1
2:	xorl	%eax, %eax		/* pass */

	REPORT

	SET_GATE_FUNCTION

/* IRQ0: count the tick, non-specific EOI */
timer_handler:
	pushl	%eax
	incl	ticks
	movb	$0x20, %al
	outb	%al, $PIC1_CMD
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

	DESCRIPTOR_TABLES NVEC
