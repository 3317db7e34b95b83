/*
 * Physical frame allocator bookkeeping.  memmap_free_ranges works without any
 * scratch memory (it runs before there is an allocator): it sweeps the
 * boundaries of all input intervals in increasing order and decides for each
 * gap between two boundaries whether it is free, so the output comes out
 * sorted and merged by construction.  Inputs are a few dozen entries, so the
 * quadratic sweep costs nothing.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pmm.h"

#define PAGE_MASK (PAGE_SIZE - 1)
#define LAST_PAGE (UINT64_MAX & ~PAGE_MASK)
#define BITS 64

/* Rounds x down to a page boundary. */
static uint64_t page_down(uint64_t x)
{
	return x & ~PAGE_MASK;
}

/* Rounds x up to a page boundary; saturates at UINT64_MAX instead of wrapping. */
static uint64_t page_up_sat(uint64_t x)
{
	if (x > LAST_PAGE)
		return UINT64_MAX;
	return (x + PAGE_MASK) & ~PAGE_MASK;
}

/* base + len, saturated at UINT64_MAX. */
static uint64_t end_sat(uint64_t base, uint64_t len)
{
	return base + len < base ? UINT64_MAX : base + len;
}

/* All intervals memmap_free_ranges looks at, indexed 0 .. count-1. */
struct mm_view {
	const struct mb2_mmap_entry *map;
	size_t n;
	const struct phys_range *res;
	size_t nres;
};

enum mm_kind { MM_EMPTY, MM_AVAIL, MM_BLOCKED };

/* Number of intervals in the view: map entries, reserved ranges, the low MiB. */
static size_t mm_count(const struct mm_view *v)
{
	return v->n + v->nres + 1;
}

/*
 * Returns interval i of the view, already page-rounded: AVAILABLE inward,
 * everything that blocks outward.  MM_EMPTY when it covers no byte.
 */
static enum mm_kind mm_get(const struct mm_view *v, size_t i, uint64_t *s, uint64_t *e)
{
	enum mm_kind kind = MM_BLOCKED;

	if (i < v->n) {
		const struct mb2_mmap_entry *m = &v->map[i];
		uint64_t end = end_sat(m->base, m->len);

		if (m->type == MB2_MEM_AVAILABLE) {
			kind = MM_AVAIL;
			*s = page_up_sat(m->base);
			*e = page_down(end);
		} else {
			*s = page_down(m->base);
			*e = page_up_sat(end);
		}
	} else if (i < v->n + v->nres) {
		*s = page_down(v->res[i - v->n].start);
		*e = page_up_sat(v->res[i - v->n].end);
	} else {
		*s = 0;
		*e = PMM_LOW_RESERVED;
	}
	return *s < *e ? kind : MM_EMPTY;
}

/* Finds the smallest interval boundary above cur; false if there is none. */
static bool mm_next_boundary(const struct mm_view *v, uint64_t cur, uint64_t *next)
{
	uint64_t best = UINT64_MAX;
	bool found = false;

	for (size_t i = 0; i < mm_count(v); i++) {
		uint64_t s, e;

		if (mm_get(v, i, &s, &e) == MM_EMPTY)
			continue;
		if (s > cur && s <= best) {
			best = s;
			found = true;
		}
		if (e > cur && e <= best) {
			best = e;
			found = true;
		}
	}
	*next = best;
	return found;
}

/* True if address x lies in some AVAILABLE interval and in no blocking one. */
static bool mm_is_free_at(const struct mm_view *v, uint64_t x)
{
	bool avail = false;

	for (size_t i = 0; i < mm_count(v); i++) {
		uint64_t s, e;
		enum mm_kind k = mm_get(v, i, &s, &e);

		if (k == MM_EMPTY || x < s || x >= e)
			continue;
		if (k == MM_BLOCKED)
			return false;
		avail = true;
	}
	return avail;
}

/*
 * Sweeps the gaps between consecutive boundaries, starting at 0 (the low MiB
 * makes 0 a boundary), and emits each free gap, merged with the previous one
 * when they touch.  Counts past max without writing.
 */
size_t memmap_free_ranges(const struct mb2_mmap_entry *map, size_t n,
			  const struct phys_range *reserved, size_t nres,
			  struct phys_range *out, size_t max)
{
	struct mm_view v = { map, n, reserved, nres };
	struct phys_range last = { 0, 0 };
	size_t count = 0;
	uint64_t cur = 0, next;

	while (mm_next_boundary(&v, cur, &next)) {
		if (mm_is_free_at(&v, cur)) {
			if (count > 0 && last.end == cur) {
				last.end = next;
			} else {
				last.start = cur;
				last.end = next;
				count++;
			}
			if (count <= max)
				out[count - 1] = last;
		}
		cur = next;
	}
	return count;
}

/* True if the page at page lies inside an AVAILABLE entry and meets no blocking interval. */
static bool mm_page_free(const struct mm_view *v, uint64_t page)
{
	bool avail = false;

	for (size_t i = 0; i < v->n + v->nres; i++) { /* the low MiB's interval left out */
		uint64_t s, e;
		enum mm_kind k = mm_get(v, i, &s, &e);

		if (k == MM_EMPTY || page + PAGE_SIZE <= s || page >= e)
			continue;
		if (k == MM_BLOCKED)
			return false;
		avail |= s <= page && page + PAGE_SIZE <= e;
	}
	return avail;
}

/* See pmm.h. */
uint64_t memmap_low_page(const struct mb2_mmap_entry *map, size_t n,
			 const struct phys_range *reserved, size_t nres, uint64_t from, uint64_t below)
{
	struct mm_view v = { map, n, reserved, nres };

	for (uint64_t page = page_up_sat(from); page < below && below - page >= PAGE_SIZE;
	     page += PAGE_SIZE)
		if (mm_page_free(&v, page))
			return page;
	return 0;
}

/* Removes entry i from the n ranges, keeping the order. */
static void ranges_remove(struct phys_range *ranges, size_t *n, size_t i)
{
	for (size_t j = i + 1; j < *n; j++)
		ranges[j - 1] = ranges[j];
	(*n)--;
}

/* Carves bytes (rounded up to pages) from the front of the first range that fits. */
uint64_t memmap_carve(struct phys_range *ranges, size_t *n, uint64_t bytes)
{
	uint64_t size;

	if (bytes == 0 || bytes > LAST_PAGE)
		return 0;
	size = page_up_sat(bytes);
	for (size_t i = 0; i < *n; i++) {
		uint64_t addr = ranges[i].start;

		if (ranges[i].end < addr || ranges[i].end - addr < size)
			continue;
		ranges[i].start += size;
		if (ranges[i].start == ranges[i].end)
			ranges_remove(ranges, n, i);
		return addr;
	}
	return 0;
}

/* Bitmap bytes for the whole frames below top, in whole 64-bit words. */
uint64_t pmm_bitmap_bytes(uint64_t top)
{
	uint64_t frames = top / PAGE_SIZE;

	return (frames + BITS - 1) / BITS * sizeof(uint64_t);
}

/* True if frame f is marked used. */
static bool bit_test(const struct pmm *p, uint64_t f)
{
	return (p->bitmap[f / BITS] >> (f % BITS)) & 1;
}

/* Marks frame f used. */
static void bit_set(struct pmm *p, uint64_t f)
{
	p->bitmap[f / BITS] |= 1ULL << (f % BITS);
}

/* Marks frame f free. */
static void bit_clear(struct pmm *p, uint64_t f)
{
	p->bitmap[f / BITS] &= ~(1ULL << (f % BITS));
}

/*
 * Frees frames [first, last) that are still used, counting each once, so
 * overlapping input ranges cannot inflate free_frames.  Whole used words are
 * cleared at once because ranges can hold millions of frames.
 */
static void pmm_free_frames(struct pmm *p, uint64_t first, uint64_t last)
{
	uint64_t f = first;

	while (f < last) {
		if (f % BITS == 0 && last - f >= BITS && p->bitmap[f / BITS] == UINT64_MAX) {
			p->bitmap[f / BITS] = 0;
			p->free_frames += BITS;
			f += BITS;
			continue;
		}
		if (bit_test(p, f)) {
			bit_clear(p, f);
			p->free_frames++;
		}
		f++;
	}
}

/* Builds the bitmap in storage: all used, then the given ranges free; frame 0 stays used. */
void pmm_init(struct pmm *p, void *storage, uint64_t top, const struct phys_range *free,
	      size_t nfree)
{
	uint64_t words = pmm_bitmap_bytes(top) / sizeof(uint64_t);

	p->bitmap = storage;
	p->nframes = top / PAGE_SIZE;
	p->free_frames = 0;
	p->next = 1;
	/* Bits past nframes in the last word stay set, so searches never pick them. */
	for (uint64_t i = 0; i < words; i++)
		p->bitmap[i] = UINT64_MAX;
	for (size_t i = 0; i < nfree; i++) {
		uint64_t first = page_up_sat(free[i].start) / PAGE_SIZE;
		uint64_t last = free[i].end / PAGE_SIZE;

		if (first == 0)
			first = 1;
		if (last > p->nframes)
			last = p->nframes;
		if (first < last)
			pmm_free_frames(p, first, last);
	}
}

/* Index of the lowest clear bit in a word that is not all ones. */
static unsigned lowest_clear(uint64_t w)
{
	unsigned b = 0;

	while ((w >> b) & 1)
		b++;
	return b;
}

/*
 * Scans whole words from the hint upward, then wraps; free_frames > 0
 * guarantees a clear bit exists below nframes.
 */
uint64_t pmm_alloc(struct pmm *p)
{
	uint64_t words = (p->nframes + BITS - 1) / BITS;
	uint64_t start = p->next / BITS;

	if (p->free_frames == 0 || words == 0)
		return 0;
	if (start >= words)
		start = 0;
	for (uint64_t k = 0; k < words; k++) {
		uint64_t w = (start + k) % words;
		uint64_t f;

		if (p->bitmap[w] == UINT64_MAX)
			continue;
		f = w * BITS + lowest_clear(p->bitmap[w]);
		bit_set(p, f);
		p->free_frames--;
		p->next = f + 1;
		return f * PAGE_SIZE;
	}
	return 0;
}

/* Rounds frame index f up to a multiple of align; false on overflow. */
static bool align_up(uint64_t f, uint64_t align, uint64_t *out)
{
	uint64_t rem = f % align;

	if (rem == 0) {
		*out = f;
		return true;
	}
	if (f > UINT64_MAX - (align - rem))
		return false;
	*out = f + (align - rem);
	return true;
}

/*
 * First-fit over aligned candidates; on a used frame inside a candidate the
 * search resumes at the next aligned index past it, so each frame is looked
 * at a bounded number of times.
 */
uint64_t pmm_alloc_contig(struct pmm *p, uint64_t nframes, uint64_t align_frames)
{
	uint64_t cand;

	if (nframes == 0 || nframes > p->free_frames)
		return 0;
	if (align_frames == 0)
		align_frames = 1;
	if (!align_up(1, align_frames, &cand))
		return 0;
	while (cand < p->nframes && p->nframes - cand >= nframes) {
		uint64_t i;

		for (i = 0; i < nframes; i++)
			if (bit_test(p, cand + i))
				break;
		if (i == nframes) {
			for (i = 0; i < nframes; i++)
				bit_set(p, cand + i);
			p->free_frames -= nframes;
			return cand * PAGE_SIZE;
		}
		if (!align_up(cand + i + 1, align_frames, &cand))
			return 0;
	}
	return 0;
}

/* Returns frame phys to the pool after checking it was a valid, used frame. */
enum pmm_status pmm_free(struct pmm *p, uint64_t phys)
{
	uint64_t f = phys / PAGE_SIZE;

	if (phys % PAGE_SIZE != 0)
		return PMM_ERR_UNALIGNED;
	if (f == 0 || f >= p->nframes)
		return PMM_ERR_RANGE;
	if (!bit_test(p, f))
		return PMM_ERR_DOUBLE_FREE;
	bit_clear(p, f);
	p->free_frames++;
	if (f < p->next)
		p->next = f;
	return PMM_OK;
}

/* Out-of-range frames count as not free. */
bool pmm_is_free(const struct pmm *p, uint64_t phys)
{
	uint64_t f = phys / PAGE_SIZE;

	return f < p->nframes && !bit_test(p, f);
}
