/*
 * What a PC's BIOS leaves behind for the kernel it boots, as far as a
 * Multiboot kernel may count on it (a boot loader such as GRUB runs on
 * the BIOS and leaves its state as it found it; kvm-unit-tests' realmode
 * test, run by QEMU after SeaBIOS, does count on it):
 *
 *   - the real-mode interrupt vector table at 0 (256 far pointers), each
 *     vector at a handler in the BIOS area at BIOS_HANDLERS (F000:0000):
 *     IRQ 0-7 (vectors 0x08-0x0F) and IRQ 8-15 (vectors 0x70-0x77), the
 *     8259 pair's vector bases as a BIOS sets them, end their interrupt
 *     with a non-specific EOI (to the master, or to the slave and the
 *     master) and IRET; every other vector IRETs at once;
 *   - the PIT's channel 0 in mode 3 with a count of 65536 (18.2 Hz),
 *     the 8259's IRQ 0 and the cascade unmasked (devices.c,
 *     devices_bios_state).
 *
 * Not there: the BIOS's own services (INT 0x10, 0x13, 0x15 ... just
 * IRET), its data area's tick count and the rest of what a BIOS keeps.
 * Pure: it writes into a buffer standing for the guest's first MiB, so
 * the host tests read it back (tests/unit/test_bios.c).
 */
#ifndef VMM_BIOS_H
#define VMM_BIOS_H

#include <stdint.h>

#include "pcmap.h"

#define BIOS_HANDLERS      0xf0000u /* F000:0000: the handlers, 16 bytes each */
#define BIOS_IVT_VECTORS   256
#define BIOS_MASTER_VECTOR 0x08     /* IRQ 0-7 */
#define BIOS_SLAVE_VECTOR  0x70     /* IRQ 8-15 */
#define BIOS_LOW_BYTES     PC_HIGH_RAM /* what bios_write_ivt needs of RAM: the first MiB */

/* The offsets of the three handlers from F000:0000. */
#define BIOS_IRET_OFFSET   0x00
#define BIOS_MASTER_OFFSET 0x10
#define BIOS_SLAVE_OFFSET  0x20

/* Writes the vector table and its handlers into low, the guest's first BIOS_LOW_BYTES. */
void bios_write_ivt(uint8_t *low);

#endif
