/* Host unit tests for servers/vmm/pit8254.c, written against the 8254 datasheet. */
#include <stdbool.h>
#include <stdint.h>

#include "pit8254.h"
#include "vtime.h"
#include "unit.h"
#include "array.h"

/* Writes a control word for channel with the given access and mode bits. */
static void control(struct pit8254 *p, unsigned channel, uint8_t bits)
{
	pit_write(p, PIT_CONTROL_PORT, (uint8_t)(PIT_SELECT(channel) | bits));
}

/* Writes a 16-bit count LSB then MSB. */
static void write_count(struct pit8254 *p, unsigned channel, uint16_t count)
{
	pit_write(p, PIT_COUNTER0_PORT + channel, (uint8_t)count);
	pit_write(p, PIT_COUNTER0_PORT + channel, (uint8_t)(count >> 8));
}

/* Programs channel in mode with LSB-then-MSB access and the given count. */
static void program(struct pit8254 *p, unsigned channel, unsigned mode, uint16_t count)
{
	control(p, channel, (uint8_t)(PIT_ACCESS_LOHI | PIT_MODE(mode)));
	write_count(p, channel, count);
}

/* Reads two bytes, LSB then MSB, from channel's port. */
static uint16_t read_word(struct pit8254 *p, unsigned channel)
{
	uint8_t lo = pit_read(p, PIT_COUNTER0_PORT + channel);

	return (uint16_t)(lo | pit_read(p, PIT_COUNTER0_PORT + channel) << 8);
}

/* Latches channel's count and reads it (LSB-then-MSB access). */
static uint16_t latched_count(struct pit8254 *p, unsigned channel)
{
	control(p, channel, PIT_ACCESS_LATCH);
	return read_word(p, channel);
}

/* Moves time to ticks clocks after pit_init. */
static void advance_to(struct pit8254 *p, uint64_t ticks)
{
	pit_advance(p, ticks - p->now);
}

TEST(pit_idle_after_init)
{
	struct pit8254 p;

	pit_init(&p);
	CHECK_EQ(pit_ticks_until_irq0(&p), UINT64_MAX);
	pit_advance(&p, 10 * PIT_HZ);
	CHECK_EQ(pit_take_irq0_edges(&p), 0);
	CHECK(pit_output(&p, 0));
	program(&p, 0, 2, 100); /* OUT stays high: no edge from the setup itself */
	CHECK_EQ(pit_take_irq0_edges(&p), 0);
	CHECK_EQ(pit_read(&p, PIT_CONTROL_PORT), 0xFF); /* write-only */
}

TEST(pit_mode2_edge_every_count)
{
	struct pit8254 p;

	pit_init(&p);
	program(&p, 0, 2, 100);
	CHECK_EQ(pit_ticks_until_irq0(&p), 101); /* one clock to load, then 100 */
	pit_advance(&p, 100);
	CHECK_EQ(pit_take_irq0_edges(&p), 0);
	CHECK_EQ(pit_ticks_until_irq0(&p), 1);
	pit_advance(&p, 1);
	CHECK_EQ(pit_take_irq0_edges(&p), 1);
	CHECK_EQ(pit_ticks_until_irq0(&p), 100);
	pit_advance(&p, 1000);
	CHECK_EQ(pit_take_irq0_edges(&p), 10);
	CHECK_EQ(pit_take_irq0_edges(&p), 0);
	pit_advance(&p, 1);
	CHECK_EQ(pit_ticks_until_irq0(&p), 99);
}

TEST(pit_mode2_counts_down_and_pulses_low)
{
	struct pit8254 p;

	pit_init(&p);
	program(&p, 0, 2, 5);
	CHECK(pit_output(&p, 0));
	static const uint16_t count[] = { 5, 4, 3, 2, 1, 5, 4 };
	for (unsigned k = 0; k < ARRAY_LEN(count); k++) {
		advance_to(&p, 1 + k); /* k clocks after the load clock */
		CHECK_EQ(latched_count(&p, 0), count[k]);
		CHECK_EQ(pit_output(&p, 0), count[k] != 1);
	}
}

TEST(pit_mode3_even_square_wave)
{
	struct pit8254 p;

	pit_init(&p);
	program(&p, 0, 3, 10);
	static const uint16_t count[] = { 10, 8, 6, 4, 2, 10, 8, 6, 4, 2, 10 };
	for (unsigned k = 0; k < ARRAY_LEN(count); k++) {
		advance_to(&p, 1 + k);
		CHECK_EQ(latched_count(&p, 0), count[k]);
		CHECK_EQ(pit_output(&p, 0), k < 5 || k == 10);
	}
	CHECK_EQ(pit_take_irq0_edges(&p), 1);
	pit_advance(&p, 100);
	CHECK_EQ(pit_take_irq0_edges(&p), 10);
}

TEST(pit_mode3_odd_square_wave)
{
	struct pit8254 p;

	pit_init(&p);
	program(&p, 0, 3, 5); /* high 3 clocks, low 2 */
	static const uint16_t count[] = { 4, 2, 0, 4, 2, 4 };
	for (unsigned k = 0; k < ARRAY_LEN(count); k++) {
		advance_to(&p, 1 + k);
		CHECK_EQ(latched_count(&p, 0), count[k]);
		CHECK_EQ(pit_output(&p, 0), k < 3 || k == 5);
	}
	CHECK_EQ(pit_ticks_until_irq0(&p), 5);
}

TEST(pit_mode0_interrupts_once_on_terminal_count)
{
	struct pit8254 p;

	pit_init(&p);
	control(&p, 0, PIT_ACCESS_LOHI | PIT_MODE(0));
	CHECK(!pit_output(&p, 0));
	write_count(&p, 0, 50);
	CHECK_EQ(pit_ticks_until_irq0(&p), 51);
	pit_advance(&p, 50);
	CHECK(!pit_output(&p, 0));
	CHECK_EQ(latched_count(&p, 0), 1);
	pit_advance(&p, 1);
	CHECK(pit_output(&p, 0));
	CHECK_EQ(pit_take_irq0_edges(&p), 1);
	CHECK_EQ(pit_ticks_until_irq0(&p), UINT64_MAX);
	pit_advance(&p, 1);
	CHECK_EQ(latched_count(&p, 0), 0xFFFF); /* keeps counting, wrapped */
	pit_advance(&p, 1000000);
	CHECK_EQ(pit_take_irq0_edges(&p), 0);
	CHECK(pit_output(&p, 0));
}

TEST(pit_mode0_rewrite_restarts)
{
	struct pit8254 p;

	pit_init(&p);
	program(&p, 0, 0, 100);
	pit_advance(&p, 51); /* count at 50 */
	pit_write(&p, PIT_COUNTER0_PORT, 10); /* LSB stops the count */
	pit_advance(&p, 5);
	CHECK_EQ(latched_count(&p, 0), 50);
	CHECK_EQ(pit_ticks_until_irq0(&p), UINT64_MAX);
	pit_write(&p, PIT_COUNTER0_PORT, 0); /* MSB: 10 loads on the next clock */
	CHECK_EQ(pit_ticks_until_irq0(&p), 11);
	pit_advance(&p, 200);
	CHECK_EQ(pit_take_irq0_edges(&p), 1);
	program(&p, 0, 0, 3); /* after terminal count: OUT low again, a new one-shot */
	CHECK(!pit_output(&p, 0));
	pit_advance(&p, 4);
	CHECK_EQ(pit_take_irq0_edges(&p), 1);
}

TEST(pit_mode4_strobe)
{
	struct pit8254 p;

	pit_init(&p);
	program(&p, 0, 4, 10);
	CHECK(pit_output(&p, 0));
	CHECK_EQ(pit_ticks_until_irq0(&p), 12);
	pit_advance(&p, 11);
	CHECK(!pit_output(&p, 0)); /* low for the one clock at count 0 */
	pit_advance(&p, 1);
	CHECK(pit_output(&p, 0));
	CHECK_EQ(pit_take_irq0_edges(&p), 1);
	pit_advance(&p, 100000);
	CHECK_EQ(pit_take_irq0_edges(&p), 0);
}

TEST(pit_mode2_new_count_waits_for_cycle_end)
{
	struct pit8254 p;

	pit_init(&p);
	program(&p, 0, 2, 100);
	pit_advance(&p, 31); /* 30 clocks into the cycle */
	write_count(&p, 0, 10);
	CHECK_EQ(latched_count(&p, 0), 70);
	CHECK_EQ(pit_ticks_until_irq0(&p), 70);
	pit_advance(&p, 70);
	CHECK_EQ(pit_take_irq0_edges(&p), 1);
	CHECK_EQ(latched_count(&p, 0), 10);
	CHECK_EQ(pit_ticks_until_irq0(&p), 10);
	pit_advance(&p, 30);
	CHECK_EQ(pit_take_irq0_edges(&p), 3);
}

TEST(pit_mode2_reload_inside_one_advance)
{
	struct pit8254 p;

	pit_init(&p);
	program(&p, 0, 2, 100);
	pit_advance(&p, 31);
	write_count(&p, 0, 10);
	pit_advance(&p, 70 + 95); /* the old cycle's edge, then 9 of the new */
	CHECK_EQ(pit_take_irq0_edges(&p), 10);
	CHECK_EQ(pit_ticks_until_irq0(&p), 5);
}

TEST(pit_mode3_new_count_at_half_cycle)
{
	struct pit8254 p;

	pit_init(&p);
	program(&p, 0, 3, 100);
	pit_advance(&p, 11); /* in the high half */
	write_count(&p, 0, 20);
	CHECK_EQ(pit_ticks_until_irq0(&p), 50); /* new low half of 10 after the old high half */
	advance_to(&p, 51);
	CHECK(!pit_output(&p, 0));
	CHECK_EQ(latched_count(&p, 0), 20);
	pit_advance(&p, 10);
	CHECK(pit_output(&p, 0));
	CHECK_EQ(pit_take_irq0_edges(&p), 1);
	CHECK_EQ(pit_ticks_until_irq0(&p), 20);
}

TEST(pit_mode3_new_count_in_low_half)
{
	struct pit8254 p;

	pit_init(&p);
	program(&p, 0, 3, 100);
	pit_advance(&p, 61); /* in the low half: waits for the end of the cycle */
	write_count(&p, 0, 20);
	CHECK_EQ(pit_ticks_until_irq0(&p), 40);
	pit_advance(&p, 40);
	CHECK_EQ(pit_take_irq0_edges(&p), 1);
	CHECK_EQ(pit_ticks_until_irq0(&p), 20);
	pit_advance(&p, 10);
	CHECK(!pit_output(&p, 0));
}

TEST(pit_latch_holds_value)
{
	struct pit8254 p;

	pit_init(&p);
	program(&p, 0, 2, 1000);
	pit_advance(&p, 11);
	control(&p, 0, PIT_ACCESS_LATCH);
	pit_advance(&p, 100);
	control(&p, 0, PIT_ACCESS_LATCH); /* ignored: the first latch is unread */
	CHECK_EQ(read_word(&p, 0), 990);
	CHECK_EQ(read_word(&p, 0), 890);  /* latch released: live again */
}

TEST(pit_lsb_only_and_msb_only_access)
{
	struct pit8254 p;

	pit_init(&p);
	control(&p, 0, PIT_ACCESS_LO | PIT_MODE(2));
	pit_write(&p, PIT_COUNTER0_PORT, 0x34);
	CHECK_EQ(pit_ticks_until_irq0(&p), 0x34 + 1);
	pit_advance(&p, 2);
	CHECK_EQ(pit_read(&p, PIT_COUNTER0_PORT), 0x33);
	CHECK_EQ(pit_read(&p, PIT_COUNTER0_PORT), 0x33); /* every read is the LSB */
	control(&p, 0, PIT_ACCESS_HI | PIT_MODE(2));
	pit_write(&p, PIT_COUNTER0_PORT, 0x12);
	CHECK_EQ(pit_ticks_until_irq0(&p), 0x1200 + 1);
	pit_advance(&p, 1 + 0x100);
	CHECK_EQ(pit_read(&p, PIT_COUNTER0_PORT), 0x11);
}

TEST(pit_lohi_read_alternates)
{
	struct pit8254 p;

	pit_init(&p);
	program(&p, 1, 2, 0x1234);
	pit_advance(&p, 1);
	CHECK_EQ(pit_read(&p, PIT_COUNTER0_PORT + 1), 0x34);
	CHECK_EQ(pit_read(&p, PIT_COUNTER0_PORT + 1), 0x12);
	CHECK_EQ(pit_read(&p, PIT_COUNTER0_PORT + 1), 0x34);
	control(&p, 1, PIT_ACCESS_LOHI | PIT_MODE(2)); /* a control word restarts the sequence */
	CHECK_EQ(pit_read(&p, PIT_COUNTER0_PORT + 1), 0x34);
}

TEST(pit_count_zero_is_largest)
{
	struct pit8254 p;

	pit_init(&p);
	program(&p, 0, 2, 0);
	CHECK_EQ(pit_ticks_until_irq0(&p), 65537);
	pit_advance(&p, 1);
	CHECK_EQ(latched_count(&p, 0), 0);
	pit_advance(&p, 1);
	CHECK_EQ(latched_count(&p, 0), 0xFFFF);
}

TEST(pit_read_back_status_then_count)
{
	struct pit8254 p;

	pit_init(&p);
	control(&p, 2, PIT_ACCESS_LOHI | PIT_MODE(3));
	pit_write(&p, PIT_CONTROL_PORT, PIT_READ_BACK | PIT_RB_NO_COUNT | PIT_RB_CHANNEL(2));
	CHECK_EQ(pit_read(&p, PIT_COUNTER0_PORT + 2),
		 PIT_STATUS_OUT | PIT_STATUS_NULL_COUNT | PIT_ACCESS_LOHI | PIT_MODE(3));
	write_count(&p, 2, 300);
	pit_advance(&p, 2);
	pit_write(&p, PIT_CONTROL_PORT, PIT_READ_BACK | PIT_RB_CHANNEL(2) | PIT_RB_CHANNEL(0));
	pit_advance(&p, 50);
	CHECK_EQ(pit_read(&p, PIT_COUNTER0_PORT + 2),
		 PIT_STATUS_OUT | PIT_ACCESS_LOHI | PIT_MODE(3)); /* loaded: no null count */
	CHECK_EQ(read_word(&p, 2), 298);
	CHECK_EQ(pit_read(&p, PIT_COUNTER0_PORT), /* never programmed: idle since init */
		 PIT_STATUS_OUT | PIT_STATUS_NULL_COUNT | PIT_ACCESS_LOHI | PIT_MODE(0));
}

TEST(pit_mode_aliases_and_status)
{
	struct pit8254 p;

	pit_init(&p);
	control(&p, 0, PIT_ACCESS_LO | PIT_MODE(6));
	pit_write(&p, PIT_COUNTER0_PORT, 10);
	pit_advance(&p, 1);
	pit_write(&p, PIT_CONTROL_PORT, PIT_READ_BACK | PIT_RB_NO_COUNT | PIT_RB_CHANNEL(0));
	CHECK_EQ(pit_read(&p, PIT_COUNTER0_PORT), PIT_STATUS_OUT | PIT_ACCESS_LO | PIT_MODE(2));
	CHECK_EQ(pit_ticks_until_irq0(&p), 10);
}

TEST(pit_bcd_counting)
{
	struct pit8254 p;

	pit_init(&p);
	control(&p, 0, PIT_ACCESS_LOHI | PIT_MODE(2) | PIT_BCD);
	write_count(&p, 0, 0x0100); /* 100 decimal */
	CHECK_EQ(pit_ticks_until_irq0(&p), 101);
	pit_advance(&p, 11);
	CHECK_EQ(latched_count(&p, 0), 0x0090);
	control(&p, 0, PIT_ACCESS_LOHI | PIT_MODE(0) | PIT_BCD);
	write_count(&p, 0, 0); /* 10000 decimal */
	CHECK_EQ(pit_ticks_until_irq0(&p), 10001);
	pit_advance(&p, 2);
	CHECK_EQ(latched_count(&p, 0), 0x9999);
}

TEST(pit_gated_modes_never_start)
{
	struct pit8254 p;

	pit_init(&p);
	program(&p, 0, 1, 10);
	CHECK(pit_output(&p, 0));
	pit_advance(&p, 1000);
	CHECK_EQ(pit_ticks_until_irq0(&p), UINT64_MAX);
	CHECK_EQ(pit_take_irq0_edges(&p), 0);
}

TEST(pit_control_word_rises_out)
{
	struct pit8254 p;

	pit_init(&p);
	program(&p, 0, 0, 1000);
	pit_advance(&p, 10);
	control(&p, 0, PIT_ACCESS_LOHI | PIT_MODE(2)); /* OUT low -> high: an IRQ 0 edge */
	CHECK_EQ(pit_take_irq0_edges(&p), 1);
	control(&p, 0, PIT_ACCESS_LOHI | PIT_MODE(3)); /* high -> high: none */
	CHECK_EQ(pit_take_irq0_edges(&p), 0);
	CHECK_EQ(pit_ticks_until_irq0(&p), UINT64_MAX); /* no count yet */
}

TEST(pit_other_channels_leave_irq0)
{
	struct pit8254 p;

	pit_init(&p);
	program(&p, 2, 3, 4);
	pit_advance(&p, 3);
	CHECK(!pit_output(&p, 2));
	pit_advance(&p, 2);
	CHECK(pit_output(&p, 2));
	pit_advance(&p, 1000);
	CHECK_EQ(pit_take_irq0_edges(&p), 0);
	CHECK_EQ(pit_ticks_until_irq0(&p), UINT64_MAX);
	CHECK(!pit_output(&p, 3));
}

TEST(pit_one_second_at_1khz)
{
	struct pit8254 p;

	pit_init(&p);
	program(&p, 0, 2, PIT_HZ / 1000); /* 1193: Linux's HZ=1000 setting */
	pit_advance(&p, PIT_HZ);
	CHECK_EQ(pit_take_irq0_edges(&p), 1000);
	pit_advance(&p, UINT64_MAX); /* saturates rather than wrapping */
	CHECK_EQ(pit_take_irq0_edges(&p), (unsigned)-1);
}

TEST(pit_ticks_until_agrees_with_advance)
{
	static const struct { unsigned mode; uint16_t count, rewrite; uint64_t at; } cases[] = {
		{ 2, 7, 0, 0 },    { 3, 7, 0, 0 },  { 3, 8, 0, 0 },   { 0, 9, 0, 0 },
		{ 4, 9, 0, 0 },    { 2, 50, 3, 20 }, { 3, 50, 9, 10 }, { 3, 51, 9, 40 },
		{ 3, 9, 50, 2 },   { 0, 50, 5, 20 },
	};

	for (unsigned i = 0; i < ARRAY_LEN(cases); i++) {
		struct pit8254 p;
		unsigned seen = 0;

		pit_init(&p);
		program(&p, 0, cases[i].mode, cases[i].count);
		if (cases[i].rewrite) {
			pit_advance(&p, cases[i].at);
			pit_take_irq0_edges(&p);
			write_count(&p, 0, cases[i].rewrite);
		}
		for (uint64_t wait; seen < 6 && (wait = pit_ticks_until_irq0(&p)) != UINT64_MAX;
		     seen++) {
			pit_advance(&p, wait - 1);
			CHECK_EQ(pit_take_irq0_edges(&p), 0);
			pit_advance(&p, 1);
			CHECK_EQ(pit_take_irq0_edges(&p), 1);
		}
		CHECK_EQ(seen, cases[i].mode >= 2 && cases[i].mode <= 3 ? 6 : 1);
	}
}

/* The PIT on TSC time (vtime.h), at a 1 GHz TSC and a 3 GHz one. */
#define TSC_1GHZ 1000000000ULL

TEST(pit_follows_the_tsc_a_second_of_1khz_ticks)
{
	struct pit8254 p;

	pit_init(&p);
	program(&p, 0, 2, PIT_HZ / 1000);
	pit_follow_tsc(&p, TSC_1GHZ / 2, TSC_1GHZ); /* half a second: half the ticks */
	CHECK_EQ(pit_take_irq0_edges(&p), 500);
	pit_follow_tsc(&p, TSC_1GHZ, TSC_1GHZ);
	CHECK_EQ(pit_take_irq0_edges(&p), 500);
	CHECK_EQ(p.now, PIT_HZ);
}

TEST(pit_follows_the_tsc_never_back)
{
	struct pit8254 p;

	pit_init(&p);
	program(&p, 0, 2, 100);
	pit_follow_tsc(&p, 3 * TSC_1GHZ / 1000, 3 * TSC_1GHZ);
	uint64_t clock = p.now;
	CHECK_EQ(clock, PIT_HZ / 1000);
	pit_follow_tsc(&p, 0, 3 * TSC_1GHZ); /* an earlier TSC (another vCPU's read) */
	CHECK_EQ(p.now, clock);
	pit_follow_tsc(&p, 5 * TSC_1GHZ, 0); /* no rate: time stands still */
	CHECK_EQ(p.now, clock);
	CHECK_EQ(pit_irq0_due_tsc(&p, 0), UINT64_MAX);
}

/* IRQ 0's due TSC is exact: one count before it no edge, at it the edge. */
TEST(pit_irq0_due_tsc_is_the_edge_and_not_a_count_before)
{
	static const uint64_t rates[] = { TSC_1GHZ, 3 * TSC_1GHZ, 50000000, PIT_HZ };

	for (unsigned i = 0; i < ARRAY_LEN(rates); i++) {
		struct pit8254 p;

		pit_init(&p);
		program(&p, 0, 2, 11932); /* 100 Hz: Linux's calibration period */
		for (unsigned tick = 0; tick < 5; tick++) {
			uint64_t due = pit_irq0_due_tsc(&p, rates[i]);
			CHECK(due != UINT64_MAX);
			pit_follow_tsc(&p, due - 1, rates[i]);
			CHECK_EQ(pit_take_irq0_edges(&p), 0);
			pit_follow_tsc(&p, due, rates[i]);
			CHECK_EQ(pit_take_irq0_edges(&p), 1);
		}
		/* a count of 11932 clocks loaded at clock 1: the fifth edge at clock 59661 */
		CHECK_EQ(p.now, 1 + 5 * 11932);
	}
}

/* A mode-0 one-shot is due once; past it nothing is. */
TEST(pit_irq0_due_tsc_of_a_one_shot)
{
	struct pit8254 p;

	pit_init(&p);
	program(&p, 0, 0, 1193);
	uint64_t due = pit_irq0_due_tsc(&p, TSC_1GHZ);
	CHECK_EQ(due, clocks_to_tsc(1194, PIT_HZ, TSC_1GHZ));
	pit_follow_tsc(&p, due + TSC_1GHZ, TSC_1GHZ);
	CHECK_EQ(pit_take_irq0_edges(&p), 1);
	CHECK_EQ(pit_irq0_due_tsc(&p, TSC_1GHZ), UINT64_MAX);
}

/*
 * The VMM keeps IRQ 0's due time from one programming to the next and
 * runs the PIT on only when it comes (devices.c): it is an error for the
 * PIT followed to any TSC before it, or read there, to have an edge or to
 * move it.
 */
TEST(pit_irq0_due_tsc_holds_until_it_comes)
{
	static const uint64_t rates[] = { TSC_1GHZ, 50000000, 2099214600 };
	static const unsigned modes[] = { 0, 2, 3, 4 };
	unsigned long long seed = 0x243f6a8885a308d3ULL;

	for (unsigned round = 0; round < 200; round++) {
		uint64_t r = unit_random(&seed), hz = rates[r % ARRAY_LEN(rates)];
		struct pit8254 p;

		pit_init(&p);
		program(&p, 0, modes[r / 3 % ARRAY_LEN(modes)], (uint16_t)(r >> 16) | 2);
		uint64_t at = 0; /* the TSC the PIT has been followed to */
		for (unsigned edge = 0; edge < 4; edge++) {
			uint64_t due = pit_irq0_due_tsc(&p, hz);
			if (due == UINT64_MAX)
				break; /* a one-shot that has been */
			for (unsigned look = 0; look < 8; look++) {
				uint64_t step = unit_random(&seed) % (due - at);
				at += step / 4;
				pit_follow_tsc(&p, at, hz);
				if (step & 1)
					read_word(&p, 0);
				CHECK_EQ(pit_take_irq0_edges(&p), 0);
				CHECK_EQ(pit_irq0_due_tsc(&p, hz), due);
			}
			pit_follow_tsc(&p, due, hz);
			CHECK_EQ(pit_take_irq0_edges(&p), 1);
			at = due;
		}
	}
}
