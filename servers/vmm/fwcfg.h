/*
 * QEMU's firmware configuration interface, fw_cfg, in its traditional
 * I/O-port form (QEMU's docs/specs/fw_cfg.rst): a guest writes a 16-bit
 * item key to the selector port, then reads the item's bytes one at a
 * time from the data port; reads past an item's end give 0.  It is not a
 * PC device but a convention between QEMU and its guests' firmware that
 * other hypervisors copy; kvm-unit-tests reads the CPU count and the RAM
 * size through it.  Modelled items: the signature "QEMU", the interface
 * ID (bit 0: the traditional interface; no DMA), the RAM size, the CPU
 * count and the maximum CPU count, and an empty file directory.  Any
 * other key reads as an empty item.  Pure: host-tested.
 */
#ifndef VMM_FWCFG_H
#define VMM_FWCFG_H

#include <stdint.h>

#define FW_CFG_PORT_SELECTOR 0x510 /* 16-bit writes */
#define FW_CFG_PORT_DATA     0x511 /* 8-bit reads */

#define FW_CFG_SIGNATURE 0x00
#define FW_CFG_ID        0x01
#define FW_CFG_RAM_SIZE  0x03
#define FW_CFG_NB_CPUS   0x05
#define FW_CFG_MAX_CPUS  0x0f
#define FW_CFG_FILE_DIR  0x19

struct fw_cfg {
	uint64_t ram_bytes;
	uint16_t cpus;
	uint16_t key;    /* the item selected */
	uint32_t offset; /* the next byte of it the data port gives */
};

void fw_cfg_init(struct fw_cfg *f, uint64_t ram_bytes, uint16_t cpus);
/* A write of the selector: selects item key, from its first byte. */
void fw_cfg_select(struct fw_cfg *f, uint16_t key);
/* A byte read of the data port: the selected item's next byte. */
uint8_t fw_cfg_read(struct fw_cfg *f);

#endif
