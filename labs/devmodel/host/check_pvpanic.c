/*
 * The devmodel lab's own check of a pvpanic model (labs/devmodel/README.md):
 * built on the host with the student's servers/vmm/pvpanic.h and
 * pvpanic.c, it drives the model through the interface the README fixes
 * and prints one line per check, "ok NAME" or "not ok NAME # why", for
 * grade.sh.  It must compile: a function whose type is not the README's
 * is a compile error naming it.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "pvpanic.h"

#define SAME_TYPE(f, type) __builtin_types_compatible_p(__typeof__(&f), type)
_Static_assert(SAME_TYPE(pvpanic_init, void (*)(struct pvpanic *)),
	       "pvpanic_init must be: void pvpanic_init(struct pvpanic *p)");
_Static_assert(SAME_TYPE(pvpanic_read, uint8_t (*)(const struct pvpanic *)),
	       "pvpanic_read must be: uint8_t pvpanic_read(const struct pvpanic *p)");
_Static_assert(SAME_TYPE(pvpanic_write, void (*)(struct pvpanic *, uint8_t)),
	       "pvpanic_write must be: void pvpanic_write(struct pvpanic *p, uint8_t events)");
_Static_assert(SAME_TYPE(pvpanic_stop_reason, const char *(*)(const struct pvpanic *)),
	       "pvpanic_stop_reason must be: const char *pvpanic_stop_reason(const struct pvpanic *p)");
_Static_assert(SAME_TYPE(pvpanic_crash_loaded, bool (*)(const struct pvpanic *)),
	       "pvpanic_crash_loaded must be: bool pvpanic_crash_loaded(const struct pvpanic *p)");

#define REASON "panicked (pvpanic)"

static char why[200]; /* the first failure of the check running */

#define FAIL_IF(cond, ...)                                             \
	do {                                                           \
		if ((cond) && !why[0])                                 \
			snprintf(why, sizeof(why), __VA_ARGS__);       \
	} while (0)

static void report(const char *name)
{
	if (why[0])
		printf("not ok %s # %s\n", name, why);
	else
		printf("ok %s\n", name);
	why[0] = 0;
}

/* A new device after a write of v. */
static struct pvpanic after(uint8_t v)
{
	struct pvpanic p;
	pvpanic_init(&p);
	pvpanic_write(&p, v);
	return p;
}

static bool stops(const struct pvpanic *p)
{
	return pvpanic_stop_reason(p) != NULL;
}

static void constants(void)
{
	FAIL_IF(PVPANIC_PORT != 0x505, "PVPANIC_PORT is %#x, not 0x505", (unsigned)PVPANIC_PORT);
	FAIL_IF(PVPANIC_PANICKED != 0x01, "PVPANIC_PANICKED is %#x, not 0x01", (unsigned)PVPANIC_PANICKED);
	FAIL_IF(PVPANIC_CRASH_LOADED != 0x02, "PVPANIC_CRASH_LOADED is %#x, not 0x02",
		(unsigned)PVPANIC_CRASH_LOADED);
	report("model_constants");
}

static void reads(void)
{
	struct pvpanic p;
	pvpanic_init(&p);
	uint8_t v = pvpanic_read(&p);
	FAIL_IF(v != 0x03, "a new device reads %#x, not 0x03 (PANICKED | CRASH_LOADED)", v);
	FAIL_IF(pvpanic_read(&p) != v, "a second read gives %#x after %#x", pvpanic_read(&p), v);
	for (unsigned e = 1; e <= 3; e++) {
		p = after(e);
		FAIL_IF(pvpanic_read(&p) != 0x03, "after a write of %#x it reads %#x, not 0x03", e,
			pvpanic_read(&p));
	}
	report("model_reads_supported_events");
}

static void panicked(void)
{
	struct pvpanic p;
	pvpanic_init(&p);
	FAIL_IF(stops(&p), "a new device already gives a stop reason (\"%s\")", pvpanic_stop_reason(&p));
	p = after(PVPANIC_PANICKED);
	FAIL_IF(!stops(&p), "after a write of PANICKED (1), pvpanic_stop_reason is NULL");
	FAIL_IF(stops(&p) && strcmp(pvpanic_stop_reason(&p), REASON) != 0,
		"the stop reason is \"%s\", not \"" REASON "\"", pvpanic_stop_reason(&p));
	FAIL_IF(pvpanic_crash_loaded(&p), "after PANICKED, pvpanic_crash_loaded is true");
	pvpanic_write(&p, 0);
	FAIL_IF(!stops(&p), "a write of 0 after PANICKED took the panic back");
	report("model_panicked_gives_the_reason");
}

static void both(void)
{
	struct pvpanic p = after(PVPANIC_PANICKED | PVPANIC_CRASH_LOADED);
	FAIL_IF(!stops(&p), "after a write of 3 (PANICKED and CRASH_LOADED) there is no stop reason");
	FAIL_IF(pvpanic_crash_loaded(&p), "after a write of 3, pvpanic_crash_loaded is true: PANICKED wins");
	report("model_panicked_wins_over_crash_loaded");
}

static void crash_loaded(void)
{
	struct pvpanic p;
	pvpanic_init(&p);
	FAIL_IF(pvpanic_crash_loaded(&p), "a new device already says CRASH_LOADED");
	p = after(PVPANIC_CRASH_LOADED);
	FAIL_IF(!pvpanic_crash_loaded(&p), "after a write of CRASH_LOADED (2), pvpanic_crash_loaded is false");
	FAIL_IF(stops(&p), "after CRASH_LOADED there is a stop reason (\"%s\"): that guest runs on",
		pvpanic_stop_reason(&p));
	pvpanic_write(&p, PVPANIC_PANICKED);
	FAIL_IF(!stops(&p), "PANICKED after CRASH_LOADED gives no stop reason");
	FAIL_IF(pvpanic_crash_loaded(&p), "PANICKED after CRASH_LOADED leaves pvpanic_crash_loaded true");
	report("model_crash_loaded_runs_on");
}

/* Every byte a guest can write: bit 0 stops it, bit 1 alone is CRASH_LOADED, the rest nothing. */
static void every_byte(void)
{
	for (unsigned v = 0; v < 256; v++) {
		struct pvpanic p = after((uint8_t)v);
		bool stop = v & PVPANIC_PANICKED, crash = (v & 3) == PVPANIC_CRASH_LOADED;
		FAIL_IF(stops(&p) != stop, "a write of %#x %s a stop reason", v, stop ? "gives no" : "gives");
		FAIL_IF(pvpanic_crash_loaded(&p) != crash, "a write of %#x makes pvpanic_crash_loaded %s", v,
			crash ? "false" : "true");
	}
	report("model_every_byte_written");
}

static void init_resets(void)
{
	struct pvpanic p = after(PVPANIC_PANICKED);
	pvpanic_init(&p);
	FAIL_IF(stops(&p), "pvpanic_init after a panic leaves its stop reason");
	p = after(PVPANIC_CRASH_LOADED);
	pvpanic_init(&p);
	FAIL_IF(pvpanic_crash_loaded(&p), "pvpanic_init after CRASH_LOADED leaves it");
	report("model_init_resets");
}

/* One guest's panic must not reach another's device: no state outside struct pvpanic. */
static void independent(void)
{
	struct pvpanic a, b;
	pvpanic_init(&a);
	pvpanic_init(&b);
	pvpanic_write(&a, PVPANIC_PANICKED);
	FAIL_IF(stops(&b), "a panic written to one device gives another a stop reason");
	pvpanic_write(&b, PVPANIC_CRASH_LOADED);
	FAIL_IF(pvpanic_crash_loaded(&a), "CRASH_LOADED written to one device shows in another");
	pvpanic_init(&b);
	FAIL_IF(!stops(&a), "pvpanic_init of one device reset another");
	report("model_devices_are_independent");
}

int main(void)
{
	constants();
	reads();
	panicked();
	both();
	crash_loaded();
	every_byte();
	init_resets();
	independent();
	return 0;
}
