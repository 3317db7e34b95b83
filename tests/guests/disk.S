/* guest: load=0x8000 mode=protected */
/*
 * disk: the VMM's ATA disk model on the primary channel (0x1F0-0x1F7),
 * driven by polling with LBA28 PIO commands.  The harness gives the VMM a
 * disk image whose sector N starts with "MOATDISK" and then N as a
 * little-endian 64-bit number (tests/user/disk/disk-image.sh); the model
 * reaches it through the disk driver.  The guest runs IDENTIFY DEVICE, reads
 * LBA 0 word by word (inw) and LBA 37 with `rep insw`, writes a 512-byte
 * pattern to LBA 50 (outw), flushes, and reads LBA 50 back (rep insw).
 *
 * After each command and after each sector the guest polls the status
 * register until BSY clears, then checks BSY/DRDY/DF/DRQ/ERR: DRDY|DRQ
 * before a sector moves, DRDY alone once the command is done.
 *
 * Then as Linux's libata drives it, with interrupts: a software reset
 * through the device control register (0x3F6: BSY while SRST is held, the
 * ATA signature after), then READ SECTORS of LBA 37-38 taking each sector
 * in the handler of IRQ 14 (PIC vector 0x2E), which reads the status to
 * acknowledge it, and WRITE SECTORS of LBA 51 whose end comes as IRQ 14.
 *
 * Failure codes (port 0xF0):
 *   1  master not ready after selecting it (status not DRDY: no disk?)
 *   2  IDENTIFY DEVICE: no DRQ, or ERR
 *   3  IDENTIFY DEVICE: not idle after the 256 words
 *   4  IDENTIFY word 0 bit 15 set (not an ATA device)
 *   5  IDENTIFY word 49 bit 9 clear (no LBA)
 *   6  IDENTIFY words 60-61 (sectors) <= 100
 *   7  READ SECTORS LBA 0: no DRQ, or ERR
 *   8  READ SECTORS LBA 0: not idle after the sector
 *   9  sector 0 does not start with "MOATDISK"
 *  10  sector 0: LBA field != 0
 *  11  READ SECTORS LBA 37: no DRQ, or ERR
 *  12  READ SECTORS LBA 37: not idle after the sector
 *  13  rep insw: ECX != 0, or EDI not advanced by 512
 *  14  sector 37 does not start with "MOATDISK"
 *  15  sector 37: LBA field != 37
 *  16  WRITE SECTORS LBA 50: no DRQ, or ERR
 *  17  WRITE SECTORS LBA 50: not idle after the sector (ERR: the write failed)
 *  18  FLUSH CACHE: not idle, or ERR
 *  19  READ SECTORS LBA 50: no DRQ, or ERR
 *  20  READ SECTORS LBA 50: not idle after the sector
 *  21  sector 50 read back != the pattern written
 *  22  SRST held: the alternate status (0x3F6) is not BSY alone
 *  23  SRST released: not idle, or no ATA signature (count 1, LBA 1/0/0, error 1)
 *  24  an IRQ 14 came with a status other than DRDY|DRQ (read) or DRDY (write's end)
 *  25  sectors 37 and 38 as read in the handler are not theirs
 *  26  WRITE SECTORS LBA 51: no DRQ before its block
 *  27  not idle after the write's interrupt
 *  0x100 + n  unexpected exception n;  0x200 + n  an IRQ other than 14
 */
#include "guest.h"
#include "ata.h"

	.code32
	.text
	.globl	start

	.set	LBA_FIRST, 0
	.set	LBA_SECOND, 37
	.set	LBA_WRITE, 50
	.set	LBA_IRQ_WRITE, 51
	.set	CTL_NIEN, 0x02
	.set	CTL_SRST, 0x04
	.set	NVEC, 0x30
	.set	IRQ14_VECTOR, 0x2E	/* the slave PIC's IRQ 6 */

start:
	cld
	IDENTIFY 1, 2, 3
	testw	$0x8000, buf
	jz	1f
	FAIL	4
1:	testw	$0x0200, buf + 49 * 2
	jnz	1f
	FAIL	5
1:	cmpl	$100, buf + 60 * 2	/* words 60-61: a 32-bit count */
	ja	1f
	FAIL	6
1:
	/* ---- READ SECTORS LBA 0, one inw at a time ---- */
	COMMAND	CMD_READ_SECTORS, LBA_FIRST
	WAIT_STATUS ST_DATA, 7
	call	read_sector_inw
	WAIT_STATUS ST_IDLE, 8
	CHECK_HEADER LBA_FIRST, 9, 10

	/* ---- READ SECTORS LBA 37 with rep insw ---- */
	COMMAND	CMD_READ_SECTORS, LBA_SECOND
	WAIT_STATUS ST_DATA, 11
	call	read_sector_insw
	pushl	%edi
	pushl	%ecx
	WAIT_STATUS ST_IDLE, 12
	popl	%ecx
	popl	%edi
	EXPECT	0, %ecx, 13
	EXPECT	buf+2*SECTOR_WORDS, %edi, 13
	CHECK_HEADER LBA_SECOND, 14, 15

	/* ---- WRITE SECTORS LBA 50, then FLUSH CACHE ---- */
	COMMAND	CMD_WRITE_SECTORS, LBA_WRITE
	WAIT_STATUS ST_DATA, 16
	movl	$pattern, %esi
	movl	$SECTOR_WORDS, %ecx
	movw	$ATA_DATA, %dx
1:	lodsw
	outw	%ax, %dx
	loop	1b
	WAIT_STATUS ST_IDLE, 17
	COMMAND	CMD_FLUSH_CACHE, 0
	WAIT_STATUS ST_IDLE, 18

	/* ---- READ SECTORS LBA 50 back ---- */
	COMMAND	CMD_READ_SECTORS, LBA_WRITE
	WAIT_STATUS ST_DATA, 19
	call	read_sector_insw
	WAIT_STATUS ST_IDLE, 20
	movl	$pattern, %esi
	movl	$buf, %edi
	movl	$2 * SECTOR_WORDS, %ecx
	repe cmpsb
	je	1f
	FAIL	21
1:
	call	with_interrupts
	xorl	%eax, %eax		/* pass */

	REPORT

/* ---- the same disk as libata drives it: software reset, then IRQ 14 ---- */
with_interrupts:
	LOAD_FLAT_GDT
	IDT_FILL NVEC
	movl	$IRQ14_VECTOR, %eax
	movl	$irq14, %edx
	call	set_gate
	lidt	idt_desc
	PIC_INIT 0xFB, 0xBF		/* the cascade (IRQ 2) and IRQ 14 alone */

	movw	$ATA_CONTROL, %dx
	movb	$CTL_SRST | CTL_NIEN, %al
	outb	%al, %dx
	inb	%dx, %al
	movzbl	%al, %eax
	EXPECT	ST_BSY, %eax, 22
	movb	$0, %al			/* released, and INTRQ unmasked */
	outb	%al, %dx
	WAIT_STATUS ST_IDLE, 23
	movw	$ATA_COUNT, %dx
	inb	%dx, %al
	movb	%al, %ah
	incw	%dx			/* LBA low */
	inb	%dx, %al
	EXPECT	0x0101, %eax, 23
	movw	$ATA_ERROR, %dx
	inb	%dx, %al
	movzbl	%al, %eax
	EXPECT	1, %eax, 23

	/* READ SECTORS of two: each block comes with an interrupt, taken in irq14 */
	movl	$irq_buf, irq_dest
	movl	$ST_DATA, irq_want
	movw	$ATA_DEVICE, %dx
	movb	$DEV_MASTER_LBA, %al
	outb	%al, %dx
	movw	$ATA_COUNT, %dx
	movb	$2, %al
	outb	%al, %dx
	movw	$ATA_LBA_LOW, %dx
	movb	$LBA_SECOND, %al
	outb	%al, %dx
	movw	$ATA_COMMAND, %dx
	movb	$CMD_READ_SECTORS, %al
	outb	%al, %dx
1:	sti
	hlt
	cli
	cmpl	$2, irq_count
	jb	1b
	EXPECT	MAGIC_LO, irq_buf, 25
	EXPECT	LBA_SECOND, irq_buf+8, 25
	EXPECT	MAGIC_LO, irq_buf+2*SECTOR_WORDS, 25
	EXPECT	LBA_SECOND+1, irq_buf+2*SECTOR_WORDS+8, 25

	/* WRITE SECTORS: the block is asked for without one, its end comes as one */
	movl	$0, irq_dest		/* the handler moves no data */
	movl	$ST_IDLE, irq_want
	COMMAND	CMD_WRITE_SECTORS, LBA_IRQ_WRITE
	movw	$ATA_CONTROL, %dx	/* the alternate status leaves INTRQ alone */
	inb	%dx, %al
	movzbl	%al, %eax
	andl	$ST_CHECKED, %eax
	EXPECT	ST_DATA, %eax, 26
	movl	$pattern, %esi
	movl	$SECTOR_WORDS, %ecx
	movw	$ATA_DATA, %dx
	rep outsw
1:	sti
	hlt
	cli
	cmpl	$3, irq_count
	jb	1b
	movw	$ATA_CONTROL, %dx
	inb	%dx, %al
	movzbl	%al, %eax
	andl	$ST_CHECKED, %eax
	EXPECT	ST_IDLE, %eax, 27
	ret

/* IRQ 14: the status read acknowledges it; a read's block moves to irq_dest */
irq14:
	pushal
	movw	$ATA_STATUS, %dx
	inb	%dx, %al
	movzbl	%al, %eax
	andl	$ST_CHECKED, %eax
	cmpl	irq_want, %eax		/* the state this interrupt must find */
	je	2f
	FAIL	24
2:
	movl	irq_dest, %edi
	testl	%edi, %edi
	jz	1f
	movl	$SECTOR_WORDS, %ecx
	movw	$ATA_DATA, %dx
	rep insw
	movl	%edi, irq_dest
1:	incl	irq_count
	movb	$0x20, %al		/* non-specific EOI: slave, then master */
	outb	%al, $PIC2_CMD
	outb	%al, $PIC1_CMD
	popal
	iret

	SET_GATE_FUNCTION
	VECTOR_STUBS NVEC

	UNEXPECTED_REPORTS

	ATA_PIO_FUNCTIONS

/* the 512 bytes written to LBA 50: no byte repeats at the same offset of
 * the other half, and it does not start with "MOATDISK" */
	.balign	4
pattern:
	.set	i, 0
	.rept	2 * SECTOR_WORDS
	.byte	(i * 7 + 0x3D + (i >> 8) * 0x80) & 0xFF
	.set	i, i + 1
	.endr

	.balign	4
buf:	.fill	2 * SECTOR_WORDS, 1, 0
irq_buf: .fill	4 * SECTOR_WORDS, 1, 0
irq_dest: .long	0
irq_want: .long	0
irq_count: .long 0

	DESCRIPTOR_TABLES NVEC
