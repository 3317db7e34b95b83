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
 */
#include "guest.h"

	.code32
	.text
	.globl	start

	.set	ATA_DATA, 0x1F0
	.set	ATA_COUNT, 0x1F2
	.set	ATA_LBA_LOW, 0x1F3
	.set	ATA_LBA_MID, 0x1F4
	.set	ATA_LBA_HIGH, 0x1F5
	.set	ATA_DEVICE, 0x1F6
	.set	ATA_STATUS, 0x1F7	/* read */
	.set	ATA_COMMAND, 0x1F7	/* write */

	.set	ST_ERR, 0x01
	.set	ST_DRQ, 0x08
	.set	ST_DF, 0x20
	.set	ST_DRDY, 0x40
	.set	ST_BSY, 0x80
	.set	ST_CHECKED, ST_BSY | ST_DRDY | ST_DF | ST_DRQ | ST_ERR
	.set	ST_IDLE, ST_DRDY
	.set	ST_DATA, ST_DRDY | ST_DRQ

	.set	DEV_MASTER_LBA, 0xE0	/* obsolete bits 7 and 5 set, LBA, device 0 */

	.set	CMD_READ_SECTORS, 0x20
	.set	CMD_WRITE_SECTORS, 0x30
	.set	CMD_FLUSH_CACHE, 0xE7
	.set	CMD_IDENTIFY, 0xEC

	.set	SECTOR_WORDS, 256
	.set	POLL_LIMIT, 100000
	.set	MAGIC_LO, 0x54414F4D	/* "MOAT" */
	.set	MAGIC_HI, 0x4B534944	/* "DISK" */

	.set	LBA_FIRST, 0
	.set	LBA_SECOND, 37
	.set	LBA_WRITE, 50

/* WAIT_STATUS want, code: poll until BSY clears, then fail with code unless
 * the checked status bits are exactly want (clobbers EAX, ECX, EDX) */
.macro	WAIT_STATUS want, code
	call	wait_not_busy
	andl	$ST_CHECKED, %eax
	EXPECT	\want, %eax, \code
.endm

/* COMMAND cmd, lba: issue a one-sector LBA28 command (clobbers EAX, EDX) */
.macro	COMMAND cmd, lba
	movl	$\lba, %eax
	movb	$\cmd, %ah
	call	ata_command
.endm

/* CHECK_HEADER lba, magic_code, lba_code: buf must start "MOATDISK", lba */
.macro	CHECK_HEADER lba, magic_code, lba_code
	EXPECT	MAGIC_LO, buf, \magic_code
	EXPECT	MAGIC_HI, buf+4, \magic_code
	EXPECT	\lba, buf+8, \lba_code
	EXPECT	0, buf+12, \lba_code
.endm

start:
	cld
	movw	$ATA_DEVICE, %dx
	movb	$DEV_MASTER_LBA, %al
	outb	%al, %dx
	WAIT_STATUS ST_IDLE, 1

	/* ---- IDENTIFY DEVICE ---- */
	COMMAND	CMD_IDENTIFY, 0
	WAIT_STATUS ST_DATA, 2
	call	read_sector_inw
	WAIT_STATUS ST_IDLE, 3
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
	xorl	%eax, %eax		/* pass */

	REPORT

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

/* ata_command: AL = LBA bits 7:0 (the rest 0), AH = command; selects the
 * master in LBA mode, asks for one sector and writes the command */
ata_command:
	pushl	%eax
	movw	$ATA_DEVICE, %dx
	movb	$DEV_MASTER_LBA, %al
	outb	%al, %dx
	movw	$ATA_COUNT, %dx
	movb	$1, %al
	outb	%al, %dx
	movl	(%esp), %eax
	movw	$ATA_LBA_LOW, %dx
	outb	%al, %dx
	xorb	%al, %al
	movw	$ATA_LBA_MID, %dx
	outb	%al, %dx
	movw	$ATA_LBA_HIGH, %dx
	outb	%al, %dx
	popl	%eax
	movb	%ah, %al
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
