/* Host unit tests for servers/vmm/bios.c: the vector table a BIOS leaves. */
#include <stdint.h>
#include <stdlib.h>

#include "bios.h"
#include "unit.h"

/* The linear address vector v points at. */
static uint32_t vector_target(const uint8_t *low, unsigned v)
{
	uint16_t offset = (uint16_t)(low[4 * v] | low[4 * v + 1] << 8);
	uint16_t segment = (uint16_t)(low[4 * v + 2] | low[4 * v + 3] << 8);
	return (uint32_t)segment * 16 + offset;
}

TEST(bios_irq_vectors_end_their_interrupt_and_the_rest_iret)
{
	uint8_t *low = calloc(1, BIOS_LOW_BYTES);
	CHECK(low != NULL);
	bios_write_ivt(low);
	for (unsigned v = 0; v < BIOS_IVT_VECTORS; v++) {
		uint32_t at = vector_target(low, v);
		CHECK(at >= BIOS_HANDLERS && at < BIOS_LOW_BYTES);
		if (v >= 0x08 && v < 0x10) /* IRQ 0-7: EOI to the master (out 0x20), then IRET */
			CHECK(low[at + 3] == 0xe6 && low[at + 4] == 0x20 && low[at + 6] == 0xcf);
		else if (v >= 0x70 && v < 0x78) /* IRQ 8-15: the slave (out 0xA0), then the master */
			CHECK(low[at + 4] == 0xa0 && low[at + 6] == 0x20 && low[at + 8] == 0xcf);
		else
			CHECK_EQ(low[at], 0xcf);
	}
	CHECK_EQ(vector_target(low, 0x08), BIOS_HANDLERS + BIOS_MASTER_OFFSET);
	CHECK_EQ(vector_target(low, 0x73), BIOS_HANDLERS + BIOS_SLAVE_OFFSET);
	free(low);
}
