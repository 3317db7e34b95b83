/* guest: load=0x8000 mode=protected */
/*
 * bench: the cost of one CPUID exit, in the guest's own time stamp counter
 * (under Bochs: instructions, guest and host together).  Warms up, times
 * 1000 CPUIDs and reports the average on the bench port 0xF1; each
 * iteration includes three loop instructions besides the CPUID.
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

	rdtsc
	mov	%eax, %esi
	mov	%edx, %edi
	mov	$1000, %ebp
2:	xor	%eax, %eax
	cpuid
	dec	%ebp
	jnz	2b
	rdtsc
	sub	%esi, %eax
	sbb	%edi, %edx
	mov	$1000, %ecx
	div	%ecx
	mov	$BENCH_PORT, %dx
	out	%eax, %dx
	HALT
