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
#include "array.h"
#include "client.h"
#include "mem.h"
#include "moat/syscall.h"
#include "moat/user.h"

#define WRITE_LBA         100 /* the sector the write case may overwrite */
#define BAD_OP            0x7f

static uint64_t disk_sectors; /* from BLK_INFO; 0 until the first case ran */

static enum result disk_info_reports_size(void)
{
	if (!disk_info(&disk_sectors))
		return FAIL;
	uprintf("# the disk has %lu sectors\n", disk_sectors);
	return disk_sectors > 0 ? PASS : FAIL;
}

static enum result disk_reads_known_data(void)
{
	static const uint64_t lbas[] = { 0, 1, 37 };

	for (unsigned int i = 0; i < ARRAY_LEN(lbas); i++) {
		if (!sector_has_image_data(lbas[i], lbas[i])) {
			uprintf("# sector %lu\n", lbas[i]);
			return FAIL;
		}
	}
	return PASS;
}

static enum result disk_write_then_read_back(void)
{
	union sector old, pattern, got;

	if (disk_sectors <= WRITE_LBA) {
		skip_reason = "the disk is too small for the write case";
		return SKIP;
	}
	if (!read_sector(WRITE_LBA, &old))
		return FAIL;
	write_pattern(&old, &pattern);
	if (!write_sector(WRITE_LBA, &pattern) || !read_sector(WRITE_LBA, &got))
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
	return sector_has_image_data(1, 1) ? PASS : FAIL; /* the short write changed nothing */
}

static enum result driver_crash_fails_request_in_flight(void)
{
	return crash_driver() ? PASS : FAIL;
}

static enum result driver_restarted_and_client_recovers(void)
{
	union sector got, want;

	image_sector(1, &want);
	if (!read_after_restart(1, &got))
		return FAIL;
	return same_sector("after restart", &got, &want) ? PASS : FAIL;
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
	struct tally t = { 0 };

	(void)arg;
	driver = connection_slot("ata");
	if (driver == SLOT_NONE)
		uprintf("# no connection to the ata server (connect=ata)\n");
	if (region_client(program_name()))
		return 0;
	run_cases(cases, ARRAY_LEN(cases), 1, &t);
	end_of_tests(&t);
	return t.failed != 0;
}
