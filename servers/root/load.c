/*
 * A server's memory: its ELF image, stack, heap and UTCB, each in frames
 * retyped from the server's pool and mapped into the server's task.
 */
#include "elf.h"
#include "moat/syscall.h"
#include "moat/user.h"
#include "root.h"

#define TABLE_SPAN  (512 * (uint64_t)PAGE_BYTES) /* what one page table maps */
#define SPARE_TABLES 4                          /* for the server's own mappings */

/* Pages needed for bytes bytes. */
static uint64_t pages_for(uint64_t bytes)
{
	return (bytes + PAGE_BYTES - 1) / PAGE_BYTES;
}

/* The first page and the number of pages a segment covers. */
static uint64_t segment_pages(const struct elf_segment *seg, uint64_t *first)
{
	*first = seg->vaddr & ~(uint64_t)(PAGE_BYTES - 1);
	return pages_for(seg->vaddr + seg->memsz - *first);
}

/* The mapping rights for an ELF segment's flags. */
static uint64_t segment_rights(uint32_t flags)
{
	return ((flags & ELF_PF_R) ? RIGHT_R : 0) | ((flags & ELF_PF_W) ? RIGHT_W : 0) |
	       ((flags & ELF_PF_X) ? RIGHT_X : 0);
}

/* Whether every segment lies between the null page and the heap. */
static int image_in_bounds(const struct server *srv, const void *image)
{
	struct elf_segment seg;
	size_t cursor = 0;

	while (elf_next_segment(image, &cursor, &seg)) {
		if (seg.vaddr < PAGE_BYTES || seg.vaddr + seg.memsz > USER_HEAP_VADDR) {
			uprintf("root: server %s: module %s: segment at 0x%llx is outside "
				"0x1000-0x%llx\n", srv->cfg->name, srv->cfg->module,
				(unsigned long long)seg.vaddr, (unsigned long long)USER_HEAP_VADDR);
			return 0;
		}
	}
	return 1;
}

int load_check(const struct server *srv, const void *image, uint64_t bytes)
{
	enum elf_status st = elf_check(image, bytes);

	if (st != ELF_OK) {
		uprintf("root: server %s: module %s is not a valid program: %s\n",
			srv->cfg->name, srv->cfg->module, elf_strerror(st));
		return -1;
	}
	return image_in_bounds(srv, image) ? 0 : -1;
}

/*
 * The page-table pages the server's task needs beyond TASK_BASE_PAGES: the
 * image and heap share one 1 GiB region (a directory pointer table and a
 * directory), the startinfo, UTCB and stack another; then one table per
 * 2 MiB mapped, and room for what the server maps from its own untyped.
 */
uint64_t load_table_pages(const struct server *srv, const void *image)
{
	uint64_t lo = USER_HEAP_VADDR, hi = 0;
	uint64_t heap = srv->cfg->memory - USER_STACK_BYTES;
	struct elf_segment seg;
	size_t cursor = 0;

	while (elf_next_segment(image, &cursor, &seg)) {
		lo = seg.vaddr < lo ? seg.vaddr : lo;
		hi = seg.vaddr + seg.memsz > hi ? seg.vaddr + seg.memsz : hi;
	}
	return 2 * 2 + 1 + (hi - lo) / TABLE_SPAN + 2 + heap / TABLE_SPAN + 1 +
	       srv->cfg->untyped / TABLE_SPAN + SPARE_TABLES;
}

/*
 * The pool one instance needs: the task and its tables, the image's frames,
 * stack and heap, UTCB (1), startinfo (1), thread and its own untyped.  All
 * are whole pages, so they fill the pool without gaps.
 */
uint64_t load_pool_pages(const struct server *srv, const void *image)
{
	uint64_t pages = TASK_BASE_PAGES + load_table_pages(srv, image), first;
	struct elf_segment seg;
	size_t cursor = 0;

	while (elf_next_segment(image, &cursor, &seg))
		pages += segment_pages(&seg, &first);
	pages += srv->cfg->memory / PAGE_BYTES; /* stack and heap */
	return pages + 1 + 1 + THREAD_PAGES + srv->cfg->untyped / PAGE_BYTES;
}

/* Maps a new frame of pages pages, filled from data (or zero), into the server. */
static uint64_t map_new_frame(struct server *srv, uint64_t vaddr, uint64_t pages,
			      uint64_t rights, const struct elf_segment *seg, uint64_t *slot)
{
	uint64_t offset = seg ? seg->vaddr - vaddr : 0;
	uint64_t st = frame_create(srv->pool, pages, seg ? seg->data : NULL, offset,
				   seg ? seg->filesz : 0, slot);

	if (st == OK)
		st = sys_map(*slot, srv->task, vaddr, rights);
	return st;
}

int load_image(struct server *srv, const void *image)
{
	struct elf_segment seg;
	size_t cursor = 0;
	uint64_t first, pages, frame, st;

	while (elf_next_segment(image, &cursor, &seg)) {
		pages = segment_pages(&seg, &first);
		st = map_new_frame(srv, first, pages, segment_rights(seg.flags), &seg, &frame);
		if (server_failed(srv, "load segment", st))
			return -1;
	}
	srv->entry = elf_entry(image);
	return 0;
}

int load_memory(struct server *srv)
{
	uint64_t heap_pages = (srv->cfg->memory - USER_STACK_BYTES) / PAGE_BYTES;
	uint64_t rw = RIGHT_R | RIGHT_W, frame, st;

	st = map_new_frame(srv, USER_STACK_TOP - USER_STACK_BYTES, USER_STACK_PAGES, rw, NULL,
			   &frame);
	if (server_failed(srv, "map stack", st))
		return -1;
	st = heap_pages ? map_new_frame(srv, USER_HEAP_VADDR, heap_pages, rw, NULL, &frame) : OK;
	if (server_failed(srv, "map heap", st))
		return -1;
	st = map_new_frame(srv, USER_UTCB_VADDR, 1, rw, NULL, &srv->utcb);
	return server_failed(srv, "map UTCB", st) ? -1 : 0;
}
