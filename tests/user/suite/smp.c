/*
 * Threads on several CPUs (docs/smp.md): affinity (SYS_THREAD_SET_CPU),
 * threads that run at once, IPC between CPUs, and every operation on a
 * thread or a mapping that another CPU is using at that moment: reading
 * and writing its registers, suspending and deleting it, revoking what it
 * uses, unmapping what it reads (the TLB shootdown).
 *
 * With one CPU that runs threads, every case but the first skips.  A
 * thread learns its CPU from RDTSCP: the kernel gives each CPU's number
 * as TSC_AUX.  Built with -mgeneral-regs-only (fpu.c): only the asm
 * statements touch xmm0.
 */
#include "suite.h"


/* --- what helper threads do --- */

/* value[0]: its CPU; value[1] counts; never a syscall. */
static void spin_on_cpu(struct helper *h)
{
	h->state = 1;
	for (;;) {
		h->value[0] = own_cpu();
		h->value[1]++;
	}
}

/* value[1] counts; never a syscall (nor RDTSCP, which a CPU may lack). */
static void spin_counting(struct helper *h)
{
	h->state = 1;
	for (;;)
		h->value[1]++;
}

/* Reads the word at arg[0] for ever, counting in value[1]. */
static void read_forever(struct helper *h)
{
	volatile uint64_t *p = (volatile uint64_t *)h->arg[0];

	h->state = 1;
	for (;;) {
		h->value[0] = *p;
		h->value[1]++;
	}
}

/* Signals notification arg[0] for ever, counting successes in value[1]; status: the last. */
static void signal_forever(struct helper *h)
{
	h->state = 1;
	for (;;) {
		h->status = sys_signal(h->arg[0]);
		if (h->status != OK)
			break;
		h->value[1]++;
	}
	h->state = 2;
}

/* Asks for the hardware checks for ever: value[1] counts them, value[0] what they found broken. */
static void check_hardware_forever(struct helper *h)
{
	uint64_t broken;

	h->state = 1;
	for (;;) {
		uint64_t st = sys_debug_check_scope(SLOT_CONSOLE, DEBUG_CHECK_HARDWARE | DEBUG_CHECK_OTHER_CPUS,
						    &broken);
		h->value[0] += st == OK ? broken : 1;
		h->value[1]++;
	}
}

/* Receives once on endpoint arg[0] and reports the status. */
static void recv_and_report(struct helper *h)
{
	struct msg m = { 0 };
	uint64_t badge;

	h->state = 1;
	h->status = sys_recv(h->arg[0], &m, &badge);
	h->state = 2;
}

struct helper *helper_on(unsigned cpu, void (*fn)(struct helper *h), uint64_t fault_ep,
				uint64_t a0)
{
	struct helper *h = helper_prepare(fault_ep);

	if (!h || sys_thread_set_cpu(h->thread, cpu) != OK) {
		uprintf("# could not put a helper on cpu %u\n", cpu);
		return NULL;
	}
	return helper_go(h, fn, a0, 0);
}

int spin_change(volatile uint64_t *v, uint64_t old)
{
	uint64_t t0 = rdtsc();

	while (*v == old)
		if (rdtsc() - t0 > WAIT_TSC_LIMIT)
			return 0;
	return 1;
}

/* --- the cases --- */

static enum result set_cpu_checks_its_arguments(void)
{
	uint64_t t = obj_new(OBJ_THREAD), read_only;
	unsigned n = CPUS_RUNNING();

	CHECK_MADE(t);
	CHECK(n >= 1);
	/* it is an error to name a CPU that runs no threads (or none at all) */
	CHECK_ST(sys_thread_set_cpu(t, n), ERR_INVALID_ARG);
	CHECK_ST(sys_thread_set_cpu(t, 1000), ERR_INVALID_ARG);
	CHECK_ST(sys_thread_set_cpu(t, ~0ULL), ERR_INVALID_ARG);
	/* ... and to move a thread without the right to change it */
	CHECK_MADE(read_only = cap_dup(t, RIGHT_R, 0));
	CHECK_ST(sys_thread_set_cpu(read_only, 0), ERR_NO_RIGHTS);
	CHECK_ST(sys_thread_set_cpu(SLOT_SELF_TASK, 0), ERR_WRONG_TYPE);
	CHECK_OK(sys_thread_set_cpu(t, n - 1));
	CHECK_OK(sys_thread_set_cpu(t, 0));
	/* a vCPU goes to any CPU that runs threads (each has VMX or SVM on), and only there */
	uint64_t v = obj_new(OBJ_VCPU);
	if (v) {
		CHECK_ST(sys_thread_set_cpu(v, n), ERR_INVALID_ARG);
		CHECK_OK(sys_thread_set_cpu(v, n - 1));
		CHECK_OK(sys_thread_set_cpu(v, 0));
	}
	return PASS;
}

static enum result threads_run_on_the_cpu_they_are_given(void)
{
	unsigned n;

	NEED_TWO_CPUS();
	if (!have_rdtscp())
		SKIP("no RDTSCP to ask which CPU runs");
	n = CPUS_RUNNING();
	for (unsigned cpu = 0; cpu < n; cpu++) {
		struct helper *h;

		CHECK_MADE(h = helper_on(cpu, spin_on_cpu, SLOT_NONE, 0));
		CHECK(wait_change(&h->value[1], 0));
		CHECK(h->value[0] == cpu);
		CHECK_OK(sys_thread_suspend(h->thread));
	}
	/* the caller moves itself: it goes on, on the other CPU, when the syscall ends */
	for (unsigned cpu = n; cpu-- > 0;) {
		CHECK_OK(sys_thread_set_cpu(SLOT_SELF_THREAD, cpu));
		CHECK(own_cpu() == cpu);
	}
	return PASS;
}

/*
 * The helper has a lower priority than the suite, which spins without a
 * syscall: on one CPU the helper could not run at all meanwhile.
 */
static enum result two_cpus_run_threads_at_once(void)
{
	struct helper *h;

	NEED_TWO_CPUS();
	CHECK_MADE(h = helper_prepare(SLOT_NONE));
	CHECK_OK(sys_thread_set_priority(h->thread, own_priority - 1));
	CHECK_OK(sys_thread_set_cpu(h->thread, 1));
	CHECK_MADE(helper_go(h, spin_counting, 0, 0));
	uint64_t seen = h->value[1];
	CHECK(spin_change(&h->value[1], seen));
	seen = h->value[1];
	CHECK(spin_change(&h->value[1], seen));
	return PASS;
}

/* Calls to an echo server in another task on CPU 1 (snip_echo: mr0 + 1). */
static enum result calls_cross_cpus(void)
{
	uint64_t ep = obj_new(OBJ_ENDPOINT);
	struct child c;

	NEED_TWO_CPUS();
	CHECK_MADE(ep);
	CHECK_MADE(child_create(&c, snip_echo, snip_echo_end - snip_echo, SLOT_NONE));
	CHECK_OK(sys_cap_copy(ep, c.task, CHILD_EP_SLOT, RIGHT_R, 0));
	CHECK_OK(sys_thread_set_cpu(c.thread, 1));
	CHECK_OK(child_start(&c, CHILD_EP_SLOT));
	for (uint64_t i = 0; i < 200; i++) {
		struct msg m = msg(1, 1, i, 0, 0, 0);

		CHECK_OK(sys_call(ep, &m));
		CHECK(m.mr[0] == i + 1);
	}
	/* the server moves to this CPU between two calls, and back */
	for (uint64_t i = 0; i < 4; i++) {
		struct msg m = msg(1, 1, 7 * i, 0, 0, 0);

		CHECK_OK(sys_thread_set_cpu(c.thread, i % 2));
		CHECK_OK(sys_call(ep, &m));
		CHECK(m.mr[0] == 7 * i + 1);
	}
	return PASS;
}

/*
 * A thread on CPU 1 reads a page in a loop; the page is unmapped from
 * this CPU.  Its next read must fault: without the shootdown CPU 1's TLB
 * would go on translating the address.
 */
static enum result unmap_reaches_a_thread_on_another_cpu(void)
{
	uint64_t fault_ep = obj_new(OBJ_ENDPOINT), frame, badge, t0;
	volatile uint64_t *page;
	struct helper *h;
	struct msg m = { 0 };

	NEED_TWO_CPUS();
	CHECK_MADE(fault_ep);
	CHECK_MADE(page = frame_map_new(1, RIGHT_R | RIGHT_W, &frame));
	*page = 0x5ca1ab1e;
	CHECK_MADE(h = helper_on(1, read_forever, fault_ep, (uint64_t)page));
	CHECK(wait_change(&h->value[1], 0));
	CHECK(h->value[0] == 0x5ca1ab1e);
	CHECK_OK(sys_unmap(frame));
	for (t0 = rdtsc(); sys_nb_recv(fault_ep, &m, &badge) == ERR_WOULD_BLOCK;)
		if (rdtsc() - t0 > WAIT_TSC_LIMIT) {
			uprintf("# the thread on cpu 1 read the unmapped page %lu times\n", h->value[1]);
			return FAIL;
		}
	CHECK(MSG_LABEL(m.tag) == MSG_FAULT && m.mr[0] == 14 && m.mr[3] == (uint64_t)page);
	return PASS;
}

/*
 * A thread on CPU 1 asks for the hardware checks in a loop while this CPU
 * unmaps pages of the same task, so that CPU 1 forgets the task's tables
 * (the shootdown), often while it waits for the lock on its way into a
 * check.  That check then runs on the kernel's tables, which the next
 * entry into the task replaces: it is no broken CR3.  (The fuzzer found
 * the checker calling it one under QEMU with 4 CPUs, seed 0x1234.)
 */
static enum result hardware_checks_hold_through_shootdowns(void)
{
	uint64_t frame, checks;
	volatile uint64_t *page;
	struct helper *h;

	NEED_TWO_CPUS();
	CHECK_MADE(page = frame_map_new(1, RIGHT_R | RIGHT_W, &frame));
	CHECK_MADE(h = helper_on(1, check_hardware_forever, SLOT_NONE, 0));
	CHECK(wait_change(&h->value[1], 0));
	for (unsigned i = 0; i < 300; i++) {
		CHECK_OK(sys_unmap(frame));
		CHECK_OK(sys_map(frame, SLOT_SELF_TASK, (uint64_t)page, RIGHT_R | RIGHT_W));
	}
	checks = h->value[1];
	CHECK(wait_change(&h->value[1], checks));
	if (h->value[0])
		uprintf("# %lu of %lu hardware checks on cpu 1 found something broken\n", h->value[0],
			h->value[1]);
	CHECK(h->value[0] == 0);
	return PASS;
}

/*
 * A capability deleted here while a thread on CPU 1 uses it in a loop:
 * its next use finds the slot empty; a thread blocked on CPU 1 on an
 * endpoint deleted here wakes with ERR_DELETED.
 */
static enum result delete_reaches_a_thread_on_another_cpu(void)
{
	uint64_t n = obj_new(OBJ_NOTIFICATION), ep = obj_new(OBJ_ENDPOINT), bits;
	struct helper *h, *r;

	NEED_TWO_CPUS();
	CHECK_MADE(n && ep);
	CHECK_MADE(h = helper_on(1, signal_forever, SLOT_NONE, n));
	CHECK_MADE(r = helper_on(1, recv_and_report, SLOT_NONE, ep));
	CHECK(wait_change(&h->value[1], 0));
	CHECK(helper_wait(r, 1));
	CHECK_OK(sys_poll(n, &bits));
	CHECK_OK(sys_cap_delete(n));
	CHECK_OK(sys_cap_delete(ep));
	CHECK(helper_wait(h, 2));
	CHECK_ST(h->status, ERR_EMPTY_SLOT);
	CHECK(helper_wait(r, 2));
	CHECK_ST(r->status, ERR_DELETED);
	CHECK(invariants_hold());
	return PASS;
}

/*
 * A thread spinning on CPU 1 (it was moved there while it ran here):
 * its registers read from here are the ones it has there, it stops when
 * suspended, and its new registers take effect there.
 */
static enum result registers_of_a_thread_on_another_cpu(void)
{
	struct user_regs *r = (struct user_regs *)utcb()->mr;
	uint64_t loop = (uint64_t)probe_regs_spin_loop;
	struct helper *h;

	NEED_TWO_CPUS();
	probe_landing_value = 0;
	CHECK_MADE(h = helper_start_at((uint64_t)probe_regs_spin, 0, SLOT_NONE));
	CHECK_OK(sys_thread_set_cpu(h->thread, 1));
	/* until it has reached its loop there (its registers are its start's before) */
	for (uint64_t t0 = rdtsc(); !(r->rip >= loop && r->rip < loop + 4);) {
		CHECK_OK(sys_thread_read_regs(h->thread));
		CHECK(rdtsc() - t0 < WAIT_TSC_LIMIT);
	}
	CHECK(r->rbx == PROBE_RBX && r->r12 == PROBE_R12 && r->r15 == PROBE_R15);
	CHECK_OK(sys_thread_suspend(h->thread));
	r->rip = (uint64_t)probe_regs_landing;
	r->rdi = 0xc0ffee;
	CHECK_OK(sys_thread_write_regs(h->thread));
	CHECK_OK(sys_thread_resume(h->thread));
	CHECK(spin_change(&probe_landing_value, 0));
	CHECK(probe_landing_value == 0xc0ffee);
	return PASS;
}

/* A thread deleted while it runs on CPU 1: it stops, and CPU 1 goes on with others. */
static enum result deleting_a_thread_on_another_cpu(void)
{
	struct helper *h, *next;

	NEED_TWO_CPUS();
	CHECK_MADE(h = helper_on(1, spin_counting, SLOT_NONE, 0));
	CHECK(wait_change(&h->value[1], 0));
	CHECK_OK(sys_cap_delete(h->thread));
	uint64_t v = h->value[1];
	yield_n(20);
	CHECK(h->value[1] == v);
	CHECK(invariants_hold());
	CHECK_MADE(next = helper_on(1, spin_counting, SLOT_NONE, 0));
	CHECK(wait_change(&next->value[1], 0));
	return PASS;
}

/* The suite's own xmm0 goes with it to each CPU and back. */
static enum result fpu_state_moves_with_its_thread(void)
{
	const uint64_t secret = 0x51b1e55e1f5a11edULL;
	unsigned n;

	NEED_TWO_CPUS();
	n = CPUS_RUNNING();
	asm volatile("movq %0, %%xmm0" : : "r"(secret));
	for (unsigned i = 1; i <= n; i++) {
		uint64_t v;

		CHECK_OK(sys_thread_set_cpu(SLOT_SELF_THREAD, i % n));
		asm volatile("movq %%xmm0, %0" : "=r"(v));
		CHECK(v == secret);
	}
	return PASS;
}

#define TICK_CPUS 16

/*
 * Every CPU that runs threads takes its timer's ticks, every 10 ms, busy
 * or idle: over 100 ms, at least 5 each (SYS_DEBUG_CPU_COUNTS).  A CPU that
 * takes none runs no kernel code with interrupts on: the kernel stuck
 * there, or an emulator that no longer runs it (the fuzzer says which CPUs
 * took none when its workers stall).
 */
static enum result every_cpu_takes_its_ticks(void)
{
	struct cpu_counts before[TICK_CPUS], after;
	unsigned n = CPUS_RUNNING();

	if (!tsc_hz())
		SKIP("no TSC rate in the start information");
	CHECK(n >= 1 && n <= TICK_CPUS);
	CHECK_ST(sys_debug_cpu_counts(SLOT_CONSOLE, ~0ULL, &after), ERR_INVALID_ARG);
	CHECK(after.ticks == 0);
	for (unsigned cpu = 0; cpu < n; cpu++)
		CHECK_OK(sys_debug_cpu_counts(SLOT_CONSOLE, cpu, &before[cpu]));
	CHECK(sleep_until(rdtsc() + tsc_hz() / 10));
	for (unsigned cpu = 0; cpu < n; cpu++) {
		CHECK_OK(sys_debug_cpu_counts(SLOT_CONSOLE, cpu, &after));
		if (after.ticks - before[cpu].ticks < 5) {
			uprintf("# cpu %u took %lu ticks in 100 ms\n", cpu,
				after.ticks - before[cpu].ticks);
			return FAIL;
		}
	}
	return PASS;
}

static const struct test_case cases[] = {
	{ "set_cpu_checks_its_arguments", set_cpu_checks_its_arguments },
	{ "every_cpu_takes_its_ticks", every_cpu_takes_its_ticks },
	{ "threads_run_on_the_cpu_they_are_given", threads_run_on_the_cpu_they_are_given },
	{ "two_cpus_run_threads_at_once", two_cpus_run_threads_at_once },
	{ "calls_cross_cpus", calls_cross_cpus },
	{ "unmap_reaches_a_thread_on_another_cpu", unmap_reaches_a_thread_on_another_cpu },
	{ "hardware_checks_hold_through_shootdowns", hardware_checks_hold_through_shootdowns },
	{ "delete_reaches_a_thread_on_another_cpu", delete_reaches_a_thread_on_another_cpu },
	{ "registers_of_a_thread_on_another_cpu", registers_of_a_thread_on_another_cpu },
	{ "deleting_a_thread_on_another_cpu", deleting_a_thread_on_another_cpu },
	{ "fpu_state_moves_with_its_thread", fpu_state_moves_with_its_thread },
};

const struct test_group smp_group = GROUP(cases);
