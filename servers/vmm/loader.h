/*
 * The Multiboot (v1) loader: puts a kernel, its modules and the Multiboot
 * information into a guest's RAM as a PC boot loader would (Multiboot
 * Specification 0.6.96).  Pure: it works on a buffer standing for the
 * guest's RAM, so the host tests drive it (tests/unit/test_loader.c);
 * guest.c maps the boot modules and calls it.
 *
 * Use: mb_load_kernel once, mb_load_module for each module in order, then
 * mb_write_info.  Each returns false after writing why into load->err;
 * the guest must then not run.
 *
 * Guest-physical layout (docs/vmm.md, "Loading"):
 *   0x500-0x7000       the VMM's boot data: guest.c's GDT at 0x500, the
 *                      Multiboot information from MB_INFO_GPA
 *   0x9FC00-0x100000   the EBDA, video memory, option ROMs and BIOS (ACPI
 *                      tables at 0xE0000): no RAM in the memory map
 *                      (pcmap.h), so none for the kernel
 *   the kernel         where its header or its ELF program headers say
 *   the modules        page-aligned, one after another above the kernel
 */
#ifndef LOADER_H
#define LOADER_H

#include <stdbool.h>
#include <stdint.h>

#include "pcmap.h"

#define MB_HEADER_MAGIC    0x1badb002 /* in the kernel's header */
#define MB_BOOT_MAGIC      0x2badb002 /* in EAX at the kernel's entry */
#define MB_SEARCH_BYTES    8192       /* the header lies in the image's first 8 KiB */
#define MB_INFO_GPA        0x6000     /* the information structure (EBX) and what it points to */
#define MB_INFO_END        0x7000
#define BOOT_DATA_START    0x500      /* the first byte a PC's BIOS data leaves free */
#define BOOT_DATA_END      MB_INFO_END
#define MB_MAX_MODULES     8          /* modules= */
#define MB_LOADER_NAME     "Moat VMM"

/* Header flags (bits 0-15 must be understood, 16-31 may be ignored). */
#define MB_FLAG_PAGE_ALIGN (1u << 0)  /* modules page-aligned: always done */
#define MB_FLAG_MEMORY     (1u << 1)  /* mem_* and the memory map: always given */
#define MB_FLAG_VIDEO      (1u << 2)  /* a video mode: no framebuffer here, ignored */
#define MB_FLAG_ADDRESSES  (1u << 16) /* the a.out kludge: load by the header's address fields */

/* Information flags: which fields the structure at EBX holds. */
#define MBI_MEMORY         (1u << 0)
#define MBI_CMDLINE        (1u << 2)
#define MBI_MODULES        (1u << 3)
#define MBI_MEMORY_MAP     (1u << 6)
#define MBI_LOADER_NAME    (1u << 9)

/* The Multiboot information structure (spec 3.3), as far as it is filled in. */
struct mb_info {
	uint32_t flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length, mmap_addr, drives_length, drives_addr, config_table;
	uint32_t boot_loader_name, apm_table;
	uint32_t vbe[4]; /* vbe_control_info .. vbe_interface_len */
};

struct mb_module {
	uint32_t mod_start, mod_end; /* [start, end) of its bytes */
	uint32_t string;             /* its name */
	uint32_t reserved;
};

/* One memory map entry; size (20) counts the bytes after itself; type is pcmap.h's (E820's). */
struct mb_mmap_entry {
	uint32_t size;
	uint64_t base_addr, length;
	uint32_t type;
} __attribute__((packed));

/* A load in progress. */
struct mb_load {
	uint8_t *ram;          /* the guest's RAM, guest-physical 0 up */
	uint64_t ram_bytes;
	struct pc_map map;     /* its memory map: the kernel and modules go in its RAM */
	uint32_t entry;        /* where the kernel starts (mb_load_kernel) */
	uint64_t kernel_end;   /* the first byte above everything the kernel occupies */
	uint64_t next_module;  /* where the next module may start */
	unsigned mods_count;
	struct mb_module mods[MB_MAX_MODULES]; /* their strings are set by mb_write_info */
	const char *notice;    /* a remark for the console (a header flag ignored), or 0 */
	char err[128];
};

/* Starts a load into ram[0 .. bytes), a guest's whole RAM. */
void mb_load_init(struct mb_load *load, uint8_t *ram, uint64_t bytes);

/* Finds the Multiboot header in img[0 .. bytes) and loads the kernel (ELF or by address fields). */
bool mb_load_kernel(struct mb_load *load, const uint8_t *img, uint64_t bytes);

/* Copies a module, named name, page-aligned above the kernel and the modules before it. */
bool mb_load_module(struct mb_load *load, const char *name, const uint8_t *data, uint64_t bytes);

/*
 * Writes the information structure at MB_INFO_GPA: memory sizes and map,
 * the command line (the kernel's name, a space, cmdline, as QEMU and GRUB
 * pass it), the modules with names[i] as module i's string, the loader's
 * name.  Its address goes in EBX.
 */
bool mb_write_info(struct mb_load *load, const char *kernel_name, const char *cmdline,
		   const char *const *names);

#endif
