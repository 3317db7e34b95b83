/*
 * Invariant checks, run on request (SYS_DEBUG_CHECK) after stress tests:
 *   - every capability sits where the derivation tree says (parent and child links agree);
 *   - every mapped frame capability is on its task's mapping list;
 *   - each object's reference count equals the capabilities naming it;
 *   - every live task and thread (a vCPU too) is named by a capability;
 *   - thread states agree with the queues they are (or are not) on;
 *   - each IRQ line's hold and mask agree with its binding (irq.c);
 *   - the timeout list holds exactly the threads in a timed wait, in
 *     deadline order, and the LAPIC timer fires by its first deadline;
 *   - CPU budgets: a throttled task's runnable threads are on no run
 *     queue (only on the background queue, if it may run there), an
 *     unthrottled one has used less than its budget, and the timer fires
 *     by every throttled task's replenishment;
 *   - and the hardware state the kernel relies on (kcheck_hw.c).
 */
#include "budget.h"
#include "cap.h"
#include "frame.h"
#include "irq.h"
#include "kcheck.h"
#include "lapic.h"
#include "log.h"
#include "memory.h"
#include "task.h"
#include "smp.h"
#include "thread.h"
#include "timeout.h"

static unsigned broken;

static void fail(const char *what, const void *where)
{
	broken++;
	(void)where; /* no kernel addresses in log lines (docs/security.md) */
	log_error("kcheck: %s", what);
}

static bool is_child_of(const struct cap *c, const struct cap *parent)
{
	for (const struct cap *s = parent->first_child; s; s = s->next_sibling)
		if (s == c)
			return true;
	return false;
}

static bool is_mapped_in(const struct cap *f, const struct task *t)
{
	for (const struct cap *m = t->mappings; m; m = m->map_next)
		if (m == f)
			return true;
	return false;
}

static void check_cap(const struct cap *c)
{
	if (c->type == OBJ_NONE)
		return;
	if (c->type >= OBJ_TYPE_COUNT)
		fail("capability of unknown type", c);
	if (c->parent && !is_child_of(c, c->parent))
		fail("capability missing from its parent's children", c);
	for (const struct cap *ch = c->first_child; ch; ch = ch->next_sibling)
		if (ch->parent != c)
			fail("child capability names another parent", ch);
	if (c->type == OBJ_FRAME && c->mapped_in && !(c->flags & CAPF_GUEST) &&
	    !is_mapped_in(c, c->mapped_task))
		fail("mapped frame missing from its task's mapping list", c);
	if (c->type == OBJ_FRAME &&
	    (c->base | (uint64_t)c->pages * PAGE_SIZE) % pt_level_bytes(frame_level(c)))
		fail("frame not whole pages of its page size", c);
}

/* Calls fn on every capability: every task's space and every thread's own copies. */
static void for_each_cap(void (*fn)(const struct cap *c))
{
	for (struct task *t = all_tasks; t; t = t->all_next)
		for (unsigned i = 0; i < CSPACE_SLOTS; i++)
			fn(&t->cspace[i]);
	for (struct thread *th = all_threads; th; th = th->all_next) {
		fn(&th->utcb);
		fn(&th->fault_ep);
		if (!th->vcpu)
			continue;
		fn(&th->vcpu->space);
		fn(&th->vcpu->defaults);
		for (unsigned i = 0; i < VCPU_BINDINGS; i++)
			fn(&th->vcpu->bound_ep[i]);
	}
}

static void zero_count(const struct cap *c)
{
	struct obj_header *h = cap_object_header(c);
	if (h)
		h->counted = 0;
}

static void add_count(const struct cap *c)
{
	struct obj_header *h = cap_object_header(c);
	if (h)
		h->counted++;
}

static void compare_count(const struct cap *c)
{
	struct obj_header *h = cap_object_header(c);
	if (h && h->counted != h->refs)
		fail("reference count differs from the capabilities naming the object", h);
}

static void check_thread(const struct thread *t)
{
	switch (t->state) {
	case THREAD_RUNNABLE:
		if (thread_running(t))
			break;
		if (!budget_throttled(t) && !t->q_next)
			fail("runnable thread on no run queue", t);
		if (budget_throttled(t) && sched_background_queued(t) != t->sched_task->budget.background)
			fail("throttled thread queued though it may not run in the background", t);
		break;
	case THREAD_SEND:
	case THREAD_RECV:
	case THREAD_WAIT:
		if (!t->blocked_on)
			fail("blocked thread blocked on nothing", t);
		break;
	case THREAD_REPLY:
		if (t->callee && t->callee->caller != t)
			fail("caller not held by its callee", t);
		break;
	case THREAD_INACTIVE:
		break;
	}
	if (t->caller && t->caller->state != THREAD_REPLY)
		fail("reply right held for a thread not waiting for a reply", t);
	if (thread_running(t) && t->state != THREAD_RUNNABLE && t != current)
		fail("a thread running on another CPU is not runnable", t);
	if (t == current && t->state != THREAD_RUNNABLE)
		fail("the running thread is not runnable", t);
	if (t->cpu >= n_cpus || !cpus[t->cpu].scheduling)
		fail("thread's CPU runs no threads", t);
	if (t->timed && t->state != THREAD_WAIT && !t->vcpu) /* (a vCPU: its exit deadline) */
		fail("thread on the timeout list is not waiting", t);
}

/*
 * True if some CPU that runs threads has its timer due by `by` (and, for
 * a budget event, its next budget event too: the timer handler expires
 * budgets only then).
 */
static bool some_timer_by(uint64_t by, bool budget_event)
{
	for (unsigned c = 0; c < n_cpus; c++)
		if (cpus[c].scheduling && cpus[c].timer_due <= by &&
		    (!budget_event || cpus[c].budget_next <= by))
			return true;
	return false;
}

/*
 * The timeout list: its links agree, its deadlines never go down, its
 * length is the number of live threads marked timed (so it names no
 * thread that is gone), and the timer is set to fire by the first one.
 */
static void check_timeouts(void)
{
	uint64_t timed = 0, listed = 0;
	for (const struct thread *t = all_threads; t; t = t->all_next)
		timed += t->timed;
	const struct thread *prev = 0;
	for (const struct thread *t = timeouts.head; t && listed <= timed; t = t->tq_next) {
		listed++;
		if (!t->timed || t->tq_prev != prev)
			fail("timeout list links disagree", t);
		if (prev && prev->deadline > t->deadline)
			fail("timeout list out of deadline order", t);
		prev = t;
	}
	if (listed != timed)
		fail("timeout list length differs from the threads in a timed wait", 0);
	if (timeout_first(&timeouts) != (timeouts.head ? timeouts.head->deadline : UINT64_MAX))
		fail("timeout list's first deadline is not its head's", 0);
	if (timeouts.head && !some_timer_by(timeouts.head->deadline, false))
		fail("no CPU's timer is set to fire by the first deadline", 0);
}

/*
 * Budgets: within their limits, the count of budgeted tasks right (the
 * fast path trusts it), a task that may run has budget left (or is
 * charged now: then the timer fires by its end), and the timer fires by
 * every throttled task's next period.  (A throttled task's threads:
 * check_thread.)
 */
static void check_budgets(void)
{
	unsigned budgeted = 0;
	for (const struct task *t = all_tasks; t; t = t->all_next) {
		const struct budget *b = &t->budget;
		if (!b->amount) {
			if (b->throttled)
				fail("task without a budget throttled", t);
			continue;
		}
		budgeted++;
		if (b->amount > b->period)
			fail("budget above its period", t);
		if (!b->throttled && b->used >= b->amount)
			fail("task with its budget used up not throttled", t);
		if (b->throttled && !some_timer_by(b->period_end, true))
			fail("no CPU's timer is set to fire by a throttled task's period end", t);
	}
	if (budgeted != budgets_active)
		fail("count of budgeted tasks wrong", 0);
}

/*
 * Every live task and thread is named by a capability.  The last one's
 * deletion destroys the object (a task at the end of that syscall, while
 * it is dying), and a revoke of the untyped it came from hands its memory
 * out again: one still listed after that (a vCPU of a deleted VMM, say)
 * would be a thread running on memory another task now owns.  Runs after
 * the counts: an object no capability names was zeroed and never counted.
 */
static void check_named(void)
{
	for (const struct task *t = all_tasks; t; t = t->all_next)
		if (!t->dying && !t->hdr.counted)
			fail("task named by no capability", t);
	for (const struct thread *t = all_threads; t; t = t->all_next)
		if (!t->hdr.counted)
			fail("thread named by no capability", t);
}

static void check_irq_lines(void)
{
	for (unsigned i = 0; i < IRQ_LINES; i++) {
		const char *why = irq_line_broken(i);
		if (why)
			fail(why, 0);
	}
}

/* Capabilities, reference counts, thread states and the objects they name. */
static void check_objects(void)
{
	for (struct task *t = all_tasks; t; t = t->all_next)
		t->hdr.counted = 0;
	for (struct thread *t = all_threads; t; t = t->all_next)
		t->hdr.counted = 0;
	for_each_cap(check_cap);
	for_each_cap(zero_count);
	for_each_cap(add_count);
	for_each_cap(compare_count);
	check_named();
	for (struct thread *t = all_threads; t; t = t->all_next)
		check_thread(t);
	check_timeouts();
	check_budgets();
	check_irq_lines();
}

/* The object invariants above, then the hardware ones (kcheck.h says which run). */
unsigned kcheck_invariants(unsigned scope)
{
	broken = 0;
	if (!scope)
		scope = DEBUG_CHECK_OBJECTS | DEBUG_CHECK_HARDWARE | DEBUG_CHECK_OTHER_CPUS;
	if (scope & DEBUG_CHECK_OBJECTS)
		check_objects();
	if (scope & DEBUG_CHECK_HARDWARE)
		kcheck_hardware(&broken, scope & DEBUG_CHECK_OTHER_CPUS);
	log_debug("kcheck: %u invariants broken", broken);
	return broken;
}
