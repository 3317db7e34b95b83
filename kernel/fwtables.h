/*
 * The firmware's tables that list the processors and the I/O APICs: ACPI's
 * RSDP, RSDT/XSDT and MADT (ACPI 6.x, 5.2), and, where there is no MADT, Intel's
 * MultiProcessor Specification 1.4 floating pointer and configuration
 * table.  Pure logic over byte buffers, host-tested
 * (tests/unit/test_fwtables.c): the firmware's bytes are untrusted input,
 * so every length and count is checked against the bytes that hold it
 * before anything behind it is read, and a table at a physical address is
 * only read through fw_mem, which refuses what the caller cannot map.
 */
#ifndef KERNEL_FWTABLES_H
#define KERNEL_FWTABLES_H

#include <stddef.h>
#include <stdint.h>

#define FW_MAX_CPUS 16        /* processors the list keeps; more are counted, not kept */
#define FW_MAX_ROOT_ENTRIES 256 /* RSDT/XSDT entries looked at (a real one holds a few dozen) */
#define FW_MAX_IOAPICS 8      /* I/O APICs the list keeps (a PC has one, large servers a few) */
#define FW_ISA_IRQS 16
#define FW_NO_GSI 0xffffffffu /* an ISA IRQ with no pin: another IRQ's override took its GSI */

enum fw_status {
	FW_OK = 0,
	FW_ERR_SIGNATURE,      /* not the table's signature */
	FW_ERR_CHECKSUM,       /* the bytes do not sum to 0 */
	FW_ERR_LENGTH,         /* a length field below the table's header or past its buffer */
	FW_ERR_UNMAPPED,       /* a table's address is outside the memory the caller can read */
	FW_ERR_ENTRY,          /* an entry runs past its table or has a bad length */
	FW_ERR_NOT_FOUND,      /* no such table */
	FW_ERR_DEFAULT_CONFIG, /* an MP default configuration (no table), not supported */
	FW_STATUS_COUNT
};

/* A short sentence for a status, e.g. "table checksum is wrong". */
const char *fw_strerror(enum fw_status s);

/*
 * How the parser reads physical memory: map returns the len bytes at phys
 * (readable for len bytes) or NULL when they are not all readable.
 */
struct fw_mem {
	const uint8_t *(*map)(void *ctx, uint64_t phys, uint64_t len);
	void *ctx;
};

/* What a valid RSDP says: where the root table is, and whether it is an XSDT. */
struct fw_rsdp {
	uint64_t root;      /* physical address of the XSDT (revision >= 2) or the RSDT */
	int xsdt;           /* 1: root is an XSDT (8-byte entries), 0: an RSDT (4-byte) */
	uint8_t revision;
};

/*
 * Checks an RSDP of len bytes at p: the signature, the ACPI 1.0 checksum of
 * its first 20 bytes and, for revision >= 2, its length (at most len) and
 * the extended checksum.  A revision 2 RSDP with an XSDT address of 0 uses
 * the RSDT.
 */
enum fw_status fw_rsdp_check(const uint8_t *p, size_t len, struct fw_rsdp *out);

/*
 * Scans len bytes at area (its first byte at a 16-byte boundary) for a
 * valid RSDP on each 16-byte boundary, as ACPI 5.2.5.1 has the OS search
 * the EBDA's first KiB and 0xE0000-0xFFFFF.  FW_ERR_NOT_FOUND if none.
 */
enum fw_status fw_rsdp_scan(const uint8_t *area, size_t len, struct fw_rsdp *out);

/* The processors a table lists, in its order: enabled ones only. */
struct fw_cpus {
	uint32_t apic_id[FW_MAX_CPUS];
	unsigned n;        /* kept in apic_id[] */
	unsigned found;    /* enabled processors listed, n and those past FW_MAX_CPUS */
	unsigned skipped;  /* entries for disabled processors, or repeats of an APIC ID */
};

/* An I/O APIC the MADT lists (type 1): its pins are GSIs gsi_base and up. */
struct fw_ioapic {
	uint32_t id, address, gsi_base;
};

/*
 * Where an ISA IRQ arrives at the I/O APICs (ACPI 6.x, 5.2.12.5): GSI n
 * for IRQ n, edge-triggered and active high as the ISA bus has it, unless
 * an interrupt source override (type 2) says otherwise.
 */
struct fw_isa_route {
	uint32_t gsi;          /* FW_NO_GSI: none */
	uint8_t active_low;    /* polarity: 0 active high */
	uint8_t level;         /* trigger: 0 edge */
};

/* The MADT's interrupt routing: its I/O APICs and each ISA IRQ's route. */
struct fw_irqs {
	struct fw_ioapic ioapic[FW_MAX_IOAPICS];
	unsigned n_ioapics;          /* kept in ioapic[] */
	unsigned ioapics_found;      /* listed: n_ioapics and those past FW_MAX_IOAPICS */
	struct fw_isa_route isa[FW_ISA_IRQS];
	uint16_t overridden;         /* bit n: IRQ n's route is an override's */
	unsigned overrides_ignored;  /* not for an ISA IRQ, reserved flags, or a repeat (below) */
};

/*
 * Finds the MADT ("APIC") through the root table the RSDP names, every
 * table's length and checksum checked, and lists its enabled local APICs
 * (type 0, and x2APIC type 9) and its interrupt routing (fw_madt_parse).
 * *where gets the physical address of the table that was bad (0 if none).
 */
enum fw_status fw_madt_read(const struct fw_mem *mem, const struct fw_rsdp *rsdp,
			    struct fw_cpus *cpus, struct fw_irqs *irqs, uint64_t *where);

/*
 * Reads the MADT of len bytes at p (checked as above): its enabled local
 * APICs, its I/O APICs (type 1) and its interrupt source overrides (type
 * 2).  An override for a bus other than ISA (0), for an IRQ past 15, with
 * a reserved polarity or trigger, for an IRQ already overridden, or onto
 * a GSI an earlier override took, is ignored and counted.  An IRQ left at
 * GSI n loses it when an override sends another IRQ there (IRQ 0 to GSI 2
 * leaves IRQ 2, the cascade, no pin).
 */
enum fw_status fw_madt_parse(const uint8_t *p, size_t len, struct fw_cpus *cpus,
			     struct fw_irqs *irqs);

/*
 * The I/O APIC of irqs that holds GSI gsi, given each one's pin count
 * (pins[i], read from the chip): its index, *pin its pin; -1 if none.  A
 * GSI two I/O APICs claim belongs to the first listed.
 */
int fw_gsi_ioapic(const struct fw_irqs *irqs, const unsigned *pins, uint32_t gsi,
		  unsigned *pin);

/*
 * Scans len bytes at area for a valid MP floating pointer ("_MP_", 16-byte
 * aligned, checksum over its length in 16-byte units); *table gets the
 * configuration table's physical address.  FW_ERR_DEFAULT_CONFIG if it
 * names a default configuration instead.
 */
enum fw_status fw_mp_scan(const uint8_t *area, size_t len, uint64_t *table);

/*
 * Lists the enabled processors (entry type 0) of the MP configuration table
 * at phys: its base table length and checksum are checked, and each entry
 * must lie within the base table.
 */
enum fw_status fw_mp_cpus(const struct fw_mem *mem, uint64_t phys, struct fw_cpus *out);

#endif
