/*
 * ELF64 executable validation and segment iteration (see elf.h).  Headers
 * are copied out with memcpy: nothing in the image is trusted to be aligned.
 */
#include "elf.h"
#include "mem.h"
#include "moat/abi.h"

#define ELF_PAGE     4096ULL

/* Copies the ELF header out of the image. */
static void read_ehdr(const void *image, struct elf64_ehdr *eh)
{
	memcpy(eh, image, sizeof(*eh));
}

/* Copies program header i out of the image (the table was bounds-checked). */
static void read_phdr(const void *image, const struct elf64_ehdr *eh, size_t i,
		      struct elf64_phdr *ph)
{
	memcpy(ph, (const uint8_t *)image + eh->e_phoff + i * sizeof(*ph), sizeof(*ph));
}

/* Checks the identification bytes and the header fields. */
static enum elf_status check_ehdr(const struct elf64_ehdr *eh)
{
	static const uint8_t magic[4] = { 0x7f, 'E', 'L', 'F' };

	if (memcmp(eh->e_ident, magic, sizeof(magic)) != 0)
		return ELF_ERR_MAGIC;
	if (eh->e_ident[4] != ELF_CLASS64)
		return ELF_ERR_CLASS;
	if (eh->e_ident[5] != ELF_DATA_LSB)
		return ELF_ERR_ENDIAN;
	if (eh->e_ident[6] != ELF_VERSION || eh->e_version != ELF_VERSION)
		return ELF_ERR_VERSION;
	if (eh->e_machine != ELF_EM_X86_64)
		return ELF_ERR_MACHINE;
	if (eh->e_type != ELF_ET_EXEC)
		return ELF_ERR_TYPE;
	return ELF_OK;
}

/* Checks that the program header table lies inside the image. */
static enum elf_status check_phdr_table(const struct elf64_ehdr *eh, size_t size)
{
	uint64_t table_bytes = (uint64_t)eh->e_phnum * sizeof(struct elf64_phdr);

	if (eh->e_phnum == 0)
		return ELF_OK; /* nothing to load: the entry check rejects it */
	if (eh->e_phentsize != sizeof(struct elf64_phdr))
		return ELF_ERR_PHDRS;
	if (eh->e_phoff > size || table_bytes > size - eh->e_phoff)
		return ELF_ERR_PHDRS;
	return ELF_OK;
}

/* Checks one PT_LOAD segment on its own. */
static enum elf_status check_segment(const struct elf64_phdr *ph, size_t size)
{
	if (ph->p_offset > size || ph->p_filesz > size - ph->p_offset)
		return ELF_ERR_SEG_FILE;
	if (ph->p_filesz > ph->p_memsz)
		return ELF_ERR_SEG_SIZE;
	if (ph->p_vaddr >= USER_TOP || ph->p_memsz > USER_TOP - ph->p_vaddr)
		return ELF_ERR_SEG_ADDR;
	if (ph->p_vaddr % ELF_PAGE != ph->p_offset % ELF_PAGE)
		return ELF_ERR_SEG_ALIGN;
	return ELF_OK;
}

/* The pages a segment touches, [*first, *end); its end is below USER_TOP. */
static void segment_pages(const struct elf64_phdr *ph, uint64_t *first, uint64_t *end)
{
	*first = ph->p_vaddr & ~(ELF_PAGE - 1);
	*end = (ph->p_vaddr + ph->p_memsz + ELF_PAGE - 1) & ~(ELF_PAGE - 1);
}

/* Whether two checked, non-empty segments share a page. */
static int segments_overlap(const struct elf64_phdr *a, const struct elf64_phdr *b)
{
	uint64_t a_first, a_end, b_first, b_end;

	segment_pages(a, &a_first, &a_end);
	segment_pages(b, &b_first, &b_end);
	return a_first < b_end && b_first < a_end;
}

/* Whether a checked segment is executable and contains addr. */
static int segment_runs(const struct elf64_phdr *ph, uint64_t addr)
{
	return (ph->p_flags & ELF_PF_X) && addr >= ph->p_vaddr &&
	       addr - ph->p_vaddr < ph->p_memsz;
}

/* Collects the non-empty PT_LOAD headers into loads[], checking each one. */
static enum elf_status collect_segments(const void *image, size_t size,
					const struct elf64_ehdr *eh,
					struct elf64_phdr loads[ELF_MAX_LOAD_SEGMENTS],
					size_t *count)
{
	struct elf64_phdr ph;
	enum elf_status st;

	*count = 0;
	for (size_t i = 0; i < eh->e_phnum; i++) {
		read_phdr(image, eh, i, &ph);
		if (ph.p_type != ELF_PT_LOAD)
			continue;
		if (ph.p_memsz == 0) { /* loads nothing: ld emits these for empty sections */
			if (ph.p_filesz != 0)
				return ELF_ERR_SEG_SIZE;
			continue;
		}
		st = check_segment(&ph, size);
		if (st != ELF_OK)
			return st;
		if (*count == ELF_MAX_LOAD_SEGMENTS)
			return ELF_ERR_TOO_MANY;
		loads[(*count)++] = ph;
	}
	return ELF_OK;
}

/* Checks the segments against each other and the entry point against them. */
static enum elf_status check_layout(const struct elf64_phdr *loads, size_t count, uint64_t entry)
{
	int entry_ok = 0;

	for (size_t i = 0; i < count; i++) {
		for (size_t j = 0; j < i; j++)
			if (segments_overlap(&loads[i], &loads[j]))
				return ELF_ERR_SEG_OVERLAP;
		entry_ok |= segment_runs(&loads[i], entry);
	}
	return entry_ok ? ELF_OK : ELF_ERR_ENTRY;
}

enum elf_status elf_check(const void *image, size_t size)
{
	struct elf64_phdr loads[ELF_MAX_LOAD_SEGMENTS];
	struct elf64_ehdr eh;
	enum elf_status st;
	size_t count;

	if (size < sizeof(eh))
		return ELF_ERR_TRUNCATED;
	read_ehdr(image, &eh);
	st = check_ehdr(&eh);
	if (st == ELF_OK)
		st = check_phdr_table(&eh, size);
	if (st == ELF_OK)
		st = collect_segments(image, size, &eh, loads, &count);
	if (st == ELF_OK)
		st = check_layout(loads, count, eh.e_entry);
	return st;
}

uint64_t elf_entry(const void *image)
{
	struct elf64_ehdr eh;

	read_ehdr(image, &eh);
	return eh.e_entry;
}

int elf_next_segment(const void *image, size_t *cursor, struct elf_segment *seg)
{
	struct elf64_ehdr eh;
	struct elf64_phdr ph;

	read_ehdr(image, &eh);
	while (*cursor < eh.e_phnum) {
		read_phdr(image, &eh, (*cursor)++, &ph);
		if (ph.p_type != ELF_PT_LOAD || ph.p_memsz == 0)
			continue;
		seg->vaddr = ph.p_vaddr;
		seg->memsz = ph.p_memsz;
		seg->filesz = ph.p_filesz;
		seg->flags = ph.p_flags;
		seg->data = (const uint8_t *)image + ph.p_offset;
		return 1;
	}
	return 0;
}

const char *elf_strerror(enum elf_status status)
{
	static const char *const messages[ELF_STATUS_COUNT] = {
		[ELF_OK] = "valid executable",
		[ELF_ERR_TRUNCATED] = "truncated ELF header",
		[ELF_ERR_MAGIC] = "not an ELF file (bad magic)",
		[ELF_ERR_CLASS] = "not a 64-bit ELF file",
		[ELF_ERR_ENDIAN] = "not little-endian",
		[ELF_ERR_VERSION] = "unknown ELF version",
		[ELF_ERR_MACHINE] = "not an x86-64 file",
		[ELF_ERR_TYPE] = "not an executable (ET_EXEC)",
		[ELF_ERR_PHDRS] = "program headers malformed or outside the file",
		[ELF_ERR_TOO_MANY] = "too many loadable segments",
		[ELF_ERR_SEG_FILE] = "segment data outside the file",
		[ELF_ERR_SEG_SIZE] = "segment file size exceeds its memory size",
		[ELF_ERR_SEG_ADDR] = "segment address wraps or is not in user space",
		[ELF_ERR_SEG_ALIGN] = "segment address and offset misaligned",
		[ELF_ERR_SEG_OVERLAP] = "segments overlap",
		[ELF_ERR_ENTRY] = "entry point not in an executable segment",
	};

	if ((unsigned int)status < ELF_STATUS_COUNT)
		return messages[status];
	return "unknown ELF status";
}
