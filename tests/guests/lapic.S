/* guest: load=0x8000 mode=protected */
/*
 * lapic: interrupts through the local APIC (Intel SDM vol. 3, chapter 10),
 * on a guest of two vCPUs (vcpus=2).  The BSP, in xAPIC mode (MMIO at
 * 0xFEE00000), enables its APIC and checks, each with its own vector:
 * - a self-IPI (fixed, shorthand self) sent with IF=0 waits in IRR, and
 *   comes after STI, in service (ISR) while its handler runs;
 * - a task priority of 0x50 holds vector 0x41 back (PPR 0x50) until the
 *   TPR goes back to 0;
 * - the one-shot timer (divide by 1, 6250 counts) interrupts, no sooner
 *   than 100000 TSC counts later (the APIC bus clock is a sixteenth of
 *   the TSC's, as CPUID leaf 0x15 says), and its current count then reads
 *   0; a masked timer's current count goes down;
 * - HLT with only the APIC timer armed (10^7 TSC counts) sleeps until it fires;
 * - the TSC-deadline timer (IA32_TSC_DEADLINE, 0x6E0, 10^7 TSC counts on)
 *   interrupts at its deadline, and the MSR reads 0 after; one 50000
 *   counts ahead reaches the guest spinning without exits after its WRMSR;
 * - an NMI to self comes (vector 2) with interrupts off.
 * Then it starts the AP (INIT, STARTUP).  The AP, in real mode, points
 * its real-mode IVT entry 0x60 at a handler, switches its APIC to x2APIC
 * mode (IA32_APIC_BASE bits 10 and 11), enables it through MSR 0x80F,
 * records its x2APIC ID (MSR 0x802), says it is ready and spins with
 * IF=1 and no exits (so the VMM must recall it to deliver).  The BSP sends
 * it a fixed IPI, vector 0x60, by physical ID; the AP's handler EOIs
 * (MSR 0x80B) and sends a fixed IPI, vector 0x61, back to APIC ID 0
 * through the x2APIC ICR (MSR 0x830).  Then once more by the shorthand
 * all-excluding-self, and once more through KVM's paravirtual IPI
 * hypercall (VMCALL 10, which kvm-unit-tests' apic test uses).  Last, an
 * I/O APIC pin (16, level-triggered, to APIC ID 0) raised through
 * pc-testdev's IRQ line port must interrupt the BSP, with remote IRR set
 * until the handler's EOI.  The BSP waits with polls that exit (port 0x80).
 *
 * Failure codes (port 0xF0):
 *   1  CPUID leaf 1 lacks x2APIC (ECX 21), TSC-deadline (ECX 24) or APIC (EDX 9)
 *   2  the spurious-interrupt vector register does not read back 0x1FF
 *   3  a self-IPI sent with IF=0 is not in IRR
 *   4  the self-IPI did not come after STI (or came more than once)
 *   5  the self-IPI's vector was not in service (ISR) in its handler
 *   6  vector 0x41 came through a task priority of 0x50
 *   7  PPR does not read 0x50 with TPR 0x50
 *   8  vector 0x41 did not come once the TPR was 0
 *   9  the one-shot timer's interrupt never came
 *  10  it came sooner than its count (times 16) in TSC counts
 *  11  the expired one-shot timer's current count is not 0
 *  12  a masked timer's current count does not go down
 *  13  HLT with the timer armed did not end with its interrupt
 *  14  that HLT ended sooner than the timer's count (times 16)
 *  15  IA32_TSC_DEADLINE does not read back the deadline written
 *  16  the TSC-deadline interrupt never came
 *  17  it came before the deadline
 *  18  IA32_TSC_DEADLINE does not read 0 after firing
 *  19  the NMI to self did not come (once)
 *  20  the AP did not say it was ready
 *  21  the AP's IPI back (vector 0x61) did not come
 *  22  the AP did not take the BSP's IPI exactly once
 *  23  the AP's x2APIC ID (MSR 0x802) is not 1
 *  24  the IPI to all excluding self did not reach the AP (and come back)
 *  25  a TSC deadline 50000 counts ahead never reached the guest spinning without exits
 *  26  KVM's paravirtual IPI (VMCALL 10) to APIC ID 1 did not say 1, or did not reach the AP
 *  27  a level-triggered I/O APIC pin (16, pc-testdev's line 16) did not interrupt the BSP once
 *  28  remote IRR was not set in its handler, or still set after its EOI
 *  0x100 + n  unexpected vector n
 */
#include "guest.h"

	.code32
	.text
	.globl	start

	.set	APIC, 0xFEE00000
	.set	APIC_TPR, 0x80
	.set	APIC_PPR, 0xA0
	.set	APIC_EOI, 0xB0
	.set	APIC_SVR, 0xF0
	.set	APIC_ISR2, 0x120		/* ISR bits for vectors 0x40-0x5F */
	.set	APIC_IRR2, 0x220		/* IRR bits for vectors 0x40-0x5F */
	.set	APIC_ICR_LOW, 0x300
	.set	APIC_ICR_HIGH, 0x310
	.set	APIC_LVT_TIMER, 0x320
	.set	APIC_TIMER_INITIAL, 0x380
	.set	APIC_TIMER_CURRENT, 0x390
	.set	APIC_TIMER_DIVIDE, 0x3E0
	.set	ICR_SELF, 1 << 18
	.set	ICR_OTHERS, 3 << 18
	.set	ICR_NMI, 0x400
	.set	ICR_INIT_ASSERT, 0xC500
	.set	ICR_STARTUP, 0x0600
	.set	LVT_MASKED, 1 << 16
	.set	LVT_DEADLINE, 2 << 17
	.set	MSR_APIC_BASE, 0x1B
	.set	MSR_TSC_DEADLINE, 0x6E0
	.set	MSR_X2APIC_ID, 0x802
	.set	MSR_X2APIC_EOI, 0x80B
	.set	MSR_X2APIC_SVR, 0x80F
	.set	MSR_X2APIC_ICR, 0x830
	.set	VEC_SELF, 0x40
	.set	VEC_LOW, 0x41
	.set	VEC_TIMER, 0x50
	.set	VEC_DEADLINE, 0x51
	.set	VEC_AP, 0x60
	.set	VEC_BACK, 0x61
	.set	VEC_IOAPIC, 0x62
	.set	IOAPIC, 0xFEC00000		/* IOREGSEL; IOWIN at +0x10 */
	.set	IOAPIC_WIN, 0x10
	.set	IOAPIC_REDIR_PIN, 0x10 + 2 * 16	/* pin 16's redirection entry, low half */
	.set	IOAPIC_LEVEL, 1 << 15
	.set	IOAPIC_REMOTE_IRR, 1 << 14
	.set	IRQ_LINE, 0x2000 + 16		/* pc-testdev's line 16: I/O APIC pin 16 alone */
	.set	NVEC, 0x70
	.set	BUS, 16				/* TSC counts per APIC bus clock (CPUID 0x15) */
	.set	COUNT, 100000			/* TSC counts */
	.set	LONG_COUNT, 10000000		/* longer than a few exits, even under QEMU -icount */
	.set	SHORT_COUNT, 50000		/* the vCPU's exit deadline brings it in (docs/vmm.md, "Time") */
	.set	POLL_LIMIT, 1000000
	.set	POST_PORT, 0x80			/* nothing there: each write is an exit */
	.set	TRAMPOLINE, 0x9000
	.set	AP_SEG, TRAMPOLINE >> 4
	.set	SHARED, 0xA000			/* what the AP writes */
	.set	AP_READY, SHARED
	.set	AP_TAKEN, SHARED + 4
	.set	AP_ID, SHARED + 8

/* EXPECT_PAIR mem, code: fail with code unless EDX:EAX is the quadword at mem */
.macro	EXPECT_PAIR mem, code
	cmpl	\mem, %eax
	jne	.Lbad\@
	cmpl	\mem + 4, %edx
	je	.Lok\@
.Lbad\@:
	FAIL	\code
.Lok\@:
.endm

start:
	GUEST_ENTRY NVEC
	movl	$2, %eax
	movl	$nmi_handler, %edx
	call	set_gate
	movl	$VEC_SELF, %eax
	movl	$self_handler, %edx
	call	set_gate
	movl	$VEC_LOW, %eax
	call	set_gate
	movl	$VEC_TIMER, %eax
	movl	$timer_handler, %edx
	call	set_gate
	movl	$VEC_DEADLINE, %eax
	movl	$deadline_handler, %edx
	call	set_gate
	movl	$VEC_BACK, %eax
	movl	$back_handler, %edx
	call	set_gate
	movl	$VEC_IOAPIC, %eax
	movl	$ioapic_handler, %edx
	call	set_gate
	lidt	idt_desc
	movl	$APIC, %esi

	/* CPUID says what the APIC has */
	movl	$1, %eax
	cpuid
	andl	$(1 << 21 | 1 << 24), %ecx
	EXPECT	(1 << 21 | 1 << 24), %ecx, 1
	andl	$(1 << 9), %edx
	EXPECT	(1 << 9), %edx, 1

	movl	$0x1FF, APIC_SVR(%esi)
	movl	APIC_SVR(%esi), %eax
	EXPECT	0x1FF, %eax, 2

	/* a self-IPI waits in IRR while IF=0, then comes in service */
	movl	$(ICR_SELF | VEC_SELF), APIC_ICR_LOW(%esi)
	movl	APIC_IRR2(%esi), %eax
	EXPECT	1, %eax, 3
	sti
	nop
	nop
	cli
	EXPECT	1, self_count, 4
	EXPECT	1, isr_seen, 5

	/* TPR 0x50 holds vector 0x41 back */
	movl	$0x50, APIC_TPR(%esi)
	movl	$(ICR_SELF | VEC_LOW), APIC_ICR_LOW(%esi)
	sti
	outb	%al, $POST_PORT
	outb	%al, $POST_PORT
	cli
	EXPECT	1, self_count, 6
	movl	APIC_PPR(%esi), %eax
	EXPECT	0x50, %eax, 7
	movl	$0, APIC_TPR(%esi)
	sti
	nop
	nop
	cli
	EXPECT	2, self_count, 8

	/* the one-shot timer */
	movl	$VEC_TIMER, APIC_LVT_TIMER(%esi)
	movl	$0xB, APIC_TIMER_DIVIDE(%esi)	/* divide by 1 */
	rdtsc
	movl	%eax, %edi
	movl	$(COUNT / BUS), APIC_TIMER_INITIAL(%esi)
	sti
	movl	$timer_count, %ebx
	call	poll
	cli
	jnz	1f
	FAIL	9
1:	rdtsc
	subl	%edi, %eax
	cmpl	$COUNT, %eax
	jae	2f
	FAIL	10
2:	movl	APIC_TIMER_CURRENT(%esi), %eax
	EXPECT	0, %eax, 11

	/* a masked timer counts */
	movl	$(LVT_MASKED | VEC_TIMER), APIC_LVT_TIMER(%esi)
	movl	$0x7FFFFFFF, APIC_TIMER_INITIAL(%esi)
	movl	APIC_TIMER_CURRENT(%esi), %ecx
	outb	%al, $POST_PORT
	movl	APIC_TIMER_CURRENT(%esi), %eax
	cmpl	%ecx, %eax
	jb	3f
	FAIL	12
3:	movl	$0, APIC_TIMER_INITIAL(%esi)

	/* HLT until the timer */
	movl	$VEC_TIMER, APIC_LVT_TIMER(%esi)
	rdtsc
	movl	%eax, %edi
	movl	$(LONG_COUNT / BUS), APIC_TIMER_INITIAL(%esi)
	sti
	hlt
	cli
	EXPECT	2, timer_count, 13
	rdtsc
	subl	%edi, %eax
	cmpl	$LONG_COUNT, %eax
	jae	4f
	FAIL	14

	/* the TSC-deadline timer */
4:	movl	$(LVT_DEADLINE | VEC_DEADLINE), APIC_LVT_TIMER(%esi)
	rdtsc
	addl	$LONG_COUNT, %eax
	adcl	$0, %edx
	movl	%eax, deadline
	movl	%edx, deadline + 4
	movl	$MSR_TSC_DEADLINE, %ecx
	wrmsr
	rdmsr
	EXPECT_PAIR deadline, 15
	sti
	movl	$deadline_count, %ebx
	call	poll
	cli
	jnz	5f
	FAIL	16
5:	rdtsc
	cmpl	deadline + 4, %edx
	ja	6f
	jb	7f
	cmpl	deadline, %eax
	jae	6f
7:	FAIL	17
6:	movl	$MSR_TSC_DEADLINE, %ecx
	rdmsr
	orl	%edx, %eax
	EXPECT	0, %eax, 18

	/* a deadline a moment ahead reaches a vCPU that spins without exits */
	rdtsc
	addl	$SHORT_COUNT, %eax
	adcl	$0, %edx
	movl	$MSR_TSC_DEADLINE, %ecx
	sti
	wrmsr
	movl	$POLL_LIMIT, %ecx
12:	cmpl	$2, deadline_count
	je	13f
	loop	12b
	FAIL	25
13:	cli

	/* an NMI to self, with interrupts off */
	movl	$(ICR_SELF | ICR_NMI), APIC_ICR_LOW(%esi)
	movl	$nmi_count, %ebx
	call	poll
	EXPECT	1, nmi_count, 19

	/* the AP: INIT and STARTUP into the trampoline */
	movl	$ap_start, %esi
	movl	$TRAMPOLINE, %edi
	movl	$(ap_end - ap_start), %ecx
	rep movsb
	movl	$APIC, %esi
	movl	$(1 << 24), APIC_ICR_HIGH(%esi)
	movl	$ICR_INIT_ASSERT, APIC_ICR_LOW(%esi)
	movl	$(ICR_STARTUP | (TRAMPOLINE >> 12)), APIC_ICR_LOW(%esi)
	movl	$AP_READY, %ebx
	call	poll
	jnz	8f
	FAIL	20
8:	EXPECT	1, AP_ID, 23

	/* a fixed IPI to APIC ID 1, and the AP's back */
	sti
	movl	$VEC_AP, APIC_ICR_LOW(%esi)	/* ICR high still names APIC ID 1 */
	movl	$back_count, %ebx
	call	poll
	jnz	9f
	FAIL	21
9:	EXPECT	1, AP_TAKEN, 22
	movl	$(ICR_OTHERS | VEC_AP), APIC_ICR_LOW(%esi)
	movl	$POLL_LIMIT, %ecx
10:	cmpl	$2, back_count
	je	11f
	outb	%al, $POST_PORT
	loop	10b
	FAIL	24
11:	EXPECT	2, AP_TAKEN, 24

	/* KVM's paravirtual IPI (VMCALL 10): bit 1 of a bitmap from APIC ID 0 */
	movl	$10, %eax
	movl	$2, %ebx
	xorl	%ecx, %ecx
	xorl	%edx, %edx
	movl	$VEC_AP, %esi
	vmcall
	EXPECT	1, %eax, 26
	movl	$POLL_LIMIT, %ecx
14:	cmpl	$3, back_count
	je	15f
	outb	%al, $POST_PORT
	loop	14b
	FAIL	26
15:	cli
	EXPECT	3, AP_TAKEN, 26

	/* an I/O APIC pin, level-triggered, to the BSP; its EOI clears remote IRR */
	movl	$(IOAPIC_REDIR_PIN + 1), IOAPIC		/* high half: destination APIC ID 0 */
	movl	$0, IOAPIC + IOAPIC_WIN
	movl	$IOAPIC_REDIR_PIN, IOAPIC
	movl	$(IOAPIC_LEVEL | VEC_IOAPIC), IOAPIC + IOAPIC_WIN
	movb	$1, %al
	movw	$IRQ_LINE, %dx
	outb	%al, %dx
	sti
	movl	$ioapic_count, %ebx
	call	poll
	cli
	jnz	16f
	FAIL	27
16:	EXPECT	1, ioapic_count, 27
	EXPECT	IOAPIC_REMOTE_IRR, ioapic_irr_seen, 28
	movl	IOAPIC + IOAPIC_WIN, %eax
	andl	$IOAPIC_REMOTE_IRR, %eax
	EXPECT	0, %eax, 28
	xorl	%eax, %eax
	REPORT

	POLL_FUNCTION

self_handler:
	pushl	%eax
	incl	self_count
	movl	APIC + APIC_ISR2, %eax
	movl	%eax, isr_seen
	movl	$0, APIC + APIC_EOI
	popl	%eax
	iret

timer_handler:
	incl	timer_count
	movl	$0, APIC + APIC_EOI
	iret

deadline_handler:
	incl	deadline_count
	movl	$0, APIC + APIC_EOI
	iret

back_handler:
	incl	back_count
	movl	$0, APIC + APIC_EOI
	iret

/* Pin 16's interrupt: remote IRR as the handler sees it, the line lowered, then EOI. */
ioapic_handler:
	pushl	%eax
	pushl	%edx
	incl	ioapic_count
	movl	$IOAPIC_REDIR_PIN, IOAPIC
	movl	IOAPIC + IOAPIC_WIN, %eax
	andl	$IOAPIC_REMOTE_IRR, %eax
	movl	%eax, ioapic_irr_seen
	xorb	%al, %al
	movw	$IRQ_LINE, %dx
	outb	%al, %dx
	movl	$0, APIC + APIC_EOI
	popl	%edx
	popl	%eax
	iret

nmi_handler:
	incl	nmi_count
	iret

unexpected:
	popl	%eax
	addl	$0x100, %eax
	jmp	report

	.balign	8
deadline:	.quad	0
self_count:	.long	0
isr_seen:	.long	0
timer_count:	.long	0
deadline_count:	.long	0
back_count:	.long	0
nmi_count:	.long	0
ioapic_count:	.long	0
ioapic_irr_seen: .long	0

/*
 * The AP's code, copied to TRAMPOLINE and entered in real mode at
 * CS:IP = 0900:0000.  Position-independent: offsets from ap_start are
 * its IP; data at absolute addresses through DS = 0.
 */
	.code16
ap_start:
	cli
	xorw	%ax, %ax
	movw	%ax, %ds
	movw	%ax, %ss
	movw	$(SHARED - 0x100), %sp
	movw	$(ap_handler - ap_start), VEC_AP * 4
	movw	$AP_SEG, VEC_AP * 4 + 2
	movl	$MSR_APIC_BASE, %ecx
	rdmsr
	orl	$(1 << 10 | 1 << 11), %eax	/* x2APIC mode */
	wrmsr
	movl	$MSR_X2APIC_SVR, %ecx
	movl	$0x1FF, %eax
	xorl	%edx, %edx
	wrmsr
	movl	$MSR_X2APIC_ID, %ecx
	rdmsr
	movl	%eax, AP_ID
	movl	$1, AP_READY
	sti
1:	jmp	1b

/* Vector 0x60: count, EOI, and a fixed IPI with vector 0x61 to APIC ID 0. */
ap_handler:
	pushal
	lock incl AP_TAKEN
	movl	$MSR_X2APIC_EOI, %ecx
	xorl	%eax, %eax
	xorl	%edx, %edx
	wrmsr
	movl	$MSR_X2APIC_ICR, %ecx
	movl	$VEC_BACK, %eax
	wrmsr
	popal
	iret
ap_end:

	.code32
	SET_GATE_FUNCTION
	VECTOR_STUBS NVEC
	DESCRIPTOR_TABLES NVEC
