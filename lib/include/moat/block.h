/*
 * The block-device protocol: what a disk driver server (servers/drivers/ata)
 * answers on its endpoint.  One 512-byte sector per message: the 64 message
 * words carry the data (words 0-3 in registers, the rest in the UTCB).
 *
 *   call  label BLK_LABEL(BLK_READ, lba),  0 words  -> reply label BLK_OK, 64 words
 *   call  label BLK_LABEL(BLK_WRITE, lba), 64 words -> reply label BLK_OK once the
 *                                                      device has finished the write
 *   call  label BLK_LABEL(BLK_INFO, 0),    0 words  -> reply label BLK_OK,
 *                                                      word 0: sectors the client sees
 *   any error                                       -> reply label BLK_ERR_*, 0 words
 *
 * Each client sees a disk of its own: the region of the device that its
 * connection's badge names (below), or the whole device if the badge names
 * none.  Sector numbers count from the region's start, BLK_INFO answers the
 * region's size, and a sector at or past that size is refused with
 * BLK_ERR_RANGE before the device is touched.  The root task mints the
 * badges from its configuration (`disk=` in docs/root-task.md), so a client
 * cannot choose its region, and a restarted driver knows every region again
 * without being told.
 *
 * A request in flight when the driver dies returns ERR_DELETED from the
 * call; the endpoint outlives the driver, so the client just calls again
 * once the root task has restarted it.
 */
#ifndef MOAT_BLOCK_H
#define MOAT_BLOCK_H

#include <stdbool.h>

#include "abi.h"

#define BLK_SECTOR_BYTES 512
#define BLK_SECTOR_WORDS (BLK_SECTOR_BYTES / 8)

enum blk_op { BLK_READ = 1, BLK_WRITE, BLK_INFO, BLK_CRASH /* test only: touches a port it lacks */ };

enum blk_status {
	BLK_OK,
	BLK_ERR_RANGE,    /* the sector is past the end of the client's disk (its region) */
	BLK_ERR_DEVICE,   /* the device reported an error or timed out */
	BLK_ERR_REQUEST,  /* unknown operation or wrong number of words */
	BLK_ERR_NO_DISK,  /* no ATA disk was found */
};

/* Label: the operation in bits 7:0, the sector number (LBA28) above. */
#define BLK_LABEL(op, lba) ((uint64_t)(op) | ((uint64_t)(lba) << 8))
#define BLK_OP(label)      ((label) & 0xff)
#define BLK_LBA(label)     ((label) >> 8)

/* Sectors that LBA28 reaches: no region may end past them. */
#define BLK_LBA28_SECTORS (1ull << 28)

/*
 * A connection's badge: bits 6:0 the client's number (its config index plus
 * one, as for every connection), bit 7 set if the client is confined to a
 * region, then the region's first sector in bits 35:8 and its last sector in
 * bits 63:36 (both below BLK_LBA28_SECTORS).  The last sector rather than the
 * count, so that a region of all 2^28 sectors fits too.
 */
#define BLK_BADGE_CLIENT_MASK 0x7full
#define BLK_BADGE_REGION      (1ull << 7)
#define BLK_BADGE_FIRST_SHIFT 8
#define BLK_BADGE_LAST_SHIFT  36
#define BLK_BADGE_LBA_MASK    (BLK_LBA28_SECTORS - 1)

/* A client's region: sectors first .. first + sectors - 1 of the device. */
struct blk_region {
	uint32_t first;
	uint32_t sectors;
};

/* The badge of client `client` confined to r (r->sectors >= 1, ending within LBA28). */
static inline uint64_t blk_region_badge(uint64_t client, const struct blk_region *r)
{
	uint64_t last = (uint64_t)r->first + r->sectors - 1;

	return (client & BLK_BADGE_CLIENT_MASK) | BLK_BADGE_REGION |
	       (uint64_t)r->first << BLK_BADGE_FIRST_SHIFT | last << BLK_BADGE_LAST_SHIFT;
}

/*
 * Whether badge confines its client to a region; if so, the region in *r.  A
 * region whose last sector lies before its first (no root mints one) is
 * empty: such a client reaches nothing, rather than everything.
 */
static inline bool blk_badge_region(uint64_t badge, struct blk_region *r)
{
	uint64_t first = (badge >> BLK_BADGE_FIRST_SHIFT) & BLK_BADGE_LBA_MASK;
	uint64_t last = (badge >> BLK_BADGE_LAST_SHIFT) & BLK_BADGE_LBA_MASK;

	if (!(badge & BLK_BADGE_REGION))
		return false;
	r->first = (uint32_t)first;
	r->sectors = last < first ? 0 : (uint32_t)(last - first + 1);
	return true;
}

#endif
