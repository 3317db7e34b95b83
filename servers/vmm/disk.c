/*
 * The guest disk's backend: each sector the IDE model (ide.c) reads or
 * writes is a call to the disk driver (servers/drivers/ata, the block
 * protocol in moat/block.h), which the VMM reaches through connect=ata.
 * The calls happen inside an exit, whose words the UTCB holds: they are
 * kept aside around each call.
 */
#include "mem.h"
#include "moat/block.h"
#include "moat/syscall.h"
#include "moat/user.h"
#include "vmm.h"

/* One call to the driver; true if it answered BLK_OK with `words` words. */
static bool call(struct msg *m, unsigned words)
{
	uint64_t st = sys_call(connections.ata, m);
	return st == OK && MSG_LABEL(m->tag) == BLK_OK && MSG_WORDS(m->tag) == words;
}

static bool disk_read(void *ctx, uint64_t lba, uint8_t sector[IDE_SECTOR_SIZE])
{
	(void)ctx;
	exit_words_save();
	struct msg m = { MSG_TAG(BLK_LABEL(BLK_READ, lba), 0, 0), { 0 } };
	bool ok = call(&m, BLK_SECTOR_WORDS);
	for (unsigned i = 0; ok && i < BLK_SECTOR_WORDS; i++)
		memcpy(sector + 8 * i, msg_word(&m, utcb(), i), 8);
	exit_words_restore();
	return ok;
}

static bool disk_write(void *ctx, uint64_t lba, const uint8_t sector[IDE_SECTOR_SIZE])
{
	(void)ctx;
	exit_words_save();
	struct msg m = { MSG_TAG(BLK_LABEL(BLK_WRITE, lba), BLK_SECTOR_WORDS, 0), { 0 } };
	for (unsigned i = 0; i < BLK_SECTOR_WORDS; i++)
		memcpy(msg_word(&m, utcb(), i), sector + 8 * i, 8);
	bool ok = call(&m, 0);
	exit_words_restore();
	return ok;
}

uint64_t disk_sectors(void)
{
	if (connections.ata == SLOT_NONE)
		return 0;
	exit_words_save();
	struct msg m = { MSG_TAG(BLK_LABEL(BLK_INFO, 0), 0, 0), { 0 } };
	uint64_t sectors = call(&m, 1) ? m.mr[0] : 0;
	exit_words_restore();
	return sectors;
}

const struct ide_backend disk_backend = { disk_read, disk_write };
