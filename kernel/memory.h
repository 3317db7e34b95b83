/* Physical memory: the frame allocator and the kernel's page tables. */
#ifndef KERNEL_MEMORY_H
#define KERNEL_MEMORY_H

#include <stdint.h>

#include "addr.h"
#include "layout.h"
#include "multiboot2.h"
#include "pmm.h"

/* The physmap: every physical address has a kernel-virtual one. */
static inline void *phys_to_virt(phys_addr phys)
{
	return (void *)(phys + PHYSMAP_BASE);
}

/* The physical address of a kernel object, which lives in the physmap. */
static inline phys_addr physmap_to_phys(const void *p)
{
	return (phys_addr)p - PHYSMAP_BASE;
}

extern struct pmm pmm;
extern const char _kernel_phys_start[], _kernel_phys_end[];

/* Sets up the frame allocator from the memory map, keeping the kernel, modules and mbi. */
void memory_init(const struct boot_info *bi, uint64_t mbi_phys);
/* One zeroed frame, or 0 when memory is exhausted. */
phys_addr frame_alloc_zeroed(void);

/* Page-table entry bits. */
#define PTE_P    (1ULL << 0)
#define PTE_W    (1ULL << 1)
#define PTE_U    (1ULL << 2)
#define PTE_PWT  (1ULL << 3)
#define PTE_PCD  (1ULL << 4)
#define PTE_PS   (1ULL << 7)
#define PTE_G    (1ULL << 8)
#define PTE_NX   (1ULL << 63)
#define PTE_ADDR 0x000ffffffffff000ULL

/* Builds the kernel's page tables (physmap, image with per-section rights) and switches to them. */
void paging_init(uint64_t phys_top);
/* Copies the kernel half of the address space into a new top-level table. */
void paging_share_kernel(uint64_t *pml4);
phys_addr paging_kernel_pml4(void);
/* The end of the physmap: physical [0, end) has a kernel-virtual address (the rest faults). */
uint64_t paging_physmap_end(void);
/* PTE_NX where the CPU supports it, else 0. */
uint64_t paging_nx_bit(void);
/* The largest leaf a page table may hold: 2 (2 MiB), or 3 when the CPU has 1 GiB pages. */
int paging_max_level(void);
/* Maps one 4 KiB device page uncached and returns its address. */
volatile void *mmio_map(phys_addr phys);
/* The entry mapping va in the current tables (a 4 KiB or 2 MiB leaf), or 0 if unmapped. */
uint64_t paging_lookup(uint64_t va);

#endif
