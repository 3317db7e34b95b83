/*
 * The test devices: ports and an MMIO page that only the test guests use
 * (tests/guests/README.md, "VMM conventions"), kept apart from the models
 * of real hardware in devices.c.  devices.c asks here first for the
 * addresses these devices own; nothing else of the VMM depends on them.
 *
 *   RESULT_PORT, BENCH_PORT  a guest's result or benchmark figure: the
 *                            test harness reads it, and the guest stops
 *   DEBUG_EXIT_PORT          QEMU's isa-debug-exit convention (as
 *                            kvm-unit-tests uses it): a write of any width
 *                            ends the guest with the value as its status
 *   SCRATCH_PORT             4 bytes, read/write
 *   CONSTANT_PORT            4 bytes, read-only: CONSTANT_VALUE
 *   TSC_KHZ_PORT             4 bytes, read-only: the host TSC's rate in kHz
 *                            (0 if unknown), for guests that time a halt
 *   HALT_LATE_PORT           4 bytes, read-only: the TSC counts by which the
 *                            VMM woke after the last halt's deadline
 *                            (devices_halt), at most 0xffffffff
 *   FPU_PROBE_PORT           32-bit only: xstate.c's probe (docs/fpu.md)
 *   FIRST_TSC_PORT           32-bit writes only: the low and (at + 4) high
 *                            half of the TSC the guest read first, for the
 *                            build's bench figure (testrun.c)
 *   MMIO_TEST_PAGE           bytes 0-7 read/write, 8-11 MMIO_CONSTANT,
 *                            the rest read 0
 *
 * And two devices of QEMU's pc-testdev, which kvm-unit-tests uses:
 *   IRQ_LINE_PORT + n        byte writes: 1 raises IRQ line n (0-23), 0
 *                            lowers it; lines 0-15 are the ISA lines
 *                            (isa_irq: the PIC and the I/O APIC), 16-23
 *                            the I/O APIC's pins alone
 *   FLUSH_PAGE_PORT          4 bytes, writes taken and ignored: the page
 *                            whose TLB entries pc-testdev flushes needs no
 *                            flush here, the VMM keeps no copy of the
 *                            guest's translations (EPT/NPT map its memory)
 *   IORAM_BASE               64 KiB of MMIO that reads back what was
 *                            written (zeros at first): memory on which
 *                            kvm-unit-tests' emulator test has every
 *                            instruction exit and emulated.  Its frame is
 *                            made at the first access (guest_ioram_make).
 */
#include "mem.h"
#include "vmm.h"

#define RESULT_PORT    0xf0
#define BENCH_PORT     0xf1
#define DEBUG_EXIT_PORT 0xf4
#define SCRATCH_PORT   0xe0
#define CONSTANT_PORT  0xf8
#define FPU_PROBE_PORT 0xfc
#define FIRST_TSC_PORT 0xd0
#define TSC_KHZ_PORT   0xd8
#define HALT_LATE_PORT 0xdc
#define IRQ_LINE_PORT  0x2000
#define FLUSH_PAGE_PORT 0xe4
#define ISA_IRQS       16
#define CONSTANT_VALUE 0x12345678u
#define MMIO_CONSTANT  0xcafef00dULL
#define MMIO_SCRATCH_BYTES 8

/* A write to the result, bench or debug-exit port: the guest's figure, and the guest stops. */
bool testdev_harness_write(struct exit_ctx *x, uint16_t port, uint32_t value)
{
	if (port != RESULT_PORT && port != BENCH_PORT && port != DEBUG_EXIT_PORT)
		return false;
	x->g->result = value;
	x->g->debug_exited = port == DEBUG_EXIT_PORT;
	guest_stop(x, 0, 0);
	return true;
}

/* A whole access the test devices take as one (the FPU probe); false if not theirs. */
bool testdev_port_read(struct guest *g, uint16_t port, unsigned size, uint32_t *v)
{
	if (port != FPU_PROBE_PORT || size != 4)
		return false;
	*v = g->xstate_probe;
	return true;
}

bool testdev_port_write(struct guest *g, uint16_t port, unsigned size, uint32_t v)
{
	if (size != 4)
		return false;
	if (port == FIRST_TSC_PORT || port == FIRST_TSC_PORT + 4) {
		unsigned shift = port == FIRST_TSC_PORT ? 0 : 32;
		g->first_tsc = (g->first_tsc & ~(0xffffffffULL << shift)) | (uint64_t)v << shift;
		return true;
	}
	if (port != FPU_PROBE_PORT)
		return false;
	xstate_probe(g, v);
	return true;
}

/* One byte of a read-only or scratch test port; false if the port is not one of theirs. */
bool testdev_read_byte(struct guest *g, uint16_t port, uint8_t *v)
{
	if (port >= SCRATCH_PORT && port < SCRATCH_PORT + 4)
		*v = g->scratch_port >> (8 * (port - SCRATCH_PORT));
	else if (port >= CONSTANT_PORT && port < CONSTANT_PORT + 4)
		*v = CONSTANT_VALUE >> (8 * (port - CONSTANT_PORT));
	else if (port >= TSC_KHZ_PORT && port < TSC_KHZ_PORT + 4)
		*v = (uint32_t)(vmm_tsc_hz() / 1000) >> (8 * (port - TSC_KHZ_PORT));
	else if (port >= HALT_LATE_PORT && port < HALT_LATE_PORT + 4)
		*v = (g->halt_late > UINT32_MAX ? UINT32_MAX : (uint32_t)g->halt_late) >>
		     (8 * (port - HALT_LATE_PORT));
	else
		return false;
	return true;
}

/* pc-testdev's IRQ line: 1 raises it, 0 lowers it (any other byte raises it too). */
static void set_irq_line(struct guest *g, unsigned line, uint8_t v)
{
	if (line < ISA_IRQS)
		isa_irq(g, line, v != 0);
	else
		ioapic_set_pin(&g->ioapic, line, v != 0);
}

bool testdev_write_byte(struct guest *g, uint16_t port, uint8_t v)
{
	if (port >= IRQ_LINE_PORT && port < IRQ_LINE_PORT + IOAPIC_PINS) {
		set_irq_line(g, port - IRQ_LINE_PORT, v);
		return true;
	}
	if (port >= FLUSH_PAGE_PORT && port < FLUSH_PAGE_PORT + 4)
		return true;
	if (port < SCRATCH_PORT || port >= SCRATCH_PORT + 4)
		return false; /* the constant port ignores writes, as does an open bus */
	unsigned shift = 8 * (port - SCRATCH_PORT);
	g->scratch_port = (g->scratch_port & ~(0xffu << shift)) | (uint32_t)v << shift;
	return true;
}

/* Byte off of the test MMIO page (off may run past its end: the bytes there read 0). */
uint8_t testdev_mmio_read(struct guest *g, uint64_t off)
{
	if (off < MMIO_SCRATCH_BYTES)
		return g->scratch_mmio >> (8 * off);
	if (off < MMIO_SCRATCH_BYTES + 4)
		return MMIO_CONSTANT >> (8 * (off - MMIO_SCRATCH_BYTES));
	return 0;
}

void testdev_mmio_write(struct guest *g, uint64_t off, uint8_t v)
{
	if (off < MMIO_SCRATCH_BYTES)
		g->scratch_mmio = (g->scratch_mmio & ~(0xffULL << (8 * off))) | (uint64_t)v << (8 * off);
}

bool testdev_ioram_rw(struct guest *g, uint64_t off, unsigned size, bool write, uint64_t *v)
{
	if (!guest_ioram_make(g))
		return false;
	if (write)
		memcpy(g->ioram_map + off, v, size);
	else
		memcpy(v, g->ioram_map + off, size);
	return true;
}
