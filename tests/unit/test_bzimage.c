/*
 * Host unit tests for servers/vmm/bzimage.c, the Linux loader: synthetic
 * bzImages (a setup header and a protected-mode kernel of known bytes)
 * are loaded into a buffer standing for guest RAM, filled with 0xAA first,
 * and the zero page is read back field by field at the boot protocol's
 * offsets.
 */
#include <stdint.h>
#include <string.h>

#include "bzimage.h"
#include "unit.h"

#define RAM_BYTES    (8u << 20)
#define SETUP_SECTS  2                    /* setup: 3 sectors with the boot sector */
#define SETUP_BYTES  ((SETUP_SECTS + 1) * 512)
#define KERNEL_BYTES 0x3000
#define IMAGE_BYTES  (SETUP_BYTES + KERNEL_BYTES)
#define PREF         0x200000u
#define INIT_SIZE    0x180000u
#define HEADER_END   0x26c                /* 0x202 + the jump's offset, as Linux 6.1's */

static uint8_t ram[RAM_BYTES];
static uint8_t image[IMAGE_BYTES];
static struct bz_load load;

/* The refusal must be want's words. */
#define CHECK_ERR(want) CHECK_LONG_STR(load.err, want)

static void put16(unsigned off, uint16_t v)
{
	memcpy(image + off, &v, sizeof(v));
}

static void put32(unsigned off, uint32_t v)
{
	memcpy(image + off, &v, sizeof(v));
}

static void put64(unsigned off, uint64_t v)
{
	memcpy(image + off, &v, sizeof(v));
}

static uint32_t zp32(unsigned off)
{
	uint32_t v;
	memcpy(&v, ram + BZ_PARAMS_GPA + off, sizeof(v));
	return v;
}

static uint64_t zp64(unsigned off)
{
	uint64_t v;
	memcpy(&v, ram + BZ_PARAMS_GPA + off, sizeof(v));
	return v;
}

/*
 * A relocatable protocol 2.15 bzImage as Linux 6.1 has it: its setup
 * bytes 0x55, its kernel byte i being i * 7, pref_address PREF.
 */
static void make_image(void)
{
	memset(image, 0x55, SETUP_BYTES);
	for (unsigned i = 0; i < KERNEL_BYTES; i++)
		image[SETUP_BYTES + i] = (uint8_t)(i * 7);
	image[BZ_SETUP_SECTS] = SETUP_SECTS;
	put32(BZ_SYSSIZE, KERNEL_BYTES / 16);
	put16(BZ_BOOT_FLAG, BZ_BOOT_FLAG_MAGIC);
	image[BZ_JUMP] = 0xeb;
	image[BZ_JUMP + 1] = HEADER_END - BZ_HEADER;
	put32(BZ_HEADER, BZ_MAGIC);
	put16(BZ_VERSION, 0x020f);
	image[BZ_TYPE_OF_LOADER] = 0;
	image[BZ_LOADFLAGS] = BZ_LOADED_HIGH | BZ_CAN_USE_HEAP;
	put32(BZ_CODE32_START, BZ_LOW_KERNEL);
	put32(BZ_RAMDISK_IMAGE, 0);
	put32(BZ_RAMDISK_SIZE, 0);
	put32(BZ_CMD_LINE_PTR, 0);
	put32(BZ_INITRD_ADDR_MAX, 0x7fffffff);
	put32(BZ_KERNEL_ALIGNMENT, 0x200000);
	image[BZ_RELOCATABLE] = 1;
	put32(BZ_CMDLINE_SIZE, 2047);
	put64(BZ_PREF_ADDRESS, PREF);
	put32(BZ_INIT_SIZE, INIT_SIZE);
}

/* A fresh load of a fresh image into `bytes` of RAM, all 0xAA. */
static void start(uint64_t bytes)
{
	memset(ram, 0xaa, sizeof(ram));
	make_image();
	bz_load_init(&load, ram, bytes);
}

/* Whether the zero page zp holds the image's bytes [from, to) at their offsets. */
static bool same_as_image(const uint8_t *zp, unsigned from, unsigned to)
{
	return memcmp(zp + from, image + from, to - from) == 0;
}

/* Whether ram from at holds the image's kernel. */
static bool kernel_at(uint64_t at)
{
	return memcmp(ram + at, image + SETUP_BYTES, KERNEL_BYTES) == 0;
}

TEST(bzimage_is_told_by_its_header)
{
	make_image();
	CHECK(bz_is_linux(image, IMAGE_BYTES));
	CHECK(!bz_is_linux(image, BZ_HEADER + 3));
	put32(BZ_HEADER, 0x1badb002);
	CHECK(!bz_is_linux(image, IMAGE_BYTES));
}

TEST(bzimage_relocatable_kernel_goes_to_pref_address)
{
	start(RAM_BYTES);
	CHECK(bz_load_kernel(&load, image, IMAGE_BYTES));
	CHECK(kernel_at(PREF));
	CHECK_EQ(load.entry, PREF);
	CHECK_EQ(load.kernel_end, PREF + INIT_SIZE);
	CHECK_EQ(ram[PREF - 1], 0xaa); /* nothing of the setup before it */
}

TEST(bzimage_fixed_kernel_goes_to_1mib_and_needs_room_at_pref_address)
{
	start(RAM_BYTES);
	image[BZ_RELOCATABLE] = 0;
	put64(BZ_PREF_ADDRESS, 0x400000);
	CHECK(bz_load_kernel(&load, image, IMAGE_BYTES));
	CHECK(kernel_at(BZ_LOW_KERNEL));
	CHECK_EQ(load.entry, BZ_LOW_KERNEL);
	CHECK_EQ(load.kernel_end, 0x400000 + INIT_SIZE);
}

TEST(bzimage_zero_page_has_the_header_and_the_loaders_fields)
{
	start(RAM_BYTES);
	CHECK(bz_load_kernel(&load, image, IMAGE_BYTES));
	CHECK(bz_write_params(&load, "console=ttyS0 quiet", 0xe0000));
	const uint8_t *zp = ram + BZ_PARAMS_GPA;
	CHECK_EQ(zp[0x1ef], 0); /* the sentinel: the kernel must not think the zero page unclean */
	CHECK_EQ(zp[0x1f0], 0);
	CHECK(same_as_image(zp, BZ_SETUP_SECTS, BZ_TYPE_OF_LOADER));
	CHECK(same_as_image(zp, BZ_HEAP_END_PTR, BZ_CMD_LINE_PTR));
	CHECK(same_as_image(zp, BZ_INITRD_ADDR_MAX, HEADER_END));
	CHECK_EQ(zp[HEADER_END], 0); /* past the header: zeroes, not the setup's bytes */
	CHECK_EQ(zp[BZ_TYPE_OF_LOADER], 0xff);
	CHECK_EQ(zp[BZ_LOADFLAGS], BZ_LOADED_HIGH);
	CHECK_EQ(zp32(BZ_CODE32_START), PREF);
	CHECK_EQ(zp32(BZ_RAMDISK_IMAGE), 0);
	CHECK_EQ(zp32(BZ_RAMDISK_SIZE), 0);
	CHECK_EQ(zp32(BZ_CMD_LINE_PTR), BZ_CMDLINE_GPA);
	CHECK(strcmp((const char *)ram + BZ_CMDLINE_GPA, "console=ttyS0 quiet") == 0);
	CHECK_EQ(zp64(BZ_ACPI_RSDP_ADDR), 0xe0000);
	CHECK_EQ(zp[0], 0); /* screen_info: no video */
}

TEST(bzimage_e820_map_is_a_pcs)
{
	static const struct bz_e820_entry want[] = {
		{ 0, 0x9fc00, 1 },          /* RAM */
		{ 0x9fc00, 0x400, 2 },      /* reserved: the EBDA */
		{ 0xe0000, 0x1000, 3 },     /* ACPI: the tables */
		{ 0xe1000, 0x1f000, 2 },    /* the BIOS */
		{ 0x100000, RAM_BYTES - 0x100000, 1 },
		{ 0xfec00000, 0x1000, 2 },  /* the I/O APIC */
		{ 0xfee00000, 0x1000, 2 },  /* the local APIC */
	};
	start(RAM_BYTES);
	CHECK(bz_load_kernel(&load, image, IMAGE_BYTES));
	CHECK(bz_write_params(&load, "", 0xe0000));
	const uint8_t *zp = ram + BZ_PARAMS_GPA;
	CHECK_EQ(zp[BZ_E820_ENTRIES], 7);
	CHECK_EQ(sizeof(struct bz_e820_entry), 20);
	for (unsigned i = 0; i < 7; i++) {
		struct bz_e820_entry e;
		memcpy(&e, zp + BZ_E820_TABLE + 20 * i, sizeof(e));
		CHECK_EQ(e.addr, want[i].addr);
		CHECK_EQ(e.size, want[i].size);
		CHECK_EQ(e.type, want[i].type);
	}
}

TEST(bzimage_initrd_goes_high_page_aligned)
{
	static const uint8_t initrd[5000] = { 1, 2, 3 };
	start(RAM_BYTES);
	CHECK(bz_load_kernel(&load, image, IMAGE_BYTES));
	CHECK(bz_load_initrd(&load, "initrd", initrd, sizeof(initrd)));
	CHECK_EQ(load.initrd_start, RAM_BYTES - 0x2000);
	CHECK(memcmp(ram + RAM_BYTES - 0x2000, initrd, sizeof(initrd)) == 0);
	CHECK(bz_write_params(&load, "", 0));
	CHECK_EQ(zp32(BZ_RAMDISK_IMAGE), RAM_BYTES - 0x2000);
	CHECK_EQ(zp32(BZ_RAMDISK_SIZE), sizeof(initrd));
}

TEST(bzimage_initrd_stays_below_initrd_addr_max)
{
	static const uint8_t initrd[0x1000];
	start(RAM_BYTES);
	put32(BZ_INITRD_ADDR_MAX, 0x5fffff);
	CHECK(bz_load_kernel(&load, image, IMAGE_BYTES));
	CHECK(bz_load_initrd(&load, "initrd", initrd, sizeof(initrd)));
	CHECK_EQ(load.initrd_start, 0x5ff000);
}

/* it is an error for the initrd to reach down into the kernel's room */
TEST(bzimage_initrd_above_the_kernel_or_refused)
{
	static uint8_t initrd[RAM_BYTES - PREF - INIT_SIZE + 1];
	start(RAM_BYTES);
	CHECK(bz_load_kernel(&load, image, IMAGE_BYTES));
	CHECK(!bz_load_initrd(&load, "big", initrd, sizeof(initrd)));
	CHECK_ERR("initrd big (4609 KiB) does not fit between the kernel's end 0x380000 and 0x800000 "
		  "(RAM's end or initrd_addr_max)");
	CHECK(bz_load_initrd(&load, "fits", initrd, sizeof(initrd) - 1));
	CHECK_EQ(load.initrd_start, PREF + INIT_SIZE);
}

TEST(bzimage_refuses_an_image_without_hdrs)
{
	start(RAM_BYTES);
	put32(BZ_HEADER, 0);
	CHECK(!bz_load_kernel(&load, image, IMAGE_BYTES));
	CHECK_ERR("no Linux setup header (\"HdrS\" at 0x202)");
}

TEST(bzimage_refuses_protocol_before_2_10)
{
	start(RAM_BYTES);
	put16(BZ_VERSION, 0x0209);
	CHECK(!bz_load_kernel(&load, image, IMAGE_BYTES));
	CHECK_ERR("Linux boot protocol 2.09: this loader needs 2.10 or later (pref_address, init_size)");
}

TEST(bzimage_refuses_a_bad_boot_flag)
{
	start(RAM_BYTES);
	put16(BZ_BOOT_FLAG, 0x1234);
	CHECK(!bz_load_kernel(&load, image, IMAGE_BYTES));
	CHECK_ERR("boot_flag at 0x1fe is 0x1234, not 0xaa55");
}

TEST(bzimage_refuses_a_zimage)
{
	start(RAM_BYTES);
	image[BZ_LOADFLAGS] = 0;
	CHECK(!bz_load_kernel(&load, image, IMAGE_BYTES));
	CHECK_ERR("a zImage (loadflags bit 0 clear: its kernel at 0x10000), which this loader does "
		  "not load");
}

TEST(bzimage_refuses_a_short_or_misplaced_header)
{
	start(RAM_BYTES);
	image[BZ_JUMP + 1] = 0x60; /* ends at 0x262: no init_size */
	CHECK(!bz_load_kernel(&load, image, IMAGE_BYTES));
	CHECK_ERR("its setup header ends at 0x262, outside 0x264-0x600");
}

TEST(bzimage_refuses_setup_past_the_file_and_a_truncated_kernel)
{
	start(RAM_BYTES);
	CHECK(!bz_load_kernel(&load, image, SETUP_BYTES));
	CHECK_ERR("its setup (2 sectors) leaves no protected-mode kernel in its 1536 bytes");
	CHECK(!bz_load_kernel(&load, image, IMAGE_BYTES - 16));
	CHECK_ERR("syssize says 12288 bytes of kernel, the file has 12272: truncated?");
}

TEST(bzimage_zero_setup_sects_means_four)
{
	start(RAM_BYTES);
	image[BZ_SETUP_SECTS] = 0; /* the kernel then starts at 5 * 512 = 0xa00 */
	put32(BZ_SYSSIZE, (IMAGE_BYTES - 0xa00) / 16);
	CHECK(bz_load_kernel(&load, image, IMAGE_BYTES));
	CHECK(memcmp(ram + PREF, image + 0xa00, IMAGE_BYTES - 0xa00) == 0);
}

TEST(bzimage_refuses_misaligned_or_low_pref_address)
{
	start(RAM_BYTES);
	put64(BZ_PREF_ADDRESS, PREF + 0x1000);
	CHECK(!bz_load_kernel(&load, image, IMAGE_BYTES));
	CHECK_ERR("its pref_address 0x201000 is not a multiple of its kernel_alignment 0x200000");
	put64(BZ_PREF_ADDRESS, 0x80000);
	CHECK(!bz_load_kernel(&load, image, IMAGE_BYTES));
	CHECK_ERR("its pref_address 0x80000 lies below 1 MiB");
}

/* it is an error for the kernel's init_size room to reach past RAM */
TEST(bzimage_refuses_too_little_ram)
{
	start(PREF + INIT_SIZE - 0x1000);
	CHECK(!bz_load_kernel(&load, image, IMAGE_BYTES));
	CHECK_ERR("the room the kernel runs in (init_size) at 0x200000-0x380000 does not fit its "
		  "3 MiB of RAM");
	start(0x100000);
	CHECK(!bz_load_kernel(&load, image, IMAGE_BYTES));
	CHECK_ERR("the protected-mode kernel at 0x200000-0x203000 does not fit its 1 MiB of RAM");
}

TEST(bzimage_refuses_a_command_line_past_cmdline_size)
{
	start(RAM_BYTES);
	put32(BZ_CMDLINE_SIZE, 4);
	CHECK(bz_load_kernel(&load, image, IMAGE_BYTES));
	CHECK(!bz_write_params(&load, "quiet", 0));
	CHECK_ERR("its command line of 5 characters is longer than its cmdline_size 4");
	CHECK(bz_write_params(&load, "ro", 0));
}
