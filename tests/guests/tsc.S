/* guest: load=0x8000 mode=protected */
/*
 * tsc: the guest's TSC is the host's plus its vCPU's offset, read without
 * an exit, and it never goes backwards: across 100,000 exits (an OUT to
 * the scratch port each), and the preemptions the VM suite's spinning
 * guests cause meanwhile.  Writing IA32_TSC sets the offset, so the TSC
 * starts again near 0.
 *
 * Failure codes (port 0xF0):
 *   1  RDTSC right after writing IA32_TSC = 0 read 2^32 or more
 *   2  the TSC went backwards (or stood still) between two reads with an exit between
 */
#include "guest.h"

	.code32
	.text
	.globl	start

	.set	MSR_TSC, 0x10
	.set	ROUNDS, 100000

start:
	cli
	movl	$MSR_TSC, %ecx
	xorl	%eax, %eax
	xorl	%edx, %edx
	wrmsr
	rdtsc
	EXPECT	0, %edx, 1
	movl	%eax, %esi		/* the last reading: EDI:ESI */
	movl	%edx, %edi
	movl	$ROUNDS, %ebx
1:	outl	%eax, $SCRATCH		/* an exit */
	rdtsc
	cmpl	%edi, %edx
	ja	2f
	jb	3f
	cmpl	%esi, %eax
	ja	2f
3:	FAIL	2
2:	movl	%eax, %esi
	movl	%edx, %edi
	decl	%ebx
	jnz	1b

	xorl	%eax, %eax		/* pass */
	REPORT
