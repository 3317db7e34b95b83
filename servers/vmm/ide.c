/*
 * The ATA disk model: the command block registers, the commands and the PIO
 * data phases.
 *
 * A command runs at once when the guest writes it: a read fetches its first
 * sector before the write returns, and the status register then shows DRQ
 * (data ready) or the command's end.  During a data phase the sector buffer
 * moves through the data port; when its last byte has moved, a read fetches
 * the next sector and a write stores the one just filled.
 */
#include "ide.h"

#define IDE_CHANNEL_PORTS 8 /* 0x1F0-0x1F7 */
#define IDE_SERIAL "MOAT00000001"
#define IDE_FIRMWARE "1.0"
#define IDE_MAX_SECTORS_PER_COMMAND 256 /* a count of 0 */

#define IDE_STATUS_READY (IDE_STATUS_DRDY | IDE_STATUS_DSC)

/* Whether the DEV bit selects the slave, which is not there. */
static bool slave_selected(const struct ide_disk *d)
{
	return d->device & IDE_DEVICE_SLAVE;
}

/* How many sectors LBA28 commands reach, and IDENTIFY reports. */
static uint32_t lba28_sectors(const struct ide_disk *d)
{
	return d->sectors < IDE_LBA28_MAX_SECTORS ? (uint32_t)d->sectors : IDE_LBA28_MAX_SECTORS;
}

/* The 28-bit address in the LBA and device registers. */
static uint32_t taskfile_lba(const struct ide_disk *d)
{
	return (uint32_t)(d->device & IDE_DEVICE_LBA_HIGH) << 24 | (uint32_t)d->lba_high << 16 |
	       (uint32_t)d->lba_mid << 8 | d->lba_low;
}

/* Puts a 28-bit address back in the LBA and device registers. */
static void set_taskfile_lba(struct ide_disk *d, uint32_t lba)
{
	d->lba_low = (uint8_t)lba;
	d->lba_mid = (uint8_t)(lba >> 8);
	d->lba_high = (uint8_t)(lba >> 16);
	d->device &= (uint8_t)~IDE_DEVICE_LBA_HIGH;
	d->device |= (uint8_t)((lba >> 24) & IDE_DEVICE_LBA_HIGH);
}

/* The sector count register as a number of sectors: 0 means 256. */
static unsigned taskfile_count(const struct ide_disk *d)
{
	return d->count ? d->count : IDE_MAX_SECTORS_PER_COMMAND;
}

/* Ends the current command successfully: no data phase, ready for the next. */
static void complete(struct ide_disk *d)
{
	d->transfer = IDE_NO_TRANSFER;
	d->status = IDE_STATUS_READY;
}

/* Ends a non-data command (or a data-out one's last block) with an interrupt. */
static void complete_with_interrupt(struct ide_disk *d)
{
	complete(d);
	d->intrq = true;
}

/* Ends the current command with ERR set and ABRT in the error register, and an interrupt. */
static void abort_command(struct ide_disk *d)
{
	d->transfer = IDE_NO_TRANSFER;
	d->error = IDE_ERROR_ABRT;
	d->status = IDE_STATUS_READY | IDE_STATUS_ERR;
	d->intrq = true;
}

/* The registers as a reset or EXECUTE DEVICE DIAGNOSTIC leaves them: the ATA signature. */
static void signature(struct ide_disk *d)
{
	d->count = 1; /* the ATA device signature: count 1, LBA 1, 0, 0 */
	d->lba_low = 1;
	d->lba_mid = 0;
	d->lba_high = 0;
	d->device = 0;
	d->error = IDE_DIAG_PASSED;
}

/* Ends a disk transfer that failed at sector lba, which the LBA registers then report. */
static void abort_at(struct ide_disk *d, uint32_t lba)
{
	set_taskfile_lba(d, lba);
	d->count = (uint8_t)d->sectors_left;
	abort_command(d);
}

/* Starts a data phase of sectors sectors (the first at lba) on a full or empty buffer. */
static void start_transfer(struct ide_disk *d, enum ide_transfer t, uint32_t lba, unsigned sectors)
{
	d->transfer = t;
	d->lba = lba;
	d->sectors_left = sectors;
	d->offset = 0;
	d->status = IDE_STATUS_READY | IDE_STATUS_DRQ;
	d->intrq = t == IDE_DATA_IN; /* a data-out phase's first block is asked for without one */
}

/* Writes str into words of an IDENTIFY block as an ATA string: space padded, pairs swapped. */
static void put_ata_string(uint16_t *id, unsigned first_word, unsigned words, const char *str)
{
	for (unsigned i = 0; i < 2 * words; i++) {
		uint16_t c = (uint8_t)(*str ? *str++ : ' ');

		id[first_word + i / 2] |= i % 2 ? c : (uint16_t)(c << 8);
	}
}

/* The integrity word: signature 0xA5 and a checksum making all 512 bytes sum to 0. */
static uint16_t integrity_word(const uint16_t *id)
{
	uint8_t sum = IDE_ID_SIGNATURE;

	for (unsigned i = 0; i < IDE_ID_INTEGRITY; i++)
		sum = (uint8_t)(sum + (id[i] & 0xFF) + (id[i] >> 8));
	return (uint16_t)((uint8_t)-sum << 8 | IDE_ID_SIGNATURE);
}

/* Fills id (IDE_ID_WORDS words) with the IDENTIFY DEVICE data of the disk. */
static void build_identify(const struct ide_disk *d, uint16_t *id)
{
	uint32_t sectors = lba28_sectors(d);

	for (unsigned i = 0; i < IDE_ID_WORDS; i++)
		id[i] = 0;
	id[IDE_ID_CONFIG] = IDE_ID_CONFIG_FIXED;
	put_ata_string(id, IDE_ID_SERIAL, 10, IDE_SERIAL);
	put_ata_string(id, IDE_ID_FIRMWARE, 4, IDE_FIRMWARE);
	put_ata_string(id, IDE_ID_MODEL, 20, IDE_MODEL);
	id[IDE_ID_MULTIPLE_MAX] = 0x8000;
	id[IDE_ID_CAPABILITIES] = IDE_ID_CAP_LBA | IDE_ID_CAP_IORDY | IDE_ID_CAP_IORDY_OFF;
	id[IDE_ID_FIELD_VALID] = 0x0002;
	id[IDE_ID_LBA28_SECTORS] = (uint16_t)sectors;
	id[IDE_ID_LBA28_SECTORS + 1] = (uint16_t)(sectors >> 16);
	id[IDE_ID_PIO_MODES] = IDE_ID_PIO_3_4;
	for (unsigned w = IDE_ID_PIO_CYCLE - 2; w <= IDE_ID_PIO_CYCLE + 1; w++)
		id[w] = 120; /* PIO 4's cycle time: what a real disk says; nothing here waits */
	id[IDE_ID_MAJOR_VERSION] = IDE_ID_ATA_1_TO_6;
	id[IDE_ID_CMDSET_SUPPORTED] = IDE_ID_CMDSET_VALID | IDE_ID_CMDSET_FLUSH;
	id[IDE_ID_CMDSET_DEFAULT] = IDE_ID_CMDSET_VALID;
	id[IDE_ID_CMDSET_ENABLED] = IDE_ID_CMDSET_FLUSH;
	id[IDE_ID_INTEGRITY] = integrity_word(id);
}

/* IDENTIFY DEVICE: one sector of identification data for the guest to read. */
static void identify(struct ide_disk *d)
{
	uint16_t id[IDE_ID_WORDS];

	build_identify(d, id);
	for (unsigned i = 0; i < IDE_ID_WORDS; i++) {
		d->buffer[2 * i] = (uint8_t)id[i];
		d->buffer[2 * i + 1] = (uint8_t)(id[i] >> 8);
	}
	start_transfer(d, IDE_DATA_IN, 0, 1);
}

/* Whether the registers hold an LBA28 request that lies wholly on the disk. */
static bool valid_disk_request(const struct ide_disk *d)
{
	if (!(d->device & IDE_DEVICE_LBA))
		return false;
	return (uint64_t)taskfile_lba(d) + taskfile_count(d) <= lba28_sectors(d);
}

/* Fetches sector d->lba into the buffer for the guest to read, or aborts there. */
static void fetch_sector(struct ide_disk *d)
{
	d->offset = 0;
	if (!d->backend->read(d->ctx, d->lba, d->buffer))
		abort_at(d, d->lba);
}

/* READ SECTORS: a data-in phase of the requested sectors, the first fetched now. */
static void read_sectors(struct ide_disk *d)
{
	if (!valid_disk_request(d)) {
		abort_command(d);
		return;
	}
	start_transfer(d, IDE_DATA_IN, taskfile_lba(d), taskfile_count(d));
	fetch_sector(d);
}

/* WRITE SECTORS: a data-out phase of the requested sectors. */
static void write_sectors(struct ide_disk *d)
{
	if (!valid_disk_request(d)) {
		abort_command(d);
		return;
	}
	start_transfer(d, IDE_DATA_OUT, taskfile_lba(d), taskfile_count(d));
}

/* SET FEATURES: PIO modes and the cache switches are taken (and change nothing); no DMA. */
static void set_features(struct ide_disk *d)
{
	bool pio = d->count <= IDE_XFER_PIO_DEFAULT + 1 ||
		   (d->count >= IDE_XFER_PIO_FLOW && d->count <= IDE_XFER_PIO_FLOW + 4);
	switch (d->features) {
	case IDE_FEATURE_XFER_MODE:
		if (pio)
			complete_with_interrupt(d);
		else
			abort_command(d);
		break;
	case IDE_FEATURE_WCACHE_ON:
	case IDE_FEATURE_WCACHE_OFF:   /* every write reaches the backend before it ends */
	case IDE_FEATURE_LOOKAHEAD_ON:
	case IDE_FEATURE_LOOKAHEAD_OFF:
		complete_with_interrupt(d);
		break;
	default:
		abort_command(d);
	}
}

/* Runs command cmd for the master; commands for the absent slave are ignored. */
static void execute(struct ide_disk *d, uint8_t cmd)
{
	d->intrq = false;
	if (slave_selected(d))
		return;
	d->error = 0;
	switch (cmd) {
	case IDE_CMD_IDENTIFY:
		identify(d);
		break;
	case IDE_CMD_READ_SECTORS:
		read_sectors(d);
		break;
	case IDE_CMD_WRITE_SECTORS:
		write_sectors(d);
		break;
	case IDE_CMD_FLUSH_CACHE: /* the backend wrote every sector before it returned */
	case IDE_CMD_INIT_PARAMS: /* CHS geometry: unused, as only LBA is taken */
	case IDE_CMD_STANDBY_IMMEDIATE:
	case IDE_CMD_IDLE_IMMEDIATE:
		complete_with_interrupt(d);
		break;
	case IDE_CMD_CHECK_POWER_MODE:
		d->count = IDE_POWER_ACTIVE;
		complete_with_interrupt(d);
		break;
	case IDE_CMD_DIAGNOSTIC:
		signature(d);
		complete_with_interrupt(d);
		break;
	case IDE_CMD_SET_FEATURES:
		set_features(d);
		break;
	default:
		abort_command(d);
		break;
	}
}

/* The buffer has been read to its end: the next sector, or the command is done. */
static void data_in_sector_done(struct ide_disk *d)
{
	if (--d->sectors_left == 0) {
		complete(d);
		return;
	}
	d->lba++;
	d->intrq = true; /* the next block is ready */
	fetch_sector(d);
}

/* The buffer has been filled: store it, then ask for the next sector or finish. */
static void data_out_sector_done(struct ide_disk *d)
{
	if (!d->backend->write(d->ctx, d->lba, d->buffer)) {
		abort_at(d, d->lba);
		return;
	}
	d->offset = 0;
	d->lba++;
	d->intrq = true; /* stored: the next block, or the end */
	if (--d->sectors_left == 0)
		complete(d);
}

/* One byte from the data port: the next of a data-in phase, or 0 outside one. */
static uint8_t read_data_byte(struct ide_disk *d)
{
	uint8_t byte;

	if (d->transfer != IDE_DATA_IN || slave_selected(d))
		return 0;
	byte = d->buffer[d->offset++];
	if (d->offset == IDE_SECTOR_SIZE)
		data_in_sector_done(d);
	return byte;
}

/* One byte to the data port: the next of a data-out phase; dropped outside one. */
static void write_data_byte(struct ide_disk *d, uint8_t byte)
{
	if (d->transfer != IDE_DATA_OUT || slave_selected(d))
		return;
	d->buffer[d->offset++] = byte;
	if (d->offset == IDE_SECTOR_SIZE)
		data_out_sector_done(d);
}

/* The byte register at port (0x1F1-0x1F7, or past the channel: all ones). */
static uint8_t read_register(const struct ide_disk *d, uint16_t port)
{
	switch (port) {
	case IDE_PORT_ERROR:
		return d->error;
	case IDE_PORT_COUNT:
		return d->count;
	case IDE_PORT_LBA_LOW:
		return d->lba_low;
	case IDE_PORT_LBA_MID:
		return d->lba_mid;
	case IDE_PORT_LBA_HIGH:
		return d->lba_high;
	case IDE_PORT_DEVICE:
		return d->device;
	case IDE_PORT_STATUS:
	case IDE_PORT_CONTROL:
		return slave_selected(d) ? 0 : d->status; /* an absent device 1 reads 0 */
	default:
		return 0xFF;
	}
}

/* Writes the byte register at port (0x1F1-0x1F7); past the channel it is dropped. */
static void write_register(struct ide_disk *d, uint16_t port, uint8_t value)
{
	switch (port) {
	case IDE_PORT_FEATURES:
		d->features = value;
		break;
	case IDE_PORT_COUNT:
		d->count = value;
		break;
	case IDE_PORT_LBA_LOW:
		d->lba_low = value;
		break;
	case IDE_PORT_LBA_MID:
		d->lba_mid = value;
		break;
	case IDE_PORT_LBA_HIGH:
		d->lba_high = value;
		break;
	case IDE_PORT_DEVICE:
		d->device = value;
		break;
	case IDE_PORT_COMMAND:
		execute(d, value);
		break;
	}
}

/*
 * The device control register: SRST held keeps the device in reset (BSY,
 * nothing runs); its release leaves it as at power-on, without an interrupt.
 */
static void write_control(struct ide_disk *d, uint8_t value)
{
	bool was_reset = d->control & IDE_CONTROL_SRST;
	d->control = value;
	if (value & IDE_CONTROL_SRST) {
		d->transfer = IDE_NO_TRANSFER;
		d->status = IDE_STATUS_BSY;
		d->intrq = false;
	} else if (was_reset) {
		signature(d);
		complete(d);
	}
}

/* Whether port is one of the channel's command block registers. */
static bool on_channel(uint16_t port)
{
	return port >= IDE_PORT_DATA && port < IDE_PORT_DATA + IDE_CHANNEL_PORTS;
}

bool ide_port(uint16_t port)
{
	return on_channel(port) || port == IDE_PORT_CONTROL;
}

void ide_init(struct ide_disk *d, uint64_t sectors, const struct ide_backend *b, void *ctx)
{
	d->backend = b;
	d->ctx = ctx;
	d->sectors = sectors;
	d->features = 0;
	d->control = 0;
	d->intrq = false;
	signature(d);
	d->lba = 0;
	d->sectors_left = 0;
	d->offset = 0;
	complete(d);
}

uint32_t ide_read(struct ide_disk *d, uint16_t port, unsigned size)
{
	uint32_t value = 0;

	if (!ide_port(port))
		return size >= 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1;
	for (unsigned i = 0; i < size && i < 4; i++) {
		uint16_t at = (uint16_t)(port + i);
		uint8_t byte = port == IDE_PORT_DATA ? read_data_byte(d)
			       : at == IDE_PORT_CONTROL || on_channel(at) ? read_register(d, at)
			       : 0xFF; /* past 0x3F6 */

		if (at == IDE_PORT_STATUS && !slave_selected(d))
			d->intrq = false; /* the status, not the alternate status, takes it */
		value |= (uint32_t)byte << (8 * i);
	}
	return value;
}

void ide_write(struct ide_disk *d, uint16_t port, unsigned size, uint32_t value)
{
	if (port == IDE_PORT_CONTROL) { /* the bytes after it are not the disk's */
		write_control(d, (uint8_t)value);
		return;
	}
	if (!on_channel(port) || (d->control & IDE_CONTROL_SRST))
		return;
	for (unsigned i = 0; i < size && i < 4; i++) {
		uint8_t byte = (uint8_t)(value >> (8 * i));

		if (port == IDE_PORT_DATA)
			write_data_byte(d, byte);
		else
			write_register(d, (uint16_t)(port + i), byte);
	}
}

bool ide_irq_level(const struct ide_disk *d)
{
	return d->intrq && !(d->control & IDE_CONTROL_NIEN) && !slave_selected(d);
}
