/*
 * A pvpanic model with one bug, for the devmodel lab's grader: the
 * student's model (servers/vmm/pvpanic.c, built with its functions renamed
 * real_pvpanic_*) behind the README's interface, with the bug MUTANT
 * names put in.  The student's unit tests, linked with it, must catch the
 * bug: the test that should see it fails.
 */
#include <stdbool.h>
#include <stdint.h>

#define pvpanic_init real_pvpanic_init
#define pvpanic_read real_pvpanic_read
#define pvpanic_write real_pvpanic_write
#define pvpanic_stop_reason real_pvpanic_stop_reason
#define pvpanic_crash_loaded real_pvpanic_crash_loaded
#include "pvpanic.h"
#undef pvpanic_init
#undef pvpanic_read
#undef pvpanic_write
#undef pvpanic_stop_reason
#undef pvpanic_crash_loaded

#define OPEN_BUS_READ        1 /* the port reads 0xFF, as where no device answers */
#define LOST_PANIC           2 /* PANICKED is dropped */
#define CRASH_TAKEN_AS_PANIC 3 /* CRASH_LOADED stops the guest too */
#define LOST_CRASH_LOADED    4 /* CRASH_LOADED is dropped */
#define STRAY_WRITE_AS_PANIC 5 /* 0, or bits that name no event, stop the guest */

void pvpanic_init(struct pvpanic *p);
uint8_t pvpanic_read(const struct pvpanic *p);
void pvpanic_write(struct pvpanic *p, uint8_t events);
const char *pvpanic_stop_reason(const struct pvpanic *p);
bool pvpanic_crash_loaded(const struct pvpanic *p);

void pvpanic_init(struct pvpanic *p)
{
	real_pvpanic_init(p);
}

uint8_t pvpanic_read(const struct pvpanic *p)
{
	return MUTANT == OPEN_BUS_READ ? 0xff : real_pvpanic_read(p);
}

void pvpanic_write(struct pvpanic *p, uint8_t v)
{
	if (MUTANT == LOST_PANIC)
		v &= ~PVPANIC_PANICKED;
	if (MUTANT == CRASH_TAKEN_AS_PANIC && (v & PVPANIC_CRASH_LOADED))
		v |= PVPANIC_PANICKED;
	if (MUTANT == LOST_CRASH_LOADED)
		v &= ~PVPANIC_CRASH_LOADED;
	if (MUTANT == STRAY_WRITE_AS_PANIC && (v == 0 || (v & ~(PVPANIC_PANICKED | PVPANIC_CRASH_LOADED))))
		v |= PVPANIC_PANICKED;
	real_pvpanic_write(p, v);
}

const char *pvpanic_stop_reason(const struct pvpanic *p)
{
	return real_pvpanic_stop_reason(p);
}

bool pvpanic_crash_loaded(const struct pvpanic *p)
{
	return real_pvpanic_crash_loaded(p);
}
