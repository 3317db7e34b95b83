/*
 * Received bytes on their way to the clients (IRQ thread only).  The
 * console-switch sequence of moat/serial.h is taken out and acted on; every
 * other byte goes to the ring of the subscriber that has the focus as it
 * arrives, so bytes typed before a switch stay with the old focus.
 */
#include "moat/serial.h"

#include "driver.h"

/* The byte after Ctrl-A: true if it is a literal Ctrl-A; a digit switches the focus. */
static bool after_escape(struct serial_state *s, uint8_t byte)
{
	uint32_t number = byte - '0';

	if (number >= 1 && number <= s->subscribers)
		s->focus = number - 1;
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
