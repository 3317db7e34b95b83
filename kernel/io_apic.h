/*
 * The I/O APICs (Intel 82093AA datasheet; ACPI's MADT lists them,
 * fwtables.h).  Each has pins, one per global system interrupt (GSI) from
 * its GSI base on, and a redirection entry per pin that says which vector
 * goes to which local APIC, the pin's polarity and trigger, and a mask
 * bit.  The kernel maps their registers in its own half of the address
 * space; no task can map them (they are not RAM, and the kernel refuses an
 * I/O APIC whose page the memory map calls RAM).
 */
#ifndef KERNEL_IOAPIC_H
#define KERNEL_IOAPIC_H

#include <stdbool.h>
#include <stdint.h>

#include "fwtables.h"

/* One pin of one I/O APIC, and the low word of its redirection entry as last written. */
struct ioapic_pin {
	uint8_t chip, pin;
	uint32_t entry;
};

/*
 * Maps the I/O APICs irqs lists, reads each one's pin count and masks
 * every pin.  Returns how many are usable; each one left out is logged
 * with the reason.
 */
unsigned ioapic_init(const struct fw_irqs *irqs);
/* The pin that carries gsi; false if no usable I/O APIC has it. */
bool ioapic_pin_of(uint32_t gsi, struct ioapic_pin *p);
/*
 * Points pin p at vector on the local APIC apic_id (fixed delivery,
 * physical destination) with the pin's polarity and trigger; leaves it
 * masked.
 */
void ioapic_route(struct ioapic_pin *p, uint8_t vector, uint32_t apic_id, bool active_low,
		  bool level);
/*
 * Points routed pin p at the local APIC apic_id, leaving its vector,
 * trigger, polarity and mask as they are: a pin that is firing loses
 * nothing (io_apic.c says why).
 */
void ioapic_set_destination(const struct ioapic_pin *p, uint32_t apic_id);
void ioapic_set_mask(struct ioapic_pin *p, bool masked);
/* The I/O APIC that holds chip's pins: its physical address and pin count, for the log. */
uint32_t ioapic_address(unsigned chip);
unsigned ioapic_pins(unsigned chip);
/* Reads back pin p's redirection entry (high word << 32 | low word) from the chip (for the tests). */
uint64_t ioapic_read_entry(const struct ioapic_pin *p);

#define IOAPIC_MASKED     (1u << 16)
#define IOAPIC_LEVEL      (1u << 15)
#define IOAPIC_ACTIVE_LOW (1u << 13)

#endif
