/*
 * The big kernel lock and cross calls (bkl.h, docs/smp.md "One lock").
 *
 * A ticket lock: fair, so that no CPU waits forever behind the others, and
 * one atomic add to take it.  Its waiters spin on the owner's ticket, and
 * while they spin they run the cross calls asked of them: the CPU that
 * asked holds the lock and waits for them, so a waiter that did not
 * answer would deadlock both.
 */
#include "bkl.h"
#include "lapic.h"
#include "log.h"
#include "smp.h"
#include "thread.h"
#include "trap.h"

struct bkl bkl;
uint32_t bkl_longest_hold;
uint32_t bkl_longest_reason;

/*
 * The one cross call in flight: only the lock's holder asks for one, so
 * there is never a second.  Bit c of `pending` is set until CPU c has run
 * it.
 */
static struct {
	void (*fn)(void *);
	void *arg;
	volatile uint32_t pending;
} call;

void cpu_call_serve(void)
{
	uint32_t mine = 1u << percpu->id;
	if (!(__atomic_load_n(&call.pending, __ATOMIC_ACQUIRE) & mine))
		return;
	call.fn(call.arg);
	__atomic_fetch_and(&call.pending, ~mine, __ATOMIC_RELEASE);
}

void bkl_spin(uint32_t ticket)
{
	while (__atomic_load_n(&bkl.owner, __ATOMIC_ACQUIRE) != ticket) {
		cpu_call_serve();
		asm volatile("pause");
	}
}

void bkl_hold_ended(uint32_t held)
{
	bkl_longest_hold = held; /* (still under the lock: the caller drops it after) */
	bkl_longest_reason = percpu->bkl_reason;
}

bool kernel_enter(unsigned reason)
{
	bkl_lock_for(reason);
	return current != 0;
}

void cpu_call(unsigned cpu, void (*fn)(void *), void *arg)
{
	if (cpu == percpu->id) {
		fn(arg);
		return;
	}
	if (!cpus[cpu].scheduling)
		return; /* it never ran a thread: it holds nothing anyone could ask for */
	call.fn = fn;
	call.arg = arg;
	__atomic_store_n(&call.pending, 1u << cpu, __ATOMIC_RELEASE);
	lapic_send_ipi(cpus[cpu].apic_id, VEC_IPI_CALL);
	while (__atomic_load_n(&call.pending, __ATOMIC_ACQUIRE))
		asm volatile("pause");
}

void cpu_kick(unsigned cpu)
{
	if (cpu != percpu->id && cpus[cpu].scheduling)
		lapic_send_ipi(cpus[cpu].apic_id, VEC_IPI_KICK);
}

void bkl_report(void)
{
	uint32_t r = bkl_longest_reason, held = bkl_longest_hold;
	if (r >= BKL_REASON_EXIT)
		log_info("bkl: the longest hold so far: %u TSC counts, for %s", held,
			 r >= BKL_REASON_IDLE ? "an idle CPU looking for work" : "a VM exit");
	else
		log_info("bkl: the longest hold so far: %u TSC counts, for %s %u", held,
			 r >= BKL_REASON_KERNEL ? "an interrupt in the kernel, vector" :
			 r >= BKL_REASON_TRAP   ? "a trap from user mode, vector" : "syscall", r % 1000);
	kprintf("bench kernel_lock_longest_hold_instructions: %u\n", held);
}
