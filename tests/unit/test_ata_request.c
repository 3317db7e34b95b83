/*
 * Host unit tests for servers/drivers/ata/request.c: the ATA driver's one
 * check of a request, and the region of the disk each client's badge gives
 * it (moat/block.h).
 */
#include "../../servers/drivers/ata/ata.h"
#include "unit.h"

#define DISK_SECTORS 2016
#define CLIENT       3 /* a client's number, config index + 1 */

static const struct ata_disk disk = { .present = true, .sectors = DISK_SECTORS };

/* The badge of CLIENT confined to sectors first .. first + sectors - 1. */
static uint64_t region_badge(uint32_t first, uint32_t sectors)
{
	struct blk_region r = { .first = first, .sectors = sectors };

	return blk_region_badge(CLIENT, &r);
}

/* A request's tag: operation op on sector lba, carrying the words a well-formed one carries. */
static uint64_t request(enum blk_op op, uint64_t lba)
{
	return MSG_TAG(BLK_LABEL(op, lba), op == BLK_WRITE ? BLK_SECTOR_WORDS : 0, 0);
}

/* Checks a request of badge's client; the device sector it may touch goes to *lba. */
static enum blk_status check(uint64_t badge, uint64_t tag, uint32_t *lba)
{
	struct ata_request req = { .lba = 0xdead };
	enum blk_status st = ata_check_request(&disk, badge, tag, &req);

	*lba = req.lba;
	return st;
}

TEST(ata_badge_round_trip)
{
	struct blk_region r = { 0 };
	uint64_t badge = region_badge(1000, 500);

	CHECK_EQ(badge & BLK_BADGE_CLIENT_MASK, CLIENT);
	CHECK(blk_badge_region(badge, &r));
	CHECK_EQ(r.first, 1000);
	CHECK_EQ(r.sectors, 500);
	/* The largest region: all of LBA28, and the last sector alone. */
	CHECK(blk_badge_region(region_badge(0, 1u << 28), &r));
	CHECK_EQ(r.first, 0);
	CHECK_EQ(r.sectors, 1u << 28);
	CHECK(blk_badge_region(region_badge((1u << 28) - 1, 1), &r));
	CHECK_EQ(r.first, (1u << 28) - 1);
	CHECK_EQ(r.sectors, 1);
	/* A plain client number names no region. */
	CHECK(!blk_badge_region(CLIENT, &r));
	CHECK(!blk_badge_region(0, &r));
}

TEST(ata_badge_region_backwards_is_empty)
{
	/* A badge with the region bit whose last sector precedes its first reaches nothing. */
	struct blk_region r = { 0 };
	uint64_t badge = CLIENT | BLK_BADGE_REGION | 10ull << BLK_BADGE_FIRST_SHIFT |
			 9ull << BLK_BADGE_LAST_SHIFT;

	CHECK(blk_badge_region(badge, &r));
	CHECK_EQ(r.sectors, 0);
	CHECK_EQ(ata_client_disk(&disk, badge).sectors, 0);
}

TEST(ata_client_disk_whole_or_region)
{
	struct blk_region r = ata_client_disk(&disk, CLIENT);

	CHECK_EQ(r.first, 0);
	CHECK_EQ(r.sectors, DISK_SECTORS);
	r = ata_client_disk(&disk, 0); /* the root's own calls */
	CHECK_EQ(r.sectors, DISK_SECTORS);
	r = ata_client_disk(&disk, region_badge(500, 500));
	CHECK_EQ(r.first, 500);
	CHECK_EQ(r.sectors, 500);
}

TEST(ata_client_disk_clipped_to_the_device)
{
	/* A region that runs past the device's end ends with the device. */
	struct blk_region r = ata_client_disk(&disk, region_badge(2000, 100));

	CHECK_EQ(r.first, 2000);
	CHECK_EQ(r.sectors, DISK_SECTORS - 2000);
	r = ata_client_disk(&disk, region_badge(DISK_SECTORS - 1, 1));
	CHECK_EQ(r.sectors, 1);
	/* One wholly past it is empty. */
	CHECK_EQ(ata_client_disk(&disk, region_badge(DISK_SECTORS, 1)).sectors, 0);
	CHECK_EQ(ata_client_disk(&disk, region_badge(1u << 27, 10)).sectors, 0);
}

TEST(ata_request_in_region_is_moved_to_it)
{
	uint64_t badge = region_badge(1000, 500);
	struct ata_request req;
	uint32_t lba;

	CHECK_EQ(check(badge, request(BLK_READ, 0), &lba), BLK_OK);
	CHECK_EQ(lba, 1000);
	CHECK_EQ(check(badge, request(BLK_WRITE, 499), &lba), BLK_OK);
	CHECK_EQ(lba, 1499);
	CHECK_EQ(ata_check_request(&disk, badge, request(BLK_INFO, 0), &req), BLK_OK);
	CHECK_EQ(req.op, BLK_INFO);
	CHECK_EQ(req.sectors, 500);
	/* Without a region, sector numbers are the device's. */
	CHECK_EQ(check(CLIENT, request(BLK_WRITE, 1999), &lba), BLK_OK);
	CHECK_EQ(lba, 1999);
	CHECK_EQ(ata_check_request(&disk, CLIENT, request(BLK_INFO, 0), &req), BLK_OK);
	CHECK_EQ(req.sectors, DISK_SECTORS);
}

TEST(ata_request_outside_region_is_refused)
{
	/* It is an error to name a sector at or past the region's size; nothing is filled in. */
	uint64_t badge = region_badge(500, 500);
	uint32_t lba;

	CHECK_EQ(check(badge, request(BLK_READ, 500), &lba), BLK_ERR_RANGE);
	CHECK_EQ(lba, 0xdead);
	CHECK_EQ(check(badge, request(BLK_WRITE, 500), &lba), BLK_ERR_RANGE);
	CHECK_EQ(check(badge, request(BLK_WRITE, 1000), &lba), BLK_ERR_RANGE);
	/* Sector numbers that would wrap 28 or 32 bits onto the device's low sectors. */
	CHECK_EQ(check(badge, request(BLK_WRITE, (1ull << 28) - 500), &lba), BLK_ERR_RANGE);
	CHECK_EQ(check(badge, request(BLK_WRITE, (1ull << 32) + 10), &lba), BLK_ERR_RANGE);
	CHECK_EQ(check(badge, request(BLK_WRITE, (1ull << 40) - 1), &lba), BLK_ERR_RANGE);
	CHECK_EQ(lba, 0xdead);
}

TEST(ata_request_past_clipped_region_is_refused)
{
	uint64_t badge = region_badge(2000, 100); /* 16 sectors of it exist */
	uint32_t lba;

	CHECK_EQ(check(badge, request(BLK_READ, 15), &lba), BLK_OK);
	CHECK_EQ(lba, 2015);
	CHECK_EQ(check(badge, request(BLK_READ, 16), &lba), BLK_ERR_RANGE);
	CHECK_EQ(check(region_badge(DISK_SECTORS, 5), request(BLK_READ, 0), &lba), BLK_ERR_RANGE);
}

TEST(ata_request_form_checked_first)
{
	uint64_t badge = region_badge(500, 500);
	uint32_t lba;

	CHECK_EQ(check(badge, MSG_TAG(BLK_LABEL(0x7f, 0), 0, 0), &lba), BLK_ERR_REQUEST);
	CHECK_EQ(check(badge, MSG_TAG(BLK_LABEL(BLK_WRITE, 1), 4, 0), &lba), BLK_ERR_REQUEST);
	CHECK_EQ(check(badge, MSG_TAG(BLK_LABEL(BLK_READ, 1), 1, 0), &lba), BLK_ERR_REQUEST);
	CHECK_EQ(check(badge, MSG_TAG(BLK_LABEL(BLK_READ, 1), 0, 1), &lba), BLK_ERR_REQUEST);
	CHECK_EQ(check(badge, request(BLK_INFO, 1), &lba), BLK_ERR_REQUEST);
	CHECK_EQ(lba, 0xdead);
}

TEST(ata_request_without_disk)
{
	static const struct ata_disk none = { .present = false };
	struct ata_request req;

	CHECK_EQ(ata_check_request(&none, CLIENT, request(BLK_READ, 0), &req), BLK_ERR_NO_DISK);
	CHECK_EQ(ata_check_request(&none, region_badge(0, 10), request(BLK_INFO, 0), &req),
		 BLK_ERR_NO_DISK);
}
