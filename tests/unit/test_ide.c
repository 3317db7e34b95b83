/* Host unit tests for servers/vmm/ide.c, written against the ATA command set. */
#include <stdbool.h>
#include <stdint.h>

#include "ide.h"
#include "unit.h"

#define FAKE_SECTORS 300 /* more than one count-0 (256-sector) command */
#define NO_FAILURE UINT64_MAX
#define STATUS_IDLE (IDE_STATUS_DRDY | IDE_STATUS_DSC)
#define STATUS_DATA (STATUS_IDLE | IDE_STATUS_DRQ)
#define STATUS_ERROR (STATUS_IDLE | IDE_STATUS_ERR)

/* A disk in RAM behind the backend, with call counts and one sector that fails. */
struct fake_disk {
	uint8_t data[FAKE_SECTORS][IDE_SECTOR_SIZE];
	unsigned reads;
	unsigned writes;
	uint64_t failing_lba;
};

static struct fake_disk fake;

/* Backend read from the fake disk. */
static bool fake_read(void *ctx, uint64_t lba, uint8_t sector[IDE_SECTOR_SIZE])
{
	struct fake_disk *f = ctx;

	f->reads++;
	if (lba >= FAKE_SECTORS || lba == f->failing_lba)
		return false;
	memcpy(sector, f->data[lba], IDE_SECTOR_SIZE);
	return true;
}

/* Backend write to the fake disk. */
static bool fake_write(void *ctx, uint64_t lba, const uint8_t sector[IDE_SECTOR_SIZE])
{
	struct fake_disk *f = ctx;

	f->writes++;
	if (lba >= FAKE_SECTORS || lba == f->failing_lba)
		return false;
	memcpy(f->data[lba], sector, IDE_SECTOR_SIZE);
	return true;
}

static const struct ide_backend fake_backend = { fake_read, fake_write };

/* The byte at offset i of sector lba as the fake disk starts out. */
static uint8_t pattern(uint64_t lba, unsigned i)
{
	return (uint8_t)(lba * 7 + i * 3 + (i >> 8));
}

/* A disk model of sectors sectors over a freshly filled fake disk that never fails. */
static void setup(struct ide_disk *d, uint64_t sectors)
{
	for (unsigned lba = 0; lba < FAKE_SECTORS; lba++)
		for (unsigned i = 0; i < IDE_SECTOR_SIZE; i++)
			fake.data[lba][i] = pattern(lba, i);
	fake.reads = 0;
	fake.writes = 0;
	fake.failing_lba = NO_FAILURE;
	ide_init(d, sectors, &fake_backend, &fake);
}

/* Reads the status register. */
static uint8_t status(struct ide_disk *d)
{
	return (uint8_t)ide_read(d, IDE_PORT_STATUS, 1);
}

/* Loads the registers for an LBA28 transfer of count sectors (0 = 256) at lba. */
static void set_lba(struct ide_disk *d, uint32_t lba, uint8_t count)
{
	ide_write(d, IDE_PORT_DEVICE, 1, 0xE0 | (lba >> 24)); /* master, LBA */
	ide_write(d, IDE_PORT_COUNT, 1, count);
	ide_write(d, IDE_PORT_LBA_LOW, 1, lba & 0xFF);
	ide_write(d, IDE_PORT_LBA_MID, 1, (lba >> 8) & 0xFF);
	ide_write(d, IDE_PORT_LBA_HIGH, 1, (lba >> 16) & 0xFF);
}

/* Writes cmd to the command register. */
static void command(struct ide_disk *d, uint8_t cmd)
{
	ide_write(d, IDE_PORT_COMMAND, 1, cmd);
}

/*
 * Reads one sector's 256 words into buf: with poll as a polling guest does,
 * each word only after a status read shows DRQ with BSY clear (false if one
 * did not); without, as an interrupt handler does after its one status read.
 */
static bool read_block(struct ide_disk *d, uint8_t *buf, bool poll)
{
	for (unsigned i = 0; i < IDE_SECTOR_SIZE; i += 2) {
		uint16_t w;

		if (poll && status(d) != STATUS_DATA)
			return false;
		w = (uint16_t)ide_read(d, IDE_PORT_DATA, 2);
		buf[i] = (uint8_t)w;
		buf[i + 1] = (uint8_t)(w >> 8);
	}
	return true;
}

static bool pio_read_sector(struct ide_disk *d, uint8_t *buf)
{
	return read_block(d, buf, true);
}

/* Writes one sector's 256 words from buf, each after a status read shows DRQ. */
static bool pio_write_sector(struct ide_disk *d, const uint8_t *buf)
{
	for (unsigned i = 0; i < IDE_SECTOR_SIZE; i += 2) {
		if (status(d) != STATUS_DATA)
			return false;
		ide_write(d, IDE_PORT_DATA, 2, (uint32_t)(buf[i] | buf[i + 1] << 8));
	}
	return true;
}

/* Whether buf holds sector lba as the fake disk starts out. */
static bool has_pattern(const uint8_t *buf, uint64_t lba)
{
	for (unsigned i = 0; i < IDE_SECTOR_SIZE; i++)
		if (buf[i] != pattern(lba, i))
			return false;
	return true;
}

/* Reads the 256 IDENTIFY words after the command. */
static bool read_identify(struct ide_disk *d, uint16_t *id)
{
	uint8_t buf[IDE_SECTOR_SIZE];

	command(d, IDE_CMD_IDENTIFY);
	if (!pio_read_sector(d, buf))
		return false;
	for (unsigned i = 0; i < IDE_ID_WORDS; i++)
		id[i] = (uint16_t)(buf[2 * i] | buf[2 * i + 1] << 8);
	return true;
}

/* Whether the command just issued ended with ERR and ABRT. */
static bool aborted(struct ide_disk *d)
{
	return status(d) == STATUS_ERROR && ide_read(d, IDE_PORT_ERROR, 1) == IDE_ERROR_ABRT;
}

TEST(ide_power_on_state)
{
	struct ide_disk d;

	setup(&d, FAKE_SECTORS);
	CHECK_EQ(status(&d), STATUS_IDLE);
	CHECK_EQ(ide_read(&d, IDE_PORT_ERROR, 1), IDE_DIAG_PASSED);
	CHECK_EQ(ide_read(&d, IDE_PORT_COUNT, 1), 1); /* ATA signature */
	CHECK_EQ(ide_read(&d, IDE_PORT_LBA_LOW, 1), 1);
	CHECK_EQ(ide_read(&d, IDE_PORT_LBA_MID, 1), 0);
	CHECK_EQ(ide_read(&d, IDE_PORT_LBA_HIGH, 1), 0);
	CHECK(!ide_irq_level(&d));
	CHECK_EQ(fake.reads + fake.writes, 0);
}

TEST(ide_registers_read_back)
{
	struct ide_disk d;

	setup(&d, FAKE_SECTORS);
	set_lba(&d, 0x0ABCDEF, 0x42);
	CHECK_EQ(ide_read(&d, IDE_PORT_COUNT, 1), 0x42);
	CHECK_EQ(ide_read(&d, IDE_PORT_LBA_LOW, 1), 0xEF);
	CHECK_EQ(ide_read(&d, IDE_PORT_LBA_MID, 1), 0xCD);
	CHECK_EQ(ide_read(&d, IDE_PORT_LBA_HIGH, 1), 0xAB);
	CHECK_EQ(ide_read(&d, IDE_PORT_DEVICE, 1), 0xE0);
	CHECK_EQ(ide_read(&d, IDE_PORT_COUNT, 2), 0xEF42);     /* count, then LBA low */
	CHECK_EQ(ide_read(&d, IDE_PORT_STATUS, 2), 0xFF00 | STATUS_IDLE); /* 0x1F8 is not ours */
	CHECK_EQ(ide_read(&d, 0x1F8, 1), 0xFF);
	CHECK_EQ(ide_read(&d, IDE_PORT_CONTROL, 4), 0xFFFFFF00 | STATUS_IDLE); /* alt status alone */
	CHECK_EQ(ide_read(&d, 0x3F7, 1), 0xFF);
	CHECK_EQ(ide_read(&d, IDE_PORT_DATA, 2), 0);          /* no data phase */
}

TEST(ide_identify_fields)
{
	struct ide_disk d;
	uint16_t id[IDE_ID_WORDS];
	const char *model = IDE_MODEL;
	uint8_t sum = 0;

	setup(&d, FAKE_SECTORS);
	CHECK(read_identify(&d, id));
	CHECK_EQ(status(&d), STATUS_IDLE);
	CHECK_EQ(id[0], 0x0040);
	CHECK_EQ(id[IDE_ID_MODEL], 'M' << 8 | 'O'); /* ATA strings: first char in the high byte */
	for (unsigned i = 0; i < 40; i++) {
		uint16_t w = id[IDE_ID_MODEL + i / 2];
		char c = (char)(i % 2 ? w & 0xFF : w >> 8);

		CHECK_EQ(c, i < strlen(model) ? model[i] : ' ');
	}
	CHECK(id[49] & 0x0200);                    /* LBA */
	CHECK_EQ(id[60], FAKE_SECTORS);
	CHECK_EQ(id[61], 0);
	CHECK(!(id[83] & IDE_ID_CMDSET_LBA48));
	CHECK_EQ(id[83] & 0xC000, 0x4000);         /* words 82-84 valid */
	CHECK_EQ(id[255] & 0xFF, IDE_ID_SIGNATURE);
	for (unsigned i = 0; i < IDE_ID_WORDS; i++)
		sum = (uint8_t)(sum + (id[i] & 0xFF) + (id[i] >> 8));
	CHECK_EQ(sum, 0);
	CHECK_EQ(fake.reads, 0);
}

TEST(ide_identify_caps_lba28_sectors)
{
	struct ide_disk d;
	uint16_t id[IDE_ID_WORDS];

	setup(&d, 0x123456789ULL);
	CHECK(read_identify(&d, id));
	CHECK_EQ(id[60], 0xFFFF);
	CHECK_EQ(id[61], 0x0FFF);
	setup(&d, 0x01234567);
	CHECK(read_identify(&d, id));
	CHECK_EQ(id[60], 0x4567);
	CHECK_EQ(id[61], 0x0123);
}

TEST(ide_read_one_sector)
{
	struct ide_disk d;
	uint8_t buf[IDE_SECTOR_SIZE];

	setup(&d, FAKE_SECTORS);
	set_lba(&d, 37, 1);
	command(&d, IDE_CMD_READ_SECTORS);
	CHECK_EQ(fake.reads, 1);
	CHECK(pio_read_sector(&d, buf));
	CHECK(has_pattern(buf, 37));
	CHECK_EQ(status(&d), STATUS_IDLE);          /* DRQ drops after the last word */
	CHECK_EQ(ide_read(&d, IDE_PORT_DATA, 2), 0); /* nothing more to read */
	CHECK_EQ(fake.reads, 1);
}

TEST(ide_read_several_sectors)
{
	struct ide_disk d;
	uint8_t buf[IDE_SECTOR_SIZE];

	setup(&d, FAKE_SECTORS);
	set_lba(&d, 10, 3);
	command(&d, IDE_CMD_READ_SECTORS);
	for (unsigned s = 0; s < 3; s++) {
		CHECK_EQ(fake.reads, s + 1);   /* each sector fetched only when needed */
		CHECK(pio_read_sector(&d, buf));
		CHECK(has_pattern(buf, 10 + s));
	}
	CHECK_EQ(status(&d), STATUS_IDLE);
	CHECK_EQ(fake.reads, 3);
}

TEST(ide_read_32bit_data)
{
	struct ide_disk d;

	setup(&d, FAKE_SECTORS);
	set_lba(&d, 4, 2);
	command(&d, IDE_CMD_READ_SECTORS);
	for (unsigned i = 0; i < 2 * IDE_SECTOR_SIZE; i += 4) {
		uint64_t lba = 4 + i / IDE_SECTOR_SIZE;
		unsigned off = i % IDE_SECTOR_SIZE;
		uint32_t want = pattern(lba, off) | pattern(lba, off + 1) << 8 |
				(uint32_t)pattern(lba, off + 2) << 16 |
				(uint32_t)pattern(lba, off + 3) << 24;

		CHECK_EQ(status(&d), STATUS_DATA);
		CHECK_EQ(ide_read(&d, IDE_PORT_DATA, 4), want);
	}
	CHECK_EQ(status(&d), STATUS_IDLE);
}

TEST(ide_write_then_read_back)
{
	struct ide_disk d;
	uint8_t out[2][IDE_SECTOR_SIZE], in[IDE_SECTOR_SIZE];

	setup(&d, FAKE_SECTORS);
	for (unsigned i = 0; i < IDE_SECTOR_SIZE; i++) {
		out[0][i] = (uint8_t)(i ^ 0x5A);
		out[1][i] = (uint8_t)(255 - i);
	}
	set_lba(&d, 50, 2);
	command(&d, IDE_CMD_WRITE_SECTORS);
	CHECK_EQ(status(&d), STATUS_DATA);          /* ready for the first sector */
	CHECK(pio_write_sector(&d, out[0]));
	CHECK_EQ(fake.writes, 1);                  /* stored as soon as it is full */
	CHECK(pio_write_sector(&d, out[1]));
	CHECK_EQ(fake.writes, 2);
	CHECK_EQ(status(&d), STATUS_IDLE);
	CHECK(memcmp(fake.data[50], out[0], IDE_SECTOR_SIZE) == 0);
	CHECK(memcmp(fake.data[51], out[1], IDE_SECTOR_SIZE) == 0);
	CHECK(has_pattern(fake.data[52], 52));
	command(&d, IDE_CMD_FLUSH_CACHE);
	CHECK_EQ(status(&d), STATUS_IDLE);
	set_lba(&d, 51, 1);
	command(&d, IDE_CMD_READ_SECTORS);
	CHECK(pio_read_sector(&d, in));
	CHECK(memcmp(in, out[1], IDE_SECTOR_SIZE) == 0);
}

TEST(ide_write_32bit_data)
{
	struct ide_disk d;

	setup(&d, FAKE_SECTORS);
	set_lba(&d, 9, 1);
	command(&d, IDE_CMD_WRITE_SECTORS);
	for (unsigned i = 0; i < IDE_SECTOR_SIZE / 4; i++)
		ide_write(&d, IDE_PORT_DATA, 4, 0x11223300 + i);
	CHECK_EQ(status(&d), STATUS_IDLE);
	CHECK_EQ(fake.data[9][0], 0x00);
	CHECK_EQ(fake.data[9][3], 0x11);
	CHECK_EQ(fake.data[9][4], 0x01);
	CHECK_EQ(fake.data[9][511], 0x11);
}

TEST(ide_count_zero_is_256_sectors)
{
	struct ide_disk d;
	uint8_t buf[IDE_SECTOR_SIZE];

	setup(&d, FAKE_SECTORS);
	set_lba(&d, 20, 0);
	command(&d, IDE_CMD_READ_SECTORS);
	for (unsigned s = 0; s < 256; s++) {
		CHECK(pio_read_sector(&d, buf));
		CHECK(has_pattern(buf, 20 + s));
	}
	CHECK_EQ(status(&d), STATUS_IDLE);
	CHECK_EQ(fake.reads, 256);
	/* 256 sectors from here would end past the disk: count 0 is not 0 sectors */
	set_lba(&d, FAKE_SECTORS - 256 + 1, 0);
	command(&d, IDE_CMD_WRITE_SECTORS);
	CHECK(aborted(&d));
}

TEST(ide_out_of_range_aborts)
{
	struct ide_disk d;

	setup(&d, FAKE_SECTORS);
	set_lba(&d, FAKE_SECTORS, 1);
	command(&d, IDE_CMD_READ_SECTORS);
	CHECK(aborted(&d));
	set_lba(&d, FAKE_SECTORS - 1, 2);            /* starts on the disk, ends past it */
	command(&d, IDE_CMD_WRITE_SECTORS);
	CHECK(aborted(&d));
	set_lba(&d, 0x0FFFFFFF, 1);
	command(&d, IDE_CMD_READ_SECTORS);
	CHECK(aborted(&d));
	CHECK_EQ(fake.reads + fake.writes, 0);
	set_lba(&d, FAKE_SECTORS - 1, 1);            /* the last sector is fine */
	command(&d, IDE_CMD_READ_SECTORS);
	CHECK_EQ(status(&d), STATUS_DATA);
	CHECK_EQ(ide_read(&d, IDE_PORT_ERROR, 1), 0); /* a new command clears the error */
}

TEST(ide_chs_addressing_aborts)
{
	struct ide_disk d;

	setup(&d, FAKE_SECTORS);
	set_lba(&d, 1, 1);
	ide_write(&d, IDE_PORT_DEVICE, 1, 0xA0); /* master, CHS */
	command(&d, IDE_CMD_READ_SECTORS);
	CHECK(aborted(&d));
	CHECK_EQ(fake.reads, 0);
}

TEST(ide_unknown_command_aborts)
{
	struct ide_disk d;
	uint16_t id[IDE_ID_WORDS];

	setup(&d, FAKE_SECTORS);
	command(&d, 0xC8); /* READ DMA */
	CHECK(aborted(&d));
	command(&d, 0x24); /* READ SECTORS EXT: no LBA48 */
	CHECK(aborted(&d));
	CHECK(read_identify(&d, id)); /* the device still takes commands */
	CHECK_EQ(status(&d), STATUS_IDLE);
}

TEST(ide_backend_read_failure)
{
	struct ide_disk d;
	uint8_t buf[IDE_SECTOR_SIZE];

	setup(&d, FAKE_SECTORS);
	fake.failing_lba = 7;
	set_lba(&d, 7, 1);
	command(&d, IDE_CMD_READ_SECTORS);
	CHECK(aborted(&d));
	set_lba(&d, 6, 3); /* the second of three sectors fails */
	command(&d, IDE_CMD_READ_SECTORS);
	CHECK(pio_read_sector(&d, buf));
	CHECK(has_pattern(buf, 6));
	CHECK(aborted(&d));
	CHECK_EQ(ide_read(&d, IDE_PORT_LBA_LOW, 1), 7); /* where it failed */
	CHECK_EQ(ide_read(&d, IDE_PORT_COUNT, 1), 2);   /* sectors not transferred */
	CHECK_EQ(ide_read(&d, IDE_PORT_DATA, 2), 0);
}

TEST(ide_backend_write_failure)
{
	struct ide_disk d;
	uint8_t buf[IDE_SECTOR_SIZE] = { 0 };

	setup(&d, FAKE_SECTORS);
	fake.failing_lba = 31;
	set_lba(&d, 30, 3);
	command(&d, IDE_CMD_WRITE_SECTORS);
	CHECK(pio_write_sector(&d, buf));
	CHECK(pio_write_sector(&d, buf));
	CHECK(aborted(&d));
	CHECK_EQ(fake.writes, 2);
	CHECK_EQ(ide_read(&d, IDE_PORT_LBA_LOW, 1), 31);
	ide_write(&d, IDE_PORT_DATA, 2, 0x1234);   /* dropped: no data phase */
	CHECK_EQ(fake.writes, 2);
	CHECK(has_pattern(fake.data[32], 32));
}

TEST(ide_slave_absent)
{
	struct ide_disk d;

	setup(&d, FAKE_SECTORS);
	set_lba(&d, 3, 1);
	ide_write(&d, IDE_PORT_DEVICE, 1, 0xF0); /* slave, LBA */
	CHECK_EQ(status(&d), 0);
	command(&d, IDE_CMD_IDENTIFY);
	CHECK_EQ(status(&d), 0);
	command(&d, IDE_CMD_READ_SECTORS);
	CHECK_EQ(status(&d), 0);
	CHECK_EQ(fake.reads, 0);
	command(&d, 0xFF); /* not even aborted */
	CHECK_EQ(ide_read(&d, IDE_PORT_DEVICE, 1), 0xF0); /* the registers are shared */
	CHECK_EQ(ide_read(&d, IDE_PORT_LBA_LOW, 1), 3);
	ide_write(&d, IDE_PORT_DEVICE, 1, 0xE0);
	CHECK_EQ(status(&d), STATUS_IDLE);      /* the master saw none of it */
}

TEST(ide_new_command_ends_data_phase)
{
	struct ide_disk d;
	uint8_t buf[IDE_SECTOR_SIZE];

	setup(&d, FAKE_SECTORS);
	set_lba(&d, 2, 4);
	command(&d, IDE_CMD_READ_SECTORS);
	ide_read(&d, IDE_PORT_DATA, 2);
	set_lba(&d, 40, 1);
	command(&d, IDE_CMD_READ_SECTORS);
	CHECK(pio_read_sector(&d, buf));
	CHECK(has_pattern(buf, 40));
	CHECK_EQ(status(&d), STATUS_IDLE);
}

TEST(ide_intrq_before_each_data_in_block_and_lowered_by_the_status)
{
	struct ide_disk d;
	uint8_t buf[IDE_SECTOR_SIZE];

	setup(&d, FAKE_SECTORS);
	set_lba(&d, 10, 2);
	command(&d, IDE_CMD_READ_SECTORS);
	CHECK(ide_irq_level(&d));                       /* the first block is ready */
	CHECK_EQ(ide_read(&d, IDE_PORT_CONTROL, 1), STATUS_DATA);
	CHECK(ide_irq_level(&d));                       /* the alternate status leaves it */
	CHECK_EQ(status(&d), STATUS_DATA);
	CHECK(!ide_irq_level(&d));                      /* the status takes it */
	read_block(&d, buf, false);
	CHECK(has_pattern(buf, 10));
	CHECK(ide_irq_level(&d));                       /* the second block */
	CHECK_EQ(status(&d), STATUS_DATA);
	read_block(&d, buf, false);
	CHECK(has_pattern(buf, 11));
	CHECK(!ide_irq_level(&d));                      /* none after the last data-in block */
	CHECK_EQ(status(&d), STATUS_IDLE);
}

TEST(ide_intrq_after_each_data_out_block_not_before_the_first)
{
	struct ide_disk d;
	uint8_t buf[IDE_SECTOR_SIZE] = { 0 };

	setup(&d, FAKE_SECTORS);
	set_lba(&d, 20, 2);
	command(&d, IDE_CMD_WRITE_SECTORS);
	CHECK(!ide_irq_level(&d));
	CHECK(pio_write_sector(&d, buf));
	CHECK(ide_irq_level(&d));                       /* stored: the next block is wanted */
	CHECK(pio_write_sector(&d, buf));               /* its status reads took the first */
	CHECK(ide_irq_level(&d));                       /* stored: the command's end */
	CHECK_EQ(status(&d), STATUS_IDLE);
	CHECK(!ide_irq_level(&d));
	CHECK_EQ(fake.writes, 2);
}

TEST(ide_intrq_at_the_end_of_non_data_and_failed_commands)
{
	struct ide_disk d;

	setup(&d, FAKE_SECTORS);
	command(&d, IDE_CMD_FLUSH_CACHE);
	CHECK(ide_irq_level(&d));
	command(&d, 0xC8);                              /* READ DMA: aborted, and says so */
	CHECK(ide_irq_level(&d));
	CHECK(aborted(&d));
	CHECK(!ide_irq_level(&d));
	ide_write(&d, IDE_PORT_CONTROL, 1, IDE_CONTROL_NIEN);
	command(&d, IDE_CMD_FLUSH_CACHE);
	CHECK(!ide_irq_level(&d));                      /* masked */
	ide_write(&d, IDE_PORT_CONTROL, 1, 0);
	CHECK(ide_irq_level(&d));                       /* still asked for */
	ide_write(&d, IDE_PORT_DEVICE, 1, 0xF0);
	CHECK(!ide_irq_level(&d));                      /* the absent slave drives nothing */
	command(&d, IDE_CMD_FLUSH_CACHE);
	ide_write(&d, IDE_PORT_DEVICE, 1, 0xE0);
	CHECK(!ide_irq_level(&d));                      /* a command lowers it, even the slave's */
}

TEST(ide_software_reset_holds_busy_then_leaves_the_signature)
{
	struct ide_disk d;

	setup(&d, FAKE_SECTORS);
	set_lba(&d, 5, 3);
	command(&d, IDE_CMD_READ_SECTORS);
	ide_write(&d, IDE_PORT_CONTROL, 1, IDE_CONTROL_SRST | IDE_CONTROL_NIEN);
	CHECK_EQ(ide_read(&d, IDE_PORT_CONTROL, 1), IDE_STATUS_BSY);
	CHECK(!ide_irq_level(&d));
	command(&d, IDE_CMD_IDENTIFY);                  /* ignored while in reset */
	CHECK_EQ(status(&d), IDE_STATUS_BSY);
	ide_write(&d, IDE_PORT_CONTROL, 1, IDE_CONTROL_NIEN);
	CHECK_EQ(status(&d), STATUS_IDLE);
	CHECK_EQ(ide_read(&d, IDE_PORT_ERROR, 1), IDE_DIAG_PASSED);
	CHECK_EQ(ide_read(&d, IDE_PORT_COUNT, 1), 1);
	CHECK_EQ(ide_read(&d, IDE_PORT_LBA_LOW, 1), 1);
	CHECK_EQ(ide_read(&d, IDE_PORT_LBA_MID, 1), 0);
	CHECK_EQ(ide_read(&d, IDE_PORT_LBA_HIGH, 1), 0);
	CHECK_EQ(ide_read(&d, IDE_PORT_DATA, 2), 0);    /* the read is gone */
	ide_write(&d, IDE_PORT_CONTROL, 1, 0);
	CHECK(!ide_irq_level(&d));                      /* a reset asks for no interrupt */
}

TEST(ide_set_features_takes_pio_modes_and_cache_switches_not_dma)
{
	struct ide_disk d;
	static const uint8_t pio[] = { 0x00, 0x01, 0x08, 0x0C };
	static const uint8_t dma[] = { 0x20, 0x22, 0x40, 0x45, 0x0D };

	setup(&d, FAKE_SECTORS);
	for (unsigned i = 0; i < sizeof(pio); i++) {
		ide_write(&d, IDE_PORT_FEATURES, 1, IDE_FEATURE_XFER_MODE);
		ide_write(&d, IDE_PORT_COUNT, 1, pio[i]);
		command(&d, IDE_CMD_SET_FEATURES);
		CHECK_EQ(status(&d), STATUS_IDLE);
	}
	for (unsigned i = 0; i < sizeof(dma); i++) {
		ide_write(&d, IDE_PORT_FEATURES, 1, IDE_FEATURE_XFER_MODE);
		ide_write(&d, IDE_PORT_COUNT, 1, dma[i]);
		command(&d, IDE_CMD_SET_FEATURES);
		CHECK(aborted(&d));
	}
	ide_write(&d, IDE_PORT_FEATURES, 1, IDE_FEATURE_WCACHE_ON);
	command(&d, IDE_CMD_SET_FEATURES);
	CHECK_EQ(status(&d), STATUS_IDLE);
	ide_write(&d, IDE_PORT_FEATURES, 1, 0x66);      /* keep settings over reset: not taken */
	command(&d, IDE_CMD_SET_FEATURES);
	CHECK(aborted(&d));
}

TEST(ide_power_and_diagnostic_commands)
{
	struct ide_disk d;

	setup(&d, FAKE_SECTORS);
	command(&d, IDE_CMD_STANDBY_IMMEDIATE);
	CHECK_EQ(status(&d), STATUS_IDLE);
	ide_write(&d, IDE_PORT_COUNT, 1, 0);
	command(&d, IDE_CMD_CHECK_POWER_MODE);
	CHECK_EQ(status(&d), STATUS_IDLE);
	CHECK_EQ(ide_read(&d, IDE_PORT_COUNT, 1), IDE_POWER_ACTIVE);
	set_lba(&d, 0x123456, 9);
	command(&d, IDE_CMD_DIAGNOSTIC);
	CHECK_EQ(status(&d), STATUS_IDLE);
	CHECK_EQ(ide_read(&d, IDE_PORT_ERROR, 1), IDE_DIAG_PASSED);
	CHECK_EQ(ide_read(&d, IDE_PORT_COUNT, 1), 1);
	CHECK_EQ(ide_read(&d, IDE_PORT_LBA_MID, 1), 0);
}

TEST(ide_identify_says_pio_4_with_iordy_and_no_read_multiple)
{
	struct ide_disk d;
	uint16_t id[IDE_ID_WORDS];

	setup(&d, FAKE_SECTORS);
	CHECK(read_identify(&d, id));
	CHECK(id[IDE_ID_CAPABILITIES] & IDE_ID_CAP_IORDY);
	CHECK(id[IDE_ID_FIELD_VALID] & 0x0002);
	CHECK_EQ(id[IDE_ID_PIO_MODES], IDE_ID_PIO_3_4);
	CHECK_EQ(id[IDE_ID_MULTIPLE_MAX] & 0xFF, 0);
	CHECK_EQ(id[IDE_ID_MAJOR_VERSION], IDE_ID_ATA_1_TO_6);
}
