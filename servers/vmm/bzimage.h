/*
 * The Linux loader: puts a bzImage, its initrd, its command line and the
 * zero page (struct boot_params) into a guest's RAM as a PC boot loader
 * does under the Linux x86 boot protocol (Documentation/x86/boot.rst), for
 * the 32-bit entry.  Pure, like loader.c: it works on a buffer standing
 * for the guest's RAM, so the host tests drive it (tests/unit/test_bzimage.c);
 * guest.c maps the boot modules and calls it.
 *
 * Use: bz_load_kernel once, bz_load_initrd if there is one, then
 * bz_write_params.  Each returns false after writing why into load->err;
 * the guest must then not run.
 *
 * Guest-physical layout (docs/vmm.md, "Loading a Linux kernel"):
 *   0x500-0x520        guest.c's GDT with the boot protocol's selectors
 *                      (BZ_BOOT_CS, BZ_BOOT_DS)
 *   0x1000-0x2000      the zero page (ESI at the entry)
 *   0x2000-...         the command line (cmd_line_ptr)
 *   0x9FC00-0x100000   the EBDA, video memory, option ROMs and BIOS (the
 *                      ACPI tables at 0xE0000): no RAM in the e820 map,
 *                      which is the guest's memory map (pcmap.h)
 *   pref_address       the protected-mode kernel (a relocatable one; a
 *                      fixed one at 0x100000, from where it moves itself
 *                      to pref_address), with init_size bytes of room
 *   below the RAM end  the initrd, page-aligned, as high as
 *                      initrd_addr_max lets it go
 */
#ifndef BZIMAGE_H
#define BZIMAGE_H

#include <stdbool.h>
#include <stdint.h>

#include "pcmap.h"

/* Where the setup header's fields are, in the file and in the zero page alike. */
#define BZ_SETUP_SECTS      0x1f1 /* u8: 512-byte sectors of setup after the boot sector (0: 4) */
#define BZ_SYSSIZE          0x1f4 /* u32: the protected-mode kernel's size in 16-byte units */
#define BZ_BOOT_FLAG        0x1fe /* u16: 0xAA55 */
#define BZ_JUMP             0x200 /* u16: a short jump; byte 2: the header's length less 2 */
#define BZ_HEADER           0x202 /* u32: "HdrS" */
#define BZ_VERSION          0x206 /* u16: the protocol version, major << 8 | minor */
#define BZ_TYPE_OF_LOADER   0x210 /* u8 */
#define BZ_LOADFLAGS        0x211 /* u8 */
#define BZ_CODE32_START     0x214 /* u32: the 32-bit entry (where the kernel was loaded) */
#define BZ_RAMDISK_IMAGE    0x218 /* u32 */
#define BZ_RAMDISK_SIZE     0x21c /* u32 */
#define BZ_HEAP_END_PTR     0x224 /* u16 */
#define BZ_CMD_LINE_PTR     0x228 /* u32 */
#define BZ_INITRD_ADDR_MAX  0x22c /* u32: the highest address the initrd's last byte may have */
#define BZ_KERNEL_ALIGNMENT 0x230 /* u32 */
#define BZ_RELOCATABLE      0x234 /* u8: the kernel may run anywhere kernel_alignment allows */
#define BZ_CMDLINE_SIZE     0x238 /* u32: the command line's longest length, without its 0 */
#define BZ_PREF_ADDRESS     0x258 /* u64 */
#define BZ_INIT_SIZE        0x260 /* u32: the room the kernel needs from where it runs */
#define BZ_HEADER_LIMIT     0x290 /* the zero page's setup header ends here */

/* Zero page fields outside the setup header. */
#define BZ_ACPI_RSDP_ADDR   0x070 /* u64: where the RSDP is, so that the kernel need not scan */
#define BZ_E820_ENTRIES     0x1e8 /* u8 */
#define BZ_E820_TABLE       0x2d0 /* 20-byte entries */
#define BZ_E820_MAX         128
#define BZ_ZERO_PAGE_BYTES  4096

#define BZ_MAGIC            0x53726448 /* "HdrS" */
#define BZ_BOOT_FLAG_MAGIC  0xaa55
#define BZ_MIN_VERSION      0x020a     /* 2.10: pref_address and init_size */
#define BZ_LOADED_HIGH      0x01       /* loadflags: a bzImage, its kernel at 1 MiB or above */
#define BZ_KEEP_SEGMENTS    0x40       /* loadflags: obsolete; cleared */
#define BZ_CAN_USE_HEAP     0x80       /* loadflags: heap_end_ptr is valid (no setup runs here) */
#define BZ_LOADER_UNDEFINED 0xff       /* type_of_loader: a loader without an assigned ID */
#define BZ_LOW_KERNEL       PC_HIGH_RAM /* where a kernel that is not relocatable is loaded */

#define BZ_GDT_GPA          0x500
#define BZ_BOOT_CS          0x10       /* __BOOT_CS: flat 4 GiB code */
#define BZ_BOOT_DS          0x18       /* __BOOT_DS: flat 4 GiB data */
#define BZ_PARAMS_GPA       0x1000     /* the zero page (ESI) */
#define BZ_CMDLINE_GPA      0x2000     /* the command line */

/* One e820 map entry, as the zero page holds it; type is pcmap.h's. */
struct bz_e820_entry {
	uint64_t addr, size;
	uint32_t type;
} __attribute__((packed));

/* A load in progress. */
struct bz_load {
	uint8_t *ram;          /* the guest's RAM, guest-physical 0 up */
	uint64_t ram_bytes;
	struct pc_map map;     /* its memory map: the e820 map, and where the loader may write */
	uint32_t entry;        /* the 32-bit entry: where the protected-mode kernel went */
	uint64_t kernel_end;   /* the first byte above the kernel and the room it needs */
	uint32_t initrd_max;   /* the header's initrd_addr_max */
	uint32_t cmdline_max;  /* the header's cmdline_size */
	uint32_t initrd_start, initrd_bytes;
	char err[160];
};

/* Whether img[0 .. bytes) has a Linux setup header ("HdrS" at 0x202): a kernel for this loader. */
bool bz_is_linux(const uint8_t *img, uint64_t bytes);

/* Starts a load into ram[0 .. bytes), a guest's whole RAM. */
void bz_load_init(struct bz_load *load, uint8_t *ram, uint64_t bytes);

/* Checks the setup header, copies it into the zero page, loads the protected-mode kernel. */
bool bz_load_kernel(struct bz_load *load, const uint8_t *img, uint64_t bytes);

/* Copies the initrd, named name, page-aligned as high as RAM and initrd_addr_max allow. */
bool bz_load_initrd(struct bz_load *load, const char *name, const uint8_t *data, uint64_t bytes);

/*
 * Writes the command line at BZ_CMDLINE_GPA and the zero page at
 * BZ_PARAMS_GPA: the header as the kernel has it, with the loader's
 * fields (type_of_loader, loadflags, code32_start, the initrd, cmd_line_ptr),
 * the e820 map and the RSDP's address rsdp.
 */
bool bz_write_params(struct bz_load *load, const char *cmdline, uint64_t rsdp);

#endif
