/* guest: load=0x8000 mode=protected */
/*
 * platform: the PC platform devices as a guest's OS finds them.  The ACPI
 * tables (the RSDP by the 16-byte scan of 0xE0000-0xFFFFF, the RSDT,
 * XSDT, FADT, DSDT and MADT with their checksums, and the DSDT's \_S5
 * sleep type, parsed from its AML as an OS does), the PM timer the FADT names
 * against the TSC, the CMOS RTC read by the UIP protocol in BCD and in
 * binary, the I/O APIC's registers and a level-triggered entry raised by
 * a pc-testdev IRQ line, an ISA line reaching the 8259, the 8042's self
 * test, command byte and keyboard echo, ports 0x80 and 0x92.  Runs with
 * the default 1 MiB of RAM and one vCPU; interrupts stay off (the I/O
 * APIC's message is seen only as its remote IRR).  Having passed, it
 * resets the machine through the 8042 (0xFE to port 0x64), as OSes do,
 * and the VMM stops it with "reset by the keyboard controller": that stop
 * is its pass (test=contained, and the vm suite's serial check).
 *
 * Failure codes (port 0xF0):
 *   1  no "RSD PTR " on a 16-byte boundary in 0xE0000-0xFFFFF
 *   2  RSDP: a checksum (first 20 bytes, all 36) not 0, or revision < 2
 *   3  RSDT: signature or checksum
 *   4  XSDT: signature or checksum
 *   5  no FACP in the RSDT, or its checksum
 *   6  no APIC (MADT) in the RSDT, its checksum, or not one local APIC entry
 *   7  FADT: PM_TMR_BLK is not 0x608
 *   8  the TSC rate port (0xD8) reads 0
 *   9  the PM timer did not count 3.579545 MHz (within 3%) over 100 ms of TSC
 *  10  RTC: UIP still set after 100000 reads of register A
 *  11  RTC: century not 0x20, or year, month or day not BCD
 *  12  RTC: the year in binary mode differs from the BCD year
 *  13  CMOS: the index port does not read back the NMI bit, or D lacks VRT
 *  14  CMOS: base memory (0x15/0x16) is not 640 KiB
 *  15  I/O APIC: version not 0x00170011, or ID not 0x01000000
 *  16  I/O APIC: redirection entry 14 does not read back
 *  17  I/O APIC: remote IRR not set after raising pc-testdev line 14
 *  18  PIC: IRR bit 3 not set after raising pc-testdev line 3
 *  19  8042: self test not 0x55 (or no output buffer full before it)
 *  20  8042: command byte not 0x65, or keyboard echo not 0xEE
 *  21  port 0x80 does not read back
 *  22  port 0x92 does not read back A20 alone
 *  23  the 8042's reset did not stop it
 *  24  RTC: with PIE, no IRQF and PF in C 2 ms after reading it, or IRQ 8
 *      not in the slave PIC's IRR
 *  25  FADT: PM1a_CNT_BLK is not 0x604
 *  26  DSDT: signature or checksum, or no \_S5 package of integers in its AML
 *  27  DSDT: \_S5's SLP_TYPa is not 5 (what the poweroff guest writes)
 *  28  port 0x61: channel 2's output (bit 5) high right after a mode 0 count
 *      is written
 *  29  port 0x61: channel 2's output not high 1000000 reads later (the count
 *      is 65535 PIT clocks, 55 ms)
 */
#include "guest.h"

	.code32
	.text
	.globl	start

	.set	IRQ_LINE_PORT, 0x2000	/* pc-testdev: + line */
	.set	IOAPIC, 0xFEC00000
	.set	IOWIN, 0xFEC00010
	.set	PM_HZ_KHZ, 3580		/* 3579.545 kHz, rounded */

/* CMOS_READ reg: AL = CMOS byte reg */
.macro	CMOS_READ reg
	movb	$\reg, %al
	outb	%al, $0x70
	inb	$0x71, %al
.endm

/* CMOS_WRITE reg, value */
.macro	CMOS_WRITE reg, val
	movb	$\reg, %al
	outb	%al, $0x70
	movb	$\val, %al
	outb	%al, $0x71
.endm

/* BCD_CHECK code: FAIL code unless both nibbles of AL are 0-9 */
.macro	BCD_CHECK code
	movb	%al, %ah
	andb	$0x0F, %ah
	cmpb	$9, %ah
	ja	.Lbad\@
	movb	%al, %ah
	shrb	$4, %ah
	cmpb	$9, %ah
	jbe	.Lok\@
.Lbad\@:
	FAIL	\code
.Lok\@:
.endm

/* IOAPIC_READ reg: EAX = I/O APIC register reg */
.macro	IOAPIC_READ reg
	movl	$\reg, IOAPIC
	movl	IOWIN, %eax
.endm

.macro	IOAPIC_WRITE reg, val
	movl	$\reg, IOAPIC
	movl	$\val, IOWIN
.endm

start:
	cli
	cld
	call	acpi_tables
	call	pm_timer
	call	rtc
	call	ioapic
	call	i8042_and_ports
	call	port_b
	movb	$0xFE, %al		/* pulse the reset line: the VMM stops the guest */
	outb	%al, $0x64
	FAIL	23
	REPORT

/* ---- ACPI tables: leaves the PM timer's port in pm_port ---- */
acpi_tables:
	movl	$0xE0000, %esi
1:	cmpl	$0x20445352, (%esi)	/* "RSD " */
	jne	2f
	cmpl	$0x20525450, 4(%esi)	/* "PTR " */
	je	3f
2:	addl	$16, %esi
	cmpl	$0x100000, %esi
	jb	1b
	FAIL	1
3:	movl	%esi, %ebp		/* the RSDP */
	movl	$20, %ecx
	call	sum
	jnz	4f
	movl	%ebp, %esi
	movl	$36, %ecx
	call	sum
	jnz	4f
	cmpb	$2, 15(%ebp)
	jae	5f
4:	FAIL	2
5:	movl	16(%ebp), %esi		/* the RSDT */
	cmpl	$0x54445352, (%esi)	/* "RSDT" */
	jne	6f
	call	table_sum
	jz	7f
6:	FAIL	3
7:	movl	24(%ebp), %esi		/* the XSDT (below 4 GiB) */
	cmpl	$0x54445358, (%esi)	/* "XSDT" */
	jne	8f
	call	table_sum
	jz	9f
8:	FAIL	4
9:	movl	$0x50434146, %ebx	/* "FACP" */
	call	find_table
	testl	%edi, %edi
	jz	10f
	movl	%edi, %esi
	call	table_sum
	jz	11f
10:	FAIL	5
11:	movl	76(%edi), %eax		/* PM_TMR_BLK */
	movl	%eax, pm_port
	EXPECT	0x608, %eax, 7
	movl	64(%edi), %eax		/* PM1a_CNT_BLK */
	EXPECT	0x604, %eax, 25
	movl	40(%edi), %esi		/* the DSDT */
	call	s5_sleep_type
	EXPECT	5, %eax, 27
	movl	$0x43495041, %ebx	/* "APIC" */
	call	find_table
	testl	%edi, %edi
	jz	12f
	movl	%edi, %esi
	call	table_sum
	jnz	12f
	call	count_lapics
	cmpl	$1, %eax
	je	13f
12:	FAIL	6
13:	ret

/*
 * EAX = SLP_TYPa of the DSDT at ESI: the first element of the package
 * named _S5_ in its AML (PackageOp, PkgLength, NumElements, then integers
 * as ZeroOp, OneOp or BytePrefix n).  Fails with 26 if there is none.
 */
s5_sleep_type:
	cmpl	$0x54445344, (%esi)	/* "DSDT" */
	jne	3f
	movl	%esi, %ebx
	call	table_sum
	jnz	3f
	movl	4(%ebx), %ecx
	leal	-6(%ebx,%ecx), %ecx	/* the last place "_S5_" and PackageOp can start */
	leal	36(%ebx), %esi
1:	cmpl	%ecx, %esi
	ja	3f
	cmpl	$0x5F35535F, (%esi)	/* "_S5_" */
	jne	2f
	cmpb	$0x12, 4(%esi)		/* PackageOp */
	je	4f
2:	incl	%esi
	jmp	1b
3:	FAIL	26
4:	movzbl	5(%esi), %eax		/* PkgLength: bits 7:6 count the bytes after the first */
	shrl	$6, %eax
	leal	7(%esi,%eax), %esi	/* past NumElements, at the first element */
	movzbl	(%esi), %eax
	cmpb	$0x01, %al		/* ZeroOp 0, OneOp 1: the value itself */
	jbe	5f
	cmpb	$0x0A, %al		/* BytePrefix */
	jne	3b
	movzbl	1(%esi), %eax
5:	ret

/* ZF set if the ECX bytes at ESI sum to 0 (clobbers EAX, ECX, ESI) */
sum:
	xorl	%eax, %eax
1:	addb	(%esi), %al
	incl	%esi
	loop	1b
	testb	%al, %al
	ret

/* ZF set if the table at ESI (its length at 4) sums to 0 */
table_sum:
	movl	4(%esi), %ecx
	jmp	sum

/* EDI = the table the RSDT of the RSDP at EBP lists with signature EBX, or 0 */
find_table:
	movl	16(%ebp), %esi
	movl	4(%esi), %ecx
	subl	$36, %ecx
	shrl	$2, %ecx
	addl	$36, %esi
1:	movl	(%esi), %edi
	cmpl	%ebx, (%edi)
	je	2f
	addl	$4, %esi
	loop	1b
	xorl	%edi, %edi
2:	ret

/* EAX = the local APIC entries (type 0) of the MADT at EDI */
count_lapics:
	xorl	%eax, %eax
	leal	44(%edi), %esi
	movl	4(%edi), %edx
	addl	%edi, %edx		/* the end */
1:	cmpl	%edx, %esi
	jae	3f
	cmpb	$0, (%esi)
	jne	2f
	incl	%eax
2:	movzbl	1(%esi), %ecx
	testl	%ecx, %ecx
	jz	3f			/* a zero length would never end */
	addl	%ecx, %esi
	jmp	1b
3:	ret

/*
 * ---- the PM timer against the TSC over 100 ms ----
 * TSC readings bracket each timer read: the ticks counted must be at least
 * what the TSC counted between the two reads (the inner readings) and at
 * most what it counted around them (the outer ones), each within 3%, so a
 * vCPU preempted between a read and its TSC reading cannot fail the check.
 */
pm_timer:
	TSC_KHZ	8
	movl	%eax, tsc_khz
	rdtsc
	movl	%eax, tsc_outer
	movl	pm_port, %edx
	inl	%dx, %eax
	movl	%eax, pm0
	rdtsc
	movl	%eax, %esi		/* inner start (low half) */
	movl	tsc_khz, %ecx
	imull	$100, %ecx		/* 100 ms of TSC: an exit (up to a millisecond under
					   QEMU -icount) is small beside it */
2:	rdtsc
	subl	%esi, %eax
	cmpl	%ecx, %eax
	jb	2b
	movl	%eax, %ebx		/* inner TSC counts */
	movl	pm_port, %edx
	inl	%dx, %eax
	subl	pm0, %eax
	movl	%eax, %edi		/* PM ticks that passed */
	rdtsc
	subl	tsc_outer, %eax		/* outer TSC counts */
	call	ticks_expected
	movl	%eax, %ecx
	shrl	$5, %ecx
	addl	%ecx, %eax		/* at most that, and 3% */
	cmpl	%eax, %edi
	ja	3f
	movl	%ebx, %eax
	call	ticks_expected
	movl	%eax, %ecx
	shrl	$5, %ecx
	subl	%ecx, %eax		/* at least that, less 3% */
	cmpl	%eax, %edi
	jae	4f
3:	FAIL	9
4:	ret

/* EAX = the PM timer ticks in EAX TSC counts (clobbers EDX, ECX) */
ticks_expected:
	movl	$PM_HZ_KHZ, %ecx
	mull	%ecx
	divl	tsc_khz
	ret

/* ---- the RTC and CMOS ---- */
rtc:
	movl	$100000, %ecx
1:	CMOS_READ 0x0A
	testb	$0x80, %al		/* UIP: an update is about to happen */
	jz	2f
	loop	1b
	FAIL	10
2:	CMOS_READ 0x32
	movzbl	%al, %eax
	EXPECT	0x20, %eax, 11
	CMOS_READ 0x08
	BCD_CHECK 11
	CMOS_READ 0x07
	BCD_CHECK 11
	CMOS_READ 0x09
	BCD_CHECK 11
	movzbl	%al, %ebx		/* the year, BCD */
	movl	%ebx, %eax
	shrl	$4, %eax
	imull	$10, %eax
	andl	$0x0F, %ebx
	addl	%eax, %ebx		/* in binary */
	CMOS_WRITE 0x0B, 0x06		/* 24-hour, binary */
	CMOS_READ 0x09
	movzbl	%al, %eax
	cmpl	%ebx, %eax
	je	3f
	FAIL	12
3:	CMOS_WRITE 0x0B, 0x42		/* BCD, and the periodic interrupt (1024 Hz at reset) */
	CMOS_READ 0x0C			/* clears the flags */
	rdtsc
	movl	%eax, %esi
	movl	tsc_khz, %ecx
	shll	$1, %ecx		/* 2 ms */
6:	rdtsc
	subl	%esi, %eax
	cmpl	%ecx, %eax
	jb	6b
	CMOS_READ 0x0A			/* the VMM brings the flags up to date */
	movb	$0x0A, %al		/* OCW3: read IRR */
	outb	%al, $PIC2_CMD
	inb	$PIC2_CMD, %al
	movb	%al, %bl
	CMOS_READ 0x0C
	movb	%al, %bh
	CMOS_WRITE 0x0B, 0x02		/* no interrupt, BCD, 24-hour */
	testb	$0x01, %bl		/* IRQ 8 */
	jz	7f
	andb	$0xC0, %bh
	cmpb	$0xC0, %bh		/* IRQF and PF */
	je	8f
7:	FAIL	24
8:
	movb	$0x8D, %al		/* register D, NMI masked */
	outb	%al, $0x70
	inb	$0x70, %al
	cmpb	$0x8D, %al
	jne	4f
	inb	$0x71, %al
	testb	$0x80, %al		/* VRT */
	jnz	5f
4:	FAIL	13
5:	CMOS_READ 0x15
	movzbl	%al, %ebx
	CMOS_READ 0x16
	movzbl	%al, %eax
	shll	$8, %eax
	orl	%ebx, %eax
	EXPECT	640, %eax, 14
	ret

/* ---- the I/O APIC, and IRQ lines through pc-testdev ---- */
ioapic:
	IOAPIC_READ 0x01
	EXPECT	0x00170011, %eax, 15
	IOAPIC_READ 0x00
	EXPECT	0x01000000, %eax, 15	/* after the one vCPU's APIC ID */
	IOAPIC_WRITE 0x2D, 0		/* entry 14: destination APIC 0 */
	IOAPIC_WRITE 0x2C, 0x8076	/* level, vector 0x76, unmasked */
	IOAPIC_READ 0x2C
	EXPECT	0x8076, %eax, 16
	movw	$IRQ_LINE_PORT + 14, %dx
	movb	$1, %al
	outb	%al, %dx
	movb	$0, %al
	outb	%al, %dx
	IOAPIC_READ 0x2C
	EXPECT	0xC076, %eax, 17	/* remote IRR: the message went, no EOI yet */
	IOAPIC_WRITE 0x2C, 0x18076	/* masked again */
	movw	$IRQ_LINE_PORT + 3, %dx
	movb	$1, %al
	outb	%al, %dx
	movb	$0x0A, %al		/* OCW3: read IRR */
	outb	%al, $PIC1_CMD
	inb	$PIC1_CMD, %al
	movb	%al, %bl
	movw	$IRQ_LINE_PORT + 3, %dx
	movb	$0, %al
	outb	%al, %dx
	testb	$0x08, %bl
	jnz	1f
	FAIL	18
1:	ret

/* ---- the 8042, ports 0x80 and 0x92 ---- */
/* ---- port 0x61: the PIT's channel 2 as an OS calibrating its TSC runs it ---- */
port_b:
	movb	$0x01, %al		/* gate 2 high, speaker off */
	outb	%al, $0x61
	movb	$0xB0, %al		/* channel 2, LSB then MSB, mode 0, binary */
	outb	%al, $0x43
	movb	$0xFF, %al
	outb	%al, $0x42
	movb	$0xFF, %al		/* 65535 clocks, 55 ms: more than an exit takes */
	outb	%al, $0x42
	inb	$0x61, %al
	testb	$0x20, %al		/* mode 0: low until the count runs out */
	jz	1f
	FAIL	28
1:	movl	$1000000, %ecx
2:	inb	$0x61, %al
	testb	$0x20, %al
	jnz	3f
	loop	2b
	FAIL	29
3:	ret

i8042_and_ports:
	movl	$100, %ecx		/* drain what may wait in the output buffer */
1:	inb	$0x64, %al
	testb	$0x01, %al
	jz	2f
	inb	$0x60, %al
	loop	1b
2:	movb	$0xAA, %al		/* self test */
	outb	%al, $0x64
	inb	$0x64, %al
	testb	$0x01, %al
	jz	3f
	inb	$0x60, %al
	cmpb	$0x55, %al
	je	4f
3:	FAIL	19
4:	movb	$0x20, %al		/* read the command byte */
	outb	%al, $0x64
	inb	$0x60, %al
	cmpb	$0x65, %al
	jne	5f
	movb	$0xEE, %al		/* keyboard echo */
	outb	%al, $0x60
	inb	$0x60, %al
	cmpb	$0xEE, %al
	je	6f
5:	FAIL	20
6:	movb	$0x42, %al
	outb	%al, $0x80
	inb	$0x80, %al
	cmpb	$0x42, %al
	je	7f
	FAIL	21
7:	movb	$0x02, %al		/* A20 on (bit 0 would reset) */
	outb	%al, $0x92
	inb	$0x92, %al
	cmpb	$0x02, %al
	je	8f
	FAIL	22
8:	ret

	.balign	4
pm_port:	.long	0
tsc_khz:	.long	0
pm0:		.long	0
tsc_outer:	.long	0
