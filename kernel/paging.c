/*
 * The kernel's page tables: all physical memory at PHYSMAP_BASE (2 MiB
 * pages, no execute), the kernel image at KERNEL_VMA with per-section
 * rights (text read+execute, rodata read, data read+write), and a window of
 * uncached 4 KiB device pages at MMIO_BASE.  Nothing is mapped at low
 * addresses, so a NULL dereference faults.
 */
#include "log.h"
#include "memory.h"
#include "pagetable.h"
#include "panic.h"
#include "x86.h"

extern const char _text[], _etext[], _rodata[], _erodata[], _data[], _kernel_end[];

static phys_addr kernel_pml4;
static uint64_t pte_nx; /* PTE_NX when the CPU supports it, else 0 */
static int max_level = 2; /* the largest leaf: 2 MiB always in long mode, 1 GiB with Page1GB */
static uint64_t mmio_next = MMIO_BASE;
static uint64_t physmap_end; /* the physmap maps [0, physmap_end) */

/* A table page for the kernel's tables: there is no running without one. */
static phys_addr kernel_table_page(void *unused)
{
	(void)unused;
	phys_addr f = frame_alloc_zeroed();
	if (!f)
		panic("out of memory for kernel page tables");
	return f;
}

/* Links a lower kernel table: writable, supervisor only; the leaves set the rights. */
static uint64_t kernel_table(phys_addr phys)
{
	return phys | PTE_P | PTE_W;
}

static const struct pt_format kernel_format = { PTE_P, kernel_table };

/* The entry for va at `level` (1 = 4 KiB page, 2 = 2 MiB page), tables created on the way. */
static uint64_t *entry_for(uint64_t va, int level)
{
	static const struct pt_alloc frames = { kernel_table_page, 0 };
	return pt_walk(kernel_pml4, va, level, &kernel_format, &frames).entry;
}

static void map_range(uint64_t va, uint64_t va_end, uint64_t flags)
{
	for (; va < va_end; va += PAGE_SIZE)
		*entry_for(va, 1) = (va - KERNEL_VMA) | flags | PTE_P | PTE_G;
}

/*
 * SMEP and SMAP where the CPU has them: the kernel never runs or touches
 * a user page (it reaches user memory through the physmap, copy_from_user
 * included), so a hole that steers it to user memory faults instead of
 * becoming code execution.  No code needs STAC/CLAC.
 */
static uint64_t supervisor_protection(void)
{
	if (cpuid(0, 0).eax < 7)
		return 0;
	uint32_t ebx = cpuid(7, 0).ebx;
	return (ebx & (1u << 7) ? CR4_SMEP : 0) | (ebx & (1u << 20) ? CR4_SMAP : 0);
}

void paging_init(uint64_t phys_top)
{
	if (cpuid(0x80000001, 0).edx & (1U << 20)) {
		wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
		pte_nx = PTE_NX;
	}
	if (cpuid(0x80000001, 0).edx & (1U << 26))
		max_level = 3;
	kernel_pml4 = frame_alloc_zeroed();
	if (!kernel_pml4)
		panic("out of memory for kernel page tables");

	/* Cover at least 4 GiB so device memory below 4 GiB has a physmap address too. */
	uint64_t end = phys_top > (1ULL << 32) ? phys_top : (1ULL << 32);
	physmap_end = end;
	for (uint64_t pa = 0; pa < end; pa += 1ULL << 21)
		*entry_for(PHYSMAP_BASE + pa, 2) = pa | PTE_P | PTE_W | PTE_PS | PTE_G | pte_nx;

	map_range((uint64_t)_text, (uint64_t)_etext, 0);
	map_range((uint64_t)_rodata, (uint64_t)_erodata, pte_nx);
	map_range((uint64_t)_data, (uint64_t)_kernel_end, PTE_W | pte_nx);

	write_cr4(read_cr4() | CR4_PGE | supervisor_protection());
	write_cr0(read_cr0() & ~(CR0_CD | CR0_NW)); /* caches on, whatever the firmware left */
	write_cr3(kernel_pml4);
	log_info("paging: kernel tables at %#lx, physmap of %lu MiB, NX %s, SMEP %s, SMAP %s",
		 kernel_pml4, end >> 20, pte_nx ? "on" : "unsupported",
		 read_cr4() & CR4_SMEP ? "on" : "unsupported", read_cr4() & CR4_SMAP ? "on" : "unsupported");
}

volatile void *mmio_map(phys_addr phys)
{
	uint64_t va = mmio_next;
	mmio_next += PAGE_SIZE;
	*entry_for(va, 1) = (phys & PTE_ADDR) | PTE_P | PTE_W | PTE_PCD | PTE_PWT | PTE_G | pte_nx;
	asm volatile("invlpg (%0)" : : "r"(va) : "memory");
	return (volatile void *)va;
}

uint64_t paging_lookup(uint64_t va)
{
	uint64_t *e = pt_walk(read_cr3() & PTE_ADDR, va, 1, &kernel_format, 0).entry;
	return e && (*e & PTE_P) ? *e : 0;
}

void paging_share_kernel(uint64_t *pml4)
{
	const uint64_t *k = phys_to_virt(kernel_pml4);
	for (int i = 256; i < 512; i++)
		pml4[i] = k[i];
}

phys_addr paging_kernel_pml4(void)
{
	return kernel_pml4;
}

uint64_t paging_physmap_end(void)
{
	return physmap_end;
}

uint64_t paging_nx_bit(void)
{
	return pte_nx;
}

int paging_max_level(void)
{
	return max_level;
}
