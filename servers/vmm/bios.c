/*
 * The interrupt vector table and handlers a BIOS leaves (bios.h).  The
 * handlers are 16-bit code, assembled here by hand:
 *
 *   iret                       CF
 *   master: push ax            50
 *           mov al, 0x20       B0 20
 *           out 0x20, al       E6 20     non-specific EOI to the master
 *           pop ax             58
 *           iret               CF
 *   slave:  push ax            50
 *           mov al, 0x20       B0 20
 *           out 0xA0, al       E6 A0     to the slave, then the master
 *           out 0x20, al       E6 20
 *           pop ax             58
 *           iret               CF
 */
#include "bios.h"

static const uint8_t iret_handler[] = { 0xcf };
static const uint8_t master_handler[] = { 0x50, 0xb0, 0x20, 0xe6, 0x20, 0x58, 0xcf };
static const uint8_t slave_handler[] = { 0x50, 0xb0, 0x20, 0xe6, 0xa0, 0xe6, 0x20, 0x58, 0xcf };

static void put_bytes(uint8_t *to, const uint8_t *from, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		to[i] = from[i];
}

/* The handler offset (from F000:0000) of vector v. */
static uint16_t handler_of(unsigned v)
{
	if (v >= BIOS_MASTER_VECTOR && v < BIOS_MASTER_VECTOR + 8)
		return BIOS_MASTER_OFFSET;
	if (v >= BIOS_SLAVE_VECTOR && v < BIOS_SLAVE_VECTOR + 8)
		return BIOS_SLAVE_OFFSET;
	return BIOS_IRET_OFFSET;
}

void bios_write_ivt(uint8_t *low)
{
	uint8_t *code = low + BIOS_HANDLERS;
	put_bytes(code + BIOS_IRET_OFFSET, iret_handler, sizeof(iret_handler));
	put_bytes(code + BIOS_MASTER_OFFSET, master_handler, sizeof(master_handler));
	put_bytes(code + BIOS_SLAVE_OFFSET, slave_handler, sizeof(slave_handler));
	for (unsigned v = 0; v < BIOS_IVT_VECTORS; v++) {
		uint16_t offset = handler_of(v), segment = BIOS_HANDLERS >> 4;
		low[4 * v] = (uint8_t)offset;
		low[4 * v + 1] = (uint8_t)(offset >> 8);
		low[4 * v + 2] = (uint8_t)segment;
		low[4 * v + 3] = (uint8_t)(segment >> 8);
	}
}
