/*
 * The ATA disk driver server: answers the block protocol (moat/block.h) on
 * its endpoint for the disk it finds on the primary channel.  Requests are
 * served one at a time; a write is acknowledged only after the device has
 * finished it and flushed its cache.  Each client sees the region of the
 * disk its badge names; request.c checks every request against it.
 */
#include "mem.h"
#include "moat/server.h"
#include "moat/syscall.h"
#include "moat/user.h"

#include "ata.h"
#include "moat/port_io.h"

#define SECTOR_REG_BYTES  (MSG_REG_WORDS * sizeof(uint64_t))
#define SECTOR_UTCB_BYTES (BLK_SECTOR_BYTES - SECTOR_REG_BYTES)

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
static enum blk_status perform(const struct ata_disk *disk, const struct ata_request *req,
			       struct msg *m)
{
	struct ata_sector sector;
	enum blk_status st;

	switch (req->op) {
	case BLK_READ:
		st = ata_read(disk, req->lba, &sector);
		if (st == BLK_OK)
			sector_to_msg(&sector, m);
		return st;
	case BLK_WRITE:
		msg_to_sector(m, &sector);
		st = ata_write(disk, req->lba, &sector);
		m->tag = MSG_TAG(st, 0, 0);
		return st;
	case BLK_INFO:
		m->mr[0] = req->sectors;
		m->tag = MSG_TAG(BLK_OK, 1, 0);
		return BLK_OK;
	default:
		return crash();
	}
}

/* Turns a request of the client with this badge into its reply; an error reply has no words. */
static void handle(const struct ata_disk *disk, uint64_t badge, struct msg *m)
{
	struct ata_request req;
	enum blk_status st = ata_check_request(disk, badge, m->tag, &req);

	if (st == BLK_OK)
		st = perform(disk, &req, m);
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
		handle(disk, badge, &m);
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
