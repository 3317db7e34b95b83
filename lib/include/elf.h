/*
 * ELF executables for x86: validation and PT_LOAD iteration over an image
 * in memory.  Pure and freestanding: the kernel loads the root task with
 * it, the root task loads servers with it (ELF64 for x86-64, in user
 * space), the VMM loads Multiboot kernels with it (ELF32 for i386 or ELF64,
 * at their physical addresses), and the host tests it.  One parser reads
 * both classes: an ELF32 header is widened to the ELF64 layout.
 */
#ifndef LIB_ELF_H
#define LIB_ELF_H

#include <stddef.h>
#include <stdint.h>

/* File layout, from the ELF specification. */
#define ELF_IDENT_LEN  16
#define ELF_CLASS32    1  /* e_ident[4] */
#define ELF_CLASS64    2
#define ELF_DATA_LSB   1  /* e_ident[5]: little-endian */
#define ELF_VERSION    1  /* e_ident[6] and e_version */
#define ELF_ET_EXEC    2
#define ELF_EM_386     3  /* ELF32 only */
#define ELF_EM_X86_64  62 /* ELF64 only */
#define ELF_PT_LOAD    1
#define ELF_PF_X       1
#define ELF_PF_W       2
#define ELF_PF_R       4

struct elf64_ehdr {
	uint8_t e_ident[ELF_IDENT_LEN];
	uint16_t e_type, e_machine;
	uint32_t e_version;
	uint64_t e_entry, e_phoff, e_shoff;
	uint32_t e_flags;
	uint16_t e_ehsize, e_phentsize, e_phnum, e_shentsize, e_shnum, e_shstrndx;
};

struct elf64_phdr {
	uint32_t p_type, p_flags;
	uint64_t p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_align;
};

struct elf32_ehdr {
	uint8_t e_ident[ELF_IDENT_LEN];
	uint16_t e_type, e_machine;
	uint32_t e_version, e_entry, e_phoff, e_shoff, e_flags;
	uint16_t e_ehsize, e_phentsize, e_phnum, e_shentsize, e_shnum, e_shstrndx;
};

struct elf32_phdr {
	uint32_t p_type, p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_flags, p_align;
};

/* At most this many PT_LOAD segments (the overlap check is quadratic). */
#define ELF_MAX_LOAD_SEGMENTS 16

enum elf_status {
	ELF_OK,
	ELF_ERR_TRUNCATED,    /* shorter than the ELF header */
	ELF_ERR_MAGIC,        /* not an ELF file */
	ELF_ERR_CLASS,        /* not 64-bit (elf_check) */
	ELF_ERR_ENDIAN,       /* not little-endian */
	ELF_ERR_VERSION,      /* unknown ELF version */
	ELF_ERR_MACHINE,      /* not x86-64 (ELF64) or i386 (ELF32) */
	ELF_ERR_TYPE,         /* not an executable (ET_EXEC) */
	ELF_ERR_PHDRS,        /* program header table malformed or out of the image */
	ELF_ERR_TOO_MANY,     /* more than ELF_MAX_LOAD_SEGMENTS loadable segments */
	ELF_ERR_SEG_FILE,     /* a segment's file range exceeds the image */
	ELF_ERR_SEG_SIZE,     /* a segment's file size exceeds its memory size */
	ELF_ERR_SEG_ADDR,     /* a segment wraps around or reaches the kernel half */
	ELF_ERR_SEG_ALIGN,    /* vaddr and file offset differ modulo the page size */
	ELF_ERR_SEG_OVERLAP,  /* two segments share a page */
	ELF_ERR_ENTRY,        /* the entry point is in no executable segment */
	ELF_ERR_NO_CLASS,     /* neither ELF32 nor ELF64 */
	ELF_ERR_SEG_PADDR,    /* a segment's physical range wraps around (elf_check_boot) */
	ELF_STATUS_COUNT
};

/* One loadable segment.  data points at its filesz bytes inside the image. */
struct elf_segment {
	uint64_t vaddr, paddr, memsz, filesz;
	uint32_t flags;       /* ELF_PF_R | ELF_PF_W | ELF_PF_X */
	const uint8_t *data;
};

/* Checks that image[0 .. size) is a loadable x86-64 executable for user space. */
enum elf_status elf_check(const void *image, size_t size);

/*
 * Checks that image[0 .. size) is an executable a boot loader can copy to
 * its physical addresses (p_paddr): ELF32 for i386 or ELF64 for x86-64,
 * headers and segment data inside the file, no segment's physical range
 * wrapping.  Where the segments go (RAM, overlaps, the entry point) is the
 * loader's to check.
 */
enum elf_status elf_check_boot(const void *image, size_t size);

/* Whether a checked image is ELF64. */
int elf_is_64(const void *image);

/* The entry point of a checked image (either class). */
uint64_t elf_entry(const void *image);

/*
 * Iterates the non-empty PT_LOAD segments of a checked image (either class): start with
 * *cursor = 0; each call fills *seg and returns 1, or returns 0 at the end.
 */
int elf_next_segment(const void *image, size_t *cursor, struct elf_segment *seg);

/* A one-line description of a status. */
const char *elf_strerror(enum elf_status status);

#endif
