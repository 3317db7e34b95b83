/*
 * The disk tests' side of the block protocol (moat/block.h): calls to the
 * ATA driver, the sectors of the harness's disk image (disk-image.sh), and
 * a runner for a table of named cases.  main.c is the drivers suite's
 * client; region.c the diskregion suite's two clients, one program started
 * under other names (docs/drivers.md).
 */
#ifndef DISK_CLIENT_H
#define DISK_CLIENT_H

#include <stdbool.h>
#include <stdint.h>

#include "moat/block.h"

enum result { PASS, FAIL, SKIP };

struct test_case {
	const char *name;
	enum result (*fn)(void);
};

/* Totals of cases run. */
struct tally {
	unsigned int passed, failed, skipped;
};

/* One sector as the protocol carries it. */
union sector {
	uint64_t words[BLK_SECTOR_WORDS];
	uint8_t bytes[BLK_SECTOR_BYTES];
};

extern uint64_t driver;          /* the connection to the driver */
extern const char *skip_reason;  /* set by a case that returns SKIP */

/*
 * Calls the driver with label and the first n words of *send (NULL: none).
 * The reply's words, up to a sector's worth, go to *recv if not NULL; its
 * tag to *tag.  Returns the syscall status.
 */
uint64_t disk_call(uint64_t label, const union sector *send, unsigned int n, union sector *recv,
		   uint64_t *tag);

/* True if a call went through and its reply has label want and `words` words. */
bool reply_is(const char *what, uint64_t st, uint64_t tag, uint64_t want, unsigned int words);

/* Reads sector lba into *out: true on a full BLK_OK reply. */
bool read_sector(uint64_t lba, union sector *out);

/* Writes *in to sector lba: true on a BLK_OK reply. */
bool write_sector(uint64_t lba, const union sector *in);

/* The size BLK_INFO reports in *sectors: true on a good reply. */
bool disk_info(uint64_t *sectors);

/* What the image holds in (device) sector lba. */
void image_sector(uint64_t lba, union sector *out);

/* True if the sectors match; otherwise reports the first differing byte. */
bool same_sector(const char *what, const union sector *got, const union sector *want);

/* True if sector lba reads back as device sector image_lba of the image. */
bool sector_has_image_data(uint64_t lba, uint64_t image_lba);

/* A pattern unlike *old: every byte depends on its offset and byte 0 differs from old's. */
void write_pattern(const union sector *old, union sector *out);

/* Makes the driver fault (BLK_CRASH): true if the call failed with ERR_DELETED, as it must. */
bool crash_driver(void);

/* Reads sector lba, retrying while the root task restarts the driver: true once one succeeds. */
bool read_after_restart(uint64_t lba, union sector *got);

/* Runs cases[0 .. n), numbered from first, printing a line each; adds to *t. */
void run_cases(const struct test_case *cases, unsigned int n, unsigned int first, struct tally *t);

/* Prints the closing line and ends the machine: status 1 if a case failed. */
void end_of_tests(const struct tally *t);

/* region.c: the diskregion suite's clients, by the name the config gives the program. */
bool region_client(const char *name);

#endif
