/*
 * The 8259A pair model.  Each chip resolves priority among its unmasked
 * requests and its in-service levels; the master sees the slave's INT output
 * on IR2, computed from the slave's state whenever it is needed.
 */
#include "pic8259.h"
#include "array.h"

#define PIC_LEVELS 8
#define PIC_SPURIOUS_LEVEL 7
#define PIC_CASCADE_BIT (1u << PIC_CASCADE_IR)
#define PIC_VECTOR_BASE_MASK 0xF8
#define PIC_OCW2_COMMAND_MASK 0xE0
#define PIC_OCW2_LEVEL_MASK 0x07
#define PIC_OCW3_RR 0x02  /* act on RIS */
#define PIC_OCW3_RIS 0x01
#define PIC_OCW3_P 0x04
#define PIC_OCW3_ESMM 0x40 /* act on SMM */
#define PIC_OCW3_SMM 0x20

/* Which request the next INTA cycle serves; a level is -1 where there is none. */
struct pic_route {
	int master_level;
	int slave_level; /* meaningful only when master_level is the cascade input */
};

/* The bit of a level (0-7) in a chip register. */
static uint8_t level_bit(unsigned level)
{
	return (uint8_t)(1u << level);
}

/* The set-bit level of bits with the highest priority under c's rotation, or -1. */
static int highest_priority_level(const struct pic8259 *c, uint8_t bits)
{
	for (unsigned rank = 1; rank <= PIC_LEVELS; rank++) {
		unsigned level = (c->lowest_priority + rank) % PIC_LEVELS;

		if (bits & level_bit(level))
			return (int)level;
	}
	return -1;
}

/* Priority rank of level under c's rotation: 0 is the highest. */
static unsigned priority_rank(const struct pic8259 *c, unsigned level)
{
	return (level + PIC_LEVELS - c->lowest_priority - 1) % PIC_LEVELS;
}

/* In-service levels that hold off requests: in special mask mode, masked ones do not. */
static uint8_t blocking_in_service(const struct pic8259 *c)
{
	return c->special_mask ? c->isr & ~c->imr : c->isr;
}

/*
 * The level c would raise INT for, given extra request inputs (the cascade
 * line), or -1: the best unmasked request, if it outranks everything in
 * service.  In special fully nested mode a cascade input is not held off by
 * its own in-service bit, so a slave can nest its own interrupts.
 */
static int chip_pending_level(const struct pic8259 *c, uint8_t cascade_in)
{
	int request, busy;

	if (c->init_step != PIC_READY)
		return -1;
	request = highest_priority_level(c, (c->irr | cascade_in) & ~c->imr);
	busy = highest_priority_level(c, blocking_in_service(c));
	if (request < 0 || busy < 0)
		return request;
	if (priority_rank(c, request) < priority_rank(c, busy))
		return request;
	if (request == busy && (c->icw4 & PIC_ICW4_SFNM) && (cascade_in & level_bit(request)))
		return request;
	return -1;
}

/* The INTA cycle on one chip for level: clears the edge request, marks it in service. */
static void chip_accept(struct pic8259 *c, unsigned level)
{
	if (!(c->icw1 & PIC_ICW1_LTIM)) /* a level-triggered IRR follows its line */
		c->irr &= ~level_bit(level);
	if (!(c->icw4 & PIC_ICW4_AEOI))
		c->isr |= level_bit(level);
	else if (c->rotate_on_aeoi)
		c->lowest_priority = level;
}

/* Ends the highest-priority in-service level (non-specific EOI), optionally rotating. */
static void chip_eoi_highest(struct pic8259 *c, bool rotate)
{
	/* In special mask mode, masked in-service levels are not ended. */
	int level = highest_priority_level(c, blocking_in_service(c));

	if (level < 0)
		return;
	c->isr &= ~level_bit(level);
	if (rotate)
		c->lowest_priority = level;
}

/* Carries out an OCW2 command. */
static void chip_ocw2(struct pic8259 *c, uint8_t value)
{
	unsigned level = value & PIC_OCW2_LEVEL_MASK;

	switch (value & PIC_OCW2_COMMAND_MASK) {
	case PIC_OCW2_EOI:
		chip_eoi_highest(c, false);
		break;
	case PIC_OCW2_ROTATE_EOI:
		chip_eoi_highest(c, true);
		break;
	case PIC_OCW2_SPECIFIC_EOI:
		c->isr &= ~level_bit(level);
		break;
	case PIC_OCW2_ROTATE_SPECIFIC_EOI:
		c->isr &= ~level_bit(level);
		c->lowest_priority = level;
		break;
	case PIC_OCW2_SET_PRIORITY:
		c->lowest_priority = level;
		break;
	case PIC_OCW2_ROTATE_AEOI_ON:
		c->rotate_on_aeoi = true;
		break;
	case PIC_OCW2_ROTATE_AEOI_OFF:
		c->rotate_on_aeoi = false;
		break;
	}
}

/* Carries out an OCW3 command. */
static void chip_ocw3(struct pic8259 *c, uint8_t value)
{
	if (value & PIC_OCW3_RR)
		c->read_isr = value & PIC_OCW3_RIS;
	if (value & PIC_OCW3_ESMM)
		c->special_mask = value & PIC_OCW3_SMM;
	c->poll = value & PIC_OCW3_P;
}

/* ICW1: starts the initialization sequence and resets the chip's state. */
static void chip_icw1(struct pic8259 *c, uint8_t value)
{
	c->icw1 = value;
	c->icw4 = 0; /* ICW4 functions are zero unless ICW4 follows */
	c->imr = 0;
	c->isr = 0;
	/* Edge sense is reset: a line already high must fall and rise again. */
	c->irr = (value & PIC_ICW1_LTIM) ? c->lines : 0;
	c->lowest_priority = PIC_LEVELS - 1;
	c->rotate_on_aeoi = false;
	c->special_mask = false;
	c->read_isr = false;
	c->poll = false;
	c->init_step = PIC_WANT_ICW2;
}

/* The step after ICW2 or ICW3, skipping the ICWs that ICW1 said are absent. */
static uint8_t chip_step_after(const struct pic8259 *c, enum pic_init_step done)
{
	if (done == PIC_WANT_ICW2 && !(c->icw1 & PIC_ICW1_SNGL))
		return PIC_WANT_ICW3;
	return (c->icw1 & PIC_ICW1_IC4) ? PIC_WANT_ICW4 : PIC_READY;
}

/* A data-port write: the next ICW during initialization, else the mask (OCW1). */
static void chip_write_data(struct pic8259 *c, uint8_t value)
{
	switch (c->init_step) {
	case PIC_WANT_ICW2:
		c->vector_base = value & PIC_VECTOR_BASE_MASK;
		c->init_step = chip_step_after(c, PIC_WANT_ICW2);
		break;
	case PIC_WANT_ICW3:
		c->icw3 = value;
		c->init_step = chip_step_after(c, PIC_WANT_ICW3);
		break;
	case PIC_WANT_ICW4:
		c->icw4 = value;
		c->init_step = PIC_READY;
		break;
	default:
		c->imr = value;
	}
}

/* A command-port write: ICW1, OCW3 or OCW2. */
static void chip_write_command(struct pic8259 *c, uint8_t value)
{
	if (value & PIC_ICW1)
		chip_icw1(c, value);
	else if (value & PIC_OCW3)
		chip_ocw3(c, value);
	else
		chip_ocw2(c, value);
}

/* A command-port read: a poll if one was asked for, else IRR or ISR. */
static uint8_t chip_read_command(struct pic8259 *c, uint8_t cascade_in)
{
	int level;

	if (c->poll) {
		c->poll = false;
		level = chip_pending_level(c, cascade_in);
		if (level < 0)
			return 0;
		chip_accept(c, (unsigned)level);
		return 0x80 | (uint8_t)level;
	}
	return c->read_isr ? c->isr : c->irr | cascade_in;
}

/* Drives input ir of c: a rising edge (or a high level, in level mode) requests. */
static void chip_set_input(struct pic8259 *c, unsigned ir, bool high)
{
	uint8_t bit = level_bit(ir);
	bool level_mode = c->icw1 & PIC_ICW1_LTIM;

	if (high && (level_mode || !(c->lines & bit)))
		c->irr |= bit;
	if (!high && level_mode)
		c->irr &= ~bit;
	c->lines = high ? c->lines | bit : c->lines & ~bit;
}

/* Whether the master's input level is wired to the slave. */
static bool is_cascade_level(const struct pic_pair *p, int level)
{
	if (level != PIC_CASCADE_IR || (p->master.icw1 & PIC_ICW1_SNGL))
		return false;
	return p->master.icw3 & PIC_CASCADE_BIT;
}

/* The master inputs driven by the slave's INT output. */
static uint8_t master_cascade_input(const struct pic_pair *p)
{
	if (!is_cascade_level(p, PIC_CASCADE_IR) || chip_pending_level(&p->slave, 0) < 0)
		return 0;
	return PIC_CASCADE_BIT;
}

/* Works out which chip and level the next INTA cycle serves. */
static struct pic_route next_route(const struct pic_pair *p)
{
	struct pic_route r;

	r.master_level = chip_pending_level(&p->master, master_cascade_input(p));
	r.slave_level = -1;
	if (is_cascade_level(p, r.master_level))
		r.slave_level = chip_pending_level(&p->slave, 0);
	return r;
}

/* The vector chip c gives for level, or its spurious IR7 vector for -1. */
static int chip_vector(const struct pic8259 *c, int level)
{
	return c->vector_base | (level < 0 ? PIC_SPURIOUS_LEVEL : level);
}

/* The vector of a route whose master level is valid. */
static int route_vector(const struct pic_pair *p, struct pic_route r)
{
	if (is_cascade_level(p, r.master_level))
		return chip_vector(&p->slave, r.slave_level);
	return chip_vector(&p->master, r.master_level);
}

/* The chip behind a port, or NULL; is_data tells the data port from the command one. */
static struct pic8259 *port_chip(struct pic_pair *p, uint16_t port, bool *is_data)
{
	*is_data = port & 1;
	switch (port) {
	case PIC_MASTER_CMD:
	case PIC_MASTER_DATA:
		return &p->master;
	case PIC_SLAVE_CMD:
	case PIC_SLAVE_DATA:
		return &p->slave;
	}
	return NULL;
}

void pic_init(struct pic_pair *p)
{
	static const uint8_t bios_setup[][2] = {
		{ PIC_MASTER_CMD, PIC_ICW1 | PIC_ICW1_IC4 },
		{ PIC_MASTER_DATA, 0x08 },
		{ PIC_MASTER_DATA, PIC_CASCADE_BIT },
		{ PIC_MASTER_DATA, PIC_ICW4_8086 },
		{ PIC_MASTER_DATA, (uint8_t)~PIC_CASCADE_BIT },
		{ PIC_SLAVE_CMD, PIC_ICW1 | PIC_ICW1_IC4 },
		{ PIC_SLAVE_DATA, 0x70 },
		{ PIC_SLAVE_DATA, PIC_CASCADE_IR },
		{ PIC_SLAVE_DATA, PIC_ICW4_8086 },
		{ PIC_SLAVE_DATA, 0xFF },
	};

	p->master.lines = 0;
	p->slave.lines = 0;
	for (size_t i = 0; i < ARRAY_LEN(bios_setup); i++)
		pic_write(p, bios_setup[i][0], bios_setup[i][1]);
}

uint8_t pic_read(struct pic_pair *p, uint16_t port)
{
	bool is_data;
	struct pic8259 *c = port_chip(p, port, &is_data);

	if (!c)
		return 0xFF;
	if (is_data)
		return c->imr;
	return chip_read_command(c, c == &p->master ? master_cascade_input(p) : 0);
}

void pic_write(struct pic_pair *p, uint16_t port, uint8_t value)
{
	bool is_data;
	struct pic8259 *c = port_chip(p, port, &is_data);

	if (!c)
		return;
	if (is_data)
		chip_write_data(c, value);
	else
		chip_write_command(c, value);
}

void pic_set_irq(struct pic_pair *p, unsigned line, bool level)
{
	if (line >= PIC_LINES)
		return;
	chip_set_input(line < PIC_LEVELS ? &p->master : &p->slave, line % PIC_LEVELS, level);
}

int pic_pending_vector(const struct pic_pair *p)
{
	struct pic_route r = next_route(p);

	return r.master_level < 0 ? -1 : route_vector(p, r);
}

bool pic_int_output(const struct pic_pair *p)
{
	return pic_pending_vector(p) >= 0;
}

int pic_acknowledge(struct pic_pair *p)
{
	struct pic_route r = next_route(p);

	if (r.master_level < 0)
		return chip_vector(&p->master, -1);
	chip_accept(&p->master, (unsigned)r.master_level);
	if (r.slave_level >= 0)
		chip_accept(&p->slave, (unsigned)r.slave_level);
	return route_vector(p, r);
}
