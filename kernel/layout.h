/* Where things are in the kernel's virtual address space (C and assembly). */
#ifndef KERNEL_LAYOUT_H
#define KERNEL_LAYOUT_H

#define KERNEL_VMA     0xFFFFFFFF80000000 /* kernel image: phys + KERNEL_VMA */
#define PHYSMAP_BASE   0xFFFF800000000000 /* all physical memory: phys + PHYSMAP_BASE */
#define MMIO_BASE      0xFFFFFFFF00000000 /* uncached device windows, 4 KiB each */
#define KSTACK_SIZE    16384

#define SEL_KCODE 0x08
#define SEL_KDATA 0x10
#define SEL_UDATA 0x1b /* user data/code follow in sysret order */
#define SEL_UCODE 0x23
#define SEL_TSS   0x28

#endif
