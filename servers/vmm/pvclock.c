/* The paravirtual clock's records (pvclock.h has the format). */
#include "pvclock.h"

void pvclock_scale(uint64_t tsc_hz, uint32_t *mul, int8_t *shift)
{
	int8_t s = 0;
	if (!tsc_hz) { /* no rate known: a clock that stands still, not a division by zero */
		*mul = 0;
		*shift = 0;
		return;
	}
	while ((tsc_hz << s) <= NS_PER_SECOND) /* a shifted count still under a nanosecond */
		s++;
	*shift = s;
	*mul = (uint32_t)((NS_PER_SECOND << 32) / (tsc_hz << s));
}

uint64_t pvclock_ns(uint64_t delta, uint32_t mul, int8_t shift)
{
	delta = shift < 0 ? delta >> -shift : delta << shift;
	return (uint64_t)(((unsigned __int128)delta * mul) >> 32);
}

/* Orders the record's writes around its version: x86 keeps stores in order; the compiler must too. */
static inline void store_order(void)
{
	__asm__ volatile("" ::: "memory");
}

void pvclock_publish(volatile struct pvclock_vcpu_time *t, uint64_t tsc_timestamp,
		     uint64_t system_time, uint64_t tsc_hz, uint8_t flags)
{
	uint32_t mul;
	int8_t shift;
	pvclock_scale(tsc_hz, &mul, &shift);
	uint32_t odd = t->version | 1;
	t->version = odd;
	store_order();
	t->tsc_timestamp = tsc_timestamp;
	t->system_time = system_time;
	t->tsc_to_system_mul = mul;
	t->tsc_shift = shift;
	t->flags = flags;
	store_order();
	t->version = odd + 1;
}

void pvclock_publish_wall(volatile struct pvclock_wall_clock *w, uint64_t unix_seconds)
{
	uint32_t odd = w->version | 1;
	w->version = odd;
	store_order();
	w->sec = (uint32_t)unix_seconds;
	w->nsec = 0;
	store_order();
	w->version = odd + 1;
}
