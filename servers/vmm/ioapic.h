/*
 * An I/O APIC (Intel 82093AA datasheet), as on PCs: 24 interrupt input
 * pins, each with a 64-bit redirection entry that turns the pin into an
 * interrupt message on the APIC bus (struct apic_irq, vlapic.h).  Its
 * registers are reached indirectly through two 32-bit MMIO registers at
 * IOAPIC_BASE: IOREGSEL (offset 0x00) selects one, IOWIN (0x10) reads or
 * writes it.
 *
 *   0x00  ID: bits 27:24 writable, the rest read 0
 *   0x01  version: 0x11, maximum redirection entry 23 (bits 23:16); read-only
 *   0x02  arbitration ID: the ID, loaded when the ID is written; read-only
 *   0x10 + 2n, 0x11 + 2n   redirection entry n, low and high half
 *
 * A redirection entry: vector 7:0, delivery mode 10:8, logical destination
 * 11, delivery status 12 (read-only, always 0: a message goes out at
 * once), active low 13, remote IRR 14 (read-only), level trigger 15, mask
 * 16, destination 63:56.  Entries start masked.
 *
 * Pins: an edge-triggered pin sends on the edge that asserts it (rising,
 * or falling when active low), unless masked: an edge while masked is
 * lost.  A level-triggered pin sends while it is asserted and unmasked
 * and its remote IRR is clear, and sets remote IRR; the EOI for its
 * vector (ioapic_eoi) clears it, and the pin sends again if still
 * asserted.  Unmasking an asserted level pin sends.
 *
 * Pure and freestanding; the message goes to the callback given at init
 * (the VMM's local APICs).  Host-tested (tests/unit/test_ioapic.c).
 */
#ifndef VMM_IOAPIC_H
#define VMM_IOAPIC_H

#include <stdbool.h>
#include <stdint.h>

#include "vlapic.h"

#define IOAPIC_BASE        0xfec00000ULL
#define IOAPIC_REGSEL      0x00
#define IOAPIC_WINDOW      0x10
#define IOAPIC_PINS        24

#define IOAPIC_REG_ID      0x00
#define IOAPIC_REG_VERSION 0x01
#define IOAPIC_REG_ARB     0x02
#define IOAPIC_REG_REDIR   0x10         /* entry n: 0x10 + 2n (low), 0x11 + 2n (high) */
#define IOAPIC_ID_MASK     0x0f000000u
#define IOAPIC_VERSION_VALUE ((uint32_t)(IOAPIC_PINS - 1) << 16 | 0x11)

#define IOAPIC_VECTOR(e)       ((uint8_t)(e))
#define IOAPIC_MODE(e)         ((uint8_t)(((e) >> 8) & 7))
#define IOAPIC_LOGICAL         (1ULL << 11)
#define IOAPIC_DELIVERY_STATUS (1ULL << 12)
#define IOAPIC_ACTIVE_LOW      (1ULL << 13)
#define IOAPIC_REMOTE_IRR      (1ULL << 14)
#define IOAPIC_LEVEL           (1ULL << 15)
#define IOAPIC_MASKED          (1ULL << 16)
#define IOAPIC_DEST(e)         ((uint8_t)((e) >> 56))

/* Where the I/O APIC's messages go. */
typedef void ioapic_deliver_fn(void *ctx, const struct apic_irq *irq);

struct ioapic {
	uint32_t id;         /* the ID register, bits 27:24 */
	uint32_t arb;        /* the arbitration ID register */
	uint32_t regsel;     /* IOREGSEL: the register IOWIN reaches */
	uint32_t wires;      /* bit n: pin n's input is high */
	uint64_t redir[IOAPIC_PINS];
	ioapic_deliver_fn *deliver; /* NULL: messages go nowhere */
	void *ctx;
};

/* An I/O APIC at reset with APIC ID id, every entry masked, sending to deliver(ctx, ...). */
void ioapic_init(struct ioapic *io, uint8_t id, ioapic_deliver_fn *deliver, void *ctx);
/* A 32-bit read at byte off of the MMIO page: IOREGSEL, IOWIN, or 0 elsewhere. */
uint32_t ioapic_mmio_read(struct ioapic *io, uint64_t off);
/* A 32-bit write at byte off of the MMIO page (elsewhere than IOREGSEL or IOWIN: ignored). */
void ioapic_mmio_write(struct ioapic *io, uint64_t off, uint32_t v);
/* Drives input pin (0-23; others ignored) high or low. */
void ioapic_set_pin(struct ioapic *io, unsigned pin, bool high);
/* The local APICs' EOI of a level-triggered vector: clears remote IRR of the entries with it. */
void ioapic_eoi(struct ioapic *io, uint8_t vector);

#endif
