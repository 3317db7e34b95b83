/*
 * The ACPI tables and PM registers (acpi.h).  The tables are laid out one
 * after another from the RSDP, each at the alignment the specification
 * asks (8 bytes; the FACS 64), filled field by field at the offsets the
 * specification gives, little-endian, and each sealed with its checksum
 * once complete.
 */
#include "acpi.h"
#include "mem.h"
#include "vtime.h"

#define HEADER_BYTES   36         /* every table but the RSDP and the FACS begins with it */
#define RSDP_BYTES     36
#define FADT_BYTES     276        /* revision 6 */
#define FACS_BYTES     64
#define DSDT_BYTES     (HEADER_BYTES + sizeof(dsdt_aml))
#define MADT_FIXED     44         /* the header, local APIC address and flags */
#define MADT_LAPIC     8          /* entry type 0 */
#define MADT_IOAPIC    12         /* type 1 */
#define MADT_OVERRIDE  10         /* type 2: interrupt source override */
#define MADT_LAPIC_NMI 6          /* type 4 */
#define MADT_PCAT_COMPAT 1u
#define MPS_ACTIVE_HIGH 0x1u      /* MPS INTI flags: polarity 1:0 */
#define MPS_LEVEL       0xcu      /* trigger 3:2 */
#define GAS_SYSTEM_IO   1         /* generic address structure: address space */

/* FADT flags (table 5.10 of ACPI 6.x). */
#define FADT_WBINVD      (1u << 0)
#define FADT_PROC_C1     (1u << 2)
#define FADT_PWR_BUTTON  (1u << 4) /* no fixed-feature power button */
#define FADT_SLP_BUTTON  (1u << 5)
#define FADT_FIX_RTC     (1u << 6) /* no RTC wake status in PM1 */
#define FADT_TMR_VAL_EXT (1u << 8) /* the PM timer has 32 bits */
#define BOOT_LEGACY_DEVICES (1u << 0)
#define BOOT_8042           (1u << 1)
#define BOOT_NO_VGA         (1u << 2)

/*
 * The DSDT's AML, one object: Name (\_S5, Package () { SLP_TYPa, SLP_TYPb,
 * 0, 0 }), the sleep type an OS writes to PM1 control with SLP_EN to turn
 * the machine off (ACPI 6.x, 7.4.2; AML encoding in chapter 20).
 */
static const uint8_t dsdt_aml[] = {
	0x08, '\\', '_', 'S', '5', '_',                    /* NameOp, the name \_S5_ */
	0x12, 0x08, 0x04,                                   /* PackageOp, PkgLength 8, 4 elements */
	0x0a, ACPI_S5_SLP_TYP, 0x0a, ACPI_S5_SLP_TYP,       /* BytePrefix n: SLP_TYPa, SLP_TYPb */
	0x00, 0x00,                                         /* ZeroOp: reserved */
};

/* Little-endian: bytes bytes of v at p + off. */
static void put(uint8_t *p, unsigned off, uint64_t v, unsigned bytes)
{
	for (unsigned i = 0; i < bytes; i++)
		p[off + i] = (uint8_t)(v >> (8 * i));
}

uint8_t acpi_sum(const uint8_t *p, uint32_t len)
{
	uint8_t s = 0;
	for (uint32_t i = 0; i < len; i++)
		s += p[i];
	return s;
}

/* Where the tables go: guest RAM at gpa, used bytes of it so far. */
struct layout {
	uint8_t *mem;
	uint64_t gpa;
	uint32_t len, used;
	bool full;
};

/* Room for size bytes at align; its offset (the layout is full if there is none). */
static uint32_t take(struct layout *l, uint32_t size, uint32_t align)
{
	uint32_t at = (l->used + align - 1) & ~(align - 1);
	if (at > l->len || size > l->len - at) {
		l->full = true;
		return 0;
	}
	l->used = at + size;
	return at;
}

/* The common header of a table at p, its checksum still 0. */
static void header(uint8_t *p, const char *sig, uint32_t length, uint8_t revision)
{
	memcpy(p, sig, 4);
	put(p, 4, length, 4);
	p[8] = revision;
	memcpy(p + 10, "MOAT  ", 6);    /* OEM ID */
	memcpy(p + 16, "MOATVMM ", 8);  /* OEM table ID */
	put(p, 24, 1, 4);               /* OEM revision */
	memcpy(p + 28, "MOAT", 4);      /* creator ID */
	put(p, 32, 1, 4);               /* creator revision */
}

/* The checksum byte at offset at makes the len bytes at p sum to 0. */
static void seal(uint8_t *p, unsigned at, uint32_t len)
{
	p[at] = 0;
	p[at] = (uint8_t)-acpi_sum(p, len);
}

/* A generic address structure in system I/O at p + off. */
static void gas_io(uint8_t *p, unsigned off, uint16_t port, uint8_t bits, uint8_t access)
{
	p[off] = GAS_SYSTEM_IO;
	p[off + 1] = bits;
	p[off + 2] = 0;
	p[off + 3] = access; /* 1 byte, 2 word, 3 dword */
	put(p, off + 4, port, 8);
}

static void fill_fadt(uint8_t *p, uint32_t facs, uint32_t dsdt)
{
	header(p, "FACP", FADT_BYTES, 6);
	put(p, 36, facs, 4);
	put(p, 40, dsdt, 4);
	put(p, 46, ACPI_SCI_IRQ, 2);
	put(p, 56, ACPI_PM1A_EVT, 4);
	put(p, 64, ACPI_PM1A_CNT, 4);
	put(p, 76, ACPI_PM_TMR, 4);
	p[88] = 4; /* PM1_EVT_LEN */
	p[89] = 2; /* PM1_CNT_LEN */
	p[91] = 4; /* PM_TMR_LEN */
	put(p, 96, 101, 2);  /* P_LVL2_LAT over 100: no C2 */
	put(p, 98, 1001, 2); /* P_LVL3_LAT over 1000: no C3 */
	p[108] = ACPI_CENTURY_CMOS;
	put(p, 109, BOOT_LEGACY_DEVICES | BOOT_8042 | BOOT_NO_VGA, 2);
	put(p, 112, FADT_WBINVD | FADT_PROC_C1 | FADT_PWR_BUTTON | FADT_SLP_BUTTON | FADT_FIX_RTC |
			    FADT_TMR_VAL_EXT, 4);
	p[131] = 1; /* FADT minor version: 6.1 */
	put(p, 132, facs, 8);
	put(p, 140, dsdt, 8);
	gas_io(p, 148, ACPI_PM1A_EVT, 32, 2);
	gas_io(p, 172, ACPI_PM1A_CNT, 16, 2);
	gas_io(p, 208, ACPI_PM_TMR, 32, 3);
	seal(p, 9, FADT_BYTES);
}

static void fill_facs(uint8_t *p)
{
	memcpy(p, "FACS", 4);
	put(p, 4, FACS_BYTES, 4);
	p[32] = 2; /* version */
}

static uint32_t madt_bytes(unsigned vcpus)
{
	return MADT_FIXED + vcpus * MADT_LAPIC + MADT_IOAPIC + 2 * MADT_OVERRIDE + MADT_LAPIC_NMI;
}

/* An interrupt source override: ISA IRQ irq is GSI gsi, with MPS INTI flags. */
static unsigned madt_override(uint8_t *p, unsigned off, uint8_t irq, uint32_t gsi, uint16_t flags)
{
	p[off] = 2;
	p[off + 1] = MADT_OVERRIDE;
	p[off + 2] = 0; /* bus: ISA */
	p[off + 3] = irq;
	put(p, off + 4, gsi, 4);
	put(p, off + 8, flags, 2);
	return off + MADT_OVERRIDE;
}

static void fill_madt(uint8_t *p, const struct acpi_machine *m)
{
	uint32_t len = madt_bytes(m->vcpus);
	unsigned off = MADT_FIXED;
	header(p, "APIC", len, 5);
	put(p, 36, m->lapic_address, 4);
	put(p, 40, MADT_PCAT_COMPAT, 4);
	for (unsigned c = 0; c < m->vcpus; c++, off += MADT_LAPIC) {
		p[off] = 0;
		p[off + 1] = MADT_LAPIC;
		p[off + 2] = (uint8_t)c; /* ACPI processor UID */
		p[off + 3] = (uint8_t)c; /* APIC ID */
		put(p, off + 4, 1, 4);   /* enabled */
	}
	p[off] = 1;
	p[off + 1] = MADT_IOAPIC;
	p[off + 2] = m->ioapic_id;
	put(p, off + 4, m->ioapic_address, 4);
	put(p, off + 8, 0, 4); /* GSI base */
	off = madt_override(p, off + MADT_IOAPIC, 0, 2, 0);
	off = madt_override(p, off, ACPI_SCI_IRQ, ACPI_SCI_IRQ, MPS_ACTIVE_HIGH | MPS_LEVEL);
	p[off] = 4;
	p[off + 1] = MADT_LAPIC_NMI;
	p[off + 2] = 0xff; /* every processor */
	put(p, off + 3, 0, 2);
	p[off + 5] = 1; /* LINT1 */
	seal(p, 9, len);
}

/* The RSDT (4-byte entries) or XSDT (8-byte) listing the tables at gpas. */
static void fill_root(uint8_t *p, const char *sig, unsigned entry, const uint64_t *gpas, unsigned n)
{
	uint32_t len = HEADER_BYTES + n * entry;
	header(p, sig, len, 1);
	for (unsigned i = 0; i < n; i++)
		put(p, HEADER_BYTES + i * entry, gpas[i], entry);
	seal(p, 9, len);
}

static void fill_rsdp(uint8_t *p, uint32_t rsdt, uint64_t xsdt)
{
	memcpy(p, "RSD PTR ", 8);
	memcpy(p + 9, "MOAT  ", 6);
	p[15] = 2; /* revision: ACPI 2.0 and later, with the XSDT */
	put(p, 16, rsdt, 4);
	put(p, 20, RSDP_BYTES, 4);
	put(p, 24, xsdt, 8);
	seal(p, 8, 20);          /* the ACPI 1.0 part */
	seal(p, 32, RSDP_BYTES); /* the whole */
}

uint32_t acpi_build_tables(uint8_t *mem, uint64_t gpa, uint32_t len, const struct acpi_machine *m)
{
	struct layout l = { .mem = mem, .gpa = gpa, .len = len };
	uint32_t rsdp = take(&l, RSDP_BYTES, 16), rsdt = take(&l, HEADER_BYTES + 2 * 4, 8);
	uint32_t xsdt = take(&l, HEADER_BYTES + 2 * 8, 8), facs = take(&l, FACS_BYTES, 64);
	uint32_t fadt = take(&l, FADT_BYTES, 8), dsdt = take(&l, DSDT_BYTES, 8);
	uint32_t madt = take(&l, madt_bytes(m->vcpus), 8);
	if (l.full || gpa + l.used > UINT32_MAX)
		return 0;
	memset(mem, 0, l.used);
	fill_facs(mem + facs);
	header(mem + dsdt, "DSDT", DSDT_BYTES, 2);
	memcpy(mem + dsdt + HEADER_BYTES, dsdt_aml, sizeof(dsdt_aml));
	seal(mem + dsdt, 9, DSDT_BYTES);
	fill_fadt(mem + fadt, gpa + facs, gpa + dsdt);
	fill_madt(mem + madt, m);
	const uint64_t tables[] = { gpa + fadt, gpa + madt };
	fill_root(mem + rsdt, "RSDT", 4, tables, 2);
	fill_root(mem + xsdt, "XSDT", 8, tables, 2);
	fill_rsdp(mem + rsdp, gpa + rsdt, gpa + xsdt);
	return l.used;
}

void acpi_pm_init(struct acpi_pm *pm, uint64_t now, uint64_t tsc_hz)
{
	*pm = (struct acpi_pm){ .tsc_hz = tsc_hz, .start = now, .control = ACPI_PM1_SCI_EN };
}

/* PM timer ticks since power-on (all 64 bits; the register shows the low 32). */
static uint64_t timer_ticks(const struct acpi_pm *pm, uint64_t now)
{
	return tsc_to_clocks(now - pm->start, pm->tsc_hz, ACPI_PM_TIMER_HZ);
}

/* The byte at off of the block, as the guest reads it now. */
static uint8_t register_byte(const struct acpi_pm *pm, unsigned off, uint64_t ticks)
{
	uint16_t status = (ticks >> 31) != pm->msb_epoch ? ACPI_PM1_TMR_STS : 0;
	uint32_t word;
	if (off < 2)
		word = status;
	else if (off < 4)
		word = pm->enable;
	else if (off < 6)
		word = pm->control;
	else if (off < 8)
		return 0;
	else if (off < ACPI_PM_BYTES)
		word = (uint32_t)ticks;
	else
		return 0xff; /* past the block: nothing there */
	unsigned first = off < 8 ? off & ~1u : 8;
	return (uint8_t)(word >> (8 * (off - first)));
}

uint32_t acpi_pm_read(struct acpi_pm *pm, unsigned off, unsigned size, uint64_t now)
{
	uint64_t ticks = timer_ticks(pm, now); /* one instant for every byte */
	uint32_t v = 0;
	for (unsigned i = 0; i < size && i < 4; i++)
		v |= (uint32_t)register_byte(pm, off + i, ticks) << (8 * i);
	return v;
}

/* A byte written at off: write-1-to-clear status, read/write enable and control. */
static void write_byte(struct acpi_pm *pm, unsigned off, uint8_t b, uint64_t now)
{
	unsigned shift = 8 * (off & 1);
	if (off == 0 && (b & ACPI_PM1_TMR_STS))
		pm->msb_epoch = timer_ticks(pm, now) >> 31;
	else if (off == 2 || off == 3)
		pm->enable = (uint16_t)((pm->enable & ~(0xffu << shift)) | (unsigned)b << shift);
	else if (off == 4 || off == 5) {
		uint16_t c = (uint16_t)((pm->control & ~(0xffu << shift)) | (unsigned)b << shift);
		/* SLP_EN starts the sleep SLP_TYP names: only S5's, "off", is modelled */
		if ((c & ACPI_PM1_SLP_EN) && ACPI_PM1_SLP_TYP(c) == ACPI_S5_SLP_TYP)
			pm->powered_off = true;
		pm->control = (c & ~ACPI_PM1_SLP_EN) | ACPI_PM1_SCI_EN;
	}
}

void acpi_pm_write(struct acpi_pm *pm, unsigned off, unsigned size, uint32_t v, uint64_t now)
{
	for (unsigned i = 0; i < size && i < 4; i++)
		write_byte(pm, off + i, (uint8_t)(v >> (8 * i)), now);
}
