/*
 * Host unit tests for servers/drivers/serial/input.c: the console-switch
 * sequence (Ctrl-A then a digit) and where typed bytes go.
 */
#include <stdbool.h>
#include <stdint.h>

#include "driver.h"
#include "fmt.h"
#include "unit.h"

static uint8_t bufs[SERIAL_SUBSCRIBERS][64], echo_buf[512];

/* A driver state with `subscribers` subscribers and echo off. */
static struct serial_state fresh(uint32_t subscribers)
{
	struct serial_state s = { .echo = RING_INIT(echo_buf), .subscribers = subscribers };
	for (unsigned i = 0; i < SERIAL_SUBSCRIBERS; i++) {
		s.sub[i].rx = (struct ring)RING_INIT(bufs[i]);
		fmt_snprintf(s.sub[i].name, sizeof(s.sub[i].name), "part_%c", 'a' + i);
	}
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

/* What the driver sent back itself (notices, echo), as a string (emptying it). */
static const char *sent(struct serial_state *s)
{
	static char out[513];
	uint32_t n = ring_get(&s->echo, (uint8_t *)out, 512);
	out[n] = 0;
	return out;
}

TEST(serial_input_switch_names_the_console)
{
	struct serial_state s = fresh(2);
	type(&s, "\0012");
	CHECK(strcmp(sent(&s), "\n[console 2: part_b]\n") == 0);
	type(&s, "\0011");
	CHECK(strcmp(sent(&s), "\n[console 1: part_a]\n") == 0);
}

TEST(serial_input_switch_to_missing_console_says_so)
{
	struct serial_state s = fresh(2);
	type(&s, "\0013");
	CHECK(strcmp(sent(&s), "\n[no console 3]\n") == 0);
	CHECK_EQ(s.focus, 0u);
}

TEST(serial_input_ctrl_a_question_lists_consoles_with_focus)
{
	struct serial_state s = fresh(3);
	type(&s, "\0012\001?x");
	CHECK(strcmp(sent(&s), "\n[console 2: part_b]\n\n[consoles: 1 part_a, 2* part_b, 3 part_c]\n") == 0);
	CHECK(strcmp(held(&s, 1), "x") == 0); /* the list moves nothing */
}

TEST(serial_input_list_before_anyone_subscribed)
{
	struct serial_state s = fresh(0);
	type(&s, "\001?");
	CHECK(strcmp(sent(&s), "\n[consoles: none yet]\n") == 0);
}

TEST(serial_input_notices_go_out_with_echo_off)
{
	struct serial_state s = fresh(2);
	type(&s, "ab\0012");
	CHECK(strcmp(sent(&s), "\n[console 2: part_b]\n") == 0); /* the typed ab is not echoed */
}
