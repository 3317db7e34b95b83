/*
 * The disk test: a client of the ATA driver (servers/drivers/ata) over the
 * block protocol (moat/block.h).  The harness gives it a disk image whose
 * sector N begins with "MOATDISK" and N as a little-endian 64-bit number,
 * zeros after (disk-image.sh).  The last cases crash the driver on purpose
 * and check that the root task restarts it behind the same endpoint.
 *
 * Output as the kernel suite's: "ok N name", "not ok N name" after "# why"
 * lines, "skip N name # why", then "end of tests: P passed, F failed,
 * S skipped" and sys_debug_exit with status 1 if a case failed.
 */
#include <stdbool.h>

#include "mem.h"
#include "moat/block.h"
#include "moat/syscall.h"
#include "moat/user.h"
#include "array.h"


#define IMAGE_MAGIC       "MOATDISK"
#define IMAGE_MAGIC_BYTES 8
#define WRITE_LBA         100 /* the sector the write case may overwrite */
#define BAD_OP            0x7f
#define RECOVERY_ATTEMPTS 1000

enum result { PASS, FAIL, SKIP };

struct test_case {
	const char *name;
	enum result (*fn)(void);
};

/* One sector as the protocol carries it. */
union sector {
	uint64_t words[BLK_SECTOR_WORDS];
	uint8_t bytes[BLK_SECTOR_BYTES];
};

static uint64_t driver;       /* the connection to the driver */
static uint64_t disk_sectors; /* from BLK_INFO; 0 until the first case ran */
static const char *skip_reason;

/*
 * Calls the driver with label and the first n words of *send (NULL: none).
 * The reply's words, up to a sector's worth, go to *recv if not NULL; its
 * tag to *tag.  Returns the syscall status.
 */
static uint64_t disk_call(uint64_t label, const union sector *send, unsigned int n,
			  union sector *recv, uint64_t *tag)
{
	struct utcb *u = utcb();
	struct msg m = { .tag = MSG_TAG(label, n, 0) };
	uint64_t st;

	for (unsigned int i = 0; i < n; i++) {
		if (i < MSG_REG_WORDS)
			m.mr[i] = send->words[i];
		else
			u->mr[i] = send->words[i];
	}
	st = sys_call(driver, &m);
	*tag = m.tag;
	if (st != OK || !recv)
		return st;
	for (unsigned int i = 0; i < MSG_WORDS(m.tag) && i < BLK_SECTOR_WORDS; i++)
		recv->words[i] = i < MSG_REG_WORDS ? m.mr[i] : u->mr[i];
	return OK;
}

/* True if a call went through and its reply has label want and `words` words. */
static bool reply_is(const char *what, uint64_t st, uint64_t tag, uint64_t want,
		     unsigned int words)
{
	if (st != OK) {
		uprintf("# %s: call failed: %s\n", what, status_name(st));
		return false;
	}
	if (MSG_LABEL(tag) != want || MSG_WORDS(tag) != words) {
		uprintf("# %s: reply label %lu with %lu words, want %lu with %u\n", what,
			MSG_LABEL(tag), MSG_WORDS(tag), want, words);
		return false;
	}
	return true;
}

/* Reads sector lba into *out: true on a full BLK_OK reply. */
static bool read_sector(uint64_t lba, union sector *out)
{
	uint64_t tag = 0, st = disk_call(BLK_LABEL(BLK_READ, lba), NULL, 0, out, &tag);

	return reply_is("read", st, tag, BLK_OK, BLK_SECTOR_WORDS);
}

/* What the image holds in sector lba. */
static void image_sector(uint64_t lba, union sector *out)
{
	memset(out, 0, sizeof(*out));
	memcpy(out->bytes, IMAGE_MAGIC, IMAGE_MAGIC_BYTES);
	out->words[1] = lba; /* x86 is little-endian, as the image */
}

/* True if the sectors match; otherwise reports the first differing byte. */
static bool same_sector(const char *what, const union sector *got, const union sector *want)
{
	for (unsigned int i = 0; i < BLK_SECTOR_BYTES; i++) {
		if (got->bytes[i] != want->bytes[i]) {
			uprintf("# %s: byte %u is %#x, want %#x\n", what, i, got->bytes[i],
				want->bytes[i]);
			return false;
		}
	}
	return true;
}

/* True if sector lba reads back as the image made it. */
static bool sector_has_image_data(uint64_t lba)
{
	union sector got, want;

	image_sector(lba, &want);
	if (!read_sector(lba, &got))
		return false;
	return same_sector("image data", &got, &want);
}

static enum result disk_info_reports_size(void)
{
	union sector info = { .words = { 0 } };
	uint64_t tag = 0, st = disk_call(BLK_LABEL(BLK_INFO, 0), NULL, 0, &info, &tag);

	if (!reply_is("info", st, tag, BLK_OK, 1))
		return FAIL;
	disk_sectors = info.words[0];
	uprintf("# the disk has %lu sectors\n", disk_sectors);
	return disk_sectors > 0 ? PASS : FAIL;
}

static enum result disk_reads_known_data(void)
{
	static const uint64_t lbas[] = { 0, 1, 37 };

	for (unsigned int i = 0; i < ARRAY_LEN(lbas); i++) {
		if (!sector_has_image_data(lbas[i])) {
			uprintf("# sector %lu\n", lbas[i]);
			return FAIL;
		}
	}
	return PASS;
}

/* A pattern unlike *old: every byte depends on its offset and byte 0 differs from old's. */
static void write_pattern(const union sector *old, union sector *out)
{
	uint8_t salt = old->bytes[0] + 1;

	for (unsigned int i = 0; i < BLK_SECTOR_BYTES; i++)
		out->bytes[i] = (uint8_t)(i * 31 + salt);
}

static enum result disk_write_then_read_back(void)
{
	union sector old, pattern, got;
	uint64_t tag = 0, st;

	if (disk_sectors <= WRITE_LBA) {
		skip_reason = "the disk is too small for the write case";
		return SKIP;
	}
	if (!read_sector(WRITE_LBA, &old))
		return FAIL;
	write_pattern(&old, &pattern);
	st = disk_call(BLK_LABEL(BLK_WRITE, WRITE_LBA), &pattern, BLK_SECTOR_WORDS, NULL, &tag);
	if (!reply_is("write", st, tag, BLK_OK, 0) || !read_sector(WRITE_LBA, &got))
		return FAIL;
	return same_sector("read back", &got, &pattern) ? PASS : FAIL;
}

static enum result disk_rejects_out_of_range(void)
{
	uint64_t tag = 0, st;

	if (disk_sectors == 0) {
		skip_reason = "the disk size is unknown";
		return SKIP;
	}
	st = disk_call(BLK_LABEL(BLK_READ, disk_sectors), NULL, 0, NULL, &tag);
	return reply_is("read past the end", st, tag, BLK_ERR_RANGE, 0) ? PASS : FAIL;
}

static enum result disk_rejects_bad_request(void)
{
	union sector junk = { .words = { 0 } };
	uint64_t tag = 0, st;

	st = disk_call(BLK_LABEL(BAD_OP, 0), NULL, 0, NULL, &tag);
	if (!reply_is("unknown operation", st, tag, BLK_ERR_REQUEST, 0))
		return FAIL;
	/* A write must carry a whole sector. */
	st = disk_call(BLK_LABEL(BLK_WRITE, 1), &junk, MSG_REG_WORDS, NULL, &tag);
	if (!reply_is("short write", st, tag, BLK_ERR_REQUEST, 0))
		return FAIL;
	/* A read carries no words. */
	st = disk_call(BLK_LABEL(BLK_READ, 1), &junk, 1, NULL, &tag);
	if (!reply_is("read with words", st, tag, BLK_ERR_REQUEST, 0))
		return FAIL;
	return sector_has_image_data(1) ? PASS : FAIL; /* the short write changed nothing */
}

static enum result driver_crash_fails_request_in_flight(void)
{
	uint64_t tag = 0, st = disk_call(BLK_LABEL(BLK_CRASH, 0), NULL, 0, NULL, &tag);

	if (st == ERR_DELETED)
		return PASS;
	uprintf("# the crashing call returned %s (label %lu), want ERR_DELETED\n",
		status_name(st), MSG_LABEL(tag));
	return FAIL;
}

static enum result driver_restarted_and_client_recovers(void)
{
	union sector got, want;
	uint64_t tag = 0, st = OK;

	image_sector(1, &want);
	for (unsigned int attempt = 1; attempt <= RECOVERY_ATTEMPTS; attempt++) {
		st = disk_call(BLK_LABEL(BLK_READ, 1), NULL, 0, &got, &tag);
		if (st == OK && MSG_LABEL(tag) == BLK_OK && MSG_WORDS(tag) == BLK_SECTOR_WORDS) {
			uprintf("# the read went through on attempt %u\n", attempt);
			return same_sector("after restart", &got, &want) ? PASS : FAIL;
		}
		sys_yield();
	}
	uprintf("# no good read in %u attempts; the last: %s, label %lu\n", RECOVERY_ATTEMPTS,
		status_name(st), MSG_LABEL(tag));
	return FAIL;
}

#define BENCH_PAGES 16 /* 64 KiB, read sector by sector */

/*
 * Block read throughput through the driver, in time-stamp counts per
 * 4 KiB (under Bochs: instructions, client, kernel and driver together).
 */
static enum result disk_read_benchmark(void)
{
	union sector s;
	uint64_t start = rdtsc();
	for (uint64_t lba = 0; lba < BENCH_PAGES * 8; lba++)
		if (!read_sector(lba, &s))
			return FAIL;
	uprintf("bench block_read_instructions_per_4k: %lu\n", (rdtsc() - start) / BENCH_PAGES);
	return PASS;
}

static const struct test_case cases[] = {
	{ "disk_info_reports_size", disk_info_reports_size },
	{ "disk_reads_known_data", disk_reads_known_data },
	{ "disk_write_then_read_back", disk_write_then_read_back },
	{ "disk_rejects_out_of_range", disk_rejects_out_of_range },
	{ "disk_rejects_bad_request", disk_rejects_bad_request },
	{ "driver_crash_fails_request_in_flight", driver_crash_fails_request_in_flight },
	{ "driver_restarted_and_client_recovers", driver_restarted_and_client_recovers },
	{ "disk_read_benchmark", disk_read_benchmark },
};

int main(uint64_t arg)
{
	unsigned int passed = 0, failed = 0, skipped = 0;

	(void)arg;
	driver = connection_slot("ata");
	if (driver == SLOT_NONE)
		uprintf("# no connection to the ata server (connect=ata)\n");
	for (unsigned int i = 0; i < ARRAY_LEN(cases); i++) {
		unsigned int n = i + 1;
		enum result r;

		skip_reason = NULL;
		r = cases[i].fn();
		if (r == PASS) {
			passed++;
			uprintf("ok %u %s\n", n, cases[i].name);
		} else if (r == SKIP) {
			skipped++;
			uprintf("skip %u %s # %s\n", n, cases[i].name, skip_reason);
		} else {
			failed++;
			uprintf("not ok %u %s\n", n, cases[i].name);
		}
	}
	uprintf("end of tests: %u passed, %u failed, %u skipped\n", passed, failed, skipped);
	sys_debug_exit(SLOT_CONSOLE, failed != 0);
	return failed != 0;
}
