/*
 * The ATA disk driver server: answers the block protocol (moat/block.h) on
 * its endpoint for the disk it finds on the primary channel.  Requests are
 * served one at a time; a write is acknowledged only after the device has
 * finished it and flushed its cache.
 */
#include "mem.h"
#include "moat/server.h"
#include "moat/syscall.h"
#include "moat/user.h"

#include "ata.h"
#include "moat/port_io.h"
#include "array.h"


#define SECTOR_REG_BYTES  (MSG_REG_WORDS * sizeof(uint64_t))
#define SECTOR_UTCB_BYTES (BLK_SECTOR_BYTES - SECTOR_REG_BYTES)

/* What a well-formed request of one operation looks like. */
struct op_rule {
	bool known;
	uint8_t words;      /* message words it carries */
	bool addresses_lba; /* the label's LBA names a sector; otherwise it must be 0 */
	bool needs_disk;
};

static const struct op_rule op_rules[] = {
	[BLK_READ] = { .known = true, .words = 0, .addresses_lba = true, .needs_disk = true },
	[BLK_WRITE] = { .known = true, .words = BLK_SECTOR_WORDS, .addresses_lba = true,
			.needs_disk = true },
	[BLK_INFO] = { .known = true, .words = 0, .needs_disk = true },
	[BLK_CRASH] = { .known = true, .words = 0 },
};

/* Checks a request's form and its sector against the disk. */
static enum blk_status check_request(const struct ata_disk *disk, uint64_t tag)
{
	uint64_t label = MSG_LABEL(tag), op = BLK_OP(label), lba = BLK_LBA(label);
	const struct op_rule *rule = &op_rules[op < ARRAY_LEN(op_rules) ? op : 0];

	if (!rule->known || MSG_WORDS(tag) != rule->words || MSG_CAPS(tag) != 0)
		return BLK_ERR_REQUEST;
	if (!rule->addresses_lba && lba != 0)
		return BLK_ERR_REQUEST;
	if (rule->needs_disk && !disk->present)
		return BLK_ERR_NO_DISK;
	if (rule->addresses_lba && lba >= disk->sectors)
		return BLK_ERR_RANGE;
	return BLK_OK;
}

/* Puts a sector into the reply: words 0-3 in registers, the rest in the UTCB. */
static void sector_to_msg(const struct ata_sector *s, struct msg *m)
{
	const uint8_t *bytes = (const uint8_t *)s->data;

	memcpy(m->mr, bytes, SECTOR_REG_BYTES);
	memcpy(&utcb()->mr[MSG_REG_WORDS], bytes + SECTOR_REG_BYTES, SECTOR_UTCB_BYTES);
	m->tag = MSG_TAG(BLK_OK, BLK_SECTOR_WORDS, 0);
}

/* Takes the sector a write request carries. */
static void msg_to_sector(const struct msg *m, struct ata_sector *s)
{
	uint8_t *bytes = (uint8_t *)s->data;

	memcpy(bytes, m->mr, SECTOR_REG_BYTES);
	memcpy(bytes + SECTOR_REG_BYTES, &utcb()->mr[MSG_REG_WORDS], SECTOR_UTCB_BYTES);
}

/* Faults on purpose, for the restart test. */
static enum blk_status crash(void)
{
	server_crash();
	return BLK_ERR_DEVICE; /* only if someone resumed us past the fault */
}

/* Carries out a checked request: its status; on success the reply is in *m. */
static enum blk_status perform(const struct ata_disk *disk, struct msg *m)
{
	uint64_t label = MSG_LABEL(m->tag);
	uint32_t lba = BLK_LBA(label);
	struct ata_sector sector;
	enum blk_status st;

	switch (BLK_OP(label)) {
	case BLK_READ:
		st = ata_read(disk, lba, &sector);
		if (st == BLK_OK)
			sector_to_msg(&sector, m);
		return st;
	case BLK_WRITE:
		msg_to_sector(m, &sector);
		st = ata_write(disk, lba, &sector);
		m->tag = MSG_TAG(st, 0, 0);
		return st;
	case BLK_INFO:
		m->mr[0] = disk->sectors;
		m->tag = MSG_TAG(BLK_OK, 1, 0);
		return BLK_OK;
	default:
		return crash();
	}
}

/* Turns a request into its reply; an error reply carries no words. */
static void handle(const struct ata_disk *disk, struct msg *m)
{
	enum blk_status st = check_request(disk, m->tag);

	if (st == BLK_OK)
		st = perform(disk, m);
	if (st != BLK_OK)
		m->tag = MSG_TAG(st, 0, 0);
}

/* Answers requests on the endpoint until receiving fails. */
static uint64_t serve(const struct ata_disk *disk)
{
	struct msg m = { .tag = 0 };
	uint64_t badge = 0;
	uint64_t st = sys_recv(SLOT_ENDPOINT, &m, &badge);

	while (st == OK) {
		handle(disk, &m);
		st = sys_reply_recv(SLOT_ENDPOINT, &m, &badge);
	}
	return st;
}

int main(uint64_t arg)
{
	struct ata_disk disk;
	uint64_t st;

	(void)arg;
	ata_probe(&disk);
	if (disk.present)
		uprintf("ata: disk on primary %s, %u sectors\n", disk.slave ? "slave" : "master",
			disk.sectors);
	else
		uprintf("ata: no ATA disk found\n");
	st = serve(&disk);
	uprintf("ata: receive failed: %s\n", status_name(st));
	return 1;
}
