/*
 * The fw_cfg items (fwcfg.h).  Each item is made on demand into a small
 * buffer: they are a few bytes each, and a guest reads one in a loop of
 * byte reads, so there is nothing to gain from keeping them.
 */
#include "fwcfg.h"

#define FW_CFG_ID_TRADITIONAL 1u /* the I/O-port interface; no DMA (bit 1) */

void fw_cfg_init(struct fw_cfg *f, uint64_t ram_bytes, uint16_t cpus)
{
	*f = (struct fw_cfg){ .ram_bytes = ram_bytes, .cpus = cpus };
}

void fw_cfg_select(struct fw_cfg *f, uint16_t key)
{
	f->key = key;
	f->offset = 0;
}

/* v's low `bytes` bytes, little-endian (the byte order of fw_cfg's numbers), into buf. */
static unsigned put_le(uint8_t *buf, uint64_t v, unsigned bytes)
{
	for (unsigned i = 0; i < bytes; i++)
		buf[i] = (uint8_t)(v >> (8 * i));
	return bytes;
}

/* Item key's bytes into buf (room for 8); its length, 0 for an item not modelled. */
static unsigned item(const struct fw_cfg *f, uint16_t key, uint8_t *buf)
{
	switch (key) {
	case FW_CFG_SIGNATURE:
		return put_le(buf, 'Q' | 'E' << 8 | 'M' << 16 | (uint32_t)'U' << 24, 4);
	case FW_CFG_ID:
		return put_le(buf, FW_CFG_ID_TRADITIONAL, 4);
	case FW_CFG_RAM_SIZE:
		return put_le(buf, f->ram_bytes, 8);
	case FW_CFG_NB_CPUS:
	case FW_CFG_MAX_CPUS:
		return put_le(buf, f->cpus, 2);
	case FW_CFG_FILE_DIR:
		return put_le(buf, 0, 4); /* no files (the count is big-endian: 0 either way) */
	default:
		return 0;
	}
}

uint8_t fw_cfg_read(struct fw_cfg *f)
{
	uint8_t buf[8];
	unsigned len = item(f, f->key, buf);
	if (f->offset >= len)
		return 0;
	return buf[f->offset++];
}
