/*
 * The IDT and the C entries for every interrupt and exception: one for
 * traps taken in ring 0 (trap_dispatch), one for traps from user mode
 * (trap_from_user).  An exception in the kernel is a bug: it is reported
 * with registers and a symbolized backtrace, and the kernel stops.  An
 * exception in user mode becomes a fault message to the thread's fault
 * handler (ipc_fault).
 */
#include "bkl.h"
#include "entry.h"
#include "fpu.h"
#include "fsgs.h"
#include "gdt.h"
#include "ipc.h"
#include "thread.h"
#include "ksyms.h"
#include "layout.h"
#include "lapic.h"
#include "log.h"
#include "panic.h"
#include "smp.h"
#include "trap.h"
#include "x86.h"

struct idt_gate {
	uint16_t offset_lo, selector;
	uint8_t ist, type_attr;
	uint16_t offset_mid;
	uint32_t offset_hi, reserved;
} __attribute__((packed));

static struct idt_gate idt[256];
struct desc_ptr idt_pointer;
static irq_handler_fn handlers[256];
struct trap_probe trap_probe;

extern const struct ksym ksym_table[];
extern const uint64_t ksym_count;
extern const char ksym_names[], _text[], _etext[], _kernel_end[];

static void set_gate(unsigned v, unsigned ist)
{
	uint64_t a = (uint64_t)trap_stubs + 16 * v;
	idt[v] = (struct idt_gate){
		.offset_lo = a & 0xffff, .selector = SEL_KCODE, .ist = ist,
		.type_attr = 0x8e, /* present, DPL 0, 64-bit interrupt gate */
		.offset_mid = (a >> 16) & 0xffff, .offset_hi = a >> 32,
	};
}

void idt_init(void)
{
	for (unsigned v = 0; v < 256; v++)
		set_gate(v, 0);
	set_gate(2, IST_NMI);
	set_gate(8, IST_DOUBLE_FAULT);
	set_gate(18, IST_MACHINE_CHECK);
	idt_pointer = (struct desc_ptr){ sizeof(idt) - 1, (uint64_t)idt };
	asm volatile("lidt %0" : : "m"(idt_pointer));
}

void trap_set_handler(unsigned vector, irq_handler_fn fn)
{
	handlers[vector] = fn;
}

const char *ksym_lookup(uint64_t addr, uint64_t *offset)
{
	return ksym_find(ksym_table, ksym_count, ksym_names, (uint64_t)_etext, addr, offset);
}

static void print_address(const char *prefix, uint64_t a)
{
	uint64_t off;
	const char *name = ksym_lookup(a, &off);
	if (name)
		kprintf("%s%016lx <%s+0x%lx>\n", prefix, a, name, off);
	else
		kprintf("%s%016lx\n", prefix, a);
}

/* A frame pointer we may follow: aligned and inside the kernel image or the physmap. */
static int frame_readable(uint64_t rbp)
{
	if (rbp & 7)
		return 0;
	if (rbp >= KERNEL_VMA && rbp + 16 <= (uint64_t)_kernel_end)
		return 1;
	return rbp >= PHYSMAP_BASE && rbp < PHYSMAP_BASE + (1ULL << 40);
}

void backtrace_print(uint64_t rip, uint64_t rbp)
{
	kprintf("backtrace:\n");
	print_address("  #0 ", rip);
	for (int depth = 1; depth < 16 && frame_readable(rbp); depth++) {
		uint64_t *frame = (uint64_t *)rbp;
		if (frame[1] == 0)
			break;
		kprintf("  #%d ", depth);
		print_address("", frame[1]);
		rbp = frame[0];
	}
}

static const char *const exception_names[32] = {
	"#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow",
	"#BR bound range", "#UD invalid opcode", "#NM device not available",
	"#DF double fault", "coprocessor overrun", "#TS invalid TSS", "#NP segment not present",
	"#SS stack fault", "#GP general protection", "#PF page fault", "reserved",
	"#MF x87 error", "#AC alignment check", "#MC machine check", "#XM SIMD error",
	"#VE virtualization", "#CP control protection",
};

/* Prints everything known about an unexpected exception and stops the machine. */
static void __attribute__((noreturn)) exception_report(struct trap_frame *f)
{
	const char *name = exception_names[f->vector];
	panic_stop_others();
	console_direct();
	kprintf("\n!!! kernel exception %lu (%s), error code 0x%lx\n", f->vector,
		name ? name : "reserved", f->error);
	print_address("rip ", f->rip);
	kprintf("rax %016lx rbx %016lx rcx %016lx rdx %016lx\n", f->rax, f->rbx, f->rcx, f->rdx);
	kprintf("rsi %016lx rdi %016lx rbp %016lx rsp %016lx\n", f->rsi, f->rdi, f->rbp, f->rsp);
	kprintf("r8  %016lx r9  %016lx r10 %016lx r11 %016lx\n", f->r8, f->r9, f->r10, f->r11);
	kprintf("r12 %016lx r13 %016lx r14 %016lx r15 %016lx\n", f->r12, f->r13, f->r14, f->r15);
	kprintf("cs %lx ss %lx rflags %08lx cr0 %08lx cr2 %016lx cr3 %08lx cr4 %08lx\n", f->cs,
		f->ss, f->rflags, read_cr0(), read_cr2(), read_cr3(), read_cr4());
	backtrace_print(f->rip, f->rbp);
	panic("unexpected exception %lu", f->vector);
}

/* Device and timer interrupts, from either mode. */
static void interrupt(struct trap_frame *f)
{
	if (handlers[f->vector]) {
		handlers[f->vector](f);
		return;
	}
	if (f->vector >= VEC_PIC_BASE && f->vector < VEC_PIC_BASE + 16)
		return; /* a spurious IRQ from a masked 8259 line: nothing to acknowledge */
	if (f->vector == VEC_LAPIC_SPURIOUS)
		return;
	log_warn("trap: unexpected interrupt vector %lu", f->vector);
	lapic_eoi();
}

void trap_deliver_interrupt(unsigned vector)
{
	struct trap_frame f = { .vector = vector };
	interrupt(&f);
}

/*
 * Entry from kernel mode: an exception here is a kernel bug (or a probed
 * test fault).  An interrupt comes either inside a syscall's preemption
 * point (the CPU holds the big kernel lock) or while the CPU idles without
 * it (thread.c, return_to_user): then its handler takes it.  An IPI's
 * handler needs no lock (lapic.c): the idle loop takes it next anyway.
 */
void trap_dispatch(struct trap_frame *f)
{
	if (f->vector == EXC_NMI && cpus_stopping())
		cpu_stop_here(); /* another CPU panics (smp.h) */
	if (f->vector >= 32) {
		bool took = f->vector < VEC_IPI_FIRST &&
			    bkl_lock_unless_held(BKL_REASON_KERNEL + f->vector);
		interrupt(f);
		if (took)
			bkl_unlock();
		return;
	}
	if (f->rip == (uint64_t)enter_user_iret) {
		/*
		 * iretq refused the thread's frame (entry.S): the thread's
		 * fault, not ours.  The lock was dropped for the way out.
		 */
		if (kernel_enter(BKL_REASON_TRAP + f->vector))
			ipc_fault(current, f->vector, f->error, 0);
		return_to_user();
	}
	if (trap_probe.resume) {
		trap_probe.vector = f->vector;
		trap_probe.error = f->error;
		trap_probe.cr2 = read_cr2();
		trap_probe.rip = f->rip;
		trap_probe.gs_base = rdmsr(MSR_GS_BASE);
		f->rip = trap_probe.resume;
		trap_probe.resume = 0;
		return;
	}
	exception_report(f);
}

/*
 * Entry from user mode.  The frame is the current thread's saved registers
 * (or, for the IST vectors, a copy is made there).  An exception becomes a
 * fault message to the thread's fault handler; then the kernel leaves
 * through the scheduler.
 */
/*
 * A cross call's IPI (bkl.h) taken in user mode: the call runs at once,
 * without the lock, since its caller holds that and waits.  Unless the call
 * took the thread or its tables away (forget_thread, forget_task_here),
 * the thread then goes on as it was, and the IPI is acknowledged here.
 * Taking the lock only to return made the thread wait out the caller's
 * whole hold: a CPU that called this one in a loop (a thread asking for
 * the invariant check's cross-CPU part) kept its thread from running a
 * single instruction, since each return met the next call's IPI.
 */
static bool cross_call_leaves_current(void)
{
	cpu_call_serve();
	const struct thread *t = current;
	if (!t || t->vcpu || t->task != active_task ||
	    (t->task->has_ports && active_ports != t->task))
		return false; /* the way out through the lock loads what it took */
	lapic_eoi();
	return true;
}

void trap_from_user(struct trap_frame *f)
{
	struct trap_frame *regs = &current->regs;
	if (f != regs)
		*regs = *f;
	unsigned vector = regs->vector; /* regs may belong to nobody after the wait */
	if (vector == EXC_NMI && cpus_stopping())
		cpu_stop_here(); /* before the lock, which the panicking CPU may hold */
	if (vector == VEC_IPI_CALL && cross_call_leaves_current())
		enter_user(regs);
	if (!kernel_enter(BKL_REASON_TRAP + vector)) {
		/* another CPU took the thread (bkl.h); an interrupt is still ours to handle */
		if (vector >= 32)
			trap_deliver_interrupt(vector);
		return_to_user();
	}
	if (regs->vector >= 32)
		interrupt(regs);
	else if (regs->vector == 7)
		fpu_trap(current); /* #NM: CR0.TS said its state is not in the registers */
	else if (regs->vector == 6 && fsgs_trap(current))
		return_to_user(); /* #UD at its first FSGSBASE instruction: runs it again, now allowed */
	else if (regs->vector != 2)
		ipc_fault(current, regs->vector, regs->error, regs->vector == 14 ? read_cr2() : 0);
	return_to_user();
}
