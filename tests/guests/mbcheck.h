/*
 * mbcheck.h: the body of the Multiboot ELF guests mb_elf32 and mb_elf64,
 * which differ only in their ELF class and what they expect.  Unlike
 * guest.h it emits code and data: a guest includes it after guest.h,
 * having defined
 *
 *	MB_HEADER_FLAGS	its Multiboot header's flags (bit 16 clear: loaded as ELF)
 *	WANT_CMDLINE	the command line it must get: its module name, a space, cmdline=
 *	OTHER_NAME	its second module, the other ELF guest's image
 *	OTHER_CLASS	that image's ELF class (1: ELF32, 2: ELF64)
 *
 * Its configuration: memory=4M and modules=guest_mb_module,OTHER_NAME,
 * where guest_mb_module is MODULE_BYTES bytes, byte i being 'A' + i % 26
 * (made by the Makefile).  Failure codes: tests/guests/README.md.
 */
	.set	MB_BOOT_MAGIC, 0x2BADB002
	.set	MB_HEADER_MAGIC, 0x1BADB002
	.set	MBI_WANTED, 0x24D	/* memory, cmdline, modules, memory map, loader name */
	.set	MODULE_BYTES, 5000
	.set	MAP_BYTES, 7 * 24

	.code32
	.text
	.globl	start

	/* The Multiboot header, with the address and video fields (zero, unused) */
	.balign	4
	.long	MB_HEADER_MAGIC
	.long	MB_HEADER_FLAGS
	.long	-(MB_HEADER_MAGIC + MB_HEADER_FLAGS)
	.fill	9, 4, 0

start:
	cli
	cld
	movl	$stack_top, %esp
	cmpl	$MB_BOOT_MAGIC, %eax
	je	1f
	FAIL	1
1:	movl	%ebx, %ebp		/* the information structure */
	movl	0(%ebp), %eax
	andl	$MBI_WANTED, %eax
	cmpl	$MBI_WANTED, %eax
	je	1f
	FAIL	2
1:	EXPECT	639, 4(%ebp), 3		/* mem_lower: KiB below the EBDA */
	EXPECT	3072, 8(%ebp), 4	/* mem_upper: 4 MiB less the first */
	movl	16(%ebp), %esi
	movl	$want_cmdline, %edi
	call	streq
	je	1f
	FAIL	5
1:	EXPECT	2, 20(%ebp), 6		/* mods_count */
	movl	24(%ebp), %ebx		/* mods_addr */
	movl	0(%ebx), %esi		/* module 0: page-aligned, above the kernel */
	testl	$0xfff, %esi
	jnz	2f
	cmpl	$kernel_end, %esi
	jae	1f
2:	FAIL	7
1:	movl	4(%ebx), %ecx
	subl	%esi, %ecx
	cmpl	$MODULE_BYTES, %ecx
	je	1f
	FAIL	8
1:	xorl	%ecx, %ecx		/* byte i == 'A' + i % 26 */
2:	movl	%ecx, %eax
	xorl	%edx, %edx
	movl	$26, %edi
	divl	%edi
	addl	$'A', %edx
	movzbl	(%esi,%ecx), %eax
	cmpl	%edx, %eax
	je	3f
	FAIL	9
3:	incl	%ecx
	cmpl	$MODULE_BYTES, %ecx
	jb	2b
	movl	16(%ebx), %esi		/* module 1: page-aligned, after module 0 */
	testl	$0xfff, %esi
	jnz	2f
	cmpl	4(%ebx), %esi
	jae	1f
2:	FAIL	10
1:	cmpl	$0x464c457f, (%esi)	/* "\x7fELF" of the other guest's class */
	jne	2f
	cmpb	$OTHER_CLASS, 4(%esi)
	je	1f
2:	FAIL	11
1:	movl	8(%ebx), %esi		/* the modules' strings: their names */
	movl	$want_module0, %edi
	call	streq
	jne	2f
	movl	24(%ebx), %esi
	movl	$want_module1, %edi
	call	streq
	je	1f
2:	FAIL	12
1:	EXPECT	MAP_BYTES, 44(%ebp), 13	/* mmap_length */
	movl	48(%ebp), %esi		/* mmap_addr */
	movl	$want_map, %edi
	movl	$MAP_BYTES / 4, %ecx
	repe cmpsl
	je	1f
	FAIL	14
1:	movl	64(%ebp), %esi		/* boot_loader_name */
	movl	$want_loader, %edi
	call	streq
	je	1f
	FAIL	15
1:	EXPECT	0, bss_word, 16
	xorl	%eax, %eax		/* pass */

	REPORT

/* streq: ZF set if the NUL-terminated strings at ESI and EDI are equal (clobbers EAX, ESI, EDI) */
streq:
	lodsb
	cmpb	(%edi), %al
	jne	1f
	incl	%edi
	testb	%al, %al
	jnz	streq
1:	ret

want_cmdline:	.asciz	WANT_CMDLINE
want_module0:	.asciz	"guest_mb_module"
want_module1:	.asciz	OTHER_NAME
want_loader:	.asciz	"Moat VMM"

/* The memory map of 4 MiB of RAM: size 20, base, length, type (1 RAM, 2 reserved, 3 ACPI) */
	.balign	4
want_map:
	.long	20
	.quad	0, 0x9FC00
	.long	1
	.long	20
	.quad	0x9FC00, 0x400
	.long	2
	.long	20
	.quad	0xE0000, 0x1000
	.long	3
	.long	20
	.quad	0xE1000, 0x1F000
	.long	2
	.long	20
	.quad	0x100000, 0x300000
	.long	1
	.long	20
	.quad	0xFEC00000, 0x1000
	.long	2
	.long	20
	.quad	0xFEE00000, 0x1000
	.long	2

	.bss
	.balign	16
bss_word:
	.fill	4, 1, 0
stack:	.fill	1024, 1, 0
stack_top:
kernel_end:
