/*
 * The GDT and the TSS.  Long mode ignores segment bases and limits except
 * for the TSS, which holds rsp0 and the interrupt stacks (IST).  rsp0
 * points just past the running thread's saved registers, so a trap from
 * user mode pushes its frame straight into struct thread (and
 * syscall_entry builds the same frame there).  The IST stacks serve the
 * vectors that cannot trust the current stack: a double fault (kernel
 * stack overflow), an NMI and a machine check (either can arrive between
 * SYSCALL and syscall_entry's switch of stacks, on the task's rsp).
 */
#include <stdint.h>

#include "entry.h"
#include "gdt.h"
#include "layout.h"
#include "smp.h"

static uint8_t boot_ist_stacks[IST_STACKS][KSTACK_SIZE] __attribute__((aligned(16)));

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
_Static_assert(sizeof(gdt) == GDT_BYTES, "the GDT covers every selector a 0xFFFF limit reaches");

struct desc_ptr gdt_pointer;

/* Points the TSS descriptor (slots 5 and 6) of gdt at tss. */
static void set_tss_descriptor(uint64_t *table, const struct tss_area *tss)
{
	uint64_t base = (uint64_t)tss, limit = sizeof(*tss) - 1;
	table[5] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89UL << 40) /* P, type 9 */
		   | (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
	table[6] = base >> 32;
}

/*
 * Fills one CPU's tables: table (GDT_BYTES, zeroed by the caller) gets the
 * segments and the descriptor of tss, whose I/O bitmap starts off; IST
 * entry i + 1 is the top of stack i of ist_stacks, less the slot that
 * names cpu for trap_paranoid (entry.S); *ptr is the GDTR to load.
 */
void gdt_build(uint64_t *table, struct tss_area *tss, uint8_t *ist_stacks, struct cpu *cpu,
	       struct desc_ptr *ptr)
{
	for (unsigned i = 0; i < sizeof(segment_descriptors) / 8; i++)
		table[i] = segment_descriptors[i];
	tss->tss.iomap_base = IOMAP_NONE;
	tss->iomap_end = 0xff;
	for (unsigned i = 0; i < IST_STACKS; i++) {
		uint64_t top = (uint64_t)ist_stacks + (i + 1) * KSTACK_SIZE - IST_CPU_SLOT;
		*(struct cpu **)top = cpu;
		tss->tss.ist[i] = top;
	}
	set_tss_descriptor(table, tss);
	*ptr = (struct desc_ptr){ GDT_USED * 8 - 1, (uint64_t)table };
}

/* Loads the GDT at *ptr, reloads every segment register and loads TR. */
void gdt_load(const struct desc_ptr *ptr)
{
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
		     : : "m"(*ptr), "r"((uint64_t)SEL_KDATA), "i"(SEL_KCODE), "r"(SEL_TSS)
		     : "rax", "memory");
}

/* The boot CPU's tables, in the kernel image, and its per-CPU pointer (cpus[0]). */
void gdt_init(void)
{
	struct cpu *c = &cpus[0];
	gdt_build(gdt, &c->tss, boot_ist_stacks[0], c, &gdt_pointer);
	gdt_load(&gdt_pointer);
	c->gdt = gdt;
	c->gdtr = gdt_pointer;
	c->stack_top = (uint64_t)kernel_stack_top;
	cpu_set_self(c);
}

void tss_reload(void)
{
	percpu->gdt[5] &= ~(2ULL << 40); /* busy since the last LTR: make it available */
	asm volatile("ltr %w0" : : "r"(SEL_TSS) : "memory");
	percpu->tss_limit_short = false;
}

void tss_load_iomap(const uint8_t *bitmap)
{
	for (unsigned i = 0; i < sizeof(percpu->tss.iomap); i++)
		percpu->tss.iomap[i] = bitmap[i];
}

