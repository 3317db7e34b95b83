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
	.code32
	.text
	.globl	start

	.set	RESULT_PORT, 0xF0
	.set	PIC1_CMD, 0x20
	.set	PIC1_DATA, 0x21
	.set	PIC2_CMD, 0xA0
	.set	PIC2_DATA, 0xA1
	.set	PIT_CH0, 0x40
	.set	PIT_CMD, 0x43
	.set	PIT_HZ, 1193182
	.set	PIT_COUNT, (PIT_HZ + 50) / 100	/* 11932: ~10 ms */
	.set	NVEC, 0x30

.macro	FAIL code
	movl	$\code, %eax
	jmp	report
.endm

.macro	EXPECT val, opnd, code
	cmpl	$\val, \opnd
	je	.Lok\@
	FAIL	\code
.Lok\@:
.endm

start:
	cli
	cld
	lgdt	gdt_desc
	ljmp	$0x08, $1f
1:	movw	$0x10, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %fs
	movw	%ax, %gs
	movw	%ax, %ss

	/* vectors 0x00-0x2F -> stubs + 8 * n, then IRQ0 -> timer_handler */
	xorl	%eax, %eax
1:	leal	stubs(,%eax,8), %edx
	call	set_gate
	incl	%eax
	cmpl	$NVEC, %eax
	jb	1b
	movl	$0x20, %eax
	movl	$timer_handler, %edx
	call	set_gate
	lidt	idt_desc

	/* 8259A: ICW1 (edge, cascade, ICW4), ICW2 (base), ICW3, ICW4 (8086) */
	movb	$0x11, %al
	outb	%al, $PIC1_CMD
	outb	%al, $PIC2_CMD
	movb	$0x20, %al
	outb	%al, $PIC1_DATA
	movb	$0x28, %al
	outb	%al, $PIC2_DATA
	movb	$0x04, %al		/* slave on IRQ2 */
	outb	%al, $PIC1_DATA
	movb	$0x02, %al		/* slave identity 2 */
	outb	%al, $PIC2_DATA
	movb	$0x01, %al
	outb	%al, $PIC1_DATA
	outb	%al, $PIC2_DATA
	/* OCW1: unmask IRQ0 only */
	movb	$0xFE, %al
	outb	%al, $PIC1_DATA
	movb	$0xFF, %al
	outb	%al, $PIC2_DATA

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

report:
	movw	$RESULT_PORT, %dx
	outl	%eax, %dx
	cli
1:	hlt
	jmp	1b

/* set_gate: IDT entry EAX = 32-bit interrupt gate to EDX (selector 0x08) */
set_gate:
	pushl	%edx
	leal	idt(,%eax,8), %ecx
	movw	%dx, (%ecx)
	movw	$0x08, 2(%ecx)
	movw	$0x8E00, 4(%ecx)
	shrl	$16, %edx
	movw	%dx, 6(%ecx)
	popl	%edx
	ret

/* IRQ0: count the tick, non-specific EOI */
timer_handler:
	pushl	%eax
	incl	ticks
	movb	$0x20, %al
	outb	%al, $PIC1_CMD
	popl	%eax
	iret

/* one 8-byte stub per vector 0x00-0x2F: push the vector */
	.balign	8
stubs:
	.set	vec, 0
	.rept	NVEC
	.balign	8
	pushl	$vec
	jmp	unexpected
	.set	vec, vec + 1
	.endr

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

	.balign	8
gdt:	.quad	0
	.quad	0x00CF9A000000FFFF	/* 0x08: code, base 0, limit 4 GiB */
	.quad	0x00CF92000000FFFF	/* 0x10: data, base 0, limit 4 GiB */
gdt_end:

	.balign	4
	.word	0
gdt_desc:
	.word	gdt_end - gdt - 1
	.long	gdt

	.word	0
idt_desc:
	.word	NVEC * 8 - 1
	.long	idt

	.balign	8
idt:	.fill	NVEC * 8, 1, 0
