/* guest: load=0x8000 mode=protected */
/*
 * mmio_paging: MMIO and string I/O with the guest's paging on: first
 * 32-bit paging (with a 4 MiB page), then PAE, then long mode (4-level
 * paging).  The test MMIO page (guest-physical 0xFEB00000) is reached only
 * through its mapping at linear M = 0x40000000, so the VMM must walk the
 * guest's tables to emulate each access.  In the 32-bit and PAE phases
 * (tables at 0x35000 and 0x37000) M maps the MMIO page and M + 0x1000 is
 * not present; the same checks run in both (mmio32_checks).  In long mode
 * the page table at 0x34000 maps, from M on:
 *   M + 0x0000  the MMIO page (read/write)
 *   M + 0x1000  not present
 *   M + 0x2000  RAM 0x20000, read-only (CR0.WP is on)
 *   M + 0x3000  RAM 0x21000, read/write
 *   M + 0x4000  the MMIO page again
 *   M + 0x5000  pc-testdev's IORAM (I), which reads back what was written
 * The first 2 MiB are identity-mapped by one 2 MiB page, and mapped again
 * at HIGH = 4 GiB, where the long-mode phase first makes a CPUID exit: its
 * RIP is valid only in long mode, which under SVM the guest entered
 * without an exit (the kernel must see EFER.LMA from the VMCB).  A #PF handler
 * records CR2, the error code, the faulting rip and rcx/rsi/rdi, and
 * resumes at pf_resume.
 *
 * Failure codes (port 0xF0); in the 32-bit phase 40 + n, in the PAE phase 50 + n:
 *   n = 1  movl $imm, M then movl M, %ecx: mismatch
 *   n = 2  movzbw M + 3, %dx with EDX = 0xFFFF0000: != 0xFFFF0011
 *   n = 3  rep stosb x4 from M + 0xFFE: no #PF, or not exactly one, CR2 != M + 0x1000,
 *          error code != 2, rip not the rep stosb, ECX != 2 or EDI != M + 0x1000
 *   n = 4  rep insb x2 from port 0xF8 to M + 4: word != 0x7878
 * In long mode:
 *   1  movq $-2 (REX.W C7, imm32 sign-extended): read back != -2
 *   2  movq %r9 / movq to %r10 (REX.W, REX.R): mismatch
 *   3  movb 7(M), %sil (REX byte register): rsi != 0x...11
 *   4  movzbl 8(%r12), %r13d (REX.B base): != 0x0D
 *   5  movswq 8(%r12), %r14: != 0xFFFFFFFFFFFFF00D
 *   6  movslq 8(M), %r15 (MOVSXD): != 0xFFFFFFFFCAFEF00D
 *   7  movw $0xBEEF, 2(M) (66 C7): dword 0 != 0xBEEF7788
 *   8  rep movsb of 8 bytes RAM -> MMIO: register != 0x0807060504030201
 *   9  rep movsb: rcx != 0, or rsi/rdi not advanced by 8
 *  10  lodsq from M: rax != the register, or rsi != M + 8
 *  11  rep stosw x4 of 0xBEEF: register != 0xBEEFBEEFBEEFBEEF
 *  12  movsq MMIO (offset 8) -> RAM: != 0x00000000CAFEF00D
 *  13  std; lodsb from M + 7: al != 0xBE, or rsi != M + 6
 *  14  addr32 stosb with rdi = 0xFFFFFFFF40000000: byte 0 != 0x5A, or rdi != 0x40000001
 *  15  a MOV whose bytes cross a page: != the register's low dword
 *  16  the CPUID at HIGH + x did not run there (its rip's high half != 1)
 *  20  rep stosl from M + 0xFF8 x4 did not fault at M + 0x1000 (page not present)
 *  21  ... #PF count != 1   22 CR2 != M + 0x1000   23 error code != 2 (write, not present)
 *  24  ... faulting rip != the rep stosl        25 rcx != 2 or rdi != M + 0x1000
 *  26  movsl MMIO -> read-only RAM did not fault
 *  27  ... CR2 != M + 0x2000, or error code != 3 (protection, write)
 *  28  ... rsi or rdi changed, or rip != the movsl
 *  30  rep insl x2 from port 0xF8 to M + 0x3000: rcx != 0 or rdi != M + 0x3008
 *  31  ... RAM 0x21000/0x21004 != 0x12345678
 *  32  ... the PTE's accessed and dirty bits not both set by the VMM's walk
 *  33  outsl from M + 0x3000 to port 0xE0: the PTE is not accessed-and-clean
 *  34  ... port 0xE0 != 0x12345678
 *  35  rep insb x2 from port 0xF8 to M + 6 (INS into MMIO): register bytes 6, 7 != 0x78
 *  36  movsl RAM -> M + 0x3FFE (an element split between RAM and MMIO): RAM word != 0xBBAA,
 *      register's low word != 0xDDCC, or rdi != M + 0x4002
 *  37  movdqu %xmm1 -> I + 0x10: the two quadwords in memory wrong
 *  38  movdqa I + 0x20 -> %xmm2: the register's halves wrong
 *  39  movq %mm0 -> I + 0x30, or movq I + 0x10 -> %mm1: wrong
 *  40  pushq $-7, pushq I + 0x10 with rsp on IORAM, then two popq: wrong values
 *  41  mulq, divq I + 0x40: rax != 42, then != 7
 *  42  cmovneq (not taken) / cmoveq (taken) from IORAM: wrong register
 *  0x100+n  unexpected exception n
 */
#include "guest.h"

	.set	M, 0x40000000
	.set	I, M + 0x5000		/* pc-testdev's IORAM: 4 KiB of it read back what was written */
	.set	IORAM, 0xFF000000
	.set	PML4, 0x30000
	.set	PDPT, 0x31000
	.set	PD0, 0x32000
	.set	PD1, 0x33000
	.set	PT, 0x34000
	.set	RO_RAM, 0x20000
	.set	RW_RAM, 0x21000
	.set	PD32, 0x35000		/* 32-bit paging */
	.set	PT32, 0x36000
	.set	PDPT_PAE, 0x37000	/* PAE */
	.set	PD_PAE0, 0x38000
	.set	PD_PAE1, 0x39000
	.set	PT_PAE, 0x3A000
	.set	EFER, 0xC0000080
	/* HIGH, 4 GiB (PDPT entry 4): the first 2 MiB again */

/* EXPECTQ value, operand, code: 64-bit compare (clobbers r11) */
.macro	EXPECTQ val, opnd, code
	movabs	$\val, %r11
	cmpq	%r11, \opnd
	je	.Lokq\@
	FAIL	\code
.Lokq\@:
.endm

/* FAIL32 n: report phase_base + n (32-bit code) */
.macro	FAIL32 n
	movl	$\n, %eax
	addl	phase_base, %eax
	jmp	report32
.endm

/* RESUME_AT label: the #PF handler resumes there */
.macro	RESUME_AT label
	leaq	\label(%rip), %rax
	movq	%rax, pf_resume(%rip)
	movl	$0, pf_count(%rip)
.endm

	.code32
	.text
	.globl	start
start:
	cli
	lgdt	gdt64_desc
	ljmp	$0x08, $1f
1:	movw	$0x10, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movw	%ax, %fs
	movw	%ax, %gs

	/* the tables, from zero */
	movl	$PML4, %edi
	movl	$(11 * 4096 / 4), %ecx
	xorl	%eax, %eax
	rep stosl
	movl	$0x83, PD32			/* 0-4 MiB: one 4 MiB page */
	movl	$PT32 | 3, PD32 + (M >> 22) * 4
	movl	$MMIO_PAGE | 3, PT32
	movl	$PD_PAE0 | 1, PDPT_PAE		/* a PDPTE has no R/W or U/S */
	movl	$PD_PAE1 | 1, PDPT_PAE + 8
	movl	$0x83, PD_PAE0			/* 0-2 MiB: one 2 MiB page */
	movl	$PT_PAE | 3, PD_PAE1
	movl	$MMIO_PAGE | 3, PT_PAE
	movl	$PDPT | 3, PML4
	movl	$PD0 | 3, PDPT
	movl	$PD1 | 3, PDPT + 8
	movl	$PD0 | 3, PDPT + 4 * 8
	movl	$0x83, PD0			/* 0-2 MiB: one 2 MiB page */
	movl	$PT | 3, PD1
	movl	$MMIO_PAGE | 3, PT
	movl	$RO_RAM | 1, PT + 2 * 8
	movl	$RW_RAM | 3, PT + 3 * 8
	movl	$MMIO_PAGE | 3, PT + 4 * 8
	movl	$IORAM | 3, PT + 5 * 8

	IDT_FILL 32
	movl	$14, %eax
	movl	$pf32_handler, %edx
	call	set_gate
	lidt	idt_desc

	/* 32-bit paging, with CR4.PSE for the 4 MiB page */
	movl	$40, phase_base
	movl	%cr4, %eax
	orl	$0x10, %eax
	movl	%eax, %cr4
	movl	$PD32, %eax
	movl	%eax, %cr3
	call	paging_on
	call	mmio32_checks
	call	paging_off

	/* PAE */
	movl	$50, phase_base
	movl	%cr4, %eax
	orl	$0x20, %eax
	movl	%eax, %cr4
	movl	$PDPT_PAE, %eax
	movl	%eax, %cr3
	call	paging_on
	call	mmio32_checks
	call	paging_off

	/* long mode: PAE (on), CR3, EFER.LME, then PG (and WP) */
	movl	$PML4, %eax
	movl	%eax, %cr3
	movl	$EFER, %ecx
	rdmsr
	orl	$0x100, %eax
	wrmsr
	call	paging_on
	ljmp	$0x18, $long_mode

paging_on:				/* CR0.PG and WP */
	movl	%cr0, %eax
	orl	$0x80010000, %eax
	movl	%eax, %cr0
	ret

paging_off:
	movl	%cr0, %eax
	andl	$0x7FFFFFFF, %eax
	movl	%eax, %cr0
	ret

/* The checks of the 32-bit and PAE phases: MMIO at M, M + 0x1000 not present */
mmio32_checks:
	movl	$0x11223344, M
	xorl	%ecx, %ecx
	movl	M, %ecx
	cmpl	$0x11223344, %ecx
	je	1f
	FAIL32	1
1:	movl	$0xFFFF0000, %edx
	movzbw	M + 3, %dx
	cmpl	$0xFFFF0011, %edx
	je	1f
	FAIL32	2
1:	movl	$1f, pf_resume
	movl	$0, pf_count
	movl	$M + 0xFFE, %edi
	movl	$4, %ecx
	movb	$0xAB, %al
pf32_stos:
	rep stosb
	FAIL32	3
1:	cmpl	$1, pf_count
	jne	2f
	cmpl	$M + 0x1000, pf_cr2
	jne	2f
	cmpl	$2, pf_error
	jne	2f
	cmpl	$pf32_stos, pf_rip
	jne	2f
	cmpl	$2, pf_rcx
	jne	2f
	cmpl	$M + 0x1000, pf_rdi
	je	1f
2:	FAIL32	3
1:	movl	$0, M + 4
	movl	$M + 4, %edi
	movl	$2, %ecx
	movw	$CONSTPORT, %dx
	rep insb
	movzwl	M + 4, %eax
	cmpl	$0x7878, %eax
	je	1f
	FAIL32	4
1:	ret

/* #PF in the 32-bit phases: record what the fault says, resume at pf_resume */
pf32_handler:
	popl	pf_error
	movl	%ecx, pf_rcx
	movl	%edi, pf_rdi
	movl	%cr2, %ecx
	movl	%ecx, pf_cr2
	movl	(%esp), %ecx
	movl	%ecx, pf_rip
	movl	pf_resume, %ecx
	movl	%ecx, (%esp)
	incl	pf_count
	iret

unexpected:				/* the 32-bit stubs' target */
	popl	%eax
	addl	$0x100, %eax
report32:
	movw	$RESULT_PORT, %dx
	outl	%eax, %dx
	HALT

	SET_GATE_FUNCTION
	VECTOR_STUBS 32

	.code64
long_mode:
	movq	$0x8000, %rsp
	call	idt64_fill
	lidt	idt64_desc(%rip)

	/* an exit from above 4 GiB, and back */
	leaq	1f(%rip), %rax
	btsq	$32, %rax		/* HIGH + 1f */
	jmp	*%rax
1:	xorl	%eax, %eax
	cpuid
	leaq	0(%rip), %rax
	shrq	$32, %rax
	EXPECTQ	1, %rax, 16
	movl	$1f, %eax
	jmp	*%rax
1:

	/* MOV forms with REX prefixes */
	movq	$-2, M
	movq	M, %rax
	EXPECTQ	0xFFFFFFFFFFFFFFFE, %rax, 1
	movabs	$0x1122334455667788, %r9
	movq	%r9, M
	xorl	%r10d, %r10d
	movq	M, %r10
	cmpq	%r9, %r10
	je	1f
	FAIL	2
1:	movabs	$0xAAAAAAAAAAAAAAAA, %rsi
	movb	M + 7, %sil
	EXPECTQ	0xAAAAAAAAAAAAAA11, %rsi, 3
	movq	$M, %r12
	movq	$-1, %r13
	movzbl	8(%r12), %r13d
	EXPECTQ	0x0D, %r13, 4
	movswq	8(%r12), %r14
	EXPECTQ	0xFFFFFFFFFFFFF00D, %r14, 5
	movslq	M + 8, %r15
	EXPECTQ	0xFFFFFFFFCAFEF00D, %r15, 6
	movw	$0xBEEF, M + 2
	movl	M, %eax
	EXPECT	0xBEEF7788, %eax, 7

	/* string forms: RAM -> MMIO, MMIO -> register, register -> MMIO, MMIO -> RAM */
	leaq	bytes8(%rip), %rsi
	movq	$M, %rdi
	movl	$8, %ecx
	rep movsb
	movq	M, %rax
	EXPECTQ	0x0807060504030201, %rax, 8
	testq	%rcx, %rcx
	jz	1f
	FAIL	9
1:	leaq	bytes8 + 8(%rip), %rax
	cmpq	%rax, %rsi
	je	1f
	FAIL	9
1:	EXPECTQ	M+8, %rdi, 9
	movq	$M, %rsi
	xorl	%eax, %eax
	lodsq
	EXPECTQ	0x0807060504030201, %rax, 10
	EXPECTQ	M+8, %rsi, 10
	movq	$M, %rdi
	movl	$4, %ecx
	movw	$0xBEEF, %ax
	rep stosw
	movq	M, %rax
	EXPECTQ	0xBEEFBEEFBEEFBEEF, %rax, 11
	movq	$M + 8, %rsi
	leaq	qword_out(%rip), %rdi
	movq	$-1, (%rdi)
	movsq
	EXPECTQ	0xCAFEF00D, qword_out(%rip), 12
	movq	$M + 7, %rsi
	std
	lodsb
	cld
	cmpb	$0xBE, %al
	je	1f
	FAIL	13
1:	EXPECTQ	M+6, %rsi, 13
	movabs	$0xFFFFFFFF40000000, %rdi
	movb	$0x5A, %al
	addr32 stosb
	EXPECTQ	M+1, %rdi, 14
	movb	M, %al
	cmpb	$0x5A, %al
	je	1f
	FAIL	14
1:	call	cross_fetch
	EXPECT	0xBEEFBE5A, %eax, 15

	/* a REP STOS from the MMIO page on into a page not present */
	RESUME_AT 1f
	movq	$M + 0xFF8, %rdi
	movl	$4, %ecx
	movl	$0xAAAAAAAA, %eax
pf_stos:
	rep stosl
	FAIL	20
1:	EXPECT	1, pf_count(%rip), 21
	EXPECTQ	M+0x1000, pf_cr2(%rip), 22
	EXPECTQ	2, pf_error(%rip), 23
	leaq	pf_stos(%rip), %rax
	cmpq	%rax, pf_rip(%rip)
	je	1f
	FAIL	24
1:	EXPECTQ	2, pf_rcx(%rip), 25
	EXPECTQ	M+0x1000, pf_rdi(%rip), 25

	/* MOVS from the MMIO page to a read-only page */
	RESUME_AT 1f
	movq	$M, %rsi
	movq	$M + 0x2000, %rdi
pf_movs:
	movsl
	FAIL	26
1:	EXPECT	1, pf_count(%rip), 26
	EXPECTQ	M+0x2000, pf_cr2(%rip), 27
	EXPECTQ	3, pf_error(%rip), 27
	EXPECTQ	M, pf_rsi(%rip), 28
	EXPECTQ	M+0x2000, pf_rdi(%rip), 28
	leaq	pf_movs(%rip), %rax
	cmpq	%rax, pf_rip(%rip)
	je	1f
	FAIL	28

	/* string I/O through the tables: the VMM's walk sets accessed (and dirty for INS) */
1:	movq	$RW_RAM | 3, PT + 3 * 8
	invlpg	M + 0x3000
	movq	$M + 0x3000, %rdi
	movl	$2, %ecx
	movw	$CONSTPORT, %dx
	rep insl
	testq	%rcx, %rcx
	jz	1f
	FAIL	30
1:	EXPECTQ	M+0x3008, %rdi, 30
	EXPECT	0x12345678, RW_RAM, 31
	EXPECT	0x12345678, RW_RAM+4, 31
	EXPECTQ	RW_RAM|0x63, PT+3*8, 32
	movq	$RW_RAM | 3, PT + 3 * 8
	invlpg	M + 0x3000
	movq	$M + 0x3000, %rsi
	movw	$SCRATCH, %dx
	outsl
	EXPECTQ	RW_RAM|0x23, PT+3*8, 33
	inl	%dx, %eax
	EXPECT	0x12345678, %eax, 34

	/* INS into the MMIO page */
	movq	$0, M
	movq	$M + 6, %rdi
	movl	$2, %ecx
	movw	$CONSTPORT, %dx
	rep insb
	movl	M + 4, %eax
	EXPECT	0x78780000, %eax, 35

	/* one element split between a RAM page and the MMIO page after it */
	movq	$0, M
	movl	$0xDDCCBBAA, dword_in(%rip)
	leaq	dword_in(%rip), %rsi
	movq	$M + 0x3FFE, %rdi
	movsl
	cmpw	$0xBBAA, RW_RAM + 0xFFE
	je	1f
	FAIL	36
1:	movw	M, %ax
	cmpw	$0xDDCC, %ax
	je	1f
	FAIL	36
1:	EXPECTQ	M+0x4002, %rdi, 36

	/*
	 * SSE and MMX moves (the VMM takes the vector registers from the
	 * kernel), the stack, MUL, DIV and CMOVcc, all on IORAM at I
	 */
	movq	%cr4, %rax
	orq	$0x200, %rax		/* OSFXSR */
	movq	%rax, %cr4
	movabs	$0x0123456789ABCDEF, %rax
	movq	%rax, %xmm1
	movabs	$0xFEDCBA9876543210, %rax
	movq	%rax, %xmm3
	punpcklqdq %xmm3, %xmm1
	movdqu	%xmm1, I + 0x10
	EXPECTQ	0x0123456789ABCDEF, I+0x10, 37
	EXPECTQ	0xFEDCBA9876543210, I+0x18, 37
	movq	$0x1111, I + 0x20
	movq	$0x2222, I + 0x28
	movdqa	I + 0x20, %xmm2
	movq	%xmm2, %rax
	EXPECTQ	0x1111, %rax, 38
	psrldq	$8, %xmm2
	movq	%xmm2, %rax
	EXPECTQ	0x2222, %rax, 38
	movq	%rax, %mm0
	movq	%mm0, I + 0x30
	EXPECTQ	0x2222, I+0x30, 39
	movq	I + 0x10, %mm1
	movq	%mm1, %rax
	emms
	EXPECTQ	0x0123456789ABCDEF, %rax, 39
	movq	%rsp, %rbx
	movq	$I + 0x100, %rsp
	pushq	$-7
	pushq	I + 0x10
	popq	%rax
	popq	%rcx
	movq	%rbx, %rsp
	EXPECTQ	0x0123456789ABCDEF, %rax, 40
	EXPECTQ	0xFFFFFFFFFFFFFFF9, %rcx, 40
	EXPECTQ	0xFFFFFFFFFFFFFFF9, I+0xF8, 40
	movq	$6, I + 0x40
	movq	$7, %rax
	mulq	I + 0x40
	EXPECTQ	42, %rax, 41
	divq	I + 0x40
	EXPECTQ	7, %rax, 41
	cmpq	%rax, %rax
	cmovneq	I + 0x40, %rax
	cmoveq	I + 0x10, %rcx
	EXPECTQ	7, %rax, 42
	EXPECTQ	0x0123456789ABCDEF, %rcx, 42

	xorl	%eax, %eax		/* pass */
	REPORT

/* #PF: record what the fault says, resume at pf_resume */
pf_handler:
	popq	pf_error(%rip)
	movq	%rcx, pf_rcx(%rip)
	movq	%rsi, pf_rsi(%rip)
	movq	%rdi, pf_rdi(%rip)
	movq	%cr2, %rcx
	movq	%rcx, pf_cr2(%rip)
	movq	(%rsp), %rcx
	movq	%rcx, pf_rip(%rip)
	movq	pf_resume(%rip), %rcx
	movq	%rcx, (%rsp)
	incl	pf_count(%rip)
	iretq

/* the 64-bit IDT: every vector to its stub, #PF to pf_handler */
idt64_fill:
	xorl	%eax, %eax
1:	leaq	stubs64(%rip), %rdx
	movq	%rax, %rcx
	shlq	$4, %rcx
	addq	%rcx, %rdx
	cmpl	$14, %eax
	jne	2f
	leaq	pf_handler(%rip), %rdx
2:	leaq	idt64(%rip), %rdi
	addq	%rcx, %rdi
	movw	%dx, (%rdi)
	movw	$0x18, 2(%rdi)
	movw	$0x8E00, 4(%rdi)
	shrq	$16, %rdx
	movw	%dx, 6(%rdi)
	shrq	$16, %rdx
	movl	%edx, 8(%rdi)
	movl	$0, 12(%rdi)
	incl	%eax
	cmpl	$32, %eax
	jb	1b
	ret

	.balign	16
stubs64:
	.set	vec, 0
	.rept	32
	.balign	16
	pushq	$vec
	jmp	unexpected64
	.set	vec, vec + 1
	.endr
unexpected64:
	popq	%rax
	addl	$0x100, %eax
	jmp	report

	.balign	8
pf_resume:	.quad	0
pf_error:	.quad	0
pf_cr2:		.quad	0
pf_rip:		.quad	0
pf_rcx:		.quad	0
pf_rsi:		.quad	0
pf_rdi:		.quad	0
pf_count:	.long	0
phase_base:	.long	0
dword_in:	.long	0
qword_out:	.quad	0
bytes8:		.byte	1, 2, 3, 4, 5, 6, 7, 8

	.balign	8
gdt64:	.quad	0
	.quad	0x00CF9A000000FFFF	/* 0x08: 32-bit code */
	.quad	0x00CF92000000FFFF	/* 0x10: data */
	.quad	0x00AF9A000000FFFF	/* 0x18: 64-bit code */
gdt64_end:
	.balign	4
	.word	0
gdt64_desc:
	.word	gdt64_end - gdt64 - 1
	.long	gdt64
	.balign	8
	.word	0, 0, 0
idt64_desc:
	.word	32 * 16 - 1
	.long	idt64, 0
	.balign	16
idt64:	.fill	32 * 16, 1, 0

	DESCRIPTOR_TABLES 32

/* a MOV from the MMIO page whose 9 bytes (A1 moffs64) cross a page boundary */
	.balign	4096
	.skip	4096 - 4
cross_fetch:
	movabs	M, %eax
	ret
