/*
 * guest.h: the pieces every test guest would otherwise copy.  Include it
 * after the guest's description comment (the first line of a guest must stay
 * its "guest: load=... mode=..." line):
 *
 *	#include "guest.h"
 *
 * It only defines constants and macros and emits no bytes by itself, so a
 * guest still decides where each piece of code or data goes.  The macros
 * work in .code16 as well as .code32: the assembler picks the encoding where
 * a macro is used.
 *
 * Result convention: EAX = 0 (pass) or a failure code, then `jmp report`.
 */

/* ---- VMM conventions (tests/guests/README.md) ---- */
	.set	RESULT_PORT, 0xF0	/* 32-bit result, 0 = pass */
	.set	SCRATCH, 0xE0		/* 0xE0-0xE3: scratch I/O register */
	.set	CONSTPORT, 0xF8		/* read-only 0x12345678 */
	.set	MMIO_PAGE, 0xFEB00000	/* scratch MMIO page, not RAM */
	.set	HC_PING, 0		/* VMCALL 0: returns EBX + 1 */
	.set	HC_PUTC, 1		/* VMCALL 1: console byte in EBX */
	.set	TSC_KHZ_PORT, 0xD8	/* read-only: the host TSC's rate in kHz (0: unknown) */
	.set	APIC, 0xFEE00000	/* the local APIC's page (xAPIC) */
	.set	APIC_ICR_LOW, 0x300
	.set	APIC_ICR_HIGH, 0x310
	.set	ICR_INIT_ASSERT, 0xC500		/* INIT, level assert, level triggered */
	.set	ICR_INIT_DEASSERT, 0x8500	/* what OSes send next: starts nothing */
	.set	ICR_STARTUP, 0x0600		/* | vector */
	.set	PIT_CHANNEL0, 0x40	/* the 8254's counter 0 */
	.set	PIT_CONTROL, 0x43	/* and its control word */
	.set	PIT_INPUT_HZ, 1193182	/* its input clock */
	.set	TSC_KHZ_PORT, 0xD8	/* the TSC's rate in kHz (testdev.c) */
	/* the local APIC at its reset base, the registers the timer guests use */
	.set	APIC, 0xFEE00000
	.set	APIC_EOI, 0xB0
	.set	APIC_SVR, 0xF0
	.set	APIC_LVT_LINT0, 0x350
	.set	LVT_EXTINT, 0x700	/* LINT0: the 8259's interrupts, as a BIOS leaves it */
	.set	LVT_MASKED, 0x10000

/* FAIL code: report a failure code (does not return) */
.macro	FAIL code
	movl	$\code, %eax
	jmp	report
.endm

/* PIT_RATE_GENERATOR count: the PIT's channel 0 in mode 2 (binary, LSB then MSB) at PIT_INPUT_HZ / count (clobbers AL) */
.macro	PIT_RATE_GENERATOR count
	movb	$0x34, %al
	outb	%al, $PIT_CONTROL
	movb	$(\count & 0xFF), %al
	outb	%al, $PIT_CHANNEL0
	movb	$(\count >> 8), %al
	outb	%al, $PIT_CHANNEL0
.endm

/* EXPECT_AT_LEAST min, operand, code: fail with code unless operand >= min (unsigned) */
.macro	EXPECT_AT_LEAST min, opnd, code
	cmpl	$\min, \opnd
	jae	.Lok\@
	FAIL	\code
.Lok\@:
.endm

/* EXPECT value, operand, code: fail with code unless operand == value */
.macro	EXPECT val, opnd, code
	cmpl	$\val, \opnd
	je	.Lok\@
	FAIL	\code
.Lok\@:
.endm

/*
 * MULTIBOOT_HEADER: a Multiboot (v1) header with the address fields (flags
 * bit 16) and a request for the memory sizes (bit 1), for a guest whose
 * image starts with it (load_addr = header_addr); entry at `start`.
 */
.macro	MULTIBOOT_HEADER
	.set	MB_MAGIC, 0x1BADB002
	.set	MB_FLAGS, 0x00010002
	.balign	4
mb_header:
	.long	MB_MAGIC
	.long	MB_FLAGS
	.long	-(MB_MAGIC + MB_FLAGS)
	.long	mb_header		/* header_addr */
	.long	mb_header		/* load_addr: the image starts with the header */
	.long	0			/* load_end_addr: load the whole file */
	.long	0			/* bss_end_addr: no bss */
	.long	start			/* entry_addr */
.endm

/* HALT: stop for good; the VMM ends the guest once it has the result */
.macro	HALT
	cli
.Lhalt\@:
	hlt
	jmp	.Lhalt\@	/* an NMI or SMI could wake HLT */
.endm

/* REPORT: the `report` label: write EAX to the result port and halt */
.macro	REPORT
report:
	movw	$RESULT_PORT, %dx
	outl	%eax, %dx
	HALT
.endm

/*
 * Exceptions and interrupts (32-bit guests only).  A guest that wants them
 * loads its own GDT and IDT instead of relying on what the VMM set up:
 *
 *	start:	cli
 *		LOAD_FLAT_GDT
 *		IDT_FILL NVEC		every vector -> its stub
 *		(point some vectors at real handlers with set_gate)
 *		lidt	idt_desc
 *		...
 *		REPORT
 *		SET_GATE_FUNCTION
 *		VECTOR_STUBS NVEC	each stub jumps to the guest's `unexpected`
 *	unexpected: ...		(vector number on the stack)
 *		DESCRIPTOR_TABLES NVEC
 */

/* GUEST_START: a protected-mode guest's first code: `start`, at the head
 * of .text, which is where the VMM enters it (EIP = its load= address), in
 * 32-bit code; interrupts off and string instructions counting up, whatever
 * flags it was entered with */
.macro	GUEST_START
	.code32
	.text
	.globl	start
start:
	cli
	cld
.endm

/* LOAD_FLAT_GDT: our GDT (0x08 = flat code, 0x10 = flat data), reload all
 * segment registers from it; the far jump reloads CS */
.macro	LOAD_FLAT_GDT
	lgdt	gdt_desc
	ljmp	$0x08, $.Lflat_cs\@
.Lflat_cs\@:
	movw	$0x10, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %fs
	movw	%ax, %gs
	movw	%ax, %ss
.endm

/* GUEST_ENTRY nvec: how a guest with its own tables starts: interrupts
 * off, string ops up, our GDT loaded, IDT entries 0..nvec-1 to the stubs
 * (the guest then sets its own gates and loads the IDT) */
.macro	GUEST_ENTRY nvec
	cli
	cld
	LOAD_FLAT_GDT
	IDT_FILL \nvec
.endm

/* IDT_FILL nvec: IDT entries 0..nvec-1 -> stubs + 8 * n (clobbers EAX/ECX/EDX) */
.macro	IDT_FILL nvec
	xorl	%eax, %eax
.Lfill\@:
	leal	stubs(,%eax,8), %edx
	call	set_gate
	incl	%eax
	cmpl	$\nvec, %eax
	jb	.Lfill\@
.endm

/* SET_GATE vector, handler: IDT entry vector -> handler (clobbers EAX/ECX/EDX) */
.macro	SET_GATE vector, handler
	movl	$\vector, %eax
	movl	$\handler, %edx
	call	set_gate
.endm

/* TSC_KHZ code: EAX = the TSC's rate in kHz (TSC_KHZ_PORT); FAIL code if the VMM does not know it */
.macro	TSC_KHZ code
	movl	$TSC_KHZ_PORT, %edx
	inl	%dx, %eax
	testl	%eax, %eax
	jnz	.Ltsc_khz\@
	FAIL	\code
.Ltsc_khz\@:
.endm

/*
 * START_AP vector: INIT (assert, de-assert) and STARTUP with `vector` to
 * APIC ID 1, which starts in real mode at vector << 8 : 0.  Clobbers ESI.
 */
.macro	START_AP vector
	movl	$APIC, %esi
	movl	$(1 << 24), APIC_ICR_HIGH(%esi)
	movl	$ICR_INIT_ASSERT, APIC_ICR_LOW(%esi)
	movl	$ICR_INIT_DEASSERT, APIC_ICR_LOW(%esi)
	movl	$(ICR_STARTUP | \vector), APIC_ICR_LOW(%esi)
.endm

/*
 * AP_ENTRY label: an AP's start in real mode (code copied to its
 * trampoline with COPY_CODE): interrupts off, DS = 0 for data at
 * absolute addresses.  Switches the assembler to 16-bit code.
 */
.macro	AP_ENTRY label
	.code16
\label:
	cli
	xorw	%ax, %ax
	movw	%ax, %ds
.endm

/* COPY_CODE from, end, to: the bytes [from, end) to address to, e.g. an AP's trampoline */
.macro	COPY_CODE from, end, to
	movl	$\from, %esi
	movl	$\to, %edi
	movl	$(\end - \from), %ecx
	rep movsb
.endm

/*
 * UNEXPECTED_REPORTS: the `unexpected` label the vector stubs jump to, for
 * a guest that wants no vector but its own: it reports 0x100 + n for
 * exception n and 0x200 + n for ISA IRQ n (PIC vectors from 0x20).
 */
.macro	UNEXPECTED_REPORTS
unexpected:
	popl	%eax
	cmpl	$0x20, %eax
	jae	.Lirq\@
	addl	$0x100, %eax		/* an exception */
	jmp	report
.Lirq\@:
	addl	$0x200 - 0x20, %eax	/* an IRQ */
	jmp	report
.endm

/* SET_GATE_FUNCTION: the subroutine set_gate, which makes IDT entry EAX a
 * 32-bit interrupt gate (IF cleared on entry) to EDX in code segment 0x08 */
.macro	SET_GATE_FUNCTION
set_gate:
	pushl	%edx
	leal	idt(,%eax,8), %ecx
	movw	%dx, (%ecx)		/* offset 15:0 */
	movw	$0x08, 2(%ecx)		/* selector */
	movw	$0x8E00, 4(%ecx)	/* present, DPL 0, 32-bit interrupt gate */
	shrl	$16, %edx
	movw	%dx, 6(%ecx)		/* offset 31:16 */
	popl	%edx
	ret
.endm

/* UNEXPECTED_FAILS: the `unexpected` of a guest that fails with 0x100 + n at any stray vector n */
.macro	UNEXPECTED_FAILS
unexpected:
	popl	%eax
	addl	$0x100, %eax
	jmp	report
.endm

/* VECTOR_STUBS nvec: one 8-byte stub per vector at `stubs`, which pushes
 * its vector number and jumps to the guest's `unexpected`.  Every stub has
 * the same size so that IDT_FILL can compute its address. */
.macro	VECTOR_STUBS nvec
	.balign	8
stubs:
	.set	vec, 0
	.rept	\nvec
	.balign	8
	pushl	$vec
	jmp	unexpected
	.set	vec, vec + 1
	.endr
.endm

/* FLAT_GDT bits: the GDT `gdt` (0x08 = code, 0x10 = flat data, base 0, limit
 * 4 GiB) with `gdt_desc`, the 6-byte pointer that LGDT reads.  bits is the
 * code segment's: 32, or 64 for a guest that goes to long mode (its
 * `ljmp $0x08` after EFER.LME and CR0.PG enters 64-bit code).  The pointer
 * starts at an address = 2 mod 4 so that its 32-bit base is aligned. */
.macro	FLAT_GDT bits
	.balign	8
gdt:	.quad	0
	.if	\bits == 64
	.quad	0x00AF9A000000FFFF	/* 0x08: 64-bit code (L), base 0 */
	.elseif	\bits == 32
	.quad	0x00CF9A000000FFFF	/* 0x08: code, base 0, limit 4 GiB */
	.else
	.error	"FLAT_GDT: bits must be 32 or 64"
	.endif
	.quad	0x00CF92000000FFFF	/* 0x10: data, base 0, limit 4 GiB */
gdt_end:

	.balign	4
	.word	0
gdt_desc:
	.word	gdt_end - gdt - 1
	.long	gdt
.endm

/* DESCRIPTOR_TABLES nvec: the 32-bit GDT (FLAT_GDT 32) and an IDT of nvec
 * entries (filled at run time), with the 6-byte pointers that LGDT/LIDT
 * read.  The IDT's pointer follows the GDT's, at an address = 2 mod 4 as
 * well. */
.macro	DESCRIPTOR_TABLES nvec
	FLAT_GDT 32

	.word	0
idt_desc:
	.word	\nvec * 8 - 1
	.long	idt

	.balign	8
idt:	.fill	\nvec * 8, 1, 0
.endm

/*
 * POLL_FUNCTION: the subroutine `poll`, which polls the word at EBX until
 * it is not 0 (returns ZF clear), at most POLL_LIMIT times (ZF set; the
 * guest sets POLL_LIMIT).  Each poll writes port 0x80, where nothing
 * answers: an exit, so that the VMM delivers interrupts meanwhile and the
 * scheduler runs other vCPUs even without a preemption timer.  Clobbers ECX.
 */
.macro	POLL_FUNCTION
poll:
	movl	$POLL_LIMIT, %ecx
.Lpoll\@:
	cmpl	$0, (%ebx)
	jne	.Lpolled\@
	outb	%al, $0x80
	decl	%ecx
	jnz	.Lpoll\@
.Lpolled\@:
	ret
.endm

/* ---- The 16550 UART the VMM models (32-bit guests) ---- */
	.set	COM1, 0x3F8

/*
 * DECIMAL: EAX in decimal into the bytes that end at the guest's
 * `digits_end` (10 of them before it at the most); EDI = the first digit
 * (clobbers EAX, EBX, EDX)
 */
.macro	DECIMAL
	movl	$digits_end, %edi
	movl	$10, %ebx
.Ldecimal\@:
	xorl	%edx, %edx
	divl	%ebx
	addb	$'0', %dl
	decl	%edi
	movb	%dl, (%edi)
	testl	%eax, %eax
	jnz	.Ldecimal\@
.endm

/* PUTS_FUNCTION: emits `puts`: send the NUL-terminated string at ESI, polling LSR.THRE */
.macro	PUTS_FUNCTION
puts:
	lodsb
	testb	%al, %al
	jz	.Lputs_done\@
	movb	%al, %ah
	movw	$COM1 + 5, %dx		/* LSR */
.Lputs_wait\@:
	inb	%dx, %al
	testb	$0x20, %al		/* THRE */
	jz	.Lputs_wait\@
	movw	$COM1, %dx		/* THR */
	movb	%ah, %al
	outb	%al, %dx
	jmp	puts
.Lputs_done\@:
	ret
.endm

/*
 * MB_CMDLINE reg: first thing at a Multiboot (v1) entry, with the stack at
 * stack_top: reg = the command line's address (EBX is the info); FAIL 1
 * if EAX is not the boot loader's magic, FAIL 2 if there is no command line.
 */
.macro	MB_CMDLINE reg
	cli
	cld
	movl	$stack_top, %esp
	cmpl	$0x2BADB002, %eax
	je	.Lmb_magic\@
	FAIL	1
.Lmb_magic\@:
	testl	$4, 0(%ebx)		/* flags bit 2: cmdline */
	jnz	.Lmb_cmdline\@
	FAIL	2
.Lmb_cmdline\@:
	movl	16(%ebx), \reg		/* its physical address */
.endm

/* ECHO_LINE prefix: print the string at prefix, the guest's `line` and its `crlf`, with `puts` */
.macro	ECHO_LINE prefix
	movl	$\prefix, %esi
	call	puts
	movl	$line, %esi
	call	puts
	movl	$crlf, %esi
	call	puts
.endm

/*
 * UART_LINE: emits `uart_handler`, the IRQ 4 handler of the interrupt-driven
 * console guests, and its data: every received byte goes into `line` (at
 * most LINE_MAX, which the guest sets; one more is FAIL 2), `line_done`
 * becomes 1 at '\n' or '\r', then a non-specific EOI.  Needs PIC1_CMD.
 */
.macro	UART_LINE
uart_handler:
	pushl	%eax
	pushl	%edx
	pushl	%edi
.Luart_next\@:
	movw	$COM1 + 5, %dx		/* LSR */
	inb	%dx, %al
	testb	$0x01, %al		/* DR */
	jz	.Luart_eoi\@
	movw	$COM1, %dx
	inb	%dx, %al
	cmpb	$'\n', %al
	je	.Luart_end\@
	cmpb	$'\r', %al
	je	.Luart_end\@
	movl	line_len, %edi
	cmpl	$LINE_MAX, %edi
	jb	.Luart_keep\@
	FAIL	2
.Luart_keep\@:
	movb	%al, line(%edi)
	incl	line_len
	jmp	.Luart_next\@
.Luart_end\@:
	movb	$1, line_done
	jmp	.Luart_next\@
.Luart_eoi\@:
	movb	$0x20, %al		/* EOI */
	outb	%al, $PIC1_CMD
	popl	%edi
	popl	%edx
	popl	%eax
	iret

	.balign	4
line_len:
	.long	0
line_done:
	.byte	0
line:
	.fill	LINE_MAX + 1, 1, 0
.endm

/* ---- The 8259A pair the VMM models ---- */
	.set	PIC1_CMD, 0x20
	.set	PIC1_DATA, 0x21
	.set	PIC2_CMD, 0xA0
	.set	PIC2_DATA, 0xA1

/* TICK_HANDLER: emits `timer_handler`, an IRQ 0 handler that counts the guest's `ticks` and sends the non-specific EOI */
.macro	TICK_HANDLER
timer_handler:
	pushl	%eax
	incl	ticks
	movb	$0x20, %al
	outb	%al, $PIC1_CMD
	popl	%eax
	iret
.endm

/*
 * PIC_INIT mask1, mask2: ICW1 (edge, cascade, ICW4), ICW2 (vectors 0x20 and
 * 0x28), ICW3 (slave on IRQ2, identity 2), ICW4 (8086 mode), then OCW1: the
 * interrupt masks of master and slave
 */
.macro	PIC_INIT mask1, mask2
	movb	$0x11, %al
	outb	%al, $PIC1_CMD
	outb	%al, $PIC2_CMD
	movb	$0x20, %al
	outb	%al, $PIC1_DATA
	movb	$0x28, %al
	outb	%al, $PIC2_DATA
	movb	$0x04, %al
	outb	%al, $PIC1_DATA
	movb	$0x02, %al
	outb	%al, $PIC2_DATA
	movb	$0x01, %al
	outb	%al, $PIC1_DATA
	outb	%al, $PIC2_DATA
	movb	$\mask1, %al
	outb	%al, $PIC1_DATA
	movb	$\mask2, %al
	outb	%al, $PIC2_DATA
.endm
