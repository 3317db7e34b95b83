/* guest: load=0x8000 mode=protected */
/*
 * kvmclock: KVM's paravirtual clock as Linux finds and reads it
 * (servers/vmm/kvmclock.c).  CPUID 0x40000100 names "KVMKVMKVM" and
 * 0x40000101 the clock's MSRs and a stable TSC; writing
 * MSR_KVM_SYSTEM_TIME_NEW makes the VMM write this vCPU's record; the
 * clock read from it (nanoseconds = system_time + scale(TSC -
 * tsc_timestamp)) must agree with the ACPI PM timer, an independent
 * model, over 200 ms (each end sampled between two reads of the clock
 * at most 1 ms apart, which another guest's time slice would break); the wall clock is the RTC's starting time; a record
 * outside RAM is refused with #GP; an IA32_TSC write rewrites the record
 * so that the clock goes on smoothly.
 *
 * Failure codes (port 0xF0):
 *   2  CPUID 0x40000100 is not "KVMKVMKVM" up to leaf 0x40000101
 *   3  CPUID 0x40000101 lacks CLOCKSOURCE2 (bit 3) or the stable bit (24)
 *   4  CPUID 0x40000000 no longer says "Moat"
 *   5  wrmsr MSR_KVM_SYSTEM_TIME_NEW raised #GP
 *   6  it does not read back
 *   7  the record's version is odd or 0
 *   8  its multiplier is 0
 *   9  its flags lack PVCLOCK_TSC_STABLE
 *  10  200 ms of PM timer were not 200 ms (+-2 ms) of the clock
 *  11  the clock reads more than 600 s since the guest's power-on
 *  12  the wall clock is not 2025-01-01 00:00:00 (1735689600)
 *  13  the wall clock's version is odd or 0
 *  14  a record at 0xFFFFF000, outside RAM, did not raise exactly one #GP
 *  15  after it the MSR no longer reads the record in RAM
 *  16  writing 0 (off) does not read back 0
 *  17  after wrmsr IA32_TSC = 2^40, tsc_timestamp did not move up by 2^39 or more
 *  18  that rewrite did not advance the version by 2
 *  19  the clock jumped back, or ahead by 10 s, across the TSC write
 *  0x100 + n  unexpected exception n
 */
#include "guest.h"

	.code32
	.text
	.globl	start

	.set	MSR_TSC, 0x10
	.set	MSR_WALL_CLOCK, 0x4b564d00
	.set	MSR_SYSTEM_TIME, 0x4b564d01
	.set	PM_TMR, 0x608
	.set	PM_HZ, 3579545
	.set	PM_200MS, 715909
	.set	NVEC, 32

/* WRMSR_GP msr, addr: MSR = addr (EDX 0), with gp_count reset first */
.macro	WRMSR_GP msr, addr
	movl	$0, gp_count
	movl	$\msr, %ecx
	movl	\addr, %eax
	xorl	%edx, %edx
	wrmsr
.endm

start:
	GUEST_ENTRY NVEC
	SET_GATE 13, gp_handler
	lidt	idt_desc

	/* ---- CPUID: the signature and the features ---- */
	movl	$0x40000100, %eax
	cpuid
	EXPECT	0x4b4d564b, %ebx, 2
	EXPECT	0x564b4d56, %ecx, 2
	EXPECT	0x0000004d, %edx, 2
	EXPECT_AT_LEAST 0x40000101, %eax, 2
	movl	$0x40000101, %eax
	cpuid
	andl	$0x01000008, %eax
	EXPECT	0x01000008, %eax, 3
	movl	$0x40000000, %eax
	cpuid
	EXPECT	0x74616f4d, %ebx, 4

	/* ---- the record ---- */
	WRMSR_GP MSR_SYSTEM_TIME, $(clock + 1)
	EXPECT	0, gp_count, 5
	movl	$MSR_SYSTEM_TIME, %ecx
	rdmsr
	EXPECT	clock + 1, %eax, 6
	EXPECT	0, %edx, 6
	movl	clock, %eax
	testl	$1, %eax
	jz	1f
	FAIL	7
1:	EXPECT_AT_LEAST 2, %eax, 7
	EXPECT_AT_LEAST 1, clock + 24, 8
	testb	$1, clock + 29
	jnz	1f
	FAIL	9
1:
	/* ---- against the PM timer: 200 ms ---- */
	call	pm_sample
	movl	%esi, pm0
	movl	%eax, t0
	movl	%edx, t0 + 4
2:	movw	$PM_TMR, %dx
	inl	%dx, %eax
	subl	pm0, %eax
	andl	$0xFFFFFF, %eax		/* 24 bits wrap */
	cmpl	$PM_200MS, %eax
	jb	2b
	call	pm_sample
	movl	%eax, t1
	movl	%edx, t1 + 4
	movl	%esi, %eax		/* the PM timer's ticks as nanoseconds */
	subl	pm0, %eax
	andl	$0xFFFFFF, %eax
	movl	$1000000000, %ecx
	mull	%ecx
	movl	$PM_HZ, %ecx
	divl	%ecx
	movl	%eax, %ebx		/* EBX = what the PM timer says */
	movl	t1, %eax
	movl	t1 + 4, %edx
	subl	t0, %eax
	sbbl	t0 + 4, %edx
	EXPECT	0, %edx, 10
	subl	%ebx, %eax		/* the clock's less the PM timer's */
	jns	3f
	negl	%eax
3:	cmpl	$2000000, %eax		/* 2 ms: the samples' 1 ms at each end */
	jbe	1f
	FAIL	10
1:	cmpl	$140, t1 + 4		/* 140 << 32 ns: 601 s */
	jb	1f
	FAIL	11
1:
	/* ---- the wall clock ---- */
	WRMSR_GP MSR_WALL_CLOCK, $wall
	EXPECT	0, gp_count, 13
	EXPECT	1735689600, wall + 4, 12
	movl	wall, %eax
	testl	$1, %eax
	jz	1f
	FAIL	13
1:	EXPECT_AT_LEAST 2, %eax, 13

	/* ---- a record outside RAM: #GP, the old one stays ---- */
	WRMSR_GP MSR_SYSTEM_TIME, $0xFFFFF001
	EXPECT	1, gp_count, 14
	movl	$MSR_SYSTEM_TIME, %ecx
	rdmsr
	EXPECT	clock + 1, %eax, 15

	/* ---- off, and on again ---- */
	WRMSR_GP MSR_SYSTEM_TIME, $0
	movl	$MSR_SYSTEM_TIME, %ecx
	rdmsr
	EXPECT	0, %eax, 16
	WRMSR_GP MSR_SYSTEM_TIME, $(clock + 1)
	EXPECT	0, gp_count, 5

	/* ---- IA32_TSC = 2^40: the record follows, the clock goes on ---- */
	movl	clock, %edi		/* the version before */
	movl	clock + 12, %ebx	/* and tsc_timestamp's high half */
	movl	$MSR_TSC, %ecx
	movl	$0x100, %edx
	xorl	%eax, %eax
	wrmsr
	movl	clock + 12, %eax	/* the TSC at the clock's 0 moved up with it: */
	subl	%ebx, %eax		/* by 2^40 less the TSC before, over 2^39 */
	EXPECT_AT_LEAST 0x80, %eax, 17
	addl	$2, %edi
	cmpl	%edi, clock
	je	1f
	FAIL	18
1:
	call	clock_read
	subl	t1, %eax
	sbbl	t1 + 4, %edx		/* EDX:EAX = now - t1: positive, under 10 s */
	jnc	1f
	FAIL	19
1:	cmpl	$2, %edx		/* 2 << 32 ns: 8.6 s */
	jb	1f
	FAIL	19
1:
	xorl	%eax, %eax		/* pass */
	REPORT

/*
 * pm_sample: ESI = the PM timer, EDX:EAX = the clock just before it was
 * read, the clock's reads around it at most 1 ms apart: else again (the
 * vCPU's thread lost the CPU to another guest's in between).
 */
pm_sample:
1:	call	clock_read
	movl	%eax, sample
	movl	%edx, sample + 4
	movw	$PM_TMR, %dx
	inl	%dx, %eax
	movl	%eax, %esi
	call	clock_read
	subl	sample, %eax
	sbbl	sample + 4, %edx
	jnz	1b
	cmpl	$1000000, %eax
	ja	1b
	movl	sample, %eax
	movl	sample + 4, %edx
	ret

/*
 * clock_read: EDX:EAX = the clock in nanoseconds, from the record at
 * `clock` as a guest reads it: again while the version is odd or changed.
 * (The shift is below 32: the VMM's is 0 at a TSC of 1 GHz and more.)
 */
clock_read:
	pushl	%ebx
	pushl	%esi
	pushl	%edi
	pushl	%ebp
1:	movl	clock, %ebp		/* the version */
	rdtsc
	subl	clock + 8, %eax		/* - tsc_timestamp */
	sbbl	clock + 12, %edx
	movb	clock + 28, %cl		/* << tsc_shift */
	shldl	%cl, %eax, %edx
	shll	%cl, %eax
	movl	%edx, %esi		/* the delta's high half */
	mull	clock + 24		/* low * mul */
	movl	%edx, %edi		/* its high half: (low * mul) >> 32 */
	movl	%esi, %eax
	mull	clock + 24		/* high * mul */
	addl	%edi, %eax
	adcl	$0, %edx		/* (delta * mul) >> 32 */
	addl	clock + 16, %eax	/* + system_time */
	adcl	clock + 20, %edx
	cmpl	clock, %ebp
	jne	1b
	testl	$1, %ebp
	jnz	1b
	popl	%ebp
	popl	%edi
	popl	%esi
	popl	%ebx
	ret

gp_handler:
	incl	gp_count
	addl	$4, %esp		/* the error code */
	addl	$2, (%esp)		/* past the 2-byte WRMSR */
	iret

	SET_GATE_FUNCTION
	VECTOR_STUBS NVEC
	UNEXPECTED_FAILS

	.balign	32
clock:	.fill	32, 1, 0
wall:	.fill	12, 1, 0
	.balign	4
t0:	.quad	0
t1:	.quad	0
sample:	.quad	0
pm0:	.long	0
gp_count: .long	0

	DESCRIPTOR_TABLES NVEC
