/*
 * The GDT and the TSS.  Long mode ignores segment bases and limits except
 * for the TSS, which holds rsp0 and the interrupt stacks (IST).  rsp0
 * points just past the running thread's saved registers, so a trap from
 * user mode pushes its frame straight into struct thread (and
 * syscall_entry builds the same frame there).  The IST stacks serve the
 * faults that cannot trust the current stack: a double fault (kernel
 * stack overflow) and an NMI.
 */
#include <stdint.h>

#include "gdt.h"
#include "layout.h"

struct tss_area tss_area;

static uint8_t ist_stacks[2][KSTACK_SIZE] __attribute__((aligned(16)));

/*
 * null, kernel code, kernel data, user data, user code, TSS (two slots),
 * then zeros up to 64 KiB.  A VM exit on VMX sets the GDTR limit to 0xFFFF
 * (Intel SDM 27.5.2), and until vmx_exit reloads the real limit every
 * selector up to 0xFFF8 indexes this table: by its size, whatever a
 * selector reaches is a descriptor the kernel wrote or a zero (not
 * present), never bytes a task supplied (a DPL-3 call gate planted in a
 * buffer that happened to follow a 56-byte table was ring 0 for anyone).
 */
static const uint64_t segment_descriptors[] = {
	0,
	0x00af9a000000ffff, /* kernel code: L=1, DPL 0 */
	0x00cf92000000ffff, /* kernel data */
	0x00cff2000000ffff, /* user data: DPL 3 */
	0x00affa000000ffff, /* user code: L=1, DPL 3 */
};
#define GDT_USED 7 /* the segments and the TSS's two slots */
static uint64_t gdt[8192] __attribute__((aligned(4096)));
_Static_assert(sizeof(gdt) == 0x10000, "the GDT covers every selector a 0xFFFF limit reaches");

struct desc_ptr gdt_pointer;

static void set_tss_descriptor(void)
{
	uint64_t base = (uint64_t)&tss_area, limit = sizeof(tss_area) - 1;
	gdt[5] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89UL << 40) /* P, type 9 */
		 | (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
	gdt[6] = base >> 32;
}

/* Loads the GDT, reloads every segment register and loads TR. */
void gdt_init(void)
{
	for (unsigned i = 0; i < sizeof(segment_descriptors) / 8; i++)
		gdt[i] = segment_descriptors[i];
	tss_area.tss.iomap_base = IOMAP_NONE;
	tss_area.iomap_end = 0xff;
	tss_area.tss.ist[IST_DOUBLE_FAULT - 1] = (uint64_t)ist_stacks[0] + KSTACK_SIZE;
	tss_area.tss.ist[IST_NMI - 1] = (uint64_t)ist_stacks[1] + KSTACK_SIZE;
	set_tss_descriptor();

	gdt_pointer = (struct desc_ptr){ GDT_USED * 8 - 1, (uint64_t)gdt };
	asm volatile("lgdt %0\n\t"
		     "mov %1, %%ds\n\t"
		     "mov %1, %%es\n\t"
		     "mov %1, %%ss\n\t"
		     "pushq %2\n\t"
		     "lea 1f(%%rip), %%rax\n\t"
		     "pushq %%rax\n\t"
		     "lretq\n"
		     "1:\n\t"
		     "ltr %w3"
		     : : "m"(gdt_pointer), "r"((uint64_t)SEL_KDATA), "i"(SEL_KCODE), "r"(SEL_TSS)
		     : "rax", "memory");
}

/* The stack the CPU switches to on an interrupt or syscall from user mode. */
bool tss_limit_short;

void tss_reload(void)
{
	gdt[5] &= ~(2ULL << 40); /* the descriptor is busy since the last LTR: make it available */
	asm volatile("ltr %w0" : : "r"(SEL_TSS) : "memory");
	tss_limit_short = false;
}

/* Copies an 8 KiB I/O permission bitmap into the TSS (tss_enable_iomap turns it on). */
void tss_load_iomap(const uint8_t *bitmap)
{
	for (unsigned i = 0; i < sizeof(tss_area.iomap); i++)
		tss_area.iomap[i] = bitmap[i];
}

