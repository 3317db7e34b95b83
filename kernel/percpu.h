/*
 * The per-CPU pointer (docs/smp.md).  While a CPU runs kernel code its GS
 * base holds its own struct cpu, so that everything one CPU does at a time
 * (the running thread, the TSS it entered on, the address space and FPU
 * state it holds) is reached the same way on every CPU: a %gs-relative
 * load, no lookup.  A task may load GS or, with CR4.FSGSBASE, write its GS
 * base directly, so the kernel never trusts GS on entry from user mode:
 * every entry from ring 3 (syscall_entry, trap_common, trap_paranoid)
 * swaps it in with SWAPGS, every return swaps it back, and KERNEL_GS_BASE
 * holds the task's own value in between (fsgs.h keeps it per thread).
 * NMI, #DF and #MC can arrive in ring 0 with either value, so their entry
 * (trap_paranoid) takes the CPU's pointer from the top of its IST stack.
 *
 * entry.S reads the first fields by the CPU_* offsets below; a static assertion checks
 * them against the struct (below it).
 */
#ifndef KERNEL_PERCPU_H
#define KERNEL_PERCPU_H

#define CPU_TSS_RSP0  4    /* the TSS comes first: its rsp[0] */
#define CPU_TSS_BYTES 8304 /* sizeof(struct tss_area) */
#define CPU_SELF      (CPU_TSS_BYTES + 0)
#define CPU_CURRENT   (CPU_TSS_BYTES + 8)
#define CPU_STACK_TOP (CPU_TSS_BYTES + 16)
#define CPU_USER_RSP  (CPU_TSS_BYTES + 24)
#define CPU_BKL_SINCE  (CPU_TSS_BYTES + 32)
#define CPU_BKL_REASON (CPU_TSS_BYTES + 36)
#define CPU_BKL_HELD   (CPU_TSS_BYTES + 40)
#define IST_CPU_SLOT  16 /* the top 16 bytes of each IST stack hold its CPU's struct cpu * */

#ifndef __ASSEMBLER__
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gdt.h"

struct thread;
struct task;
struct vcpu;

#define VCPU_TAGS 256 /* VPIDs or ASIDs the kernel uses, 0 (the host's) included */

enum cpu_state {
	CPU_STOPPED,   /* never started: cpus=N leaves it out */
	CPU_STARTING,  /* IPIs sent, not online yet */
	CPU_ONLINE,    /* running the kernel (the boot CPU) or parked or scheduling (an AP) */
	CPU_NO_ANSWER, /* did not come online in time: sent INIT again and left out */
	CPU_LEFT_OUT,  /* cannot be started (its ID needs x2APIC, or no memory for its tables) */
};

/*
 * One processor: cpus[id] (smp.h).  The fields up to fsgs_owner are the
 * CPU's own running state, written only by that CPU.  The *_seen fields
 * are written by an AP itself once, before it goes online, and read by the
 * boot CPU after.  The TSS lives here, not behind a pointer, so that
 * syscall_entry and every switch of threads reach its rsp0 in one
 * %gs-relative access.
 */
struct cpu {
	struct tss_area tss;       /* its TSS: rsp0 (CPU_TSS_RSP0) is current's register frame */
	struct cpu *self;          /* CPU_SELF: this_cpu() */
	struct thread *current;    /* CPU_CURRENT: the running thread (or none) */
	uint64_t stack_top;        /* CPU_STACK_TOP: its one kernel stack (KSTACK_SIZE) */
	uint64_t user_rsp;         /* CPU_USER_RSP: syscall_entry's place for the caller's rsp */
	uint32_t bkl_since;        /* CPU_BKL_SINCE: the TSC's low half when it took the big kernel lock */
	uint32_t bkl_reason;       /* CPU_BKL_REASON: what for (bkl.h, BKL_REASON_*) */
	bool bkl_held;             /* CPU_BKL_HELD: it holds the lock */
	struct task *active_task;  /* whose page tables CR3 holds (task.h) */
	struct task *active_ports; /* whose I/O bitmap the TSS holds */
	bool tss_limit_short;      /* a VM exit cut TR's limit (gdt.h) */
	struct thread *fpu_owner;  /* whose extended state the registers hold (fpu.h) */
	struct thread *fpu_live;   /* the thread CR0.TS is clear for */
	struct thread *fsgs_owner; /* whose FS and GS bases FS_BASE and KERNEL_GS_BASE hold (fsgs.h) */
	int runq_top;              /* the highest priority queued on its run queue, or -1 (thread.h) */
	uint64_t tick_due;         /* the TSC of its scheduler's next tick (lapic.c) */
	uint64_t timer_due;        /* the TSC at which its one-shot timer fires */
	struct task *charged_task; /* the task its time is charged to (budget.c), since: */
	uint64_t charged_from;
	uint64_t budget_next;      /* its next budget event (budget.h: budget_due) */
	/*
	 * Virtual machines (docs/smp.md, "vCPUs on every CPU"): whether it can
	 * run vCPUs, its VMXON region or SVM host save area, on SVM the page
	 * VMSAVE keeps its own FS, GS, TR, syscall MSRs in (svm.c), on VMX the
	 * VMCS it has current, and which vCPU last used each VPID or ASID in
	 * its TLB (vcpu.h: vcpu_tag_claim).
	 */
	bool vm_on;
	uint64_t vm_host_area;
	uint64_t svm_host_state;
	uint64_t loaded_vmcs;
	const struct vcpu *tag_owner[VCPU_TAGS];

	unsigned id;
	uint32_t apic_id;          /* from the firmware's table */
	volatile enum cpu_state state;
	uint64_t *gdt;             /* GDT_BYTES */
	struct desc_ptr gdtr;
	uint32_t apic_id_seen;     /* its local APIC's ID, as it read it */
	struct desc_ptr gdtr_seen; /* SGDT and STR after it loaded its tables */
	uint16_t tr_seen;
	uint64_t gs_base_seen;     /* GS base and KERNEL_GS_BASE after cpu_set_self */
	uint64_t kernel_gs_base_seen;
	volatile uint64_t wakeups; /* times a parked AP left HLT (only NMI, SMI or INIT could) */
	volatile bool scheduling;  /* it runs threads (an AP: since ap_schedule) */
	/* What it has taken, for SYS_DEBUG_CPU_COUNTS (the tests ask where interrupts came): */
	uint64_t device_irqs;      /* device interrupts (irq.c), under the lock */
	volatile uint64_t kicks;   /* kick IPIs (lapic.c), counted by itself without the lock */
	uint64_t ticks;            /* scheduler ticks of its timer (lapic.c), under the lock */
};

_Static_assert(offsetof(struct cpu, tss.tss.rsp[0]) == CPU_TSS_RSP0 &&
	       sizeof(struct tss_area) == CPU_TSS_BYTES && offsetof(struct cpu, self) == CPU_SELF &&
	       offsetof(struct cpu, current) == CPU_CURRENT &&
	       offsetof(struct cpu, stack_top) == CPU_STACK_TOP &&
	       offsetof(struct cpu, user_rsp) == CPU_USER_RSP &&
	       offsetof(struct cpu, bkl_since) == CPU_BKL_SINCE &&
	       offsetof(struct cpu, bkl_reason) == CPU_BKL_REASON &&
	       offsetof(struct cpu, bkl_held) == CPU_BKL_HELD, "entry.S reads struct cpu by offset");

/*
 * The running CPU's struct cpu, seen through GS: `percpu->field` is one
 * %gs-relative access (GCC's __seg_gs address space).  Only for kernel
 * code after cpu_set_self, never between an entry from user mode and its
 * SWAPGS.  The address is that of a symbol whose value is 0
 * (percpu_origin, smp.c), not the constant 0: GCC 12 takes a store
 * through a constant address for one nobody else can see, and drops it
 * before a call that does not return (the rsp0 that enter_user's caller
 * sets, for one), while a symbol's memory is everyone's.  (GCC then
 * writes %gs:disp(%rip) with disp = offset - rip, which the kernel's
 * place in the top 2 GiB keeps in range: the same one instruction.)
 */
extern char percpu_origin[];
#define percpu ((__seg_gs struct cpu *)(uintptr_t)percpu_origin)

/*
 * Another CPU's running state.  The running CPU's has short names
 * (current, fpu_owner, active_task, active_ports: macros for percpu->...),
 * which would also replace the field names in c->current; these read
 * another's.  (Defined here, before those macros exist.)
 */
static inline struct thread *cpu_current(const struct cpu *c) { return c->current; }
static inline struct thread *cpu_fpu_owner(const struct cpu *c) { return c->fpu_owner; }
static inline struct task *cpu_active_task(const struct cpu *c) { return c->active_task; }
static inline struct task *cpu_active_ports(const struct cpu *c) { return c->active_ports; }

/* The running CPU's struct cpu as an ordinary pointer. */
static inline struct cpu *this_cpu(void)
{
	return percpu->self;
}

/* Makes c the running CPU's: GS base = c; KERNEL_GS_BASE and FS base 0 (no task's yet). */
void cpu_set_self(struct cpu *c);

/*
 * Reloads this CPU's GDTR and the IDTR with their real limits.  A VM exit
 * on VMX leaves both limits 0xFFFF (Intel SDM 27.5.2); the kernel
 * restores them after every exit, as KVM does.
 */
static inline void descriptor_tables_reload(void)
{
	const struct desc_ptr *gdtr = &this_cpu()->gdtr;
	asm volatile("lgdt %0; lidt %1" : : "m"(*gdtr), "m"(idt_pointer) : "memory");
}

/* rsp0: where the CPU (and syscall_entry) saves a frame on entry from user mode. */
static inline void tss_set_kernel_stack(uint64_t rsp0)
{
	percpu->tss.tss.rsp[0] = rsp0;
}

/* A VM exit (VMX) cut TR's limit: the next task with the I/O bitmap reloads TR first. */
static inline void tss_limit_cut_by_vm_exit(void)
{
	percpu->tss_limit_short = true;
}

/* With the bitmap off, every port access from ring 3 faults. */
static inline void tss_enable_iomap(bool on)
{
	percpu->tss.tss.iomap_base = on ? sizeof(struct tss) : IOMAP_NONE;
}

#endif /* __ASSEMBLER__ */

#endif
