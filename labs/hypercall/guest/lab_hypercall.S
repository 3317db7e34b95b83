/* guest: load=0x8000 mode=protected */
/*
 * lab_hypercall: the guest of the hypercall lab (labs/hypercall/README.md).
 * It goes to long mode, so that it can hand the VMM any 64-bit number,
 * and calls VMCALL_WRITE_STRING (RAX = 2, RBX = guest-physical address,
 * RCX = length) once per case of the table `cases`: good strings, an
 * empty one, and ranges the VMM must refuse.  After each call it prints,
 * on its UART (never through the hypercall under test),
 *
 *	hypercall: CASE rax=0x<16 hex digits> want=0x<16 hex digits>
 *
 * labs/hypercall/grade.sh reads these lines and what the VMM printed
 * between them.  The guest needs memory=2M (RAM_END): it maps its RAM
 * with one 2 MiB page and puts a string at RAM's very end.
 *
 * Result (port 0xF0): 0 if every call returned what it should, else the
 * number of the first case that did not (1 for the table's first).  If
 * the VMM stops the guest, or dies, the cases after that print nothing.
 */
#include "guest.h"

	.set	WRITE_STRING, 2			/* VMCALL_WRITE_STRING */
	.set	OK, 0
	.set	ERR_RANGE, 0xFFFFFFFE		/* VMCALL_ERR_RANGE: not all in guest RAM */
	.set	ERR_TOO_LONG, 0xFFFFFFFD	/* VMCALL_ERR_TOO_LONG: more than STRING_MAX */
	.set	STRING_MAX, 4096
	.set	RAM_END, 0x200000		/* memory=2M in labs/hypercall/vmm.cfg */
	.set	LAPIC_PAGE, 0xFEE00000		/* a device's page: not RAM */
	.set	PML4, 0x1000			/* the page tables, below the stack */
	.set	PDPT, 0x2000
	.set	PD, 0x3000
	.set	EFER, 0xC0000080

	GUEST_START
	/* identity paging of RAM's 2 MiB with one large page, then long mode */
	movl	$PML4, %edi
	movl	$(3 * 4096 / 4), %ecx
	xorl	%eax, %eax
	rep stosl
	movl	$PDPT | 3, PML4
	movl	$PD | 3, PDPT
	movl	$0x83, PD			/* present, writable, 2 MiB */
	movl	%cr4, %eax
	orl	$0x20, %eax			/* PAE */
	movl	%eax, %cr4
	movl	$PML4, %eax
	movl	%eax, %cr3
	movl	$EFER, %ecx
	rdmsr
	orl	$0x100, %eax			/* LME */
	wrmsr
	movl	%cr0, %eax
	orl	$0x80000000, %eax		/* PG: long mode is active */
	movl	%eax, %cr0
	lgdt	gdt_desc
	ljmp	$0x08, $long_mode

	.code64
long_mode:
	movl	$0x10, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movq	$0x8000, %rsp

	/* the string of case end_of_ram, in RAM's last bytes */
	leaq	last_text(%rip), %rsi
	movq	$RAM_END - (last_text_end - last_text), %rdi
	movq	$last_text_end - last_text, %rcx
	rep movsb

	leaq	cases(%rip), %r12
	movl	$1, %r13d			/* the case's number */
	xorl	%r14d, %r14d			/* the first that failed */
next_case:
	cmpq	$0, (%r12)
	je	all_done
	movl	$WRITE_STRING, %eax
	movq	8(%r12), %rbx
	movq	16(%r12), %rcx
	xorl	%edx, %edx
	vmcall
	movq	%rax, %r15

	leaq	text_prefix(%rip), %rsi
	call	puts
	movq	(%r12), %rsi
	call	puts
	leaq	text_rax(%rip), %rsi
	call	puts
	movq	%r15, %rax
	call	puthex
	leaq	text_want(%rip), %rsi
	call	puts
	movq	24(%r12), %rax
	call	puthex
	leaq	text_newline(%rip), %rsi
	call	puts

	cmpq	24(%r12), %r15
	je	1f
	testl	%r14d, %r14d
	jnz	1f
	movl	%r13d, %r14d
1:	addq	$32, %r12
	incl	%r13d
	jmp	next_case
all_done:
	movl	%r14d, %eax
	jmp	report

	REPORT

/* puthex: RAX as 16 hex digits on the UART (clobbers RAX, RCX, RDX, RSI, RDI) */
puthex:
	leaq	hex_digits_end(%rip), %rsi
	movl	$16, %ecx
	leaq	hex_chars(%rip), %rdi
1:	movl	%eax, %edx
	andl	$15, %edx
	movb	(%rdi,%rdx), %dl
	decq	%rsi
	movb	%dl, (%rsi)
	shrq	$4, %rax
	decl	%ecx
	jnz	1b
	jmp	puts

	PUTS_FUNCTION

/*
 * CASE name, address, length, want: one case, for RBX, RCX and the RAX
 * the VMM must return, the 64-bit address and length each given as its
 * low and high halves: the guest is built as an ELF32 object
 * (tests/guests/README.md), whose assembler works out expressions in 32
 * bits and cannot hold a 64-bit address.  labs/hypercall/grade.sh has one
 * check per case, by name.
 */
.macro	CASE name, addr_lo, addr_hi, len_lo, len_hi, want
	.long	name_\name, 0, \addr_lo, \addr_hi, \len_lo, \len_hi, \want, 0
.endm

	.balign	8
cases:
	/* a string in RAM: written, 0 */
	CASE	string, good_text, 0, good_text_end-good_text, 0, OK
	/* no bytes at all: nothing written, 0 */
	CASE	empty, good_text, 0, 0, 0, OK
	/* RAM's last bytes, up to its very end: written, 0 */
	CASE	end_of_ram, RAM_END-(last_text_end-last_text), 0, last_text_end-last_text, 0, OK
	/* exactly STRING_MAX bytes: written, 0 */
	CASE	longest, longest_text, 0, STRING_MAX, 0, OK
	/* one byte, the first past RAM */
	CASE	past_ram, RAM_END, 0, 1, 0, ERR_RANGE
	/* the last 8 bytes of RAM and 8 past it: all or nothing */
	CASE	straddles_end, RAM_END-8, 0, 16, 0, ERR_RANGE
	/* the local APIC's page: a device, not RAM */
	CASE	device_page, LAPIC_PAGE, 0, 16, 0, ERR_RANGE
	/* a good string's address plus 4 GiB: all 64 bits of RBX count */
	CASE	high_address, good_text, 1, good_text_end-good_text, 0, ERR_RANGE
	/* 2^64 - 0x800, length 0x1000: the sum wraps past 2^64 to 0x800, inside RAM */
	CASE	wraps, 0xFFFFF800, 0xFFFFFFFF, 0x1000, 0, ERR_RANGE
	/* one byte more than STRING_MAX, all in RAM */
	CASE	too_long, longest_text, 0, STRING_MAX+1, 0, ERR_TOO_LONG
	/* a good string's length plus 4 GiB: all 64 bits of RCX count */
	CASE	huge_32, good_text, 0, good_text_end-good_text, 1, ERR_TOO_LONG
	/* the largest length there is: address + length wraps to just below the address */
	CASE	huge_64, good_text, 0, 0xFFFFFFFF, 0xFFFFFFFF, ERR_TOO_LONG
	.quad	0

name_string:		.asciz	"string"
name_empty:		.asciz	"empty"
name_end_of_ram:	.asciz	"end_of_ram"
name_longest:		.asciz	"longest"
name_past_ram:		.asciz	"past_ram"
name_straddles_end:	.asciz	"straddles_end"
name_device_page:	.asciz	"device_page"
name_high_address:	.asciz	"high_address"
name_wraps:		.asciz	"wraps"
name_too_long:		.asciz	"too_long"
name_huge_32:		.asciz	"huge_32"
name_huge_64:		.asciz	"huge_64"

text_prefix:	.asciz	"hypercall: "
text_rax:	.asciz	" rax=0x"
text_want:	.asciz	" want=0x"
text_newline:	.asciz	"\n"
hex_chars:	.ascii	"0123456789abcdef"
hex_digits:	.fill	16, 1, 0
hex_digits_end:	.byte	0

/* What the good cases write (no NUL: the hypercall takes a length) */
good_text:	.ascii	"hypercall lab: one string, one exit\n"
good_text_end:
last_text:	.ascii	"hypercall lab: the last bytes of RAM\n"
last_text_end:

/* STRING_MAX bytes: 64 lines of 64, "hypercall lab: longest, line NN" and dots */
longest_text:
	.set	line, 0
	.rept	64
	.ascii	"hypercall lab: longest, line "
	.byte	'0' + line / 10, '0' + line % 10
	.fill	64 - 29 - 2 - 1, 1, '.'
	.byte	'\n'
	.set	line, line + 1
	.endr
longest_text_end:
	.byte	0				/* RAM for too_long's 4097th byte */
	.if	longest_text_end - longest_text - STRING_MAX
	.error	"longest_text must be STRING_MAX bytes"
	.endif

	FLAT_GDT 64				/* 0x08: 64-bit code, 0x10: data */
