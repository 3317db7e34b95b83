/*
 * ACPI (ACPI 6.x specification): the tables a PC's firmware leaves in the
 * BIOS area for the OS, and the fixed hardware they describe, the power
 * management registers and the PM timer.
 *
 * Tables (acpi_build_tables), at ACPI_TABLES_GPA, the start of the BIOS
 * area [0xE0000, 0x100000) where the OS scans for the RSDP (pcmap.h):
 *   RSDP  revision 2, on a 16-byte boundary where the OS scans for it
 *   RSDT, XSDT  the FADT and the MADT
 *   FADT  revision 6: PM1a event block ACPI_PM1A_EVT (4 bytes), PM1a
 *         control ACPI_PM1A_CNT (2), PM timer ACPI_PM_TMR (4, 32 bits:
 *         TMR_VAL_EXT), SCI on IRQ 9, no SMI command port (the hardware
 *         is always in ACPI mode), century at CMOS 0x32, boot flags
 *         "legacy devices" and "8042", no C2/C3, the DSDT and the FACS
 *   DSDT  one object: \_S5, the sleep type of "off" (ACPI_S5_SLP_TYP)
 *   FACS  64 bytes, 64-byte aligned
 *   MADT  local APICs at 0xFEE00000 (PCAT_COMPAT: 8259s present), one
 *         processor local APIC per vCPU (UID and APIC ID = its number),
 *         the I/O APIC (its ID after the vCPUs', 0xFEC00000, GSI base 0),
 *         overrides IRQ 0 -> GSI 2 and IRQ 9 level, active high (the SCI),
 *         and LINT1 as NMI on every processor
 *
 * PM registers (struct acpi_pm), at ports ACPI_PM_BASE + 0 to 11:
 *   0-1   PM1a status: TMR_STS (bit 0) is set when bit 31 of the timer
 *         changes; write 1 to clear.  No other event exists.
 *   2-3   PM1a enable: read/write; no SCI is raised.
 *   4-5   PM1a control: SCI_EN (bit 0) reads 1; SLP_TYP, BM_RLD and
 *         GBL_RLS read/write; SLP_EN (bit 13) reads 0.  SLP_EN written
 *         with SLP_TYP ACPI_S5_SLP_TYP turns the machine off (powered_off);
 *         the other sleep states are not modelled (nothing happens).
 *   8-11  PM timer: a 32-bit count at 3.579545 MHz since power-on, in
 *         guest TSC time; read-only.
 * Pure and freestanding: time is the caller's "now" in TSC counts at the
 * rate given at init.  Host-tested (tests/unit/test_acpi.c).
 */
#ifndef VMM_ACPI_H
#define VMM_ACPI_H

#include <stdbool.h>
#include <stdint.h>

#include "pcmap.h"

#define ACPI_TABLES_GPA    PC_BIOS_START /* the RSDP first, then the tables */
#define ACPI_TABLES_BYTES  0x1000u     /* room they may take: MADT for VMM_MAX_VCPUS and more */

#define ACPI_PM_BASE       0x600       /* as QEMU's PIIX4 places it */
#define ACPI_PM_BYTES      12
#define ACPI_PM1A_EVT      (ACPI_PM_BASE + 0)
#define ACPI_PM1A_CNT      (ACPI_PM_BASE + 4)
#define ACPI_PM_TMR        (ACPI_PM_BASE + 8)
#define ACPI_PM_TIMER_HZ   3579545
#define ACPI_SCI_IRQ       9
#define ACPI_CENTURY_CMOS  0x32

#define ACPI_PM1_TMR_STS   (1u << 0)
#define ACPI_PM1_SCI_EN    (1u << 0)
#define ACPI_PM1_SLP_EN    (1u << 13)
#define ACPI_PM1_SLP_TYP(c) (((c) >> 10) & 7u)
#define ACPI_S5_SLP_TYP    5           /* the DSDT's \_S5: our choice, any 3-bit value works */

/* What the MADT describes. */
struct acpi_machine {
	unsigned vcpus;      /* local APIC IDs 0 .. vcpus - 1 */
	uint8_t ioapic_id;
	uint32_t ioapic_address;
	uint32_t lapic_address;
};

/*
 * Writes the tables into mem, guest RAM at guest-physical gpa (16-byte
 * aligned, below 4 GiB), of len bytes; the RSDP is the first thing there.
 * Returns the bytes used, or 0 if they do not fit (nothing useful written).
 */
uint32_t acpi_build_tables(uint8_t *mem, uint64_t gpa, uint32_t len, const struct acpi_machine *m);
/* The ACPI checksum rule: the sum of the bytes of a table is 0 (mod 256). */
uint8_t acpi_sum(const uint8_t *p, uint32_t len);

struct acpi_pm {
	uint64_t tsc_hz;     /* the rate of "now" (0: the timer stands at 0) */
	uint64_t start;      /* "now" at power-on */
	uint64_t msb_epoch;  /* timer ticks >> 31 when TMR_STS was last cleared */
	uint16_t enable, control;
	bool powered_off;    /* the OS entered S5: the machine is off */
};

/* The registers at power-on, at TSC now, the TSC running at tsc_hz. */
void acpi_pm_init(struct acpi_pm *pm, uint64_t now, uint64_t tsc_hz);
/* An IN of size bytes at byte off of the block (bytes past its end read 0xff). */
uint32_t acpi_pm_read(struct acpi_pm *pm, unsigned off, unsigned size, uint64_t now);
/* An OUT of size bytes at byte off of the block. */
void acpi_pm_write(struct acpi_pm *pm, unsigned off, unsigned size, uint32_t v, uint64_t now);

#endif
