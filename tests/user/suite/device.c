/*
 * Interrupts: IRQ capabilities bound to notifications, driven by the PIT.
 *
 * PIT channel 0 raises IRQ 0 when its count runs out.  Every wait for an
 * interrupt has a watchdog: a helper thread that signals another bit after
 * a while, so a lost interrupt fails the case instead of hanging the suite.
 */
#include "suite.h"

#define IRQ_BIT      0x1
#define WATCHDOG_BIT 0x2
#define WATCHDOG_TSC 2000000000ULL

/* Signals notification arg[0] once WATCHDOG_TSC cycles have passed. */
static void watchdog(struct helper *h)
{
	uint64_t end = rdtsc() + WATCHDOG_TSC;

	while (rdtsc() < end)
		sys_yield();
	h->status = sys_signal(h->arg[0]);
}

/* IRQ 0 bound to a new notification (badge IRQ_BIT) with a watchdog; 0 on failure. */
static uint64_t pit_irq_setup(void)
{
	uint64_t ntfn = obj_new(OBJ_NOTIFICATION), irq = SLOT_IRQ_FIRST, bits;
	uint64_t for_irq = cap_dup(ntfn, RIGHTS_ALL, IRQ_BIT);
	uint64_t for_dog = cap_dup(ntfn, RIGHT_W, WATCHDOG_BIT);

	if (!ntfn || !for_irq || !for_dog)
		return 0;
	pit_stop();
	if (sys_irq_bind(irq, for_irq) != OK) {
		uprintf("# irq_bind failed\n");
		return 0;
	}
	/* An interrupt from before (the firmware's PIT setup) may be pending. */
	yield_n(3);
	if (sys_poll(ntfn, &bits) == OK)
		sys_irq_ack(irq);
	if (!helper_start(watchdog, SLOT_NONE, for_dog, 0))
		return 0;
	return ntfn;
}

/* Waits for the next IRQ 0 on ntfn and acknowledges it; fails on the watchdog. */
static enum result pit_irq_wait(uint64_t ntfn)
{
	uint64_t bits = 0;

	CHECK_OK(sys_wait(ntfn, &bits));
	if (!(bits & IRQ_BIT))
		uprintf("# no interrupt before the watchdog (bits %#lx)\n", bits);
	CHECK(bits & IRQ_BIT);
	CHECK_OK(sys_irq_ack(SLOT_IRQ_FIRST));
	return PASS;
}

static enum result pit_one_shot_signals_notification(void)
{
	uint64_t ntfn;
	enum result r;

	if (!holds_irq(0) || !holds_ports(PIT_CH0, PIT_CMD))
		SKIP("the suite holds no IRQ 0 or PIT ports");
	CHECK_MADE(ntfn = pit_irq_setup());
	pit_program(PIT_ONE_SHOT, PIT_10MS);
	r = pit_irq_wait(ntfn);
	pit_stop();
	return r;
}

static enum result pit_periodic_interrupts_after_ack(void)
{
	uint64_t ntfn;
	enum result r = PASS;

	if (!holds_irq(0) || !holds_ports(PIT_CH0, PIT_CMD))
		SKIP("the suite holds no IRQ 0 or PIT ports");
	CHECK_MADE(ntfn = pit_irq_setup());
	pit_program(PIT_PERIODIC, PIT_10MS);
	for (int i = 0; i < 3 && r == PASS; i++)
		r = pit_irq_wait(ntfn);
	pit_stop();
	return r;
}

/*
 * An interrupt that comes while the last one is not yet acknowledged is
 * not lost: it arrives as soon as the driver acknowledges.  An 8259
 * latches it; the I/O APIC drops an edge on a masked pin, so the kernel
 * keeps it (kernel/irq.c).  The PIT's one-shot raises exactly one edge.
 */
static enum result irq_during_service_arrives_after_ack(void)
{
	uint64_t ntfn, bits = 0, broken = ~0ULL;
	enum result r;

	if (!holds_irq(0) || !holds_ports(PIT_CH0, PIT_CMD))
		SKIP("the suite holds no IRQ 0 or PIT ports");
	CHECK_MADE(ntfn = pit_irq_setup());
	pit_program(PIT_ONE_SHOT, PIT_10MS);
	CHECK_OK(sys_wait(ntfn, &bits));
	CHECK(bits & IRQ_BIT); /* held from here until the ack */
	pit_program(PIT_ONE_SHOT, PIT_10MS / 10);
	CHECK(sleep_until(rdtsc() + tsc_hz() / 50)); /* 20 ms: the second edge has come */
	/* it is not signalled while the first is unacknowledged */
	CHECK_ST(sys_poll(ntfn, &bits), ERR_WOULD_BLOCK);
	CHECK_OK(sys_debug_check(SLOT_CONSOLE, &broken));
	CHECK(broken == 0); /* held with an edge kept: the kernel's own checks agree */
	CHECK_OK(sys_irq_ack(SLOT_IRQ_FIRST));
	r = pit_irq_wait(ntfn); /* the kept interrupt, not the watchdog */
	pit_stop();
	return r;
}

/*
 * A device that interrupts as fast as it can (the PIT counting 2: about
 * 600,000 a second) lets in one interrupt per acknowledgement at most,
 * however it is wired: a timed wait while its line is held ends on time,
 * and each acknowledgement brings one wake-up, then none until the next.
 */
static enum result irq_storm_is_paced_by_acks(void)
{
	uint64_t ntfn, bits = 0, due, late;
	enum result r = PASS;

	if (!holds_irq(0) || !holds_ports(PIT_CH0, PIT_CMD))
		SKIP("the suite holds no IRQ 0 or PIT ports");
	CHECK_MADE(ntfn = pit_irq_setup());
	pit_program(PIT_PERIODIC, 2);
	due = rdtsc() + tsc_hz() / 50; /* 20 ms, with the line held after its first interrupt */
	CHECK(sleep_until(due));
	late = rdtsc() - due;
	for (int i = 0; i < 100 && r == PASS; i++) {
		r = pit_irq_wait(ntfn); /* the wake-up, then the acknowledgement */
		yield_n(2);
		if (r == PASS && sys_poll(ntfn, &bits) != OK)
			r = FAIL; /* the storm goes on: the acknowledgement let one in */
		yield_n(2);
		if (r == PASS && sys_poll(ntfn, &bits) != ERR_WOULD_BLOCK)
			r = FAIL; /* a second one before the next acknowledgement */
		if (r == PASS && sys_irq_ack(SLOT_IRQ_FIRST) != OK)
			r = FAIL;
	}
	pit_stop();
	if (r != PASS)
		uprintf("# the storm's interrupts were not one per acknowledgement\n");
	if (late >= tsc_hz() / 200)
		uprintf("# the timed wait ended %lu TSC counts late\n", late);
	CHECK(late < tsc_hz() / 200); /* 5 ms */
	return r;
}

/* The IRQ line the binding cases use: 4 (the serial port, quiet) if held, else 0. */
static uint64_t spare_irq(void)
{
	if (holds_irq(4))
		return SLOT_IRQ_FIRST + 4;
	return holds_irq(0) ? SLOT_IRQ_FIRST : SLOT_NONE;
}

static enum result irq_bound_twice_is_busy(void)
{
	uint64_t irq = spare_irq(), a = obj_new(OBJ_NOTIFICATION), b = obj_new(OBJ_NOTIFICATION);

	if (irq == SLOT_NONE)
		SKIP("the suite holds no IRQ");
	CHECK_MADE(a && b);
	CHECK_OK(sys_irq_bind(irq, a));
	/* it is an error to bind a line that is bound */
	CHECK_ST(sys_irq_bind(irq, b), ERR_BUSY);
	/* ... until its notification is gone */
	CHECK_OK(sys_cap_delete(a));
	CHECK_OK(sys_irq_bind(irq, b));
	return PASS;
}

static enum result irq_calls_need_irq_and_notification(void)
{
	uint64_t irq = spare_irq(), ep = obj_new(OBJ_ENDPOINT), ntfn = obj_new(OBJ_NOTIFICATION);

	if (irq == SLOT_NONE)
		SKIP("the suite holds no IRQ");
	CHECK_MADE(ep && ntfn);
	/* it is an error to bind anything but an IRQ, or to anything but a notification */
	CHECK_ST(sys_irq_bind(ep, ntfn), ERR_WRONG_TYPE);
	CHECK_ST(sys_irq_bind(irq, ep), ERR_WRONG_TYPE);
	CHECK_ST(sys_irq_bind(irq, slot_alloc()), ERR_EMPTY_SLOT);
	CHECK_ST(sys_irq_ack(ntfn), ERR_WRONG_TYPE);
	CHECK_ST(sys_irq_ack(CSPACE_SLOTS), ERR_INVALID_SLOT);
	return PASS;
}

static const struct test_case cases[] = {
	{ "pit_one_shot_signals_notification", pit_one_shot_signals_notification },
	{ "pit_periodic_interrupts_after_ack", pit_periodic_interrupts_after_ack },
	{ "irq_during_service_arrives_after_ack", irq_during_service_arrives_after_ack },
	{ "irq_storm_is_paced_by_acks", irq_storm_is_paced_by_acks },
	{ "irq_bound_twice_is_busy", irq_bound_twice_is_busy },
	{ "irq_calls_need_irq_and_notification", irq_calls_need_irq_and_notification },
};

const struct test_group device_group = GROUP(cases);
