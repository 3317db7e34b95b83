/* Host unit tests for servers/vmm/vlapic.c, written against the SDM's APIC (vol. 3, chapter 10). */
#include <stdbool.h>
#include <stdint.h>

#include "vlapic.h"
#include "unit.h"

#define T0 1000000ULL /* a guest TSC to start from */
/* The guest TSC n APIC bus clocks after T0. */
#define AT(n) (T0 + LAPIC_TSC_PER_BUS * (uint64_t)(n))

/* A software-enabled xAPIC with ID id (spurious vector 0xff). */
static void enabled(struct vlapic *l, uint32_t id)
{
	vlapic_init(l, id, id == 0);
	vlapic_mmio_write(l, LAPIC_SVR, 0x1ff, T0);
}

/* An x2APIC with ID id, software-enabled. */
static void x2(struct vlapic *l, uint32_t id)
{
	enabled(l, id);
	vlapic_set_base(l, APIC_BASE_DEFAULT | APIC_BASE_ENABLE | APIC_BASE_EXTD, 46);
}

static uint32_t rd(struct vlapic *l, uint32_t off)
{
	return vlapic_mmio_read(l, off, T0);
}

static struct vlapic_ipi wr(struct vlapic *l, uint32_t off, uint32_t v)
{
	return vlapic_mmio_write(l, off, v, T0);
}

/* Sends ICR high = dest << 24, then low; the IPI it makes. */
static struct vlapic_ipi send(struct vlapic *l, uint8_t dest, uint32_t low)
{
	wr(l, LAPIC_ICR_HIGH, (uint32_t)dest << 24);
	return wr(l, LAPIC_ICR_LOW, low);
}

static void fixed(struct vlapic *l, uint8_t vector, bool level)
{
	struct apic_irq irq = { .vector = vector, .mode = APIC_MODE_FIXED, .level = level };
	vlapic_accept(l, &irq);
}

static bool bit(struct vlapic *l, uint32_t base, uint8_t v)
{
	return rd(l, base + (v / 32) * 16) >> (v % 32) & 1;
}

/* ---- Registers ---- */

TEST(vlapic_reset_registers)
{
	struct vlapic l;

	vlapic_init(&l, 3, false);
	CHECK_EQ(rd(&l, LAPIC_ID), 3u << 24);
	CHECK_EQ(rd(&l, LAPIC_VERSION), 0x00050014u);
	CHECK_EQ(rd(&l, LAPIC_SVR), 0xffu);
	CHECK_EQ(rd(&l, LAPIC_TPR), 0);
	CHECK_EQ(rd(&l, LAPIC_DFR), 0xffffffffu);
	CHECK_EQ(rd(&l, LAPIC_LDR), 0);
	CHECK_EQ(rd(&l, LAPIC_ICR_LOW), 0);
	for (uint32_t off = LAPIC_LVT_TIMER; off <= LAPIC_LVT_ERROR; off += 16)
		CHECK_EQ(rd(&l, off), LVT_MASKED);
	CHECK_EQ(rd(&l, 0x24), 0); /* not a register's offset */
	CHECK_EQ(l.base, APIC_BASE_DEFAULT | APIC_BASE_ENABLE);
	vlapic_init(&l, 0, true);
	CHECK_EQ(l.base, APIC_BASE_DEFAULT | APIC_BASE_ENABLE | APIC_BASE_BSP);
}

/* It is an error for the ID, version, PPR or the vector sets to take a write. */
TEST(vlapic_read_only_registers_keep_their_values)
{
	struct vlapic l;

	enabled(&l, 1);
	wr(&l, LAPIC_ID, 7u << 24);
	wr(&l, LAPIC_VERSION, 0);
	wr(&l, LAPIC_PPR, 0xff);
	wr(&l, LAPIC_IRR + 0x10, 0xffffffffu);
	wr(&l, LAPIC_ISR + 0x10, 0xffffffffu);
	CHECK_EQ(rd(&l, LAPIC_ID), 1u << 24);
	CHECK_EQ(rd(&l, LAPIC_VERSION), LAPIC_VERSION_VALUE);
	CHECK_EQ(rd(&l, LAPIC_PPR), 0);
	CHECK_EQ(rd(&l, LAPIC_IRR + 0x10), 0);
	CHECK_EQ(rd(&l, LAPIC_ISR + 0x10), 0);
}

TEST(vlapic_writable_registers_keep_their_bits)
{
	struct vlapic l;

	enabled(&l, 0);
	wr(&l, LAPIC_TPR, 0x1234);
	CHECK_EQ(rd(&l, LAPIC_TPR), 0x34);
	wr(&l, LAPIC_LDR, 0xffffffffu);
	CHECK_EQ(rd(&l, LAPIC_LDR), 0xff000000u);
	wr(&l, LAPIC_DFR, 0);
	CHECK_EQ(rd(&l, LAPIC_DFR), 0x0fffffffu); /* cluster model; bits 27:0 read 1 */
	wr(&l, LAPIC_SVR, 0xffffffffu);
	CHECK_EQ(rd(&l, LAPIC_SVR), 0x3ffu);
	wr(&l, LAPIC_LVT_LINT0, 0xffffffffu);
	CHECK_EQ(rd(&l, LAPIC_LVT_LINT0), 0x1a7ffu); /* no status or remote IRR bits */
	wr(&l, LAPIC_LVT_ERROR, 0xffffffffu);
	CHECK_EQ(rd(&l, LAPIC_LVT_ERROR), 0x100ffu);
	wr(&l, LAPIC_LVT_PERF, 0x4fe);
	CHECK_EQ(rd(&l, LAPIC_LVT_PERF), 0x4feu); /* NMI delivery, unmasked */
	wr(&l, LAPIC_TIMER_DIVIDE, 0xff);
	CHECK_EQ(rd(&l, LAPIC_TIMER_DIVIDE), 0xbu);
	wr(&l, LAPIC_ICR_HIGH, 0xffffffffu);
	CHECK_EQ(rd(&l, LAPIC_ICR_HIGH), 0xff000000u);
}

/* It is an error to unmask an LVT entry while the APIC is software-disabled. */
TEST(vlapic_software_disable_masks_the_lvt)
{
	struct vlapic l;

	enabled(&l, 0);
	wr(&l, LAPIC_LVT_LINT0, 0x700);
	CHECK_EQ(rd(&l, LAPIC_LVT_LINT0), 0x700u);
	wr(&l, LAPIC_SVR, 0xff);
	CHECK_EQ(rd(&l, LAPIC_LVT_LINT0), 0x10700u);
	wr(&l, LAPIC_LVT_TIMER, 0x40);
	CHECK_EQ(rd(&l, LAPIC_LVT_TIMER), 0x10040u);
}

/* ESR shows the errors since its last write only after the next write (SDM 10.5.3). */
TEST(vlapic_esr_latches_on_write)
{
	struct vlapic l;

	enabled(&l, 0);
	CHECK(!send(&l, 0, 0x40005).send); /* fixed vector 5 to self: illegal */
	CHECK_EQ(rd(&l, LAPIC_ESR), 0);
	wr(&l, LAPIC_ESR, 0);
	CHECK_EQ(rd(&l, LAPIC_ESR), ESR_SEND_ILLEGAL);
	fixed(&l, 3, false);
	wr(&l, LAPIC_ESR, 0);
	CHECK_EQ(rd(&l, LAPIC_ESR), ESR_RECEIVE_ILLEGAL);
	CHECK(!bit(&l, LAPIC_IRR, 3));
	wr(&l, LAPIC_ESR, 0);
	CHECK_EQ(rd(&l, LAPIC_ESR), 0);
}

/* An error interrupts through the error LVT entry when it is unmasked; an illegal one does not loop. */
TEST(vlapic_error_lvt_interrupts)
{
	struct vlapic l;

	enabled(&l, 0);
	wr(&l, LAPIC_LVT_ERROR, 0xfe);
	send(&l, 0, 0x40001); /* fixed vector 1 to self */
	CHECK_EQ(vlapic_pending_vector(&l), 0xfe);
	vlapic_acknowledge(&l);
	wr(&l, LAPIC_LVT_ERROR, 0x05);
	fixed(&l, 2, false);
	CHECK_EQ(vlapic_pending_vector(&l), -1);
	wr(&l, LAPIC_ESR, 0);
	CHECK_EQ(rd(&l, LAPIC_ESR), ESR_SEND_ILLEGAL | ESR_RECEIVE_ILLEGAL);
}

/* ---- Priorities, acknowledgement, EOI ---- */

TEST(vlapic_highest_vector_above_ppr_is_delivered)
{
	struct vlapic l;

	enabled(&l, 0);
	CHECK_EQ(vlapic_pending_vector(&l), -1);
	fixed(&l, 0x41, false);
	fixed(&l, 0x62, false);
	CHECK(bit(&l, LAPIC_IRR, 0x41) && bit(&l, LAPIC_IRR, 0x62));
	CHECK_EQ(vlapic_pending_vector(&l), 0x62);
	wr(&l, LAPIC_TPR, 0x60); /* class 6 masks 0x62 */
	CHECK_EQ(rd(&l, LAPIC_PPR), 0x60);
	CHECK_EQ(vlapic_pending_vector(&l), -1);
	wr(&l, LAPIC_TPR, 0x5f);
	CHECK_EQ(vlapic_pending_vector(&l), 0x62);
	CHECK_EQ(rd(&l, LAPIC_APR), 0x60); /* the class of the highest request */
	wr(&l, LAPIC_TPR, 0);
	CHECK_EQ(vlapic_acknowledge(&l), 0x62);
	CHECK(!bit(&l, LAPIC_IRR, 0x62) && bit(&l, LAPIC_ISR, 0x62));
	CHECK_EQ(rd(&l, LAPIC_PPR), 0x60); /* the class in service */
	CHECK_EQ(vlapic_pending_vector(&l), -1); /* 0x41 waits for the EOI */
	fixed(&l, 0x71, false);
	CHECK_EQ(vlapic_pending_vector(&l), 0x71); /* a higher class nests */
	CHECK_EQ(vlapic_acknowledge(&l), 0x71);
	wr(&l, LAPIC_EOI, 0);
	CHECK(!bit(&l, LAPIC_ISR, 0x71) && bit(&l, LAPIC_ISR, 0x62));
	wr(&l, LAPIC_EOI, 0);
	CHECK_EQ(rd(&l, LAPIC_PPR), 0);
	CHECK_EQ(vlapic_pending_vector(&l), 0x41);
}

/* It is an error for a vector of the PPR's own class to be delivered. */
TEST(vlapic_same_class_waits)
{
	struct vlapic l;

	enabled(&l, 0);
	fixed(&l, 0x50, false);
	vlapic_acknowledge(&l);
	fixed(&l, 0x5f, false);
	CHECK_EQ(vlapic_pending_vector(&l), -1);
	wr(&l, LAPIC_EOI, 0);
	CHECK_EQ(vlapic_pending_vector(&l), 0x5f);
}

static int eoi_vector = -1, eoi_calls;
static void eoi_seen(void *ctx, uint8_t vector)
{
	CHECK_EQ(*(int *)ctx, 42);
	eoi_vector = vector;
	eoi_calls++;
}

TEST(vlapic_eoi_of_level_vector_calls_the_hook)
{
	struct vlapic l;
	int ctx = 42;

	enabled(&l, 0);
	l.eoi_level = eoi_seen;
	l.eoi_ctx = &ctx;
	eoi_calls = 0;
	fixed(&l, 0x30, true);
	CHECK(bit(&l, LAPIC_TMR, 0x30));
	fixed(&l, 0x31, false);
	CHECK(!bit(&l, LAPIC_TMR, 0x31));
	vlapic_acknowledge(&l);
	wr(&l, LAPIC_EOI, 0); /* 0x31: edge */
	CHECK_EQ(eoi_calls, 0);
	vlapic_acknowledge(&l);
	wr(&l, LAPIC_EOI, 0);
	CHECK_EQ(eoi_calls, 1);
	CHECK_EQ(eoi_vector, 0x30);
	wr(&l, LAPIC_EOI, 0); /* nothing in service */
	CHECK_EQ(eoi_calls, 1);
	fixed(&l, 0x30, false); /* the same vector as an edge clears TMR */
	CHECK(!bit(&l, LAPIC_TMR, 0x30));
}

/* It is an error for a software-disabled APIC to take a fixed interrupt; NMIs still come. */
TEST(vlapic_disabled_apic_accepts_only_nmi)
{
	struct vlapic l;
	struct apic_irq nmi = { .mode = APIC_MODE_NMI };

	vlapic_init(&l, 0, true);
	fixed(&l, 0x40, false);
	CHECK_EQ(vlapic_pending_vector(&l), -1);
	vlapic_accept(&l, &nmi);
	CHECK(l.nmi_pending);
	vlapic_set_base(&l, APIC_BASE_DEFAULT, 46);
	l.nmi_pending = false;
	vlapic_accept(&l, &nmi);
	CHECK(!l.nmi_pending);
}

/*
 * Two NMIs that come before the first is taken are both kept (one to
 * deliver, one latched); a third is lost, as a CPU holds no more.
 */
TEST(vlapic_holds_two_nmis_and_drops_a_third)
{
	struct vlapic l;
	struct apic_irq nmi = { .mode = APIC_MODE_NMI };

	vlapic_init(&l, 0, true);
	vlapic_accept(&l, &nmi);
	vlapic_accept(&l, &nmi);
	CHECK_EQ(l.nmi_pending, 2);
	vlapic_accept(&l, &nmi);
	CHECK_EQ(l.nmi_pending, VLAPIC_NMIS_HELD);
}

/* While an NMI's handler runs, one more NMI is latched and the rest are lost. */
TEST(vlapic_latches_one_nmi_while_one_is_in_service)
{
	struct vlapic l;
	struct apic_irq nmi = { .mode = APIC_MODE_NMI };

	vlapic_init(&l, 0, true);
	l.nmi_in_service = true;
	for (int i = 0; i < 10; i++)
		vlapic_accept(&l, &nmi);
	CHECK_EQ(l.nmi_pending, 1);
}

TEST(vlapic_pic_reaches_through_lint0_extint_or_virtual_wire)
{
	struct vlapic l;

	vlapic_init(&l, 0, true);
	CHECK(vlapic_accepts_pic(&l)); /* after reset: software-disabled */
	wr(&l, LAPIC_SVR, 0x1ff);
	CHECK(!vlapic_accepts_pic(&l)); /* LINT0 masked */
	wr(&l, LAPIC_LVT_LINT0, 0x700);
	CHECK(vlapic_accepts_pic(&l));
	wr(&l, LAPIC_LVT_LINT0, 0x400); /* NMI, not ExtINT */
	CHECK(!vlapic_accepts_pic(&l));
	vlapic_set_base(&l, APIC_BASE_DEFAULT, 46);
	CHECK(vlapic_accepts_pic(&l)); /* no APIC at all */
}

/* ---- Destinations ---- */

/* Whether a message to dest (logical or physical) names l. */
static bool names(const struct vlapic *l, bool logical, uint32_t dest)
{
	struct apic_irq irq = { .logical = logical, .dest = dest };
	return vlapic_matches(l, &irq);
}

TEST(vlapic_physical_destinations)
{
	struct vlapic l;

	enabled(&l, 2);
	CHECK(names(&l, false, 2) && !names(&l, false, 1));
	CHECK(names(&l, false, 0xff));
	x2(&l, 2);
	CHECK(!names(&l, false, 0xff)); /* 0xff is an ID in x2APIC mode */
	CHECK(names(&l, false, 0xffffffffu) && names(&l, false, 2));
}

TEST(vlapic_logical_flat_and_cluster)
{
	struct vlapic l;

	enabled(&l, 1);
	wr(&l, LAPIC_LDR, 0x04u << 24);
	CHECK(names(&l, true, 0x0c) && !names(&l, true, 0x0b));
	CHECK(names(&l, true, 0xff));
	wr(&l, LAPIC_DFR, 0x0fffffffu); /* cluster: cluster 3, member bit 1 */
	wr(&l, LAPIC_LDR, 0x32u << 24);
	CHECK(names(&l, true, 0x36));
	CHECK(!names(&l, true, 0x26) && !names(&l, true, 0x31));
}

TEST(vlapic_x2apic_logical_ids)
{
	struct vlapic l;
	uint64_t v;

	x2(&l, 0x13);
	CHECK(vlapic_msr_read(&l, 0x80d, T0, &v));
	CHECK_EQ(v, 0x10008u); /* cluster 1, bit 3 */
	CHECK(names(&l, true, 0x1000c) && !names(&l, true, 0x2000c));
}

/* Three enabled xAPICs, IDs 0-2, and the array vlapic_targets takes. */
struct three {
	struct vlapic l[3];
	const struct vlapic *p[3];
};
static void three(struct three *t)
{
	for (unsigned i = 0; i < 3; i++) {
		enabled(&t->l[i], i);
		t->p[i] = &t->l[i];
	}
}

TEST(vlapic_targets_by_shorthand)
{
	struct three t;
	struct apic_irq irq = { .vector = 0x40, .dest = 2 }; /* the destination plays no part */

	three(&t);
	CHECK_EQ(vlapic_targets(t.p, 3, 1, ICR_DEST_SELF, &irq), 0x2u);
	CHECK_EQ(vlapic_targets(t.p, 3, 1, ICR_DEST_ALL, &irq), 0x7u);
	CHECK_EQ(vlapic_targets(t.p, 3, 1, ICR_DEST_OTHERS, &irq), 0x5u);
	CHECK_EQ(vlapic_targets(t.p, 3, 0xffffffffu, ICR_DEST_OTHERS, &irq), 0x7u); /* no sender */
}

TEST(vlapic_targets_by_destination)
{
	struct three t;
	struct apic_irq irq = { .vector = 0x40, .dest = 2 };

	three(&t);
	CHECK_EQ(vlapic_targets(t.p, 3, 0, ICR_DEST_NONE, &irq), 0x4u);
	irq.dest = 0xff;
	CHECK_EQ(vlapic_targets(t.p, 3, 0, ICR_DEST_NONE, &irq), 0x7u);
	irq.dest = 7;
	CHECK_EQ(vlapic_targets(t.p, 3, 0, ICR_DEST_NONE, &irq), 0);
	wr(&t.l[0], LAPIC_LDR, 0x01u << 24);
	wr(&t.l[2], LAPIC_LDR, 0x04u << 24);
	irq.logical = true;
	irq.dest = 0x05;
	CHECK_EQ(vlapic_targets(t.p, 3, 0, ICR_DEST_NONE, &irq), 0x5u);
	vlapic_set_base(&t.l[2], APIC_BASE_DEFAULT, 46); /* a disabled APIC is named by nothing */
	CHECK_EQ(vlapic_targets(t.p, 3, 0, ICR_DEST_NONE, &irq), 0x1u);
}

TEST(vlapic_lowest_priority_takes_the_lowest_ppr)
{
	struct three t;
	struct apic_irq irq = { .vector = 0x40, .mode = APIC_MODE_LOWEST, .dest = 0xff };

	three(&t);
	CHECK_EQ(vlapic_targets(t.p, 3, 0, ICR_DEST_NONE, &irq), 0x1u); /* a tie: the first */
	wr(&t.l[0], LAPIC_TPR, 0x20);
	wr(&t.l[1], LAPIC_TPR, 0x30);
	wr(&t.l[2], LAPIC_TPR, 0x10);
	CHECK_EQ(vlapic_targets(t.p, 3, 0, ICR_DEST_NONE, &irq), 0x4u);
	irq.dest = 0x02; /* only APIC 2 is not named */
	irq.logical = true;
	wr(&t.l[0], LAPIC_LDR, 0x02u << 24);
	wr(&t.l[1], LAPIC_LDR, 0x02u << 24);
	CHECK_EQ(vlapic_targets(t.p, 3, 0, ICR_DEST_NONE, &irq), 0x1u);
	irq.dest = 0x08;
	CHECK_EQ(vlapic_targets(t.p, 3, 0, ICR_DEST_NONE, &irq), 0); /* nobody */
}

/* ---- The ICR ---- */

TEST(vlapic_icr_modes_and_destinations)
{
	struct vlapic l;
	struct vlapic_ipi ipi;

	enabled(&l, 0);
	ipi = send(&l, 1, 0xc500); /* INIT, level assert */
	CHECK(ipi.send && ipi.irq.mode == APIC_MODE_INIT && ipi.irq.dest == 1);
	CHECK_EQ(ipi.shorthand, ICR_DEST_NONE);
	ipi = send(&l, 2, 0x0609); /* STARTUP, vector 9 */
	CHECK(ipi.send && ipi.irq.mode == APIC_MODE_STARTUP && ipi.irq.vector == 9);
	ipi = send(&l, 3, 0x0830); /* fixed, logical */
	CHECK(ipi.send && ipi.irq.mode == APIC_MODE_FIXED && ipi.irq.logical && ipi.irq.dest == 3);
	ipi = send(&l, 3, 0x0131); /* lowest priority */
	CHECK(ipi.send && ipi.irq.mode == APIC_MODE_LOWEST && !ipi.irq.logical);
	ipi = send(&l, 1, 0x4400); /* NMI */
	CHECK(ipi.send && ipi.irq.mode == APIC_MODE_NMI);
	CHECK_EQ(rd(&l, LAPIC_ICR_HIGH), 1u << 24);
}

TEST(vlapic_icr_shorthands)
{
	struct vlapic l;

	enabled(&l, 1);
	CHECK_EQ(send(&l, 0, 0x40040).shorthand, ICR_DEST_SELF);
	CHECK_EQ(send(&l, 0, 0x80040).shorthand, ICR_DEST_ALL);
	CHECK_EQ(send(&l, 0, 0xc0040).shorthand, ICR_DEST_OTHERS);
	CHECK_EQ(send(&l, 0xff, 0x40).irq.dest, 0xffu); /* physical broadcast */
}

/* It is an error to read the ICR busy: every IPI is sent at once. */
TEST(vlapic_icr_reads_back_idle)
{
	struct vlapic l;

	enabled(&l, 0);
	send(&l, 1, 0x1609); /* with the delivery-status bit written too */
	CHECK_EQ(rd(&l, LAPIC_ICR_LOW), 0x0609u);
}

/* It is an error to send anything with an INIT de-assert, an SMI or a reserved mode. */
TEST(vlapic_icr_that_sends_nothing)
{
	struct vlapic l;

	enabled(&l, 0);
	CHECK(!send(&l, 1, 0x8500).send); /* INIT level de-assert */
	CHECK(!send(&l, 1, 0x0200).send); /* SMI */
	CHECK(!send(&l, 1, 0x0730).send); /* ExtINT */
	CHECK(!send(&l, 1, 0x000f).send); /* fixed, illegal vector */
}

/* ---- The timer ---- */

/* An enabled APIC whose timer starts at T0 with LVT entry lvt, divide configuration divide, count initial. */
static void timer_at_t0(struct vlapic *l, uint32_t lvt, uint32_t divide, uint32_t initial)
{
	enabled(l, 0);
	vlapic_mmio_write(l, LAPIC_LVT_TIMER, lvt, T0);
	vlapic_mmio_write(l, LAPIC_TIMER_DIVIDE, divide, T0);
	vlapic_mmio_write(l, LAPIC_TIMER_INITIAL, initial, T0);
}

TEST(vlapic_one_shot_timer)
{
	struct vlapic l;

	timer_at_t0(&l, 0x40, 0x0, 1000); /* divide by 2 */
	CHECK_EQ(vlapic_next_deadline(&l), AT(2000));
	CHECK_EQ(vlapic_mmio_read(&l, LAPIC_TIMER_CURRENT, AT(2) - 1), 1000); /* 32 TSC counts a count */
	CHECK_EQ(vlapic_mmio_read(&l, LAPIC_TIMER_CURRENT, AT(2)), 999);
	CHECK_EQ(vlapic_mmio_read(&l, LAPIC_TIMER_CURRENT, AT(1000)), 500);
	vlapic_update(&l, AT(1999));
	CHECK_EQ(vlapic_pending_vector(&l), -1);
	vlapic_update(&l, AT(2000));
	CHECK_EQ(vlapic_pending_vector(&l), 0x40);
	CHECK_EQ(vlapic_next_deadline(&l), UINT64_MAX);
	CHECK_EQ(vlapic_mmio_read(&l, LAPIC_TIMER_CURRENT, AT(5000)), 0);
	CHECK_EQ(vlapic_mmio_read(&l, LAPIC_TIMER_INITIAL, AT(5000)), 1000);
	vlapic_acknowledge(&l);
	vlapic_update(&l, AT(9000));
	CHECK_EQ(vlapic_pending_vector(&l), -1); /* fired once */
}

TEST(vlapic_periodic_timer)
{
	struct vlapic l;

	timer_at_t0(&l, 0x20041, 0xb, 100); /* divide by 1 */
	vlapic_update(&l, AT(100));
	CHECK_EQ(vlapic_acknowledge(&l), 0x41);
	CHECK_EQ(vlapic_next_deadline(&l), AT(200));
	CHECK_EQ(vlapic_mmio_read(&l, LAPIC_TIMER_CURRENT, AT(130)), 70);
	vlapic_mmio_write(&l, LAPIC_EOI, 0, AT(130));
	vlapic_update(&l, AT(450)); /* three periods missed: one interrupt */
	CHECK_EQ(vlapic_acknowledge(&l), 0x41);
	CHECK_EQ(vlapic_pending_vector(&l), -1);
	CHECK_EQ(vlapic_next_deadline(&l), AT(500));
	CHECK_EQ(vlapic_mmio_read(&l, LAPIC_TIMER_CURRENT, AT(460)), 40);
}

/* It is an error for a masked timer to stop counting, or to interrupt. */
TEST(vlapic_masked_timer_counts)
{
	struct vlapic l;

	timer_at_t0(&l, 0x10040, 0xb, 100);
	CHECK_EQ(vlapic_next_deadline(&l), UINT64_MAX);
	CHECK_EQ(vlapic_mmio_read(&l, LAPIC_TIMER_CURRENT, AT(60)), 40);
	vlapic_update(&l, AT(200));
	CHECK_EQ(vlapic_pending_vector(&l), -1);
	CHECK_EQ(vlapic_mmio_read(&l, LAPIC_TIMER_CURRENT, AT(200)), 0);
}

TEST(vlapic_timer_mode_changes)
{
	struct vlapic l;

	timer_at_t0(&l, 0x40, 0xb, 100);
	vlapic_mmio_write(&l, LAPIC_LVT_TIMER, 0x20040, AT(60)); /* to periodic: counts on */
	CHECK_EQ(vlapic_mmio_read(&l, LAPIC_TIMER_CURRENT, AT(60)), 40);
	CHECK_EQ(vlapic_mmio_read(&l, LAPIC_TIMER_CURRENT, AT(110)), 90);
	vlapic_mmio_write(&l, LAPIC_LVT_TIMER, 0x40, AT(110));
	CHECK_EQ(vlapic_mmio_read(&l, LAPIC_TIMER_CURRENT, AT(300)), 0);
	vlapic_mmio_write(&l, LAPIC_LVT_TIMER, 0x20040, AT(300)); /* stays 0 */
	CHECK_EQ(vlapic_mmio_read(&l, LAPIC_TIMER_CURRENT, AT(350)), 0);
	vlapic_mmio_write(&l, LAPIC_TIMER_INITIAL, 100, AT(400));
	vlapic_mmio_write(&l, LAPIC_LVT_TIMER, 0x40040, AT(410)); /* to TSC-deadline: disarmed */
	CHECK_EQ(vlapic_mmio_read(&l, LAPIC_TIMER_INITIAL, AT(410)), 0);
	CHECK_EQ(vlapic_mmio_read(&l, LAPIC_TIMER_CURRENT, AT(410)), 0);
	vlapic_mmio_write(&l, LAPIC_TIMER_INITIAL, 100, AT(420)); /* ignored in that mode */
	CHECK_EQ(vlapic_mmio_read(&l, LAPIC_TIMER_INITIAL, AT(420)), 0);
}

TEST(vlapic_divide_change_keeps_the_count)
{
	struct vlapic l;

	timer_at_t0(&l, 0x40, 0xb, 100);
	vlapic_mmio_write(&l, LAPIC_TIMER_DIVIDE, 0x3, AT(50)); /* divide by 16 */
	CHECK_EQ(vlapic_mmio_read(&l, LAPIC_TIMER_CURRENT, AT(50)), 50);
	CHECK_EQ(vlapic_mmio_read(&l, LAPIC_TIMER_CURRENT, AT(50 + 160)), 40);
	CHECK_EQ(vlapic_next_deadline(&l), AT(50 + 50 * 16));
}

TEST(vlapic_tsc_deadline_timer)
{
	struct vlapic l;

	enabled(&l, 0);
	vlapic_set_tsc_deadline(&l, T0 + 10, T0); /* not in TSC-deadline mode: ignored */
	CHECK_EQ(vlapic_tsc_deadline(&l, T0), 0);
	vlapic_mmio_write(&l, LAPIC_LVT_TIMER, 0x40042, T0);
	vlapic_set_tsc_deadline(&l, T0 + 500, T0);
	CHECK_EQ(vlapic_tsc_deadline(&l, T0 + 1), T0 + 500);
	CHECK_EQ(vlapic_next_deadline(&l), T0 + 500);
	vlapic_update(&l, T0 + 499);
	CHECK_EQ(vlapic_pending_vector(&l), -1);
	CHECK_EQ(vlapic_tsc_deadline(&l, T0 + 500), 0); /* fired: reads 0 */
	CHECK_EQ(vlapic_pending_vector(&l), 0x42);
	CHECK_EQ(vlapic_next_deadline(&l), UINT64_MAX);
	vlapic_acknowledge(&l);
	vlapic_set_tsc_deadline(&l, T0 + 100, T0 + 600); /* already past: fires at once */
	CHECK(bit(&l, LAPIC_IRR, 0x42));
	vlapic_set_tsc_deadline(&l, T0 + 900, T0 + 600);
	vlapic_set_tsc_deadline(&l, 0, T0 + 601); /* 0 disarms */
	CHECK_EQ(vlapic_next_deadline(&l), UINT64_MAX);
}

/* ---- x2APIC ---- */

TEST(vlapic_x2apic_msr_mapping)
{
	struct vlapic l;
	struct vlapic_ipi ipi;
	uint64_t v;

	x2(&l, 0x105);
	CHECK(vlapic_msr_read(&l, 0x802, T0, &v) && v == 0x105); /* 32-bit ID */
	CHECK(vlapic_msr_read(&l, 0x803, T0, &v) && v == LAPIC_VERSION_VALUE);
	CHECK(vlapic_msr_write(&l, 0x808, 0x20, T0, &ipi) && l.tpr == 0x20);
	CHECK(vlapic_msr_read(&l, 0x80a, T0, &v) && v == 0x20); /* PPR */
	CHECK(vlapic_msr_read(&l, 0x80f, T0, &v) && v == 0x1ff);
	CHECK(vlapic_msr_write(&l, 0x830, 0x0000000700004031ULL, T0, &ipi));
	CHECK(ipi.send && ipi.irq.dest == 7 && ipi.irq.vector == 0x31);
	CHECK(vlapic_msr_read(&l, 0x830, T0, &v) && v == 0x0000000700004031ULL);
	CHECK(vlapic_msr_write(&l, 0x83f, 0x55, T0, &ipi));
	CHECK(ipi.send && ipi.shorthand == ICR_DEST_SELF && ipi.irq.vector == 0x55);
	CHECK(vlapic_msr_write(&l, 0x832, 0x20041, T0, &ipi)); /* LVT timer */
	CHECK_EQ(l.lvt[LVT_TIMER], 0x20041u);
	fixed(&l, 0x60, false);
	CHECK(vlapic_msr_read(&l, 0x823, T0, &v) && v == 1u); /* IRR 0x60-0x7f */
	vlapic_acknowledge(&l);
	CHECK(vlapic_msr_read(&l, 0x813, T0, &v) && v == 1u); /* ISR */
	CHECK(vlapic_msr_write(&l, 0x80b, 0, T0, &ipi));
	CHECK(vlapic_msr_read(&l, 0x813, T0, &v) && v == 0);
	/* the xAPIC page is not the APIC's in x2APIC mode */
	CHECK_EQ(rd(&l, LAPIC_VERSION), 0xffffffffu);
}

/* It is an error to read a write-only, write a read-only or reserved bit, or use a missing register. */
TEST(vlapic_x2apic_gp_cases)
{
	struct vlapic l;
	struct vlapic_ipi ipi;
	uint64_t v;

	x2(&l, 1);
	CHECK(!vlapic_msr_read(&l, 0x80b, T0, &v));         /* EOI */
	CHECK(!vlapic_msr_read(&l, 0x83f, T0, &v));         /* SELF IPI */
	CHECK(!vlapic_msr_read(&l, 0x80e, T0, &v));         /* no DFR */
	CHECK(!vlapic_msr_read(&l, 0x831, T0, &v));         /* no ICR high */
	CHECK(!vlapic_msr_read(&l, 0x809, T0, &v));         /* no APR */
	CHECK(!vlapic_msr_read(&l, 0x800, T0, &v));         /* nothing there */
	CHECK(!vlapic_msr_write(&l, 0x802, 5, T0, &ipi));   /* ID */
	CHECK(!vlapic_msr_write(&l, 0x80d, 1, T0, &ipi));   /* LDR */
	CHECK(!vlapic_msr_write(&l, 0x80a, 0, T0, &ipi));   /* PPR */
	CHECK(!vlapic_msr_write(&l, 0x839, 0, T0, &ipi));   /* current count */
	CHECK(!vlapic_msr_write(&l, 0x810, 0, T0, &ipi));   /* ISR */
	CHECK(!vlapic_msr_write(&l, 0x80b, 1, T0, &ipi));   /* EOI of non-zero */
	CHECK(!vlapic_msr_write(&l, 0x808, 0x100, T0, &ipi)); /* TPR reserved bit */
	CHECK(!vlapic_msr_write(&l, 0x808, 1ULL << 32, T0, &ipi));
	CHECK(!vlapic_msr_write(&l, 0x80f, 0x1000, T0, &ipi)); /* SVR bit 12 */
	CHECK(!vlapic_msr_write(&l, 0x83f, 0x100, T0, &ipi)); /* SELF IPI bit 8 */
	CHECK(!vlapic_msr_write(&l, 0x830, 1u << 12, T0, &ipi)); /* ICR busy bit */
	CHECK(!vlapic_msr_write(&l, 0x900, 0, T0, &ipi));   /* not an x2APIC MSR */
	CHECK(vlapic_msr_write(&l, 0x828, 0, T0, &ipi));    /* ESR takes 0 */
	vlapic_init(&l, 1, false); /* xAPIC mode: no MSRs */
	CHECK(!vlapic_msr_read(&l, 0x803, T0, &v));
}

/* ---- IA32_APIC_BASE ---- */

TEST(vlapic_apic_base_transitions)
{
	struct vlapic l;
	const uint64_t b = APIC_BASE_DEFAULT, en = APIC_BASE_ENABLE, x = APIC_BASE_EXTD;

	vlapic_init(&l, 0, true);
	CHECK(!vlapic_set_base(&l, b | x, 46));      /* to invalid */
	CHECK(vlapic_set_base(&l, b | en | x, 46));  /* xAPIC -> x2APIC */
	CHECK(vlapic_x2apic(&l));
	CHECK(!vlapic_set_base(&l, b | en, 46));     /* x2APIC -> xAPIC */
	CHECK(vlapic_set_base(&l, b | en | x, 46));  /* unchanged */
	CHECK(vlapic_set_base(&l, b, 46));           /* x2APIC -> disabled */
	CHECK(!vlapic_hw_enabled(&l));
	CHECK(!vlapic_set_base(&l, b | en | x, 46)); /* disabled -> x2APIC */
	CHECK(vlapic_set_base(&l, b | en, 46));      /* disabled -> xAPIC */
	CHECK_EQ(l.base, b | en | APIC_BASE_BSP);   /* BSP stays */
	CHECK(!vlapic_set_base(&l, b | en | 1, 46));  /* reserved low bit */
	CHECK(!vlapic_set_base(&l, b | en | (1ULL << 9), 46));
	CHECK(!vlapic_set_base(&l, b | en | (1ULL << 46), 46)); /* above the physical width */
	CHECK(vlapic_set_base(&l, 0xfed40000ULL | en, 46)); /* relocation */
	CHECK_EQ(vlapic_mmio_base(&l), 0xfed40000ULL);
}

/* Disabling resets the APIC (but CR8); the ID comes back as the vCPU's. */
TEST(vlapic_disable_resets)
{
	struct vlapic l;

	enabled(&l, 1);
	wr(&l, LAPIC_TPR, 0x30);
	wr(&l, LAPIC_LVT_LINT0, 0x700);
	fixed(&l, 0x40, false);
	vlapic_set_base(&l, APIC_BASE_DEFAULT, 46);
	CHECK_EQ(rd(&l, LAPIC_VERSION), 0xffffffffu); /* no APIC at its page */
	CHECK_EQ(vlapic_cr8(&l), 3);
	vlapic_set_cr8(&l, 5);
	vlapic_set_base(&l, APIC_BASE_DEFAULT | APIC_BASE_ENABLE, 46);
	CHECK_EQ(rd(&l, LAPIC_TPR), 0x50);
	CHECK_EQ(rd(&l, LAPIC_SVR), 0xffu);
	CHECK_EQ(rd(&l, LAPIC_LVT_LINT0), LVT_MASKED);
	CHECK_EQ(rd(&l, LAPIC_IRR + 0x20), 0);
	CHECK_EQ(rd(&l, LAPIC_ID), 1u << 24);
}

/* ---- The timer's cached deadline (what the VMM's exit path reads instead of working it out) ---- */

/* The timer's next interrupt worked out from its registers, as the SDM has it (10.5.4). */
static uint64_t deadline_from_registers(const struct vlapic *l)
{
	uint32_t lvt = l->lvt[LVT_TIMER], code = (l->timer_divide & 3) | (l->timer_divide >> 1 & 4);
	uint64_t divisor = LAPIC_TSC_PER_BUS * (code == 7 ? 1 : 2u << code);
	if (lvt & LVT_MASKED)
		return UINT64_MAX;
	if (LVT_TIMER_MODE(lvt) == LVT_TIMER_DEADLINE)
		return l->tsc_deadline ? l->tsc_deadline : UINT64_MAX;
	return l->timer_running ? l->timer_start + l->timer_initial * divisor : UINT64_MAX;
}

/* One of the things that change the timer's state, chosen by r, at guest TSC now. */
static void timer_step(struct vlapic *l, uint64_t r, uint64_t now)
{
	static const uint32_t lvts[] = { 0x40, 0x20041, 0x40042, 0x10043, 0x30044, 0x50045 };
	switch (r % 9) {
	case 0: vlapic_mmio_write(l, LAPIC_LVT_TIMER, lvts[r / 9 % 6], now); break;
	case 1: vlapic_mmio_write(l, LAPIC_TIMER_INITIAL, (uint32_t)(r >> 8) % 5000, now); break;
	case 2: vlapic_mmio_write(l, LAPIC_TIMER_DIVIDE, (uint32_t)(r >> 8) & 0xb, now); break;
	case 3: vlapic_set_tsc_deadline(l, now + (r >> 8) % 200000 - 1000, now); break;
	case 4: vlapic_mmio_write(l, LAPIC_SVR, r & 0x100 ? 0x1ff : 0xff, now); break;
	case 5: vlapic_mmio_read(l, LAPIC_TIMER_CURRENT, now); break;
	case 6: vlapic_tsc_deadline(l, now); break;
	case 7: if (r % 61 == 0) vlapic_reset(l); break;
	case 8: vlapic_mmio_write(l, LAPIC_EOI, 0, now); break;
	}
}

/*
 * It is an error for vlapic_next_deadline to differ from the registers'
 * deadline after any change to them, or for vlapic_update before that
 * deadline to raise an interrupt or move it.
 */
TEST(vlapic_cached_deadline_follows_every_change)
{
	struct vlapic l;
	unsigned long long seed = 0x9e3779b97f4a7c15ULL;
	uint64_t now = T0;
	enabled(&l, 0);
	for (unsigned i = 0; i < 20000; i++) {
		uint64_t r = unit_random(&seed);
		now += (r >> 40) % 3000;
		uint64_t due = vlapic_next_deadline(&l);
		if (now < due) {
			uint32_t irr[8];
			memcpy(irr, l.irr, sizeof(irr));
			vlapic_update(&l, now);
			CHECK(memcmp(irr, l.irr, sizeof(irr)) == 0);
			CHECK_EQ(vlapic_next_deadline(&l), due);
		}
		timer_step(&l, r, now);
		CHECK_EQ(vlapic_next_deadline(&l), deadline_from_registers(&l));
		if (r % 7 == 0) { /* the guest takes what fired, so that IRR can show the next */
			while (vlapic_pending_vector(&l) >= 0) {
				vlapic_acknowledge(&l);
				vlapic_mmio_write(&l, LAPIC_EOI, 0, now);
			}
		}
	}
}

/* It is an error for an update at the cached deadline not to fire an unmasked timer. */
TEST(vlapic_update_at_the_cached_deadline_fires)
{
	struct vlapic l;
	timer_at_t0(&l, 0x20041, 0xb, 100); /* periodic, divide by 1 */
	uint64_t due = vlapic_next_deadline(&l);
	vlapic_update(&l, due - 1);
	CHECK_EQ(vlapic_pending_vector(&l), -1);
	vlapic_update(&l, due);
	CHECK_EQ(vlapic_pending_vector(&l), 0x41);
	CHECK_EQ(vlapic_next_deadline(&l), due + 100 * LAPIC_TSC_PER_BUS);
	vlapic_mmio_write(&l, LAPIC_SVR, 0xff, due); /* software-disabled: masked, no deadline */
	CHECK_EQ(vlapic_next_deadline(&l), UINT64_MAX);
}
