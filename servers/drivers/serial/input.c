/*
 * Received bytes on their way to the clients (IRQ thread only).  The
 * console-switch sequences of moat/serial.h are taken out and acted on;
 * every other byte goes to the ring of the subscriber that has the focus as
 * it arrives, so bytes typed before a switch stay with the old focus.
 *
 * A switch, and Ctrl-A ?, answer with a notice on a line of its own, sent
 * through the echo ring (ahead of the clients' output): the console's
 * number and its name, which the root gave the driver for each client
 * (startinfo), so a person sees whose console they are typing into and no
 * client can pass itself off as another.
 */
#include "fmt.h"
#include "moat/serial.h"

#include "driver.h"

#define NOTICE_BYTES 256 /* "[consoles: ...]" with SERIAL_SUBSCRIBERS names of 31 characters */

/* Sends a notice: its own line, whatever the output was in the middle of. */
static void notice(struct serial_state *s, const char *text, int len)
{
	if (len > NOTICE_BYTES - 1)
		len = NOTICE_BYTES - 1;
	ring_put(&s->echo, (const uint8_t *)text, (uint32_t)len);
}

/* "[console N: NAME]", or "[no console N]" if nobody has that number. */
static void notice_switch(struct serial_state *s, uint32_t number)
{
	char text[NOTICE_BYTES];

	if (number >= 1 && number <= s->subscribers)
		notice(s, text, fmt_snprintf(text, sizeof(text), "\n[console %u: %s]\n", number,
					     s->sub[number - 1].name));
	else
		notice(s, text, fmt_snprintf(text, sizeof(text), "\n[no console %u]\n", number));
}

/* "[consoles: 1 NAME, 2* NAME]": every console, a star on the focus. */
static void notice_list(struct serial_state *s)
{
	char text[NOTICE_BYTES];
	int n = fmt_snprintf(text, sizeof(text), "\n[consoles:");

	for (uint32_t i = 0; i < s->subscribers && n < NOTICE_BYTES; i++)
		n += fmt_snprintf(text + n, sizeof(text) - n, "%s %u%s %s", i ? "," : "", i + 1,
				  i == s->focus ? "*" : "", s->sub[i].name);
	if (n < NOTICE_BYTES)
		n += fmt_snprintf(text + n, sizeof(text) - n, "%s]\n",
				  s->subscribers ? "" : " none yet");
	notice(s, text, n);
}

/* The byte after Ctrl-A: true if it is a literal Ctrl-A; a digit switches the focus. */
static bool after_escape(struct serial_state *s, uint8_t byte)
{
	uint32_t number = byte - '0';

	if (number >= 1 && number <= 9) {
		if (number <= s->subscribers)
			s->focus = number - 1;
		notice_switch(s, number);
	} else if (byte == SERIAL_LIST_KEY) {
		notice_list(s);
	}
	return byte == SERIAL_SWITCH_KEY;
}

/* Runs one byte through the sequence decoder: true if a client gets it. */
static bool decode(struct serial_state *s, uint8_t byte)
{
	if (s->escape) {
		s->escape = false;
		return after_escape(s, byte);
	}
	s->escape = byte == SERIAL_SWITCH_KEY;
	return !s->escape;
}

/* One byte for the focus subscriber, and for the echo while echo is on. */
static void deliver(struct serial_state *s, uint8_t byte)
{
	s->rx_dropped += 1 - ring_put(&s->sub[s->focus].rx, &byte, 1);
	if (s->echo_on)
		ring_put(&s->echo, &byte, 1); /* echo drops what the line cannot keep up with */
}

uint32_t input_receive(struct serial_state *s, const uint8_t *bytes, uint32_t n)
{
	uint32_t fed = 0;

	for (uint32_t i = 0; i < n; i++) {
		if (!decode(s, bytes[i]))
			continue;
		deliver(s, bytes[i]);
		fed |= 1u << s->focus;
	}
	return fed;
}
