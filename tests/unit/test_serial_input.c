/*
 * Host unit tests for servers/drivers/serial/input.c: the console-switch
 * sequence (Ctrl-A then a digit) and where typed bytes go.
 */
#include <stdbool.h>
#include <stdint.h>

#include "driver.h"
#include "unit.h"

static uint8_t bufs[SERIAL_SUBSCRIBERS][64], echo_buf[64];

/* A driver state with `subscribers` subscribers and echo off. */
static struct serial_state fresh(uint32_t subscribers)
{
	struct serial_state s = { .echo = RING_INIT(echo_buf), .subscribers = subscribers };
	for (unsigned i = 0; i < SERIAL_SUBSCRIBERS; i++)
		s.sub[i].rx = (struct ring)RING_INIT(bufs[i]);
	return s;
}

/* Feeds the string and returns the mask of subscribers fed. */
static uint32_t type(struct serial_state *s, const char *text)
{
	return input_receive(s, (const uint8_t *)text, (uint32_t)strlen(text));
}

/* What subscriber i's ring holds, as a string (emptying it). */
static const char *held(struct serial_state *s, unsigned i)
{
	static char out[65];
	uint32_t n = ring_get(&s->sub[i].rx, (uint8_t *)out, 64);
	out[n] = 0;
	return out;
}

TEST(serial_input_goes_to_subscriber_one_first)
{
	struct serial_state s = fresh(2);
	CHECK_EQ(type(&s, "ab"), 1u);
	CHECK(strcmp(held(&s, 0), "ab") == 0);
	CHECK(strcmp(held(&s, 1), "") == 0);
}

TEST(serial_input_ctrl_a_digit_switches_and_is_swallowed)
{
	struct serial_state s = fresh(2);
	CHECK_EQ(type(&s, "x\0012yz"), 3u);
	CHECK(strcmp(held(&s, 0), "x") == 0);
	CHECK(strcmp(held(&s, 1), "yz") == 0);
	CHECK_EQ(type(&s, "\0011w"), 1u);
	CHECK(strcmp(held(&s, 0), "w") == 0);
}

TEST(serial_input_switch_to_missing_subscriber_is_ignored)
{
	struct serial_state s = fresh(2);
	type(&s, "\0013q");
	CHECK_EQ(s.focus, 0u);
	CHECK(strcmp(held(&s, 0), "q") == 0);
}

TEST(serial_input_ctrl_a_twice_types_one)
{
	struct serial_state s = fresh(1);
	type(&s, "\001\001k");
	CHECK(strcmp(held(&s, 0), "\001k") == 0);
}

TEST(serial_input_ctrl_a_other_byte_drops_both)
{
	struct serial_state s = fresh(1);
	type(&s, "\001zk");
	CHECK(strcmp(held(&s, 0), "k") == 0);
}

TEST(serial_input_sequence_split_across_calls)
{
	struct serial_state s = fresh(2);
	type(&s, "\001");
	type(&s, "2m");
	CHECK(strcmp(held(&s, 1), "m") == 0);
}
