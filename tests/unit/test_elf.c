/* Host unit tests for lib/elf.c: a valid image, then one case per error. */
#include <stdint.h>
#include <string.h>

#include "elf.h"
#include "unit.h"

#define IMAGE_BYTES 0x3000
#define TEXT_VADDR  0x401000ULL
#define DATA_VADDR  0x402000ULL

/* An executable built in memory: headers, a text page and a data page. */
struct image {
	union {
		uint8_t bytes[IMAGE_BYTES];
		uint64_t align;
	};
	size_t size;
};

static struct elf64_ehdr *ehdr(struct image *im)
{
	return (struct elf64_ehdr *)im->bytes;
}

static struct elf64_phdr *phdr(struct image *im, size_t i)
{
	return (struct elf64_phdr *)(im->bytes + sizeof(struct elf64_ehdr)) + i;
}

/* Fills program header i. */
static void set_phdr(struct image *im, size_t i, uint32_t type, uint32_t flags, uint64_t offset,
		     uint64_t vaddr, uint64_t filesz, uint64_t memsz)
{
	*phdr(im, i) = (struct elf64_phdr){ .p_type = type, .p_flags = flags, .p_offset = offset,
					    .p_vaddr = vaddr, .p_paddr = vaddr,
					    .p_filesz = filesz, .p_memsz = memsz,
					    .p_align = 0x1000 };
}

/*
 * A valid image: phdr 0 text (R X, 0x100 bytes), 1 a note (ignored), 2 an
 * empty PT_LOAD (skipped), 3 data (R W, 0x10 bytes in file, 0x2000 in memory).
 */
static void make_image(struct image *im)
{
	struct elf64_ehdr *eh = ehdr(im);

	memset(im, 0, sizeof(*im));
	im->size = IMAGE_BYTES;
	memcpy(eh->e_ident, "\x7f" "ELF", 4);
	eh->e_ident[4] = ELF_CLASS64;
	eh->e_ident[5] = ELF_DATA_LSB;
	eh->e_ident[6] = ELF_VERSION;
	eh->e_type = ELF_ET_EXEC;
	eh->e_machine = ELF_EM_X86_64;
	eh->e_version = ELF_VERSION;
	eh->e_entry = TEXT_VADDR + 0x10;
	eh->e_phoff = sizeof(*eh);
	eh->e_ehsize = sizeof(*eh);
	eh->e_phentsize = sizeof(struct elf64_phdr);
	eh->e_phnum = 4;
	set_phdr(im, 0, ELF_PT_LOAD, ELF_PF_R | ELF_PF_X, 0x1000, TEXT_VADDR, 0x100, 0x100);
	set_phdr(im, 1, 4, ELF_PF_R, 0x200, 0x400200, 0x20, 0x20);
	set_phdr(im, 2, ELF_PT_LOAD, ELF_PF_R | ELF_PF_W, 0x120, 0, 0, 0); /* as ld makes them */
	set_phdr(im, 3, ELF_PT_LOAD, ELF_PF_R | ELF_PF_W, 0x2000, DATA_VADDR, 0x10, 0x2000);
	im->bytes[0x1000] = 0xc3;
	im->bytes[0x2000] = 0x5a;
}

/* elf_check of the image as it is now. */
static enum elf_status check(struct image *im)
{
	return elf_check(im->bytes, im->size);
}

TEST(elf_valid_image)
{
	struct image im;
	struct elf_segment seg;
	size_t cursor = 0;

	make_image(&im);
	CHECK_EQ(check(&im), ELF_OK);
	CHECK_EQ(elf_entry(im.bytes), TEXT_VADDR + 0x10);
	CHECK(elf_next_segment(im.bytes, &cursor, &seg));
	CHECK_EQ(seg.vaddr, TEXT_VADDR);
	CHECK_EQ(seg.memsz, 0x100);
	CHECK_EQ(seg.filesz, 0x100);
	CHECK_EQ(seg.flags, ELF_PF_R | ELF_PF_X);
	CHECK(seg.data == im.bytes + 0x1000);
	CHECK(elf_next_segment(im.bytes, &cursor, &seg)); /* the note and empty load skipped */
	CHECK_EQ(seg.vaddr, DATA_VADDR);
	CHECK_EQ(seg.memsz, 0x2000);
	CHECK_EQ(seg.filesz, 0x10);
	CHECK_EQ(seg.flags, ELF_PF_R | ELF_PF_W);
	CHECK_EQ(seg.data[0], 0x5a);
	CHECK(!elf_next_segment(im.bytes, &cursor, &seg));
	CHECK(!elf_next_segment(im.bytes, &cursor, &seg)); /* stays at the end */
}

TEST(elf_valid_unaligned_buffer)
{
	static uint8_t shifted[IMAGE_BYTES + 1];
	struct image im;

	make_image(&im);
	memcpy(shifted + 1, im.bytes, IMAGE_BYTES); /* headers read without alignment */
	CHECK_EQ(elf_check(shifted + 1, IMAGE_BYTES), ELF_OK);
}

TEST(elf_truncated_header)
{
	struct image im;

	make_image(&im);
	CHECK_EQ(elf_check(im.bytes, 0), ELF_ERR_TRUNCATED);
	CHECK_EQ(elf_check(im.bytes, sizeof(struct elf64_ehdr) - 1), ELF_ERR_TRUNCATED);
}

TEST(elf_bad_magic)
{
	struct image im;

	make_image(&im);
	im.bytes[3] = 'G';
	CHECK_EQ(check(&im), ELF_ERR_MAGIC);
}

TEST(elf_bad_class)
{
	struct image im;

	make_image(&im);
	ehdr(&im)->e_ident[4] = 1; /* 32-bit */
	CHECK_EQ(check(&im), ELF_ERR_CLASS);
}

TEST(elf_bad_endian)
{
	struct image im;

	make_image(&im);
	ehdr(&im)->e_ident[5] = 2; /* big-endian */
	CHECK_EQ(check(&im), ELF_ERR_ENDIAN);
}

TEST(elf_bad_version)
{
	struct image im;

	make_image(&im);
	ehdr(&im)->e_ident[6] = 0;
	CHECK_EQ(check(&im), ELF_ERR_VERSION);
	make_image(&im);
	ehdr(&im)->e_version = 2;
	CHECK_EQ(check(&im), ELF_ERR_VERSION);
}

TEST(elf_bad_machine)
{
	struct image im;

	make_image(&im);
	ehdr(&im)->e_machine = 3; /* i386 */
	CHECK_EQ(check(&im), ELF_ERR_MACHINE);
}

TEST(elf_bad_type)
{
	struct image im;

	make_image(&im);
	ehdr(&im)->e_type = 3; /* ET_DYN */
	CHECK_EQ(check(&im), ELF_ERR_TYPE);
	ehdr(&im)->e_type = 1; /* ET_REL */
	CHECK_EQ(check(&im), ELF_ERR_TYPE);
}

TEST(elf_phdrs_out_of_bounds)
{
	struct image im;

	make_image(&im);
	ehdr(&im)->e_phoff = IMAGE_BYTES - sizeof(struct elf64_phdr) + 1;
	ehdr(&im)->e_phnum = 1;
	CHECK_EQ(check(&im), ELF_ERR_PHDRS);
	ehdr(&im)->e_phoff = UINT64_MAX - 8; /* offset + size would wrap */
	CHECK_EQ(check(&im), ELF_ERR_PHDRS);
	make_image(&im);
	ehdr(&im)->e_phnum = 0xffff; /* the table runs past the end */
	CHECK_EQ(check(&im), ELF_ERR_PHDRS);
}

TEST(elf_phdrs_bad_entry_size)
{
	struct image im;

	make_image(&im);
	ehdr(&im)->e_phentsize = sizeof(struct elf64_phdr) - 8;
	CHECK_EQ(check(&im), ELF_ERR_PHDRS);
}

TEST(elf_segment_outside_file)
{
	struct image im;

	make_image(&im);
	phdr(&im, 3)->p_filesz = 0x1001; /* one byte past the end */
	phdr(&im, 3)->p_memsz = 0x2000;
	CHECK_EQ(check(&im), ELF_ERR_SEG_FILE);
	make_image(&im);
	phdr(&im, 3)->p_offset = IMAGE_BYTES + 0x1000;
	CHECK_EQ(check(&im), ELF_ERR_SEG_FILE);
	make_image(&im);
	phdr(&im, 3)->p_filesz = UINT64_MAX - 0xfff; /* offset + filesz wraps */
	phdr(&im, 3)->p_memsz = UINT64_MAX;
	CHECK_EQ(check(&im), ELF_ERR_SEG_FILE);
}

TEST(elf_segment_filesz_exceeds_memsz)
{
	struct image im;

	make_image(&im);
	phdr(&im, 3)->p_filesz = 0x20;
	phdr(&im, 3)->p_memsz = 0x1f;
	CHECK_EQ(check(&im), ELF_ERR_SEG_SIZE);
	make_image(&im);
	phdr(&im, 2)->p_filesz = 1; /* file data for an empty segment */
	CHECK_EQ(check(&im), ELF_ERR_SEG_SIZE);
}

TEST(elf_segment_kernel_half)
{
	struct image im;

	make_image(&im);
	phdr(&im, 3)->p_vaddr = 0xffffffff80002000ULL;
	CHECK_EQ(check(&im), ELF_ERR_SEG_ADDR);
	phdr(&im, 3)->p_vaddr = 0x0000800000000000ULL; /* the first non-user address */
	CHECK_EQ(check(&im), ELF_ERR_SEG_ADDR);
	phdr(&im, 3)->p_vaddr = 0x00007ffffffff000ULL; /* the last page is never user space */
	CHECK_EQ(check(&im), ELF_ERR_SEG_ADDR);
	phdr(&im, 3)->p_vaddr = 0x00007fffffffe000ULL; /* ends 0x1000 past user space */
	CHECK_EQ(check(&im), ELF_ERR_SEG_ADDR);
	phdr(&im, 3)->p_vaddr = 0x00007fffffffd000ULL; /* ends exactly at the top */
	CHECK_EQ(check(&im), ELF_OK);
}

TEST(elf_segment_wraps)
{
	struct image im;

	make_image(&im);
	phdr(&im, 3)->p_vaddr = 0x2000;
	phdr(&im, 3)->p_memsz = UINT64_MAX - 0x1000; /* vaddr + memsz wraps */
	CHECK_EQ(check(&im), ELF_ERR_SEG_ADDR);
}

TEST(elf_segment_misaligned)
{
	struct image im;

	make_image(&im);
	phdr(&im, 3)->p_vaddr = DATA_VADDR + 8; /* the offset is page-aligned */
	CHECK_EQ(check(&im), ELF_ERR_SEG_ALIGN);
}

TEST(elf_segments_overlap)
{
	struct image im;

	make_image(&im);
	phdr(&im, 3)->p_vaddr = TEXT_VADDR + 0x800; /* same page as the text */
	phdr(&im, 3)->p_offset = 0x2800;
	phdr(&im, 3)->p_memsz = 0x10;
	CHECK_EQ(check(&im), ELF_ERR_SEG_OVERLAP);
	make_image(&im);
	phdr(&im, 0)->p_memsz = 0x1001; /* text spills into the data page */
	CHECK_EQ(check(&im), ELF_ERR_SEG_OVERLAP);
	make_image(&im);
	phdr(&im, 3)->p_vaddr = TEXT_VADDR - 0x1000; /* data's second page is the text's */
	CHECK_EQ(check(&im), ELF_ERR_SEG_OVERLAP);
}

TEST(elf_entry_outside_executable)
{
	struct image im;

	make_image(&im);
	ehdr(&im)->e_entry = DATA_VADDR; /* in a segment, but not executable */
	CHECK_EQ(check(&im), ELF_ERR_ENTRY);
	ehdr(&im)->e_entry = TEXT_VADDR + 0x100; /* one past the text */
	CHECK_EQ(check(&im), ELF_ERR_ENTRY);
	ehdr(&im)->e_entry = 0;
	CHECK_EQ(check(&im), ELF_ERR_ENTRY);
	ehdr(&im)->e_entry = TEXT_VADDR;
	ehdr(&im)->e_phnum = 0; /* no segments at all */
	CHECK_EQ(check(&im), ELF_ERR_ENTRY);
}

/* An image with n one-page PT_LOAD segments, the first executable. */
static void make_many_segments(struct image *im, size_t n)
{
	make_image(im);
	ehdr(im)->e_phnum = n;
	ehdr(im)->e_entry = TEXT_VADDR;
	for (size_t i = 0; i < n; i++)
		set_phdr(im, i, ELF_PT_LOAD, i ? ELF_PF_R : ELF_PF_R | ELF_PF_X, 0x1000,
			 TEXT_VADDR + i * 0x1000, 0x10, 0x1000);
}

TEST(elf_too_many_segments)
{
	struct image im;

	make_many_segments(&im, ELF_MAX_LOAD_SEGMENTS);
	CHECK_EQ(check(&im), ELF_OK);
	make_many_segments(&im, ELF_MAX_LOAD_SEGMENTS + 1);
	CHECK_EQ(check(&im), ELF_ERR_TOO_MANY);
}

TEST(elf_strerror_names_every_status)
{
	for (int i = 0; i < ELF_STATUS_COUNT; i++) {
		CHECK(elf_strerror(i) != NULL);
		for (int j = 0; j < i; j++)
			CHECK(strcmp(elf_strerror(i), elf_strerror(j)) != 0);
	}
	CHECK_STR(elf_strerror(ELF_STATUS_COUNT), "unknown ELF status");
}

/* An ELF32 i386 executable: one text segment of 0x20 bytes at paddr 0x100000, vaddr 3 GiB higher. */
static void make_image32(struct image *im)
{
	struct elf32_ehdr eh = {
		.e_ident = { 0x7f, 'E', 'L', 'F', ELF_CLASS32, ELF_DATA_LSB, ELF_VERSION },
		.e_type = ELF_ET_EXEC, .e_machine = ELF_EM_386, .e_version = ELF_VERSION,
		.e_entry = 0x100000, .e_phoff = sizeof(eh), .e_ehsize = sizeof(eh),
		.e_phentsize = sizeof(struct elf32_phdr), .e_phnum = 1,
	};
	struct elf32_phdr ph = { .p_type = ELF_PT_LOAD, .p_offset = 0x1000, .p_vaddr = 0xc0100000u,
				 .p_paddr = 0x100000, .p_filesz = 0x20, .p_memsz = 0x30,
				 .p_flags = ELF_PF_R | ELF_PF_X };
	memset(im, 0, sizeof(*im));
	im->size = IMAGE_BYTES;
	memcpy(im->bytes, &eh, sizeof(eh));
	memcpy(im->bytes + sizeof(eh), &ph, sizeof(ph));
	im->bytes[0x1000] = 0x90;
}

TEST(elf_boot_reads_elf32_widened)
{
	struct image im;
	struct elf_segment seg;
	size_t cursor = 0;

	make_image32(&im);
	CHECK_EQ(elf_check_boot(im.bytes, im.size), ELF_OK);
	CHECK(!elf_is_64(im.bytes));
	CHECK_EQ(elf_entry(im.bytes), 0x100000);
	CHECK(elf_next_segment(im.bytes, &cursor, &seg));
	CHECK_EQ(seg.paddr, 0x100000);
	CHECK_EQ(seg.vaddr, 0xc0100000u);
	CHECK_EQ(seg.filesz, 0x20);
	CHECK_EQ(seg.memsz, 0x30);
	CHECK_EQ(seg.data[0], 0x90);
	CHECK(!elf_next_segment(im.bytes, &cursor, &seg));
}

/* It is an error for user space to get a 32-bit file, or for anyone a file of no known class. */
TEST(elf_class_checks)
{
	struct image im;

	make_image32(&im);
	CHECK_EQ(elf_check(im.bytes, im.size), ELF_ERR_CLASS);
	im.bytes[4] = 3;
	CHECK_EQ(elf_check(im.bytes, im.size), ELF_ERR_NO_CLASS);
	CHECK_EQ(elf_check_boot(im.bytes, im.size), ELF_ERR_NO_CLASS);
	make_image32(&im);
	CHECK_EQ(elf_check_boot(im.bytes, sizeof(struct elf32_ehdr) - 1), ELF_ERR_TRUNCATED);
	((struct elf32_ehdr *)im.bytes)->e_machine = ELF_EM_X86_64; /* ELF32 must be i386 */
	CHECK_EQ(elf_check_boot(im.bytes, im.size), ELF_ERR_MACHINE);
}

/* A boot image keeps only the file's rules: high-half vaddrs are fine, a wrapping paddr is not. */
TEST(elf_boot_checks_the_file_and_physical_addresses)
{
	struct image im;

	make_image(&im);
	phdr(&im, 3)->p_vaddr = 0xffffffff80002000ULL; /* elf_check refuses it; a boot loader uses paddr */
	CHECK_EQ(check(&im), ELF_ERR_SEG_ADDR);
	CHECK_EQ(elf_check_boot(im.bytes, im.size), ELF_OK);
	CHECK(elf_is_64(im.bytes));
	phdr(&im, 3)->p_paddr = UINT64_MAX - 0xfff; /* paddr + memsz wraps */
	CHECK_EQ(elf_check_boot(im.bytes, im.size), ELF_ERR_SEG_PADDR);
	make_image(&im);
	phdr(&im, 3)->p_filesz = 0x1001; /* past the file's end */
	CHECK_EQ(elf_check_boot(im.bytes, im.size), ELF_ERR_SEG_FILE);
	make_image(&im);
	phdr(&im, 3)->p_filesz = 0x2001; /* more than memsz */
	phdr(&im, 3)->p_offset = 0;
	CHECK_EQ(elf_check_boot(im.bytes, im.size), ELF_ERR_SEG_SIZE);
}
