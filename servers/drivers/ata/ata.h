/*
 * The ATA PIO driver: one disk on the primary channel, found with IDENTIFY
 * DEVICE and driven one sector at a time with LBA28 commands.  Every wait
 * polls the status register with a bound; nothing here uses interrupts.
 */
#ifndef ATA_H
#define ATA_H

#include <stdbool.h>
#include <stdint.h>

#include "moat/block.h"

#define ATA_SECTOR_HALFWORDS (BLK_SECTOR_BYTES / 2) /* 16-bit transfers per sector */

/* One sector as the data port moves it: 16-bit words, first byte in the low half. */
struct ata_sector {
	uint16_t data[ATA_SECTOR_HALFWORDS];
};

/* The disk the driver serves. */
struct ata_disk {
	bool present;
	bool slave;       /* device 1 on the channel, else device 0 (master) */
	uint32_t sectors; /* LBA28 addressable sectors (IDENTIFY words 60-61) */
};

/* A request that ata_check_request has let through. */
struct ata_request {
	enum blk_op op;
	uint32_t lba;     /* READ, WRITE: the device's sector, the client's region applied */
	uint32_t sectors; /* the size of the client's disk, which INFO answers */
};

/* The part of the device the client with this badge sees as its disk. */
struct blk_region ata_client_disk(const struct ata_disk *disk, uint64_t badge);

/*
 * Checks a request's form (its message tag) and its sector against the
 * caller's disk: BLK_OK with *req filled in, or the error to answer, and
 * then nothing may be done.
 */
enum blk_status ata_check_request(const struct ata_disk *disk, uint64_t badge, uint64_t tag,
				  struct ata_request *req);

/* Looks for an ATA disk on the primary channel: master first, then slave. */
void ata_probe(struct ata_disk *disk);

/* Reads sector lba into *out: BLK_OK or BLK_ERR_DEVICE. */
enum blk_status ata_read(const struct ata_disk *disk, uint32_t lba, struct ata_sector *out);

/* Writes *in to sector lba and flushes the write cache: BLK_OK or BLK_ERR_DEVICE. */
enum blk_status ata_write(const struct ata_disk *disk, uint32_t lba, const struct ata_sector *in);

#endif
