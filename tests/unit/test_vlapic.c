/* Host unit tests for servers/vmm/vlapic.c, written against the SDM's xAPIC registers (vol. 3, 10.4-10.6). */
#include <stdbool.h>
#include <stdint.h>

#include "vlapic.h"
#include "unit.h"

/* Sends ICR high = dest << 24, then low; the IPI it makes. */
static struct vlapic_ipi send(struct vlapic *l, uint8_t dest, uint32_t low)
{
	vlapic_write(l, LAPIC_ICR_HIGH, (uint32_t)dest << 24);
	return vlapic_write(l, LAPIC_ICR_LOW, low);
}

TEST(vlapic_reset_registers)
{
	struct vlapic l;

	vlapic_init(&l, 3);
	CHECK_EQ(vlapic_read(&l, LAPIC_ID), 3u << 24);
	CHECK_EQ(vlapic_read(&l, LAPIC_VERSION), 0x00050014u);
	CHECK_EQ(vlapic_read(&l, LAPIC_SVR), 0xffu);
	CHECK_EQ(vlapic_read(&l, LAPIC_TPR), 0);
	CHECK_EQ(vlapic_read(&l, LAPIC_ICR_LOW), 0);
	CHECK_EQ(vlapic_read(&l, 0x24), 0); /* not a register's offset */
}

/* It is an error for the ID register to take a write: the vCPU's number stays. */
TEST(vlapic_id_is_read_only_and_eoi_accepted)
{
	struct vlapic l;

	vlapic_init(&l, 1);
	CHECK_EQ(vlapic_write(&l, LAPIC_ID, 7u << 24).kind, IPI_NONE);
	CHECK_EQ(vlapic_write(&l, LAPIC_EOI, 0).kind, IPI_NONE);
	CHECK_EQ(vlapic_read(&l, LAPIC_ID), 1u << 24);
	vlapic_write(&l, LAPIC_SVR, 0x1ff);
	CHECK_EQ(vlapic_read(&l, LAPIC_SVR), 0x1ffu);
}

TEST(vlapic_init_and_startup_to_a_physical_destination)
{
	struct vlapic l;
	struct vlapic_ipi ipi;

	vlapic_init(&l, 0);
	ipi = send(&l, 1, 0xc500); /* INIT, level assert */
	CHECK_EQ(ipi.kind, IPI_INIT);
	CHECK(vlapic_ipi_reaches(&ipi, 0, 1));
	CHECK(!vlapic_ipi_reaches(&ipi, 0, 0));
	CHECK(!vlapic_ipi_reaches(&ipi, 0, 2));
	ipi = send(&l, 2, 0x0609); /* STARTUP, vector 9 */
	CHECK_EQ(ipi.kind, IPI_STARTUP);
	CHECK_EQ(ipi.vector, 9);
	CHECK(vlapic_ipi_reaches(&ipi, 0, 2));
	CHECK(!vlapic_ipi_reaches(&ipi, 0, 1));
	CHECK_EQ(vlapic_read(&l, LAPIC_ICR_HIGH), 2u << 24);
}

/* It is an error to read the ICR busy: every IPI is sent at once. */
TEST(vlapic_icr_reads_back_idle)
{
	struct vlapic l;

	vlapic_init(&l, 0);
	send(&l, 1, 0x1609); /* with the delivery-status bit written too */
	CHECK_EQ(vlapic_read(&l, LAPIC_ICR_LOW), 0x0609u);
}

TEST(vlapic_shorthands)
{
	struct vlapic l;
	struct vlapic_ipi ipi;

	vlapic_init(&l, 1);
	ipi = send(&l, 0, 0xc0609); /* STARTUP to all excluding self */
	CHECK_EQ(ipi.kind, IPI_STARTUP);
	CHECK(vlapic_ipi_reaches(&ipi, 1, 0) && vlapic_ipi_reaches(&ipi, 1, 3));
	CHECK(!vlapic_ipi_reaches(&ipi, 1, 1));
	ipi = send(&l, 0, 0x8c500); /* INIT to all including self */
	CHECK(vlapic_ipi_reaches(&ipi, 1, 1) && vlapic_ipi_reaches(&ipi, 1, 2));
	ipi = send(&l, 0, 0x4c500); /* INIT to self */
	CHECK(vlapic_ipi_reaches(&ipi, 1, 1) && !vlapic_ipi_reaches(&ipi, 1, 0));
	ipi = send(&l, 0xff, 0x0609); /* physical broadcast */
	CHECK(vlapic_ipi_reaches(&ipi, 1, 0) && vlapic_ipi_reaches(&ipi, 1, 2));
}

/* It is an error to start anything with an INIT de-assert, a fixed IPI or a logical destination. */
TEST(vlapic_ipis_not_modelled_send_nothing)
{
	struct vlapic l;

	vlapic_init(&l, 0);
	CHECK_EQ(send(&l, 1, 0x8500).kind, IPI_NONE);  /* INIT level de-assert */
	CHECK_EQ(send(&l, 1, 0x0030).kind, IPI_NONE);  /* fixed, vector 0x30 */
	CHECK_EQ(send(&l, 1, 0x0e09).kind, IPI_NONE);  /* STARTUP, logical destination */
	CHECK_EQ(send(&l, 1, 0xc0e09).kind, IPI_STARTUP); /* a shorthand ignores the mode */
}
