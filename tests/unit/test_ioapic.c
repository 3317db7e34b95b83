/* Host unit tests for servers/vmm/ioapic.c, written against the 82093AA datasheet. */
#include <stdbool.h>
#include <stdint.h>

#include "ioapic.h"
#include "unit.h"

/* What the model sent: the messages, in order. */
struct sent {
	unsigned n;
	struct apic_irq irq[8];
};

static void record(void *ctx, const struct apic_irq *irq)
{
	struct sent *s = ctx;
	if (s->n < 8)
		s->irq[s->n] = *irq;
	s->n++;
}

static uint32_t reg_read(struct ioapic *io, uint32_t reg)
{
	ioapic_mmio_write(io, IOAPIC_REGSEL, reg);
	return ioapic_mmio_read(io, IOAPIC_WINDOW);
}

static void reg_write(struct ioapic *io, uint32_t reg, uint32_t v)
{
	ioapic_mmio_write(io, IOAPIC_REGSEL, reg);
	ioapic_mmio_write(io, IOAPIC_WINDOW, v);
}

/* Programs entry pin: the low half lo, the high half's destination dest. */
static void program(struct ioapic *io, unsigned pin, uint32_t lo, uint8_t dest)
{
	reg_write(io, IOAPIC_REG_REDIR + 2 * pin + 1, (uint32_t)dest << 24);
	reg_write(io, IOAPIC_REG_REDIR + 2 * pin, lo);
}

static uint64_t entry(struct ioapic *io, unsigned pin)
{
	return reg_read(io, IOAPIC_REG_REDIR + 2 * pin) |
	       (uint64_t)reg_read(io, IOAPIC_REG_REDIR + 2 * pin + 1) << 32;
}

TEST(ioapic_registers_at_reset)
{
	struct ioapic io;
	ioapic_init(&io, 2, 0, 0);
	CHECK_EQ(reg_read(&io, IOAPIC_REG_ID), 0x02000000);
	CHECK_EQ(reg_read(&io, IOAPIC_REG_VERSION), 0x00170011); /* 24 entries, version 0x11 */
	CHECK_EQ(reg_read(&io, IOAPIC_REG_ARB), 0x02000000);
	for (unsigned pin = 0; pin < IOAPIC_PINS; pin++)
		CHECK_EQ(entry(&io, pin), IOAPIC_MASKED);
	CHECK_EQ(reg_read(&io, 0x40), 0); /* past the last entry */
	CHECK_EQ(ioapic_mmio_read(&io, 0x20), 0);
}

TEST(ioapic_id_writable_bits_and_arbitration_follow)
{
	struct ioapic io;
	ioapic_init(&io, 0, 0, 0);
	reg_write(&io, IOAPIC_REG_ID, 0xffffffff);
	CHECK_EQ(reg_read(&io, IOAPIC_REG_ID), 0x0f000000);
	CHECK_EQ(reg_read(&io, IOAPIC_REG_ARB), 0x0f000000);
	reg_write(&io, IOAPIC_REG_ARB, 0); /* read-only */
	CHECK_EQ(reg_read(&io, IOAPIC_REG_ARB), 0x0f000000);
	reg_write(&io, IOAPIC_REG_VERSION, 0); /* read-only */
	CHECK_EQ(reg_read(&io, IOAPIC_REG_VERSION), IOAPIC_VERSION_VALUE);
}

TEST(ioapic_entry_read_only_bits_stay)
{
	struct ioapic io;
	ioapic_init(&io, 0, 0, 0);
	reg_write(&io, IOAPIC_REG_REDIR + 6, 0xffffffff);
	reg_write(&io, IOAPIC_REG_REDIR + 7, 0xffffffff);
	/* no delivery status, no remote IRR (the pin is low), no reserved bits */
	CHECK_EQ(entry(&io, 3), 0xff0000000001afffULL);
}

TEST(ioapic_edge_sends_once_per_rising_edge)
{
	struct ioapic io;
	struct sent s = { 0 };
	ioapic_init(&io, 0, record, &s);
	program(&io, 14, 0x76, 1);
	ioapic_set_pin(&io, 14, true);
	CHECK_EQ(s.n, 1);
	CHECK_EQ(s.irq[0].vector, 0x76);
	CHECK_EQ(s.irq[0].dest, 1);
	CHECK(!s.irq[0].level);
	CHECK(!s.irq[0].logical);
	ioapic_set_pin(&io, 14, true); /* no edge */
	CHECK_EQ(s.n, 1);
	ioapic_set_pin(&io, 14, false);
	ioapic_set_pin(&io, 14, true);
	CHECK_EQ(s.n, 2);
	CHECK_EQ(entry(&io, 14) & IOAPIC_REMOTE_IRR, 0);
}

TEST(ioapic_edge_while_masked_is_lost)
{
	struct ioapic io;
	struct sent s = { 0 };
	ioapic_init(&io, 0, record, &s);
	program(&io, 14, 0x81 | IOAPIC_MASKED, 0);
	ioapic_set_pin(&io, 14, true);
	ioapic_set_pin(&io, 14, false);
	program(&io, 14, 0x81, 0);
	CHECK_EQ(s.n, 0);
	ioapic_set_pin(&io, 14, true);
	CHECK_EQ(s.n, 1);
}

TEST(ioapic_level_waits_for_eoi_then_sends_again_if_still_asserted)
{
	struct ioapic io;
	struct sent s = { 0 };
	ioapic_init(&io, 0, record, &s);
	program(&io, 14, 0x9a | IOAPIC_LEVEL, 0);
	ioapic_set_pin(&io, 14, true);
	CHECK_EQ(s.n, 1);
	CHECK(s.irq[0].level);
	CHECK(entry(&io, 14) & IOAPIC_REMOTE_IRR);
	ioapic_set_pin(&io, 14, true); /* still waiting for the EOI */
	ioapic_eoi(&io, 0x55);         /* another vector's EOI */
	CHECK_EQ(s.n, 1);
	ioapic_eoi(&io, 0x9a);
	CHECK_EQ(s.n, 2);
	ioapic_set_pin(&io, 14, false);
	ioapic_eoi(&io, 0x9a);
	CHECK_EQ(s.n, 2);
	CHECK_EQ(entry(&io, 14) & IOAPIC_REMOTE_IRR, 0);
}

TEST(ioapic_level_lowered_and_raised_before_eoi_coalesces)
{
	struct ioapic io;
	struct sent s = { 0 };
	ioapic_init(&io, 0, record, &s);
	program(&io, 14, 0x98 | IOAPIC_LEVEL, 0);
	ioapic_set_pin(&io, 14, true);
	ioapic_set_pin(&io, 14, false);
	ioapic_set_pin(&io, 14, true);
	ioapic_set_pin(&io, 14, false);
	ioapic_eoi(&io, 0x98);
	CHECK_EQ(s.n, 1);
}

TEST(ioapic_unmasking_an_asserted_level_pin_sends)
{
	struct ioapic io;
	struct sent s = { 0 };
	ioapic_init(&io, 0, record, &s);
	program(&io, 14, 0x82 | IOAPIC_LEVEL | IOAPIC_MASKED, 0);
	ioapic_set_pin(&io, 14, true);
	CHECK_EQ(s.n, 0);
	program(&io, 14, 0x82 | IOAPIC_LEVEL, 0);
	CHECK_EQ(s.n, 1);
	/* masked while waiting: the EOI clears remote IRR, nothing goes out until unmasked */
	program(&io, 14, 0x82 | IOAPIC_LEVEL | IOAPIC_MASKED, 0);
	ioapic_eoi(&io, 0x82);
	CHECK_EQ(s.n, 1);
	program(&io, 14, 0x82 | IOAPIC_LEVEL, 0);
	CHECK_EQ(s.n, 2);
}

TEST(ioapic_active_low_pins_assert_on_a_low_wire)
{
	struct ioapic io;
	struct sent s = { 0 };
	ioapic_init(&io, 0, record, &s);
	ioapic_set_pin(&io, 5, true);
	program(&io, 5, 0x40 | IOAPIC_ACTIVE_LOW, 0); /* edge, active low */
	ioapic_set_pin(&io, 5, true);
	CHECK_EQ(s.n, 0);
	ioapic_set_pin(&io, 5, false); /* the falling wire asserts it */
	CHECK_EQ(s.n, 1);
	program(&io, 6, 0x41 | IOAPIC_ACTIVE_LOW | IOAPIC_LEVEL, 0);
	CHECK_EQ(s.n, 2); /* pin 6's wire is low: asserted */
	CHECK_EQ(s.irq[1].vector, 0x41);
}

TEST(ioapic_message_fields_from_the_entry)
{
	struct ioapic io;
	struct sent s = { 0 };
	ioapic_init(&io, 0, record, &s);
	program(&io, 23, 0x33 | APIC_MODE_LOWEST << 8 | IOAPIC_LOGICAL, 0x0d);
	ioapic_set_pin(&io, 23, true);
	CHECK_EQ(s.n, 1);
	CHECK_EQ(s.irq[0].vector, 0x33);
	CHECK_EQ(s.irq[0].mode, APIC_MODE_LOWEST);
	CHECK(s.irq[0].logical);
	CHECK_EQ(s.irq[0].dest, 0x0d);
}

TEST(ioapic_out_of_range_pins_and_registers_are_ignored)
{
	struct ioapic io;
	struct sent s = { 0 };
	ioapic_init(&io, 0, record, &s);
	ioapic_set_pin(&io, IOAPIC_PINS, true);
	ioapic_set_pin(&io, 1000, true);
	reg_write(&io, 0xff, 0x12345678);
	reg_write(&io, 0x03, 0x12345678);
	ioapic_mmio_write(&io, 0x04, 0x12345678);
	CHECK_EQ(s.n, 0);
	CHECK_EQ(reg_read(&io, 0x03), 0);
	CHECK_EQ(ioapic_mmio_read(&io, 0x04), 0);
	CHECK_EQ(io.wires, 0);
}

TEST(ioapic_becoming_edge_clears_remote_irr)
{
	struct ioapic io;
	struct sent s = { 0 };
	ioapic_init(&io, 0, record, &s);
	program(&io, 9, 0x60 | IOAPIC_LEVEL, 0);
	ioapic_set_pin(&io, 9, true);
	CHECK(entry(&io, 9) & IOAPIC_REMOTE_IRR);
	program(&io, 9, 0x60, 0);
	CHECK_EQ(entry(&io, 9) & IOAPIC_REMOTE_IRR, 0);
	CHECK_EQ(s.n, 1);
}
