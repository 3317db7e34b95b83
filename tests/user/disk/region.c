/*
 * The diskregion suite's clients (tests/diskregion/root.cfg): this program
 * started twice under other names, each confined by the root task's
 * `disk=` to a region of the runner's disk image.  `intruder` has sectors
 * 500-999, `owner` the sectors just after, 1000-1499: sector 500 of the
 * intruder's disk would be the owner's sector 0 if the driver did not stop
 * it.  Each must see a disk of 500 sectors whose sector 0 is its region's
 * first (the image numbers its sectors), and have every request at or past
 * its end refused.
 *
 * The order is fixed by two calls from the intruder to the owner: READY
 * (answered once the owner has written its pattern) and DONE (after the
 * intruder's attempts, with its totals); the owner then checks its pattern
 * and prints the closing line for both.
 */
#include "array.h"
#include "client.h"
#include "mem.h"
#include "moat/syscall.h"
#include "moat/user.h"

#define REGION_SECTORS 500  /* both regions' size (root.cfg) */
#define OWNER_FIRST    1000 /* the owner's region on the device */
#define INTRUDER_FIRST 500  /* the intruder's, just below */
#define OWNER_CASES    4    /* the owner's cases before the intruder's */
#define INTRUDER_CASES 6

enum sync_label { SYNC_READY = 1, SYNC_DONE }; /* the intruder's calls to the owner */

static union sector owner_pattern; /* what the owner wrote to its sector 0 */
static struct tally intruder_tally; /* the intruder's, as its DONE call reports them */

/* True if BLK_INFO answers the region's size, not the disk's. */
static bool info_is_region_size(void)
{
	uint64_t sectors = 0;

	if (!disk_info(&sectors))
		return false;
	uprintf("# %s: BLK_INFO says %lu sectors\n", program_name(), sectors);
	return sectors == REGION_SECTORS;
}

/* True if the client's first and last sectors are the device's first .. first + 499. */
static bool sees_region_at(uint64_t first)
{
	return sector_has_image_data(0, first) &&
	       sector_has_image_data(REGION_SECTORS - 1, first + REGION_SECTORS - 1);
}

/* True if a request of op on sector lba is refused with BLK_ERR_RANGE. */
static bool refused(enum blk_op op, uint64_t lba, const union sector *data)
{
	uint64_t tag = 0, st;
	unsigned int words = op == BLK_WRITE ? BLK_SECTOR_WORDS : 0;

	st = disk_call(BLK_LABEL(op, lba), data, words, NULL, &tag);
	if (reply_is("past the end", st, tag, BLK_ERR_RANGE, 0))
		return true;
	uprintf("# %s of sector %#lx was not refused\n", op == BLK_WRITE ? "write" : "read", lba);
	return false;
}

static enum result owner_info_is_its_region_size(void)
{
	return info_is_region_size() ? PASS : FAIL;
}

static enum result owner_sees_its_region(void)
{
	return sees_region_at(OWNER_FIRST) ? PASS : FAIL;
}

static enum result owner_refused_past_its_end(void)
{
	union sector junk = { .words = { 0 } };

	return refused(BLK_READ, REGION_SECTORS, NULL) &&
	       refused(BLK_WRITE, REGION_SECTORS, &junk) ? PASS : FAIL;
}

static enum result owner_writes_its_first_sector(void)
{
	union sector old, got;

	if (!read_sector(0, &old))
		return FAIL;
	write_pattern(&old, &owner_pattern);
	if (!write_sector(0, &owner_pattern) || !read_sector(0, &got))
		return FAIL;
	return same_sector("read back", &got, &owner_pattern) ? PASS : FAIL;
}

/* Takes the intruder's READY, answers it, and waits for its DONE and totals. */
static enum result owner_waits_for_intruder(void)
{
	struct msg m = { .tag = 0 };
	uint64_t badge = 0, st = sys_recv(SLOT_ENDPOINT, &m, &badge);

	if (st != OK || MSG_LABEL(m.tag) != SYNC_READY) {
		uprintf("# wanted READY: %s, label %lu\n", status_name(st), MSG_LABEL(m.tag));
		return FAIL;
	}
	m.tag = MSG_TAG(0, 0, 0);
	st = sys_reply_recv(SLOT_ENDPOINT, &m, &badge);
	if (st != OK || MSG_LABEL(m.tag) != SYNC_DONE || MSG_WORDS(m.tag) != 3) {
		uprintf("# wanted DONE: %s, label %lu\n", status_name(st), MSG_LABEL(m.tag));
		return FAIL;
	}
	intruder_tally = (struct tally){ (unsigned int)m.mr[0], (unsigned int)m.mr[1],
					 (unsigned int)m.mr[2] };
	m.tag = MSG_TAG(0, 0, 0);
	st = sys_reply(&m);
	return st == OK ? PASS : FAIL;
}

static enum result owner_data_unchanged_after_intruder(void)
{
	union sector got;

	if (!read_sector(0, &got) || !same_sector("owner's sector 0", &got, &owner_pattern))
		return FAIL;
	return sector_has_image_data(1, OWNER_FIRST + 1) ? PASS : FAIL;
}

static const struct test_case owner_cases[] = {
	{ "owner_info_is_its_region_size", owner_info_is_its_region_size },
	{ "owner_sees_its_region", owner_sees_its_region },
	{ "owner_refused_past_its_end", owner_refused_past_its_end },
	{ "owner_writes_its_first_sector", owner_writes_its_first_sector },
	{ "owner_waits_for_intruder", owner_waits_for_intruder },
	{ "owner_data_unchanged_after_intruder", owner_data_unchanged_after_intruder },
};

static enum result intruder_info_is_its_region_size(void)
{
	return info_is_region_size() ? PASS : FAIL;
}

static enum result intruder_sees_its_region(void)
{
	return sees_region_at(INTRUDER_FIRST) ? PASS : FAIL;
}

static enum result intruder_writes_its_last_sector(void)
{
	union sector old, pattern, got;

	if (!read_sector(REGION_SECTORS - 1, &old))
		return FAIL;
	write_pattern(&old, &pattern);
	if (!write_sector(REGION_SECTORS - 1, &pattern) || !read_sector(REGION_SECTORS - 1, &got))
		return FAIL;
	return same_sector("read back", &got, &pattern) ? PASS : FAIL;
}

static enum result intruder_read_past_its_end_refused(void)
{
	return refused(BLK_READ, REGION_SECTORS, NULL) ? PASS : FAIL;
}

/*
 * Writes past the end: the owner's sector 0 (500), the next, the owner's
 * last, and numbers that would land on the owner's sector 0 if the driver
 * cut them to 28 or 32 bits after adding the region's start.
 */
static enum result intruder_write_past_its_end_refused(void)
{
	static const uint64_t lbas[] = {
		REGION_SECTORS, REGION_SECTORS + 1, REGION_SECTORS * 2 - 1,
		(1ull << 28) + REGION_SECTORS, (1ull << 32) + REGION_SECTORS, (1ull << 40) - 1,
	};
	union sector pattern, zero = { .words = { 0 } };

	write_pattern(&zero, &pattern);
	for (unsigned int i = 0; i < ARRAY_LEN(lbas); i++)
		if (!refused(BLK_WRITE, lbas[i], &pattern))
			return FAIL;
	return PASS;
}

/* The region lives in the badge: a restarted driver applies it with nothing said. */
static enum result restarted_driver_keeps_the_region(void)
{
	union sector got, want;
	union sector junk = { .words = { 0 } };

	image_sector(INTRUDER_FIRST, &want);
	if (!crash_driver() || !read_after_restart(0, &got) ||
	    !same_sector("sector 0 after restart", &got, &want))
		return FAIL;
	return info_is_region_size() && refused(BLK_WRITE, REGION_SECTORS, &junk) ? PASS : FAIL;
}

static const struct test_case intruder_cases[] = {
	{ "intruder_info_is_its_region_size", intruder_info_is_its_region_size },
	{ "intruder_sees_its_region", intruder_sees_its_region },
	{ "intruder_writes_its_last_sector", intruder_writes_its_last_sector },
	{ "intruder_read_past_its_end_refused", intruder_read_past_its_end_refused },
	{ "intruder_write_past_its_end_refused", intruder_write_past_its_end_refused },
	{ "restarted_driver_keeps_the_region", restarted_driver_keeps_the_region },
};

_Static_assert(ARRAY_LEN(intruder_cases) == INTRUDER_CASES, "the numbering follows the tables");

/* Runs the owner's cases around the intruder's, and prints the closing line for both. */
static void owner(void)
{
	struct tally t = { 0 };

	run_cases(owner_cases, OWNER_CASES, 1, &t);
	run_cases(owner_cases + OWNER_CASES, ARRAY_LEN(owner_cases) - OWNER_CASES,
		  1 + OWNER_CASES + INTRUDER_CASES, &t);
	t.passed += intruder_tally.passed;
	t.failed += intruder_tally.failed;
	t.skipped += intruder_tally.skipped;
	end_of_tests(&t);
}

/* Calls the owner with label and the intruder's totals; true if it answered. */
static bool tell_owner(uint64_t label, const struct tally *t)
{
	uint64_t owner_slot = connection_slot("owner");
	struct msg m = { .tag = MSG_TAG(label, 3, 0), { t->passed, t->failed, t->skipped } };
	uint64_t st = owner_slot == SLOT_NONE ? ERR_EMPTY_SLOT : sys_call(owner_slot, &m);

	if (st != OK)
		uprintf("# the call to the owner failed: %s\n", status_name(st));
	return st == OK;
}

/* Waits for the owner's pattern, runs its own cases, and reports to the owner. */
static void intruder(void)
{
	struct tally t = { 0 };

	tell_owner(SYNC_READY, &t);
	run_cases(intruder_cases, ARRAY_LEN(intruder_cases), 1 + OWNER_CASES, &t);
	tell_owner(SYNC_DONE, &t);
}

bool region_client(const char *name)
{
	if (strcmp(name, "owner") == 0)
		owner();
	else if (strcmp(name, "intruder") == 0)
		intruder();
	else
		return false;
	return true;
}
