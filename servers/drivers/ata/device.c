/*
 * ATA PIO on the primary channel (command block 0x1f0-0x1f7).  The driver
 * holds no control block port, so it cannot reset the channel or read the
 * alternate status; it reads the status register instead, which also
 * clears the device's interrupt request (IRQ 14 stays unbound and masked).
 */
#include "ata.h"
#include "moat/port_io.h"

/* Command block registers. */
#define ATA_DATA     0x1f0 /* 16-bit data port */
#define ATA_SECCOUNT 0x1f2
#define ATA_LBA_LOW  0x1f3
#define ATA_LBA_MID  0x1f4
#define ATA_LBA_HIGH 0x1f5
#define ATA_DEVICE   0x1f6
#define ATA_STATUS   0x1f7 /* read */
#define ATA_COMMAND  0x1f7 /* write */

/* Status register bits. */
#define ST_ERR  0x01 /* the command failed; the error register says why */
#define ST_DRQ  0x08 /* the device wants to move a block of data */
#define ST_DF   0x20 /* device fault */
#define ST_DRDY 0x40 /* the device accepts commands */
#define ST_BSY  0x80 /* the device owns the registers; the other bits mean nothing */
#define ST_FLOATING 0xff /* what an empty channel's pulled-up bus reads as */

/* Device register: bits 7 and 5 are obsolete ones, bit 6 selects LBA addressing. */
#define DEV_OBSOLETE 0xa0
#define DEV_LBA      0x40
#define DEV_SLAVE    0x10

/* Commands. */
#define CMD_READ_SECTORS  0x20
#define CMD_WRITE_SECTORS 0x30
#define CMD_FLUSH_CACHE   0xe7
#define CMD_IDENTIFY      0xec

/* IDENTIFY DEVICE data: the words the driver looks at. */
#define ID_GENERAL       0      /* bit 15 set: not an ATA device */
#define ID_NOT_ATA       0x8000
#define ID_CAPABILITIES  49     /* bit 9: LBA supported */
#define ID_LBA           0x0200
#define ID_LBA28_SECTORS 60     /* words 60-61: addressable sectors */

#define LBA28_LIMIT (1u << 28)

/* Status reads before a wait gives up: seconds even on a slow emulator. */
#define POLL_LIMIT (1u << 23)

/* Lets ~400 ns pass so the status register reflects the last command or selection. */
static void settle(void)
{
	for (int i = 0; i < 4; i++)
		inb(ATA_STATUS);
}

/* Polls until BSY clears: the status, or -1 on timeout. */
static int wait_not_busy(void)
{
	for (uint32_t i = 0; i < POLL_LIMIT; i++) {
		uint8_t st = inb(ATA_STATUS);

		if (!(st & ST_BSY))
			return st;
		cpu_relax();
	}
	return -1;
}

/* Waits for the end of a command phase: no error, and DRQ set iff data should move next. */
static enum blk_status wait_phase(bool want_data)
{
	int st = wait_not_busy();

	if (st < 0 || st & (ST_ERR | ST_DF))
		return BLK_ERR_DEVICE;
	if (!!(st & ST_DRQ) != want_data)
		return BLK_ERR_DEVICE;
	return BLK_OK;
}

/* Makes a device the channel's current one; false when the channel is empty or stuck. */
static bool select_device(bool slave, uint8_t device_bits)
{
	if (inb(ATA_STATUS) == ST_FLOATING || wait_not_busy() < 0)
		return false;
	outb(ATA_DEVICE, DEV_OBSOLETE | device_bits | (slave ? DEV_SLAVE : 0));
	settle();
	return wait_not_busy() >= 0;
}

/* Loads the sector count and LBA registers and issues cmd. */
static void issue(uint8_t cmd, uint8_t count, uint32_t lba)
{
	outb(ATA_SECCOUNT, count);
	outb(ATA_LBA_LOW, lba & 0xff);
	outb(ATA_LBA_MID, (lba >> 8) & 0xff);
	outb(ATA_LBA_HIGH, (lba >> 16) & 0xff);
	outb(ATA_COMMAND, cmd);
	settle();
}

static void read_data(struct ata_sector *out)
{
	for (int i = 0; i < ATA_SECTOR_HALFWORDS; i++)
		out->data[i] = inw(ATA_DATA);
}

static void write_data(const struct ata_sector *in)
{
	for (int i = 0; i < ATA_SECTOR_HALFWORDS; i++)
		outw(ATA_DATA, in->data[i]);
}

/* True if the IDENTIFY data describe an ATA disk the driver can address with LBA28. */
static bool usable_disk(const struct ata_sector *id)
{
	return !(id->data[ID_GENERAL] & ID_NOT_ATA) && (id->data[ID_CAPABILITIES] & ID_LBA) &&
	       id->data[ID_LBA28_SECTORS] != 0;
}

/* LBA28 sectors from IDENTIFY data, clipped to what LBA28 can address. */
static uint32_t lba28_sectors(const struct ata_sector *id)
{
	uint32_t n = id->data[ID_LBA28_SECTORS] | (uint32_t)id->data[ID_LBA28_SECTORS + 1] << 16;

	return n < LBA28_LIMIT ? n : LBA28_LIMIT;
}

/* Sends IDENTIFY DEVICE to one device: true with its data in *id if it is an ATA device. */
static bool identify(bool slave, struct ata_sector *id)
{
	uint8_t st;

	if (!select_device(slave, 0))
		return false;
	issue(CMD_IDENTIFY, 0, 0);
	st = inb(ATA_STATUS);
	if (st == 0 || st == ST_FLOATING)
		return false; /* no device answers */
	if (wait_not_busy() < 0)
		return false;
	/* A packet device aborts the command and leaves its signature; so does SATA's. */
	if (inb(ATA_LBA_MID) != 0 || inb(ATA_LBA_HIGH) != 0)
		return false;
	if (wait_phase(true) != BLK_OK)
		return false;
	read_data(id);
	return wait_phase(false) == BLK_OK;
}

void ata_probe(struct ata_disk *disk)
{
	struct ata_sector id;

	*disk = (struct ata_disk){ .present = false };
	for (int slave = 0; slave <= 1; slave++) {
		if (identify(slave, &id) && usable_disk(&id)) {
			disk->present = true;
			disk->slave = slave;
			disk->sectors = lba28_sectors(&id);
			return;
		}
	}
}

/* Selects the disk and starts a one-sector transfer: BLK_OK once the data phase begins. */
static enum blk_status start_transfer(const struct ata_disk *disk, uint8_t cmd, uint32_t lba)
{
	if (!select_device(disk->slave, DEV_LBA | ((lba >> 24) & 0x0f)))
		return BLK_ERR_DEVICE;
	if (!(inb(ATA_STATUS) & ST_DRDY))
		return BLK_ERR_DEVICE;
	issue(cmd, 1, lba);
	return wait_phase(true);
}

enum blk_status ata_read(const struct ata_disk *disk, uint32_t lba, struct ata_sector *out)
{
	enum blk_status st = start_transfer(disk, CMD_READ_SECTORS, lba);

	if (st != BLK_OK)
		return st;
	read_data(out);
	settle();
	return wait_phase(false);
}

/* Writes the device's volatile cache to the medium. */
static enum blk_status flush_cache(void)
{
	outb(ATA_COMMAND, CMD_FLUSH_CACHE);
	settle();
	return wait_phase(false);
}

enum blk_status ata_write(const struct ata_disk *disk, uint32_t lba, const struct ata_sector *in)
{
	enum blk_status st = start_transfer(disk, CMD_WRITE_SECTORS, lba);

	if (st != BLK_OK)
		return st;
	write_data(in);
	settle();
	st = wait_phase(false);
	if (st != BLK_OK)
		return st;
	return flush_cache();
}
