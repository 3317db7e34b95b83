/*
 * Host unit tests for servers/vmm/acpi.c: the tables as an OS finds and
 * checks them (ACPI 6.x), and the PM timer and PM1 registers.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "acpi.h"
#include "unit.h"

/* Guest RAM from PC_BIOS_START to 1 MiB, the tables at its start. */
static uint8_t area[PC_HIGH_RAM - PC_BIOS_START];

static uint64_t get(const uint8_t *p, unsigned bytes)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < bytes; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/* The bytes at guest-physical gpa, in the area. */
static const uint8_t *at(uint64_t gpa)
{
	return area + (gpa - PC_BIOS_START);
}

static uint32_t build(unsigned vcpus)
{
	struct acpi_machine m = { vcpus, (uint8_t)vcpus, 0xfec00000, 0xfee00000 };
	memset(area, 0, sizeof(area));
	return acpi_build_tables(area, PC_BIOS_START, ACPI_TABLES_BYTES, &m);
}

/* The RSDP as an OS finds it: "RSD PTR " on a 16-byte boundary in [0xE0000, 1 MiB). */
static const uint8_t *scan_rsdp(void)
{
	for (uint64_t a = PC_BIOS_START; a < PC_HIGH_RAM; a += 16)
		if (memcmp(at(a), "RSD PTR ", 8) == 0)
			return at(a);
	return 0;
}

/* The table the XSDT lists with signature sig, checked for its length and checksum. */
static const uint8_t *find_table(const char *sig)
{
	const uint8_t *rsdp = scan_rsdp(), *xsdt = at(get(rsdp + 24, 8));
	for (uint32_t off = 36; off < get(xsdt + 4, 4); off += 8) {
		const uint8_t *t = at(get(xsdt + off, 8));
		if (memcmp(t, sig, 4) == 0)
			return t;
	}
	return 0;
}

TEST(acpi_rsdp_found_by_the_scan_with_both_checksums)
{
	CHECK(build(1) > 0);
	const uint8_t *rsdp = scan_rsdp();
	CHECK(rsdp);
	CHECK_EQ(rsdp[15], 2);
	CHECK_EQ(acpi_sum(rsdp, 20), 0);
	CHECK_EQ(get(rsdp + 20, 4), 36);
	CHECK_EQ(acpi_sum(rsdp, 36), 0);
}

TEST(acpi_rsdt_and_xsdt_list_the_same_checksummed_tables)
{
	CHECK(build(2) > 0);
	const uint8_t *rsdp = scan_rsdp(), *rsdt = at(get(rsdp + 16, 4)), *xsdt = at(get(rsdp + 24, 8));
	CHECK(!memcmp(rsdt, "RSDT", 4));
	CHECK(!memcmp(xsdt, "XSDT", 4));
	CHECK_EQ(acpi_sum(rsdt, get(rsdt + 4, 4)), 0);
	CHECK_EQ(acpi_sum(xsdt, get(xsdt + 4, 4)), 0);
	unsigned n = (get(rsdt + 4, 4) - 36) / 4;
	CHECK_EQ(n, 2);
	CHECK_EQ((get(xsdt + 4, 4) - 36) / 8, n);
	for (unsigned i = 0; i < n; i++) {
		uint64_t a = get(rsdt + 36 + 4 * i, 4);
		CHECK_EQ(get(xsdt + 36 + 8 * i, 8), a);
		CHECK_EQ(acpi_sum(at(a), get(at(a) + 4, 4)), 0);
	}
	CHECK(find_table("FACP"));
	CHECK(find_table("APIC"));
}

TEST(acpi_fadt_names_the_pm_ports_sci_dsdt_and_facs)
{
	CHECK(build(1) > 0);
	const uint8_t *f = find_table("FACP");
	CHECK(f);
	CHECK_EQ(get(f + 4, 4), 276);
	CHECK_EQ(f[8], 6);
	CHECK_EQ(get(f + 46, 2), 9);            /* SCI_INT */
	CHECK_EQ(get(f + 48, 4), 0);            /* no SMI command port: always in ACPI mode */
	CHECK_EQ(get(f + 56, 4), 0x600);        /* PM1a_EVT_BLK */
	CHECK_EQ(get(f + 64, 4), 0x604);        /* PM1a_CNT_BLK */
	CHECK_EQ(get(f + 76, 4), 0x608);        /* PM_TMR_BLK */
	CHECK_EQ(f[88], 4);
	CHECK_EQ(f[89], 2);
	CHECK_EQ(f[91], 4);
	CHECK_EQ(f[108], 0x32);                 /* century */
	CHECK(get(f + 112, 4) & (1u << 8));     /* TMR_VAL_EXT */
	CHECK_EQ(get(f + 109, 2) & 3, 3);       /* legacy devices, 8042 */
	CHECK_EQ(get(f + 208 + 4, 8), 0x608);   /* X_PM_TMR_BLK */
	CHECK_EQ(f[208], 1);                    /* system I/O */
	const uint8_t *dsdt = at(get(f + 40, 4)), *facs = at(get(f + 36, 4));
	CHECK_EQ(get(f + 140, 8), get(f + 40, 4));
	CHECK_EQ(get(f + 132, 8), get(f + 36, 4));
	CHECK(!memcmp(dsdt, "DSDT", 4));
	CHECK_EQ(acpi_sum(dsdt, get(dsdt + 4, 4)), 0);
	CHECK(!memcmp(facs, "FACS", 4));
	CHECK_EQ(get(facs + 4, 4), 64);
	CHECK_EQ(get(f + 36, 4) % 64, 0);
}

TEST(acpi_dsdt_names_s5_as_a_package_of_integers)
{
	CHECK(build(1) > 0);
	const uint8_t *f = find_table("FACP"), *dsdt = at(get(f + 40, 4));
	uint32_t len = get(dsdt + 4, 4);
	CHECK(len > 36);
	CHECK_EQ(acpi_sum(dsdt, len), 0);
	/* NameOp \_S5_ PackageOp: the package's length counts itself and what follows */
	static const uint8_t name[] = { 0x08, '\\', '_', 'S', '5', '_', 0x12 };
	CHECK(!memcmp(dsdt + 36, name, sizeof(name)));
	const uint8_t *pkg = dsdt + 36 + sizeof(name);
	CHECK_EQ(pkg[0], len - 36 - sizeof(name)); /* one-byte PkgLength: the rest of the AML */
	CHECK_EQ(pkg[1], 4);                        /* NumElements */
	CHECK_EQ(pkg[2], 0x0a);                     /* BytePrefix */
	CHECK_EQ(pkg[3], ACPI_S5_SLP_TYP);
	CHECK_EQ(pkg[4], 0x0a);
	CHECK_EQ(pkg[5], ACPI_S5_SLP_TYP);
}

TEST(acpi_madt_one_lapic_per_vcpu_the_ioapic_and_overrides)
{
	CHECK(build(3) > 0);
	const uint8_t *t = find_table("APIC");
	CHECK(t);
	CHECK_EQ(get(t + 36, 4), 0xfee00000);
	CHECK_EQ(get(t + 40, 4), 1); /* PCAT_COMPAT */
	unsigned lapics = 0, ioapics = 0, irq0 = 0, sci = 0;
	uint32_t len = get(t + 4, 4);
	for (uint32_t off = 44; off < len; off += t[off + 1]) {
		const uint8_t *e = t + off;
		CHECK(e[1] >= 2);
		if (e[0] == 0) {
			CHECK_EQ(e[3], lapics); /* APIC ID = vCPU number */
			CHECK_EQ(get(e + 4, 4) & 1, 1);
			lapics++;
		} else if (e[0] == 1) {
			CHECK_EQ(e[2], 3); /* after the vCPUs */
			CHECK_EQ(get(e + 4, 4), 0xfec00000);
			CHECK_EQ(get(e + 8, 4), 0);
			ioapics++;
		} else if (e[0] == 2 && e[3] == 0) {
			CHECK_EQ(get(e + 4, 4), 2);
			irq0++;
		} else if (e[0] == 2 && e[3] == 9) {
			CHECK_EQ(get(e + 4, 4), 9);
			CHECK_EQ(get(e + 8, 2), 0xd); /* level, active high */
			sci++;
		}
	}
	CHECK_EQ(lapics, 3);
	CHECK_EQ(ioapics, 1);
	CHECK_EQ(irq0, 1);
	CHECK_EQ(sci, 1);
}

TEST(acpi_tables_that_do_not_fit_are_refused)
{
	struct acpi_machine m = { 1, 1, 0xfec00000, 0xfee00000 };
	CHECK_EQ(acpi_build_tables(area, PC_BIOS_START, 200, &m), 0);
	CHECK(acpi_build_tables(area, 0xffffff00, ACPI_TABLES_BYTES, &m) == 0 /* past 4 GiB */);
}

TEST(acpi_pm_timer_counts_at_its_rate_from_power_on)
{
	struct acpi_pm pm;
	uint64_t hz = 2000000000, t0 = 123456789;
	acpi_pm_init(&pm, t0, hz);
	CHECK_EQ(acpi_pm_read(&pm, 8, 4, t0), 0);
	CHECK_EQ(acpi_pm_read(&pm, 8, 4, t0 + hz), ACPI_PM_TIMER_HZ);
	CHECK_EQ(acpi_pm_read(&pm, 8, 4, t0 + hz / 1000), ACPI_PM_TIMER_HZ / 1000);
	CHECK_EQ(acpi_pm_read(&pm, 9, 1, t0 + hz), (ACPI_PM_TIMER_HZ >> 8) & 0xff);
	/* 32 bits wrap after 2^32 ticks, about 20 minutes */
	uint64_t wrap = ((1ULL << 32) * hz + ACPI_PM_TIMER_HZ - 1) / ACPI_PM_TIMER_HZ;
	CHECK_EQ(acpi_pm_read(&pm, 8, 4, t0 + wrap), 0);
	acpi_pm_write(&pm, 8, 4, 0x12345678, t0); /* read-only */
	CHECK_EQ(acpi_pm_read(&pm, 8, 4, t0), 0);
}

TEST(acpi_pm1_status_write_one_to_clear_enable_and_control)
{
	struct acpi_pm pm;
	uint64_t hz = 1000000000, half = (1ULL << 31) * hz / ACPI_PM_TIMER_HZ + hz;
	acpi_pm_init(&pm, 0, hz);
	CHECK_EQ(acpi_pm_read(&pm, 0, 2, 0), 0);
	CHECK_EQ(acpi_pm_read(&pm, 0, 2, half), ACPI_PM1_TMR_STS); /* bit 31 changed */
	acpi_pm_write(&pm, 0, 2, 0, half);
	CHECK_EQ(acpi_pm_read(&pm, 0, 2, half), ACPI_PM1_TMR_STS); /* writing 0 keeps it */
	acpi_pm_write(&pm, 0, 2, ACPI_PM1_TMR_STS, half);
	CHECK_EQ(acpi_pm_read(&pm, 0, 2, half), 0);
	acpi_pm_write(&pm, 2, 2, 0x0121, 0);
	CHECK_EQ(acpi_pm_read(&pm, 2, 2, 0), 0x0121);
	CHECK_EQ(acpi_pm_read(&pm, 4, 2, 0), ACPI_PM1_SCI_EN);
	acpi_pm_write(&pm, 4, 2, 3u << 10, 0);      /* a sleep type alone does nothing */
	CHECK(!pm.powered_off);
	acpi_pm_write(&pm, 4, 2, ACPI_PM1_SLP_EN | (3u << 10), 0); /* S3: not modelled */
	CHECK(!pm.powered_off);
	CHECK_EQ(acpi_pm_read(&pm, 4, 2, 0), ACPI_PM1_SCI_EN | (3u << 10));
	acpi_pm_write(&pm, 4, 2, ACPI_S5_SLP_TYP << 10, 0);
	CHECK(!pm.powered_off);
	acpi_pm_write(&pm, 4, 2, ACPI_PM1_SLP_EN | (ACPI_S5_SLP_TYP << 10), 0);
	CHECK(pm.powered_off);
	CHECK_EQ(acpi_pm_read(&pm, 4, 2, 0), ACPI_PM1_SCI_EN | (5u << 10));
	CHECK_EQ(acpi_pm_read(&pm, 0, 4, half), 0x01210000);
	CHECK_EQ(acpi_pm_read(&pm, 10, 4, 0) >> 16, 0xffff); /* past the block */
}

TEST(acpi_pm_timer_without_a_tsc_rate_stands_still)
{
	struct acpi_pm pm;
	acpi_pm_init(&pm, 5, 0);
	CHECK_EQ(acpi_pm_read(&pm, 8, 4, 1000000), 0);
}
