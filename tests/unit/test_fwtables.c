/*
 * Host unit tests for kernel/fwtables.c: finding the processors in the
 * firmware's ACPI and MP tables.  The good tables are the VMM's own
 * (servers/vmm/acpi.c builds what its guests find), so the kernel's reader
 * and the VMM's writer are held to one reading of the specification; the
 * bad ones are those bytes broken one way at a time.  Under the address
 * sanitizer a read past any buffer fails the run.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "acpi.h"
#include "fwtables.h"
#include "unit.h"

/* Physical memory [PC_BIOS_START, 1 MiB): the BIOS area, where the tables are. */
static uint8_t area[PC_HIGH_RAM - PC_BIOS_START];

static const uint8_t *area_map(void *ctx, uint64_t phys, uint64_t len)
{
	(void)ctx;
	if (phys < PC_BIOS_START || phys > PC_HIGH_RAM || len > PC_HIGH_RAM - phys)
		return 0;
	return area + (phys - PC_BIOS_START);
}

static const struct fw_mem mem = { area_map, 0 };
static struct fw_irqs irqs; /* the routing each MADT read leaves */

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static uint8_t *at(uint64_t phys)
{
	return area + (phys - PC_BIOS_START);
}

/* Makes the len bytes at p sum to 0 through the checksum byte at p[at]. */
static void reseal(uint8_t *p, unsigned at_byte, uint32_t len)
{
	p[at_byte] = 0;
	p[at_byte] = (uint8_t)-acpi_sum(p, len);
}

/* The VMM's tables for a machine of vcpus processors; returns the RSDP's reading. */
static struct fw_rsdp build(unsigned vcpus)
{
	struct acpi_machine m = { vcpus, (uint8_t)vcpus, 0xfec00000, 0xfee00000 };
	struct fw_rsdp r = { 0 };
	memset(area, 0, sizeof(area));
	if (acpi_build_tables(area, PC_BIOS_START, ACPI_TABLES_BYTES, &m))
		fw_rsdp_scan(area, sizeof(area), &r);
	return r;
}

/* The MADT the XSDT of r lists (the VMM's tables have one). */
static uint8_t *madt_of(const struct fw_rsdp *r)
{
	uint8_t *x = at(r->root);
	for (uint32_t off = 36; off < get32(x + 4); off += 8)
		if (memcmp(at(get32(x + off)), "APIC", 4) == 0)
			return at(get32(x + off));
	return 0;
}

TEST(fwtables_vmm_tables_list_every_processor)
{
	struct fw_rsdp r = build(4);
	struct fw_cpus c;
	uint64_t where;
	CHECK(r.xsdt && r.revision == 2);
	CHECK_EQ(fw_madt_read(&mem, &r, &c, &irqs, &where), FW_OK);
	CHECK_EQ(c.n, 4);
	CHECK_EQ(c.found, 4);
	for (unsigned i = 0; i < 4; i++)
		CHECK_EQ(c.apic_id[i], i);
}

/* Without an XSDT address the RSDP's RSDT (4-byte entries) is the root. */
TEST(fwtables_rsdt_serves_when_the_xsdt_address_is_zero)
{
	struct fw_rsdp r = build(2), again;
	struct fw_cpus c;
	uint64_t where;
	uint8_t *rsdp = at(PC_BIOS_START);
	memset(rsdp + 24, 0, 8);
	reseal(rsdp, 32, 36);
	CHECK_EQ(fw_rsdp_check(rsdp, 36, &again), FW_OK);
	CHECK(!again.xsdt && again.root == get32(rsdp + 16) && again.root != r.root);
	CHECK_EQ(fw_madt_read(&mem, &again, &c, &irqs, &where), FW_OK);
	CHECK_EQ(c.n, 2);
}

/* It is an error for the RSDP's first 20 bytes not to sum to 0: the scan passes it by. */
TEST(fwtables_rsdp_with_a_bad_checksum_is_not_found)
{
	struct fw_rsdp r;
	build(1);
	at(PC_BIOS_START)[9] ^= 1; /* the OEM ID: inside both checksums */
	CHECK_EQ(fw_rsdp_check(at(PC_BIOS_START), 36, &r), FW_ERR_CHECKSUM);
	CHECK_EQ(fw_rsdp_scan(area, sizeof(area), &r), FW_ERR_NOT_FOUND);
}

TEST(fwtables_rsdp_extended_checksum_and_length_are_checked)
{
	struct fw_rsdp r;
	uint8_t *p = at(PC_BIOS_START);
	build(1);
	p[33] = 1; /* reserved, outside the 1.0 checksum */
	CHECK_EQ(fw_rsdp_check(p, 36, &r), FW_ERR_CHECKSUM);
	build(1);
	CHECK_EQ(fw_rsdp_check(p, 35, &r), FW_ERR_LENGTH); /* the buffer ends before the RSDP */
	put32(p + 20, 4096);                                   /* longer than its buffer */
	CHECK_EQ(fw_rsdp_check(p, 36, &r), FW_ERR_LENGTH);
	put32(p + 20, 20); /* shorter than a revision 2 RSDP */
	CHECK_EQ(fw_rsdp_check(p, 36, &r), FW_ERR_LENGTH);
	CHECK_EQ(fw_rsdp_check(p, 8, &r), FW_ERR_SIGNATURE);
}

/* It is an error for the MADT's bytes not to sum to 0; the report names the MADT. */
TEST(fwtables_madt_with_a_bad_checksum_is_refused)
{
	struct fw_rsdp r = build(2);
	struct fw_cpus c;
	uint64_t where;
	uint8_t *madt = madt_of(&r);
	madt[44 + 3] = 9; /* the first processor's APIC ID */
	CHECK_EQ(fw_madt_read(&mem, &r, &c, &irqs, &where), FW_ERR_CHECKSUM);
	CHECK_EQ(where, PC_BIOS_START + (uint64_t)(madt - area));
	CHECK_EQ(c.n, 0);
}

TEST(fwtables_table_lengths_are_checked_before_reading)
{
	struct fw_rsdp r = build(2);
	struct fw_cpus c;
	uint64_t where;
	uint8_t *madt = madt_of(&r);
	put32(madt + 4, 40); /* shorter than the MADT's fixed part */
	reseal(madt, 9, 40);
	CHECK_EQ(fw_madt_read(&mem, &r, &c, &irqs, &where), FW_ERR_LENGTH);
	put32(madt + 4, (uint32_t)(PC_HIGH_RAM - (PC_BIOS_START + (madt - area))) + 1);
	CHECK_EQ(fw_madt_read(&mem, &r, &c, &irqs, &where), FW_ERR_UNMAPPED); /* past the memory */
	put32(at(r.root) + 4, 0xfffffff0); /* an XSDT of 4 GiB */
	CHECK_EQ(fw_madt_read(&mem, &r, &c, &irqs, &where), FW_ERR_LENGTH);
	CHECK_EQ(where, r.root);
}

/* An XSDT entry that points outside memory is no MADT: the search goes on and ends. */
TEST(fwtables_root_entry_outside_memory_is_passed_by)
{
	struct fw_rsdp r = build(1);
	struct fw_cpus c;
	uint64_t where;
	uint8_t *x = at(r.root);
	for (uint32_t off = 36; off < get32(x + 4); off += 8)
		memset(x + off, 0xff, 8);
	reseal(x, 9, get32(x + 4));
	CHECK_EQ(fw_madt_read(&mem, &r, &c, &irqs, &where), FW_ERR_NOT_FOUND);
}

/* A MADT built by hand: the fixed part, then entries, sealed. */
struct madt {
	uint8_t b[8192];
	uint32_t len;
};

static void madt_begin(struct madt *m)
{
	memset(m, 0, sizeof(*m));
	memcpy(m->b, "APIC", 4);
	m->len = 44;
}

static void madt_add(struct madt *m, const uint8_t *e, unsigned n)
{
	memcpy(m->b + m->len, e, n);
	m->len += n;
}

static void madt_lapic(struct madt *m, uint8_t apic_id, uint32_t flags)
{
	uint8_t e[8] = { 0, 8, apic_id, apic_id };
	put32(e + 4, flags);
	madt_add(m, e, 8);
}

static void madt_x2apic(struct madt *m, uint32_t apic_id, uint32_t flags)
{
	uint8_t e[16] = { 9, 16 };
	put32(e + 4, apic_id);
	put32(e + 8, flags);
	madt_add(m, e, 16);
}

static enum fw_status madt_parse(struct madt *m, struct fw_cpus *c)
{
	put32(m->b + 4, m->len);
	reseal(m->b, 9, m->len);
	return fw_madt_parse(m->b, m->len, c, &irqs);
}

TEST(fwtables_madt_lists_enabled_and_x2apic_processors_once)
{
	struct madt m;
	struct fw_cpus c;
	madt_begin(&m);
	madt_lapic(&m, 0, 1);
	madt_lapic(&m, 1, 2); /* online capable, not enabled: hot-plug, not started */
	madt_x2apic(&m, 300, 1);
	madt_x2apic(&m, 0, 1); /* APIC 0 again, as firmware may list it twice */
	madt_x2apic(&m, 7, 0);
	CHECK_EQ(madt_parse(&m, &c), FW_OK);
	CHECK_EQ(c.n, 2);
	CHECK_EQ(c.apic_id[0], 0);
	CHECK_EQ(c.apic_id[1], 300);
	CHECK_EQ(c.skipped, 3);
}

/* It is an error for an entry to run past the table, to have a length below 2, or to be too short for its type. */
TEST(fwtables_madt_entry_past_the_table_is_refused)
{
	struct madt m;
	struct fw_cpus c;
	madt_begin(&m);
	madt_lapic(&m, 0, 1);
	m.b[m.len - 8 + 1] = 9; /* the entry claims one byte more than the table has */
	CHECK_EQ(madt_parse(&m, &c), FW_ERR_ENTRY);
	madt_begin(&m);
	madt_lapic(&m, 0, 1);
	m.b[m.len - 8 + 1] = 0; /* a zero length would never move on */
	CHECK_EQ(madt_parse(&m, &c), FW_ERR_ENTRY);
	madt_begin(&m);
	madt_lapic(&m, 0, 1);
	m.b[m.len++] = 0; /* one byte left: no room for an entry header */
	CHECK_EQ(madt_parse(&m, &c), FW_ERR_ENTRY);
	/* x2APIC, I/O APIC and override entries too short for their fields */
	static const uint8_t too_short[3][11] = { { 9, 8 }, { 1, 11 }, { 2, 9 } };
	for (unsigned i = 0; i < 3; i++) {
		madt_begin(&m);
		madt_add(&m, too_short[i], too_short[i][1]);
		CHECK_EQ(madt_parse(&m, &c), FW_ERR_ENTRY);
	}
}

/* More processors than the list holds: all are counted, the first FW_MAX_CPUS kept. */
TEST(fwtables_madt_with_too_many_processors_keeps_the_first)
{
	struct madt m;
	struct fw_cpus c;
	madt_begin(&m);
	for (unsigned i = 0; i < 300; i++)
		madt_x2apic(&m, i, 1);
	CHECK_EQ(madt_parse(&m, &c), FW_OK);
	CHECK_EQ(c.n, FW_MAX_CPUS);
	CHECK_EQ(c.found, 300);
	CHECK_EQ(c.apic_id[FW_MAX_CPUS - 1], FW_MAX_CPUS - 1);
	put32(m.b + 4, m.len + 1); /* a length past the buffer the caller mapped */
	CHECK_EQ(fw_madt_parse(m.b, m.len, &c, &irqs), FW_ERR_LENGTH);
}

static void madt_ioapic(struct madt *m, uint8_t id, uint32_t address, uint32_t gsi_base)
{
	uint8_t e[12] = { 1, 12, id };
	put32(e + 4, address);
	put32(e + 8, gsi_base);
	madt_add(m, e, 12);
}

static void madt_override(struct madt *m, uint8_t bus, uint8_t irq, uint32_t gsi, uint16_t flags)
{
	uint8_t e[10] = { 2, 10, bus, irq };
	put32(e + 4, gsi);
	memcpy(e + 8, &flags, 2);
	madt_add(m, e, 10);
}

/* The VMM's MADT: one I/O APIC, IRQ 0 on GSI 2, the SCI (IRQ 9) level-triggered. */
TEST(fwtables_vmm_tables_route_the_isa_irqs)
{
	struct fw_rsdp r = build(2);
	struct fw_cpus c;
	uint64_t where;
	CHECK_EQ(fw_madt_read(&mem, &r, &c, &irqs, &where), FW_OK);
	CHECK_EQ(irqs.n_ioapics, 1);
	CHECK_EQ(irqs.ioapic[0].id, 2);
	CHECK_EQ(irqs.ioapic[0].address, 0xfec00000);
	CHECK_EQ(irqs.ioapic[0].gsi_base, 0);
	CHECK_EQ(irqs.isa[0].gsi, 2);
	CHECK(!irqs.isa[0].level && !irqs.isa[0].active_low);
	CHECK_EQ(irqs.isa[2].gsi, FW_NO_GSI); /* IRQ 0's override took GSI 2 */
	CHECK_EQ(irqs.isa[4].gsi, 4);
	CHECK(!irqs.isa[4].level && !irqs.isa[4].active_low);
	CHECK_EQ(irqs.isa[9].gsi, 9);
	CHECK(irqs.isa[9].level && !irqs.isa[9].active_low);
	CHECK_EQ(irqs.overridden, (1u << 0) | (1u << 9));
	CHECK_EQ(irqs.overrides_ignored, 0);
}

/* An override's INTI flags: 0 is the ISA bus's own (edge, high); 3 is level or low. */
TEST(fwtables_override_polarity_and_trigger_are_honoured)
{
	struct madt m;
	struct fw_cpus c;
	madt_begin(&m);
	madt_ioapic(&m, 1, 0xfec00000, 0);
	madt_override(&m, 0, 5, 20, 0xf);       /* active low, level */
	madt_override(&m, 0, 7, 7, 0x1 | 0x4);  /* active high, edge, said outright */
	madt_override(&m, 0, 3, 3, 0x3);        /* active low, edge */
	CHECK_EQ(madt_parse(&m, &c), FW_OK);
	CHECK_EQ(irqs.isa[5].gsi, 20);
	CHECK(irqs.isa[5].level && irqs.isa[5].active_low);
	CHECK(!irqs.isa[7].level && !irqs.isa[7].active_low);
	CHECK(!irqs.isa[3].level && irqs.isa[3].active_low);
	CHECK_EQ(irqs.isa[6].gsi, 6); /* no override: its own GSI */
}

/* It is not an error for an override to be unusable: it is ignored and counted. */
TEST(fwtables_unusable_overrides_are_ignored)
{
	struct madt m;
	struct fw_cpus c;
	madt_begin(&m);
	madt_ioapic(&m, 1, 0xfec00000, 0);
	madt_override(&m, 1, 4, 20, 0);    /* not the ISA bus */
	madt_override(&m, 0, 16, 20, 0);   /* no such ISA IRQ */
	madt_override(&m, 0, 4, 20, 0x2);  /* reserved polarity */
	madt_override(&m, 0, 4, 20, 0x8);  /* reserved trigger */
	madt_override(&m, 0, 0, 2, 0);
	madt_override(&m, 0, 0, 21, 0);    /* IRQ 0 again: the first stands */
	madt_override(&m, 0, 8, 2, 0);     /* onto GSI 2, which IRQ 0 took */
	CHECK_EQ(madt_parse(&m, &c), FW_OK);
	CHECK_EQ(irqs.overrides_ignored, 6);
	CHECK_EQ(irqs.isa[4].gsi, 4);
	CHECK(!irqs.isa[4].level && !irqs.isa[4].active_low);
	CHECK_EQ(irqs.isa[0].gsi, 2);
	CHECK_EQ(irqs.isa[8].gsi, 8);
	CHECK_EQ(irqs.overridden, 1u << 0);
}

/* An IRQ an override sends to GSI n takes the pin from IRQ n, whichever entry comes first. */
TEST(fwtables_override_takes_the_pin_of_the_irq_it_lands_on)
{
	struct madt m;
	struct fw_cpus c;
	madt_begin(&m);
	madt_override(&m, 0, 4, 9, 0);
	madt_ioapic(&m, 1, 0xfec00000, 0);
	CHECK_EQ(madt_parse(&m, &c), FW_OK);
	CHECK_EQ(irqs.isa[4].gsi, 9);
	CHECK_EQ(irqs.isa[9].gsi, FW_NO_GSI);
	CHECK_EQ(irqs.isa[2].gsi, 2); /* no IRQ 0 override here: the cascade keeps its GSI */
}

/* More I/O APICs than the list holds: all are counted, the first FW_MAX_IOAPICS kept. */
TEST(fwtables_madt_with_too_many_ioapics_keeps_the_first)
{
	struct madt m;
	struct fw_cpus c;
	madt_begin(&m);
	for (unsigned i = 0; i < FW_MAX_IOAPICS + 2; i++)
		madt_ioapic(&m, (uint8_t)i, 0xfec00000 + i * 0x1000, i * 24);
	CHECK_EQ(madt_parse(&m, &c), FW_OK);
	CHECK_EQ(irqs.n_ioapics, FW_MAX_IOAPICS);
	CHECK_EQ(irqs.ioapics_found, FW_MAX_IOAPICS + 2);
	CHECK_EQ(irqs.ioapic[FW_MAX_IOAPICS - 1].gsi_base, (FW_MAX_IOAPICS - 1) * 24);
}

/* A GSI belongs to the I/O APIC whose pins cover it; the first listed if two claim it. */
TEST(fwtables_gsi_finds_its_ioapic_and_pin)
{
	struct madt m;
	struct fw_cpus c;
	unsigned pins[3] = { 24, 16, 8 }, pin = 99;
	madt_begin(&m);
	madt_ioapic(&m, 1, 0xfec00000, 0);
	madt_ioapic(&m, 2, 0xfec01000, 24);
	madt_ioapic(&m, 3, 0xfec02000, 10); /* overlaps the first */
	CHECK_EQ(madt_parse(&m, &c), FW_OK);
	CHECK_EQ(fw_gsi_ioapic(&irqs, pins, 23, &pin), 0);
	CHECK_EQ(pin, 23);
	CHECK_EQ(fw_gsi_ioapic(&irqs, pins, 24, &pin), 1);
	CHECK_EQ(pin, 0);
	CHECK_EQ(fw_gsi_ioapic(&irqs, pins, 10, &pin), 0);
	CHECK_EQ(pin, 10);
	CHECK_EQ(fw_gsi_ioapic(&irqs, pins, 40, &pin), -1);
	CHECK_EQ(fw_gsi_ioapic(&irqs, pins, FW_NO_GSI, &pin), -1);
}

/* An MP floating pointer at 0xF0000 and its table at 0xF1000: processors 0 and 1 (disabled), 2. */
static void build_mp(uint16_t count)
{
	uint8_t *f = at(0xf0000), *t = at(0xf1000);
	memset(area, 0, sizeof(area));
	memcpy(f, "_MP_", 4);
	put32(f + 4, 0xf1000);
	f[8] = 1;
	f[9] = 4;
	reseal(f, 10, 16);
	memcpy(t, "PCMP", 4);
	uint32_t off = 44;
	for (unsigned i = 0; i < 3; i++, off += 20) {
		t[off] = 0;
		t[off + 1] = (uint8_t)i;
		t[off + 3] = i == 1 ? 0 : 1;
	}
	t[off] = 1; /* a bus */
	off += 8;
	t[4] = (uint8_t)off;
	t[5] = (uint8_t)(off >> 8);
	t[34] = (uint8_t)count;
	t[35] = (uint8_t)(count >> 8);
	reseal(t, 7, off);
}

TEST(fwtables_mp_table_lists_enabled_processors)
{
	uint64_t table = 0;
	struct fw_cpus c;
	build_mp(4);
	CHECK_EQ(fw_mp_scan(area, sizeof(area), &table), FW_OK);
	CHECK_EQ(table, 0xf1000);
	CHECK_EQ(fw_mp_cpus(&mem, table, &c), FW_OK);
	CHECK_EQ(c.n, 2);
	CHECK_EQ(c.apic_id[1], 2);
	CHECK_EQ(c.skipped, 1);
}

/* It is an error for the entry count to reach past the base table, or for an entry to be of no known type. */
TEST(fwtables_mp_table_entries_stay_inside_it)
{
	struct fw_cpus c;
	uint64_t table;
	build_mp(5);
	CHECK_EQ(fw_mp_cpus(&mem, 0xf1000, &c), FW_ERR_ENTRY);
	build_mp(4);
	at(0xf1000)[44 + 60] = 0x80; /* the bus entry's type */
	reseal(at(0xf1000), 7, 44 + 68);
	CHECK_EQ(fw_mp_cpus(&mem, 0xf1000, &c), FW_ERR_ENTRY);
	build_mp(4);
	at(0xf1000)[44] ^= 1;
	CHECK_EQ(fw_mp_cpus(&mem, 0xf1000, &c), FW_ERR_CHECKSUM);
	build_mp(4);
	at(0xf0000)[8] = 200; /* a floating pointer longer than the area */
	CHECK_EQ(fw_mp_scan(area, sizeof(area), &table), FW_ERR_NOT_FOUND);
	build_mp(4);
	at(0xf0000)[11] = 5; /* default configuration 5 */
	reseal(at(0xf0000), 10, 16);
	CHECK_EQ(fw_mp_scan(area, sizeof(area), &table), FW_ERR_DEFAULT_CONFIG);
	CHECK_EQ(fw_mp_cpus(&mem, 0xfffff, &c), FW_ERR_UNMAPPED);
}

TEST(fwtables_every_status_has_a_sentence)
{
	for (int s = 0; s < FW_STATUS_COUNT; s++)
		CHECK(fw_strerror((enum fw_status)s) != 0);
	CHECK(strcmp(fw_strerror(FW_STATUS_COUNT), "unknown firmware table error") == 0);
}

/* It is an error for the XSDT's bytes not to sum to 0: its MADT is not looked for. */
TEST(fwtables_root_table_with_a_bad_checksum_is_refused)
{
	struct fw_rsdp r = build(2);
	struct fw_cpus c;
	uint64_t where;
	at(r.root)[10] ^= 1; /* its OEM ID */
	CHECK_EQ(fw_madt_read(&mem, &r, &c, &irqs, &where), FW_ERR_CHECKSUM);
	CHECK_EQ(where, r.root);
}
