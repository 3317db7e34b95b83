/* guest: load=0x8000 mode=protected */
/*
 * smp_halt: two vCPUs that halt, each woken while the other runs: the
 * VMM gives each vCPU a thread of its own, so one vCPU's halt (its thread
 * asleep until its timer) does not stop the other's exits.
 *
 * The BSP starts the AP (INIT, STARTUP with vector 0x09), which loops in
 * real mode making an I/O exit (port 0x80) on every turn.  The BSP then
 * halts (`sti; hlt`) until its PIT tick (mode 2, count 65536: 54.9 ms),
 * having written its TSC to shared memory first.  The AP counts the turns
 * whose TSC, read after the exit, is within WINDOW_MS (45 ms) of the
 * BSP's, and the BSP halts again until there are MIN_TURNS, at most HALTS
 * times.  With one VMM thread for both, asleep through the BSP's halt,
 * the AP's exit would wait out the halt, and no turn would end within
 * the window (the vCPUs of the other guests take turns with the AP, so it
 * may miss a halt or two, never all of them).
 * Then the AP halts itself with interrupts on (an AP's halt
 * that only an INIT ends, as no interrupt reaches APs), the BSP halts two
 * more ticks while it sleeps, and sends INIT and STARTUP (vector 0x0B):
 * the sleeping AP must wake and start there, setting a flag the BSP looks
 * for at each of up to 20 more ticks.
 *
 * Failure codes (port 0xF0):
 *   1  the AP did not start
 *   2  the AP made fewer than MIN_TURNS exits while the BSP halted, in HALTS halts
 *   3  the AP did not get to its halt
 *   4  the halted AP did not start again after INIT and STARTUP
 *   5  the TSC rate port reads 0
 *   0x100 + n  unexpected exception n;  0x200 + n  unexpected IRQ n
 */
#include "guest.h"

	.code32
	.text
	.globl	start

	.set	APIC, 0xFEE00000
	.set	APIC_ICR_LOW, 0x300
	.set	APIC_ICR_HIGH, 0x310
	.set	ICR_INIT_ASSERT, 0xC500
	.set	ICR_STARTUP, 0x0600		/* | vector */
	.set	TRAMPOLINE, 0x9000
	.set	VECTOR, TRAMPOLINE >> 12
	.set	TRAMPOLINE2, 0xB000
	.set	VECTOR2, TRAMPOLINE2 >> 12
	.set	SHARED, 0xA000			/* what both vCPUs read and write */
	.set	STARTED, SHARED
	.set	HALT_TSC, SHARED + 4		/* the BSP's TSC (low half, never 0) at its HLT */
	.set	WINDOW, SHARED + 8		/* TSC counts in WINDOW_MS */
	.set	TURNS, SHARED + 12		/* the AP's turns within WINDOW of HALT_TSC */
	.set	STOP, SHARED + 16		/* the BSP asks the AP to halt */
	.set	AP_HALTING, SHARED + 20
	.set	DONE2, SHARED + 24
	.set	SHARED_WORDS, 7
	.set	WINDOW_MS, 45			/* short of the PIT's period */
	.set	POST_PORT, 0x80			/* nothing there: writes are dropped */
	.set	PIT_CH0, 0x40
	.set	PIT_CMD, 0x43
	.set	NVEC, 0x30
	.set	MIN_TURNS, 4
	.set	HALTS, 100
	.set	POLL_LIMIT, 1000000
	.set	WAKE_TICKS, 20

start:
	GUEST_ENTRY NVEC
	SET_GATE 0x20, timer_handler
	lidt	idt_desc
	PIC_INIT 0xFE, 0xFF		/* IRQ 0 alone */
	movb	$0x34, %al		/* channel 0, lobyte/hibyte, mode 2: count 0 is 65536 */
	outb	%al, $PIT_CMD
	xorl	%eax, %eax
	outb	%al, $PIT_CH0
	outb	%al, $PIT_CH0

	/* the shared words, the window in TSC counts, the trampolines */
	movl	$SHARED, %edi
	movl	$SHARED_WORDS, %ecx
	rep stosl
	TSC_KHZ	5
	imull	$WINDOW_MS, %eax, %eax
	movl	%eax, WINDOW
	COPY_CODE ap_start, ap_end, TRAMPOLINE
	COPY_CODE ap_again, ap_again_end, TRAMPOLINE2

	/* INIT and STARTUP to APIC ID 1, and wait for it to run */
	movl	$APIC, %esi
	movl	$(1 << 24), APIC_ICR_HIGH(%esi)
	movl	$ICR_INIT_ASSERT, APIC_ICR_LOW(%esi)
	movl	$(ICR_STARTUP | VECTOR), APIC_ICR_LOW(%esi)
	movl	$STARTED, %ebx
	call	poll
	jnz	2f
	FAIL	1

	/* the BSP halts, a tick at a time; the AP's exits go on meanwhile */
2:	movl	$HALTS, %edi
7:	rdtsc
	orl	$1, %eax
	movl	%eax, HALT_TSC
	call	halt_tick
	cmpl	$MIN_TURNS, TURNS
	jae	8f
	decl	%edi
	jnz	7b
	FAIL	2
8:	movl	$1, STOP

	/* the AP halts; two ticks later INIT and STARTUP must wake it */
3:	movl	$AP_HALTING, %ebx
	call	poll
	jnz	4f
	FAIL	3
4:	call	halt_tick
	call	halt_tick
	movl	$ICR_INIT_ASSERT, APIC_ICR_LOW(%esi)
	movl	$(ICR_STARTUP | VECTOR2), APIC_ICR_LOW(%esi)
	movl	$WAKE_TICKS, %edi
5:	cmpl	$0, DONE2
	jne	6f
	call	halt_tick
	decl	%edi
	jnz	5b
	FAIL	4
6:	xorl	%eax, %eax
	REPORT

/* Polls the word at EBX until it is not 0 (ZF clear), at most POLL_LIMIT times (ZF set). */
poll:
	movl	$POLL_LIMIT, %ecx
1:	cmpl	$0, (%ebx)
	jne	2f
	outb	%al, $POST_PORT
	decl	%ecx
	jnz	1b
2:	ret

/* Halts until the next timer tick (STI's shadow makes the pair atomic). */
halt_tick:
	sti
	hlt
	cli
	ret

	SET_GATE_FUNCTION

/* IRQ0: non-specific EOI */
timer_handler:
	pushl	%eax
	movb	$0x20, %al
	outb	%al, $PIC1_CMD
	popl	%eax
	iret

	VECTOR_STUBS NVEC

unexpected:
	popl	%eax
	cmpl	$0x20, %eax
	jae	1f
	addl	$0x100, %eax		/* exception */
	jmp	report
1:	addl	$0x200 - 0x20, %eax	/* IRQ */
	jmp	report

/*
 * The AP's code, copied to TRAMPOLINE and entered in real mode at
 * CS:IP = 0900:0000; relative jumps only, data at absolute addresses
 * through DS = 0.  Interrupts on, as Bochs's SVM ends no slice of a guest
 * with IF=0 (smp.S); none reaches an AP.
 */
	.code16
ap_start:
	xorw	%ax, %ax
	movw	%ax, %ds
	movl	$1, STARTED
	sti
1:	outb	%al, $POST_PORT		/* an exit */
	cmpl	$0, STOP
	jne	2f
	movl	HALT_TSC, %ebx
	testl	%ebx, %ebx
	jz	1b
	rdtsc
	subl	%ebx, %eax
	cmpl	WINDOW, %eax
	jae	1b
	incl	TURNS
	jmp	1b
2:	movl	$1, AP_HALTING
3:	hlt				/* IF=1: its thread sleeps until the INIT */
	jmp	3b
ap_end:

/* The AP's second start, copied to TRAMPOLINE2. */
ap_again:
	xorw	%ax, %ax
	movw	%ax, %ds
	movl	$1, DONE2
4:	hlt
	jmp	4b
ap_again_end:

	.code32
	.balign	4
	DESCRIPTOR_TABLES NVEC
