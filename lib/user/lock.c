/* The syscall half of moat/lock.h: sleeping on a held lock, waking a waiter. */
#include "moat/lock.h"
#include "moat/syscall.h"

/*
 * Waits on the lock's notification until it can be taken.  A wait that
 * fails (the notification is gone) would fail again at once: the thread
 * then yields between looks instead of sleeping.
 */
void lock_wait(struct lock *l)
{
	while (!lock_try_waiting(l))
		if (sys_wait(l->ntfn, 0) != OK)
			sys_yield();
}

void lock_wake(struct lock *l)
{
	sys_signal(l->ntfn);
}
