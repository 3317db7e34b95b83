/* Threads and the scheduler. */
#ifndef KERNEL_THREAD_H
#define KERNEL_THREAD_H

#include "bkl.h"
#include "entry.h"
#include "fpu.h"
#include "fsgs.h"
#include "gdt.h"
#include "object.h"
#include "percpu.h"
#include "smp.h"
#include "task.h"
#include "vcpu.h"

#define TIMESLICE_TICKS 2
/* A time slice in TSC counts: set once the LAPIC timer is calibrated (0 before). */
extern uint64_t slice_tsc;

/* The thread running on this CPU (percpu.h); NULL while the kernel idles or after it went. */
#define current (percpu->current)
extern struct thread *all_threads;

struct thread *thread_create(phys_addr phys);
void thread_destroy(struct thread *t);
/* Binds t to task (or unbinds it, task NULL). */
void thread_set_task(struct thread *t, struct task *task);
/*
 * Gives inactive thread t its task, UTCB frame and fault endpoint.  t
 * keeps its own copies of those two capabilities (each NULL for none),
 * derived from the caller's, so that revoking the caller's reaches t's.
 */
void thread_configure(struct thread *t, struct task *task, struct cap *utcb, struct cap *fault_ep);
/* Sets the registers a thread starts with and makes it runnable. */
void thread_start(struct thread *t, uint64_t rip, uint64_t rsp, uint64_t arg);
/* Makes t runnable from the registers it holds (a vCPU: its guest state); t is inactive. */
void thread_run(struct thread *t);
/* t's user registers as SYS_THREAD_READ_REGS gives them. */
void thread_read_regs(const struct thread *t, struct user_regs *out);
/* Sets t's user registers (rip a user address, checked by the caller); RFLAGS is sanitized. */
void thread_write_regs(struct thread *t, const struct user_regs *in);
/* Stops t wherever it is: an IPC it waits in ends with `status`. */
void thread_stop(struct thread *t, uint64_t status);
/*
 * No other CPU runs t or holds its FPU or FS/GS state after this: its
 * registers are all in *t (a thread of another CPU: a cross call, bkl.h).
 * Before anything reads, writes, moves or frees t.  The caller itself (t
 * current here) keeps running, with its FPU and bases saved.
 */
void thread_unload(struct thread *t);
/*
 * Makes t a thread of CPU `cpu` (its affinity, SYS_THREAD_SET_CPU), one
 * that runs threads (a vCPU: the boot CPU; the syscall checks both).  The
 * caller moving itself goes when its syscall ends.
 */
void thread_set_cpu(struct thread *t, unsigned cpu);

/* True if t runs now: it is current on its CPU (only there may it be). */
static inline bool thread_running(const struct thread *t)
{
	return cpu_current(&cpus[t->cpu]) == t;
}

/*
 * t, if it runs on another CPU, must look at what waits for it now (a
 * vCPU's recall or exit deadline: its CPU's IPI makes the guest exit).
 */
static inline void thread_kick(const struct thread *t)
{
	if (thread_running(t))
		cpu_kick(t->cpu);
}

void sched_make_runnable(struct thread *t);
void sched_remove(struct thread *t);
/*
 * Task k's budget is used up (throttled) or replenished: moves its
 * runnable threads and vCPUs off or back onto the run queues (budget.c).
 */
void sched_set_throttled(struct task *k, bool throttled);
/* True if t waits on the background queue (kcheck.c). */
bool sched_background_queued(const struct thread *t);
/*
 * Vcpu thread t's time is charged to task k from now on (NULL: to
 * nobody); it is on k->vcpus.  (A thread's is charged to its own task.)
 */
void thread_charge_to(struct thread *t, struct task *k);
/* Gives t a new priority, moving it to that priority's queue if it waits on one. */
void sched_set_priority(struct thread *t, unsigned priority);
/* current gives up the rest of its time slice. */
void sched_yield(void);
/*
 * current has just blocked after waking t (a server answering its client):
 * runs t next, unless the scheduler would rather run another (a higher
 * priority, or t's peers once its slice is up); then t waits its turn.
 */
void sched_switch_to(struct thread *t);
/* A CPU's run queues start empty (before it schedules); percpu->runq_top is their top. */
void sched_cpu_init(struct cpu *c);
/* True if a thread waiting on this CPU has a higher priority than prio. */
static inline bool sched_preempts(unsigned prio)
{
	return percpu->runq_top > (int)prio;
}
/* True if t must make way: for a higher priority, or for its peers once its slice is up. */
static inline bool sched_must_yield(const struct thread *t)
{
	int top = percpu->runq_top;
	return top > (int)t->priority || (top == (int)t->priority && !t->timeslice);
}
/*
 * For long syscalls, between two steps that each leave the kernel
 * consistent: takes pending interrupts and says whether the caller must
 * stop and have its syscall restarted (current must make way, or is gone).
 */
bool sched_preemption_point(void);
/*
 * The same for work the kernel does for nobody's syscall (a dying task's
 * teardown, cap.c) wherever it runs: inside a running thread's syscall it
 * is sched_preemption_point; otherwise (current blocked, stopped or gone,
 * on the way out of the kernel or idle) it says stop as soon as a thread
 * waits on this CPU's queues or another CPU waits for the lock.
 */
bool sched_work_point(void);
/* Charges a timer tick to the running thread. */
void sched_tick(void);
/* Leaves the kernel: picks the thread to run (idling until there is one) and enters it. */
void __attribute__((noreturn)) return_to_user(void);

/* entry.S: loads a thread's saved registers and returns to user mode. */

/*
 * Enters the current thread in user mode (its address space, stack, I/O
 * bitmap, FPU state and FS/GS bases).  Always inline: it is the last step
 * of every IPC fast path, and a call would cost its callers a frame they
 * never return to.
 */
static inline __attribute__((always_inline, noreturn)) void enter_current(void)
{
	struct thread *t = current;
	fpu_switch(t);
	fsgs_switch(t);
	if (t->vcpu)
		vcpu_backend->enter(t);
	tss_set_kernel_stack((uint64_t)(&t->regs + 1));
	task_activate(t->task);
	bkl_unlock(); /* (a vCPU's backend drops it just before its VM entry) */
	enter_user(&t->regs);
}

/*
 * After an exit (or trap) the kernel answered by itself, with interrupts
 * off all along: no thread woke and nothing was queued, so unless current's
 * slice is up or a higher priority waits, schedule() would keep current and
 * return_to_user would only enter it.  Enters it at once in that case.
 */
static inline __attribute__((always_inline, noreturn)) void resume_current(void)
{
	const struct thread *t = current;
	if (__builtin_expect(!t->timeslice || sched_preempts(t->priority), 0))
		return_to_user();
	enter_current();
}

#endif
