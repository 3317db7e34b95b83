/* What the kernel learned at boot. */
#ifndef KERNEL_BOOT_H
#define KERNEL_BOOT_H

#include "cmdline.h"
#include "multiboot2.h"

extern struct boot_info boot_info;
extern uint64_t boot_mbi_phys;
extern struct kernel_options kernel_options;

#endif
