/*
 * Host unit tests for the lock of moat/lock.h: its state changes, with two
 * threads' steps interleaved by hand.  lock_wait and lock_wake stand in for
 * the syscalls: a wake is counted (a notification's pending signal), and a
 * wait takes a pending signal or reports that it would have slept.
 */
#include "moat/lock.h"
#include "unit.h"

static unsigned signals, sleeps;

void lock_wait(struct lock *l)
{
	while (!lock_try_waiting(l)) {
		if (!signals) {
			sleeps++; /* no thread here would ever wake it: stop the test's loop */
			return;
		}
		signals--;
	}
}

void lock_wake(struct lock *l)
{
	(void)l;
	signals++;
}

static void reset(struct lock *l)
{
	*l = (struct lock){ .state = LOCK_FREE, .ntfn = 7 };
	signals = sleeps = 0;
}

/* Taking a free lock and dropping it is no syscall at all. */
TEST(lock_uncontended_takes_no_syscall)
{
	struct lock l;
	reset(&l);
	lock_acquire(&l);
	CHECK_EQ(l.state, LOCK_HELD);
	lock_release(&l);
	CHECK_EQ(l.state, LOCK_FREE);
	CHECK_EQ(signals, 0);
	CHECK_EQ(sleeps, 0);
}

/* It is an error to take a held lock: the fast path fails and leaves it held. */
TEST(lock_held_is_not_taken_again)
{
	struct lock l;
	reset(&l);
	CHECK(lock_try(&l));
	CHECK(!lock_try(&l));
	CHECK_EQ(l.state, LOCK_HELD);
}

/* A waiter marks the lock, so the holder's release wakes it, and it then takes the lock. */
TEST(lock_waiter_is_woken_by_the_release)
{
	struct lock l;
	reset(&l);
	lock_acquire(&l);           /* thread A */
	lock_acquire(&l);           /* thread B: finds it held, would sleep */
	CHECK_EQ(sleeps, 1);
	CHECK_EQ(l.state, LOCK_WAITED);
	lock_release(&l);           /* A: B may wait, so it signals */
	CHECK_EQ(signals, 1);
	CHECK_EQ(l.state, LOCK_FREE);
	CHECK(lock_try_waiting(&l)); /* B, woken: takes it, still marked (others may wait) */
	CHECK_EQ(l.state, LOCK_WAITED);
}

/* A release between the waiter's mark and its sleep is not lost: the signal stays pending. */
TEST(lock_release_before_the_sleep_is_kept)
{
	struct lock l;
	reset(&l);
	lock_acquire(&l);           /* A */
	CHECK(!lock_try(&l));       /* B's fast path fails */
	CHECK(!lock_try_waiting(&l)); /* B marks it, about to sleep */
	lock_release(&l);           /* A drops it before B sleeps */
	CHECK_EQ(signals, 1);
	lock_wait(&l);              /* B's sleep: the free lock is taken without sleeping */
	CHECK_EQ(sleeps, 0);
	CHECK_EQ(l.state, LOCK_WAITED);
	lock_release(&l);           /* one signal too many, which a later waiter absorbs */
	CHECK_EQ(l.state, LOCK_FREE);
	CHECK_EQ(signals, 2);
}
