/*
 * The I/O APIC model (ioapic.h).  Everything follows from three facts per
 * pin: its wire level, its redirection entry, and for a level-triggered
 * entry whether an EOI is awaited (remote IRR).  A level pin is looked at
 * again whenever one of them changes; an edge pin only when its wire moves.
 */
#include "ioapic.h"

/* The entry bits a guest writes: the rest are read-only or reserved (read 0). */
#define REDIR_WRITABLE_LOW  0x1afffULL /* vector, mode, dest mode, polarity, trigger, mask */
#define REDIR_WRITABLE_HIGH 0xff00000000000000ULL /* the destination */

void ioapic_init(struct ioapic *io, uint8_t id, ioapic_deliver_fn *deliver, void *ctx)
{
	*io = (struct ioapic){ .deliver = deliver, .ctx = ctx };
	io->id = io->arb = ((uint32_t)id << 24) & IOAPIC_ID_MASK;
	for (unsigned pin = 0; pin < IOAPIC_PINS; pin++)
		io->redir[pin] = IOAPIC_MASKED;
}

/* Whether pin's input is at its active level (high, or low for an active-low entry). */
static bool asserted(const struct ioapic *io, unsigned pin)
{
	bool high = (io->wires >> pin) & 1;
	return high != !!(io->redir[pin] & IOAPIC_ACTIVE_LOW);
}

/* Sends pin's message; a level-triggered one then waits for its EOI. */
static void send(struct ioapic *io, unsigned pin)
{
	uint64_t e = io->redir[pin];
	struct apic_irq irq = {
		.vector = IOAPIC_VECTOR(e),
		.mode = IOAPIC_MODE(e),
		.logical = e & IOAPIC_LOGICAL,
		.level = e & IOAPIC_LEVEL,
		.dest = IOAPIC_DEST(e),
	};
	if (e & IOAPIC_LEVEL)
		io->redir[pin] |= IOAPIC_REMOTE_IRR;
	if (io->deliver)
		io->deliver(io->ctx, &irq);
}

/* A level-triggered pin sends while asserted, unmasked and not waiting for an EOI. */
static void service_level(struct ioapic *io, unsigned pin)
{
	uint64_t e = io->redir[pin];
	if ((e & IOAPIC_LEVEL) && !(e & (IOAPIC_MASKED | IOAPIC_REMOTE_IRR)) && asserted(io, pin))
		send(io, pin);
}

void ioapic_set_pin(struct ioapic *io, unsigned pin, bool high)
{
	if (pin >= IOAPIC_PINS)
		return;
	bool was = asserted(io, pin);
	io->wires = (io->wires & ~(1u << pin)) | (uint32_t)high << pin;
	if (io->redir[pin] & IOAPIC_LEVEL)
		service_level(io, pin);
	else if (!was && asserted(io, pin) && !(io->redir[pin] & IOAPIC_MASKED))
		send(io, pin);
}

void ioapic_eoi(struct ioapic *io, uint8_t vector)
{
	for (unsigned pin = 0; pin < IOAPIC_PINS; pin++) {
		uint64_t e = io->redir[pin];
		if (!(e & IOAPIC_REMOTE_IRR) || IOAPIC_VECTOR(e) != vector)
			continue;
		io->redir[pin] = e & ~IOAPIC_REMOTE_IRR;
		service_level(io, pin);
	}
}

/* The register IOREGSEL selects, as IOWIN reads it. */
static uint32_t read_register(const struct ioapic *io, uint32_t reg)
{
	if (reg == IOAPIC_REG_ID)
		return io->id;
	if (reg == IOAPIC_REG_VERSION)
		return IOAPIC_VERSION_VALUE;
	if (reg == IOAPIC_REG_ARB)
		return io->arb;
	uint32_t n = (reg - IOAPIC_REG_REDIR) / 2;
	if (reg < IOAPIC_REG_REDIR || n >= IOAPIC_PINS)
		return 0;
	return (uint32_t)(io->redir[n] >> (reg & 1 ? 32 : 0));
}

/*
 * A write of half an entry.  Remote IRR means nothing for an edge entry,
 * so it is cleared when the entry becomes one; a level entry is looked at
 * again (its mask, polarity or trigger may have changed).
 */
static void write_entry(struct ioapic *io, unsigned n, bool high_half, uint32_t v)
{
	uint64_t e = io->redir[n];
	if (high_half)
		e = (e & ~REDIR_WRITABLE_HIGH) | ((uint64_t)v << 32 & REDIR_WRITABLE_HIGH);
	else
		e = (e & ~REDIR_WRITABLE_LOW) | (v & REDIR_WRITABLE_LOW);
	if (!(e & IOAPIC_LEVEL))
		e &= ~IOAPIC_REMOTE_IRR;
	io->redir[n] = e;
	service_level(io, n);
}

static void write_register(struct ioapic *io, uint32_t reg, uint32_t v)
{
	uint32_t n = (reg - IOAPIC_REG_REDIR) / 2;
	if (reg == IOAPIC_REG_ID)
		io->id = io->arb = v & IOAPIC_ID_MASK; /* the arbitration ID is loaded from it */
	else if (reg >= IOAPIC_REG_REDIR && n < IOAPIC_PINS)
		write_entry(io, n, reg & 1, v);
}

uint32_t ioapic_mmio_read(struct ioapic *io, uint64_t off)
{
	if (off == IOAPIC_REGSEL)
		return io->regsel;
	if (off == IOAPIC_WINDOW)
		return read_register(io, io->regsel);
	return 0;
}

void ioapic_mmio_write(struct ioapic *io, uint64_t off, uint32_t v)
{
	if (off == IOAPIC_REGSEL)
		io->regsel = v & 0xff;
	else if (off == IOAPIC_WINDOW)
		write_register(io, io->regsel, v);
}
