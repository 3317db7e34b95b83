/*
 * The local APIC model (vlapic.h): its registers, and the IPIs a write of
 * the ICR sends.  Pure and freestanding: host-tested in tests/unit.
 */
#include "vlapic.h"

void vlapic_init(struct vlapic *l, uint8_t id)
{
	*l = (struct vlapic){ .id = id, .svr = LAPIC_SVR_RESET };
}

uint32_t vlapic_read(const struct vlapic *l, uint32_t off)
{
	switch (off) {
	case LAPIC_ID:
		return (uint32_t)l->id << 24;
	case LAPIC_VERSION:
		return LAPIC_VERSION_VALUE;
	case LAPIC_TPR:
		return l->tpr;
	case LAPIC_SVR:
		return l->svr;
	case LAPIC_ICR_LOW:
		return l->icr_low & ~ICR_BUSY; /* every IPI is sent at once */
	case LAPIC_ICR_HIGH:
		return l->icr_high;
	default:
		return 0;
	}
}

/*
 * The IPI of ICR low value v.  An INIT with the level bit clear and
 * level triggering is the "INIT level de-assert" of old APICs, which
 * starts nothing; a logical destination is not modelled.
 */
static struct vlapic_ipi decode_ipi(const struct vlapic *l, uint32_t v)
{
	struct vlapic_ipi ipi = { .kind = IPI_NONE, .vector = ICR_VECTOR(v),
				 .shorthand = ICR_SHORTHAND(v), .dest = ICR_HIGH_DEST(l->icr_high) };
	bool deassert = !(v & ICR_LEVEL_ASSERT) && (v & ICR_TRIGGER_LEVEL);
	if (ipi.shorthand == ICR_DEST_NONE && (v & ICR_LOGICAL))
		return ipi;
	if (ICR_MODE(v) == ICR_MODE_INIT && !deassert)
		ipi.kind = IPI_INIT;
	else if (ICR_MODE(v) == ICR_MODE_STARTUP)
		ipi.kind = IPI_STARTUP;
	return ipi;
}

struct vlapic_ipi vlapic_write(struct vlapic *l, uint32_t off, uint32_t v)
{
	switch (off) {
	case LAPIC_TPR:
		l->tpr = v & 0xff;
		break;
	case LAPIC_SVR:
		l->svr = v & 0x13ff; /* vector, APIC enable, focus checking, EOI broadcast */
		break;
	case LAPIC_ICR_HIGH:
		l->icr_high = v & 0xff000000u;
		break;
	case LAPIC_ICR_LOW:
		l->icr_low = v & 0x000ccfffu; /* the bits an xAPIC's ICR keeps */
		return decode_ipi(l, v);
	}
	return (struct vlapic_ipi){ .kind = IPI_NONE };
}

bool vlapic_ipi_reaches(const struct vlapic_ipi *ipi, uint8_t from, uint8_t to)
{
	switch (ipi->shorthand) {
	case ICR_DEST_SELF:
		return to == from;
	case ICR_DEST_ALL:
		return true;
	case ICR_DEST_OTHERS:
		return to != from;
	default:
		return to == ipi->dest || ipi->dest == 0xff; /* 0xff: the physical broadcast */
	}
}
