/*
 * The keyboard controller model (i8042.h).  The output buffer is the head
 * of a queue: controller answers, keyboard answers and key codes all wait
 * there in order, and the guest takes one byte per read of port 0x60.
 */
#include "i8042.h"

#define ACK    0xfa
#define RESEND 0xfe
#define SELF_TEST_OK 0xaa
#define SHIFT_MAKE   0x2a
#define BREAK        0x80 /* set 1: a key's break code is its make code with bit 7 */

/* Controller commands that take a data byte next. */
#define CMD_WRITE_COMMAND_BYTE 0x60
#define CMD_WRITE_OUTPUT_PORT  0xd1
#define CMD_WRITE_KBD_BUFFER   0xd2
#define CMD_WRITE_AUX_BUFFER   0xd3
#define CMD_WRITE_AUX          0xd4

/* Keyboard commands that take a parameter. */
#define KBD_SET_LEDS      0xed
#define KBD_SCANCODE_SET  0xf0
#define KBD_TYPEMATIC     0xf3

/*
 * US layout, set 1: the character each make code gives, without and with
 * shift (0: none of the characters the keyboard driver reports).
 */
static const char plain[0x3a] = "\0\0331234567890-=\b\tqwertyuiop[]\n\0asdfghjkl;'`\0\\zxcvbnm,./\0*\0 ";
static const char shifted[0x3a] = "\0\0!@#$%^&*()_+\0\0QWERTYUIOP{}\0\0ASDFGHJKL:\"~\0|ZXCVBNM<>?\0\0\0 ";

void i8042_init(struct i8042 *k)
{
	*k = (struct i8042){ .command_byte = I8042_CB_RESET, .scanning = true, .scancode_set = 2,
			     .output_port = I8042_OUT_RESET | I8042_OUT_A20 };
}

static bool push(struct i8042 *k, uint8_t b)
{
	if (k->count == I8042_QUEUE)
		return false;
	k->queue[(k->head + k->count++) % I8042_QUEUE] = b;
	return true;
}

static uint8_t pop(struct i8042 *k)
{
	if (!k->count)
		return k->queue[(k->head + I8042_QUEUE - 1) % I8042_QUEUE]; /* the last byte again */
	uint8_t b = k->queue[k->head];
	k->head = (k->head + 1) % I8042_QUEUE;
	k->count--;
	return b;
}

static uint8_t status(const struct i8042 *k)
{
	return (k->count ? I8042_STATUS_OBF : 0) | (k->command_byte & I8042_CB_SYSTEM) |
	       (k->last_was_command ? I8042_STATUS_COMMAND : 0) | I8042_STATUS_UNLOCKED;
}

/* The output port: bit 0 low resets the CPU. */
static void set_output_port(struct i8042 *k, uint8_t v)
{
	k->output_port = v | I8042_OUT_RESET; /* after the reset it is high again */
	if (!(v & I8042_OUT_RESET))
		k->reset_reason = "reset by the keyboard controller";
}

/* A controller command with no data byte. */
static void controller_command(struct i8042 *k, uint8_t cmd)
{
	switch (cmd) {
	case 0x20: push(k, k->command_byte); break;
	case 0xa7: k->command_byte |= I8042_CB_AUX_OFF; break;
	case 0xa8: k->command_byte &= ~I8042_CB_AUX_OFF; break;
	case 0xa9: push(k, 0x02); break;
	case 0xaa: push(k, 0x55); break;
	case 0xab: push(k, 0x00); break;
	case 0xad: k->command_byte |= I8042_CB_KBD_OFF; break;
	case 0xae: k->command_byte &= ~I8042_CB_KBD_OFF; break;
	case 0xd0: push(k, k->output_port); break;
	case 0xdd: k->output_port &= ~I8042_OUT_A20; break;
	case 0xdf: k->output_port |= I8042_OUT_A20; break;
	default:
		if (cmd >= 0xf0 && !(cmd & 1))
			set_output_port(k, k->output_port & ~I8042_OUT_RESET);
		else if (cmd == CMD_WRITE_COMMAND_BYTE || (cmd >= CMD_WRITE_OUTPUT_PORT &&
							    cmd <= CMD_WRITE_AUX))
			k->pending_command = cmd;
	}
}

/* The data byte of a pending controller command. */
static void command_data(struct i8042 *k, uint8_t cmd, uint8_t v)
{
	if (cmd == CMD_WRITE_COMMAND_BYTE)
		k->command_byte = v;
	else if (cmd == CMD_WRITE_OUTPUT_PORT)
		set_output_port(k, v);
	else if (cmd == CMD_WRITE_KBD_BUFFER)
		push(k, v);
	/* the aux port's bytes: no mouse takes them */
}

/* The parameter of a keyboard command. */
static void key_parameter(struct i8042 *k, uint8_t cmd, uint8_t v)
{
	push(k, ACK);
	if (cmd == KBD_SCANCODE_SET && v == 0)
		push(k, k->scancode_set);
	else if (cmd == KBD_SCANCODE_SET && v <= 3)
		k->scancode_set = v;
}

/* A byte for the keyboard: a command, or the parameter of the last one. */
static void keyboard_byte(struct i8042 *k, uint8_t v)
{
	uint8_t cmd = k->pending_key;
	k->pending_key = 0;
	if (cmd) {
		key_parameter(k, cmd, v);
		return;
	}
	switch (v) {
	case 0xff:
		k->scanning = true;
		k->scancode_set = 2;
		push(k, ACK);
		push(k, SELF_TEST_OK);
		break;
	case 0xee: push(k, 0xee); break;
	case 0xf2:
		push(k, ACK);
		push(k, 0xab);
		push(k, k->command_byte & I8042_CB_TRANSLATE ? 0x41 : 0x83);
		break;
	case KBD_SET_LEDS: case KBD_SCANCODE_SET: case KBD_TYPEMATIC:
		k->pending_key = v;
		push(k, ACK);
		break;
	case 0xf4: k->scanning = true; push(k, ACK); break;
	case 0xf5: k->scanning = false; push(k, ACK); break;
	case 0xf6: push(k, ACK); break;
	default: push(k, RESEND);
	}
}

uint8_t i8042_read(struct i8042 *k, uint16_t port)
{
	if (port == I8042_DATA_PORT)
		return pop(k);
	if (port == I8042_COMMAND_PORT)
		return status(k);
	if (port == PORT_A_PORT)
		return k->port_a;
	return 0xff;
}

void i8042_write(struct i8042 *k, uint16_t port, uint8_t v)
{
	if (port == I8042_COMMAND_PORT || port == I8042_DATA_PORT)
		k->in_use = true;
	if (port == I8042_COMMAND_PORT) {
		k->last_was_command = true;
		k->pending_command = 0;
		controller_command(k, v);
	} else if (port == I8042_DATA_PORT) {
		uint8_t cmd = k->pending_command;
		k->last_was_command = false;
		k->pending_command = 0;
		if (cmd) {
			command_data(k, cmd, v);
		} else {
			k->command_byte &= ~I8042_CB_KBD_OFF;
			keyboard_byte(k, v);
		}
	} else if (port == PORT_A_PORT) {
		k->port_a = v & PORT_A_A20; /* the reset bit reads 0: the reset is over */
		if (v & PORT_A_RESET)
			k->reset_reason = "reset through port 0x92";
	}
}

/* The make code of ch, and whether it needs shift; 0 if no key gives it. */
static uint8_t make_code(uint8_t ch, bool *shift)
{
	for (uint8_t code = 1; ch && code < sizeof(plain); code++) {
		*shift = plain[code] != (char)ch;
		if (!*shift || shifted[code] == (char)ch)
			return code;
	}
	return 0;
}

bool i8042_type(struct i8042 *k, uint8_t ch)
{
	bool shift;
	uint8_t code = make_code(ch, &shift);
	unsigned bytes = shift ? 4 : 2;
	if (!code || !k->scanning || (k->command_byte & I8042_CB_KBD_OFF) ||
	    I8042_QUEUE - k->count < bytes)
		return false;
	if (shift)
		push(k, SHIFT_MAKE);
	push(k, code);
	push(k, code | BREAK);
	if (shift)
		push(k, SHIFT_MAKE | BREAK);
	return true;
}

unsigned i8042_type_room(const struct i8042 *k)
{
	return (I8042_QUEUE - k->count) / 4;
}

bool i8042_irq(const struct i8042 *k)
{
	return k->count && (k->command_byte & I8042_CB_KBD_IRQ);
}

bool i8042_a20(const struct i8042 *k)
{
	return (k->output_port & I8042_OUT_A20) || (k->port_a & PORT_A_A20);
}
