/*
 * A lock for the threads of one program (a mutex): uncontended, taking and
 * dropping it is one atomic instruction each and no syscall; a thread
 * that finds it held waits on the lock's notification, which the holder
 * signals when it drops a lock someone waits for.
 *
 * The state word is 0 (free), 1 (held) or 2 (held, and a thread may wait).
 * A waiter sets 2 before it waits, so the holder's drop sees it and
 * signals; a notification keeps a signal that comes before the wait, so
 * no wake-up is lost.  A woken thread takes the lock as 2 again (another
 * may still wait): at worst one signal too many, which a waiter absorbs
 * by looking again.  The kernel preempts threads of one priority (round
 * robin), so a holder may lose the CPU: the waiters then sleep, not spin.
 *
 * The state changes are pure (host-tested, tests/unit/test_lock.c);
 * lock_wait and lock_wake are the two syscalls (lib/user/lock.c).
 */
#ifndef MOAT_LOCK_H
#define MOAT_LOCK_H

#include <stdbool.h>
#include <stdint.h>

enum { LOCK_FREE, LOCK_HELD, LOCK_WAITED };

struct lock {
	uint32_t state; /* LOCK_*, only changed atomically */
	uint64_t ntfn;  /* the notification waiters sleep on (a capability slot) */
};

/* Takes a free lock: true if it was free (the fast path). */
static inline bool lock_try(struct lock *l)
{
	uint32_t free = LOCK_FREE;
	return __atomic_compare_exchange_n(&l->state, &free, LOCK_HELD, false, __ATOMIC_ACQUIRE,
					   __ATOMIC_RELAXED);
}

/* Marks the lock waited for and takes it if it was free meanwhile: true if taken. */
static inline bool lock_try_waiting(struct lock *l)
{
	return __atomic_exchange_n(&l->state, LOCK_WAITED, __ATOMIC_ACQUIRE) == LOCK_FREE;
}

/* Frees the lock: true if a thread may wait for it (then it must be woken). */
static inline bool lock_free(struct lock *l)
{
	return __atomic_exchange_n(&l->state, LOCK_FREE, __ATOMIC_RELEASE) == LOCK_WAITED;
}

/* lib/user/lock.c: sleeps until the lock is ours; wakes one waiter. */
void lock_wait(struct lock *l);
void lock_wake(struct lock *l);

static inline void lock_acquire(struct lock *l)
{
	if (!lock_try(l))
		lock_wait(l);
}

static inline void lock_release(struct lock *l)
{
	if (lock_free(l))
		lock_wake(l);
}

#endif
