/*
 * What the UART sends next.  Two sources share it: the clients' TX ring
 * and, once the driver has taken the console over, the kernel's log
 * (everything the kernel and the tasks' debug console write, read out with
 * SYS_CONSOLE_READ).  They take turns a line at a time, so a client's line
 * and a kernel line never mix; a source that runs dry in mid-line (a
 * prompt) gives the other its turn, whose line then starts on a line of
 * its own: a test's "ok N" line after a guest's shell prompt would not be
 * seen otherwise.  The clients share the TX ring by the same rule: one's
 * bytes after another's unfinished line start on a new line.  Pure logic,
 * host-tested.
 */
#include "driver.h"

/* Up to max bytes, at most one line, from source `from_log`. */
static uint32_t take_line(struct serial_state *s, bool from_log, uint8_t *buf, uint32_t max)
{
	if (!from_log)
		return ring_get_line(&s->tx, buf, max);
	if (!s->log_read || !s->log_ready)
		return 0;
	uint32_t got = s->log_read(buf, max);
	if (!got)
		s->log_ready = false; /* until the kernel signals more */
	return got;
}

uint32_t output_put(struct serial_state *s, uint64_t writer, const uint8_t *bytes, uint32_t count)
{
	static const uint8_t newline = '\n';

	if (!count)
		return 0;
	if (s->tx_mid_line && writer != s->tx_writer) {
		if (s->tx.size - (s->tx.head - s->tx.tail) < 2)
			return 0; /* room for the newline and a byte: later */
		ring_put(&s->tx, &newline, 1);
		s->tx_mid_line = false;
	}
	uint32_t accepted = ring_put(&s->tx, bytes, count);
	if (accepted) {
		s->tx_writer = writer;
		s->tx_mid_line = bytes[accepted - 1] != '\n';
	}
	return accepted;
}

uint32_t output_take(struct serial_state *s, uint8_t *buf, uint32_t room)
{
	uint32_t n = 0, dry = 0;

	while (n < room && dry < 2) {
		uint32_t newline = s->mid_line && s->mid_line_from_log != s->from_log;
		if (n + newline >= room)
			break; /* no room for the newline and a byte: next time */
		uint32_t got = take_line(s, s->from_log, buf + n + newline, room - n - newline);

		if (got) {
			if (newline)
				buf[n] = '\n';
			n += newline + got;
			s->mid_line = buf[n - 1] != '\n';
			s->mid_line_from_log = s->from_log;
		}
		if (n == room && buf[n - 1] != '\n')
			break; /* full in mid-line: this source goes on next time */
		dry = got ? 0 : dry + 1;
		s->from_log = !s->from_log;
	}
	return n;
}
