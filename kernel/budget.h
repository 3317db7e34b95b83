/*
 * CPU budgets: each task may have a budget per period (seL4's scheduling
 * contexts, one per task), charged for its threads' and vCPUs' time by
 * the TSC.  docs/partitions.md, "Time: CPU budgets", says the design.
 */
#ifndef KERNEL_BUDGET_H
#define KERNEL_BUDGET_H

#include <stdbool.h>
#include <stdint.h>

#include "object.h"
#include "percpu.h"

/* Tasks with a budget now: while 0 nothing is accounted and the IPC fast path checks nothing. */
extern unsigned budgets_active;
/* This CPU's next budget event (a budget used up, a period's end); UINT64_MAX for none. */
#define budget_due (percpu->budget_next)

/* True if t's time is paid by a task whose budget is used up for this period. */
static inline bool budget_throttled(const struct thread *t)
{
	return t->sched_task && t->sched_task->budget.throttled;
}

/*
 * True if the IPC fast path must leave a switch from s to r to the
 * general path: their time goes to two tasks and one has a budget, so the
 * switch must be accounted (schedule() does it) and r may be throttled.
 */
static inline bool budget_fastpath_declines(const struct thread *s, const struct thread *r)
{
	if (__builtin_expect(!budgets_active, 1))
		return false; /* one test while no task has a budget */
	const struct task *a = s->sched_task, *b = r->sched_task;
	return a != b && ((a && a->budget.amount) || (b && b->budget.amount));
}

/*
 * Gives task t `amount` TSC counts every `period` from now (amount 0: no
 * budget), a fresh period and nothing used.  The caller checked the
 * limits (SYS_TASK_SET_BUDGET).
 */
void budget_set(struct task *t, uint64_t amount, uint64_t period, bool background);
/* The scheduler chose to run a thread of task t (NULL: none, the CPU idles): charges the last. */
void budget_switch(struct task *t);
/* The timer reached budget_due (or a tick came): charges, throttles, replenishes. */
void budget_expire(uint64_t now);
/* Task t is being destroyed: it leaves every list and is charged no more. */
void budget_task_gone(struct task *t);

#endif
