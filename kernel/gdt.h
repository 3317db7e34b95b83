#ifndef KERNEL_GDT_H
#define KERNEL_GDT_H

#include <stdint.h>

#define IST_DOUBLE_FAULT 1
#define IST_NMI          2

void gdt_init(void);
void tss_set_kernel_stack(uint64_t rsp0);
void tss_set_iomap(const uint8_t *bitmap);

#endif
