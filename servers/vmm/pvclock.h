/*
 * The paravirtual clock KVM defined and Linux (CONFIG_KVM_GUEST) reads:
 * per vCPU, a 32-byte record in guest memory that turns the vCPU's TSC
 * into nanoseconds,
 *
 *	ns = system_time + scale(tsc - tsc_timestamp),
 *	scale(d) = ((shift < 0 ? d >> -shift : d << shift) * mul) >> 32,
 *
 * and, once, the wall-clock time at which those nanoseconds began.  A
 * guest that reads them knows its TSC's rate without calibrating it
 * (which timing a PIT across VM exits does badly) and has a clock that
 * costs no exit.  The version word is odd while the host writes.
 * Pure and host-tested (tests/unit/test_pvclock.c); kvmclock.c is the
 * glue to CPUID and the MSRs.
 */
#ifndef VMM_PVCLOCK_H
#define VMM_PVCLOCK_H

#include <stdint.h>

struct pvclock_vcpu_time {
	uint32_t version;
	uint32_t pad0;
	uint64_t tsc_timestamp;
	uint64_t system_time;
	uint32_t tsc_to_system_mul;
	int8_t tsc_shift;
	uint8_t flags;
	uint8_t pad[2];
};
_Static_assert(sizeof(struct pvclock_vcpu_time) == 32, "KVM's layout");

struct pvclock_wall_clock {
	uint32_t version;
	uint32_t sec;
	uint32_t nsec;
};
_Static_assert(sizeof(struct pvclock_wall_clock) == 12, "KVM's layout");

/* flags: every vCPU's record gives the same time at the same moment (no per-CPU drift). */
#define PVCLOCK_TSC_STABLE 0x01

#define NS_PER_SECOND 1000000000ull

/*
 * The multiplier and shift that turn TSC counts at tsc_hz into
 * nanoseconds (tsc_hz > 0): the smallest shift >= 0 that makes a count
 * at least a nanosecond, so that mul keeps at least 31 bits of precision
 * at any rate up to 1 GHz and 30 up to 4 GHz.
 */
void pvclock_scale(uint64_t tsc_hz, uint32_t *mul, int8_t *shift);

/* scale(delta), as the guest computes it. */
uint64_t pvclock_ns(uint64_t delta, uint32_t mul, int8_t shift);

/*
 * Writes a vCPU's record: at guest TSC tsc_timestamp the clock reads
 * system_time nanoseconds; it runs at tsc_hz; flags as above.  The
 * version goes odd for the write and even after it.
 */
void pvclock_publish(volatile struct pvclock_vcpu_time *t, uint64_t tsc_timestamp,
		     uint64_t system_time, uint64_t tsc_hz, uint8_t flags);

/* Writes the wall-clock record: the clock's zero was unix_seconds after 1970-01-01 UTC. */
void pvclock_publish_wall(volatile struct pvclock_wall_clock *w, uint64_t unix_seconds);

#endif
