/* Host unit tests for servers/vmm/pic8259.c, written against the 8259A datasheet. */
#include <stdbool.h>
#include <stdint.h>

#include "pic8259.h"
#include "unit.h"

#define MASTER_BASE 0x20
#define SLAVE_BASE 0x28

/* Runs the ICW1-ICW4 sequence on the chip at cmd_port with the given ICW1, ICW2-ICW4. */
static void program_chip(struct pic_pair *p, uint16_t cmd_port, uint8_t icw1, uint8_t icw2,
			 uint8_t icw3, uint8_t icw4)
{
	pic_write(p, cmd_port, icw1);
	pic_write(p, cmd_port + 1, icw2);
	pic_write(p, cmd_port + 1, icw3);
	pic_write(p, cmd_port + 1, icw4);
}

/* Programs the pair as Linux does (bases 0x20/0x28, slave on IR2) with icw4, all unmasked. */
static void setup_with_icw4(struct pic_pair *p, uint8_t icw4)
{
	uint8_t icw1 = PIC_ICW1 | PIC_ICW1_IC4;

	pic_init(p);
	program_chip(p, PIC_MASTER_CMD, icw1, MASTER_BASE, 1 << PIC_CASCADE_IR, icw4);
	program_chip(p, PIC_SLAVE_CMD, icw1, SLAVE_BASE, PIC_CASCADE_IR, icw4);
}

/* The usual setup: fully nested, normal EOI. */
static void setup(struct pic_pair *p)
{
	setup_with_icw4(p, PIC_ICW4_8086);
}

/* An edge on line: up and back down. */
static void pulse(struct pic_pair *p, unsigned line)
{
	pic_set_irq(p, line, true);
	pic_set_irq(p, line, false);
}

/* Reads the ISR of the chip at cmd_port through OCW3. */
static uint8_t read_isr(struct pic_pair *p, uint16_t cmd_port)
{
	pic_write(p, cmd_port, PIC_OCW3_READ_ISR);
	return pic_read(p, cmd_port);
}

/* Reads the IRR of the chip at cmd_port through OCW3. */
static uint8_t read_irr(struct pic_pair *p, uint16_t cmd_port)
{
	pic_write(p, cmd_port, PIC_OCW3_READ_IRR);
	return pic_read(p, cmd_port);
}

TEST(pic_init_is_bios_state)
{
	struct pic_pair p;

	pic_init(&p);
	CHECK_EQ(pic_read(&p, PIC_MASTER_DATA), 0xFB);
	CHECK_EQ(pic_read(&p, PIC_SLAVE_DATA), 0xFF);
	CHECK_EQ(pic_pending_vector(&p), -1);
	pic_write(&p, PIC_MASTER_DATA, 0xFA);
	pulse(&p, 0);
	CHECK_EQ(pic_pending_vector(&p), 0x08);
	pic_write(&p, PIC_SLAVE_DATA, 0xFE);
	pulse(&p, 8);
	CHECK_EQ(pic_acknowledge(&p), 0x08);
	pic_write(&p, PIC_MASTER_CMD, PIC_OCW2_EOI);
	CHECK_EQ(pic_acknowledge(&p), 0x70);
}

TEST(pic_icw2_sets_vector_base)
{
	struct pic_pair p;

	setup(&p);
	pulse(&p, 1);
	CHECK_EQ(pic_pending_vector(&p), MASTER_BASE + 1);
	CHECK(pic_int_output(&p));
	CHECK_EQ(pic_acknowledge(&p), MASTER_BASE + 1);
	pic_write(&p, PIC_MASTER_CMD, PIC_OCW2_EOI);
	pic_write(&p, PIC_MASTER_CMD, PIC_ICW1 | PIC_ICW1_IC4);
	pic_write(&p, PIC_MASTER_DATA, 0x47); /* the low 3 bits are the level's */
	pic_write(&p, PIC_MASTER_DATA, 1 << PIC_CASCADE_IR);
	pic_write(&p, PIC_MASTER_DATA, PIC_ICW4_8086);
	pulse(&p, 5);
	CHECK_EQ(pic_acknowledge(&p), 0x45);
}

TEST(pic_icw1_resets_chip)
{
	struct pic_pair p;

	setup(&p);
	pic_write(&p, PIC_MASTER_DATA, 0x55);
	pulse(&p, 3);
	pulse(&p, 4);
	CHECK_EQ(pic_acknowledge(&p), MASTER_BASE + 3);
	pic_write(&p, PIC_MASTER_CMD, PIC_OCW3_READ_ISR);
	pic_write(&p, PIC_MASTER_CMD, PIC_ICW1 | PIC_ICW1_IC4);
	CHECK_EQ(pic_read(&p, PIC_MASTER_DATA), 0);        /* IMR cleared */
	CHECK_EQ(pic_pending_vector(&p), -1);              /* mid-sequence: no INT */
	pic_write(&p, PIC_MASTER_DATA, MASTER_BASE);
	pic_write(&p, PIC_MASTER_DATA, 1 << PIC_CASCADE_IR);
	pic_write(&p, PIC_MASTER_DATA, PIC_ICW4_8086);
	CHECK_EQ(pic_read(&p, PIC_MASTER_CMD), 0);         /* reads IRR again: edges gone */
	CHECK_EQ(read_isr(&p, PIC_MASTER_CMD), 0);
	CHECK_EQ(pic_pending_vector(&p), -1);
}

TEST(pic_single_mode_skips_icw3)
{
	struct pic_pair p;

	pic_init(&p);
	pic_write(&p, PIC_MASTER_CMD, PIC_ICW1 | PIC_ICW1_SNGL | PIC_ICW1_IC4);
	pic_write(&p, PIC_MASTER_DATA, 0x30);
	pic_write(&p, PIC_MASTER_DATA, PIC_ICW4_8086); /* ICW4, not ICW3 */
	pic_write(&p, PIC_MASTER_DATA, 0xFF);          /* now OCW1 */
	CHECK_EQ(pic_read(&p, PIC_MASTER_DATA), 0xFF);
	pic_write(&p, PIC_MASTER_DATA, 0);
	pulse(&p, 2);                                  /* IR2 is a plain input now */
	CHECK_EQ(pic_acknowledge(&p), 0x32);
}

TEST(pic_mask_holds_request)
{
	struct pic_pair p;

	setup(&p);
	pic_write(&p, PIC_MASTER_DATA, 1 << 4);
	pulse(&p, 4);
	CHECK_EQ(pic_pending_vector(&p), -1);
	CHECK(!pic_int_output(&p));
	CHECK_EQ(read_irr(&p, PIC_MASTER_CMD), 1 << 4);
	pic_write(&p, PIC_MASTER_DATA, 0);
	CHECK_EQ(pic_pending_vector(&p), MASTER_BASE + 4);
}

TEST(pic_edge_needs_new_rising_edge)
{
	struct pic_pair p;

	setup(&p);
	pic_set_irq(&p, 6, true);
	pic_set_irq(&p, 6, true); /* still high: no second edge */
	CHECK_EQ(pic_acknowledge(&p), MASTER_BASE + 6);
	pic_write(&p, PIC_MASTER_CMD, PIC_OCW2_EOI);
	CHECK_EQ(pic_pending_vector(&p), -1);
	pic_set_irq(&p, 6, false);
	pic_set_irq(&p, 6, true);
	CHECK_EQ(pic_pending_vector(&p), MASTER_BASE + 6);
}

TEST(pic_lower_level_wins)
{
	struct pic_pair p;

	setup(&p);
	pulse(&p, 5);
	pulse(&p, 3);
	CHECK_EQ(pic_acknowledge(&p), MASTER_BASE + 3);
	CHECK_EQ(read_isr(&p, PIC_MASTER_CMD), 1 << 3);
	CHECK_EQ(read_irr(&p, PIC_MASTER_CMD), 1 << 5);
}

TEST(pic_in_service_blocks_lower_and_equal)
{
	struct pic_pair p;

	setup(&p);
	pulse(&p, 3);
	CHECK_EQ(pic_acknowledge(&p), MASTER_BASE + 3);
	pulse(&p, 5);
	CHECK_EQ(pic_pending_vector(&p), -1);
	pulse(&p, 3);
	CHECK_EQ(pic_pending_vector(&p), -1);
	pulse(&p, 1); /* a higher level nests */
	CHECK_EQ(pic_acknowledge(&p), MASTER_BASE + 1);
	CHECK_EQ(read_isr(&p, PIC_MASTER_CMD), (1 << 1) | (1 << 3));
	pic_write(&p, PIC_MASTER_CMD, PIC_OCW2_EOI);
	CHECK_EQ(pic_pending_vector(&p), -1); /* IR3 still in service */
	pic_write(&p, PIC_MASTER_CMD, PIC_OCW2_EOI);
	CHECK_EQ(pic_acknowledge(&p), MASTER_BASE + 3);
}

TEST(pic_nonspecific_eoi_ends_highest)
{
	struct pic_pair p;

	setup(&p);
	pulse(&p, 4);
	pic_acknowledge(&p);
	pulse(&p, 0);
	pic_acknowledge(&p);
	CHECK_EQ(read_isr(&p, PIC_MASTER_CMD), 0x11);
	pic_write(&p, PIC_MASTER_CMD, PIC_OCW2_EOI);
	CHECK_EQ(read_isr(&p, PIC_MASTER_CMD), 0x10);
	pic_write(&p, PIC_MASTER_CMD, PIC_OCW2_EOI);
	CHECK_EQ(read_isr(&p, PIC_MASTER_CMD), 0);
	pic_write(&p, PIC_MASTER_CMD, PIC_OCW2_EOI); /* nothing in service: harmless */
	CHECK_EQ(read_isr(&p, PIC_MASTER_CMD), 0);
}

TEST(pic_specific_eoi_ends_named_level)
{
	struct pic_pair p;

	setup(&p);
	pulse(&p, 4);
	pic_acknowledge(&p);
	pulse(&p, 0);
	pic_acknowledge(&p);
	pic_write(&p, PIC_MASTER_CMD, PIC_OCW2_SPECIFIC_EOI | 4);
	CHECK_EQ(read_isr(&p, PIC_MASTER_CMD), 0x01);
	pic_write(&p, PIC_MASTER_CMD, PIC_OCW2_NOP);
	CHECK_EQ(read_isr(&p, PIC_MASTER_CMD), 0x01);
}

TEST(pic_cascade_through_ir2)
{
	struct pic_pair p;

	setup(&p);
	pulse(&p, 12);
	CHECK_EQ(read_irr(&p, PIC_MASTER_CMD), 1 << PIC_CASCADE_IR); /* the slave's INT */
	CHECK_EQ(pic_pending_vector(&p), SLAVE_BASE + 4);
	CHECK_EQ(pic_acknowledge(&p), SLAVE_BASE + 4);
	CHECK_EQ(read_isr(&p, PIC_MASTER_CMD), 1 << PIC_CASCADE_IR);
	CHECK_EQ(read_isr(&p, PIC_SLAVE_CMD), 1 << 4);
	pulse(&p, 3);                           /* below IR2 on the master: waits */
	CHECK_EQ(pic_pending_vector(&p), -1);
	pulse(&p, 9);                           /* higher on the slave, but IR2 is busy */
	CHECK_EQ(pic_pending_vector(&p), -1);
	pulse(&p, 1);
	CHECK_EQ(pic_acknowledge(&p), MASTER_BASE + 1);
	pic_write(&p, PIC_MASTER_CMD, PIC_OCW2_EOI);
	pic_write(&p, PIC_SLAVE_CMD, PIC_OCW2_EOI);
	pic_write(&p, PIC_MASTER_CMD, PIC_OCW2_EOI);
	CHECK_EQ(pic_acknowledge(&p), SLAVE_BASE + 1); /* IRQ 9 before IRQ 3 */
}

TEST(pic_master_mask_hides_slave)
{
	struct pic_pair p;

	setup(&p);
	pic_write(&p, PIC_MASTER_DATA, 1 << PIC_CASCADE_IR);
	pulse(&p, 14);
	CHECK_EQ(pic_pending_vector(&p), -1);
	pic_write(&p, PIC_MASTER_DATA, 0);
	pic_write(&p, PIC_SLAVE_DATA, 1 << 6);
	CHECK_EQ(pic_pending_vector(&p), -1);
	pic_write(&p, PIC_SLAVE_DATA, 0);
	CHECK_EQ(pic_pending_vector(&p), SLAVE_BASE + 6);
}

TEST(pic_spurious_vectors)
{
	struct pic_pair p;

	setup(&p);
	CHECK_EQ(pic_pending_vector(&p), -1);
	CHECK_EQ(pic_acknowledge(&p), MASTER_BASE + 7);
	CHECK_EQ(read_isr(&p, PIC_MASTER_CMD), 0); /* a spurious IR7 is not in service */
	pulse(&p, 2); /* raw request on the cascade input with an idle slave */
	CHECK_EQ(pic_acknowledge(&p), SLAVE_BASE + 7);
	CHECK_EQ(read_isr(&p, PIC_SLAVE_CMD), 0);
}

TEST(pic_auto_eoi_leaves_isr_clear)
{
	struct pic_pair p;

	setup_with_icw4(&p, PIC_ICW4_8086 | PIC_ICW4_AEOI);
	pulse(&p, 1);
	pulse(&p, 5);
	CHECK_EQ(pic_acknowledge(&p), MASTER_BASE + 1);
	CHECK_EQ(read_isr(&p, PIC_MASTER_CMD), 0);
	CHECK_EQ(pic_acknowledge(&p), MASTER_BASE + 5); /* no EOI needed */
	pulse(&p, 11);
	CHECK_EQ(pic_acknowledge(&p), SLAVE_BASE + 3);
	CHECK_EQ(read_isr(&p, PIC_MASTER_CMD), 0);
	CHECK_EQ(read_isr(&p, PIC_SLAVE_CMD), 0);
}

TEST(pic_rotate_on_eoi_makes_level_lowest)
{
	struct pic_pair p;

	setup(&p);
	pulse(&p, 0);
	CHECK_EQ(pic_acknowledge(&p), MASTER_BASE + 0);
	pic_write(&p, PIC_MASTER_CMD, PIC_OCW2_ROTATE_EOI);
	pulse(&p, 0);
	pulse(&p, 7);
	CHECK_EQ(pic_acknowledge(&p), MASTER_BASE + 7); /* 0 is now lowest, 1 highest */
	pic_write(&p, PIC_MASTER_CMD, PIC_OCW2_ROTATE_SPECIFIC_EOI | 7);
	CHECK_EQ(pic_acknowledge(&p), MASTER_BASE + 0); /* 7 lowest: 0 highest again */
}

TEST(pic_set_priority_command)
{
	struct pic_pair p;

	setup(&p);
	pic_write(&p, PIC_MASTER_CMD, PIC_OCW2_SET_PRIORITY | 4);
	pulse(&p, 3);
	pulse(&p, 5);
	CHECK_EQ(pic_acknowledge(&p), MASTER_BASE + 5);
	pulse(&p, 6); /* 6 ranks below 5 now */
	CHECK_EQ(pic_pending_vector(&p), -1);
	pic_write(&p, PIC_MASTER_CMD, PIC_OCW2_EOI);
	CHECK_EQ(pic_acknowledge(&p), MASTER_BASE + 6);
}

TEST(pic_rotate_in_auto_eoi)
{
	struct pic_pair p;

	setup_with_icw4(&p, PIC_ICW4_8086 | PIC_ICW4_AEOI);
	pic_write(&p, PIC_MASTER_CMD, PIC_OCW2_ROTATE_AEOI_ON);
	pulse(&p, 1);
	CHECK_EQ(pic_acknowledge(&p), MASTER_BASE + 1);
	pulse(&p, 1);
	pulse(&p, 4);
	CHECK_EQ(pic_acknowledge(&p), MASTER_BASE + 4);
	pic_write(&p, PIC_MASTER_CMD, PIC_OCW2_ROTATE_AEOI_OFF);
	pulse(&p, 0);
	CHECK_EQ(pic_acknowledge(&p), MASTER_BASE + 0); /* 4 lowest: 5, 6, 7, 0, 1 */
	pulse(&p, 6);
	CHECK_EQ(pic_acknowledge(&p), MASTER_BASE + 6); /* rotation stopped, else 1 */
}

TEST(pic_poll_command)
{
	struct pic_pair p;

	setup(&p);
	pic_write(&p, PIC_MASTER_CMD, PIC_OCW3_POLL);
	CHECK_EQ(pic_read(&p, PIC_MASTER_CMD), 0); /* nothing pending */
	pulse(&p, 5);
	pic_write(&p, PIC_MASTER_CMD, PIC_OCW3_POLL);
	CHECK_EQ(pic_read(&p, PIC_MASTER_CMD), 0x85);
	CHECK_EQ(read_isr(&p, PIC_MASTER_CMD), 1 << 5);
	CHECK_EQ(pic_read(&p, PIC_MASTER_CMD), 1 << 5); /* poll was one-shot: ISR again */
}

TEST(pic_read_register_select_sticks)
{
	struct pic_pair p;

	setup(&p);
	pulse(&p, 2 + 8); /* IRQ 10 */
	pulse(&p, 4);
	CHECK_EQ(pic_read(&p, PIC_MASTER_CMD), (1 << 4) | (1 << PIC_CASCADE_IR)); /* IRR at start */
	pic_acknowledge(&p);
	pic_write(&p, PIC_MASTER_CMD, PIC_OCW3_READ_ISR);
	CHECK_EQ(pic_read(&p, PIC_MASTER_CMD), 1 << PIC_CASCADE_IR);
	CHECK_EQ(pic_read(&p, PIC_MASTER_CMD), 1 << PIC_CASCADE_IR);
	CHECK_EQ(read_irr(&p, PIC_MASTER_CMD), 1 << 4);
	pic_write(&p, PIC_MASTER_CMD, PIC_OCW3); /* RR clear: selection unchanged */
	CHECK_EQ(pic_read(&p, PIC_MASTER_CMD), 1 << 4);
	CHECK_EQ(pic_read(&p, PIC_SLAVE_CMD), 0);
	CHECK_EQ(read_isr(&p, PIC_SLAVE_CMD), 1 << 2);
}

TEST(pic_level_triggered_follows_line)
{
	struct pic_pair p;

	pic_init(&p);
	program_chip(&p, PIC_MASTER_CMD, PIC_ICW1 | PIC_ICW1_IC4 | PIC_ICW1_LTIM, MASTER_BASE,
		     1 << PIC_CASCADE_IR, PIC_ICW4_8086);
	pic_set_irq(&p, 3, true);
	CHECK_EQ(pic_acknowledge(&p), MASTER_BASE + 3);
	pic_write(&p, PIC_MASTER_CMD, PIC_OCW2_EOI);
	CHECK_EQ(pic_pending_vector(&p), MASTER_BASE + 3); /* still high: asks again */
	pic_set_irq(&p, 3, false);
	CHECK_EQ(pic_pending_vector(&p), -1);
}

TEST(pic_special_mask_mode)
{
	struct pic_pair p;

	setup(&p);
	pulse(&p, 1);
	CHECK_EQ(pic_acknowledge(&p), MASTER_BASE + 1);
	pic_write(&p, PIC_MASTER_DATA, 1 << 1);
	pic_write(&p, PIC_MASTER_CMD, PIC_OCW3_SET_SPECIAL_MASK);
	pulse(&p, 6); /* lower than the in-service IR1, allowed in special mask mode */
	CHECK_EQ(pic_acknowledge(&p), MASTER_BASE + 6);
	pic_write(&p, PIC_MASTER_CMD, PIC_OCW2_EOI); /* ends IR6: masked IR1 is skipped */
	CHECK_EQ(read_isr(&p, PIC_MASTER_CMD), 1 << 1);
	pic_write(&p, PIC_MASTER_CMD, PIC_OCW3_CLEAR_SPECIAL_MASK);
	pulse(&p, 6);
	CHECK_EQ(pic_pending_vector(&p), -1);
}

TEST(pic_special_fully_nested_lets_slave_nest)
{
	struct pic_pair p;

	setup(&p);
	pic_write(&p, PIC_MASTER_CMD, PIC_ICW1 | PIC_ICW1_IC4);
	pic_write(&p, PIC_MASTER_DATA, MASTER_BASE);
	pic_write(&p, PIC_MASTER_DATA, 1 << PIC_CASCADE_IR);
	pic_write(&p, PIC_MASTER_DATA, PIC_ICW4_8086 | PIC_ICW4_SFNM);
	pulse(&p, 13);
	CHECK_EQ(pic_acknowledge(&p), SLAVE_BASE + 5);
	pulse(&p, 15); /* lower on the slave: the slave holds it */
	CHECK_EQ(pic_pending_vector(&p), -1);
	pulse(&p, 8);  /* higher on the slave: gets through the busy IR2 */
	CHECK_EQ(pic_acknowledge(&p), SLAVE_BASE + 0);
}

TEST(pic_bad_ports_and_lines)
{
	struct pic_pair p;

	setup(&p);
	CHECK_EQ(pic_read(&p, 0x22), 0xFF);
	pic_write(&p, 0x22, 0x00);
	pic_set_irq(&p, 16, true);
	CHECK_EQ(pic_pending_vector(&p), -1);
	CHECK_EQ(pic_read(&p, PIC_MASTER_DATA), 0);
}
