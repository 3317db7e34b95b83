/* guest: load=0x10000 mode=multiboot */
/*
 * multiboot: a Multiboot (v1) kernel loaded as a flat image through the
 * header's address fields (flags bit 16).  Flags bit 1 asks the loader for
 * mem_lower/mem_upper.  Entered in 32-bit flat protected mode with
 * EAX = 0x2BADB002 and EBX = physical address of the multiboot_info.
 * On success it prints "multiboot guest ok\r\n" one character at a time
 * with VMCALL function 1 and reports 0.
 *
 * mem_upper is the memory above 1 MiB in KiB, so this guest needs more than
 * the default 1 MiB of guest RAM (e.g. 2 MiB) to pass check 5.
 *
 * Failure codes (port 0xF0):
 *   1  EAX != 0x2BADB002 at entry
 *   2  EBX (multiboot_info) is 0 or the structure is not inside the first
 *      1 MiB - 0x58 (so it could not be read safely)
 *   3  info.flags bit 0 (mem_lower/mem_upper valid) clear
 *   4  mem_lower == 0 or mem_lower > 640
 *   5  mem_upper == 0
 */
#include "guest.h"

	.code32
	.text
	.globl	start

	.set	MB_BOOT_MAGIC, 0x2BADB002
	.set	MBI_SIZE, 0x58

	MULTIBOOT_HEADER

start:
	cli
	cld
	movl	$stack_top, %esp
	cmpl	$MB_BOOT_MAGIC, %eax
	je	1f
	FAIL	1
1:	testl	%ebx, %ebx
	jnz	1f
	FAIL	2
1:	cmpl	$0x100000 - MBI_SIZE, %ebx
	jbe	1f
	FAIL	2
1:	testl	$1, 0(%ebx)		/* flags */
	jnz	1f
	FAIL	3
1:	movl	4(%ebx), %eax		/* mem_lower (KiB) */
	testl	%eax, %eax
	jz	2f
	cmpl	$640, %eax
	jbe	1f
2:	FAIL	4
1:	cmpl	$0, 8(%ebx)		/* mem_upper (KiB) */
	jne	1f
	FAIL	5
1:
	movl	$message, %esi
1:	movzbl	(%esi), %ebx
	testl	%ebx, %ebx
	jz	2f
	movl	$HC_PUTC, %eax
	vmcall
	incl	%esi
	jmp	1b
2:	xorl	%eax, %eax		/* pass */

	REPORT

message:
	.ascii	"multiboot guest ok\r\n"
	.byte	0

	.balign	16
stack:	.fill	512, 1, 0
stack_top:
