/* Host unit tests for servers/vmm/i8042.c: the 8042's commands, the keyboard's, keys and resets. */
#include <stdbool.h>
#include <stdint.h>

#include "i8042.h"
#include "unit.h"

static void command(struct i8042 *k, uint8_t cmd)
{
	i8042_write(k, I8042_COMMAND_PORT, cmd);
}

static uint8_t data(struct i8042 *k)
{
	return i8042_read(k, I8042_DATA_PORT);
}

static bool full(struct i8042 *k)
{
	return i8042_read(k, I8042_COMMAND_PORT) & I8042_STATUS_OBF;
}

TEST(i8042_status_and_self_tests)
{
	struct i8042 k;
	i8042_init(&k);
	uint8_t st = i8042_read(&k, I8042_COMMAND_PORT);
	CHECK_EQ(st & (I8042_STATUS_OBF | 0x02), 0); /* nothing to read, input buffer empty */
	CHECK(st & I8042_STATUS_SYSTEM);
	command(&k, 0xaa);
	CHECK(i8042_read(&k, I8042_COMMAND_PORT) & I8042_STATUS_COMMAND);
	CHECK(full(&k));
	CHECK_EQ(data(&k), 0x55);
	CHECK(!full(&k));
	command(&k, 0xab);
	CHECK_EQ(data(&k), 0x00);
	command(&k, 0xa9);
	CHECK_EQ(data(&k), 0x02); /* no mouse */
}

TEST(i8042_command_byte_read_write_and_irq1)
{
	struct i8042 k;
	i8042_init(&k);
	command(&k, 0x20);
	CHECK_EQ(data(&k), I8042_CB_RESET);
	command(&k, 0x60);
	i8042_write(&k, I8042_DATA_PORT, 0x00); /* IRQ 1 off */
	CHECK(!(i8042_read(&k, I8042_COMMAND_PORT) & I8042_STATUS_COMMAND));
	command(&k, 0x20);
	CHECK(full(&k));
	CHECK(!i8042_irq(&k));
	CHECK_EQ(data(&k), 0x00);
	command(&k, 0x60);
	i8042_write(&k, I8042_DATA_PORT, I8042_CB_KBD_IRQ);
	command(&k, 0xad);
	command(&k, 0x20);
	CHECK(i8042_irq(&k));
	CHECK_EQ(data(&k), I8042_CB_KBD_IRQ | I8042_CB_KBD_OFF);
	CHECK(!i8042_irq(&k));
	command(&k, 0xae);
	command(&k, 0xa8);
	command(&k, 0x20);
	CHECK_EQ(data(&k), I8042_CB_KBD_IRQ);
}

TEST(i8042_keyboard_commands_are_acked)
{
	struct i8042 k;
	i8042_init(&k);
	i8042_write(&k, I8042_DATA_PORT, 0xff);
	CHECK_EQ(data(&k), 0xfa);
	CHECK_EQ(data(&k), 0xaa);
	i8042_write(&k, I8042_DATA_PORT, 0xee);
	CHECK_EQ(data(&k), 0xee);
	i8042_write(&k, I8042_DATA_PORT, 0xf2);
	CHECK_EQ(data(&k), 0xfa);
	CHECK_EQ(data(&k), 0xab);
	CHECK_EQ(data(&k), 0x41); /* translated */
	i8042_write(&k, I8042_DATA_PORT, 0xed);
	CHECK_EQ(data(&k), 0xfa);
	i8042_write(&k, I8042_DATA_PORT, 0x07); /* the LEDs: a parameter, not a command */
	CHECK_EQ(data(&k), 0xfa);
	i8042_write(&k, I8042_DATA_PORT, 0xf0);
	i8042_write(&k, I8042_DATA_PORT, 0x01);
	i8042_write(&k, I8042_DATA_PORT, 0xf0);
	i8042_write(&k, I8042_DATA_PORT, 0x00);
	CHECK_EQ(data(&k), 0xfa);
	CHECK_EQ(data(&k), 0xfa);
	CHECK_EQ(data(&k), 0xfa);
	CHECK_EQ(data(&k), 0xfa);
	CHECK_EQ(data(&k), 0x01);
	i8042_write(&k, I8042_DATA_PORT, 0x12); /* no such command */
	CHECK_EQ(data(&k), 0xfe);
	CHECK(!full(&k));
}

TEST(i8042_typed_characters_become_set1_codes)
{
	struct i8042 k;
	i8042_init(&k);
	CHECK(i8042_type(&k, 'a'));
	CHECK(i8042_irq(&k));
	CHECK_EQ(data(&k), 0x1e);
	CHECK_EQ(data(&k), 0x9e);
	CHECK(i8042_type(&k, 'A'));
	CHECK_EQ(data(&k), 0x2a);
	CHECK_EQ(data(&k), 0x1e);
	CHECK_EQ(data(&k), 0x9e);
	CHECK_EQ(data(&k), 0xaa);
	static const struct { char ch; uint8_t code; } keys[] = {
		{ '1', 0x02 }, { '0', 0x0b }, { '\b', 0x0e }, { '\t', 0x0f }, { 'p', 0x19 },
		{ '\n', 0x1c }, { 'l', 0x26 }, { '\\', 0x2b }, { '/', 0x35 }, { ' ', 0x39 },
	};
	for (unsigned i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		CHECK(i8042_type(&k, keys[i].ch));
		CHECK_EQ(data(&k), keys[i].code);
		CHECK_EQ(data(&k), keys[i].code | 0x80);
	}
	CHECK(!i8042_type(&k, 0x01)); /* no key gives it */
	CHECK(!i8042_type(&k, 0));
	CHECK(!full(&k));
}

TEST(i8042_keys_wait_for_scanning_and_room)
{
	struct i8042 k;
	i8042_init(&k);
	i8042_write(&k, I8042_DATA_PORT, 0xf5);
	CHECK_EQ(data(&k), 0xfa);
	CHECK(!i8042_type(&k, 'x'));
	i8042_write(&k, I8042_DATA_PORT, 0xf4);
	CHECK_EQ(data(&k), 0xfa);
	CHECK_EQ(i8042_type_room(&k), I8042_QUEUE / 4); /* a shifted character takes 4 codes */
	unsigned typed = 0;
	while (i8042_type(&k, 'x'))
		typed++;
	CHECK_EQ(typed, I8042_QUEUE / 2);
	CHECK_EQ(i8042_type_room(&k), 0);
	command(&k, 0xad);
	CHECK_EQ(data(&k), 0x2d);
}

TEST(i8042_output_port_a20_and_reset)
{
	struct i8042 k;
	i8042_init(&k);
	command(&k, 0xd0);
	CHECK_EQ(data(&k) & 3, 3);
	command(&k, 0xdd);
	CHECK(!i8042_a20(&k));
	command(&k, 0xd1);
	i8042_write(&k, I8042_DATA_PORT, 0x03);
	CHECK(i8042_a20(&k));
	CHECK(!k.reset_reason);
	command(&k, 0xd1);
	i8042_write(&k, I8042_DATA_PORT, 0x02);
	CHECK(k.reset_reason);
	i8042_init(&k);
	command(&k, 0xff); /* pulses no line */
	CHECK(!k.reset_reason);
	command(&k, 0xfe);
	CHECK_STR(k.reset_reason, "reset by the keyboard controller");
	i8042_init(&k);
	command(&k, 0xf0); /* pulses every line, reset among them */
	CHECK(k.reset_reason);
}

TEST(i8042_port_92_a20_and_fast_reset)
{
	struct i8042 k;
	i8042_init(&k);
	command(&k, 0xdd);
	CHECK_EQ(i8042_read(&k, PORT_A_PORT), 0);
	i8042_write(&k, PORT_A_PORT, PORT_A_A20);
	CHECK_EQ(i8042_read(&k, PORT_A_PORT), PORT_A_A20);
	CHECK(i8042_a20(&k));
	CHECK(!k.reset_reason);
	i8042_write(&k, PORT_A_PORT, PORT_A_A20 | PORT_A_RESET);
	CHECK_STR(k.reset_reason, "reset through port 0x92");
	CHECK_EQ(i8042_read(&k, PORT_A_PORT), PORT_A_A20); /* the reset bit reads 0 */
}

TEST(i8042_a_byte_for_the_keyboard_enables_its_interface)
{
	struct i8042 k;
	i8042_init(&k);
	command(&k, 0xad);
	CHECK(!i8042_type(&k, 'a'));
	i8042_write(&k, I8042_DATA_PORT, 0xf4);
	CHECK_EQ(data(&k), 0xfa);
	command(&k, 0x20);
	CHECK_EQ(data(&k) & I8042_CB_KBD_OFF, 0);
	CHECK(i8042_type(&k, 'a'));
}

TEST(i8042_in_use_once_the_guest_writes_to_it)
{
	struct i8042 k;
	i8042_init(&k);
	i8042_read(&k, I8042_COMMAND_PORT);
	i8042_read(&k, I8042_DATA_PORT);
	CHECK(!k.in_use);
	command(&k, 0xae);
	CHECK(k.in_use);
}

TEST(i8042_write_keyboard_buffer_and_aux_bytes)
{
	struct i8042 k;
	i8042_init(&k);
	command(&k, 0xd2);
	i8042_write(&k, I8042_DATA_PORT, 0x5a);
	CHECK_EQ(data(&k), 0x5a);
	command(&k, 0xd4);
	i8042_write(&k, I8042_DATA_PORT, 0xff); /* to the absent mouse */
	CHECK(!full(&k));
	command(&k, 0xd3);
	i8042_write(&k, I8042_DATA_PORT, 0x5a);
	CHECK(!full(&k));
}
