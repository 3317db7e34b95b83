/* guest: load=0x8000 mode=protected */
/*
 * spin_timers: timer interrupts reach a guest that spins with interrupts
 * on and never exits by itself (as Linux does while it calibrates): the
 * PIT's channel 0 in mode 2 at PIT_INPUT_HZ / PIT_COUNT (100 Hz, through the
 * 8259 pair, vectors 0x20-0x2F, IRQ 0 alone unmasked, through LINT0 as
 * ExtINT) and the local APIC
 * timer periodic every APIC_MS ms (vector 0x50).  Nothing in the loop
 * exits (RDTSC does not): only the VMM's exit deadline (docs/vm-exit-
 * protocol.md) brings the interrupts in.
 *
 * The guest spins for SPIN_MS ms of TSC time (the rate from test port
 * 0xD8, in kHz), and each handler notes the TSC counts since the one
 * before.  Its vCPU shares the CPU with the test run's spinners (a slice
 * of 20 ms each, round robin; `alone` keeps the other guests away), and a
 * timer's edges while it waits for its turn become one interrupt, as a
 * PC's 8259 and local APIC latch one.  The spin loop reads the TSC all
 * the time, so it sees such a wait as a gap of GAP_MS ms or more between
 * two reads (an exit to deliver an interrupt takes far less), and so does
 * a handler that comes after one; an interval between two interrupts
 * with such a gap in it does not count.  The counts are checked from
 * both sides: no more interrupts than periods in the time spun (plus the
 * edges at either end), and, of at least 5 intervals with no gap, three
 * quarters within 10% of the period.  A VMM that lets the timers run
 * only at exits gives none while the guest spins; one whose timers run
 * at another rate, or late, gives intervals that are not the period.
 * Either way it prints each timer's figures on COM1 (print_stats): its
 * interrupts, intervals with no gap, those on time, and the shortest and
 * longest of them.
 *
 * Failure codes (port 0xF0):
 *   1  fewer than 10 PIT interrupts while spinning
 *   2  fewer than 10 local APIC timer interrupts while spinning
 *   3  more PIT interrupts than periods in the time spun, plus 2
 *   4  more APIC timer interrupts than periods in the time spun, plus 2
 *   5  under 5 of the PIT's intervals with no gap, or under three quarters
 *      of them within 10% of its period
 *   6  the same for the APIC timer
 *   7  the TSC rate port reads 0
 *   0x100 + n  unexpected vector n
 */
#include "guest.h"

	.code32
	.text
	.globl	start

	.set	PIT_COUNT, 11932		/* 100 Hz: 10 ms */
	.set	APIC_LVT_TIMER, 0x320
	.set	APIC_TIMER_INITIAL, 0x380
	.set	APIC_TIMER_DIVIDE, 0x3E0
	.set	LVT_PERIODIC, 1 << 17
	.set	BUS, 16				/* TSC counts per APIC bus clock (CPUID 0x15) */
	.set	APIC_MS, 13
	.set	SPIN_MS, 3000			/* 1000 gave the APIC timer 4 intervals with no gap under QEMU, under the 5 it needs */
	.set	GAP_MS, 5			/* a wait for the CPU: a slice is 20 ms */
	.set	VEC_PIT, 0x20
	.set	VEC_APIC, 0x50
	.set	NVEC, 0x60

	/* a timer's figures (pit_stats, apic_stats) */
	.set	T_COUNT, 0			/* interrupts */
	.set	T_ON_TIME, 4			/* intervals within 10% of the period */
	.set	T_LAST, 8			/* the TSC of the last one (quadword) */
	.set	T_PERIOD, 16			/* TSC counts */
	.set	T_LOW, 20			/* the period less 10% */
	.set	T_HIGH, 24			/* and more 10% */
	.set	T_VALID, 28			/* intervals with no gap in them */
	.set	T_GAPS, 32			/* `gaps` at the last one */
	.set	T_MIN, 36			/* the shortest interval with no gap (TSC counts) */
	.set	T_MAX, 40			/* and the longest */

start:
	GUEST_ENTRY NVEC
	SET_GATE VEC_PIT, pit_handler
	SET_GATE VEC_APIC, apic_handler
	lidt	idt_desc
	PIC_INIT 0xFE, 0xFF		/* IRQ 0 alone unmasked */

	TSC_KHZ	7
	movl	%eax, khz

	/* the PIT's period: khz * PIT_COUNT * 1000 / PIT_INPUT_HZ TSC counts */
	movl	$(PIT_COUNT * 1000), %ecx
	mull	%ecx
	movl	$PIT_INPUT_HZ, %ecx
	divl	%ecx
	movl	$pit_stats, %ebx
	call	set_period

	/* the APIC timer's: APIC_MS * khz / BUS bus clocks, each BUS TSC counts */
	movl	khz, %eax
	imull	$APIC_MS, %eax
	shrl	$4, %eax
	movl	%eax, apic_initial
	shll	$4, %eax
	movl	$apic_stats, %ebx
	call	set_period

	movl	$APIC, %esi
	movl	$0x1FF, APIC_SVR(%esi)
	movl	$LVT_EXTINT, APIC_LVT_LINT0(%esi)	/* (reset masks it) */
	movl	$(LVT_PERIODIC | VEC_APIC), APIC_LVT_TIMER(%esi)
	movl	$0xB, APIC_TIMER_DIVIDE(%esi)	/* divide by 1 */

	movl	khz, %eax
	imull	$GAP_MS, %eax
	movl	%eax, gap_tsc
	movl	khz, %eax
	movl	$SPIN_MS, %ecx
	mull	%ecx
	testl	%edx, %edx
	jz	1f
	movl	$-1, %eax		/* a TSC over 1.4 GHz: 2^32 counts, the most the loop can wait */
1:	movl	%eax, spin_tsc
	rdtsc
	movl	%eax, start_tsc
	movl	%edx, start_tsc + 4
	PIT_RATE_GENERATOR PIT_COUNT
	movl	apic_initial, %eax
	movl	%eax, APIC_TIMER_INITIAL(%esi)

	/* spin, with no exit, for SPIN_MS ms, counting the gaps between two reads of the TSC */
	rdtsc
	movl	%eax, spin_last
	movl	%edx, spin_last + 4
	sti
2:	rdtsc
	movl	%eax, %ecx
	movl	%edx, %ebp
	subl	spin_last, %ecx
	sbbl	spin_last + 4, %ebp
	movl	%eax, spin_last
	movl	%edx, spin_last + 4
	jnz	8f
	cmpl	gap_tsc, %ecx
	jb	9f
8:	incl	gaps
9:	subl	start_tsc, %eax
	sbbl	start_tsc + 4, %edx
	jnz	3f
	cmpl	spin_tsc, %eax
	jb	2b
3:	cli
	movl	$pit_stats, %ebx
	movl	$pit_name, %esi
	call	print_stats
	movl	$apic_stats, %ebx
	movl	$apic_name, %esi
	call	print_stats

	EXPECT_AT_LEAST 10, pit_stats + T_COUNT, 1
	EXPECT_AT_LEAST 10, apic_stats + T_COUNT, 2
	movl	$pit_stats, %ebx
	call	periods_spun
	cmpl	%eax, pit_stats + T_COUNT
	jbe	4f
	FAIL	3
4:	movl	$apic_stats, %ebx
	call	periods_spun
	cmpl	%eax, apic_stats + T_COUNT
	jbe	5f
	FAIL	4
5:	movl	$pit_stats, %ebx
	call	mostly_on_time
	jnc	6f
	FAIL	5
6:	movl	$apic_stats, %ebx
	call	mostly_on_time
	jnc	7f
	FAIL	6
7:	xorl	%eax, %eax		/* pass */

	REPORT

/*
 * print_stats: the figures of the timer at EBX, named by the string at
 * ESI, on COM1: "spin_timers: NAME N interrupts, V intervals with no gap,
 * O on time, MIN to MAX us" (the shortest and longest of those V), for
 * a failure to show how the intervals went.
 */
print_stats:
	pushl	%ebx
	pushl	%esi
	movl	$prefix, %esi
	call	puts
	popl	%esi
	call	puts
	popl	%ebx
	movl	T_COUNT(%ebx), %eax
	movl	$s_interrupts, %ecx
	call	print_figure
	movl	T_VALID(%ebx), %eax
	movl	$s_valid, %ecx
	call	print_figure
	movl	T_ON_TIME(%ebx), %eax
	movl	$s_on_time, %ecx
	call	print_figure
	movl	T_MIN(%ebx), %eax
	call	to_us
	movl	$s_to, %ecx
	call	print_figure
	movl	T_MAX(%ebx), %eax
	call	to_us
	movl	$s_us, %ecx
	call	print_figure
	ret

/* to_us: EAX TSC counts in microseconds (0 for none: the minimum's start) */
to_us:
	cmpl	$-1, %eax
	jne	1f
	xorl	%eax, %eax
1:	movl	$1000, %ecx
	mull	%ecx
	divl	khz
	ret

/* print_figure: EAX in decimal, then the string at ECX (keeps EBX) */
print_figure:
	pushl	%ebx
	pushl	%ecx
	DECIMAL
	movl	%edi, %esi
	call	puts
	popl	%esi
	call	puts
	popl	%ebx
	ret

	PUTS_FUNCTION

/* set_period: EAX TSC counts the period of the timer at EBX, with its 10% bounds */
set_period:
	movl	$-1, T_MIN(%ebx)
	movl	%eax, T_PERIOD(%ebx)
	movl	%eax, %ecx
	xorl	%edx, %edx
	movl	$10, %edi
	divl	%edi
	subl	%eax, %ecx
	movl	%ecx, T_LOW(%ebx)
	addl	T_PERIOD(%ebx), %eax
	movl	%eax, T_HIGH(%ebx)
	ret

/* periods_spun: EAX = the periods of the timer at EBX in spin_tsc, plus 2 */
periods_spun:
	movl	spin_tsc, %eax
	xorl	%edx, %edx
	divl	T_PERIOD(%ebx)
	addl	$2, %eax
	ret

/* mostly_on_time: carry set unless the timer at EBX has 5 intervals with no gap and 4 * on time >= 3 * those */
mostly_on_time:
	movl	T_VALID(%ebx), %eax
	cmpl	$5, %eax
	jb	1f			/* (CF set) */
	leal	(%eax,%eax,2), %eax
	movl	T_ON_TIME(%ebx), %ecx
	shll	$2, %ecx
	cmpl	%eax, %ecx		/* CF: 4 * on time < 3 * intervals */
1:	ret

/*
 * tick: the timer at EBX interrupted: count it, and if neither a gap the
 * spin loop saw nor one before this handler (since the loop's last read)
 * lies in the interval since the last, whether it was a period.
 */
tick:
	rdtsc
	movl	gaps, %esi
	cmpl	$0, T_COUNT(%ebx)
	je	1f			/* the first: no interval */
	cmpl	T_GAPS(%ebx), %esi
	jne	1f
	movl	%eax, %ecx
	movl	%edx, %ebp
	subl	spin_last, %ecx
	sbbl	spin_last + 4, %ebp
	jnz	1f
	cmpl	gap_tsc, %ecx
	jae	1f			/* it waited for the CPU before this handler */
	incl	T_VALID(%ebx)
	movl	%eax, %ecx
	movl	%edx, %ebp
	subl	T_LAST(%ebx), %ecx
	sbbl	T_LAST + 4(%ebx), %ebp
	jnz	1f			/* 2^32 counts and more: late */
	cmpl	T_MIN(%ebx), %ecx
	jae	2f
	movl	%ecx, T_MIN(%ebx)
2:	cmpl	T_MAX(%ebx), %ecx
	jbe	2f
	movl	%ecx, T_MAX(%ebx)
2:	cmpl	T_LOW(%ebx), %ecx
	jb	1f
	cmpl	T_HIGH(%ebx), %ecx
	ja	1f
	incl	T_ON_TIME(%ebx)
1:	movl	%esi, T_GAPS(%ebx)
	movl	%eax, T_LAST(%ebx)
	movl	%edx, T_LAST + 4(%ebx)
	incl	T_COUNT(%ebx)
	ret

/* IRQ 0: its tick, then a non-specific EOI */
pit_handler:
	pushal
	movl	$pit_stats, %ebx
	call	tick
	movb	$0x20, %al
	outb	%al, $PIC1_CMD
	popal
	iret

/* the local APIC timer: its tick, then EOI */
apic_handler:
	pushal
	movl	$apic_stats, %ebx
	call	tick
	movl	$0, APIC + APIC_EOI
	popal
	iret

	SET_GATE_FUNCTION

/* one stub per vector: push the vector */
	VECTOR_STUBS NVEC

	UNEXPECTED_FAILS

	.balign	4
khz:		.long	0
apic_initial:	.long	0
spin_tsc:	.long	0		/* SPIN_MS ms in TSC counts */
gap_tsc:	.long	0		/* GAP_MS ms in TSC counts */
gaps:		.long	0		/* the spin loop's gaps of gap_tsc and more */
start_tsc:	.quad	0
spin_last:	.quad	0		/* the spin loop's last read of the TSC */
pit_stats:	.fill	11, 4, 0
apic_stats:	.fill	11, 4, 0
digits:		.fill	10, 1, 0
digits_end:	.byte	0
prefix:		.asciz	"spin_timers: "
pit_name:	.asciz	"PIT: "
apic_name:	.asciz	"APIC timer: "
s_interrupts:	.asciz	" interrupts, "
s_valid:	.asciz	" intervals with no gap, "
s_on_time:	.asciz	" on time, "
s_to:		.asciz	" to "
s_us:		.asciz	" us\r\n"

	DESCRIPTOR_TABLES NVEC
