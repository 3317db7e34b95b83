/*
 * Host unit tests for servers/drivers/serial/output.c: the clients' lines
 * and the kernel's log take turns on the UART, a whole line at a time.
 */
#include <stdbool.h>
#include <stdint.h>

#include "driver.h"
#include "unit.h"
#include "array.h"

static uint8_t tx_buf[256];
static const char *log_text; /* what the fake kernel log still holds */
static unsigned log_reads;

/* The kernel's SYS_CONSOLE_READ, faked: up to max bytes, one line at most. */
static uint32_t fake_log_read(uint8_t *buf, uint32_t max)
{
	uint32_t n = 0;

	log_reads++;
	while (n < max && log_text[n]) {
		buf[n] = (uint8_t)log_text[n];
		if (log_text[n++] == '\n')
			break;
	}
	log_text += n;
	return n;
}

/* A driver state whose clients wrote `clients` and whose kernel log holds `log` (NULL: not taken). */
static struct serial_state fresh(const char *clients, const char *log)
{
	struct serial_state s = { .tx = RING_INIT(tx_buf) };
	ring_put(&s.tx, (const uint8_t *)clients, (uint32_t)strlen(clients));
	if (log) {
		log_text = log;
		s.log_read = fake_log_read;
		s.log_ready = true;
	}
	log_reads = 0;
	return s;
}

/* Everything output_take gives, `room` bytes at a time, as a string. */
static const char *sent(struct serial_state *s, uint32_t room)
{
	static char out[512];
	uint32_t n = 0, got;

	while ((got = output_take(s, (uint8_t *)out + n, room)) != 0)
		n += got;
	out[n] = 0;
	return out;
}

/* Clients' output, kernel log (NULL: not taken), and what goes out, 16 bytes at a time. */
static const struct {
	const char *clients, *log, *out;
} turns[] = {
	{ "one\ntwo\n", NULL, "one\ntwo\n" },                  /* the clients alone */
	{ "c1\nc2\n", "k1\nk2\n", "c1\nk1\nc2\nk2\n" },          /* a line each in turn */
	{ "a client line longer than the fifo\n", "kernel\n", /* never cut by the other */
	  "a client line longer than the fifo\nkernel\n" },
	{ "prompt> ", "k1\n", "prompt> \nk1\n" },              /* a partial line gives way: */
	{ "c1\n", "k1 then ", "c1\nk1 then " },                 /*   on a line of its own */
	{ "c1\nc2", "k1\n", "c1\nk1\nc2" },                    /* no newline needed */
};

TEST(serial_output_lines_take_turns)
{
	for (unsigned i = 0; i < ARRAY_LEN(turns); i++) {
		struct serial_state s = fresh(turns[i].clients, turns[i].log);
		CHECK_STR(sent(&s, 16), turns[i].out);
	}
}

/* Two clients: one's bytes after the other's unfinished line start on a line of their own. */
TEST(serial_output_clients_lines_do_not_mix)
{
	struct serial_state s = fresh("", NULL);
	CHECK_EQ(output_put(&s, 1, (const uint8_t *)"/ # ", 4), 4u);
	CHECK_EQ(output_put(&s, 2, (const uint8_t *)"ok 1\n", 5), 5u);
	CHECK_EQ(output_put(&s, 1, (const uint8_t *)"ls", 2), 2u); /* its own line goes on */
	CHECK_EQ(output_put(&s, 1, (const uint8_t *)"\n", 1), 1u);
	CHECK_EQ(output_put(&s, 2, (const uint8_t *)"two\n", 4), 4u);
	CHECK_STR(sent(&s, 16), "/ # \nok 1\nls\ntwo\n");
}

/* A prompt waits alone; what its owner writes next goes on on the same line. */
TEST(serial_output_prompt_goes_on_where_it_stopped)
{
	struct serial_state s = fresh("prompt> ", "");
	CHECK_STR(sent(&s, 16), "prompt> ");
	ring_put(&s.tx, (const uint8_t *)"typed\n", 6);
	CHECK_STR(sent(&s, 16), "typed\n");
}

TEST(serial_output_empty_log_is_not_read_again_until_signalled)
{
	struct serial_state s = fresh("c1\n", "");
	CHECK_STR(sent(&s, 16), "c1\n");
	CHECK_EQ(log_reads, 1u);
	CHECK(!s.log_ready);
	ring_put(&s.tx, (const uint8_t *)"c2\n", 3);
	CHECK_STR(sent(&s, 16), "c2\n");
	CHECK_EQ(log_reads, 1u);
}

TEST(serial_ring_get_line_stops_after_newline)
{
	uint8_t buf[8], out[8];
	struct ring r = RING_INIT(buf);
	ring_put(&r, (const uint8_t *)"ab\ncd", 5);
	CHECK_EQ(ring_get_line(&r, out, 8), 3u);
	CHECK(memcmp(out, "ab\n", 3) == 0);
	CHECK_EQ(ring_get_line(&r, out, 1), 1u);
	CHECK_EQ(ring_get_line(&r, out, 8), 1u);
	CHECK_EQ(out[0], 'd');
	CHECK_EQ(ring_get_line(&r, out, 8), 0u);
}
