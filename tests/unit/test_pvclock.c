/*
 * Host unit tests for the paravirtual clock's records (servers/vmm/pvclock.h):
 * a second of TSC counts reads as a second of nanoseconds within the
 * multiplier's precision at every rate, the records' layout and version
 * protocol are KVM's, and a rate of 0 divides nothing.
 */
#include <stddef.h>
#include <stdint.h>

#include "pvclock.h"
#include "unit.h"

/* |a - b| <= tol */
static int near(uint64_t a, uint64_t b, uint64_t tol)
{
	return a > b ? a - b <= tol : b - a <= tol;
}

TEST(pvclock_one_second_at_every_rate)
{
	static const uint64_t rates[] = { 1, 1000, 3579545, 50000000, 999999999, 1000000000,
					  1000000001, 2400000000ull, 4000000000ull, 1ull << 41 };
	for (size_t i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
		uint32_t mul;
		int8_t shift;
		pvclock_scale(rates[i], &mul, &shift);
		CHECK(shift >= 0);
		/* 1 ns of error per 2^29 ns at the worst rate (30 bits), plus the rounding */
		CHECK(near(pvclock_ns(rates[i], mul, shift), NS_PER_SECOND, 3));
		CHECK(near(pvclock_ns(60 * rates[i], mul, shift), 60 * NS_PER_SECOND, 120));
		if (rates[i] <= NS_PER_SECOND)
			CHECK(mul >= 1u << 31); /* the shift was as small as it could be */
	}
}

TEST(pvclock_scale_values_at_round_rates)
{
	uint32_t mul;
	int8_t shift;
	pvclock_scale(NS_PER_SECOND, &mul, &shift); /* a nanosecond a count: 2^31 after one shift */
	CHECK_EQ(shift, 1);
	CHECK_EQ(mul, 1u << 31);
	pvclock_scale(2 * NS_PER_SECOND, &mul, &shift); /* half a nanosecond a count */
	CHECK_EQ(shift, 0);
	CHECK_EQ(mul, 1u << 31);
	CHECK_EQ(pvclock_ns(1000, mul, shift), 500);
}

TEST(pvclock_negative_shift_as_the_guest_reads_it)
{
	CHECK_EQ(pvclock_ns(1000, 1u << 31, -1), 250); /* 1000 >> 1, times a half */
}

TEST(pvclock_zero_rate_stands_still)
{
	uint32_t mul = 7;
	int8_t shift = 7;
	pvclock_scale(0, &mul, &shift);
	CHECK_EQ(mul, 0);
	CHECK_EQ(shift, 0);
	CHECK_EQ(pvclock_ns(123456789, mul, shift), 0);
}

TEST(pvclock_record_layout_is_kvms)
{
	CHECK_EQ(offsetof(struct pvclock_vcpu_time, tsc_timestamp), 8);
	CHECK_EQ(offsetof(struct pvclock_vcpu_time, system_time), 16);
	CHECK_EQ(offsetof(struct pvclock_vcpu_time, tsc_to_system_mul), 24);
	CHECK_EQ(offsetof(struct pvclock_vcpu_time, tsc_shift), 28);
	CHECK_EQ(offsetof(struct pvclock_vcpu_time, flags), 29);
	CHECK_EQ(offsetof(struct pvclock_wall_clock, sec), 4);
	CHECK_EQ(offsetof(struct pvclock_wall_clock, nsec), 8);
}

TEST(pvclock_publish_leaves_an_even_version_and_the_fields)
{
	struct pvclock_vcpu_time t = { .version = 5 }; /* odd garbage from the guest */
	pvclock_publish(&t, 1000, 42, 2 * NS_PER_SECOND, PVCLOCK_TSC_STABLE);
	CHECK_EQ(t.version, 6);
	CHECK_EQ(t.tsc_timestamp, 1000);
	CHECK_EQ(t.system_time, 42);
	CHECK_EQ(t.tsc_to_system_mul, 1u << 31);
	CHECK_EQ(t.tsc_shift, 0);
	CHECK_EQ(t.flags, PVCLOCK_TSC_STABLE);
	pvclock_publish(&t, 2000, 0, 2 * NS_PER_SECOND, 0);
	CHECK_EQ(t.version, 8); /* a reader that saw 6 knows it changed */
	CHECK_EQ(t.tsc_timestamp, 2000);

	struct pvclock_wall_clock w = { .version = 2, .nsec = 99 };
	pvclock_publish_wall(&w, 1735689600); /* 2025-01-01 */
	CHECK_EQ(w.version, 4);
	CHECK_EQ(w.sec, 1735689600);
	CHECK_EQ(w.nsec, 0);
}
