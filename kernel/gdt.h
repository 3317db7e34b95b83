#ifndef KERNEL_GDT_H
#define KERNEL_GDT_H

#include <stdbool.h>
#include <stdint.h>

/* The vectors that run on a stack of their own (IST): percpu.h says why. */
#define IST_DOUBLE_FAULT  1
#define IST_NMI           2
#define IST_MACHINE_CHECK 3
#define IST_STACKS        3

struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));

/*
 * The TSS with an I/O permission bitmap for all 65536 ports after it.  A
 * task that holds port capabilities gets its bitmap copied in when it runs;
 * for every other task iomap_base points past the limit, so every port
 * faults in ring 3 without copying anything.
 */
struct tss_area {
	struct tss tss;
	uint8_t iomap[8192];
	uint8_t iomap_end; /* the CPU reads one byte past the bitmap: all ones */
} __attribute__((packed, aligned(16)));

#define IOMAP_NONE (sizeof(struct tss_area))


/* An operand of lgdt/lidt and sgdt/sidt. */
struct desc_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

/* The GDTR and IDTR the kernel loaded at boot (gdt_init, idt_init). */
extern struct desc_ptr gdt_pointer, idt_pointer;

struct cpu;
/* The boot CPU's GDT and TSS (cpus[0]'s), loaded, and its GS base set. */
void gdt_init(void);
/*
 * Another CPU's (smp.c): the same segments in a table of its own, of
 * GDT_BYTES for the reason gdt.c gives, and a TSS of its own.  Its IST
 * stacks are the IST_STACKS stacks of KSTACK_SIZE from ist_stacks on, and
 * the top of each names cpu (percpu.h).
 */
#define GDT_BYTES 0x10000
void gdt_build(uint64_t *table, struct tss_area *tss, uint8_t *ist_stacks, struct cpu *cpu,
	       struct desc_ptr *ptr);
void gdt_load(const struct desc_ptr *ptr);

/* Copies a task's bitmap into the running CPU's TSS (tss_enable_iomap, percpu.h, turns it on). */
void tss_load_iomap(const uint8_t *bitmap);
/*
 * A VM exit loads TR's limit as 0x67 (Intel SDM 27.5.2), which cuts the I/O
 * bitmap off the TSS; tss_reload() restores the full limit on the running
 * CPU.  Done lazily, before a task that uses the bitmap runs
 * (percpu->tss_limit_short).
 */
void tss_reload(void);

#endif
