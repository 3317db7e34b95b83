/* guest: load=0x8000 mode=protected */
/*
 * cpuid: CPUID is intercepted and filtered by the VMM.
 *
 * Failure codes (port 0xF0):
 *   1  leaf 0: maximum basic leaf (EAX) < 1
 *   2  leaf 0: vendor string EBX is zero
 *   3  leaf 0: vendor string EDX is zero
 *   4  leaf 0: vendor string ECX is zero
 *   5  leaf 1: ECX bit 5 (VMX) is set; the VMM must hide it
 *   6  leaf 1: EAX (family/model/stepping signature) is zero
 */
#include "guest.h"

	.code32
	.text
	.globl	start

start:
	xorl	%eax, %eax
	xorl	%ecx, %ecx
	cpuid
	cmpl	$1, %eax
	jae	1f
	FAIL	1
1:	testl	%ebx, %ebx
	jnz	1f
	FAIL	2
1:	testl	%edx, %edx
	jnz	1f
	FAIL	3
1:	testl	%ecx, %ecx
	jnz	1f
	FAIL	4
1:
	movl	$1, %eax
	xorl	%ecx, %ecx
	cpuid
	testl	$(1 << 5), %ecx
	jz	1f
	FAIL	5
1:	testl	%eax, %eax
	jnz	1f
	FAIL	6
1:	xorl	%eax, %eax		/* pass */

	REPORT
