/*
 * The i8042 PS/2 controller, from its documented interface: status bits,
 * controller commands, the configuration byte.  Every wait for the
 * controller is a bounded poll of the status register.  Only the main thread
 * calls i8042_init (before the IRQ thread starts); afterwards only the IRQ
 * thread touches the controller.
 */
#include <stdbool.h>
#include <stddef.h>

#include "moat/port_io.h"

#include "i8042.h"
#include "array.h"

/* Status register bits. */
#define STATUS_OUTPUT_FULL 0x01 /* a byte waits at I8042_DATA for us */
#define STATUS_INPUT_FULL  0x02 /* the controller has not taken our last byte yet */
#define STATUS_AUX_DATA    0x20 /* the waiting byte is from the mouse port */
#define STATUS_ERRORS      0xc0 /* timeout, parity error: the byte is garbage */

/* Controller commands (to I8042_COMMAND). */
#define CMD_READ_CONFIG    0x20
#define CMD_WRITE_CONFIG   0x60
#define CMD_DISABLE_AUX    0xa7
#define CMD_DISABLE_KBD    0xad
#define CMD_ENABLE_KBD     0xae

/* Configuration byte bits. */
#define CONFIG_KBD_IRQ     0x01 /* IRQ 1 when a keyboard byte arrives */
#define CONFIG_AUX_IRQ     0x02 /* IRQ 12 when a mouse byte arrives */
#define CONFIG_KBD_OFF     0x10 /* keyboard port disabled (its clock held) */
#define CONFIG_AUX_OFF     0x20 /* mouse port disabled */
#define CONFIG_TRANSLATE   0x40 /* the controller turns set 2 into set 1 */

/* Keyboard commands (to I8042_DATA) and its answer. */
#define KBD_ENABLE_SCANNING 0xf4
#define KBD_ACK             0xfa

#define POLL_ROUNDS   (1u << 20) /* status reads before a wait gives up */
#define FLUSH_BYTES   64         /* stale bytes read at most: the keyboard queues several */
#define ACK_BYTES     16         /* bytes (keys typed meanwhile) before the ACK */

static uint8_t config; /* the configuration byte, as last read or written */

static uint8_t status(void)
{
	return inb(I8042_COMMAND);
}

/* Waits until the status register has all of `set` and none of `clear`. */
static bool wait_status(uint8_t set, uint8_t clear)
{
	for (uint32_t i = 0; i < POLL_ROUNDS; i++) {
		uint8_t s = status();

		if ((s & set) == set && !(s & clear))
			return true;
		cpu_relax();
	}
	return false;
}

/* Writes v to port once the controller has taken the previous byte. */
static bool write_port(uint16_t port, uint8_t v)
{
	if (!wait_status(0, STATUS_INPUT_FULL))
		return false;
	outb(port, v);
	return true;
}

/* Reads the next byte the controller or the keyboard sends. */
static bool read_data(uint8_t *v)
{
	if (!wait_status(STATUS_OUTPUT_FULL, 0))
		return false;
	*v = inb(I8042_DATA);
	return true;
}

static bool disable_ports(void)
{
	return write_port(I8042_COMMAND, CMD_DISABLE_KBD) &&
	       write_port(I8042_COMMAND, CMD_DISABLE_AUX);
}

/* Drops bytes left over from the firmware (or typed before now). */
static bool flush_output(void)
{
	for (int i = 0; i < FLUSH_BYTES; i++) {
		if (!(status() & STATUS_OUTPUT_FULL))
			return true;
		inb(I8042_DATA);
	}
	return false;
}

static bool read_config(void)
{
	return write_port(I8042_COMMAND, CMD_READ_CONFIG) && read_data(&config);
}

static bool write_config(uint8_t value)
{
	config = value;
	return write_port(I8042_COMMAND, CMD_WRITE_CONFIG) && write_port(I8042_DATA, config);
}

/*
 * Translation on, the mouse port off, both IRQs off until the keyboard's
 * answer has been read.  The keyboard port is marked on here too: the byte
 * was read while it was off, and every later write of the byte keeps this.
 */
static bool set_translation(void)
{
	uint8_t on = CONFIG_TRANSLATE | CONFIG_AUX_OFF;
	uint8_t off = CONFIG_KBD_IRQ | CONFIG_AUX_IRQ | CONFIG_KBD_OFF;

	return write_config((config | on) & ~off);
}

static bool enable_keyboard_port(void)
{
	return write_port(I8042_COMMAND, CMD_ENABLE_KBD);
}

/* Tells the keyboard to send scancodes; skips keys typed before its ACK. */
static bool enable_scanning(void)
{
	uint8_t answer = 0;

	if (!write_port(I8042_DATA, KBD_ENABLE_SCANNING))
		return false;
	for (int i = 0; i < ACK_BYTES && read_data(&answer); i++)
		if (answer == KBD_ACK)
			return true;
	return false;
}

static bool enable_irq(void)
{
	return write_config(config | CONFIG_KBD_IRQ);
}

/* One step of setting the controller up, and what it does (for the error). */
struct init_step {
	const char *what;
	bool (*run)(void);
};

static const struct init_step init_steps[] = {
	{ "disabling the ports", disable_ports },
	{ "flushing the output buffer", flush_output },
	{ "reading the configuration byte", read_config },
	{ "enabling translation", set_translation },
	{ "enabling the keyboard port", enable_keyboard_port },
	{ "enabling scanning (no keyboard?)", enable_scanning },
	{ "enabling IRQ 1", enable_irq },
};

const char *i8042_init(void)
{
	for (unsigned int i = 0; i < ARRAY_LEN(init_steps); i++)
		if (!init_steps[i].run())
			return init_steps[i].what;
	return NULL;
}

int i8042_next_byte(void)
{
	uint8_t s = status();
	uint8_t byte;

	if (!(s & STATUS_OUTPUT_FULL))
		return I8042_NO_BYTE;
	byte = inb(I8042_DATA);
	return s & (STATUS_AUX_DATA | STATUS_ERRORS) ? I8042_DROPPED : byte;
}
