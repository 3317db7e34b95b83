/*
 * The serial-port protocol: what the COM1 driver server (servers/drivers/serial)
 * answers on its endpoint.  Data travels as bytes packed into message words,
 * byte i in bits 8*(i%8) .. 8*(i%8)+7 of word i/8 (x86 byte order); words 0-3
 * in registers, the rest in the UTCB.  A request's label holds the operation
 * in bits 7:0 and a byte count above (SERIAL_LABEL).  Clients are told apart
 * by their badge.
 *
 *   call  SERIAL_LABEL(SERIAL_WRITE, n), SERIAL_WORDS(n) words, n <= SERIAL_MAX_BYTES
 *         -> reply label: the bytes accepted, 0 .. n, 0 words.  The driver queues
 *            what fits in its transmit ring and never drops the rest silently:
 *            the client sends bytes accepted .. n-1 again later.
 *   call  SERIAL_LABEL(SERIAL_READ, max), 0 words, max <= SERIAL_MAX_BYTES
 *         -> reply label: k bytes received (0 if none: it never blocks),
 *            SERIAL_WORDS(k) words.  A subscriber reads the bytes typed while
 *            it had the focus; a client that has not subscribed may read only
 *            while nobody has (and gets what nobody's focus has received).
 *   call  SERIAL_LABEL(SERIAL_SUBSCRIBE, 0), 0 words, 1 capability
 *         -> reply label 0.  The capability is a notification with W; the caller's
 *            endpoint capability needs G to send it.  Up to SERIAL_SUBSCRIBERS
 *            clients may subscribe; they are numbered 1, 2, ... in the order
 *            they first did (bytes typed before the first one are its).  A
 *            client subscribing again keeps its number, and its new
 *            notification replaces the old.  Input goes to one subscriber
 *            alone, the *focus* (number 1 until the person switches), and
 *            the driver signals its notification whenever input arrives for
 *            it.  Subscribing never moves the focus: only the person does.
 *   call  SERIAL_LABEL(SERIAL_ECHO, on), 0 words, on = 0 or 1
 *         -> reply label 0.  While on, the driver sends every byte it receives
 *            back out itself (before queued writes).
 *   call  SERIAL_LABEL(SERIAL_HOLD, on), 0 words, on = 0 or 1
 *         -> reply label 0.  While on, the driver suspends output: bytes stay
 *            queued and writes fill the ring (as termios's tcflow TCOOFF; 0 is
 *            TCOON).  Any client may; it is meant for tests and flow control.
 *   call  SERIAL_LABEL(SERIAL_PENDING, 0), 0 words
 *         -> reply label: bytes written by clients and not yet handed to the
 *            UART.  At 0, whatever is written next (by anyone) comes after them.
 *   call  SERIAL_LABEL(SERIAL_CRASH, 0), 0 words
 *         -> no reply: for the restart test, the driver touches a port it does
 *            not hold and faults; the call returns ERR_DELETED once the root
 *            task has torn it down, and the restarted driver serves the same
 *            endpoint.
 *   any malformed request -> reply label SERIAL_ERR_*, 0 words.
 *
 * A reply label below SERIAL_ERR_FIRST is a byte count; SERIAL_IS_ERROR tells.
 *
 * Console switching: typed on the serial port, Ctrl-A (SERIAL_SWITCH_KEY)
 * then a digit 1 .. SERIAL_SUBSCRIBERS gives the focus to the subscriber of
 * that number, and the driver prints "[console N: NAME]" on a line of its
 * own, NAME being the subscriber's server name in the root's config (a
 * digit with no subscriber yet prints "[no console N]" and moves nothing);
 * Ctrl-A ? (SERIAL_LIST_KEY) prints "[consoles: 1 NAME, 2* NAME]", every
 * subscriber, a star on the focus; Ctrl-A Ctrl-A types one Ctrl-A; Ctrl-A
 * and any other byte are both dropped.  These bytes reach no client and are
 * not echoed.  Each byte goes to the client that has the focus when it
 * arrives: what was typed before a switch stays for the old focus to read.
 */
#ifndef MOAT_SERIAL_H
#define MOAT_SERIAL_H

#include <stdint.h>

#include "mem.h"
#include "syscall.h"
#include "user.h"

#define SERIAL_MAX_BYTES (MSG_MAX_WORDS * 8) /* bytes one message carries */
#define SERIAL_SUBSCRIBERS 4                 /* clients that may subscribe at once */
#define SERIAL_SWITCH_KEY  0x01              /* Ctrl-A: starts a console switch */
#define SERIAL_LIST_KEY    '?'               /* after Ctrl-A: list the consoles */

/* Message words that carry `bytes` bytes. */
#define SERIAL_WORDS(bytes) (((bytes) + 7) / 8)

enum serial_op {
	SERIAL_WRITE = 1,
	SERIAL_READ,
	SERIAL_SUBSCRIBE,
	SERIAL_ECHO,
	SERIAL_HOLD,
	SERIAL_PENDING,
	SERIAL_CRASH, /* test only */
};

#define SERIAL_ERR_FIRST 0x10000

enum serial_error {
	SERIAL_ERR_REQUEST = SERIAL_ERR_FIRST, /* unknown op, bad count, words or caps */
	SERIAL_ERR_CAP,       /* SUBSCRIBE without a notification capability with W */
	SERIAL_ERR_NOT_FOCUS, /* READ by a client that has not subscribed while others have */
	SERIAL_ERR_FULL,      /* SUBSCRIBE by a new client when SERIAL_SUBSCRIBERS have */
};

/* Label: the operation in bits 7:0, the byte count (or flag) above. */
#define SERIAL_LABEL(op, count) ((uint64_t)(op) | ((uint64_t)(count) << 8))
#define SERIAL_OP(label)        ((label) & 0xff)
#define SERIAL_COUNT(label)     ((label) >> 8)
#define SERIAL_IS_ERROR(label)  ((label) >= SERIAL_ERR_FIRST)

/* Where message word i of *m lives: the register words, then this thread's UTCB. */
static inline uint64_t *serial_msg_word(struct msg *m, unsigned int i)
{
	return i < MSG_REG_WORDS ? &m->mr[i] : &utcb()->mr[i];
}

/* Packs len bytes (<= SERIAL_MAX_BYTES) into the words of *m; the last word is zero-padded. */
static inline void serial_msg_put(struct msg *m, const void *bytes, unsigned int len)
{
	const uint8_t *src = bytes;

	for (unsigned int i = 0; i < SERIAL_WORDS(len); i++) {
		uint64_t word = 0;
		unsigned int left = len - i * 8;

		memcpy(&word, src + i * 8, left < 8 ? left : 8);
		*serial_msg_word(m, i) = word;
	}
}

/* Unpacks len bytes (<= SERIAL_MAX_BYTES) from the words of *m. */
static inline void serial_msg_get(struct msg *m, void *bytes, unsigned int len)
{
	uint8_t *dst = bytes;

	for (unsigned int i = 0; i < SERIAL_WORDS(len); i++) {
		unsigned int left = len - i * 8;

		memcpy(dst + i * 8, serial_msg_word(m, i), left < 8 ? left : 8);
	}
}

#endif
