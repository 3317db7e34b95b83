/*
 * Scancode set 1 (what the i8042 hands over with translation on) to ASCII,
 * for a US keyboard.  A byte is a make code (key pressed) or, with bit 7
 * set, the break code of the same key (released).  0xe0 and 0xe1 prefix the
 * codes of extended keys, which the driver ignores.
 */
#ifndef KBD_KEYMAP_H
#define KBD_KEYMAP_H

#include <stdbool.h>
#include <stdint.h>

#define KEYMAP_NONE (-1) /* keymap_decode: the byte types no character */

/* What the decoder remembers between bytes. */
struct keymap_state {
	uint8_t held;        /* modifier keys down: enum modifier bits */
	bool caps_lock;
	bool after_prefix;   /* the previous byte was 0xe0 or 0xe1 */
};

/* Feeds one scancode byte: the ASCII character it types, or KEYMAP_NONE. */
int keymap_decode(struct keymap_state *s, uint8_t code);

#endif
