/*
 * A local APIC in xAPIC mode, as much of it as starting processors needs
 * (Intel SDM vol. 3, chapter 10; AMD APM vol. 2, chapter 16): one per
 * vCPU, its registers at the 4 KiB page APIC_BASE_DEFAULT, each 32 bits
 * wide at a 16-byte aligned offset.
 *
 * Modelled: the ID register (the vCPU's number, bits 31:24), the version
 * register, the task priority, the spurious-interrupt vector register and
 * the interrupt command register (ICR).  A write of the ICR's low half
 * sends an IPI; the model only decodes it (vlapic_write's result), the VMM
 * delivers it.  INIT (level assert) and STARTUP are decoded, to a physical
 * destination (ICR high bits 31:24) or a shorthand; the ICR reads back
 * with its delivery-status bit (12) clear: every IPI is sent at once.
 * EOI and the other registers take writes and read 0.
 *
 * Not modelled: interrupts (fixed, NMI, SMI IPIs and the LVT, the timer,
 * ISR/IRR), logical destinations, x2APIC.  Pure: host-tested.
 */
#ifndef VMM_VLAPIC_H
#define VMM_VLAPIC_H

#include <stdbool.h>
#include <stdint.h>

#define LAPIC_PAGE_BYTES 4096
#define LAPIC_ID        0x020
#define LAPIC_VERSION   0x030
#define LAPIC_TPR       0x080
#define LAPIC_EOI       0x0b0
#define LAPIC_SVR       0x0f0
#define LAPIC_ICR_LOW   0x300
#define LAPIC_ICR_HIGH  0x310

/* The version register: an integrated APIC (0x14) with 6 LVT entries (max index 5). */
#define LAPIC_VERSION_VALUE 0x00050014u
#define LAPIC_SVR_RESET     0xffu

/* ICR low: vector 7:0, delivery mode 10:8, destination mode 11, status 12, level 14, trigger 15, shorthand 19:18. */
#define ICR_VECTOR(v)      ((v) & 0xffu)
#define ICR_MODE(v)        (((v) >> 8) & 7u)
#define ICR_MODE_INIT      5u
#define ICR_MODE_STARTUP   6u
#define ICR_LOGICAL        (1u << 11)
#define ICR_BUSY           (1u << 12)
#define ICR_LEVEL_ASSERT   (1u << 14)
#define ICR_TRIGGER_LEVEL  (1u << 15)
#define ICR_SHORTHAND(v)   (((v) >> 18) & 3u)
#define ICR_DEST_NONE      0u /* the destination field names the target */
#define ICR_DEST_SELF      1u
#define ICR_DEST_ALL       2u
#define ICR_DEST_OTHERS    3u /* all excluding self */
#define ICR_HIGH_DEST(h)   ((h) >> 24)

struct vlapic {
	uint8_t id;
	uint32_t tpr, svr, icr_low, icr_high;
};

/*
 * An interrupt message on the APIC bus: what an I/O APIC redirection
 * entry, an MSI or an IPI sends (SDM vol. 3, 10.6 and 10.11; the I/O APIC's
 * redirection entries have the same fields).  smp.c delivers it to the
 * local APICs it reaches with apic_deliver (vmm.h).
 */
struct apic_irq {
	uint8_t vector;
	uint8_t mode;     /* delivery mode: APIC_MODE_* (ICR_MODE's encoding) */
	bool logical;     /* dest is a logical destination (else a physical APIC ID) */
	bool level;       /* level-triggered (the I/O APIC's remote IRR waits for its EOI) */
	uint32_t dest;    /* APIC ID or logical destination; 0xff (x2APIC 0xffffffff): all */
};
#define APIC_MODE_FIXED    0u
#define APIC_MODE_LOWEST   1u
#define APIC_MODE_SMI      2u
#define APIC_MODE_NMI      4u
#define APIC_MODE_INIT     5u
#define APIC_MODE_STARTUP  6u
#define APIC_MODE_EXTINT   7u

/* An IPI a write of the ICR sent: IPI_NONE for none the model delivers. */
enum vlapic_ipi_kind { IPI_NONE, IPI_INIT, IPI_STARTUP };
struct vlapic_ipi {
	enum vlapic_ipi_kind kind;
	uint8_t vector;    /* STARTUP: the start page, CS = vector << 8 */
	uint8_t shorthand; /* ICR_DEST_* */
	uint8_t dest;      /* the physical APIC ID, with ICR_DEST_NONE */
};

/* The APIC of the processor with APIC ID id, at reset. */
void vlapic_init(struct vlapic *l, uint8_t id);
/* The 32-bit register at off (16-byte aligned; anything else reads 0). */
uint32_t vlapic_read(const struct vlapic *l, uint32_t off);
/* Writes the register at off; the IPI this sends, if any. */
struct vlapic_ipi vlapic_write(struct vlapic *l, uint32_t off, uint32_t v);
/* Whether ipi, sent by the APIC with ID from, reaches the APIC with ID to. */
bool vlapic_ipi_reaches(const struct vlapic_ipi *ipi, uint8_t from, uint8_t to);

#endif
