/* guest: load=0x8000 mode=protected */
/*
 * disk_region: the VMM's ATA disk when the root task confines the VMM's
 * connection to the disk driver to a region (tests/guestdisk/root.cfg:
 * disk=ata:1000+100).  The guest's disk is the region: IDENTIFY DEVICE
 * reports its 100 sectors, sector 0 is the image's sector 1000 and sector
 * 99 its sector 1099 (the image numbers its sectors,
 * tests/user/disk/disk-image.sh), and a command that reaches past the end,
 * a read, a write or a read of two sectors that starts on the last, ends
 * with ERR and ABRT and moves no data.  A read inside the region still
 * works after them.  Polling only.
 *
 * Failure codes (port 0xF0):
 *   1  master not ready after selecting it
 *   2  IDENTIFY DEVICE: no DRQ, or ERR, or not idle after the 256 words
 *   3  IDENTIFY words 60-61 are not the region's 100 sectors
 *   4  READ SECTORS 0: no DRQ, ERR, or not idle after the sector
 *   5  sector 0 is not the image's sector 1000
 *   6  READ SECTORS 99: no DRQ, ERR, or not idle after the sector
 *   7  sector 99 is not the image's sector 1099
 *   8  READ SECTORS 100 (past the end): not DRDY|ERR
 *   9  WRITE SECTORS 100 (past the end): not DRDY|ERR (DRQ: it asked for data)
 *  10  READ SECTORS 99-100 (across the end): not DRDY|ERR
 *  11  after a refused command, the error register is not ABRT
 *  12  READ SECTORS 0 after the refusals: no DRQ, ERR, or not idle
 *  13  sector 0 after the refusals is not the image's sector 1000
 */
#include "guest.h"
#include "ata.h"

	.code32
	.text
	.globl	start

	.set	REGION_FIRST, 1000	/* the region's first sector on the device */
	.set	REGION_SECTORS, 100

/* READ_CHECK lba, io_code, data_code: read sector lba (of the region) and
 * check that it holds the image's sector REGION_FIRST + lba */
.macro	READ_CHECK lba, io_code, data_code
	COMMAND	CMD_READ_SECTORS, \lba
	WAIT_STATUS ST_DATA, \io_code
	call	read_sector_insw
	WAIT_STATUS ST_IDLE, \io_code
	CHECK_HEADER (REGION_FIRST+\lba), \data_code, \data_code
.endm

/* REFUSED cmd, lba, count, code: the command fails at once, ERR with ABRT */
.macro	REFUSED cmd, lba, count, code
	COMMAND	\cmd, \lba, \count
	WAIT_STATUS ST_FAILED, \code
	movw	$ATA_ERROR, %dx
	inb	%dx, %al
	movzbl	%al, %eax
	EXPECT	ERR_ABRT, %eax, 11
.endm

start:
	cld
	IDENTIFY 1, 2, 2
	EXPECT	REGION_SECTORS, buf+60*2, 3	/* words 60-61: a 32-bit count */

	READ_CHECK 0, 4, 5
	READ_CHECK (REGION_SECTORS-1), 6, 7

	REFUSED	CMD_READ_SECTORS, REGION_SECTORS, 1, 8
	REFUSED	CMD_WRITE_SECTORS, REGION_SECTORS, 1, 9
	REFUSED	CMD_READ_SECTORS, (REGION_SECTORS-1), 2, 10

	READ_CHECK 0, 12, 13
	xorl	%eax, %eax		/* pass */

	REPORT

	ATA_PIO_FUNCTIONS

	.balign	4
buf:	.fill	2 * SECTOR_WORDS, 1, 0
