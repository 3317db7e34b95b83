/*
 * Physical frame allocator bookkeeping: turning the firmware memory map into
 * free ranges, carving early boot allocations out of them, and a bitmap of
 * 4 KiB frames (1 bit per frame from physical 0 up to `top`; set = in use).
 * Pure logic: no printing, no paging; the caller maps the bitmap storage.
 */
#ifndef KERNEL_PMM_H
#define KERNEL_PMM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "multiboot2.h"

#define PAGE_SIZE 4096ULL
#define PMM_LOW_RESERVED 0x100000ULL /* first 1 MiB: BIOS data, EBDA, ROMs */

struct phys_range {
	uint64_t start, end; /* [start, end) */
};

/*
 * Free memory = AVAILABLE map entries, shrunk inward to page boundaries,
 * minus every non-AVAILABLE entry (overlaps: reserved wins), minus `reserved`
 * ranges (kernel image, modules, boot info; rounded outward to pages), minus
 * the first 1 MiB (BIOS area).  Output sorted, merged, non-empty ranges.
 * Returns how many were written; returns the total needed if more than max
 * (caller treats > max as an error; then only the first max are written).
 */
size_t memmap_free_ranges(const struct mb2_mmap_entry *map, size_t n,
			  const struct phys_range *reserved, size_t nres,
			  struct phys_range *out, size_t max);

/*
 * The lowest page in [from, below) (both below PMM_LOW_RESERVED, say) that
 * lies whole inside an AVAILABLE entry and meets no other entry and no
 * reserved range: RAM in the low MiB that the firmware does not use and
 * the frame allocator never hands out (the AP trampoline's page, smp.c).
 * 0 if there is none.
 */
uint64_t memmap_low_page(const struct mb2_mmap_entry *map, size_t n,
			 const struct phys_range *reserved, size_t nres, uint64_t from, uint64_t below);

/*
 * Takes `bytes` (rounded up to pages) from the lowest free range that holds
 * it; shrinks the ranges (dropping one that becomes empty); returns the
 * physical address, or 0 if none fits or bytes is 0.  Ranges must be sorted
 * and page-aligned, as memmap_free_ranges makes them.
 */
uint64_t memmap_carve(struct phys_range *ranges, size_t *n, uint64_t bytes);

struct pmm {
	uint64_t *bitmap;
	uint64_t nframes;
	uint64_t free_frames;
	uint64_t next; /* search hint: a frame index at or below the lowest free frame */
};

/* Bytes of bitmap storage needed for frames below top (a multiple of 8). */
uint64_t pmm_bitmap_bytes(uint64_t top);

/*
 * storage: pmm_bitmap_bytes(top) bytes, 8-aligned.  Marks everything used,
 * then frees the whole frames inside the given ranges (clipped to top).
 * Frame 0 always stays used so that 0 can mean "no frame".
 */
void pmm_init(struct pmm *p, void *storage, uint64_t top, const struct phys_range *free,
	      size_t nfree);

/* One frame; 0 = out of memory (frame 0 is never free). */
uint64_t pmm_alloc(struct pmm *p);

/*
 * nframes consecutive frames whose first frame index is a multiple of
 * align_frames (0 counts as 1); returns the physical address, 0 on failure.
 */
uint64_t pmm_alloc_contig(struct pmm *p, uint64_t nframes, uint64_t align_frames);

enum pmm_status { PMM_OK, PMM_ERR_RANGE, PMM_ERR_UNALIGNED, PMM_ERR_DOUBLE_FREE };

/* Frees one frame; checks alignment, range (frame 0 included) and double free. */
enum pmm_status pmm_free(struct pmm *p, uint64_t phys);

/* True if the frame holding phys is inside the bitmap and free. */
bool pmm_is_free(const struct pmm *p, uint64_t phys);

#endif
