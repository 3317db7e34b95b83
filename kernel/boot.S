/*
 * Boot: GRUB enters start32 in 32-bit protected mode, paging off, with
 * EAX = Multiboot2 magic and EBX = physical address of the boot information.
 * We build just enough page tables to reach long mode and the higher half:
 *   - identity map of the first 4 GiB (only to survive the switch),
 *   - the same 4 GiB at PHYSMAP_BASE (the kernel's window on physical memory),
 *   - the first 1 GiB at KERNEL_VMA (where the kernel is linked),
 * then call kmain(magic, mbi_phys) on the kernel stack.  paging.c replaces
 * these tables with the kernel's own as soon as the memory map is known.
 */
#include "layout.h"

#define MB2_HEADER_MAGIC 0xE85250D6
#define MB2_ARCH_I386    0
#define PTE_P   0x1
#define PTE_W   0x2
#define PTE_PS  0x80

	.section .multiboot2, "a"
	.balign 8
mb2_header:
	.long MB2_HEADER_MAGIC
	.long MB2_ARCH_I386
	.long mb2_header_end - mb2_header
	.long -(MB2_HEADER_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
	.short 0			/* end tag */
	.short 0
	.long 8
mb2_header_end:

	.section .boot.text, "ax"
	.code32
	.globl start32
start32:
	cli
	cld
	mov	%eax, %ebp		/* keep magic and mbi safe from cpuid and stos */
	mov	%ebx, %esi
	mov	$boot_stack_top, %esp

	/* Long mode needs CPUID leaf 0x80000001 EDX bit 29. */
	mov	$0x80000000, %eax
	cpuid
	cmp	$0x80000001, %eax
	jb	no_long_mode
	mov	$0x80000001, %eax
	cpuid
	bt	$29, %edx
	jnc	no_long_mode

	/* Zero the boot page tables: we do not rely on the loader clearing them. */
	mov	$boot_pml4, %edi
	mov	$(7 * 4096 / 4), %ecx
	xor	%eax, %eax
	rep stosl

	/* PML4: slot 0 identity, slot 256 physmap, slot 511 kernel. */
	movl	$(boot_pdpt_low + PTE_P + PTE_W), boot_pml4
	movl	$(boot_pdpt_low + PTE_P + PTE_W), boot_pml4 + 256 * 8
	movl	$(boot_pdpt_high + PTE_P + PTE_W), boot_pml4 + 511 * 8
	movl	$(boot_pd + PTE_P + PTE_W), boot_pdpt_low
	movl	$(boot_pd + 4096 + PTE_P + PTE_W), boot_pdpt_low + 8
	movl	$(boot_pd + 8192 + PTE_P + PTE_W), boot_pdpt_low + 16
	movl	$(boot_pd + 12288 + PTE_P + PTE_W), boot_pdpt_low + 24
	movl	$(boot_pd + PTE_P + PTE_W), boot_pdpt_high + 510 * 8

	/* boot_pd: four tables of 512 large pages covering physical 0 .. 4 GiB. */
	mov	$boot_pd, %edi
	mov	$(PTE_P + PTE_W + PTE_PS), %eax
	mov	$2048, %ecx
1:	mov	%eax, (%edi)
	add	$0x200000, %eax
	add	$8, %edi
	loop	1b

	mov	$boot_pml4, %eax
	mov	%eax, %cr3
	mov	%cr4, %eax
	or	$(1 << 5), %eax		/* PAE */
	mov	%eax, %cr4
	mov	$0xC0000080, %ecx	/* EFER.LME */
	rdmsr
	or	$(1 << 8), %eax
	wrmsr
	mov	%cr0, %eax
	or	$((1 << 31) | (1 << 16)), %eax	/* PG, WP */
	mov	%eax, %cr0

	lgdt	boot_gdt_ptr
	ljmp	$SEL_KCODE, $start64

no_long_mode:
	mov	$no_long_mode_msg, %esi
	mov	$0x3f8, %dx
2:	lodsb
	test	%al, %al
	jz	3f
	outb	%al, %dx
	jmp	2b
3:	cli
	hlt
	jmp	3b

	.code64
start64:
	mov	$SEL_KDATA, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	xor	%ax, %ax
	mov	%ax, %fs
	mov	%ax, %gs
	mov	%ebp, %edi		/* zero-extends: upper halves are undefined here */
	mov	%esi, %esi
	movabs	$kernel_stack_top, %rsp
	xor	%ebp, %ebp		/* ends the backtrace */
	movabs	$kmain, %rax
	call	*%rax
4:	cli
	hlt
	jmp	4b

	.section .boot.data, "a"
	.balign 8
boot_gdt:
	.quad 0
	.quad 0x00af9a000000ffff	/* 64-bit code */
	.quad 0x00cf92000000ffff	/* data */
boot_gdt_end:
boot_gdt_ptr:
	.short boot_gdt_end - boot_gdt - 1
	.long boot_gdt
no_long_mode_msg:
	.asciz "boot: this CPU has no long mode (x86-64); stopped.\r\n"

	.section .boot.bss, "aw", @nobits
	.balign 4096
	.globl boot_pml4	/* the APs' way to long mode too (trampoline.S) */
boot_pml4:	.skip 4096
boot_pdpt_low:	.skip 4096
boot_pdpt_high:	.skip 4096
boot_pd:	.skip 4 * 4096
boot_stack:	.skip 4096
boot_stack_top:

	/* The kernel's one stack (entry.h), in the higher half with the rest of the kernel. */
	.section .bss
	.balign 16
	.globl kernel_stack_bottom
kernel_stack_bottom:
	.skip KSTACK_SIZE
	.globl kernel_stack_top
kernel_stack_top:

	.section .note.GNU-stack, "", @progbits
