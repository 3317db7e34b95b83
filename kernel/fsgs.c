/*
 * A thread's own FS and GS bases: the #UD that marks a thread as using
 * them, and the slow path of the switch.  fsgs.h has the design.
 */
#include "fsgs.h"
#include "log.h"
#include "task.h"
#include "x86.h"

#define CPUID7_EBX_FSGSBASE (1u << 0)
#define INSN_BYTES 5 /* F3, REX, 0F, AE, ModRM */

static bool cpu_has_fsgsbase;

void fsgs_init(void)
{
	cpu_has_fsgsbase = cpuid(0, 0).eax >= 7 && (cpuid(7, 0).ebx & CPUID7_EBX_FSGSBASE);
	log_info("fsgs: %s", cpu_has_fsgsbase
		 ? "FSGSBASE: a thread's first RDFSBASE/WRGSBASE... gives it FS and GS bases of its own"
		 : "no FSGSBASE: a task's FS and GS bases are always 0");
}

/*
 * The task's GS base, which KERNEL_GS_BASE holds while the kernel runs:
 * SWAPGS, RDGSBASE or WRGSBASE, SWAPGS, where the MSR access would cost
 * a hundred cycles.  Interrupts are off; an NMI or #MC in between finds
 * the task's GS and copes (trap_paranoid, entry.S).  CR4.FSGSBASE is set.
 */
static uint64_t read_task_gs(void)
{
	uint64_t v;
	asm volatile("swapgs; rdgsbase %0; swapgs" : "=r"(v));
	return v;
}

static void write_task_gs(uint64_t v)
{
	asm volatile("swapgs; wrgsbase %0; swapgs" : : "r"(v) : "memory");
}

static void write_fs(uint64_t v)
{
	asm volatile("wrfsbase %0" : : "r"(v) : "memory");
}

/* The owner's bases are gone: zeros in their place, CR4.FSGSBASE clear, no owner. */
static void drop_owner(void)
{
	write_fs(0);
	write_task_gs(0);
	write_cr4(read_cr4() & ~CR4_FSGSBASE);
	percpu->fsgs_owner = 0;
}

void fsgs_release(struct thread *t)
{
	if (percpu->fsgs_owner != t)
		return;
	asm volatile("rdfsbase %0" : "=r"(t->fs_base));
	t->gs_base = read_task_gs();
	drop_owner();
}

void fsgs_switch_slow(struct thread *t)
{
	struct thread *owner = percpu->fsgs_owner;
	if (owner == t)
		return;
	if (owner)
		fsgs_release(owner);
	if (!t->fsgs_self)
		return;
	write_cr4(read_cr4() | CR4_FSGSBASE);
	write_fs(t->fs_base);
	write_task_gs(t->gs_base);
	percpu->fsgs_owner = t;
}

bool fsgs_trap(struct thread *t)
{
	uint8_t b[INSN_BYTES];
	unsigned n = 0;
	if (!cpu_has_fsgsbase || t->fsgs_self || !t->task)
		return false;
	while (n < INSN_BYTES && copy_from_user(t->task, &b[n], t->regs.rip + n, 1) == OK)
		n++; /* byte by byte: a short instruction may end a mapped page */
	if (!fsgs_insn_is_base_access(b, n))
		return false;
	t->fsgs_self = t;
	fsgs_switch_slow(t);
	return true;
}

void fsgs_thread_gone(struct thread *t)
{
	if (percpu->fsgs_owner == t)
		drop_owner();
}

void fsgs_thread_reset(struct thread *t)
{
	fsgs_thread_gone(t);
	t->fs_base = 0;
	t->gs_base = 0;
	t->fsgs_self = 0;
}
