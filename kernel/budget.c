/*
 * CPU budgets (seL4-like: a budget and a period per task).
 *
 * The task being charged is the one whose thread the scheduler last chose
 * (`charged`, since `charged_since`), on each CPU: a task whose threads
 * run on several CPUs at once pays for each.  It is charged whenever the
 * scheduler chooses a thread of another task, and at every budget event:
 * the timer is set (budget_due) for the moment its budget runs out or its
 * period ends, whichever comes first, so a task is stopped at its budget's
 * end to within the timer's granularity, not at the next tick.  A task
 * whose budget is used up is throttled: thread.c keeps its runnable
 * threads off the run queues (or on the background queue) until the
 * period ends, when the timer fires again for it.  The IPC fast path
 * leaves every switch between two tasks, one of them budgeted, to the
 * general path (budget_fastpath_declines), which ends in schedule().
 *
 * Time spent while throttled in the background is not charged: it is the
 * idle CPU's time, given away.  Costs: a throttle or a replenishment walks
 * the task's threads and vCPUs (which the task paid for); every budget
 * event walks the throttled tasks (each one a task the root gave a
 * budget).
 */
#include "bkl.h"
#include "budget.h"
#include "smp.h"
#include "lapic.h"
#include "thread.h"
#include "x86.h"

unsigned budgets_active;
/* This CPU's (struct cpu): the task it charges, since when. */
#define charged       (percpu->charged_task)
#define charged_since (percpu->charged_from)
static struct task *throttled_tasks;

/* Starts the period that contains now, if b's has ended: nothing of it used yet. */
static void budget_roll(struct budget *b, uint64_t now)
{
	if (now < b->period_end)
		return;
	b->period_end += ((now - b->period_end) / b->period + 1) * b->period;
	b->used = 0;
}

static void throttle(struct task *t)
{
	sched_set_throttled(t, true);
	t->budget.throttled_next = throttled_tasks;
	throttled_tasks = t;
	for (unsigned c = 0; c < n_cpus; c++)
		if (cpus[c].charged_task == t)
			cpu_kick(c); /* its thread there must stop now, not at that CPU's next event */
}

static void unthrottle(struct task *t)
{
	struct task **pp = &throttled_tasks;
	while (*pp != t)
		pp = &(*pp)->budget.throttled_next;
	*pp = t->budget.throttled_next;
	t->budget.throttled_next = 0;
	sched_set_throttled(t, false);
}

/* Charges `charged` up to now: the part in a period now ended went with that period. */
static void charge(uint64_t now)
{
	struct task *t = charged;
	uint64_t since = charged_since;
	charged_since = now;
	if (!t || !t->budget.amount || t->budget.throttled)
		return;
	struct budget *b = &t->budget;
	if (now >= b->period_end) {
		budget_roll(b, now);
		if (since < b->period_end - b->period)
			since = b->period_end - b->period;
	}
	b->used += now - since;
	if (b->used >= b->amount)
		throttle(t);
}

/* Sets budget_due for the charged task's budget end and every throttled task's period end. */
static void rearm(void)
{
	uint64_t due = UINT64_MAX;
	const struct task *t = charged;
	if (t && t->budget.amount && !t->budget.throttled) {
		due = charged_since + (t->budget.amount - t->budget.used);
		if (t->budget.period_end < due)
			due = t->budget.period_end;
	}
	for (t = throttled_tasks; t; t = t->budget.throttled_next)
		if (t->budget.period_end < due)
			due = t->budget.period_end;
	budget_due = due;
	timer_arm(due);
}

void budget_switch(struct task *t)
{
	if (t == charged)
		return; /* the same task goes on: its budget's end is armed already */
	bool either = (charged && charged->budget.amount) || (t && t->budget.amount);
	if (!either) {
		charged = t;
		return;
	}
	uint64_t now = rdtsc();
	charge(now);
	charged = t;
	if (t && t->budget.amount && !t->budget.throttled)
		budget_roll(&t->budget, now);
	rearm();
}

void budget_expire(uint64_t now)
{
	charge(now);
	for (struct task *t = throttled_tasks, *next; t; t = next) {
		next = t->budget.throttled_next;
		if (now < t->budget.period_end)
			continue;
		budget_roll(&t->budget, now);
		unthrottle(t);
	}
	rearm();
}

void budget_set(struct task *t, uint64_t amount, uint64_t period, bool background)
{
	uint64_t now = rdtsc();
	if (t == charged)
		charge(now); /* what it used so far went with its old budget */
	if (t->budget.throttled)
		unthrottle(t);
	budgets_active += (amount != 0) - (t->budget.amount != 0);
	t->budget = (struct budget){ .amount = amount, .period = period, .period_end = now + period,
				     .background = background };
	if (t == charged)
		charged_since = now;
	rearm();
}

void budget_task_gone(struct task *t)
{
	if (t->budget.throttled)
		unthrottle(t);
	if (t->budget.amount)
		budgets_active--;
	t->budget.amount = 0;
	for (unsigned c = 0; c < n_cpus; c++)
		if (cpus[c].charged_task == t)
			cpus[c].charged_task = 0; /* (its threads were taken off every CPU first: task.c) */
}
