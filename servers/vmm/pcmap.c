/*
 * The guest's physical memory map (pcmap.h).  The ranges come from what
 * the VMM places: the ACPI tables (acpi.h) at the start of the BIOS area,
 * the BIOS's handlers (bios.h) above them, the I/O APIC (ioapic.h) and the
 * local APIC (x86regs.h) at their power-on addresses.  The asserts below
 * keep those places where the map says they are.
 */
#include "acpi.h"
#include "bios.h"
#include "ioapic.h"
#include "moat/abi.h"
#include "pcmap.h"
#include "x86regs.h"

#define PAGE          ((uint64_t)PAGE_BYTES)
#define ACPI_END      (ACPI_TABLES_GPA + ACPI_TABLES_BYTES)

_Static_assert(ACPI_TABLES_GPA == PC_BIOS_START && ACPI_END <= BIOS_HANDLERS,
	       "the tables start the BIOS area, below the handlers, which stay reserved");
_Static_assert(BIOS_HANDLERS < PC_HIGH_RAM, "the handlers lie in the BIOS area");
_Static_assert(PC_HIGH_RAM < IOAPIC_BASE && IOAPIC_BASE + PAGE <= APIC_BASE_DEFAULT,
	       "the APICs' pages lie above 1 MiB, in this order");

/* Appends [start, end) to m unless it is empty. */
static void add(struct pc_map *m, uint64_t start, uint64_t end, enum pc_range_type type,
		const char *what)
{
	if (start < end)
		m->r[m->n++] = (struct pc_range){ start, end, type, what };
}

static uint64_t min64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

void pcmap_build(struct pc_map *m, uint64_t ram)
{
	bool tables = ram >= ACPI_END; /* devices.c's acpi_build writes them only then */
	m->n = 0;
	add(m, 0, min64(ram, PC_EBDA_START), PC_RAM, "conventional memory");
	add(m, PC_EBDA_START, PC_VIDEO_START, PC_RESERVED, "the EBDA");
	if (tables)
		add(m, ACPI_TABLES_GPA, ACPI_END, PC_ACPI, "the ACPI tables");
	add(m, tables ? ACPI_END : PC_BIOS_START, PC_HIGH_RAM, PC_RESERVED, "the BIOS");
	add(m, PC_HIGH_RAM, min64(ram, IOAPIC_BASE), PC_RAM, "extended memory");
	add(m, IOAPIC_BASE, IOAPIC_BASE + PAGE, PC_RESERVED, "the I/O APIC");
	add(m, APIC_BASE_DEFAULT, APIC_BASE_DEFAULT + PAGE, PC_RESERVED, "the local APIC");
}

uint64_t pcmap_ram_from(const struct pc_map *m, uint64_t addr)
{
	for (unsigned i = 0; i < m->n; i++)
		if (m->r[i].type == PC_RAM && addr >= m->r[i].start && addr < m->r[i].end)
			return m->r[i].end - addr;
	return 0;
}

bool pcmap_is_ram(const struct pc_map *m, uint64_t start, uint64_t len)
{
	uint64_t bytes = pcmap_ram_from(m, start);
	return bytes && len <= bytes;
}

bool pcmap_hole(const struct pc_map *m, uint64_t start, uint64_t len, struct pc_range *hole)
{
	uint64_t end = len > UINT64_MAX - start ? UINT64_MAX : start + len;
	uint64_t gap = 0; /* where the stretch below the next range starts */
	for (unsigned i = 0; i <= m->n; i++) {
		uint64_t next = i < m->n ? m->r[i].start : UINT64_MAX;
		if (gap < next && start < next && gap < end) {
			*hole = (struct pc_range){ gap, next, PC_GAP, "no RAM" };
			return true;
		}
		if (i == m->n)
			break;
		if (m->r[i].type != PC_RAM && start < m->r[i].end && m->r[i].start < end) {
			*hole = m->r[i];
			return true;
		}
		gap = m->r[i].end;
	}
	return false;
}

bool pcmap_fit(const struct pc_map *m, uint64_t from, uint64_t len, uint64_t align, uint64_t *at)
{
	for (unsigned i = 0; i < m->n; i++) {
		const struct pc_range *r = &m->r[i];
		uint64_t s = from > r->start ? from : r->start;
		if (r->type != PC_RAM || s >= r->end)
			continue;
		s = (s + align - 1) & ~(align - 1);
		if (s < r->end && len <= r->end - s) {
			*at = s;
			return true;
		}
	}
	return false;
}
