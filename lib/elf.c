/*
 * ELF executable validation and segment iteration (see elf.h).  Headers
 * are copied out with memcpy: nothing in the image is trusted to be
 * aligned.  An ELF32 file's headers are read into the ELF64 structures,
 * widened, so everything after reading is the same for both classes.
 */
#include "elf.h"
#include "mem.h"
#include "moat/abi.h"

#define ELF_PAGE     4096ULL

static int is_32(const void *image)
{
	return ((const uint8_t *)image)[4] == ELF_CLASS32;
}

/* The size of the header of image's class; its identification bytes are present. */
static size_t ehdr_bytes(const void *image)
{
	return is_32(image) ? sizeof(struct elf32_ehdr) : sizeof(struct elf64_ehdr);
}

/* Copies the ELF header out of the image (ehdr_bytes of it are present), widened. */
static void read_ehdr(const void *image, struct elf64_ehdr *eh)
{
	struct elf32_ehdr e;

	if (!is_32(image)) {
		memcpy(eh, image, sizeof(*eh));
		return;
	}
	memcpy(&e, image, sizeof(e));
	memcpy(eh->e_ident, e.e_ident, ELF_IDENT_LEN);
	eh->e_type = e.e_type;
	eh->e_machine = e.e_machine;
	eh->e_version = e.e_version;
	eh->e_entry = e.e_entry;
	eh->e_phoff = e.e_phoff;
	eh->e_shoff = e.e_shoff;
	eh->e_flags = e.e_flags;
	eh->e_ehsize = e.e_ehsize;
	eh->e_phentsize = e.e_phentsize;
	eh->e_phnum = e.e_phnum;
	eh->e_shentsize = e.e_shentsize;
	eh->e_shnum = e.e_shnum;
	eh->e_shstrndx = e.e_shstrndx;
}

/* The size of one program header of the image's class. */
static size_t phdr_bytes(const struct elf64_ehdr *eh)
{
	return eh->e_ident[4] == ELF_CLASS32 ? sizeof(struct elf32_phdr)
					     : sizeof(struct elf64_phdr);
}

/* Copies program header i out of the image (the table was bounds-checked), widened. */
static void read_phdr(const void *image, const struct elf64_ehdr *eh, size_t i,
		      struct elf64_phdr *ph)
{
	const uint8_t *at = (const uint8_t *)image + eh->e_phoff + i * phdr_bytes(eh);
	struct elf32_phdr p;

	if (eh->e_ident[4] != ELF_CLASS32) {
		memcpy(ph, at, sizeof(*ph));
		return;
	}
	memcpy(&p, at, sizeof(p));
	*ph = (struct elf64_phdr){ .p_type = p.p_type, .p_flags = p.p_flags,
				   .p_offset = p.p_offset, .p_vaddr = p.p_vaddr,
				   .p_paddr = p.p_paddr, .p_filesz = p.p_filesz,
				   .p_memsz = p.p_memsz, .p_align = p.p_align };
}

/* Checks the identification bytes and the header fields: an x86 executable (ELF64 if only64). */
static enum elf_status check_ehdr(const struct elf64_ehdr *eh, int only64)
{
	static const uint8_t magic[4] = { 0x7f, 'E', 'L', 'F' };
	int class32 = eh->e_ident[4] == ELF_CLASS32;

	if (memcmp(eh->e_ident, magic, sizeof(magic)) != 0)
		return ELF_ERR_MAGIC;
	if (!class32 && eh->e_ident[4] != ELF_CLASS64)
		return ELF_ERR_NO_CLASS;
	if (only64 && class32)
		return ELF_ERR_CLASS;
	if (eh->e_ident[5] != ELF_DATA_LSB)
		return ELF_ERR_ENDIAN;
	if (eh->e_ident[6] != ELF_VERSION || eh->e_version != ELF_VERSION)
		return ELF_ERR_VERSION;
	if (eh->e_machine != (class32 ? ELF_EM_386 : ELF_EM_X86_64))
		return ELF_ERR_MACHINE;
	if (eh->e_type != ELF_ET_EXEC)
		return ELF_ERR_TYPE;
	return ELF_OK;
}

/* Checks that the program header table lies inside the image. */
static enum elf_status check_phdr_table(const struct elf64_ehdr *eh, size_t size)
{
	uint64_t table_bytes = (uint64_t)eh->e_phnum * phdr_bytes(eh);

	if (eh->e_phnum == 0)
		return ELF_OK; /* nothing to load: the entry check rejects it */
	if (eh->e_phentsize != phdr_bytes(eh))
		return ELF_ERR_PHDRS;
	if (eh->e_phoff > size || table_bytes > size - eh->e_phoff)
		return ELF_ERR_PHDRS;
	return ELF_OK;
}

/* Reads and checks the file header of image[0 .. size) and its program header table. */
static enum elf_status check_file(const void *image, size_t size, int only64,
				  struct elf64_ehdr *eh)
{
	enum elf_status st;

	if (size < ELF_IDENT_LEN || size < ehdr_bytes(image))
		return ELF_ERR_TRUNCATED;
	read_ehdr(image, eh);
	st = check_ehdr(eh, only64);
	if (st == ELF_OK)
		st = check_phdr_table(eh, size);
	return st;
}

/* Checks what every loader needs of a segment: its data in the file, no more of it than memory. */
static enum elf_status check_segment_file(const struct elf64_phdr *ph, size_t size)
{
	if (ph->p_offset > size || ph->p_filesz > size - ph->p_offset)
		return ELF_ERR_SEG_FILE;
	if (ph->p_filesz > ph->p_memsz)
		return ELF_ERR_SEG_SIZE;
	return ELF_OK;
}

/* Checks one PT_LOAD segment of a user-space executable on its own. */
static enum elf_status check_segment(const struct elf64_phdr *ph, size_t size)
{
	enum elf_status st = check_segment_file(ph, size);

	if (st != ELF_OK)
		return st;
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

/* Checks one PT_LOAD segment of a boot image on its own: its physical range must not wrap. */
static enum elf_status check_boot_segment(const struct elf64_phdr *ph, size_t size)
{
	enum elf_status st = check_segment_file(ph, size);

	if (st == ELF_OK && ph->p_memsz - 1 > UINT64_MAX - ph->p_paddr)
		st = ELF_ERR_SEG_PADDR;
	return st;
}

/*
 * Collects the non-empty PT_LOAD headers into loads[], checking each one
 * with check (check_segment or check_boot_segment).
 */
static enum elf_status collect_segments(const void *image, size_t size,
					const struct elf64_ehdr *eh,
					enum elf_status (*check)(const struct elf64_phdr *, size_t),
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
		st = check(&ph, size);
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

	st = check_file(image, size, 1, &eh);
	if (st == ELF_OK)
		st = collect_segments(image, size, &eh, check_segment, loads, &count);
	if (st == ELF_OK)
		st = check_layout(loads, count, eh.e_entry);
	return st;
}

enum elf_status elf_check_boot(const void *image, size_t size)
{
	struct elf64_phdr loads[ELF_MAX_LOAD_SEGMENTS];
	struct elf64_ehdr eh;
	enum elf_status st;
	size_t count;

	st = check_file(image, size, 0, &eh);
	if (st == ELF_OK)
		st = collect_segments(image, size, &eh, check_boot_segment, loads, &count);
	return st;
}

int elf_is_64(const void *image)
{
	return !is_32(image);
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
		seg->paddr = ph.p_paddr;
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
		[ELF_ERR_MACHINE] = "not for x86 (x86-64, or i386 for a 32-bit file)",
		[ELF_ERR_TYPE] = "not an executable (ET_EXEC)",
		[ELF_ERR_PHDRS] = "program headers malformed or outside the file",
		[ELF_ERR_TOO_MANY] = "too many loadable segments",
		[ELF_ERR_SEG_FILE] = "segment data outside the file",
		[ELF_ERR_SEG_SIZE] = "segment file size exceeds its memory size",
		[ELF_ERR_SEG_ADDR] = "segment address wraps or is not in user space",
		[ELF_ERR_SEG_ALIGN] = "segment address and offset misaligned",
		[ELF_ERR_SEG_OVERLAP] = "segments overlap",
		[ELF_ERR_ENTRY] = "entry point not in an executable segment",
		[ELF_ERR_NO_CLASS] = "neither a 32-bit nor a 64-bit ELF file",
		[ELF_ERR_SEG_PADDR] = "segment physical address wraps",
	};

	if ((unsigned int)status < ELF_STATUS_COUNT)
		return messages[status];
	return "unknown ELF status";
}
