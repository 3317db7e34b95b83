/*
 * Host unit tests for servers/vmm/gwalk.c, written from the SDM's paging
 * chapter (vol. 3, ch. 4): tables built by hand in a fake guest RAM, one
 * test per paging mode, page size and fault kind, and the accessed and
 * dirty bits the walk leaves.
 */
#include <stdint.h>
#include <string.h>

#include "gwalk.h"
#include "unit.h"
#include "x86regs.h"

#define RAM_BYTES 0x40000
#define P   0x001ULL
#define RW  0x002ULL
#define US  0x004ULL
#define A   0x020ULL
#define D   0x040ULL
#define PS  0x080ULL
#define XD  (1ULL << 63)
#define PRW (P | RW)
#define ALL (P | RW | US)

static uint8_t ram[RAM_BYTES];
static unsigned reads;                  /* entries read, for the racing tests */
static uint64_t *race_entry;            /* an entry another "vCPU" changes ... */
static unsigned race_times;             /* ... this many times, at the walk's second read */

static void *ram_ptr(void *ctx, uint64_t gpa, uint64_t len)
{
	(void)ctx;
	if (gpa >= RAM_BYTES || len > RAM_BYTES - gpa)
		return 0;
	if (++reads % 2 == 0 && race_entry && race_times) {
		*race_entry += 1ULL << 52; /* ignored bits: the entry stays valid, but changes */
		race_times--;
	}
	return ram + gpa;
}

static const struct gwalk_ram fake_ram = { ram_ptr, 0 };

static uint64_t *e64(uint64_t gpa)
{
	return (uint64_t *)(ram + gpa);
}

static uint32_t *e32(uint64_t gpa)
{
	return (uint32_t *)(ram + gpa);
}

/* A fresh RAM and a supervisor vCPU with CR0.PG|WP, MAXPHYADDR 36. */
static struct gwalk_cpu fresh(uint64_t cr4, uint64_t efer, uint64_t cr3)
{
	memset(ram, 0, sizeof(ram));
	reads = 0;
	race_entry = 0;
	race_times = 0;
	return (struct gwalk_cpu){ .cr0 = CR0_PE | CR0_PG | CR0_WP, .cr3 = cr3, .cr4 = cr4,
				   .efer = efer, .cpl = 0, .maxphyaddr = 36 };
}

/* 4-level paging: PML4 0x1000, PDPT 0x2000, PD 0x3000, PT 0x4000, for linear LIN. */
#define LIN 0x0000008060302123ULL /* PML4 1, PDPT 1, PD 0x101, PT 0x102, offset 0x123 */
static struct gwalk_cpu four_level(uint64_t pte)
{
	struct gwalk_cpu c = fresh(CR4_PAE, EFER_LME | EFER_LMA | EFER_NXE, 0x1000);
	*e64(0x1000 + 1 * 8) = 0x2000 | ALL;
	*e64(0x2000 + 1 * 8) = 0x3000 | ALL;
	*e64(0x3000 + 0x101 * 8) = 0x4000 | ALL;
	*e64(0x4000 + 0x102 * 8) = pte;
	return c;
}

/* Entry i (0: the PML4E) of four_level's walk. */
static uint64_t *entry4(unsigned i)
{
	static const uint64_t at[4] = { 0x1008, 0x2008, 0x3000 + 0x101 * 8, 0x4000 + 0x102 * 8 };
	return e64(at[i]);
}

/* Walks and expects a fault with error code err. */
static int faults(const struct gwalk_cpu *c, uint64_t lin, enum gwalk_access a, uint32_t err)
{
	struct gwalk_result r = { 0, 0xdead };
	enum gwalk_status st = gwalk(c, &fake_ram, lin, a, &r);
	if (st != GWALK_PAGE_FAULT || r.error != err) {
		printf("# status %d error %#x, want a fault with %#x\n", st, r.error, err);
		return 0;
	}
	return 1;
}

/* Walks and expects the translation gpa. */
static int maps(const struct gwalk_cpu *c, uint64_t lin, enum gwalk_access a, uint64_t gpa)
{
	struct gwalk_result r = { 0, 0 };
	enum gwalk_status st = gwalk(c, &fake_ram, lin, a, &r);
	if (st != GWALK_OK || r.gpa != gpa) {
		printf("# status %d gpa %#llx error %#x, want gpa %#llx\n", st,
		       (unsigned long long)r.gpa, r.error, (unsigned long long)gpa);
		return 0;
	}
	return 1;
}

/* Paging off: linear is physical, and outside long mode only its low 32 bits. */
TEST(gwalk_paging_off_is_identity)
{
	struct gwalk_cpu c = fresh(0, 0, 0);
	c.cr0 = CR0_PE;
	CHECK(maps(&c, 0xfeb00010, GWALK_WRITE, 0xfeb00010));
	CHECK(maps(&c, 0x1fee00000ULL, GWALK_READ, 0xfee00000));
	CHECK_EQ(reads, 0);
}

/* 32-bit paging, 4 KiB pages: PD index 10 bits, PT index 10 bits. */
TEST(gwalk_32bit_4k)
{
	struct gwalk_cpu c = fresh(0, 0, 0x1000);
	*e32(0x1000 + 0x101 * 4) = 0x2000 | ALL;
	*e32(0x2000 + 0x202 * 4) = 0xfeb00000 | PRW;
	CHECK(maps(&c, 0x40602abc, GWALK_READ, 0xfeb00abc));
	CHECK_EQ(*e32(0x1000 + 0x101 * 4), 0x2000 | ALL | A);
	CHECK_EQ(*e32(0x2000 + 0x202 * 4), 0xfeb00000 | PRW | A);
	CHECK(maps(&c, 0x40602abc, GWALK_WRITE, 0xfeb00abc));
	CHECK_EQ(*e32(0x1000 + 0x101 * 4), 0x2000 | ALL | A); /* dirty only on the leaf */
	CHECK_EQ(*e32(0x2000 + 0x202 * 4), 0xfeb00000 | PRW | A | D);
	CHECK(maps(&c, 0x140602abcULL, GWALK_READ, 0xfeb00abc)); /* bits 63:32 do not count */
}

/* 32-bit paging: PS makes a 4 MiB page with CR4.PSE, and is ignored without. */
TEST(gwalk_32bit_4m_pse)
{
	struct gwalk_cpu c = fresh(CR4_PSE, 0, 0x1000);
	*e32(0x1000 + 0x3fb * 4) = 0x00800000 | PRW | PS;
	CHECK(maps(&c, 0xfeeff123, GWALK_WRITE, 0x00aff123));
	CHECK_EQ(*e32(0x1000 + 0x3fb * 4), 0x00800000 | PRW | PS | A | D);
	c.cr4 = 0; /* the entry now names a page table at 0x800000, outside RAM */
	struct gwalk_result r;
	CHECK_EQ(gwalk(&c, &fake_ram, 0xfeeff123, GWALK_READ, &r), GWALK_TABLE_NOT_RAM);
	CHECK_EQ(r.gpa, 0x00800000 + 0x2ff * 4);
}

/* PSE-36: a 4 MiB page's bits 39:32 are the entry's bits 20:13; bit 21 is reserved. */
TEST(gwalk_32bit_pse36)
{
	struct gwalk_cpu c = fresh(CR4_PSE, 0, 0x1000);
	*e32(0x1000) = 0x00400000 | (0x5 << 13) | PRW | PS;
	CHECK(maps(&c, 0x123456, GWALK_READ, 0x500523456ULL));
	*e32(0x1000) = 0x00400000 | (0x10 << 13) | PRW | PS; /* bit 36: beyond MAXPHYADDR 36 */
	CHECK(faults(&c, 0x123456, GWALK_READ, PF_PRESENT | PF_RSVD));
	*e32(0x1000) = 0x00400000 | (1u << 21) | PRW | PS;
	CHECK(faults(&c, 0x123456, GWALK_WRITE, PF_PRESENT | PF_RSVD | PF_WRITE));
	CHECK_EQ(*e32(0x1000) & A, 0); /* a fault sets nothing */
}

/* PAE: four PDPTEs at CR3 (32-byte aligned), 4 KiB and 2 MiB pages; PDPTEs get no accessed bit. */
TEST(gwalk_pae_4k_and_2m)
{
	struct gwalk_cpu c = fresh(CR4_PAE, EFER_NXE, 0x1020);
	*e64(0x1020 + 3 * 8) = 0x2000 | P;
	*e64(0x2000 + 0x1f7 * 8) = 0x3000 | ALL;
	*e64(0x3000) = 0xfee00000 | PRW;
	*e64(0x2000 + 0x1f6 * 8) = 0xfec00000 | PRW | PS;
	CHECK(maps(&c, 0xfee00030, GWALK_WRITE, 0xfee00030));
	CHECK_EQ(*e64(0x1020 + 3 * 8), 0x2000 | P);
	CHECK_EQ(*e64(0x2000 + 0x1f7 * 8), 0x3000 | ALL | A);
	CHECK_EQ(*e64(0x3000), 0xfee00000 | PRW | A | D);
	CHECK(maps(&c, 0xfed12345, GWALK_READ, 0xfed12345));
	CHECK_EQ(*e64(0x2000 + 0x1f6 * 8), 0xfec00000 | PRW | PS | A);
	*e64(0x2000 + 0x1f6 * 8) = 0xfec00000 | PRW | PS | (1u << 13); /* 2 MiB: bits 20:13 reserved */
	CHECK(faults(&c, 0xfed12345, GWALK_READ, PF_PRESENT | PF_RSVD));
}

/* PAE PDPTEs: not present, or with a rights bit (reserved there), fault. */
TEST(gwalk_pae_pdpte_faults)
{
	struct gwalk_cpu c = fresh(CR4_PAE, 0, 0x1000);
	CHECK(faults(&c, 0x40000000, GWALK_READ, 0));
	*e64(0x1008) = 0x2000 | P | RW;
	CHECK(faults(&c, 0x40000000, GWALK_WRITE, PF_PRESENT | PF_RSVD | PF_WRITE));
	*e64(0x1008) = 0x2000 | P | XD; /* XD is reserved in a PDPTE even with NXE */
	c.efer = EFER_NXE;
	CHECK(faults(&c, 0x40000000, GWALK_READ, PF_PRESENT | PF_RSVD));
	*e64(0x1008) = 0x2000 | P | A; /* accessed: AMD's processors set it there */
	CHECK(faults(&c, 0x40000000, GWALK_READ, 0)); /* the PDE (all zero) is not present */
	CHECK_EQ(*e64(0x1008), 0x2000 | P | A);
}

/* 4-level paging, 4 KiB: every level gets its accessed bit, the leaf its dirty bit on a write. */
TEST(gwalk_4level_4k)
{
	struct gwalk_cpu c = four_level(0xfeb00000 | PRW);
	CHECK(maps(&c, LIN, GWALK_READ, 0xfeb00123));
	for (unsigned i = 0; i < 4; i++)
		CHECK(*entry4(i) & A);
	CHECK_EQ(*entry4(3) & D, 0);
	CHECK(maps(&c, LIN, GWALK_WRITE, 0xfeb00123));
	CHECK(*entry4(3) & D);
	for (unsigned i = 0; i < 3; i++)
		CHECK_EQ(*entry4(i) & D, 0);
}

/* 4-level paging: 2 MiB pages at the PD, 1 GiB at the PDPT, with their reserved bits. */
TEST(gwalk_4level_large_pages)
{
	struct gwalk_cpu c = four_level(0);
	*entry4(2) = 0x40000000 | PRW | PS | (1ULL << 12); /* bit 12 is PAT, not an address bit */
	CHECK(maps(&c, LIN, GWALK_READ, 0x40000000 | (LIN & 0x1fffff)));
	*entry4(2) = 0x40000000 | PRW | PS | (1ULL << 20);
	CHECK(faults(&c, LIN, GWALK_READ, PF_PRESENT | PF_RSVD));
	*entry4(1) = 0x80000000 | ALL | PS;
	CHECK(maps(&c, LIN, GWALK_WRITE, 0x80000000 | (LIN & 0x3fffffff)));
	CHECK_EQ(*entry4(1), 0x80000000 | ALL | PS | A | D);
	*entry4(1) = 0x80000000 | ALL | PS | (1ULL << 29); /* 1 GiB: bits 29:13 reserved */
	CHECK(faults(&c, LIN, GWALK_READ, PF_PRESENT | PF_RSVD));
	*entry4(0) = 0x2000 | ALL | PS; /* PS is reserved in a PML4E */
	CHECK(faults(&c, LIN, GWALK_READ, PF_PRESENT | PF_RSVD));
}

/* 5-level paging (CR4.LA57): one more table above, and 57-bit canonical addresses. */
TEST(gwalk_5level)
{
	struct gwalk_cpu c = fresh(CR4_PAE | CR4_LA57, EFER_LME | EFER_LMA, 0x5000);
	uint64_t lin = 0xfffe020000000abcULL; /* PML5 0x1fe, PML4 4, PDPT/PD/PT 0 */
	*e64(0x5000 + 0x1fe * 8) = 0x6000 | PRW;
	*e64(0x6000 + 4 * 8) = 0x7000 | PRW;
	*e64(0x7000) = 0x8000 | PRW;
	*e64(0x8000) = 0x9000 | PRW;
	*e64(0x9000) = 0x123000 | PRW;
	CHECK(maps(&c, lin, GWALK_READ, 0x123abc));
	CHECK(*e64(0x5000 + 0x1fe * 8) & A);
	struct gwalk_result r;
	CHECK_EQ(gwalk(&c, &fake_ram, 0x7ffe020000000abcULL, GWALK_READ, &r), GWALK_NONCANONICAL);
}

/* It is a #PF with P clear for an entry not present at any level; the error says the access. */
TEST(gwalk_not_present_at_each_level)
{
	for (unsigned i = 0; i < 4; i++) {
		struct gwalk_cpu c = four_level(0xfeb00000 | ALL);
		*entry4(i) &= ~P;
		CHECK(faults(&c, LIN, GWALK_READ, 0));
		CHECK(faults(&c, LIN, GWALK_WRITE, PF_WRITE));
		c.cpl = 3;
		CHECK(faults(&c, LIN, GWALK_WRITE, PF_WRITE | PF_USER));
		CHECK(faults(&c, LIN, GWALK_FETCH, PF_USER | PF_FETCH));
		for (unsigned j = 0; j < 4; j++)
			CHECK_EQ(*entry4(j) & A, 0);
	}
}

/* A supervisor write to a read-only page faults with CR0.WP, and succeeds without it. */
TEST(gwalk_write_read_only)
{
	for (unsigned i = 0; i < 4; i++) {
		struct gwalk_cpu c = four_level(0xfeb00000 | ALL);
		*entry4(i) &= ~RW; /* read-only at any level makes the page read-only */
		CHECK(maps(&c, LIN, GWALK_READ, 0xfeb00123));
		CHECK(faults(&c, LIN, GWALK_WRITE, PF_PRESENT | PF_WRITE));
		c.cpl = 3;
		CHECK(faults(&c, LIN, GWALK_WRITE, PF_PRESENT | PF_WRITE | PF_USER));
		c.cpl = 0;
		c.cr0 &= ~CR0_WP;
		CHECK(maps(&c, LIN, GWALK_WRITE, 0xfeb00123));
		CHECK(*entry4(3) & D);
		c.cpl = 3; /* WP does not matter to user mode */
		CHECK(faults(&c, LIN, GWALK_WRITE, PF_PRESENT | PF_WRITE | PF_USER));
	}
}

/* User mode may not reach a page that any level marks supervisor. */
TEST(gwalk_user_to_supervisor)
{
	for (unsigned i = 0; i < 4; i++) {
		struct gwalk_cpu c = four_level(0xfeb00000 | ALL);
		*entry4(i) &= ~US;
		c.cpl = 3;
		CHECK(faults(&c, LIN, GWALK_READ, PF_PRESENT | PF_USER));
		CHECK(faults(&c, LIN, GWALK_FETCH, PF_PRESENT | PF_USER | PF_FETCH));
		c.cpl = 0;
		CHECK(maps(&c, LIN, GWALK_FETCH, 0xfeb00123));
	}
}

/* XD at any level forbids fetches with EFER.NXE; without it the bit is reserved. */
TEST(gwalk_nx_fetch)
{
	for (unsigned i = 0; i < 4; i++) {
		struct gwalk_cpu c = four_level(0xfeb00000 | ALL);
		*entry4(i) |= XD;
		CHECK(maps(&c, LIN, GWALK_READ, 0xfeb00123));
		CHECK(faults(&c, LIN, GWALK_FETCH, PF_PRESENT | PF_FETCH));
		c.efer &= ~EFER_NXE; /* I/D is reported only with NXE or SMEP */
		CHECK(faults(&c, LIN, GWALK_FETCH, PF_PRESENT | PF_RSVD));
		CHECK(faults(&c, LIN, GWALK_READ, PF_PRESENT | PF_RSVD));
		c.cr4 |= CR4_SMEP;
		CHECK(faults(&c, LIN, GWALK_FETCH, PF_PRESENT | PF_RSVD | PF_FETCH));
	}
}

/* A bit at or above MAXPHYADDR (and below bit 52) is reserved at every level. */
TEST(gwalk_reserved_beyond_maxphyaddr)
{
	for (unsigned i = 0; i < 4; i++) {
		struct gwalk_cpu c = four_level(0xfeb00000 | ALL);
		*entry4(i) |= 1ULL << 36;
		CHECK(faults(&c, LIN, GWALK_WRITE, PF_PRESENT | PF_RSVD | PF_WRITE));
		c.maxphyaddr = 39;
		CHECK_EQ(gwalk(&c, &fake_ram, LIN, GWALK_READ, &(struct gwalk_result){ 0, 0 }),
			 i == 3 ? GWALK_OK : GWALK_TABLE_NOT_RAM);
	}
	struct gwalk_cpu c = four_level(0xfeb00000 | ALL | (1ULL << 52)); /* 62:52 are ignored */
	CHECK(maps(&c, LIN, GWALK_READ, 0xfeb00123));
}

/* SMEP: no supervisor fetch from a user page.  SMAP: no supervisor data access unless RFLAGS.AC. */
TEST(gwalk_smep_smap)
{
	struct gwalk_cpu c = four_level(0xfeb00000 | ALL);
	c.cr4 |= CR4_SMEP;
	CHECK(faults(&c, LIN, GWALK_FETCH, PF_PRESENT | PF_FETCH));
	CHECK(maps(&c, LIN, GWALK_WRITE, 0xfeb00123));
	c.cpl = 3;
	CHECK(maps(&c, LIN, GWALK_FETCH, 0xfeb00123));
	c.cpl = 0;
	c.cr4 = CR4_PAE | CR4_SMAP;
	CHECK(faults(&c, LIN, GWALK_READ, PF_PRESENT));
	CHECK(faults(&c, LIN, GWALK_WRITE, PF_PRESENT | PF_WRITE));
	CHECK(maps(&c, LIN, GWALK_FETCH, 0xfeb00123));
	c.rflags = RFLAGS_AC;
	CHECK(maps(&c, LIN, GWALK_WRITE, 0xfeb00123));
	*entry4(3) &= ~RW; /* AC does not lift WP */
	CHECK(faults(&c, LIN, GWALK_WRITE, PF_PRESENT | PF_WRITE));
	c.cpl = 3; /* SMAP is about supervisor accesses only */
	c.rflags = 0;
	CHECK(maps(&c, LIN, GWALK_READ, 0xfeb00123));
}

/* Two neighbouring linear pages may map anywhere: an access crossing them walks each. */
TEST(gwalk_crossing_pages)
{
	struct gwalk_cpu c = four_level(0xfeb00000 | PRW);
	*e64(0x4000 + 0x103 * 8) = 0x7000 | PRW;
	CHECK(maps(&c, (LIN | 0xfff), GWALK_READ, 0xfeb00fff));
	CHECK(maps(&c, (LIN | 0xfff) + 1, GWALK_READ, 0x7000));
	CHECK(faults(&c, (LIN | 0xfff) + 0x1001, GWALK_READ, 0));
}

/* A table outside RAM is reported with its entry's address; a non-canonical address is #GP. */
TEST(gwalk_table_outside_ram_and_noncanonical)
{
	struct gwalk_cpu c = four_level(0xfeb00000 | PRW);
	*entry4(1) = 0xfee00000 | ALL;
	struct gwalk_result r;
	CHECK_EQ(gwalk(&c, &fake_ram, LIN, GWALK_READ, &r), GWALK_TABLE_NOT_RAM);
	CHECK_EQ(r.gpa, 0xfee00000 + 0x101 * 8);
	CHECK_EQ(gwalk(&c, &fake_ram, 0x0000800000000000ULL, GWALK_READ, &r), GWALK_NONCANONICAL);
	CHECK_EQ(gwalk(&c, &fake_ram, 0xffff800000000000ULL, GWALK_READ, &r), GWALK_PAGE_FAULT);
}

/* An entry another vCPU changes during the walk: the walk starts again, or gives up (BUSY). */
TEST(gwalk_entry_changed_meanwhile)
{
	struct gwalk_cpu c = four_level(0xfeb00000 | PRW);
	race_entry = entry4(0);
	race_times = 1;
	CHECK(maps(&c, LIN, GWALK_WRITE, 0xfeb00123));
	CHECK_EQ(race_times, 0);
	CHECK(*entry4(0) & A); /* set on the second walk, over the other's change */
	CHECK_EQ(*entry4(0) >> 52, 1);
	c = four_level(0xfeb00000 | PRW);
	race_entry = entry4(0);
	race_times = 1000;
	struct gwalk_result r;
	CHECK_EQ(gwalk(&c, &fake_ram, LIN, GWALK_READ, &r), GWALK_BUSY);
	CHECK_EQ(*entry4(0) & A, 0);
}
