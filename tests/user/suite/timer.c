/*
 * Timed waits (SYS_WAIT_UNTIL): a wait on a notification that ends with
 * ERR_TIMEOUT once the TSC reaches a deadline.  Times are TSC counts; the
 * startinfo's tsc_hz turns them into seconds.  docs/syscalls.md ("Timed
 * waits") states the resolution these cases hold the kernel to.
 */
#include "suite.h"

/* The lateness the documentation promises at most (and the cases check): 500 us. */
#define LATE_DIVISOR 2000
/* Back-to-back waits in the resolution case; up to half may be late (an emulator's host stalls). */
#define SHORT_WAITS 10

uint64_t tsc_hz(void)
{
	const struct startinfo *info = startinfo();
	return info ? info->tsc_hz : 0;
}

/* TSC counts in us microseconds. */
static uint64_t us(uint64_t n)
{
	return tsc_hz() / 1000000 * n;
}

/* Waits on notification arg[0] until arg[1]; reports the status, the bits and when it woke. */
static void wait_until_helper(struct helper *h)
{
	uint64_t bits = ~0ULL;

	h->state = 1;
	h->status = sys_wait_until(h->arg[0], h->arg[1], &bits);
	h->value[0] = bits;
	h->value[1] = rdtsc();
}

/* A helper blocked in a timed wait on n until deadline; NULL if it could not be started. */
static struct helper *timed_waiter(uint64_t n, uint64_t deadline)
{
	struct helper *h = helper_start(wait_until_helper, SLOT_NONE, n, deadline);

	if (!h || !helper_wait(h, 1))
		return NULL;
	yield_n(5);
	return h;
}

int sleep_until(uint64_t t)
{
	uint64_t n = obj_new(OBJ_NOTIFICATION);
	return n && sys_wait_until(n, t, 0) == ERR_TIMEOUT && rdtsc() >= t;
}

/* --- deadlines --- */

/*
 * Waits of 300 us, one after another: each must end with ERR_TIMEOUT, no
 * bits, at or after its deadline; and most within the documented lateness
 * (QEMU follows the host's clock, and a loaded host stalls it now and then;
 * under Bochs every wait is).  A kernel that looked at deadlines only on
 * its 10 ms tick would be late by nearly a tick on every wait after the
 * first.
 */
static enum result timed_wait_ends_at_its_deadline(void)
{
	uint64_t n = obj_new(OBJ_NOTIFICATION), bits, late_limit = tsc_hz() / LATE_DIVISOR;
	uint64_t worst = 0, best = ~0ULL;
	unsigned int late = 0;

	CHECK_MADE(n);
	CHECK(tsc_hz() >= 1000000);
	for (unsigned int i = 0; i < SHORT_WAITS; i++) {
		uint64_t deadline = rdtsc() + us(300);
		CHECK_ST(sys_wait_until(n, deadline, &bits), ERR_TIMEOUT);
		uint64_t woke = rdtsc();
		CHECK(woke >= deadline);
		CHECK(bits == 0);
		uint64_t lateness = woke - deadline;
		late += lateness > late_limit;
		worst = lateness > worst ? lateness : worst;
		best = lateness < best ? lateness : best;
	}
	uprintf("# timed waits: woke %lu to %lu TSC counts late (limit %lu, TSC %lu Hz)\n", best,
		worst, late_limit, tsc_hz());
	CHECK(late <= SHORT_WAITS / 2);
	return PASS;
}

/* It is not an error to give a deadline already past: the wait ends at once. */
static enum result past_deadline_returns_at_once(void)
{
	uint64_t n = obj_new(OBJ_NOTIFICATION), bits = ~0ULL, t0;

	CHECK_MADE(n);
	t0 = rdtsc();
	CHECK_ST(sys_wait_until(n, 0, &bits), ERR_TIMEOUT);
	CHECK(bits == 0);
	CHECK_ST(sys_wait_until(n, t0, &bits), ERR_TIMEOUT);
	CHECK(rdtsc() - t0 < tsc_hz() / LATE_DIVISOR); /* no tick passed: it never blocked */
	/* bits already there win over any deadline */
	CHECK_OK(sys_signal(n));
	CHECK_OK(sys_wait_until(n, 0, &bits));
	CHECK(bits == 1);
	CHECK(invariants_hold());
	return PASS;
}

/* Three helpers waiting with deadlines given in reverse order wake earliest first. */
static enum result timed_waiters_wake_in_deadline_order(void)
{
	uint64_t n = obj_new(OBJ_NOTIFICATION), base = rdtsc() + us(20000);
	struct helper *h[3];

	CHECK_MADE(n);
	for (unsigned int i = 0; i < 3; i++)
		CHECK_MADE(h[i] = helper_start(wait_until_helper, SLOT_NONE, n,
					       base + us(2000) * (2 - i)));
	for (unsigned int i = 0; i < 3; i++)
		CHECK(helper_wait(h[i], 1));
	yield_n(5);
	CHECK(invariants_hold()); /* three entries, in order */
	CHECK(sleep_until(base + us(6000)));
	for (unsigned int i = 0; i < 3; i++) {
		CHECK(helper_wait(h[i], HELPER_DONE));
		CHECK_ST(h[i]->status, ERR_TIMEOUT);
		CHECK(h[i]->value[1] >= h[i]->arg[1]);
	}
	CHECK(h[2]->value[1] < h[1]->value[1] && h[1]->value[1] < h[0]->value[1]);
	return PASS;
}

/* --- ending a timed wait early --- */

/*
 * A signal before the deadline wakes the waiter with its bits and takes
 * its deadline away: when the helper then waits again without one, the
 * old deadline passes without waking it.
 */
static enum result signal_before_deadline_wins(void)
{
	uint64_t n = obj_new(OBJ_NOTIFICATION), deadline = rdtsc() + us(30000);
	struct helper *h;

	CHECK_MADE(n);
	CHECK_MADE(h = timed_waiter(n, deadline));
	CHECK_OK(sys_signal(n));
	CHECK(helper_wait(h, HELPER_DONE));
	CHECK_OK(h->status);
	CHECK(h->value[0] == 1);
	CHECK(h->value[1] < deadline);
	CHECK(invariants_hold()); /* the entry is gone */
	/* again, waiting for ever this time; the first deadline must not end it */
	CHECK_OK(sys_thread_suspend(h->thread));
	h->state = 0;
	CHECK_MADE(helper_go(h, wait_until_helper, n, WAIT_FOREVER));
	CHECK(helper_wait(h, 1));
	CHECK(sleep_until(deadline + us(2000)));
	CHECK(h->state == 1);
	CHECK_OK(sys_signal(n));
	CHECK(helper_wait(h, HELPER_DONE));
	CHECK_OK(h->status);
	return PASS;
}

/* A suspended timed waiter sees ERR_CANCELED, and its deadline is gone with its wait. */
static enum result suspend_cancels_timed_wait(void)
{
	uint64_t n = obj_new(OBJ_NOTIFICATION), deadline = rdtsc() + us(10000);
	struct helper *h;

	CHECK_MADE(n);
	CHECK_MADE(h = timed_waiter(n, deadline));
	CHECK_OK(sys_thread_suspend(h->thread));
	CHECK(invariants_hold());
	CHECK(sleep_until(deadline + us(2000)));
	CHECK(h->state == 1); /* the deadline passed and left it suspended */
	CHECK(invariants_hold());
	CHECK_OK(sys_thread_resume(h->thread));
	CHECK(helper_wait(h, HELPER_DONE));
	CHECK_ST(h->status, ERR_CANCELED);
	return PASS;
}

/* Deleting a timed waiter leaves no entry behind for its deadline to find. */
static enum result delete_timed_waiter_leaves_no_timer(void)
{
	uint64_t n = obj_new(OBJ_NOTIFICATION), deadline = rdtsc() + us(10000);
	struct helper *h;

	CHECK_MADE(n);
	CHECK_MADE(h = timed_waiter(n, deadline));
	CHECK_OK(sys_cap_delete(h->thread));
	CHECK(invariants_hold());
	CHECK(sleep_until(deadline + us(2000)));
	CHECK(invariants_hold());
	return PASS;
}

/* Revoking the untyped memory a timed waiter was made of destroys it, deadline and all. */
static enum result revoke_timed_waiter_leaves_no_timer(void)
{
	uint64_t n = obj_new(OBJ_NOTIFICATION), deadline = rdtsc() + us(10000);
	struct helper *h;

	CHECK_MADE(n);
	CHECK_MADE(h = timed_waiter(n, deadline));
	CHECK_OK(sys_cap_revoke(SLOT_UNTYPED));
	CHECK(cap_type(h->thread) == OBJ_NONE);
	CHECK(invariants_hold());
	CHECK(sleep_until(deadline + us(2000)));
	CHECK(invariants_hold());
	return PASS;
}

/* Deleting the notification ends a timed wait with ERR_DELETED, and its deadline with it. */
static enum result timed_wait_wakes_when_notification_deleted(void)
{
	uint64_t n = obj_new(OBJ_NOTIFICATION), deadline = rdtsc() + us(10000);
	struct helper *h;

	CHECK_MADE(n);
	CHECK_MADE(h = timed_waiter(n, deadline));
	CHECK_OK(sys_cap_delete(n));
	CHECK(helper_wait(h, HELPER_DONE));
	CHECK_ST(h->status, ERR_DELETED);
	CHECK(h->value[1] < deadline);
	CHECK(invariants_hold());
	return PASS;
}

/* --- arguments --- */

static enum result timed_wait_checks_its_notification(void)
{
	uint64_t n = obj_new(OBJ_NOTIFICATION), ep = obj_new(OBJ_ENDPOINT), signal_only, bits;

	CHECK_MADE(n);
	CHECK_MADE(ep);
	CHECK_MADE(signal_only = cap_dup(n, RIGHT_W, 0));
	/* it is an error to wait on a slot out of range, an empty one, not a notification, or without R */
	CHECK_ST(sys_wait_until(CSPACE_SLOTS, 0, &bits), ERR_INVALID_SLOT);
	CHECK_ST(sys_wait_until(~0ULL, ~0ULL, &bits), ERR_INVALID_SLOT);
	CHECK_ST(sys_wait_until(slot_alloc(), 0, &bits), ERR_EMPTY_SLOT);
	CHECK_ST(sys_wait_until(ep, 0, &bits), ERR_WRONG_TYPE);
	CHECK_ST(sys_wait_until(signal_only, 0, &bits), ERR_NO_RIGHTS);
	CHECK_ST(sys_wait_until(signal_only, WAIT_FOREVER, &bits), ERR_NO_RIGHTS);
	/* every deadline is valid: WAIT_FOREVER is a plain wait */
	CHECK_OK(sys_signal(signal_only));
	CHECK_OK(sys_wait_until(n, WAIT_FOREVER, &bits));
	CHECK(bits == 1);
	CHECK(invariants_hold());
	return PASS;
}

/* The largest deadline short of WAIT_FOREVER blocks like any other, and a delete ends it. */
static enum result farthest_deadline_blocks_until_deleted(void)
{
	uint64_t n = obj_new(OBJ_NOTIFICATION);
	struct helper *h;

	CHECK_MADE(n);
	CHECK_MADE(h = timed_waiter(n, WAIT_FOREVER - 1));
	CHECK(h->state == 1);
	CHECK(invariants_hold());
	CHECK_OK(sys_cap_delete(h->thread));
	CHECK(invariants_hold());
	return PASS;
}

static const struct test_case cases[] = {
	{ "timed_wait_ends_at_its_deadline", timed_wait_ends_at_its_deadline },
	{ "past_deadline_returns_at_once", past_deadline_returns_at_once },
	{ "timed_waiters_wake_in_deadline_order", timed_waiters_wake_in_deadline_order },
	{ "signal_before_deadline_wins", signal_before_deadline_wins },
	{ "suspend_cancels_timed_wait", suspend_cancels_timed_wait },
	{ "delete_timed_waiter_leaves_no_timer", delete_timed_waiter_leaves_no_timer },
	{ "revoke_timed_waiter_leaves_no_timer", revoke_timed_waiter_leaves_no_timer },
	{ "timed_wait_wakes_when_notification_deleted", timed_wait_wakes_when_notification_deleted },
	{ "timed_wait_checks_its_notification", timed_wait_checks_its_notification },
	{ "farthest_deadline_blocks_until_deleted", farthest_deadline_blocks_until_deleted },
};

const struct test_group timer_group = GROUP(cases);
