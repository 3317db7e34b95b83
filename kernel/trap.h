/* Interrupts and exceptions: the IDT, the saved-register frame, the dispatcher. */
#ifndef KERNEL_TRAP_H
#define KERNEL_TRAP_H

/*
 * Vector assignment: device IRQs come on VEC_PIC_BASE + line through the
 * 8259s or on VEC_IOAPIC_BASE + line through the I/O APIC (irq.c), never
 * on the kernel's own vectors (the timer, the spurious vector, and the
 * IPIs to come, 0xf0 up; docs/smp.md).
 */
#define VEC_PIC_BASE      32  /* legacy 8259s, remapped here (masked when the I/O APIC serves) */
#define VEC_TIMER         48  /* LAPIC timer */
#define VEC_IOAPIC_BASE   64  /* ISA IRQs through the I/O APIC */
#define VEC_DEVICE_LINES  16  /* ISA IRQs: IRQ_LINES */
#define VEC_IPI_FIRST     0xf0 /* kept for inter-processor interrupts: */
#define VEC_IPI_KICK      0xf0 /*   look at your run queue (bkl.h, cpu_kick) */
#define VEC_IPI_CALL      0xf1 /*   a cross call waits for you (bkl.h, cpu_call) */
#define VEC_LAPIC_SPURIOUS 255
#define VEC_SYSCALL       256 /* not a vector: marks a frame saved by syscall_entry */
#define SYSCALL_INSN_BYTES 2  /* SYSCALL's length: rip - 2 runs it again */
#define VEC_NONE          257 /* a frame set by the kernel: leave with iretq */

#ifndef __ASSEMBLER__
#include <stdint.h>

_Static_assert(VEC_PIC_BASE + VEC_DEVICE_LINES <= VEC_TIMER &&
	       VEC_TIMER < VEC_IOAPIC_BASE &&
	       VEC_IOAPIC_BASE + VEC_DEVICE_LINES <= VEC_IPI_FIRST &&
	       VEC_IPI_FIRST < VEC_LAPIC_SPURIOUS, "device vectors meet the kernel's own");

/* What entry.S leaves on the stack, lowest address first. */
struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};

void idt_init(void);

typedef void (*irq_handler_fn)(struct trap_frame *f);
void trap_set_handler(unsigned vector, irq_handler_fn fn);
/* Runs the handler of an interrupt the CPU already acknowledged (a VM exit did). */
void trap_deliver_interrupt(unsigned vector);

/*
 * Fault probe, for kernel self-tests: set trap_probe.resume to an address,
 * run one instruction that may fault; a fault then resumes at that address
 * and records what happened instead of stopping the kernel.
 */
struct trap_probe {
	uint64_t resume; /* armed while non-zero; cleared by a caught fault */
	uint64_t vector, error, cr2, rip;
	uint64_t gs_base; /* the GS base the handler ran with (percpu.h) */
};
extern struct trap_probe trap_probe;

/* Prints "#0 addr name+off" lines walking the frame-pointer chain from rbp. */
void backtrace_print(uint64_t rip, uint64_t rbp);

#endif /* __ASSEMBLER__ */

#endif
