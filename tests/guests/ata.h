/*
 * ata.h: the disk guests' side of the VMM's ATA disk (servers/vmm/ide.c) on
 * the primary channel, driven by polling with one-sector LBA28 PIO
 * commands.  Include it after guest.h.  Like guest.h it emits nothing by
 * itself: ATA_PIO_FUNCTIONS emits the subroutines where the guest puts it,
 * and they use the guest's 512-byte `buf`.
 */
	.set	ATA_DATA, 0x1F0
	.set	ATA_ERROR, 0x1F1	/* read */
	.set	ATA_COUNT, 0x1F2
	.set	ATA_LBA_LOW, 0x1F3
	.set	ATA_LBA_MID, 0x1F4
	.set	ATA_LBA_HIGH, 0x1F5
	.set	ATA_DEVICE, 0x1F6
	.set	ATA_STATUS, 0x1F7	/* read */
	.set	ATA_COMMAND, 0x1F7	/* write */
	.set	ATA_CONTROL, 0x3F6	/* write: device control; read: alternate status */

	.set	ST_ERR, 0x01
	.set	ST_DRQ, 0x08
	.set	ST_DF, 0x20
	.set	ST_DRDY, 0x40
	.set	ST_BSY, 0x80
	.set	ST_CHECKED, ST_BSY | ST_DRDY | ST_DF | ST_DRQ | ST_ERR
	.set	ST_IDLE, ST_DRDY
	.set	ST_DATA, ST_DRDY | ST_DRQ
	.set	ST_FAILED, ST_DRDY | ST_ERR
	.set	ERR_ABRT, 0x04		/* error register: the command was aborted */

	.set	DEV_MASTER_LBA, 0xE0	/* obsolete bits 7 and 5 set, LBA, device 0 */

	.set	CMD_READ_SECTORS, 0x20
	.set	CMD_WRITE_SECTORS, 0x30
	.set	CMD_FLUSH_CACHE, 0xE7
	.set	CMD_IDENTIFY, 0xEC

	.set	SECTOR_WORDS, 256
	.set	POLL_LIMIT, 100000
	.set	MAGIC_LO, 0x54414F4D	/* "MOAT" */
	.set	MAGIC_HI, 0x4B534944	/* "DISK" */

/* WAIT_STATUS want, code: poll until BSY clears, then fail with code unless
 * the checked status bits are exactly want (clobbers EAX, ECX, EDX) */
.macro	WAIT_STATUS want, code
	call	wait_not_busy
	andl	$ST_CHECKED, %eax
	EXPECT	\want, %eax, \code
.endm

/* COMMAND cmd, lba, count=1: issue an LBA28 command for count sectors from
 * lba (below 2^16) (clobbers EAX, ECX, EDX) */
.macro	COMMAND cmd, lba, count=1
	movl	$\lba, %eax
	movl	$(\cmd | \count << 8), %ecx
	call	ata_command
.endm

/* CHECK_HEADER lba, magic_code, lba_code: buf must start "MOATDISK", lba */
.macro	CHECK_HEADER lba, magic_code, lba_code
	EXPECT	MAGIC_LO, buf, \magic_code
	EXPECT	MAGIC_HI, buf+4, \magic_code
	EXPECT	\lba, buf+8, \lba_code
	EXPECT	0, buf+12, \lba_code
.endm

/* IDENTIFY ready_code, data_code, idle_code: select the master (it must be
 * ready), then IDENTIFY DEVICE into buf, failing with the code of the phase
 * that goes wrong (clobbers EAX, ECX, EDX, EDI) */
.macro	IDENTIFY ready_code, data_code, idle_code
	movw	$ATA_DEVICE, %dx
	movb	$DEV_MASTER_LBA, %al
	outb	%al, %dx
	WAIT_STATUS ST_IDLE, \ready_code
	COMMAND	CMD_IDENTIFY, 0
	WAIT_STATUS ST_DATA, \data_code
	call	read_sector_inw
	WAIT_STATUS ST_IDLE, \idle_code
.endm

/* ATA_PIO_FUNCTIONS: wait_not_busy, ata_command, clear_buf, read_sector_inw
 * and read_sector_insw */
.macro	ATA_PIO_FUNCTIONS
/* wait_not_busy: poll the status register until BSY clears, at most
 * POLL_LIMIT reads; EAX = the last status (clobbers ECX, EDX) */
wait_not_busy:
	movl	$POLL_LIMIT, %ecx
	movw	$ATA_STATUS, %dx
1:	inb	%dx, %al
	testb	$ST_BSY, %al
	loopnz	1b
	movzbl	%al, %eax
	ret

/* ata_command: AX = LBA bits 15:0 (the rest 0), CL = command, CH = sector
 * count; selects the master in LBA mode and writes the task file, the
 * command last (clobbers EAX, EDX) */
ata_command:
	pushl	%eax
	movw	$ATA_DEVICE, %dx
	movb	$DEV_MASTER_LBA, %al
	outb	%al, %dx
	movw	$ATA_COUNT, %dx
	movb	%ch, %al
	outb	%al, %dx
	movl	(%esp), %eax
	movw	$ATA_LBA_LOW, %dx
	outb	%al, %dx
	movb	%ah, %al
	movw	$ATA_LBA_MID, %dx
	outb	%al, %dx
	xorb	%al, %al
	movw	$ATA_LBA_HIGH, %dx
	outb	%al, %dx
	popl	%eax
	movb	%cl, %al
	movw	$ATA_COMMAND, %dx
	outb	%al, %dx
	ret

/* clear_buf: zero the sector buffer, so that a read that moved nothing shows */
clear_buf:
	movl	$buf, %edi
	movl	$SECTOR_WORDS / 2, %ecx
	xorl	%eax, %eax
	rep stosl
	ret

/* read_sector_inw: one sector into buf, one inw per word (clobbers EAX,
 * ECX, EDX, EDI) */
read_sector_inw:
	call	clear_buf
	movl	$buf, %edi
	movl	$SECTOR_WORDS, %ecx
	movw	$ATA_DATA, %dx
1:	inw	%dx, %ax
	stosw
	loop	1b
	ret

/* read_sector_insw: one sector into buf with rep insw; leaves ECX and EDI
 * as the string instruction did (clobbers EAX, EDX) */
read_sector_insw:
	call	clear_buf
	movl	$buf, %edi
	movl	$SECTOR_WORDS, %ecx
	movw	$ATA_DATA, %dx
	rep insw
	ret
.endm
