/* Host unit tests for servers/vmm/rtc.c, written against the MC146818A datasheet. */
#include <stdbool.h>
#include <stdint.h>

#include "rtc.h"
#include "unit.h"

#define HZ 1000000000ULL /* a 1 GHz TSC */
#define T0 5000ULL       /* the TSC at power-on */
#define MIB (1ULL << 20)

static uint8_t cmos_read(struct rtc *r, uint8_t reg, uint64_t now)
{
	rtc_write(r, RTC_INDEX_PORT, reg, now);
	return rtc_read(r, RTC_DATA_PORT, now);
}

static void cmos_write(struct rtc *r, uint8_t reg, uint8_t v, uint64_t now)
{
	rtc_write(r, RTC_INDEX_PORT, reg, now);
	rtc_write(r, RTC_DATA_PORT, v, now);
}

TEST(rtc_starts_at_its_epoch_in_bcd_24_hour)
{
	struct rtc r;
	rtc_init(&r, T0, HZ, MIB);
	CHECK_EQ(cmos_read(&r, RTC_SECONDS, T0), 0x00);
	CHECK_EQ(cmos_read(&r, RTC_HOURS, T0), 0x00);
	CHECK_EQ(cmos_read(&r, RTC_DAY, T0), 0x01);
	CHECK_EQ(cmos_read(&r, RTC_MONTH, T0), 0x01);
	CHECK_EQ(cmos_read(&r, RTC_YEAR, T0), 0x25);
	CHECK_EQ(cmos_read(&r, RTC_CENTURY, T0), 0x20);
	CHECK_EQ(cmos_read(&r, RTC_WEEKDAY, T0), 4); /* 2025-01-01 was a Wednesday */
	CHECK_EQ(cmos_read(&r, RTC_REG_A, T0), RTC_A_RESET);
	CHECK_EQ(cmos_read(&r, RTC_REG_B, T0), RTC_B_24H);
	CHECK_EQ(cmos_read(&r, RTC_REG_D, T0), RTC_D_VRT);
}

TEST(rtc_time_follows_the_tsc_across_days_and_a_leap_year)
{
	struct rtc r;
	rtc_init(&r, T0, HZ, MIB);
	uint64_t t = T0 + (59 * 86400ULL + 13 * 3600 + 59 * 60 + 58) * HZ; /* 2025-03-01 13:59:58 */
	CHECK_EQ(cmos_read(&r, RTC_SECONDS, t), 0x58);
	CHECK_EQ(cmos_read(&r, RTC_MINUTES, t), 0x59);
	CHECK_EQ(cmos_read(&r, RTC_HOURS, t), 0x13);
	CHECK_EQ(cmos_read(&r, RTC_DAY, t), 0x01);
	CHECK_EQ(cmos_read(&r, RTC_MONTH, t), 0x03);
	cmos_write(&r, RTC_REG_B, RTC_B_24H | RTC_B_BINARY, t);
	cmos_write(&r, RTC_YEAR, 28, t); /* 2028 is a leap year */
	cmos_write(&r, RTC_MONTH, 2, t);
	cmos_write(&r, RTC_DAY, 29, t);
	t += 86400 * HZ;
	CHECK_EQ(cmos_read(&r, RTC_DAY, t), 1);
	CHECK_EQ(cmos_read(&r, RTC_MONTH, t), 3);
	CHECK_EQ(cmos_read(&r, RTC_SECONDS, t), 58);
}

TEST(rtc_twelve_hour_mode_and_binary)
{
	struct rtc r;
	rtc_init(&r, T0, HZ, MIB);
	uint64_t t = T0 + 13 * 3600 * HZ;
	cmos_write(&r, RTC_REG_B, 0, t); /* 12-hour, BCD */
	CHECK_EQ(cmos_read(&r, RTC_HOURS, t), 0x81); /* 1 PM */
	CHECK_EQ(cmos_read(&r, RTC_HOURS, T0), 0x12); /* midnight is 12 AM */
	cmos_write(&r, RTC_HOURS, 0x92, t); /* 12 PM: noon */
	cmos_write(&r, RTC_REG_B, RTC_B_24H | RTC_B_BINARY, t);
	CHECK_EQ(cmos_read(&r, RTC_HOURS, t), 12);
}

TEST(rtc_uip_in_the_last_244_us_of_each_second)
{
	struct rtc r;
	rtc_init(&r, T0, HZ, MIB);
	uint64_t before = T0 + 3 * HZ - 245000, during = T0 + 3 * HZ - 243000;
	CHECK_EQ(cmos_read(&r, RTC_REG_A, before) & RTC_A_UIP, 0);
	CHECK_EQ(cmos_read(&r, RTC_REG_A, during) & RTC_A_UIP, RTC_A_UIP);
	CHECK_EQ(cmos_read(&r, RTC_SECONDS, during), 0x02);
	CHECK_EQ(cmos_read(&r, RTC_SECONDS, T0 + 3 * HZ), 0x03);
	cmos_write(&r, RTC_REG_A, 0xff, T0); /* UIP is read-only */
	CHECK_EQ(cmos_read(&r, RTC_REG_A, before), 0x7f);
}

TEST(rtc_set_stops_the_clock_and_takes_the_time_written)
{
	struct rtc r;
	rtc_init(&r, T0, HZ, MIB);
	cmos_write(&r, RTC_REG_B, RTC_B_SET | RTC_B_24H | RTC_B_UIE, T0);
	CHECK_EQ(cmos_read(&r, RTC_REG_B, T0), RTC_B_SET | RTC_B_24H); /* SET clears UIE */
	cmos_write(&r, RTC_MINUTES, 0x30, T0 + HZ / 2);
	CHECK_EQ(cmos_read(&r, RTC_SECONDS, T0 + 10 * HZ), 0x00); /* stopped */
	CHECK_EQ(cmos_read(&r, RTC_REG_A, T0 + 10 * HZ - 1000) & RTC_A_UIP, 0);
	cmos_write(&r, RTC_REG_B, RTC_B_24H, T0 + 10 * HZ);
	CHECK_EQ(cmos_read(&r, RTC_MINUTES, T0 + 11 * HZ), 0x30);
	CHECK_EQ(cmos_read(&r, RTC_SECONDS, T0 + 11 * HZ), 0x01);
}

TEST(rtc_periodic_flag_at_the_selected_rate_raises_irq8_when_enabled)
{
	struct rtc r;
	rtc_init(&r, T0, HZ, MIB);
	cmos_write(&r, RTC_REG_A, 0x20 | 15, T0); /* 2 Hz: every 500 ms */
	CHECK_EQ(rtc_next_deadline(&r, T0), UINT64_MAX); /* PIE off: nothing to wake for */
	cmos_write(&r, RTC_REG_B, RTC_B_24H | RTC_B_PIE, T0);
	CHECK_EQ(rtc_next_deadline(&r, T0), T0 + HZ / 2);
	rtc_poll(&r, T0 + HZ / 2 - 1);
	CHECK(!rtc_irq(&r));
	rtc_poll(&r, T0 + HZ / 2);
	CHECK(rtc_irq(&r));
	CHECK_EQ(rtc_next_deadline(&r, T0 + HZ / 2), UINT64_MAX); /* up until C is read */
	uint8_t c = cmos_read(&r, RTC_REG_C, T0 + HZ / 2);
	CHECK_EQ(c & (RTC_C_IRQF | RTC_C_PF), RTC_C_IRQF | RTC_C_PF);
	CHECK(!rtc_irq(&r));
	CHECK_EQ(cmos_read(&r, RTC_REG_C, T0 + HZ / 2), 0); /* the read cleared it */
	CHECK_EQ(rtc_next_deadline(&r, T0 + HZ / 2), T0 + HZ);
}

TEST(rtc_rate_select_periods)
{
	struct rtc r;
	rtc_init(&r, 0, 32768ULL * 1000, MIB); /* a TSC at 1000 counts per time-base clock */
	cmos_write(&r, RTC_REG_B, RTC_B_24H | RTC_B_PIE, 0);
	static const struct { uint8_t rs; uint64_t clocks; } rates[] = {
		{ 1, 128 }, { 2, 256 }, { 3, 4 }, { 6, 32 }, { 15, 16384 },
	};
	for (unsigned i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
		cmos_write(&r, RTC_REG_A, 0x20 | rates[i].rs, 0);
		CHECK_EQ(rtc_next_deadline(&r, 0), rates[i].clocks * 1000);
	}
	cmos_write(&r, RTC_REG_A, 0x20, 0); /* RS 0: no periodic interrupt */
	CHECK_EQ(rtc_next_deadline(&r, 0), UINT64_MAX);
}

TEST(rtc_flags_without_enable_do_not_raise_irq8)
{
	struct rtc r;
	rtc_init(&r, T0, HZ, MIB);
	rtc_poll(&r, T0 + 2 * HZ);
	CHECK(!rtc_irq(&r));
	CHECK_EQ(cmos_read(&r, RTC_REG_C, T0 + 2 * HZ), RTC_C_PF | RTC_C_UF);
	/* enabling an interrupt whose flag is already up raises IRQF */
	rtc_poll(&r, T0 + 3 * HZ);
	cmos_write(&r, RTC_REG_B, RTC_B_24H | RTC_B_UIE, T0 + 3 * HZ);
	CHECK(rtc_irq(&r));
}

TEST(rtc_update_and_alarm_interrupts)
{
	struct rtc r;
	rtc_init(&r, T0, HZ, MIB);
	cmos_write(&r, RTC_REG_A, 0x20, T0);
	cmos_write(&r, RTC_SECONDS_ALARM, 0x05, T0);
	cmos_write(&r, RTC_MINUTES_ALARM, RTC_ALARM_ANY, T0);
	cmos_write(&r, RTC_HOURS_ALARM, RTC_ALARM_ANY, T0);
	cmos_write(&r, RTC_REG_B, RTC_B_24H | RTC_B_AIE, T0);
	CHECK_EQ(rtc_next_deadline(&r, T0 + 10), T0 + HZ);
	rtc_poll(&r, T0 + 4 * HZ);
	CHECK(!rtc_irq(&r));
	rtc_poll(&r, T0 + 6 * HZ); /* 00:00:05 went by */
	CHECK(rtc_irq(&r));
	CHECK_EQ(cmos_read(&r, RTC_REG_C, T0 + 6 * HZ), RTC_C_IRQF | RTC_C_AF | RTC_C_UF);
	cmos_write(&r, RTC_REG_B, RTC_B_24H | RTC_B_UIE, T0 + 6 * HZ);
	rtc_poll(&r, T0 + 7 * HZ);
	CHECK_EQ(cmos_read(&r, RTC_REG_C, T0 + 7 * HZ), RTC_C_IRQF | RTC_C_UF);
}

TEST(rtc_cmos_storage_index_and_nmi_bit)
{
	struct rtc r;
	rtc_init(&r, T0, HZ, MIB);
	cmos_write(&r, 0x40 | CMOS_NMI_MASK, 0xa5, T0);
	CHECK_EQ(rtc_read(&r, RTC_INDEX_PORT, T0), 0x40 | CMOS_NMI_MASK);
	CHECK_EQ(cmos_read(&r, 0x40, T0), 0xa5);
	cmos_write(&r, RTC_REG_D, 0, T0);
	CHECK_EQ(cmos_read(&r, RTC_REG_D, T0), RTC_D_VRT);
	CHECK_EQ(rtc_read(&r, 0x72, T0), 0xff);
}

TEST(rtc_out_of_range_writes_are_clamped)
{
	struct rtc r;
	rtc_init(&r, T0, HZ, MIB);
	cmos_write(&r, RTC_MONTH, 0x99, T0);
	cmos_write(&r, RTC_DAY, 0xff, T0);
	cmos_write(&r, RTC_SECONDS, 0x7f, T0);
	CHECK_EQ(cmos_read(&r, RTC_MONTH, T0), 0x12);
	CHECK_EQ(cmos_read(&r, RTC_DAY, T0), 0x31);
	CHECK_EQ(cmos_read(&r, RTC_SECONDS, T0), 0x59);
	cmos_write(&r, RTC_CENTURY, 0x00, T0);
	CHECK_EQ(cmos_read(&r, RTC_CENTURY, T0), 0x19);
}

TEST(rtc_memory_size_bytes)
{
	struct rtc r;
	rtc_init(&r, 0, HZ, 2 * MIB);
	CHECK_EQ(r.cmos[0x15] | r.cmos[0x16] << 8, 640);
	CHECK_EQ(r.cmos[0x17] | r.cmos[0x18] << 8, 1024);
	CHECK_EQ(r.cmos[0x30] | r.cmos[0x31] << 8, 1024);
	CHECK_EQ(r.cmos[0x34] | r.cmos[0x35] << 8, 0);
	rtc_init(&r, 0, HZ, 6ULL << 30); /* 6 GiB */
	CHECK_EQ(r.cmos[0x17] | r.cmos[0x18] << 8, 0xffff);
	CHECK_EQ(r.cmos[0x34] | r.cmos[0x35] << 8, 0xff00); /* (4 GiB - 16 MiB) / 64 KiB */
	CHECK_EQ(r.cmos[0x5b] | r.cmos[0x5c] << 8 | r.cmos[0x5d] << 16, 0x8000); /* 2 GiB / 64 KiB */
	CHECK_EQ(cmos_read(&r, 0x34, 0), 0x00);
	CHECK_EQ(cmos_read(&r, 0x35, 0), 0xff);
}

TEST(rtc_without_a_tsc_rate_stands_still)
{
	struct rtc r;
	rtc_init(&r, T0, 0, MIB);
	CHECK_EQ(cmos_read(&r, RTC_SECONDS, T0 + 100000), 0);
	CHECK_EQ(rtc_next_deadline(&r, T0), UINT64_MAX);
	CHECK(!rtc_irq(&r));
}

TEST(rtc_a_tsc_behind_its_base_neither_moves_nor_breaks_the_clock)
{
	struct rtc r;
	rtc_init(&r, T0, HZ, MIB);
	CHECK_EQ(cmos_read(&r, RTC_SECONDS, T0 - 1000), 0x00);
	CHECK_EQ(cmos_read(&r, RTC_YEAR, T0 - 1000), 0x25);
	cmos_write(&r, RTC_MINUTES, 0x10, T0 - 1000);
	CHECK_EQ(cmos_read(&r, RTC_MINUTES, T0 + 2 * HZ), 0x10);
	CHECK_EQ(cmos_read(&r, RTC_SECONDS, T0 + 2 * HZ), 0x02);
}

/*
 * The periodic interrupt on TSC time, as a guest that spins (the VMM's
 * exit deadline) or halts (its sleep) takes it: each at its deadline and
 * not a count before, 1024 of them in a second at the reset rate.
 */
TEST(rtc_periodic_interrupts_follow_the_tsc_for_a_second)
{
	struct rtc r;
	unsigned count = 0;
	rtc_init(&r, T0, HZ, MIB); /* register A at reset: 1024 Hz */
	cmos_write(&r, RTC_REG_B, RTC_B_24H | RTC_B_PIE, T0);
	for (uint64_t due; (due = rtc_next_deadline(&r, T0)) <= T0 + HZ; count++) {
		rtc_poll(&r, due - 1);
		CHECK(!rtc_irq(&r));
		rtc_poll(&r, due);
		CHECK(rtc_irq(&r));
		CHECK(cmos_read(&r, RTC_REG_C, due) & RTC_C_PF);
		if (count > 2000)
			break;
	}
	CHECK_EQ(count, 1024);
}

/*
 * The VMM keeps the RTC's next deadline from one access to the next and
 * polls the RTC only when it comes (devices.c): it is an error for a poll
 * before it to raise IRQ 8 or to move it, and for the deadline of an
 * update or periodic interrupt to pass without raising IRQ 8.
 */
TEST(rtc_next_deadline_holds_until_it_comes)
{
	static const uint8_t enables[] = { RTC_B_PIE, RTC_B_UIE, RTC_B_AIE, RTC_B_PIE | RTC_B_UIE,
					   RTC_B_PIE | RTC_B_AIE };
	unsigned long long seed = 0x13198a2e03707344ULL;
	for (unsigned round = 0; round < 100; round++) {
		uint64_t r = unit_random(&seed), t = T0 + r % (3 * HZ);
		uint8_t b = enables[r / 7 % sizeof(enables)];
		struct rtc rtc;
		rtc_init(&rtc, T0, HZ, MIB);
		cmos_write(&rtc, RTC_REG_A, 0x20 | (uint8_t)(3 + r / 5 % 13), t);
		cmos_write(&rtc, RTC_SECONDS_ALARM, (uint8_t)(r >> 20) % 4, t);
		cmos_write(&rtc, RTC_MINUTES_ALARM, RTC_ALARM_ANY, t);
		cmos_write(&rtc, RTC_HOURS_ALARM, RTC_ALARM_ANY, t);
		cmos_write(&rtc, RTC_REG_B, RTC_B_24H | b, t);
		cmos_read(&rtc, RTC_REG_C, t); /* flags from before the enables */
		for (unsigned irq = 0; irq < 6; irq++) {
			uint64_t due = rtc_next_deadline(&rtc, t);
			CHECK(due > t && due != UINT64_MAX);
			for (unsigned look = 0; look < 6; look++) {
				t += unit_random(&seed) % (due - t) / 3;
				rtc_poll(&rtc, t);
				CHECK(!rtc_irq(&rtc));
				CHECK_EQ(rtc_next_deadline(&rtc, t), due);
			}
			t = due;
			rtc_poll(&rtc, t);
			if (!(b & RTC_B_AIE)) /* an alarm's deadline is each second: it may not match */
				CHECK(rtc_irq(&rtc));
			if (rtc_irq(&rtc))
				cmos_read(&rtc, RTC_REG_C, t);
		}
	}
}
