/*
 * A minimal ATA disk model for the VMM: one fixed disk, the master of the
 * primary channel, at the command block ports 0x1F0-0x1F7.  The slave is
 * absent: with it selected the status register reads 0 and commands are
 * ignored.
 *
 * Commands: IDENTIFY DEVICE, READ SECTORS and WRITE SECTORS (PIO, LBA28
 * addressing only), FLUSH CACHE, SET FEATURES (PIO transfer modes, the
 * write cache and look-ahead switches, all accepted and without effect),
 * EXECUTE DEVICE DIAGNOSTIC, INITIALIZE DEVICE PARAMETERS, STANDBY and IDLE
 * IMMEDIATE, CHECK POWER MODE (always active).  What Linux's libata
 * (pata_legacy) sends a PC's first disk.  Anything else, CHS addressing,
 * an address past the end of the disk or a failed backend call ends the
 * command with ERR set and ABRT in the error register.
 *
 * Sectors move through a backend, one at a time and synchronously, while the
 * guest's port access that needs them is handled; so BSY is seen only while
 * a software reset is held.
 *
 * The control block: 0x3F6 reads the alternate status (the status, leaving
 * INTRQ alone) and takes the device control register's writes: nIEN masks
 * INTRQ, SRST held resets the device (BSY), and released leaves the ATA
 * signature and diagnostic code as at power-on.
 *
 * INTRQ (ISA IRQ 14), as ATA's PIO protocols raise it: when each data-in
 * block is ready (IDENTIFY's, each sector of a read), after each data-out
 * block is stored (not before the first), and when a non-data command or
 * any failed one ends.  Reading the status register or writing a command
 * lowers it.
 *
 * The data port moves bytes of the sector buffer in order, as many as the
 * access is wide (2 for the usual 16-bit IN/OUT, 4 for a 32-bit one, which
 * is two words).  Wider accesses to the other registers cover the following
 * ports, one byte each.
 *
 * Pure and freestanding: no libc, no system calls.
 */
#ifndef VMM_IDE_H
#define VMM_IDE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IDE_SECTOR_SIZE 512
#define IDE_LBA28_MAX_SECTORS 0x0FFFFFFFu /* what IDENTIFY words 60-61 can report */

/* Command block registers of the primary channel. */
#define IDE_PORT_DATA 0x1F0
#define IDE_PORT_ERROR 0x1F1    /* read */
#define IDE_PORT_FEATURES 0x1F1 /* write */
#define IDE_PORT_COUNT 0x1F2    /* sector count */
#define IDE_PORT_LBA_LOW 0x1F3
#define IDE_PORT_LBA_MID 0x1F4
#define IDE_PORT_LBA_HIGH 0x1F5
#define IDE_PORT_DEVICE 0x1F6   /* drive/head */
#define IDE_PORT_STATUS 0x1F7   /* read */
#define IDE_PORT_COMMAND 0x1F7  /* write */
#define IDE_PORT_CONTROL 0x3F6  /* write: device control; read: alternate status */

#define IDE_CONTROL_NIEN 0x02    /* INTRQ masked */
#define IDE_CONTROL_SRST 0x04    /* software reset, while set */

#define IDE_STATUS_ERR 0x01
#define IDE_STATUS_DRQ 0x08
#define IDE_STATUS_DSC 0x10
#define IDE_STATUS_DF 0x20
#define IDE_STATUS_DRDY 0x40
#define IDE_STATUS_BSY 0x80

#define IDE_ERROR_ABRT 0x04
#define IDE_DIAG_PASSED 0x01 /* error register after reset: device 0 passed */

#define IDE_DEVICE_LBA 0x40      /* LBA addressing (clear: CHS) */
#define IDE_DEVICE_SLAVE 0x10    /* DEV bit: device 1 */
#define IDE_DEVICE_LBA_HIGH 0x0F /* LBA bits 27:24 */

#define IDE_CMD_READ_SECTORS 0x20
#define IDE_CMD_WRITE_SECTORS 0x30
#define IDE_CMD_DIAGNOSTIC 0x90
#define IDE_CMD_INIT_PARAMS 0x91
#define IDE_CMD_STANDBY_IMMEDIATE 0xE0
#define IDE_CMD_IDLE_IMMEDIATE 0xE1
#define IDE_CMD_CHECK_POWER_MODE 0xE5
#define IDE_CMD_FLUSH_CACHE 0xE7
#define IDE_CMD_IDENTIFY 0xEC
#define IDE_CMD_SET_FEATURES 0xEF

/* SET FEATURES subcommands (features register) this disk accepts. */
#define IDE_FEATURE_WCACHE_ON 0x02
#define IDE_FEATURE_XFER_MODE 0x03   /* the mode in the count register */
#define IDE_FEATURE_LOOKAHEAD_OFF 0x55
#define IDE_FEATURE_WCACHE_OFF 0x82
#define IDE_FEATURE_LOOKAHEAD_ON 0xAA
#define IDE_XFER_PIO_DEFAULT 0x00    /* and 0x01: PIO default mode, IORDY off */
#define IDE_XFER_PIO_FLOW 0x08       /* + n: PIO flow control mode n, 0 to 4 */
#define IDE_POWER_ACTIVE 0xFF        /* CHECK POWER MODE's count: active or idle */

/* IDENTIFY DEVICE words (256 16-bit words, little-endian in the data). */
#define IDE_ID_WORDS 256
#define IDE_ID_CONFIG 0          /* general configuration */
#define IDE_ID_SERIAL 10         /* words 10-19: serial number, 20 ATA-string chars */
#define IDE_ID_FIRMWARE 23       /* words 23-26: firmware revision, 8 chars */
#define IDE_ID_MODEL 27          /* words 27-46: model number, 40 chars */
#define IDE_ID_MULTIPLE_MAX 47   /* 0x80 in the high byte; 0 sectors: no READ MULTIPLE */
#define IDE_ID_CAPABILITIES 49
#define IDE_ID_FIELD_VALID 53    /* bit 1: words 64-70 are valid */
#define IDE_ID_LBA28_SECTORS 60  /* words 60-61: user-addressable sectors, low word first */
#define IDE_ID_PIO_MODES 64      /* bit 0: PIO 3, bit 1: PIO 4 */
#define IDE_ID_PIO_CYCLE 67      /* words 65-68: cycle times in ns, 67 and 68 for PIO */
#define IDE_ID_MAJOR_VERSION 80  /* bit n: ATA-n supported */
#define IDE_ID_CMDSET_SUPPORTED 83
#define IDE_ID_CMDSET_DEFAULT 84
#define IDE_ID_CMDSET_ENABLED 86
#define IDE_ID_INTEGRITY 255     /* checksum in the high byte, signature 0xA5 in the low */

#define IDE_ID_CONFIG_FIXED 0x0040      /* ATA device (bit 15 clear), fixed disk */
#define IDE_ID_CAP_LBA 0x0200
#define IDE_ID_CAP_IORDY 0x0800         /* IORDY supported (PIO 3 and 4 need it) */
#define IDE_ID_CAP_IORDY_OFF 0x0400     /* IORDY may be disabled */
#define IDE_ID_PIO_3_4 0x0003
#define IDE_ID_ATA_1_TO_6 0x007E
#define IDE_ID_CMDSET_VALID 0x4000      /* words 83 and 84: bit 14 one, bit 15 zero */
#define IDE_ID_CMDSET_FLUSH 0x1000      /* words 83 and 86: FLUSH CACHE */
#define IDE_ID_CMDSET_LBA48 0x0400      /* words 83 and 86: never set here */
#define IDE_ID_SIGNATURE 0xA5

#define IDE_MODEL "MOAT VIRTUAL DISK"

/*
 * Where the sectors live.  Each call moves one 512-byte sector and returns
 * whether it worked; lba is always below the sector count given to ide_init.
 */
struct ide_backend {
	bool (*read)(void *ctx, uint64_t lba, uint8_t sector[IDE_SECTOR_SIZE]);
	bool (*write)(void *ctx, uint64_t lba, const uint8_t sector[IDE_SECTOR_SIZE]);
};

/* The PIO data phase a command is in. */
enum ide_transfer {
	IDE_NO_TRANSFER,
	IDE_DATA_IN,  /* device to guest: data port reads drain buffer */
	IDE_DATA_OUT, /* guest to device: data port writes fill buffer */
};

struct ide_disk {
	const struct ide_backend *backend;
	void *ctx;
	uint64_t sectors;          /* the disk's size */
	/* Command block registers; the two devices of a channel share them. */
	uint8_t features;
	uint8_t count;
	uint8_t lba_low;
	uint8_t lba_mid;
	uint8_t lba_high;
	uint8_t device;
	uint8_t status;            /* the master's */
	uint8_t error;
	uint8_t control;           /* device control: IDE_CONTROL_* */
	bool intrq;                /* the master asks for an interrupt (shown unless nIEN) */
	/* The data phase of the current command. */
	enum ide_transfer transfer;
	uint32_t lba;              /* the sector in buffer (disk transfers) */
	unsigned sectors_left;     /* including the one in buffer */
	unsigned offset;           /* the next byte of buffer the data port moves */
	uint8_t buffer[IDE_SECTOR_SIZE];
};

/* Sets up d as after power-on: the master idle, with the ATA signature in its registers. */
void ide_init(struct ide_disk *d, uint64_t sectors, const struct ide_backend *b, void *ctx);

/* Whether port is the disk's: 0x1F0-0x1F7 or 0x3F6. */
bool ide_port(uint16_t port);

/*
 * The guest reads size bytes (1, 2 or 4) at port 0x1F0-0x1F7 or 0x3F6; the
 * value is in the low bytes.  Other ports read all ones.
 */
uint32_t ide_read(struct ide_disk *d, uint16_t port, unsigned size);

/* The guest writes the low size bytes of value at port 0x1F0-0x1F7 or 0x3F6; others are ignored. */
void ide_write(struct ide_disk *d, uint16_t port, unsigned size, uint32_t value);

/* The INTRQ line (IRQ 14): the selected master's request, unless nIEN masks it. */
bool ide_irq_level(const struct ide_disk *d);

#endif
