/*
 * The PC's keyboard controller (Intel 8042, as IBM's PC/AT and PS/2 use
 * it) with a keyboard behind it, and System Control Port A (port 0x92),
 * which shares the controller's A20 and reset lines.
 *
 * Port 0x60 (data): reads take the next byte of the output buffer;
 * writes go to the keyboard, or are the data byte of a controller command.
 * Port 0x64: reads give the status (output buffer full 0, input buffer
 * full 1 (always 0: every byte is taken at once), system flag 2, last
 * write was a command 3, keyboard unlocked 4, aux data 5 (never)); writes
 * are controller commands:
 *   0x20 / 0x60   read / write the command byte (bit 0: IRQ 1 on output,
 *                 bit 2: system flag, bit 4: keyboard disabled, bit 5: aux
 *                 disabled, bit 6: translation)
 *   0xA7 / 0xA8   disable / enable the aux port (command byte bit 5)
 *   0xA9          aux port test: 0x02 (clock line stuck high: no mouse)
 *   0xAA          self test: 0x55;   0xAB  keyboard port test: 0x00
 *   0xAD / 0xAE   disable / enable the keyboard (command byte bit 4)
 *   0xD0 / 0xD1   read / write the output port (bit 0: 0 resets the CPU,
 *                 bit 1: A20)
 *   0xD2          the next data byte comes back as keyboard data
 *   0xD3 / 0xD4   the next data byte goes to the aux port: dropped
 *   0xDD / 0xDF   A20 off / on
 *   0xF0-0xFF     pulse the output lines whose bits (3:0) are 0: bit 0
 *                 pulses reset (0xFE)
 *   others        ignored
 * Keyboard commands (data port): 0xFF reset (0xFA, 0xAA), 0xEE echo
 * (0xEE), 0xF2 identify (0xFA, 0xAB, 0x41 translated or 0x83), 0xED LEDs,
 * 0xF0 scan-code set (0 reads it back), 0xF3 typematic (each 0xFA, and
 * 0xFA for the parameter), 0xF4 / 0xF5 enable / disable scanning, 0xF6
 * defaults (0xFA); anything else 0xFE (resend).  A byte written to the
 * keyboard enables the keyboard interface, as on the 8042.
 *
 * Keys: i8042_type turns a typed character (what the keyboard driver
 * gives: printable ASCII, '\n', '\b', '\t') into set-1 make and break
 * codes of a US keyboard, with the shift key around shifted ones.  They
 * are queued while scanning and the interface are enabled; IRQ 1 is high
 * while the output buffer is full and the command byte's bit 0 is set.
 *
 * Port 0x92: bit 1 A20 (read back), bit 0 fast reset.  A20 is recorded,
 * not enforced: guest memory has no A20 wrap-around.  A reset (0xFE,
 * output port bit 0 written 0, or port 0x92 bit 0) sets reset_reason for
 * the VMM to stop the guest with.  Pure; host-tested (tests/unit/test_i8042.c).
 */
#ifndef VMM_I8042_H
#define VMM_I8042_H

#include <stdbool.h>
#include <stdint.h>

#define I8042_DATA_PORT    0x60
#define I8042_COMMAND_PORT 0x64 /* status on reads */
#define PORT_A_PORT        0x92 /* System Control Port A */
#define I8042_IRQ          1

#define I8042_STATUS_OBF     0x01
#define I8042_STATUS_SYSTEM  0x04
#define I8042_STATUS_COMMAND 0x08
#define I8042_STATUS_UNLOCKED 0x10

#define I8042_CB_KBD_IRQ     0x01
#define I8042_CB_SYSTEM      0x04
#define I8042_CB_KBD_OFF     0x10
#define I8042_CB_AUX_OFF     0x20
#define I8042_CB_TRANSLATE   0x40
#define I8042_CB_RESET       (I8042_CB_KBD_IRQ | I8042_CB_SYSTEM | I8042_CB_AUX_OFF | I8042_CB_TRANSLATE)

#define I8042_OUT_RESET      0x01 /* active low */
#define I8042_OUT_A20        0x02
#define PORT_A_RESET         0x01
#define PORT_A_A20           0x02

#define I8042_QUEUE 32

struct i8042 {
	uint8_t queue[I8042_QUEUE]; /* the output buffer, then what waits behind it */
	unsigned head, count;
	uint8_t command_byte;
	uint8_t output_port;
	uint8_t port_a;          /* port 0x92 */
	uint8_t pending_command; /* a controller command waiting for its data byte, or 0 */
	uint8_t pending_key;     /* a keyboard command waiting for its parameter, or 0 */
	bool last_was_command;
	bool scanning;
	bool in_use;             /* the guest has written to the controller: it reads keys there */
	uint8_t scancode_set;
	const char *reset_reason; /* set by a reset: the guest is to stop */
};

void i8042_init(struct i8042 *k);
/* A byte read of port 0x60, 0x64 or 0x92 (others read 0xff). */
uint8_t i8042_read(struct i8042 *k, uint16_t port);
void i8042_write(struct i8042 *k, uint16_t port, uint8_t v);
/* A typed character as key presses; false if it has no key or no room (it is dropped). */
bool i8042_type(struct i8042 *k, uint8_t ch);
/* How many typed characters surely have room (each takes at most 4 codes). */
unsigned i8042_type_room(const struct i8042 *k);
/* IRQ 1's level. */
bool i8042_irq(const struct i8042 *k);
/* Whether A20 is on (either the output port's or port 0x92's). */
bool i8042_a20(const struct i8042 *k);

#endif
