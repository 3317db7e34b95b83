/*
 * The firmware's processor and interrupt tables (fwtables.h).  A table is read in two
 * steps: its fixed header, to learn its length, then the whole length,
 * which must hold the header and is capped (FW_MAX_TABLE), so a length of
 * 4 GiB costs nothing; then its checksum.  Entries are walked with 64-bit
 * offsets, each entry's length checked against what is left before any
 * of its fields is read.
 */
#include <stddef.h>
#include <stdint.h>

#include "fwtables.h"

#define RSDP_V1_LEN     20
#define RSDP_V2_LEN     36
#define SDT_HEADER      36      /* every ACPI table's header */
#define MADT_ENTRIES    44      /* the header, the local APIC address, flags */
#define MADT_LAPIC      0
#define MADT_IOAPIC     1
#define MADT_OVERRIDE   2
#define MADT_X2APIC     9
#define MADT_IOAPIC_LEN 12
#define MADT_OVERRIDE_LEN 10
#define MPS_POLARITY    3u      /* INTI flags: 0 as the bus, 1 high, 2 reserved, 3 low */
#define MPS_TRIGGER     (3u << 2) /* 0 as the bus, 1 edge, 2 reserved, 3 level */
#define MPS_RESERVED    2u
#define ISA_BUS         0
#define MADT_ENABLED    1u
#define MP_FLOAT_LEN    16
#define MP_HEADER       44
#define MP_PROCESSOR    0
#define MP_PROCESSOR_LEN 20
#define MP_OTHER_LEN    8       /* bus, I/O APIC, I/O and local interrupt entries */
#define MP_LAST_TYPE    4
#define MP_CPU_ENABLED  1u
#define FW_MAX_TABLE    (1u << 20) /* no table that lists processors is near 1 MiB */

static uint32_t rd16(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

/* Reads a little-endian u32 bytewise: no alignment rule matters. */
static uint32_t rd32(const uint8_t *p)
{
	return rd16(p) | rd16(p + 2) << 16;
}

static uint64_t rd64(const uint8_t *p)
{
	return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

/* True if the len bytes at p sum to 0 modulo 256, the checksum rule of both specifications. */
static int sums_to_zero(const uint8_t *p, uint64_t len)
{
	uint8_t sum = 0;
	for (uint64_t i = 0; i < len; i++)
		sum += p[i];
	return sum == 0;
}

static int same(const uint8_t *p, const char *sig, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (p[i] != (uint8_t)sig[i])
			return 0;
	return 1;
}

enum fw_status fw_rsdp_check(const uint8_t *p, size_t len, struct fw_rsdp *out)
{
	if (len < RSDP_V1_LEN || !same(p, "RSD PTR ", 8))
		return FW_ERR_SIGNATURE;
	if (!sums_to_zero(p, RSDP_V1_LEN))
		return FW_ERR_CHECKSUM;
	out->revision = p[15];
	out->root = rd32(p + 16);
	out->xsdt = 0;
	if (out->revision < 2)
		return FW_OK;
	if (len < RSDP_V2_LEN)
		return FW_ERR_LENGTH;
	uint32_t length = rd32(p + 20);
	if (length < RSDP_V2_LEN || length > len)
		return FW_ERR_LENGTH;
	if (!sums_to_zero(p, length))
		return FW_ERR_CHECKSUM;
	if (rd64(p + 24)) {
		out->root = rd64(p + 24);
		out->xsdt = 1;
	}
	return FW_OK;
}

enum fw_status fw_rsdp_scan(const uint8_t *area, size_t len, struct fw_rsdp *out)
{
	for (size_t off = 0; off + RSDP_V1_LEN <= len; off += 16)
		if (fw_rsdp_check(area + off, len - off, out) == FW_OK)
			return FW_OK;
	return FW_ERR_NOT_FOUND;
}

/*
 * Maps the ACPI table at phys whole and checks it: *len gets its length.
 * sig, if not NULL, must match (FW_ERR_SIGNATURE otherwise, without the
 * rest being read).
 */
static enum fw_status map_table(const struct fw_mem *mem, uint64_t phys, const char *sig,
				const uint8_t **table, uint32_t *len)
{
	const uint8_t *h = mem->map(mem->ctx, phys, SDT_HEADER);
	if (!h)
		return FW_ERR_UNMAPPED;
	if (sig && !same(h, sig, 4))
		return FW_ERR_SIGNATURE;
	*len = rd32(h + 4);
	if (*len < SDT_HEADER || *len > FW_MAX_TABLE)
		return FW_ERR_LENGTH;
	*table = mem->map(mem->ctx, phys, *len);
	if (!*table)
		return FW_ERR_UNMAPPED;
	return sums_to_zero(*table, *len) ? FW_OK : FW_ERR_CHECKSUM;
}

/* Adds an enabled processor's APIC ID unless the table named it before. */
static void add_cpu(struct fw_cpus *c, uint32_t apic_id)
{
	for (unsigned i = 0; i < c->n; i++)
		if (c->apic_id[i] == apic_id) {
			c->skipped++;
			return;
		}
	c->found++;
	if (c->n < FW_MAX_CPUS)
		c->apic_id[c->n++] = apic_id;
}

static void cpus_clear(struct fw_cpus *c)
{
	c->n = c->found = c->skipped = 0;
}

static void irqs_clear(struct fw_irqs *q)
{
	q->n_ioapics = q->ioapics_found = q->overrides_ignored = q->overridden = 0;
	for (uint32_t i = 0; i < FW_ISA_IRQS; i++)
		q->isa[i] = (struct fw_isa_route){ .gsi = i };
}

/* A local APIC entry (type 0 or 9) of len bytes: the processor is listed if enabled. */
static enum fw_status madt_cpu(const uint8_t *e, uint32_t len, struct fw_cpus *out)
{
	uint32_t need = e[0] == MADT_LAPIC ? 8 : 16;
	if (len < need)
		return FW_ERR_ENTRY;
	uint32_t flags = e[0] == MADT_LAPIC ? rd32(e + 4) : rd32(e + 8);
	if (flags & MADT_ENABLED)
		add_cpu(out, e[0] == MADT_LAPIC ? e[3] : rd32(e + 4));
	else
		out->skipped++;
	return FW_OK;
}

/* True if an override other than IRQ source's has sent its IRQ to gsi. */
static int gsi_taken(const struct fw_irqs *q, uint32_t source, uint32_t gsi)
{
	for (uint32_t i = 0; i < FW_ISA_IRQS; i++)
		if (i != source && (q->overridden >> i & 1) && q->isa[i].gsi == gsi)
			return 1;
	return 0;
}

/* An interrupt source override (type 2): ISA IRQ e[3] is GSI rd32(e + 4), with INTI flags. */
static enum fw_status madt_override(const uint8_t *e, uint32_t len, struct fw_irqs *q)
{
	if (len < MADT_OVERRIDE_LEN)
		return FW_ERR_ENTRY;
	uint32_t source = e[3], gsi = rd32(e + 4), flags = rd16(e + 8);
	uint32_t polarity = flags & MPS_POLARITY, trigger = (flags & MPS_TRIGGER) >> 2;
	if (e[2] != ISA_BUS || source >= FW_ISA_IRQS || polarity == MPS_RESERVED ||
	    trigger == MPS_RESERVED || (q->overridden >> source & 1) || gsi_taken(q, source, gsi)) {
		q->overrides_ignored++;
		return FW_OK;
	}
	q->overridden |= (uint16_t)(1u << source);
	q->isa[source] = (struct fw_isa_route){ .gsi = gsi, .active_low = polarity == 3,
						.level = trigger == 3 };
	return FW_OK;
}

/* One MADT entry of len bytes (at least 2) at e. */
static enum fw_status madt_entry(const uint8_t *e, uint32_t len, struct fw_cpus *cpus,
				 struct fw_irqs *q)
{
	if (e[0] == MADT_LAPIC || e[0] == MADT_X2APIC)
		return madt_cpu(e, len, cpus);
	if (e[0] == MADT_OVERRIDE)
		return madt_override(e, len, q);
	if (e[0] != MADT_IOAPIC)
		return FW_OK; /* NMI sources and the rest route nothing the kernel uses */
	if (len < MADT_IOAPIC_LEN)
		return FW_ERR_ENTRY;
	if (q->n_ioapics < FW_MAX_IOAPICS)
		q->ioapic[q->n_ioapics++] = (struct fw_ioapic){ .id = e[2], .address = rd32(e + 4),
								.gsi_base = rd32(e + 8) };
	q->ioapics_found++;
	return FW_OK;
}

/* An IRQ still at its own GSI loses it to another IRQ an override sent there. */
static void isa_settle(struct fw_irqs *q)
{
	for (uint32_t i = 0; i < FW_ISA_IRQS; i++)
		if (!(q->overridden >> i & 1) && gsi_taken(q, i, q->isa[i].gsi))
			q->isa[i].gsi = FW_NO_GSI;
}

enum fw_status fw_madt_parse(const uint8_t *p, size_t len, struct fw_cpus *cpus,
			     struct fw_irqs *irqs)
{
	cpus_clear(cpus);
	irqs_clear(irqs);
	if (len < MADT_ENTRIES || !same(p, "APIC", 4))
		return len < MADT_ENTRIES ? FW_ERR_LENGTH : FW_ERR_SIGNATURE;
	uint32_t length = rd32(p + 4);
	if (length < MADT_ENTRIES || length > len)
		return FW_ERR_LENGTH;
	if (!sums_to_zero(p, length))
		return FW_ERR_CHECKSUM;
	for (uint64_t off = MADT_ENTRIES; off < length;) {
		if (length - off < 2 || p[off + 1] < 2 || p[off + 1] > length - off)
			return FW_ERR_ENTRY;
		enum fw_status s = madt_entry(p + off, p[off + 1], cpus, irqs);
		if (s != FW_OK)
			return s;
		off += p[off + 1];
	}
	isa_settle(irqs);
	return FW_OK;
}

int fw_gsi_ioapic(const struct fw_irqs *irqs, const unsigned *pins, uint32_t gsi,
		  unsigned *pin)
{
	for (unsigned i = 0; i < irqs->n_ioapics; i++) {
		uint32_t base = irqs->ioapic[i].gsi_base;
		if (gsi >= base && gsi - base < pins[i]) {
			*pin = gsi - base;
			return (int)i;
		}
	}
	return -1;
}

/* Looks through the first FW_MAX_ROOT_ENTRIES entries of the root table for the MADT. */
enum fw_status fw_madt_read(const struct fw_mem *mem, const struct fw_rsdp *rsdp,
			    struct fw_cpus *cpus, struct fw_irqs *irqs, uint64_t *where)
{
	const uint8_t *root, *table;
	uint32_t len, tlen, esize = rsdp->xsdt ? 8 : 4;
	cpus_clear(cpus);
	irqs_clear(irqs);
	*where = rsdp->root;
	enum fw_status s = map_table(mem, rsdp->root, rsdp->xsdt ? "XSDT" : "RSDT", &root, &len);
	if (s != FW_OK)
		return s;
	if ((len - SDT_HEADER) % esize)
		return FW_ERR_LENGTH;
	uint32_t n = (len - SDT_HEADER) / esize;
	for (uint32_t i = 0; i < n && i < FW_MAX_ROOT_ENTRIES; i++) {
		const uint8_t *e = root + SDT_HEADER + i * esize;
		uint64_t phys = esize == 8 ? rd64(e) : rd32(e);
		const uint8_t *h = mem->map(mem->ctx, phys, 4);
		if (!h || !same(h, "APIC", 4))
			continue; /* a table we cannot read or do not want is no MADT */
		*where = phys;
		s = map_table(mem, phys, "APIC", &table, &tlen);
		if (s == FW_OK)
			s = fw_madt_parse(table, tlen, cpus, irqs);
		if (s == FW_OK)
			*where = 0;
		return s;
	}
	*where = 0;
	return FW_ERR_NOT_FOUND;
}

enum fw_status fw_mp_scan(const uint8_t *area, size_t len, uint64_t *table)
{
	for (size_t off = 0; off + MP_FLOAT_LEN <= len; off += 16) {
		const uint8_t *p = area + off;
		uint64_t bytes = (uint64_t)p[8] * 16;
		if (!same(p, "_MP_", 4) || bytes < MP_FLOAT_LEN || bytes > len - off ||
		    !sums_to_zero(p, bytes))
			continue;
		if (p[11])
			return FW_ERR_DEFAULT_CONFIG;
		*table = rd32(p + 4);
		return FW_OK;
	}
	return FW_ERR_NOT_FOUND;
}

/* The length of the MP entry of type t; 0 for a type the specification does not define. */
static uint32_t mp_entry_len(uint8_t t)
{
	if (t == MP_PROCESSOR)
		return MP_PROCESSOR_LEN;
	return t <= MP_LAST_TYPE ? MP_OTHER_LEN : 0;
}

enum fw_status fw_mp_cpus(const struct fw_mem *mem, uint64_t phys, struct fw_cpus *out)
{
	cpus_clear(out);
	const uint8_t *h = mem->map(mem->ctx, phys, MP_HEADER);
	if (!h)
		return FW_ERR_UNMAPPED;
	if (!same(h, "PCMP", 4))
		return FW_ERR_SIGNATURE;
	uint32_t len = rd16(h + 4), count = rd16(h + 34);
	if (len < MP_HEADER)
		return FW_ERR_LENGTH;
	const uint8_t *t = mem->map(mem->ctx, phys, len);
	if (!t)
		return FW_ERR_UNMAPPED;
	if (!sums_to_zero(t, len))
		return FW_ERR_CHECKSUM;
	uint64_t off = MP_HEADER;
	for (uint32_t i = 0; i < count; i++) {
		uint32_t elen = off < len ? mp_entry_len(t[off]) : 0;
		if (elen == 0 || elen > len - off)
			return FW_ERR_ENTRY;
		if (t[off] == MP_PROCESSOR && (t[off + 3] & MP_CPU_ENABLED))
			add_cpu(out, t[off + 1]);
		else if (t[off] == MP_PROCESSOR)
			out->skipped++;
		off += elen;
	}
	return FW_OK;
}

static const char *const fw_messages[FW_STATUS_COUNT] = {
	[FW_OK] = "no error",
	[FW_ERR_SIGNATURE] = "wrong signature",
	[FW_ERR_CHECKSUM] = "table checksum is wrong",
	[FW_ERR_LENGTH] = "table length is shorter than its header or longer than its memory",
	[FW_ERR_UNMAPPED] = "table lies outside the memory the kernel maps",
	[FW_ERR_ENTRY] = "an entry runs past its table or has a bad length or type",
	[FW_ERR_NOT_FOUND] = "no such table",
	[FW_ERR_DEFAULT_CONFIG] = "MP default configuration (no table) is not supported",
};

const char *fw_strerror(enum fw_status s)
{
	if ((unsigned)s >= FW_STATUS_COUNT)
		return "unknown firmware table error";
	return fw_messages[s];
}
