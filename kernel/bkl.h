/*
 * The big kernel lock (docs/smp.md, "One lock").  The kernel is a set of
 * short event handlers that hold no state on the stack across a block, so
 * one lock taken at every way into the kernel and dropped at every way
 * out makes the whole kernel run on one CPU at a time, as seL4 does on
 * SMP: each CPU enters, takes the lock, runs the handler, picks a thread
 * and leaves.  User mode and guests run in parallel; only kernel code is
 * serialized.  `make bench` reports the longest hold
 * (kernel_lock_longest_hold_instructions).
 *
 * A CPU that holds the lock may need another CPU to do something only that
 * CPU can (forget a thread it runs, reload its page tables): a cross call
 * (cpu_call).  The other CPU is then in user mode, in a guest, idle, or
 * spinning for the lock; an IPI brings the first three into the kernel,
 * where they too spin, and a spinning CPU runs the calls asked of it.  So
 * the caller waits with the lock held, and the work runs as if under it.
 */
#ifndef KERNEL_BKL_H
#define KERNEL_BKL_H

#include <stdbool.h>
#include <stdint.h>

#include "percpu.h"

struct bkl {
	volatile uint32_t next;  /* the next ticket to hand out */
	volatile uint32_t owner; /* the ticket that may enter */
};
extern struct bkl bkl;
/*
 * The longest hold so far, in TSC counts (instructions under Bochs), and
 * what it served.  A hold is timed on the TSC's low half: no hold comes
 * near 2^32 counts.  Its clock starts again at each preemption point that
 * goes on (bkl_hold_restart): what it measures is the longest a CPU that
 * wants the lock can wait for it.
 */
#define BKL_REASON_SYSCALL 0     /* + the syscall number (as the caller gave it) */
#define BKL_REASON_TRAP    1000  /* + the vector, from user mode */
#define BKL_REASON_KERNEL  2000  /* + the vector, an interrupt taken in the kernel (idle) */
#define BKL_REASON_EXIT    3000  /* a VM exit */
#define BKL_REASON_IDLE    4000  /* an idle CPU looking for work */
extern uint32_t bkl_longest_hold;
extern uint32_t bkl_longest_reason; /* its entry: BKL_REASON_* + the syscall number or vector */

void bkl_spin(uint32_t ticket);

/*
 * Takes the lock (this CPU must not hold it).  Tickets: CPUs enter in the
 * order they came.  (syscall_entry has the same steps in assembly.)
 */
static inline __attribute__((always_inline)) void bkl_lock(void)
{
	uint32_t ticket = __atomic_fetch_add(&bkl.next, 1, __ATOMIC_ACQUIRE);
	if (__builtin_expect(bkl.owner != ticket, 0))
		bkl_spin(ticket);
	percpu->bkl_since = (uint32_t)__builtin_ia32_rdtsc();
	percpu->bkl_held = true;
}

/* bkl_lock, saying what for (BKL_REASON_*): the longest hold names it. */
static inline __attribute__((always_inline)) void bkl_lock_for(unsigned reason)
{
	bkl_lock();
	percpu->bkl_reason = reason;
}

void bkl_hold_ended(uint32_t held);

/* Drops the lock (this CPU holds it). */
static inline __attribute__((always_inline)) void bkl_unlock(void)
{
	uint32_t held = (uint32_t)__builtin_ia32_rdtsc() - percpu->bkl_since;
	if (__builtin_expect(held > bkl_longest_hold, 0))
		bkl_hold_ended(held);
	percpu->bkl_held = false;
	__atomic_store_n(&bkl.owner, bkl.owner + 1, __ATOMIC_RELEASE);
}

/* True if another CPU waits for the lock (its holder's preemption points let it in). */
static inline bool bkl_contended(void)
{
	return bkl.next - bkl.owner > 1;
}

/*
 * Starts this hold's clock again: the work before was the invariant
 * checker's (SYS_DEBUG_CHECK), test scaffolding whose walk of every object
 * no real workload makes, and which the longest hold does not count; or a
 * preemption point passed that would have let a waiting CPU in (thread.c):
 * a CPU that comes after it waits only until the next.
 */
static inline void bkl_hold_restart(void)
{
	percpu->bkl_since = (uint32_t)__builtin_ia32_rdtsc();
}

/* Takes the lock unless this CPU holds it already; true if it took it. */
static inline bool bkl_lock_unless_held(unsigned reason)
{
	if (percpu->bkl_held)
		return false;
	bkl_lock_for(reason);
	return true;
}

/*
 * Entries from user mode and from a guest (entry.S, trap.c, the exit
 * handlers): takes the lock.  False if, while this CPU waited, another
 * took its running thread away (thread.c, forget_thread): then current is
 * NULL, and the entry has nothing left to do for it (an interrupt it
 * brought must still be handled) but leave through return_to_user.
 */
bool kernel_enter(unsigned reason);

/*
 * Prints the longest hold so far as a benchmark line (make bench's
 * kernel_lock_longest_hold_instructions) and what it was for.
 */
void bkl_report(void);

/*
 * Runs fn(arg) on CPU `cpu` and waits for it (the caller holds the lock):
 * at once if it is this CPU.
 */
void cpu_call(unsigned cpu, void (*fn)(void *), void *arg);

/*
 * Runs the cross call asked of this CPU, if one is (its caller holds the
 * lock and waits: the call runs as if under it).  bkl_spin does this while
 * it waits, and so does a cross call's IPI taken in user mode (trap.c).
 */
void cpu_call_serve(void);

/*
 * Asks CPU `cpu` to look at its run queue (a thread woke there with a
 * priority its current thread must make way for, or it idles): an IPI,
 * unless it is this CPU.  It does not wait.
 */
void cpu_kick(unsigned cpu);

#endif
