/* guest: load=0x8000 mode=protected vendor=amd */
/*
 * syscall_compat (vendor=amd): SYSCALL from compatibility mode, which an
 * AMD CPU runs (APM vol. 3, SYSCALL) and an Intel CPU refuses with #UD.
 * CPUID must say AuthenticAMD; then the guest enters long mode, goes to
 * ring 3 in 32-bit code with SYSRET, and makes a SYSCALL there with DF
 * set.  It must arrive at CSTAR in 64-bit mode, at CPL 0, with CS and SS
 * from STAR, RCX the address after the SYSCALL, R11 the flags it had, and
 * DF cleared by SFMASK.  On SVM the CPU does this; on VMX the #UD exits
 * (VMC_UD_EXIT, which the VMM sets for vendor=amd) and the VMM carries
 * the SYSCALL out (servers/vmm/emulate.c, emulate_ud).  Last, a UD2 in
 * 64-bit code must reach the guest's own #UD handler: the VMM gives back
 * every #UD that is not such a SYSCALL.
 *
 * Failure codes (port 0xF0):
 *   1  CPUID leaf 0's vendor is not AuthenticAMD
 *   2  CPUID leaf 0x80000000's vendor is not AuthenticAMD
 *   3  not in 64-bit mode after the SYSCALL
 *   4  CS after the SYSCALL is not STAR[47:32]
 *   5  SS after the SYSCALL is not STAR[47:32] + 8
 *   6  RCX is not the address after the SYSCALL
 *   7  R11 is not the flags before it (DF and bit 1)
 *   8  DF still set: SFMASK not applied
 *   9  the UD2 did not reach the #UD handler, or at the wrong RIP
 * A fault on the way is a triple fault (no IDT until the last step).
 */
#include "guest.h"

	.set	PML4, 0x1000		/* identity map of the first 2 MiB, user pages */
	.set	PDPT, 0x2000
	.set	PD, 0x3000
	.set	STACK0, 0x7000		/* ring 0's stack, below the image */
	.set	KCODE64, 0x08
	.set	KDATA, 0x10
	.set	UCODE32, 0x18		/* SYSRET's CS: STAR[63:48]; its SS the next */
	.set	UDATA, 0x20
	.set	MSR_EFER, 0xC0000080
	.set	MSR_STAR, 0xC0000081
	.set	MSR_CSTAR, 0xC0000083
	.set	MSR_SFMASK, 0xC0000084
	.set	EFER_SCE_LME, 0x101
	.set	EFLAGS_DF, 0x400
	.set	AUTH, 0x68747541	/* "Auth" */
	.set	ENTI, 0x69746e65	/* "enti" */
	.set	CAMD, 0x444d4163	/* "cAMD" */

	GUEST_START
	xorl	%eax, %eax
	cpuid
	cmpl	$AUTH, %ebx
	jne	vendor0_bad
	cmpl	$ENTI, %edx
	jne	vendor0_bad
	cmpl	$CAMD, %ecx
	jne	vendor0_bad
	movl	$0x80000000, %eax
	cpuid
	cmpl	$AUTH, %ebx
	jne	vendor8_bad
	cmpl	$ENTI, %edx
	jne	vendor8_bad
	cmpl	$CAMD, %ecx
	jne	vendor8_bad

	/* the tables: PML4 -> PDPT -> PD, one 2 MiB page at 0, present, writable, user */
	movl	$PML4, %edi
	movl	$(3 * 1024), %ecx
	xorl	%eax, %eax
	rep stosl
	movl	$(PDPT | 7), PML4
	movl	$(PD | 7), PDPT
	movl	$0x87, PD
	movl	%cr4, %eax
	orl	$0x20, %eax		/* PAE */
	movl	%eax, %cr4
	movl	$PML4, %eax
	movl	%eax, %cr3
	movl	$MSR_EFER, %ecx
	rdmsr
	orl	$EFER_SCE_LME, %eax
	wrmsr
	lgdt	gdt_desc
	movl	%cr0, %eax
	orl	$0x80000000, %eax	/* PG: long mode, compatibility for now */
	movl	%eax, %cr0
	ljmp	$KCODE64, $long64

vendor0_bad:
	FAIL	1
vendor8_bad:
	FAIL	2

	.code64
long64:
	movw	$KDATA, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movq	$STACK0, %rsp
	/* STAR: SYSCALL's CS KCODE64 (SS KDATA), SYSRET's CS UCODE32 (SS UDATA) */
	movl	$MSR_STAR, %ecx
	xorl	%eax, %eax
	movl	$(UCODE32 << 16 | KCODE64), %edx
	wrmsr
	movl	$MSR_CSTAR, %ecx
	movl	$arrived, %eax
	xorl	%edx, %edx
	wrmsr
	movl	$MSR_SFMASK, %ecx
	movl	$EFLAGS_DF, %eax
	wrmsr
	/* to ring 3, 32-bit code, with DF set and interrupts off */
	movl	$user32, %ecx
	movl	$(EFLAGS_DF | 2), %r11d
	sysretl

	.code32
user32:
	movw	$(UDATA | 3), %ax
	movw	%ax, %ds
	movw	%ax, %es
	syscall
after_syscall:
	jmp	after_syscall		/* never: SYSCALL goes to CSTAR */

	.code64
arrived:
	movq	%rcx, %r12
	movq	%r11, %r13
	pushfq
	popq	%r14
	movq	$0x100000000, %rax	/* a 64-bit immediate: only 64-bit code keeps its top half */
	shrq	$32, %rax
	cmpq	$1, %rax
	jne	not_64
	movw	%cs, %ax
	cmpw	$KCODE64, %ax
	jne	bad_cs
	movw	%ss, %ax
	cmpw	$KDATA, %ax
	jne	bad_ss
	movl	$after_syscall, %eax	/* (addresses as 32-bit immediates: a flat 32-bit image) */
	cmpq	%rax, %r12
	jne	bad_rcx
	cmpq	$(EFLAGS_DF | 2), %r13
	jne	bad_r11
	testq	$EFLAGS_DF, %r14
	jnz	bad_df

	/* a UD2: the guest's own #UD handler, 64-bit gate 6 */
	movl	$ud_handler, %eax
	movl	$(idt64 + 6 * 16), %edi
	movw	%ax, (%rdi)
	movw	$KCODE64, 2(%rdi)
	movw	$0x8E00, 4(%rdi)	/* present, DPL 0, 64-bit interrupt gate */
	shrl	$16, %eax
	movw	%ax, 6(%rdi)
	movl	$idt_desc, %edi
	lidt	(%rdi)
ud_here:
	ud2
	movl	$9, %eax
	jmp	report

ud_handler:
	movl	$ud_here, %eax
	cmpq	%rax, (%rsp)		/* the pushed RIP: the UD2's */
	jne	bad_ud
	xorl	%eax, %eax		/* pass */
	jmp	report
bad_ud:
	movl	$9, %eax
	jmp	report

not_64:
	movl	$3, %eax
	jmp	report
bad_cs:
	movl	$4, %eax
	jmp	report
bad_ss:
	movl	$5, %eax
	jmp	report
bad_rcx:
	movl	$6, %eax
	jmp	report
bad_r11:
	movl	$7, %eax
	jmp	report
bad_df:
	movl	$8, %eax
	jmp	report

	REPORT


	.balign	8
gdt:
	.quad	0
	.quad	0x00af9a000000ffff	/* KCODE64: 64-bit code, DPL 0 */
	.quad	0x00cf92000000ffff	/* KDATA */
	.quad	0x00cffa000000ffff	/* UCODE32: 32-bit code, DPL 3 */
	.quad	0x00cff2000000ffff	/* UDATA: DPL 3 */
gdt_end:
	.word	0
gdt_desc:
	.word	gdt_end - gdt - 1
	.long	gdt
	.balign	16
idt64:
	.fill	7 * 16, 1, 0
idt_end:
	.word	0
idt_desc:
	.word	idt_end - idt64 - 1
	.long	idt64, 0
