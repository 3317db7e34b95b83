/* guest: load=0x8000 mode=protected */
/*
 * pause: a spin-wait must give the CPU away (vcpus=2).  The BSP starts
 * the AP (INIT, STARTUP, as smp does), then hands it ROUNDS pieces of
 * work: it writes the round's number to GO and waits, interrupts off,
 * in a PAUSE loop until the AP has counted WORK times and written the
 * number to DONE.  The AP waits for GO in a PAUSE loop too.  Both vCPUs
 * are threads of one priority on one CPU, so a waiter that keeps the CPU
 * keeps the other from its work: only the kernel's PAUSE-loop exit and
 * yield (docs/vm-exit-protocol.md, "What the kernel keeps") let a round
 * end before the waiter's time slice does.
 *
 * The figure: for each round, how long the BSP spun while it held the
 * CPU, from the TSC read after each PAUSE: the sum of the gaps between
 * two reads shorter than GAP (100 us); a longer gap means another thread
 * ran in between (the AP's work alone takes longer), and does not count.
 * Without the yield the BSP spins to the end of its slice, 20 ms
 * (kernel/thread.h TIMESLICE_TICKS at kernel/lapic.h TIMER_HZ); with it,
 * for the kernel's PAUSE-loop window or pause filter, or one PAUSE.  Any
 * round over LIMIT, an eighth of a slice (2.5 ms), fails.  This measures
 * no speed of the host: under Bochs the TSC counts instructions, under
 * QEMU -icount instructions times a constant, and the slice runs by the
 * same TSC.  Other threads that run meanwhile (the suite's spinners) make
 * a round longer but add nothing to the figure.
 *
 * For make bench it prints the least a round spun, `bench
 * pause_wait_held_instructions: N` (TSC counts: instructions under Bochs;
 * tools/bench.sh divides QEMU's by 128): how long a waiting vCPU keeps
 * the CPU before it gives it away.
 *
 * Failure codes (port 0xF0):
 *   1  the TSC rate port (0xD8) reads 0
 *   2  the AP did not start (POLL_LIMIT polls)
 *   3 | round << 8  in that round the BSP spun for more than LIMIT while
 *      it held the CPU
 */
#include "guest.h"

	.code32
	.text
	.globl	start

	.set	TRAMPOLINE, 0x9000
	.set	VECTOR, TRAMPOLINE >> 12
	.set	SHARED, 0xA000
	.set	READY, SHARED			/* the AP runs */
	.set	GO, SHARED + 4			/* the round the BSP asks for */
	.set	DONE, SHARED + 8		/* the round the AP finished */
	.set	GAP, SHARED + 12		/* TSC counts: a longer gap is another thread's time */
	.set	LIMIT, SHARED + 16		/* TSC counts: the most a round may spin */
	.set	LEAST, SHARED + 20		/* TSC counts: the least a round spun */
	.set	SHARED_WORDS, 6
	.set	ROUNDS, 50
	.set	WORK, 20000			/* the AP's loop: 2 instructions each */
	.set	POLL_LIMIT, 1000000

start:
	cli
	cld
	xorl	%eax, %eax
	movl	$SHARED, %edi
	movl	$SHARED_WORDS, %ecx
	rep stosl

	/* GAP = 100 us, LIMIT = 2.5 ms, in TSC counts (the rate is in kHz) */
	TSC_KHZ	1
	movl	%eax, %ecx
	xorl	%edx, %edx
	movl	$10, %ebx
	divl	%ebx
	movl	%eax, GAP
	leal	(%ecx, %ecx, 4), %eax
	shrl	$1, %eax
	movl	%eax, LIMIT
	movl	$-1, LEAST

	/* the AP: INIT, STARTUP at TRAMPOLINE; it says when it runs */
	COPY_CODE ap_start, ap_end, TRAMPOLINE
	START_AP VECTOR
	movl	$READY, %ebx
	call	poll
	jnz	2f
	FAIL	2

	/*
	 * The rounds: esi the round, edi the CPU time spun in it, ebp the
	 * TSC at the last read (its low half: every gap fits in 32 bits).
	 */
2:	movl	$1, %esi
round:
	movl	%esi, GO
	xorl	%edi, %edi
	rdtsc
	movl	%eax, %ebp
spin:
	pause
	rdtsc
	movl	%eax, %ecx
	subl	%ebp, %ecx
	movl	%eax, %ebp
	cmpl	GAP, %ecx
	jae	3f			/* another thread ran: not this one's time */
	addl	%ecx, %edi
3:	cmpl	%esi, DONE
	jne	spin
	cmpl	LEAST, %edi
	jae	4f
	movl	%edi, LEAST
4:	cmpl	LIMIT, %edi
	jbe	4f
	movl	%esi, %eax
	shll	$8, %eax
	orl	$3, %eax
	jmp	report
4:	incl	%esi
	cmpl	$ROUNDS, %esi
	jbe	round

	/* the figure, in decimal, into digits (backwards from its end) */
	movl	LEAST, %eax
	DECIMAL
	pushl	%edi
	movl	$figure_name, %esi
	call	puts
	popl	%esi
	call	puts
	xorl	%eax, %eax
	REPORT

	POLL_FUNCTION
	PUTS_FUNCTION

figure_name:
	.asciz	"bench pause_wait_held_instructions: "
digits:
	.fill	10, 1, 0
digits_end:
	.asciz	"\r\n"

/*
 * The AP (at TRAMPOLINE: relative jumps only) waits for a new GO in a
 * PAUSE loop, counts WORK, writes the round to DONE, for ever.
 */
	AP_ENTRY ap_start
	xorl	%esi, %esi
	movl	$1, READY
7:	pause
	movl	GO, %eax
	cmpl	%esi, %eax
	je	7b
	movl	%eax, %esi
	movl	$WORK, %ecx
8:	decl	%ecx
	jnz	8b
	movl	%esi, DONE
	jmp	7b
ap_end:
