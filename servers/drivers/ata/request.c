/*
 * The one place where the driver decides whether to carry out a request,
 * and on which of the device's sectors.  A client addresses its own disk:
 * the region its badge names (moat/block.h), clipped to the device, or
 * the whole device.  Pure logic, host-tested (tests/unit/test_ata_request.c).
 */
#include "array.h"
#include "ata.h"
#include "moat/abi.h"

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

struct blk_region ata_client_disk(const struct ata_disk *disk, uint64_t badge)
{
	struct blk_region r;

	if (!blk_badge_region(badge, &r))
		return (struct blk_region){ .first = 0, .sectors = disk->sectors };
	if (r.first >= disk->sectors)
		r.sectors = 0; /* the region lies past the device's end: nothing of it exists */
	else if (r.sectors > disk->sectors - r.first)
		r.sectors = disk->sectors - r.first;
	return r;
}

enum blk_status ata_check_request(const struct ata_disk *disk, uint64_t badge, uint64_t tag,
				  struct ata_request *req)
{
	uint64_t label = MSG_LABEL(tag), op = BLK_OP(label), lba = BLK_LBA(label);
	const struct op_rule *rule = &op_rules[op < ARRAY_LEN(op_rules) ? op : 0];
	struct blk_region own = ata_client_disk(disk, badge);

	if (!rule->known || MSG_WORDS(tag) != rule->words || MSG_CAPS(tag) != 0)
		return BLK_ERR_REQUEST;
	if (!rule->addresses_lba && lba != 0)
		return BLK_ERR_REQUEST;
	if (rule->needs_disk && !disk->present)
		return BLK_ERR_NO_DISK;
	if (rule->addresses_lba && lba >= own.sectors)
		return BLK_ERR_RANGE;
	/* lba < own.sectors <= disk->sectors - own.first: the sum stays on the device. */
	*req = (struct ata_request){ .op = (enum blk_op)op,
				     .lba = rule->addresses_lba ? own.first + (uint32_t)lba : 0,
				     .sectors = own.sectors };
	return BLK_OK;
}
