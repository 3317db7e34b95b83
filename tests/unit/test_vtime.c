/*
 * Host unit tests for the VMM's conversion between PIT clocks and host TSC
 * counts (servers/vmm/vtime.h): exact where the rates divide, rounded up
 * into the TSC (a sleep never ends early) and down out of it, and no
 * overflow at the extremes.
 */
#include <stdint.h>

#include "unit.h"
#include "vtime.h"

TEST(vtime_one_second_is_the_rates)
{
	CHECK_EQ(pit_clocks_to_tsc(PIT_HZ, 50000000), 50000000);
	CHECK_EQ(tsc_to_pit_clocks(50000000, 50000000), PIT_HZ);
	CHECK_EQ(pit_clocks_to_tsc(0, 50000000), 0);
	CHECK_EQ(tsc_to_pit_clocks(0, 50000000), 0);
}

TEST(vtime_hlt_pit_period_rounds_up_into_the_tsc)
{
	/* 11932 clocks at 50 MHz: 500007.5... counts, so 500008 */
	CHECK_EQ(pit_clocks_to_tsc(11932, 50000000), 500008);
	/* and back down: 500008 counts hold 11932 whole clocks, 500007 only 11931 */
	CHECK_EQ(tsc_to_pit_clocks(500008, 50000000), 11932);
	CHECK_EQ(tsc_to_pit_clocks(500007, 50000000), 11931);
}

/* With a TSC faster than the PIT (every TSC there is), clocks -> TSC -> clocks is exact. */
TEST(vtime_round_trip_never_loses_a_clock)
{
	static const uint64_t rates[] = { PIT_HZ, 50002600, 2099214600, 3000000000ULL };
	for (unsigned r = 0; r < sizeof(rates) / sizeof(rates[0]); r++)
		for (uint64_t c = 0; c < 70000; c += 997)
			CHECK_EQ(tsc_to_pit_clocks(pit_clocks_to_tsc(c, rates[r]), rates[r]), c);
}

TEST(vtime_no_overflow_at_the_extremes)
{
	uint64_t hz = 1ULL << 41; /* 2.2 THz */
	/* a 16-bit count of clocks, and a day of them */
	CHECK_EQ(tsc_to_pit_clocks(pit_clocks_to_tsc(65536, hz), hz), 65536);
	uint64_t day = 86400ULL * PIT_HZ;
	CHECK_EQ(pit_clocks_to_tsc(day, hz), 86400ULL * hz);
	CHECK_EQ(tsc_to_pit_clocks(~0ULL, 0), 0);
	CHECK_EQ(tsc_to_pit_clocks(~0ULL, hz), (~0ULL / hz) * PIT_HZ + (~0ULL % hz) * PIT_HZ / hz);
}

/* Any device's clock converts the same way: the PM timer's 3.579545 MHz and the RTC's 32768 Hz. */
TEST(vtime_other_clock_rates)
{
	uint64_t hz = 2000000000;
	CHECK_EQ(tsc_to_clocks(hz, hz, 3579545), 3579545);
	CHECK_EQ(tsc_to_clocks(hz / 1000, hz, 3579545), 3579);
	CHECK_EQ(clocks_to_tsc(1, 32768, hz), 61036); /* 61035.15... rounded up */
	CHECK_EQ(tsc_to_clocks(61036, hz, 32768), 1);
	CHECK_EQ(tsc_to_clocks(61035, hz, 32768), 0);
	CHECK_EQ(clocks_to_tsc(3579545ULL * 86400, 3579545, hz), 86400ULL * hz);
}
