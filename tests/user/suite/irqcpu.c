/*
 * Interrupts and notifications across CPUs (docs/smp.md, "Device
 * interrupts to a chosen CPU"): SYS_IRQ_SET_CPU sends a line to a CPU,
 * whose handler then wakes a driver waiting there without an IPI, and a
 * line moved while it fires loses no interrupt; a notification signalled
 * on one CPU wakes, or is polled by, a thread on another, and signals
 * that meet no waiter gather in one word.
 *
 * Where interrupts and kicks (the IPIs of a wake-up for another CPU) came,
 * the kernel counts per CPU (SYS_DEBUG_CPU_COUNTS).  IRQ 0 is the PIT's
 * (channel 0).  With one CPU every case but the first skips.
 */
#include "suite.h"

#define IRQ0        SLOT_IRQ_FIRST
#define DRIVER_IRQS 5
#define MOVE_ROUNDS 30
#define PING_ROUNDS 50
#define PING_BIT    0x10
#define PONG_BIT    0x20
#define BADGES      16 /* distinct badges, one bit each */

/* What CPUs 0 and 1 have taken since boot. */
struct counts {
	uint64_t irqs[2], kicks[2];
};

static int counts_read(struct counts *c)
{
	for (unsigned cpu = 0; cpu < 2; cpu++) {
		struct cpu_counts n;
		if (sys_debug_cpu_counts(SLOT_CONSOLE, cpu, &n) != OK)
			return 0;
		c->irqs[cpu] = n.irqs;
		c->kicks[cpu] = n.kicks;
	}
	return 1;
}

static void counts_print(const struct counts *b, const struct counts *a)
{
	uprintf("# device interrupts: cpu 0 +%lu, cpu 1 +%lu; kicks: cpu 0 +%lu, cpu 1 +%lu\n",
		a->irqs[0] - b->irqs[0], a->irqs[1] - b->irqs[1], a->kicks[0] - b->kicks[0],
		a->kicks[1] - b->kicks[1]);
}

/* --- what helper threads do --- */

/*
 * A driver of IRQ 0: arg[1] times, waits on notification arg[0] and
 * acknowledges.  value[0]: the set of CPUs it woke on (bit n: CPU n; with
 * RDTSCP, arg[2]); value[1]: interrupts served; status: the first failure.
 */
static void irq_driver(struct helper *h)
{
	uint64_t bits = 0;

	h->state = 1;
	while (h->value[1] < h->arg[1]) {
		h->status = sys_wait(h->arg[0], &bits);
		if (h->status == OK && h->arg[2])
			h->value[0] |= 1ULL << own_cpu();
		if (h->status == OK)
			h->status = sys_irq_ack(IRQ0);
		if (h->status != OK)
			return;
		h->value[1]++;
	}
}

/*
 * arg[2] times: waits on notification arg[0] for PING_BIT and signals
 * arg[1].  value[0]: the CPUs it woke on (with RDTSCP, arg[3]); value[1]:
 * rounds; value[2]: a word that was not PING_BIT alone.
 */
static void ping_back(struct helper *h)
{
	uint64_t bits = 0;

	h->state = 1;
	for (uint64_t i = 0; i < h->arg[2]; i++) {
		h->status = sys_wait(h->arg[0], &bits);
		if (h->status == OK && bits != PING_BIT) {
			h->value[2] = bits;
			return;
		}
		if (h->status == OK && h->arg[3])
			h->value[0] |= 1ULL << own_cpu();
		if (h->status == OK)
			h->status = sys_signal(h->arg[1]);
		if (h->status != OK)
			return;
		h->value[1]++;
	}
}

/* value[1] counts; never a syscall. */
static void spin(struct helper *h)
{
	h->state = 1;
	for (;;)
		h->value[1]++;
}

/* Signals each of the arg[1] notification capabilities at arg[0] (an array of slots) once. */
static void signal_each(struct helper *h)
{
	const uint64_t *slots = (const uint64_t *)h->arg[0];

	h->state = 1;
	for (uint64_t i = 0; i < h->arg[1]; i++) {
		h->status = sys_signal(slots[i]);
		if (h->status != OK)
			return;
	}
	h->state = 2;
}

/*
 * Waits on notification arg[0] until the words it got cover arg[1].
 * value[0]: their union; value[1]: wake-ups; value[2]: a bit it got twice.
 */
static void gather(struct helper *h)
{
	uint64_t bits = 0;

	h->state = 1;
	while (h->value[0] != h->arg[1]) {
		h->status = sys_wait(h->arg[0], &bits);
		if (h->status != OK)
			return;
		h->value[2] |= h->value[0] & bits;
		h->value[0] |= bits;
		h->value[1]++;
	}
}

/* A helper on CPU `cpu` at `priority`, with arg[2] and arg[3] set before it starts. */
static struct helper *helper_on_with(unsigned cpu, uint64_t priority,
				     void (*fn)(struct helper *h), uint64_t a0, uint64_t a1,
				     uint64_t a2, uint64_t a3)
{
	struct helper *h = helper_prepare(SLOT_NONE);

	if (!h || sys_thread_set_priority(h->thread, priority) != OK ||
	    sys_thread_set_cpu(h->thread, cpu) != OK) {
		uprintf("# could not put a helper on cpu %u\n", cpu);
		return NULL;
	}
	h->arg[2] = a2;
	h->arg[3] = a3;
	return helper_go(h, fn, a0, a1);
}

/*
 * IRQ 0 sent to CPU `cpu` and bound to a new notification (badge 1), the
 * PIT stopped and any interrupt from before taken; the notification, or 0
 * (reported).  *skip is set where the 8259s serve and cpu is not 0.
 */
static uint64_t pit_line_on(unsigned cpu, int *skip)
{
	uint64_t ntfn = obj_new(OBJ_NOTIFICATION), for_irq, bits, st;

	*skip = 0;
	if (!ntfn || !(for_irq = cap_dup(ntfn, RIGHTS_ALL, 1)))
		return 0;
	pit_stop();
	st = sys_irq_set_cpu(IRQ0, cpu);
	if (st == ERR_UNSUPPORTED) {
		*skip = 1;
		return 0;
	}
	if (st == OK)
		st = sys_irq_bind(IRQ0, for_irq);
	if (st != OK) {
		uprintf("# IRQ 0 to cpu %u, bound: %s\n", cpu, status_name(st));
		return 0;
	}
	yield_n(3); /* an interrupt from before (the firmware's PIT setup) may be pending */
	if (sys_poll(ntfn, &bits) == OK)
		sys_irq_ack(IRQ0);
	return ntfn;
}

#define NEED_THE_PIT()                                                     \
	do {                                                               \
		if (!holds_irq(0) || !holds_ports(PIT_CH0, PIT_CMD))       \
			SKIP("the suite holds no IRQ 0 or PIT ports");     \
	} while (0)

/* --- the cases --- */

static enum result irq_set_cpu_checks_its_arguments(void)
{
	uint64_t irq = holds_irq(4) ? SLOT_IRQ_FIRST + 4 : holds_irq(0) ? IRQ0 : SLOT_NONE;
	uint64_t ntfn = obj_new(OBJ_NOTIFICATION), read_only;
	unsigned n = CPUS_RUNNING();

	if (irq == SLOT_NONE)
		SKIP("the suite holds no IRQ");
	CHECK_MADE(ntfn);
	/* it is an error to name a CPU that runs no threads (or none at all) */
	CHECK_ST(sys_irq_set_cpu(irq, n), ERR_INVALID_ARG);
	CHECK_ST(sys_irq_set_cpu(irq, 1000), ERR_INVALID_ARG);
	CHECK_ST(sys_irq_set_cpu(irq, ~0ULL), ERR_INVALID_ARG);
	/* ... or anything but an IRQ held with W */
	CHECK_MADE(read_only = cap_dup(irq, RIGHT_R, 0));
	CHECK_ST(sys_irq_set_cpu(read_only, 0), ERR_NO_RIGHTS);
	CHECK_ST(sys_irq_set_cpu(ntfn, 0), ERR_WRONG_TYPE);
	CHECK_ST(sys_irq_set_cpu(slot_alloc(), 0), ERR_EMPTY_SLOT);
	CHECK_ST(sys_irq_set_cpu(CSPACE_SLOTS, 0), ERR_INVALID_SLOT);
	/*
	 * The last CPU: the user suite's machines route through the I/O APIC
	 * (the 8259s' refusal, ERR_UNSUPPORTED, is the serial8259 suite's:
	 * the root's log says the line stays on CPU 0).  The kernel's
	 * checker reads the pin back: it must name that CPU.
	 */
	CHECK_OK(sys_irq_set_cpu(irq, n - 1));
	CHECK(invariants_hold());
	CHECK_OK(sys_irq_set_cpu(irq, 0));
	CHECK(invariants_hold());
	return PASS;
}

/*
 * IRQ 0 sent to CPU 1, its driver waiting there: each interrupt comes to
 * CPU 1, none to CPU 0, and the driver wakes on CPU 1 without a kick
 * (its own CPU's handler made it runnable).  Sent to CPU 0, as before
 * SYS_IRQ_SET_CPU existed, each would reach CPU 0 and kick CPU 1.  The
 * suite sleeps meanwhile, as a driver's client would: while CPU 0 made
 * syscalls without a pause, QEMU (-icount, its CPUs in turns) brought an
 * idle CPU 1 no device interrupt for seconds.
 */
static enum result irq_to_the_drivers_cpu(uint64_t ntfn)
{
	uint64_t nap = obj_new(OBJ_NOTIFICATION), bits;
	struct counts before, after;
	struct helper *h;
	int done;

	CHECK_MADE(nap);
	CHECK_MADE(h = helper_on_with(1, own_priority, irq_driver, ntfn, DRIVER_IRQS,
				      have_rdtscp(), 0));
	CHECK(helper_wait(h, 1));
	CHECK(counts_read(&before)); /* (the kick that started it came before its first step) */
	pit_program(PIT_PERIODIC, PIT_10MS / 5);
	for (unsigned i = 0; i < 200 && h->state != HELPER_DONE; i++)
		sys_wait_until(nap, rdtsc() + tsc_hz() / 100, &bits); /* 10 ms, idle (above) */
	done = h->state == HELPER_DONE;
	pit_stop();
	CHECK(counts_read(&after));
	if (!done) {
		uprintf("# the driver served %lu interrupts (status %s)\n", h->value[1],
			status_name(h->status));
		counts_print(&before, &after);
		return FAIL;
	}
	CHECK_OK(h->status);
	CHECK(h->value[1] == DRIVER_IRQS);
	if (h->arg[2])
		CHECK(h->value[0] == 1u << 1); /* it woke on CPU 1 alone */
	if (after.irqs[1] - before.irqs[1] < DRIVER_IRQS || after.irqs[0] != before.irqs[0] ||
	    after.kicks[1] != before.kicks[1]) {
		counts_print(&before, &after);
		return FAIL;
	}
	return PASS;
}

static enum result irq_comes_to_the_cpu_it_is_sent_to(void)
{
	uint64_t ntfn;
	enum result r;
	int skip;

	NEED_TWO_CPUS();
	NEED_THE_PIT();
	ntfn = pit_line_on(1, &skip);
	if (skip)
		SKIP("the 8259s serve: their interrupts reach CPU 0 alone");
	r = ntfn ? irq_to_the_drivers_cpu(ntfn) : FAIL;
	pit_stop();
	sys_irq_set_cpu(IRQ0, 0); /* as the other cases expect it */
	return r;
}

/*
 * The line moves between CPUs 0 and 1 in a loop while the PIT's one-shot
 * raises its one edge, MOVE_ROUNDS times: every edge reaches the driver
 * on CPU 1 (an edge the I/O APIC finds its pin masked for is lost), and
 * both CPUs took some of them.  The kernel's checker then finds the pin
 * as the line says.  Between two moves the suite naps 50 us, so that
 * under QEMU CPU 1 gets its turns (above).
 */
static enum result irq_moves(uint64_t ntfn)
{
	uint64_t moves = 0, nap = obj_new(OBJ_NOTIFICATION), bits;
	struct counts before, after;
	struct helper *h;

	CHECK_MADE(nap);
	/* (it serves any number: an extra interrupt must not end it before the last round) */
	CHECK_MADE(h = helper_on_with(1, own_priority, irq_driver, ntfn, ~0ULL, 0, 0));
	CHECK(helper_wait(h, 1));
	CHECK(counts_read(&before));
	for (unsigned i = 0; i < MOVE_ROUNDS; i++) {
		uint64_t seen = h->value[1], t0 = rdtsc();

		/*
		 * Each round starts on the other CPU: where time is the
		 * instructions (Bochs) every round takes as many moves, and
		 * with one parity throughout every edge met the same CPU.
		 */
		moves = i;
		pit_program(PIT_ONE_SHOT, PIT_10MS / 20); /* 0.5 ms */
		while (h->value[1] == seen) {
			CHECK_OK(sys_irq_set_cpu(IRQ0, ++moves % 2));
			sys_wait_until(nap, rdtsc() + tsc_hz() / 20000, &bits); /* 50 us: see above */
			if (rdtsc() - t0 > WAIT_TSC_LIMIT) {
				uprintf("# round %u: its interrupt never came (%lu served)\n", i, h->value[1]);
				return FAIL;
			}
		}
	}
	CHECK(counts_read(&after));
	CHECK_OK(h->status);
	if (h->value[1] != MOVE_ROUNDS)
		uprintf("# %lu interrupts served in %d rounds\n", h->value[1], MOVE_ROUNDS);
	if (after.irqs[0] == before.irqs[0] || after.irqs[1] == before.irqs[1]) {
		counts_print(&before, &after);
		return FAIL; /* the moves took no effect */
	}
	CHECK(invariants_hold());
	return PASS;
}

static enum result irq_moved_while_it_fires_loses_none(void)
{
	uint64_t ntfn;
	enum result r;
	int skip;

	NEED_TWO_CPUS();
	NEED_THE_PIT();
	ntfn = pit_line_on(0, &skip);
	if (sys_irq_set_cpu(IRQ0, 1) == ERR_UNSUPPORTED)
		SKIP("the 8259s serve: their interrupts reach CPU 0 alone");
	r = ntfn ? irq_moves(ntfn) : FAIL;
	pit_stop();
	sys_irq_set_cpu(IRQ0, 0);
	return r;
}

/*
 * A notification signalled here wakes its waiter on CPU 1, whose answer
 * wakes the suite here, PING_ROUNDS times, each word as signalled.  CPU 1
 * idles between rounds, so a wake-up there needs a kick: without one it
 * would wait for CPU 1's next timer tick (10 ms).  Where each CPU runs
 * its own course (Bochs), the rounds must take under 1 ms each.
 */
static enum result notification_wakes_a_waiter_on_another_cpu(void)
{
	uint64_t n_to = obj_new(OBJ_NOTIFICATION), n_back = obj_new(OBJ_NOTIFICATION);
	uint64_t to, back, bits = 0, t0, took;
	struct counts before, after;
	struct helper *h;

	NEED_TWO_CPUS();
	CHECK_MADE(n_to && n_back);
	CHECK_MADE(to = cap_dup(n_to, RIGHT_W, PING_BIT));
	CHECK_MADE(back = cap_dup(n_back, RIGHT_W, PONG_BIT));
	CHECK_MADE(h = helper_on_with(1, own_priority, ping_back, n_to, back, PING_ROUNDS,
				      have_rdtscp()));
	CHECK(helper_wait(h, 1));
	CHECK(counts_read(&before));
	t0 = rdtsc();
	for (unsigned i = 0; i < PING_ROUNDS; i++) {
		CHECK_OK(sys_signal(to));
		CHECK_OK(sys_wait(n_back, &bits));
		CHECK(bits == PONG_BIT);
	}
	took = rdtsc() - t0;
	CHECK(counts_read(&after));
	CHECK(helper_wait(h, HELPER_DONE));
	CHECK_OK(h->status);
	CHECK(h->value[2] == 0);
	CHECK(h->value[1] == PING_ROUNDS);
	if (h->arg[3])
		CHECK(h->value[0] == 1u << 1);
	if (after.kicks[1] == before.kicks[1]) {
		counts_print(&before, &after);
		return FAIL; /* CPU 1 was never kicked: its waiter woke on its ticks */
	}
	if (took > PING_ROUNDS * (tsc_hz() / 1000) && !under_a_hypervisor()) {
		uprintf("# %d rounds took %lu TSC counts (%lu a second)\n", PING_ROUNDS, took,
			tsc_hz());
		return FAIL;
	}
	return PASS;
}

/*
 * Signals from CPU 1 that meet no waiter gather in the notification's
 * word: one poll here takes all BADGES bits, the next finds none.  The
 * same signals from here to a waiter on CPU 1 that cannot run (a thread of
 * a higher priority spins there) wake it once, and the rest wait in the
 * word: it gets every bit once, in at most two wake-ups.
 */
static enum result signals_across_cpus_gather_in_one_word(void)
{
	uint64_t n = obj_new(OBJ_NOTIFICATION), slots[BADGES], bits = 0;
	const uint64_t all = (1ULL << BADGES) - 1;
	struct helper *h, *spinner;

	NEED_TWO_CPUS();
	CHECK_MADE(n);
	for (unsigned i = 0; i < BADGES; i++)
		CHECK_MADE(slots[i] = cap_dup(n, RIGHT_W, 1ULL << i));
	/* polled here */
	CHECK_MADE(h = helper_on_with(1, own_priority, signal_each, (uint64_t)slots, BADGES, 0, 0));
	CHECK(helper_wait(h, 2));
	CHECK_OK(h->status);
	CHECK_OK(sys_poll(n, &bits));
	CHECK(bits == all);
	CHECK_ST(sys_poll(n, &bits), ERR_WOULD_BLOCK);
	/* waited for on CPU 1, by a waiter held off */
	CHECK_MADE(h = helper_on_with(1, own_priority - 1, gather, n, all, 0, 0));
	CHECK(helper_wait(h, 1));
	for (uint64_t t0 = rdtsc(); rdtsc() - t0 < tsc_hz() / 100;)
		; /* 10 ms: it reaches its wait */
	CHECK_MADE(spinner = helper_on_with(1, own_priority, spin, 0, 0, 0, 0));
	CHECK(wait_change(&spinner->value[1], 0));
	for (unsigned i = 0; i < BADGES; i++)
		CHECK_OK(sys_signal(slots[i]));
	CHECK_OK(sys_thread_suspend(spinner->thread));
	CHECK(helper_wait(h, HELPER_DONE));
	CHECK_OK(h->status);
	CHECK(h->value[0] == all);
	CHECK(h->value[2] == 0);
	if (h->value[1] > 2) {
		uprintf("# %lu wake-ups for %d signals\n", h->value[1], BADGES);
		return FAIL;
	}
	CHECK_ST(sys_poll(n, &bits), ERR_WOULD_BLOCK);
	return PASS;
}

static const struct test_case cases[] = {
	{ "irq_set_cpu_checks_its_arguments", irq_set_cpu_checks_its_arguments },
	{ "irq_comes_to_the_cpu_it_is_sent_to", irq_comes_to_the_cpu_it_is_sent_to },
	{ "irq_moved_while_it_fires_loses_none", irq_moved_while_it_fires_loses_none },
	{ "notification_wakes_a_waiter_on_another_cpu", notification_wakes_a_waiter_on_another_cpu },
	{ "signals_across_cpus_gather_in_one_word", signals_across_cpus_gather_in_one_word },
};

const struct test_group irqcpu_group = GROUP(cases);
