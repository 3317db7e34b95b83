#ifndef KERNEL_GDT_H
#define KERNEL_GDT_H

#include <stdbool.h>
#include <stdint.h>

#define IST_DOUBLE_FAULT 1
#define IST_NMI          2

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

extern struct tss_area tss_area;

/* An operand of lgdt/lidt and sgdt/sidt. */
struct desc_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

/* The GDTR and IDTR the kernel loaded at boot (gdt_init, idt_init). */
extern struct desc_ptr gdt_pointer, idt_pointer;

/*
 * Reloads the GDTR and IDTR with their real limits.  A VM exit on VMX
 * leaves both limits 0xFFFF (Intel SDM 27.5.2); the kernel restores them
 * after every exit, as KVM does.
 */
static inline void descriptor_tables_reload(void)
{
	asm volatile("lgdt %0; lidt %1" : : "m"(gdt_pointer), "m"(idt_pointer) : "memory");
}

/* The boot CPU's GDT and TSS (tss_area), loaded. */
void gdt_init(void);
/*
 * Another CPU's (smp.c): the same segments in a table of its own, of
 * GDT_BYTES for the reason gdt.c gives, and a TSS of its own.
 */
#define GDT_BYTES 0x10000
void gdt_build(uint64_t *table, struct tss_area *tss, uint64_t df_stack_top,
	       uint64_t nmi_stack_top, struct desc_ptr *ptr);
void gdt_load(const struct desc_ptr *ptr);

/* rsp0: where the CPU (and syscall_entry) saves a frame on entry from user mode. */
static inline void tss_set_kernel_stack(uint64_t rsp0)
{
	tss_area.tss.rsp[0] = rsp0;
}
void tss_load_iomap(const uint8_t *bitmap);
/*
 * A VM exit loads TR's limit as 0x67 (Intel SDM 27.5.2), which cuts the I/O
 * bitmap off the TSS; tss_reload() restores the full limit.  Done lazily,
 * before a task that uses the bitmap runs.
 */
extern bool tss_limit_short;
void tss_reload(void);
/* A VM exit (VMX) cut TR's limit: the next task with the I/O bitmap reloads TR first. */
static inline void tss_limit_cut_by_vm_exit(void)
{
	tss_limit_short = true;
}

/* With the bitmap off, every port access from ring 3 faults. */
static inline void tss_enable_iomap(bool on)
{
	tss_area.tss.iomap_base = on ? sizeof(struct tss) : IOMAP_NONE;
}

#endif
