/* guest: load=0x8000 mode=protected */
/*
 * bench: the cost of one CPUID exit, in the guest's own time stamp counter
 * (under Bochs: instructions, guest and host together).  Warms up, then
 * times 10 batches of 100 CPUIDs and reports the cheapest batch's average
 * on the bench port 0xF1: a batch during which the scheduler ran another
 * vCPU of the same priority (the test suite's spinners) is not the exit's
 * cost.  Each iteration includes three loop instructions besides the CPUID.
 */
#include "guest.h"

	.code32
	.text
	.globl start

	.set	BENCH_PORT, 0xF1

start:
	mov	$100, %ebp		/* warm-up */
1:	xor	%eax, %eax
	cpuid
	dec	%ebp
	jnz	1b

	mov	$10, %edi		/* batches (CPUID clobbers EAX-EDX) */
	movl	$0xffffffff, cheapest
3:	rdtsc
	mov	%eax, %esi
	mov	$100, %ebp
2:	xor	%eax, %eax
	cpuid
	dec	%ebp
	jnz	2b
	rdtsc
	sub	%esi, %eax		/* a batch takes far below 2^32 counts */
	cmp	cheapest, %eax
	jae	4f
	mov	%eax, cheapest
4:	dec	%edi
	jnz	3b
	mov	cheapest, %eax
	xor	%edx, %edx
	mov	$100, %ecx
	div	%ecx
	mov	$BENCH_PORT, %dx
	out	%eax, %dx
	HALT

	.data
	.align	4
cheapest:
	.long	0
