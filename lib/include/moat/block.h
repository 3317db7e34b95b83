/*
 * The block-device protocol: what a disk driver server (servers/drivers/ata)
 * answers on its endpoint.  One 512-byte sector per message: the 64 message
 * words carry the data (words 0-3 in registers, the rest in the UTCB).
 *
 *   call  label BLK_LABEL(BLK_READ, lba),  0 words  -> reply label BLK_OK, 64 words
 *   call  label BLK_LABEL(BLK_WRITE, lba), 64 words -> reply label BLK_OK once the
 *                                                      device has finished the write
 *   call  label BLK_LABEL(BLK_INFO, 0),    0 words  -> reply label BLK_OK,
 *                                                      word 0: sectors on the disk
 *   any error                                       -> reply label BLK_ERR_*, 0 words
 *
 * A request in flight when the driver dies returns ERR_DELETED from the
 * call; the endpoint outlives the driver, so the client just calls again
 * once the root task has restarted it.
 */
#ifndef MOAT_BLOCK_H
#define MOAT_BLOCK_H

#include "abi.h"

#define BLK_SECTOR_BYTES 512
#define BLK_SECTOR_WORDS (BLK_SECTOR_BYTES / 8)

enum blk_op { BLK_READ = 1, BLK_WRITE, BLK_INFO, BLK_CRASH /* test only: touches a port it lacks */ };

enum blk_status {
	BLK_OK,
	BLK_ERR_RANGE,    /* the sector is past the end of the disk */
	BLK_ERR_DEVICE,   /* the device reported an error or timed out */
	BLK_ERR_REQUEST,  /* unknown operation or wrong number of words */
	BLK_ERR_NO_DISK,  /* no ATA disk was found */
};

/* Label: the operation in bits 7:0, the sector number (LBA28) above. */
#define BLK_LABEL(op, lba) ((uint64_t)(op) | ((uint64_t)(lba) << 8))
#define BLK_OP(label)      ((label) & 0xff)
#define BLK_LBA(label)     ((label) >> 8)

#endif
