/* The frame allocator, set up from the Multiboot2 memory map. */
#include "log.h"
#include "mem.h"
#include "memory.h"
#include "panic.h"

struct pmm pmm;

#define MAX_RANGES 64

static void reserve_modules(const struct boot_info *bi, struct phys_range *res, size_t *n)
{
	uint64_t kstart = (uint64_t)_kernel_phys_start, kend = (uint64_t)_kernel_phys_end;
	for (unsigned i = 0; i < bi->n_modules; i++) {
		const struct mb2_module *m = &bi->modules[i];
		if (m->start < kend && m->end > kstart)
			panic("module '%s' overlaps the kernel image", m->cmdline);
		res[(*n)++] = (struct phys_range){ m->start, m->end };
	}
}

void memory_init(const struct boot_info *bi, uint64_t mbi_phys)
{
	struct phys_range reserved[MB2_MAX_MODULES + 2], ranges[MAX_RANGES];
	size_t nres = 0;
	reserved[nres++] = (struct phys_range){ (uint64_t)_kernel_phys_start,
						(uint64_t)_kernel_phys_end };
	reserved[nres++] = (struct phys_range){ mbi_phys, mbi_phys + bi->mbi_phys_size };
	reserve_modules(bi, reserved, &nres);

	size_t n = memmap_free_ranges(bi->mmap, bi->n_mmap, reserved, nres, ranges, MAX_RANGES);
	if (n == 0)
		panic("the memory map has no usable memory above 1 MiB");
	if (n > MAX_RANGES)
		panic("the memory map has %zu free ranges; at most %d are supported", n, MAX_RANGES);

	uint64_t top = ranges[n - 1].end;
	uint64_t bitmap = memmap_carve(ranges, &n, pmm_bitmap_bytes(top));
	if (bitmap == 0 || bitmap + pmm_bitmap_bytes(top) > (1ULL << 32))
		panic("no room below 4 GiB for the frame bitmap (%lu bytes)", pmm_bitmap_bytes(top));
	pmm_init(&pmm, phys_to_virt(bitmap), top, ranges, n);
	log_info("memory: %lu KiB free in %zu ranges, top of memory %#lx",
		 pmm.free_frames * 4, n, top);
}

phys_addr frame_alloc_zeroed(void)
{
	uint64_t f = pmm_alloc(&pmm);
	if (f)
		memset(phys_to_virt(f), 0, PAGE_SIZE);
	return f;
}
