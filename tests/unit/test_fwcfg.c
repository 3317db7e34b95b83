/* Host unit tests for servers/vmm/fwcfg.c, written against QEMU's fw_cfg specification. */
#include <stdint.h>

#include "fwcfg.h"
#include "unit.h"

/* Reads the next n bytes of the selected item as a little-endian number. */
static uint64_t read_le(struct fw_cfg *f, unsigned n)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)fw_cfg_read(f) << (8 * i);
	return v;
}

TEST(fw_cfg_signature_reads_qemu_then_zeros)
{
	struct fw_cfg f;
	fw_cfg_init(&f, 64 << 20, 2);
	fw_cfg_select(&f, FW_CFG_SIGNATURE);
	CHECK_EQ(fw_cfg_read(&f), 'Q');
	CHECK_EQ(fw_cfg_read(&f), 'E');
	CHECK_EQ(fw_cfg_read(&f), 'M');
	CHECK_EQ(fw_cfg_read(&f), 'U');
	CHECK_EQ(fw_cfg_read(&f), 0); /* past the end */
}

TEST(fw_cfg_gives_ram_size_and_cpu_counts)
{
	struct fw_cfg f;
	fw_cfg_init(&f, 0x123456789000ULL, 3);
	fw_cfg_select(&f, FW_CFG_RAM_SIZE);
	CHECK_EQ(read_le(&f, 8), 0x123456789000ULL);
	fw_cfg_select(&f, FW_CFG_NB_CPUS);
	CHECK_EQ(read_le(&f, 2), 3);
	fw_cfg_select(&f, FW_CFG_MAX_CPUS);
	CHECK_EQ(read_le(&f, 2), 3);
	fw_cfg_select(&f, FW_CFG_ID);
	CHECK_EQ(read_le(&f, 4), 1); /* the traditional interface, no DMA */
}

TEST(fw_cfg_reselecting_starts_over_and_unknown_items_read_zero)
{
	struct fw_cfg f;
	fw_cfg_init(&f, 1 << 20, 1);
	fw_cfg_select(&f, FW_CFG_NB_CPUS);
	CHECK_EQ(fw_cfg_read(&f), 1);
	fw_cfg_select(&f, FW_CFG_NB_CPUS);
	CHECK_EQ(fw_cfg_read(&f), 1);
	fw_cfg_select(&f, 0x8000); /* an architecture item not modelled */
	CHECK_EQ(read_le(&f, 8), 0);
	fw_cfg_select(&f, 0xffff);
	CHECK_EQ(fw_cfg_read(&f), 0);
}
