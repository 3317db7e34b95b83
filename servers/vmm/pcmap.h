/*
 * The guest's physical memory map: what a PC's firmware reports to the
 * OS it boots (INT 15h E820, which the Multiboot memory map and Linux's
 * e820 table carry as they are), built once here for both loaders
 * (loader.c, bzimage.c), so that a Multiboot kernel and Linux see the
 * same RAM and the same holes.  Pure; host-tested (tests/unit/test_pcmap.c).
 *
 * For ram bytes of RAM from guest-physical 0, in ascending order:
 *   [0, PC_EBDA_START)        RAM, conventional memory (639 KiB, as SeaBIOS
 *                             and PC BIOSes report it; less with less RAM)
 *   [PC_EBDA_START, PC_VIDEO_START)  reserved: the extended BIOS data area
 *   [PC_VIDEO_START, PC_BIOS_START)  not listed: video memory and option
 *                             ROMs, which firmware leaves out of the map
 *   [PC_BIOS_START, + ACPI_TABLES_BYTES)  ACPI: the tables (acpi.h), when
 *                             the RAM holds them; otherwise part of the next
 *   [.., PC_HIGH_RAM)         reserved: the rest of the BIOS area (bios.h's
 *                             handlers at F000:0000)
 *   [PC_HIGH_RAM, ram)        RAM, when there is RAM above 1 MiB; it ends at
 *                             the I/O APIC at the latest (vmm.h's
 *                             GUEST_MEMORY_MAX keeps it below the devices)
 *   the I/O APIC's page (ioapic.h's IOAPIC_BASE) and the local APIC's
 *   (x86regs.h's APIC_BASE_DEFAULT): reserved
 *
 * There is no RAM above 4 GiB (RAM is one frame from 0: docs/vmm.md,
 * "Guests") and no BIOS ROM at the top of 4 GiB (the VMM starts a guest
 * at its entry, not at the reset vector), so neither is in the map.
 */
#ifndef VMM_PCMAP_H
#define VMM_PCMAP_H

#include <stdbool.h>
#include <stdint.h>

#define PC_EBDA_START  0x9fc00ULL  /* conventional memory ends: the EBDA's 1 KiB above */
#define PC_VIDEO_START 0xa0000ULL  /* the EBDA ends; video memory and option ROMs above */
#define PC_BIOS_START  0xe0000ULL  /* the BIOS's 128 KiB, the ACPI tables first */
#define PC_HIGH_RAM    0x100000ULL /* 1 MiB: extended memory starts */
#define PC_MAP_MAX     7

/* The address range types of INT 15h E820 (ACPI specification, "System Address Map"). */
enum pc_range_type {
	PC_GAP = 0,      /* not in the map (pcmap_hole only): no RAM, nothing reported */
	PC_RAM = 1,      /* usable by the OS */
	PC_RESERVED = 2, /* not RAM for the OS: firmware, devices */
	PC_ACPI = 3,     /* the ACPI tables: the OS may take it as RAM once it has read them */
};

struct pc_range {
	uint64_t start, end; /* [start, end) */
	enum pc_range_type type;
	const char *what;    /* for messages: "the EBDA", "the I/O APIC" ... */
};

struct pc_map {
	unsigned n;
	struct pc_range r[PC_MAP_MAX];
};

/* The map of a guest with ram bytes of RAM from 0: ranges sorted, none empty, none overlapping. */
void pcmap_build(struct pc_map *m, uint64_t ram);

/* The bytes of RAM from addr up to the end of its RAM range (0 if addr is not RAM). */
uint64_t pcmap_ram_from(const struct pc_map *m, uint64_t addr);

/* Whether [start, start + len) lies in one RAM range of m (len 0: start lies in one). */
bool pcmap_is_ram(const struct pc_map *m, uint64_t start, uint64_t len);

/*
 * The first non-RAM stretch that [start, start + len) meets, in *hole: a
 * range of m that is not RAM, or a gap between ranges or above them
 * (PC_GAP, what "no RAM").  False if it meets none (it is all RAM).
 */
bool pcmap_hole(const struct pc_map *m, uint64_t start, uint64_t len, struct pc_range *hole);

/* The first multiple of align (a power of 2) at or above from where len bytes lie in RAM; false if none. */
bool pcmap_fit(const struct pc_map *m, uint64_t from, uint64_t len, uint64_t align, uint64_t *at);

#endif
