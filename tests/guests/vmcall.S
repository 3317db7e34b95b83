/* guest: load=0x8000 mode=protected */
/*
 * vmcall: the VMM's hypercall interface (EAX = function, EBX/ECX/EDX =
 * arguments, result in EAX).  Function 0 "ping" returns EBX + 1; an
 * unknown function returns 0xFFFFFFFF.  Also checks that a VMCALL advances
 * EIP past itself (a loop of pings) and leaves ESI/EDI/EBP/ESP alone.
 *
 * Failure codes (port 0xF0):
 *   1  ping(41) != 42
 *   2  ping(0xFFFFFFFF) != 0 (32-bit wrap-around)
 *   3  unknown function 0x7FFF did not return 0xFFFFFFFF
 *   4  unknown function 0xFFFFFFFF did not return 0xFFFFFFFF
 *   5  ESI, EDI, EBP or ESP changed across VMCALLs
 *   6  a loop of 1000 pings returned a wrong value
 */
#include "guest.h"

	.code32
	.text
	.globl	start

	.set	SENTINEL_ESI, 0x51515151
	.set	SENTINEL_EDI, 0xD1D1D1D1
	.set	SENTINEL_EBP, 0xB1B1B1B1

start:
	movl	%esp, saved_esp
	movl	$SENTINEL_ESI, %esi
	movl	$SENTINEL_EDI, %edi
	movl	$SENTINEL_EBP, %ebp

	movl	$HC_PING, %eax
	movl	$41, %ebx
	xorl	%ecx, %ecx
	xorl	%edx, %edx
	vmcall
	EXPECT	42, %eax, 1

	movl	$HC_PING, %eax
	movl	$0xFFFFFFFF, %ebx
	vmcall
	EXPECT	0, %eax, 2

	movl	$0x7FFF, %eax
	xorl	%ebx, %ebx
	vmcall
	EXPECT	0xFFFFFFFF, %eax, 3

	movl	$0xFFFFFFFF, %eax
	vmcall
	EXPECT	0xFFFFFFFF, %eax, 4

	EXPECT	SENTINEL_ESI, %esi, 5
	EXPECT	SENTINEL_EDI, %edi, 5
	EXPECT	SENTINEL_EBP, %ebp, 5
	cmpl	saved_esp, %esp
	je	1f
	FAIL	5
1:
	/* 1000 pings in a row: ping(i) == i + 1 */
	xorl	%ecx, %ecx
2:	movl	$HC_PING, %eax
	movl	%ecx, %ebx
	pushl	%ecx
	vmcall
	popl	%ecx
	leal	1(%ecx), %edx
	cmpl	%edx, %eax
	je	3f
	FAIL	6
3:	incl	%ecx
	cmpl	$1000, %ecx
	jb	2b

	xorl	%eax, %eax		/* pass */

	REPORT

	.balign	4
saved_esp:	.long	0
