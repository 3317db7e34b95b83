/*
 * Host unit tests for servers/vmm/loader.c, the Multiboot loader: kernels
 * built in memory (ELF32, ELF64, the a.out kludge) are loaded into a
 * buffer standing for guest RAM, filled with 0xAA first so that what the
 * loader should zero is seen to be zeroed.
 */
#include <stdint.h>
#include <string.h>

#include "elf.h"
#include "loader.h"
#include "unit.h"

#define RAM_BYTES  (4u << 20)
#define IMAGE_MAX  0x4000
#define TEXT_PADDR 0x200000u
#define DATA_PADDR 0x202000u
#define MB_FLAGS   (MB_FLAG_PAGE_ALIGN | MB_FLAG_MEMORY)

static uint8_t ram[RAM_BYTES];
static uint8_t image[IMAGE_MAX];
static struct mb_load load;

/* The refusal must be want's words. */
#define CHECK_ERR(want) CHECK_LONG_STR(load.err, want)

/* A fresh load into `bytes` of RAM, all 0xAA. */
static void start(uint64_t bytes)
{
	memset(ram, 0xaa, sizeof(ram));
	mb_load_init(&load, ram, bytes);
}

/* A Multiboot header at offset off of the image, with flags and (bit 16) address fields. */
static void put_header(uint64_t off, uint32_t flags, const uint32_t addresses[5])
{
	uint32_t h[8] = { MB_HEADER_MAGIC, flags, -(MB_HEADER_MAGIC + flags) };
	if (addresses)
		memcpy(h + 3, addresses, 5 * 4);
	memcpy(image + off, h, sizeof(h));
}

/* The image of make_elf32 or make_elf64 from its headers (either class). */
static void make_image(const void *eh, size_t eh_bytes, const void *ph, size_t ph_bytes)
{
	memset(image, 0, sizeof(image));
	memcpy(image, eh, eh_bytes);
	memcpy(image + eh_bytes, ph, ph_bytes);
	memset(image + 0x1000, 0x11, 0x100);
	memset(image + 0x2000, 0x22, 0x10);
	put_header(0x1000, MB_FLAGS, 0);
}

/*
 * An ELF32 kernel: text (0x100 bytes of 0x11, entry at its offset 0x10)
 * at TEXT_PADDR, data (0x10 bytes of 0x22 in the file, 0x1000 in memory)
 * at DATA_PADDR, linked at virtual addresses 3 GiB higher; the Multiboot
 * header at file offset 0x1000, the text's start.
 */
static void make_elf32(void)
{
	struct elf32_ehdr eh = {
		.e_ident = { 0x7f, 'E', 'L', 'F', ELF_CLASS32, ELF_DATA_LSB, ELF_VERSION },
		.e_type = ELF_ET_EXEC, .e_machine = ELF_EM_386, .e_version = ELF_VERSION,
		.e_entry = TEXT_PADDR + 0x10, .e_phoff = sizeof(eh), .e_ehsize = sizeof(eh),
		.e_phentsize = sizeof(struct elf32_phdr), .e_phnum = 2,
	};
	struct elf32_phdr ph[2] = {
		{ .p_type = ELF_PT_LOAD, .p_offset = 0x1000, .p_vaddr = 0xc0000000u + TEXT_PADDR,
		  .p_paddr = TEXT_PADDR, .p_filesz = 0x100, .p_memsz = 0x100,
		  .p_flags = ELF_PF_R | ELF_PF_X },
		{ .p_type = ELF_PT_LOAD, .p_offset = 0x2000, .p_vaddr = 0xc0000000u + DATA_PADDR,
		  .p_paddr = DATA_PADDR, .p_filesz = 0x10, .p_memsz = 0x1000,
		  .p_flags = ELF_PF_R | ELF_PF_W },
	};
	make_image(&eh, sizeof(eh), ph, sizeof(ph));
}

/* The same kernel as ELF64, entry at entry. */
static void make_elf64(uint64_t entry)
{
	struct elf64_ehdr eh = {
		.e_ident = { 0x7f, 'E', 'L', 'F', ELF_CLASS64, ELF_DATA_LSB, ELF_VERSION },
		.e_type = ELF_ET_EXEC, .e_machine = ELF_EM_X86_64, .e_version = ELF_VERSION,
		.e_entry = entry, .e_phoff = sizeof(eh), .e_ehsize = sizeof(eh),
		.e_phentsize = sizeof(struct elf64_phdr), .e_phnum = 2,
	};
	struct elf64_phdr ph[2] = {
		{ .p_type = ELF_PT_LOAD, .p_offset = 0x1000, .p_vaddr = 0xffffffff80000000ULL,
		  .p_paddr = TEXT_PADDR, .p_filesz = 0x100, .p_memsz = 0x100,
		  .p_flags = ELF_PF_R | ELF_PF_X },
		{ .p_type = ELF_PT_LOAD, .p_offset = 0x2000, .p_vaddr = 0xffffffff80002000ULL,
		  .p_paddr = DATA_PADDR, .p_filesz = 0x10, .p_memsz = 0x1000,
		  .p_flags = ELF_PF_R | ELF_PF_W },
	};
	make_image(&eh, sizeof(eh), ph, sizeof(ph));
}

/* Program header i of the ELF32 kernel, to change. */
static struct elf32_phdr *phdr32(unsigned i)
{
	return (struct elf32_phdr *)(image + sizeof(struct elf32_ehdr)) + i;
}

/* Whether ram[at .. at + len) is all byte v. */
static int all(uint64_t at, uint64_t len, uint8_t v)
{
	for (uint64_t i = 0; i < len; i++)
		if (ram[at + i] != v)
			return 0;
	return 1;
}

TEST(loader_elf32_loads_each_segment_at_its_physical_address)
{
	make_elf32();
	start(RAM_BYTES);
	CHECK(mb_load_kernel(&load, image, 0x2010));
	CHECK_EQ(load.entry, TEXT_PADDR + 0x10);
	CHECK(memcmp(ram + TEXT_PADDR, image + 0x1000, 0x100) == 0); /* the header, then 0x11s */
	CHECK(all(DATA_PADDR, 0x10, 0x22));
	CHECK(all(DATA_PADDR + 0x10, 0x1000 - 0x10, 0)); /* memsz beyond filesz: zeroed */
	CHECK_EQ(ram[TEXT_PADDR + 0x100], 0xaa);         /* nothing else written */
	CHECK_EQ(load.kernel_end, DATA_PADDR + 0x1000);
	CHECK(load.notice == NULL);
}

TEST(loader_elf64_loads_at_physical_addresses_below_4g)
{
	make_elf64(TEXT_PADDR + 0x20);
	start(RAM_BYTES);
	CHECK(mb_load_kernel(&load, image, 0x2010));
	CHECK_EQ(load.entry, TEXT_PADDR + 0x20);
	CHECK(memcmp(ram + TEXT_PADDR, image + 0x1000, 0x100) == 0); /* the header, then 0x11s */
	CHECK(all(DATA_PADDR + 0x10, 0x1000 - 0x10, 0));
}

/* It is an error for an ELF64 kernel to start at 4 GiB or above: it is entered in 32-bit mode. */
TEST(loader_refuses_elf64_entry_above_4g)
{
	make_elf64(0xffffffff80000010ULL);
	start(RAM_BYTES);
	CHECK(!mb_load_kernel(&load, image, 0x2010));
	CHECK_ERR("its ELF64 entry 0xffffffff80000010 is not below 4 GiB, and it is "
			    "entered in 32-bit protected mode");
}

TEST(loader_finds_the_header_anywhere_4_byte_aligned_in_8k)
{
	make_elf32();
	memset(image + 0x1000, 0x11, 12); /* the header moves to the last place it may be */
	put_header(MB_SEARCH_BYTES - 12, MB_FLAGS, 0);
	start(RAM_BYTES);
	CHECK(mb_load_kernel(&load, image, 0x2010));
}

/* It is an error for the header to lie past 8 KiB, off 4-byte alignment, or to have a bad checksum. */
TEST(loader_refuses_a_kernel_without_a_valid_header_in_8k)
{
	make_elf32();
	memset(image + 0x1000, 0x11, 12);
	put_header(MB_SEARCH_BYTES - 8, MB_FLAGS, 0); /* its checksum lies past 8 KiB */
	start(RAM_BYTES);
	CHECK(!mb_load_kernel(&load, image, sizeof(image)));
	CHECK_ERR("no Multiboot header in the first 8 KiB");
	make_elf32();
	memmove(image + 0x1002, image + 0x1000, 12); /* not 4-byte aligned */
	memset(image + 0x1000, 0, 2);
	CHECK(!mb_load_kernel(&load, image, sizeof(image)));
	make_elf32();
	image[0x1008]++; /* the checksum */
	CHECK(!mb_load_kernel(&load, image, sizeof(image)));
	CHECK_ERR("no Multiboot header in the first 8 KiB");
	make_elf32();
	CHECK(!mb_load_kernel(&load, image, 0x1008)); /* the file ends inside the header */
}

/* It is an error to need a header flag of bits 0-15 that the loader does not know. */
TEST(loader_refuses_unknown_required_flags_naming_the_bit)
{
	make_elf32();
	put_header(0x1000, MB_FLAGS | (1u << 5), 0);
	start(RAM_BYTES);
	CHECK(!mb_load_kernel(&load, image, 0x2010));
	CHECK_ERR("Multiboot header flag bit 5 (a requirement Multiboot 0.6.96 does not "
			    "define) not supported");
	put_header(0x1000, MB_FLAGS | (1u << 20), 0); /* bits 16-31 are optional: ignored */
	CHECK(mb_load_kernel(&load, image, 0x2010));
}

TEST(loader_notes_a_video_mode_request_and_goes_on)
{
	make_elf32();
	put_header(0x1000, MB_FLAGS | MB_FLAG_VIDEO, 0);
	start(RAM_BYTES);
	CHECK(mb_load_kernel(&load, image, 0x2010));
	CHECK(load.notice != NULL);
	CHECK(strstr(load.notice, "video mode (flag bit 2)") != NULL);
}

/* It is an error for a kernel without address fields not to be ELF; the ELF reason is given. */
TEST(loader_refuses_a_non_elf_kernel_without_address_fields)
{
	make_elf32();
	image[1] = 'X';
	start(RAM_BYTES);
	CHECK(!mb_load_kernel(&load, image, 0x2010));
	CHECK_ERR("its Multiboot header has no address fields (flag bit 16), so it must "
			    "be ELF, but: not an ELF file (bad magic)");
	make_elf32();
	((struct elf32_ehdr *)image)->e_machine = ELF_EM_X86_64; /* an ELF32 x86-64 (x32) file */
	CHECK(!mb_load_kernel(&load, image, 0x2010));
	CHECK(strstr(load.err, "not for x86") != NULL);
}

/* It is an error for a segment to reach past RAM. */
TEST(loader_refuses_a_segment_outside_ram)
{
	make_elf32();
	start(DATA_PADDR + 0x800); /* the data's BSS ends 0x800 past RAM */
	CHECK(!mb_load_kernel(&load, image, 0x2010));
	CHECK_ERR("ELF segment at 0x202000 (4 KiB) lies outside its 2058 KiB of RAM");
	make_elf32();
	phdr32(1)->p_paddr = 0xfffff000u; /* paddr + memsz wraps 32 bits */
	start(RAM_BYTES);
	CHECK(!mb_load_kernel(&load, image, 0x2010));
	CHECK(strstr(load.err, "lies outside its 4096 KiB of RAM") != NULL);
}

/* It is an error for a segment to cover the VMM's boot data or the BIOS area. */
TEST(loader_refuses_a_segment_on_reserved_memory)
{
	make_elf32();
	phdr32(1)->p_paddr = 0x6800;
	start(RAM_BYTES);
	CHECK(!mb_load_kernel(&load, image, 0x2010));
	CHECK_ERR("ELF segment at 0x6800 (4 KiB) overlaps the boot data at 0x500-0x7000 "
			    "(GDT, Multiboot information)");
	make_elf32();
	phdr32(1)->p_paddr = 0xff800;
	CHECK(!mb_load_kernel(&load, image, 0x2010));
	CHECK_ERR("ELF segment at 0xff800 (4 KiB) overlaps the BIOS at 0xe1000-0x100000");
	make_elf32();
	phdr32(1)->p_paddr = 0x9f000;
	CHECK(!mb_load_kernel(&load, image, 0x2010));
	CHECK_ERR("ELF segment at 0x9f000 (4 KiB) overlaps the EBDA at 0x9fc00-0xa0000");
	make_elf32();
	phdr32(1)->p_paddr = 0xb8000; /* video memory: not in the map at all */
	CHECK(!mb_load_kernel(&load, image, 0x2010));
	CHECK_ERR("ELF segment at 0xb8000 (4 KiB) overlaps no RAM at 0xa0000-0xe0000");
	make_elf32();
	phdr32(1)->p_paddr = 0x7000; /* right after the boot data: fine */
	CHECK(mb_load_kernel(&load, image, 0x2010));
}

/* It is an error for two segments to share a byte, or for the entry to be in none. */
TEST(loader_refuses_overlapping_segments_and_a_stray_entry)
{
	make_elf32();
	phdr32(1)->p_paddr = TEXT_PADDR + 0xff;
	start(RAM_BYTES);
	CHECK(!mb_load_kernel(&load, image, 0x2010));
	CHECK_ERR("ELF segments at 0x200000 and 0x2000ff overlap");
	make_elf32();
	phdr32(1)->p_paddr = TEXT_PADDR + 0x100; /* touching, not sharing */
	CHECK(mb_load_kernel(&load, image, 0x2010));
	make_elf32();
	((struct elf32_ehdr *)image)->e_entry = 0xc0000000u + TEXT_PADDR; /* a virtual address */
	CHECK(!mb_load_kernel(&load, image, 0x2010));
	CHECK_ERR("its entry 0xc0200000 lies in no loaded segment");
}

/*
 * An a.out-kludge kernel: a 0x300-byte file whose header, at offset 0x40,
 * says it is at 0x10040: the file goes to 0x10000, 0x200 of it
 * (load_end), then BSS to 0x10400; entry at 0x10080.
 */
static void make_aout(uint32_t load_end, uint32_t bss_end, uint32_t entry)
{
	uint32_t addresses[5] = { 0x10040, 0x10000, load_end, bss_end, entry };
	memset(image, 0x33, 0x300);
	put_header(0x40, MB_FLAGS | MB_FLAG_ADDRESSES, addresses);
}

TEST(loader_aout_kludge_loads_by_the_address_fields)
{
	make_aout(0x10200, 0x10400, 0x10080);
	start(RAM_BYTES);
	CHECK(mb_load_kernel(&load, image, 0x300));
	CHECK_EQ(load.entry, 0x10080);
	CHECK(all(0x10000, 0x40, 0x33));
	CHECK(memcmp(ram + 0x10040, image + 0x40, 32) == 0);
	CHECK(all(0x10060, 0x200 - 0x60, 0x33));
	CHECK(all(0x10200, 0x200, 0)); /* the BSS, zeroed */
	CHECK_EQ(ram[0x10400], 0xaa);
	CHECK_EQ(load.kernel_end, 0x10400);
	make_aout(0, 0, 0x10080); /* load_end 0: the whole file; bss_end 0: no BSS */
	start(RAM_BYTES);
	CHECK(mb_load_kernel(&load, image, 0x300));
	CHECK_EQ(load.kernel_end, 0x10300);
	CHECK_EQ(ram[0x10300], 0xaa);
}

/* It is an error for the address fields to contradict the file or each other. */
TEST(loader_refuses_inconsistent_address_fields)
{
	start(RAM_BYTES);
	make_aout(0x10400, 0, 0x10080); /* load_end past the file's end */
	CHECK(!mb_load_kernel(&load, image, 0x300));
	CHECK_ERR("load_end_addr 0x10400 lies before load_addr or past the end of the file");
	make_aout(0x10200, 0x10100, 0x10080);
	CHECK(!mb_load_kernel(&load, image, 0x300));
	CHECK_ERR("bss_end_addr 0x10100 lies below the end of the loaded kernel 0x10200");
	make_aout(0x10200, 0, 0x10200);
	CHECK(!mb_load_kernel(&load, image, 0x300));
	CHECK_ERR("its entry 0x10200 lies outside the kernel it loads (0x10000-0x10200)");
	uint32_t before_file[5] = { 0x10040, 0xf000, 0, 0, 0x10080 }; /* text 0x1040 before offset 0 */
	put_header(0x40, MB_FLAGS | MB_FLAG_ADDRESSES, before_file);
	CHECK(!mb_load_kernel(&load, image, 0x300));
	CHECK_ERR("header_addr 0x10040 and load_addr 0xf000 put the kernel's start "
			    "before the file's");
	make_aout(0, 0, 0x10080);
	CHECK(!mb_load_kernel(&load, image, 0x50)); /* the address fields run past the file */
	CHECK_ERR("its Multiboot header's address fields lie past the first 8 KiB or "
			    "the end of the file");
}

TEST(loader_places_modules_page_aligned_above_the_kernel)
{
	static const uint8_t a[5000] = { 1, 2, 3 }, b[10] = { 9 };
	make_elf32();
	start(RAM_BYTES);
	CHECK(mb_load_kernel(&load, image, 0x2010));
	CHECK(mb_load_module(&load, "a", a, sizeof(a)));
	CHECK(mb_load_module(&load, "b", b, sizeof(b)));
	CHECK_EQ(load.mods_count, 2);
	CHECK_EQ(load.mods[0].mod_start, DATA_PADDR + 0x1000); /* the kernel's end, a page boundary */
	CHECK_EQ(load.mods[0].mod_end, DATA_PADDR + 0x1000 + 5000);
	CHECK_EQ(load.mods[1].mod_start, DATA_PADDR + 0x3000);
	CHECK_EQ(load.mods[1].mod_end, DATA_PADDR + 0x3000 + 10);
	CHECK(memcmp(ram + load.mods[0].mod_start, a, sizeof(a)) == 0);
	CHECK_EQ(ram[load.mods[1].mod_start], 9);
}

/* A module that would cover the BIOS area goes above it, at 1 MiB. */
TEST(loader_places_modules_around_the_bios_area)
{
	static uint8_t big[0x90000];
	make_aout(0, 0, 0x10080);
	start(RAM_BYTES);
	CHECK(mb_load_kernel(&load, image, 0x300));
	CHECK(mb_load_module(&load, "small", big, 0x100));
	CHECK_EQ(load.mods[0].mod_start, 0x11000);
	CHECK(mb_load_module(&load, "big", big, sizeof(big))); /* 0x12000 + 0x90000 > 0x9fc00 */
	CHECK_EQ(load.mods[1].mod_start, 0x100000);
}

/* It is an error for a module not to fit in RAM, or for there to be more than 8. */
TEST(loader_refuses_a_module_that_does_not_fit)
{
	static const uint8_t m[0x2000];
	make_elf32();
	start(DATA_PADDR + 0x2000);
	CHECK(mb_load_kernel(&load, image, 0x2010));
	CHECK(mb_load_module(&load, "fits", m, 0x1000));
	CHECK(!mb_load_module(&load, "big", m, 1));
	CHECK_ERR("module big (1 KiB) does not fit above the kernel in its 2064 KiB of RAM");
	start(RAM_BYTES);
	CHECK(mb_load_kernel(&load, image, 0x2010));
	for (unsigned i = 0; i < MB_MAX_MODULES; i++)
		CHECK(mb_load_module(&load, "m", m, 16));
	CHECK(!mb_load_module(&load, "ninth", m, 16));
	CHECK_ERR("module ninth: more than 8 modules");
}

/* The information structure at EBX, as read back from RAM. */
static struct mb_info info(void)
{
	struct mb_info i;
	memcpy(&i, ram + MB_INFO_GPA, sizeof(i));
	return i;
}

TEST(loader_info_has_memory_cmdline_modules_and_loader_name)
{
	static const uint8_t a[3] = { 7, 8, 9 };
	static const char *const names[] = { "first", "second" };
	make_elf32();
	start(RAM_BYTES);
	CHECK(mb_load_kernel(&load, image, 0x2010));
	CHECK(mb_load_module(&load, names[0], a, 3));
	CHECK(mb_load_module(&load, names[1], a, 1));
	CHECK(mb_write_info(&load, "kern", "cpuid  x", names));
	struct mb_info i = info();
	CHECK_EQ(i.flags, MBI_MEMORY | MBI_CMDLINE | MBI_MODULES | MBI_MEMORY_MAP | MBI_LOADER_NAME);
	CHECK_EQ(i.mem_lower, 639);
	CHECK_EQ(i.mem_upper, 3072);
	CHECK_STR((char *)ram + i.cmdline, "kern cpuid  x"); /* as QEMU's -kernel kern -append */
	CHECK_STR((char *)ram + i.boot_loader_name, "Moat VMM");
	CHECK_EQ(i.mods_count, 2);
	struct mb_module m[2];
	memcpy(m, ram + i.mods_addr, sizeof(m));
	CHECK_EQ(m[0].mod_start, load.mods[0].mod_start);
	CHECK_EQ(m[0].mod_end - m[0].mod_start, 3);
	CHECK_STR((char *)ram + m[0].string, "first");
	CHECK_STR((char *)ram + m[1].string, "second");
	uint32_t parts[] = { i.cmdline, i.mods_addr, i.mmap_addr, i.boot_loader_name };
	for (unsigned k = 0; k < 4; k++) /* all in the information's page, after the structure */
		CHECK(parts[k] > MB_INFO_GPA && parts[k] < MB_INFO_END);
	CHECK(mb_write_info(&load, "kern", "", names)); /* no cmdline=: the name alone */
	CHECK_STR((char *)ram + info().cmdline, "kern");
}

/* One memory map entry as read back. */
static struct mb_mmap_entry map_entry(const struct mb_info *i, unsigned n)
{
	struct mb_mmap_entry e;
	memcpy(&e, ram + i->mmap_addr + n * sizeof(e), sizeof(e));
	return e;
}

#define CHECK_ENTRY(i, n, want_base, want_length, want_type) \
	do {                                                 \
		struct mb_mmap_entry e_ = map_entry(i, n);   \
		CHECK_EQ(e_.size, 20);                       \
		CHECK_EQ(e_.base_addr, want_base);           \
		CHECK_EQ(e_.length, want_length);            \
		CHECK_EQ(e_.type, want_type);                \
	} while (0)

TEST(loader_memory_map_is_a_pcs)
{
	make_elf32();
	start(RAM_BYTES);
	CHECK(mb_load_kernel(&load, image, 0x2010));
	CHECK(mb_write_info(&load, "k", "", NULL));
	struct mb_info i = info();
	CHECK_EQ(i.mem_lower, 639);
	CHECK_EQ(i.mem_upper, (RAM_BYTES - 0x100000) >> 10);
	CHECK_EQ(i.mmap_length, 7 * 24);
	CHECK_ENTRY(&i, 0, 0, 0x9fc00, 1);
	CHECK_ENTRY(&i, 1, 0x9fc00, 0x400, 2);
	CHECK_ENTRY(&i, 2, 0xe0000, 0x1000, 3); /* the ACPI tables */
	CHECK_ENTRY(&i, 3, 0xe1000, 0x1f000, 2);
	CHECK_ENTRY(&i, 4, 0x100000, RAM_BYTES - 0x100000, 1);
	CHECK_ENTRY(&i, 5, 0xfec00000, 0x1000, 2);
	CHECK_ENTRY(&i, 6, 0xfee00000, 0x1000, 2);
}

/* With less RAM than 640 KiB, there is no RAM above 1 MiB and conventional memory ends early. */
TEST(loader_memory_map_of_a_small_guest)
{
	make_aout(0, 0, 0x10080);
	start(0x80000);
	CHECK(mb_load_kernel(&load, image, 0x300));
	CHECK(mb_write_info(&load, "k", "", NULL));
	struct mb_info i = info();
	CHECK_EQ(i.mem_lower, 512);
	CHECK_EQ(i.mem_upper, 0);
	CHECK_EQ(i.mmap_length, 5 * 24);
	CHECK_ENTRY(&i, 0, 0, 0x80000, 1);
	CHECK_ENTRY(&i, 2, 0xe0000, 0x20000, 2); /* no ACPI tables: no RAM for them */
	CHECK_ENTRY(&i, 3, 0xfec00000, 0x1000, 2);
}

/* It is an error for the boot information not to fit: too little RAM, or too long strings. */
TEST(loader_refuses_info_that_does_not_fit)
{
	static char name[MB_INFO_END - MB_INFO_GPA];
	start(0x6000);
	CHECK(!mb_write_info(&load, "k", "", NULL));
	CHECK_ERR("its boot information at 0x6000-0x7000 lies outside its 24 KiB of RAM");
	start(RAM_BYTES);
	memset(name, 'n', sizeof(name) - 1);
	CHECK(!mb_write_info(&load, name, "", NULL));
	CHECK_ERR("its boot information does not fit in 0x6000-0x7000");
}
