/* The disk tests' calls to the driver and their case runner (client.h). */
#include "client.h"
#include "mem.h"
#include "moat/syscall.h"
#include "moat/user.h"

#define IMAGE_MAGIC       "MOATDISK"
#define IMAGE_MAGIC_BYTES 8
#define RECOVERY_ATTEMPTS 1000

uint64_t driver;
const char *skip_reason;

uint64_t disk_call(uint64_t label, const union sector *send, unsigned int n, union sector *recv,
		   uint64_t *tag)
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

bool reply_is(const char *what, uint64_t st, uint64_t tag, uint64_t want, unsigned int words)
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

bool read_sector(uint64_t lba, union sector *out)
{
	uint64_t tag = 0, st = disk_call(BLK_LABEL(BLK_READ, lba), NULL, 0, out, &tag);

	return reply_is("read", st, tag, BLK_OK, BLK_SECTOR_WORDS);
}

bool write_sector(uint64_t lba, const union sector *in)
{
	uint64_t tag = 0;
	uint64_t st = disk_call(BLK_LABEL(BLK_WRITE, lba), in, BLK_SECTOR_WORDS, NULL, &tag);

	return reply_is("write", st, tag, BLK_OK, 0);
}

bool disk_info(uint64_t *sectors)
{
	union sector info = { .words = { 0 } };
	uint64_t tag = 0, st = disk_call(BLK_LABEL(BLK_INFO, 0), NULL, 0, &info, &tag);

	*sectors = info.words[0];
	return reply_is("info", st, tag, BLK_OK, 1);
}

void image_sector(uint64_t lba, union sector *out)
{
	memset(out, 0, sizeof(*out));
	memcpy(out->bytes, IMAGE_MAGIC, IMAGE_MAGIC_BYTES);
	out->words[1] = lba; /* x86 is little-endian, as the image */
}

bool same_sector(const char *what, const union sector *got, const union sector *want)
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

bool sector_has_image_data(uint64_t lba, uint64_t image_lba)
{
	union sector got, want;

	image_sector(image_lba, &want);
	if (!read_sector(lba, &got))
		return false;
	return same_sector("image data", &got, &want);
}

void write_pattern(const union sector *old, union sector *out)
{
	uint8_t salt = old->bytes[0] + 1;

	for (unsigned int i = 0; i < BLK_SECTOR_BYTES; i++)
		out->bytes[i] = (uint8_t)(i * 31 + salt);
}

bool crash_driver(void)
{
	uint64_t tag = 0, st = disk_call(BLK_LABEL(BLK_CRASH, 0), NULL, 0, NULL, &tag);

	if (st == ERR_DELETED)
		return true;
	uprintf("# the crashing call returned %s (label %lu), want ERR_DELETED\n",
		status_name(st), MSG_LABEL(tag));
	return false;
}

bool read_after_restart(uint64_t lba, union sector *got)
{
	uint64_t tag = 0, st = OK;

	for (unsigned int attempt = 1; attempt <= RECOVERY_ATTEMPTS; attempt++) {
		st = disk_call(BLK_LABEL(BLK_READ, lba), NULL, 0, got, &tag);
		if (st == OK && MSG_LABEL(tag) == BLK_OK && MSG_WORDS(tag) == BLK_SECTOR_WORDS) {
			uprintf("# the read went through on attempt %u\n", attempt);
			return true;
		}
		sys_yield();
	}
	uprintf("# no good read in %u attempts; the last: %s, label %lu\n", RECOVERY_ATTEMPTS,
		status_name(st), MSG_LABEL(tag));
	return false;
}

void run_cases(const struct test_case *cases, unsigned int n, unsigned int first, struct tally *t)
{
	for (unsigned int i = 0; i < n; i++) {
		unsigned int number = first + i;
		enum result r;

		skip_reason = NULL;
		r = cases[i].fn();
		if (r == PASS) {
			t->passed++;
			uprintf("ok %u %s\n", number, cases[i].name);
		} else if (r == SKIP) {
			t->skipped++;
			uprintf("skip %u %s # %s\n", number, cases[i].name, skip_reason);
		} else {
			t->failed++;
			uprintf("not ok %u %s\n", number, cases[i].name);
		}
	}
}

void end_of_tests(const struct tally *t)
{
	uprintf("end of tests: %u passed, %u failed, %u skipped\n", t->passed, t->failed,
		t->skipped);
	sys_debug_exit(SLOT_CONSOLE, t->failed != 0);
}
