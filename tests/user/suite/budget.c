/*
 * CPU budgets (SYS_TASK_SET_BUDGET, docs/partitions.md "Time: CPU budgets"):
 * who may set one, the limits the kernel holds a budget to, and what a
 * budget does to a task that spins: it runs only its budget in each
 * period, a lower priority gets the rest, and it takes the idle CPU's time
 * only with BUDGET_BACKGROUND.
 *
 * The spinner is a thread of a second task (snip_spin) that counts in a
 * page the suite maps too; the suite sleeps (a timed wait, at its own
 * higher priority) while the spinner and others share the CPU, then reads
 * the counts.
 */
#include "suite.h"

/* Where the spinner's counter page is in its task (the page after its code). */
#define SPIN_COUNTER_VADDR (CHILD_CODE_VADDR + PAGE_BYTES)
/* How long the suite lets the others run in each measurement. */
#define MEASURE_MS 100

struct spinner {
	struct child c;
	volatile uint64_t *count; /* the suite's view of its counter */
};

/* A spinner task at priority prio, not started; 0 on failure. */
static int spinner_make(struct spinner *s, uint64_t prio)
{
	uint64_t frame, copy;
	void *va = frame_map_new(1, RIGHT_R | RIGHT_W, &frame);

	if (!va || !child_create(&s->c, snip_spin, (uint64_t)(snip_spin_end - snip_spin), SLOT_NONE))
		return 0;
	s->count = va;
	copy = cap_dup(frame, RIGHT_R | RIGHT_W, 0);
	return copy && sys_map(copy, s->c.task, SPIN_COUNTER_VADDR, RIGHT_R | RIGHT_W) == OK &&
	       sys_thread_set_priority(s->c.thread, prio) == OK;
}

static uint64_t spinner_start(struct spinner *s)
{
	return child_start(&s->c, SPIN_COUNTER_VADDR);
}

/* Sleeps MEASURE_MS; the threads below the suite's priority run meanwhile. */
static int measure(void)
{
	return sleep_until(rdtsc() + tsc_hz() / 1000 * MEASURE_MS);
}

static int have_sched_control(void)
{
	const struct startinfo *info = startinfo();
	return info && info->has_sched_control;
}

/* It is an error to set a budget without the sched control capability. */
static enum result budget_needs_sched_control(void)
{
	uint64_t empty = slot_alloc();
	uint64_t task = task_new(4);

	CHECK_MADE(task);
	CHECK_ST(sys_task_set_budget(empty, task, 1000, 10000, 0), ERR_EMPTY_SLOT);
	CHECK_ST(sys_task_set_budget(SLOT_CONSOLE, task, 1000, 10000, 0), ERR_WRONG_TYPE);
	CHECK_ST(sys_task_set_budget(CSPACE_SLOTS, task, 1000, 10000, 0), ERR_INVALID_SLOT);
	if (!have_sched_control())
		SKIP("the config gives the suite no sched_control");
	uint64_t read_only = cap_dup(SLOT_SCHED_CONTROL, RIGHT_R, 0);
	CHECK_MADE(read_only);
	CHECK_ST(sys_task_set_budget(read_only, task, 1000, 10000, 0), ERR_NO_RIGHTS);
	return PASS;
}

/* It is an error to give a budget outside the limits docs/syscalls.md states. */
static enum result budget_limits_are_checked(void)
{
	uint64_t task = task_new(4), thread = obj_new(OBJ_THREAD), c = SLOT_SCHED_CONTROL;

	if (!have_sched_control())
		SKIP("the config gives the suite no sched_control");
	CHECK_MADE(task);
	CHECK_MADE(thread);
	CHECK_ST(sys_task_set_budget(c, thread, 1000, 10000, 0), ERR_WRONG_TYPE);
	CHECK_ST(sys_task_set_budget(c, task, 20000, 10000, 0), ERR_INVALID_ARG); /* > period */
	CHECK_ST(sys_task_set_budget(c, task, 0, 10000, 0), ERR_INVALID_ARG);     /* zero */
	CHECK_ST(sys_task_set_budget(c, task, 1000, 0, 0), ERR_INVALID_ARG);      /* no period */
	CHECK_ST(sys_task_set_budget(c, task, BUDGET_MIN_US - 1, 10000, 0), ERR_INVALID_ARG);
	CHECK_ST(sys_task_set_budget(c, task, 1000, BUDGET_MAX_PERIOD_US + 1, 0), ERR_INVALID_ARG);
	CHECK_ST(sys_task_set_budget(c, task, 1000, 10000, 2), ERR_INVALID_ARG);  /* unknown flag */
	CHECK_OK(sys_task_set_budget(c, task, BUDGET_MIN_US, BUDGET_MAX_PERIOD_US, 0));
	CHECK_OK(sys_task_set_budget(c, task, 10000, 10000, BUDGET_BACKGROUND)); /* all of it */
	CHECK_OK(sys_task_set_budget(c, task, 0, 0, 0)); /* none: unlimited again */
	CHECK(invariants_hold());
	return PASS;
}

/*
 * A spinner of a higher priority than another, with 2 ms in every 10 ms:
 * the lower one runs the other 8 ms, so it counts about four times as
 * much.  Without the budget the spinner takes every cycle below
 * the suite's priority and the counter counts nothing.
 */
static enum result exhausted_budget_does_not_starve_lower_priority(void)
{
	struct spinner high, low;

	if (!have_sched_control())
		SKIP("the config gives the suite no sched_control");
	CHECK(own_priority >= 2);
	CHECK_MADE(spinner_make(&high, own_priority - 1));
	CHECK_MADE(spinner_make(&low, own_priority - 2)); /* the same loop: counts compare */
	CHECK_OK(sys_task_set_budget(SLOT_SCHED_CONTROL, high.c.task, 2000, 10000, 0));
	CHECK_OK(spinner_start(&low));
	CHECK_OK(spinner_start(&high));
	CHECK(measure());
	uint64_t spun = *high.count, counted = *low.count;
	CHECK_OK(sys_thread_suspend(high.c.thread));
	CHECK_OK(sys_thread_suspend(low.c.thread));
	uprintf("# spinner (2ms/10ms) counted %lu, the lower priority %lu\n", spun, counted);
	CHECK(spun > 0);
	CHECK(counted > 2 * spun);
	CHECK(invariants_hold());
	return PASS;
}

/* The spinner's count over MEASURE_MS with 2 ms in every 10 ms and `flags`, alone below the suite. */
static int spin_alone(uint64_t flags, uint64_t *count)
{
	struct spinner s;

	if (!spinner_make(&s, own_priority - 1) ||
	    sys_task_set_budget(SLOT_SCHED_CONTROL, s.c.task, 2000, 10000, flags) != OK ||
	    spinner_start(&s) != OK || !measure())
		return 0;
	*count = *s.count;
	return sys_thread_suspend(s.c.thread) == OK;
}

/*
 * With nothing else to run, a spinner whose budget is used up waits for
 * its next period (the CPU idles) unless it may run in the background:
 * then it takes the idle time too, about five times as much in all.
 */
static enum result used_budget_runs_in_background_only_if_allowed(void)
{
	uint64_t held, background;

	if (!have_sched_control())
		SKIP("the config gives the suite no sched_control");
	CHECK(own_priority >= 1);
	CHECK(spin_alone(0, &held));
	CHECK(spin_alone(BUDGET_BACKGROUND, &background));
	uprintf("# spinner alone (2ms/10ms) counted %lu, with background %lu\n", held, background);
	CHECK(held > 0);
	CHECK(background > 3 * held);
	CHECK(invariants_hold());
	return PASS;
}

static const struct test_case cases[] = {
	{ "budget_needs_sched_control", budget_needs_sched_control },
	{ "budget_limits_are_checked", budget_limits_are_checked },
	{ "exhausted_budget_does_not_starve_lower_priority",
	  exhausted_budget_does_not_starve_lower_priority },
	{ "used_budget_runs_in_background_only_if_allowed",
	  used_budget_runs_in_background_only_if_allowed },
};

const struct test_group budget_group = GROUP(cases);
