/*
 * The body of the exit benchmarks (bench.S, bench_io.S): the guest's cost
 * of one exit, in its own time stamp counter (under Bochs: instructions,
 * guest and host together).  BENCH_SETUP runs once; then, after a warm-up,
 * 10 batches of 100 BENCH_EXITs are timed and the cheapest batch's
 * average goes out on the bench port 0xF1: a batch during which the
 * scheduler ran another vCPU of the same priority (the test suite's
 * spinners) is not the exit's cost.  Each iteration includes three loop
 * instructions besides the exit.  The including guest defines the two
 * macros, then includes guest.h and this.
 */

	.code32
	.text
	.globl start

	.set	BENCH_PORT, 0xF1

start:
	BENCH_SETUP
	mov	$100, %ebp		/* warm-up */
1:	BENCH_EXIT
	dec	%ebp
	jnz	1b

	mov	$10, %edi		/* batches (the exit may clobber EAX-EDX) */
	movl	$0xffffffff, cheapest
3:	rdtsc
	mov	%eax, %esi
	mov	$100, %ebp
2:	BENCH_EXIT
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
