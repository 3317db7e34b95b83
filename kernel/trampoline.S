/*
 * The application processors' way from reset to the kernel (smp.c).
 *
 * ap_trampoline .. ap_trampoline_end is copied to a page below 1 MiB; a
 * STARTUP IPI starts a processor there in real mode with CS = page >> 4,
 * IP = 0, every other register as after INIT (Intel SDM vol. 3, 9.4.4 and
 * table 10-1: no paging, caches off, no valid stack).  The code runs at
 * whatever page smp.c chose, so it first writes that page's address into
 * its own far pointers and GDT pointer, then:
 *   real mode     -> lgdt the page's GDT, CR0.PE: 32-bit protected mode
 *   32-bit        -> CR4.PAE, CR3 = boot_pml4 (boot.S's tables, which map
 *                    the low 4 GiB at 0 and the kernel at KERNEL_VMA), EFER.LME
 *                    (and NXE, as smp.c found it on the boot CPU), CR0.PG:
 *                    long mode, still on the page's identity mapping
 *   64-bit        -> jump to ap_start64 in the kernel's higher half
 * ap_start64 then takes the kernel's CR0, CR4 and page tables and the
 * processor's own stack from ap_boot (smp.c, one processor at a time) and
 * calls ap_main, which loads the processor's own GDT, TSS and the IDT.
 * Until then no interrupt may come (IF is 0 from INIT on, and nothing
 * sends an NMI) and no segment register is loaded: the page's GDT is not
 * mapped in the kernel's tables.
 */
#include "layout.h"

#define TR_CODE32 0x08
#define TR_DATA   0x10
#define TR_CODE64 0x18
#define OFF(sym) ((sym) - ap_trampoline)

	.section .rodata
	.balign 16
	.globl ap_trampoline, ap_trampoline_end, ap_trampoline_efer
	.code16
ap_trampoline:
	cli
	cld
	mov	%cs, %bx
	mov	%bx, %ds
	movzwl	%bx, %ebx
	shl	$4, %ebx		/* EBX: the page's physical address, kept to the end */
	leal	OFF(tr_gdt)(%ebx), %eax
	movl	%eax, OFF(tr_gdt_ptr) + 2
	leal	OFF(tr_32)(%ebx), %eax
	movl	%eax, OFF(tr_far32)
	leal	OFF(tr_64)(%ebx), %eax
	movl	%eax, OFF(tr_far64)
	lgdtl	OFF(tr_gdt_ptr)
	mov	%cr0, %eax
	or	$1, %eax		/* PE */
	mov	%eax, %cr0
	ljmpl	*OFF(tr_far32)

	.code32
tr_32:
	mov	$TR_DATA, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	mov	%cr4, %eax
	or	$(1 << 5), %eax		/* PAE */
	mov	%eax, %cr4
	mov	$boot_pml4, %eax
	mov	%eax, %cr3
	mov	$0xC0000080, %ecx	/* EFER */
	rdmsr
	or	OFF(ap_trampoline_efer)(%ebx), %eax
	wrmsr
	mov	%cr0, %eax
	or	$((1 << 31) | (1 << 16)), %eax	/* PG, WP */
	mov	%eax, %cr0
	ljmp	*OFF(tr_far64)(%ebx)

	.code64
tr_64:
	movabs	$ap_start64, %rax
	jmp	*%rax

	.balign 8
tr_gdt:
	.quad 0
	.quad 0x00cf9a000000ffff	/* TR_CODE32 */
	.quad 0x00cf92000000ffff	/* TR_DATA */
	.quad 0x00af9a000000ffff	/* TR_CODE64 */
tr_gdt_end:
tr_gdt_ptr:
	.short tr_gdt_end - tr_gdt - 1
	.long 0				/* the page's tr_gdt */
tr_far32:
	.long 0				/* the page's tr_32 */
	.short TR_CODE32
tr_far64:
	.long 0				/* the page's tr_64 */
	.short TR_CODE64
ap_trampoline_efer:
	.long 0				/* LME, and NXE where the boot CPU has it: smp.c */
ap_trampoline_end:

	/* In the higher half, on boot_pml4: the kernel's own state next (struct ap_boot, smp.h). */
	.text
	.globl ap_start64
ap_start64:
	mov	ap_boot + 8(%rip), %rax
	mov	%rax, %cr4
	mov	ap_boot + 16(%rip), %rax
	mov	%rax, %cr3
	mov	ap_boot + 0(%rip), %rax
	mov	%rax, %cr0
	mov	ap_boot + 24(%rip), %rsp
	mov	ap_boot + 32(%rip), %rdi
	xor	%ebp, %ebp		/* ends the backtrace */
	call	ap_main
1:	cli
	hlt
	jmp	1b

	.section .note.GNU-stack, "", @progbits
