/*
 * The keyboard protocol: what the PS/2 keyboard driver server
 * (servers/drivers/kbd) answers on its endpoint.  The driver turns key
 * presses into ASCII (US layout) and keeps them until a client reads them.
 * Data travels as in moat/serial.h: bytes packed into message words, byte i
 * in bits 8*(i%8) .. 8*(i%8)+7 of word i/8, packed and unpacked with
 * serial_msg_put() and serial_msg_get().  A request's label holds the
 * operation in bits 7:0 and a byte count above (KBD_LABEL).  Clients are
 * told apart by their badge.
 *
 *   call  KBD_LABEL(KBD_READ, max), 0 words, max <= KBD_MAX_BYTES
 *         -> reply label: k characters typed (0 if none: it never blocks),
 *            KBD_WORDS(k) words.  Characters: printable ASCII, '\n' (Enter),
 *            '\b' (Backspace) and '\t' (Tab); other keys are not reported.
 *   call  KBD_LABEL(KBD_SUBSCRIBE, 0), 0 words, 1 capability
 *         -> reply label 0.  The capability is a notification with W; the
 *            caller's endpoint capability needs G to send it.  The caller
 *            becomes the *focus*: input is its alone, and the driver signals
 *            the notification whenever keys arrive.  The latest subscriber wins.
 *   any malformed request -> reply label KBD_ERR_*, 0 words.
 *
 * A reply label below KBD_ERR_FIRST is a byte count; KBD_IS_ERROR tells.
 * Without a focus client any client may read; with one, only the focus may.
 */
#ifndef MOAT_KBD_H
#define MOAT_KBD_H

#include <stdint.h>

#include "serial.h"

#define KBD_MAX_BYTES SERIAL_MAX_BYTES /* characters one message carries */

/* Message words that carry `bytes` characters. */
#define KBD_WORDS(bytes) SERIAL_WORDS(bytes)

enum kbd_op {
	KBD_READ = 1,
	KBD_SUBSCRIBE,
};

#define KBD_ERR_FIRST 0x10000

enum kbd_error {
	KBD_ERR_REQUEST = KBD_ERR_FIRST, /* unknown op, bad count, words or caps */
	KBD_ERR_CAP,       /* SUBSCRIBE without a notification capability with W */
	KBD_ERR_NOT_FOCUS, /* READ by a client while another one has the focus */
};

/* Label: the operation in bits 7:0, the byte count above. */
#define KBD_LABEL(op, count) ((uint64_t)(op) | ((uint64_t)(count) << 8))
#define KBD_OP(label)        ((label) & 0xff)
#define KBD_COUNT(label)     ((label) >> 8)
#define KBD_IS_ERROR(label)  ((label) >= KBD_ERR_FIRST)

#endif
