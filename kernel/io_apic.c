/*
 * The I/O APICs (io_apic.h).  Registers are reached through a window: the
 * register's index goes to IOREGSEL (offset 0), its value is read or
 * written at IOWIN (offset 0x10).  Register 1 is the version, whose bits
 * 16-23 are the highest redirection entry; entry n is registers 0x10 + 2n
 * (vector, delivery mode, destination mode, polarity, trigger, mask) and
 * 0x11 + 2n (bits 24-31: the destination APIC ID).  Only the kernel runs
 * here, with interrupts off and under the big kernel lock on every CPU,
 * so the index and value writes never interleave with another's.
 */
#include "boot.h"
#include "io_apic.h"
#include "log.h"
#include "memory.h"

#define IOREGSEL     0
#define IOWIN        (0x10 / 4)
#define IOAPIC_VER   1
#define IOAPIC_REDIR 0x10
#define WINDOW_BYTES 0x20
#define MAX_PINS     120 /* the redirection table's registers end at index 0xff */

struct ioapic {
	volatile uint32_t *regs;
	uint32_t address;
	unsigned pins;
};

static struct ioapic chips[FW_MAX_IOAPICS];
static unsigned pins_of[FW_MAX_IOAPICS]; /* 0 for a chip left out */
static const struct fw_irqs *routing;

static uint32_t reg_read(const struct ioapic *c, uint32_t reg)
{
	c->regs[IOREGSEL] = reg;
	return c->regs[IOWIN];
}

static void reg_write(const struct ioapic *c, uint32_t reg, uint32_t v)
{
	c->regs[IOREGSEL] = reg;
	c->regs[IOWIN] = v;
}

/* True if the page at address meets memory the map calls RAM (which tasks may hold). */
static bool in_ram(uint64_t address)
{
	uint64_t page = address & ~0xfffULL;
	for (unsigned i = 0; i < boot_info.n_mmap; i++) {
		const struct mb2_mmap_entry *e = &boot_info.mmap[i];
		if (e->type == MB2_MEM_AVAILABLE && page < e->base + e->len &&
		    e->base < page + 0x1000)
			return true;
	}
	return false;
}

/* Maps I/O APIC i of the table and counts its pins; a reason to leave it out, or NULL. */
static const char *chip_init(unsigned i, const struct fw_ioapic *f)
{
	struct ioapic *c = &chips[i];
	if (f->address & 0xf || (f->address & 0xfff) > 0x1000 - WINDOW_BYTES)
		return "its registers are not aligned within one page";
	if (in_ram(f->address))
		return "its address is RAM in the memory map";
	for (unsigned j = 0; j < i; j++)
		if (pins_of[j] && chips[j].address == f->address)
			return "an earlier entry names the same registers"; /* one pin, two GSIs */
	c->regs = (volatile uint32_t *)((uintptr_t)mmio_map(f->address) + (f->address & 0xfff));
	uint32_t version = reg_read(c, IOAPIC_VER);
	if (version == 0xffffffff)
		return "nothing answers at its address";
	c->pins = ((version >> 16) & 0xff) + 1;
	if (c->pins > MAX_PINS)
		c->pins = MAX_PINS;
	c->address = f->address;
	for (unsigned pin = 0; pin < c->pins; pin++) {
		reg_write(c, IOAPIC_REDIR + 2 * pin, IOAPIC_MASKED);
		reg_write(c, IOAPIC_REDIR + 2 * pin + 1, 0);
	}
	pins_of[i] = c->pins;
	return NULL;
}

unsigned ioapic_init(const struct fw_irqs *irqs)
{
	unsigned usable = 0;
	routing = irqs;
	for (unsigned i = 0; i < irqs->n_ioapics; i++) {
		const char *why = chip_init(i, &irqs->ioapic[i]);
		if (why)
			log_warn("ioapic: I/O APIC %u at %#x left out: %s", irqs->ioapic[i].id,
				 irqs->ioapic[i].address, why);
		else
			usable++;
	}
	if (irqs->ioapics_found > irqs->n_ioapics)
		log_warn("ioapic: the MADT lists %u I/O APICs; the kernel uses at most %d",
			 irqs->ioapics_found, FW_MAX_IOAPICS);
	return usable;
}

bool ioapic_pin_of(uint32_t gsi, struct ioapic_pin *p)
{
	unsigned pin;
	int chip = routing ? fw_gsi_ioapic(routing, pins_of, gsi, &pin) : -1;
	if (chip < 0)
		return false;
	*p = (struct ioapic_pin){ .chip = (uint8_t)chip, .pin = (uint8_t)pin,
				  .entry = IOAPIC_MASKED };
	return true;
}

void ioapic_route(struct ioapic_pin *p, uint8_t vector, uint32_t apic_id, bool active_low,
		  bool level)
{
	const struct ioapic *c = &chips[p->chip];
	p->entry = IOAPIC_MASKED | vector | (active_low ? IOAPIC_ACTIVE_LOW : 0) |
		   (level ? IOAPIC_LEVEL : 0); /* fixed delivery, physical destination */
	reg_write(c, IOAPIC_REDIR + 2 * p->pin, IOAPIC_MASKED);
	reg_write(c, IOAPIC_REDIR + 2 * p->pin + 1, apic_id << 24);
	reg_write(c, IOAPIC_REDIR + 2 * p->pin, p->entry);
}

/*
 * One 32-bit write: the destination is the high word's top byte alone, and
 * the I/O APIC takes the word whole, so an interrupt the pin raises meanwhile
 * goes to the old CPU or the new one, never nowhere.  Masking first (as a
 * change of vector would need) would lose an edge that came while masked.
 */
void ioapic_set_destination(const struct ioapic_pin *p, uint32_t apic_id)
{
	reg_write(&chips[p->chip], IOAPIC_REDIR + 2 * p->pin + 1, apic_id << 24);
}

void ioapic_set_mask(struct ioapic_pin *p, bool masked)
{
	p->entry = masked ? p->entry | IOAPIC_MASKED : p->entry & ~IOAPIC_MASKED;
	reg_write(&chips[p->chip], IOAPIC_REDIR + 2 * p->pin, p->entry);
}

uint64_t ioapic_read_entry(const struct ioapic_pin *p)
{
	const struct ioapic *c = &chips[p->chip];
	return (uint64_t)reg_read(c, IOAPIC_REDIR + 2 * p->pin + 1) << 32 |
	       reg_read(c, IOAPIC_REDIR + 2 * p->pin);
}

uint32_t ioapic_address(unsigned chip)
{
	return chips[chip].address;
}

unsigned ioapic_pins(unsigned chip)
{
	return chips[chip].pins;
}
