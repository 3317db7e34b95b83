/*
 * The i8042 PS/2 controller, its first (keyboard) port only: the data port
 * 0x60 and the status/command port 0x64.  The driver's config grant is
 * 0x60-0x64, one range; main.c keeps only these two ports (driver.h).
 */
#ifndef KBD_I8042_H
#define KBD_I8042_H

#include <stdint.h>

#define I8042_DATA    0x60 /* read: output buffer; write: input buffer (to the device) */
#define I8042_COMMAND 0x64 /* read: status register; write: controller command */
#define I8042_NO_BYTE (-1) /* i8042_next_byte: nothing waiting */
#define I8042_DROPPED (-2) /* i8042_next_byte: read a mouse or garbled byte and dropped it */

/*
 * Sets the controller up for the driver: the mouse port off, the keyboard
 * port on with scancode translation (set 1) and IRQ 1, the keyboard
 * scanning.  Returns NULL, or what failed.
 */
const char *i8042_init(void);

/* Reads the waiting byte: a keyboard byte, I8042_DROPPED, or I8042_NO_BYTE if none waits. */
int i8042_next_byte(void);

#endif
