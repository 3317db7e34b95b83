/*
 * Threads waiting with a deadline (SYS_WAIT_UNTIL), earliest first.
 *
 * The entry lives in the waiting thread itself (deadline, tq_next,
 * tq_prev), so the list can never hold more entries than there are
 * threads, and those are paid for by the tasks that retyped them: the
 * kernel allocates nothing for a timed wait.  A thread is on the list
 * exactly while it is blocked in a timed wait (t->timed); ipc_cancel
 * takes it off whichever way the wait ends.
 *
 * Pure list logic (no hardware), host-tested in tests/unit/test_timeout.c.
 * The LAPIC timer that fires for the head is lapic.c's.
 */
#ifndef KERNEL_TIMEOUT_H
#define KERNEL_TIMEOUT_H

#include <stdbool.h>
#include <stdint.h>

#include "object.h"

struct timeout_list {
	struct thread *head;
	uint64_t first;    /* head's deadline, UINT64_MAX when empty: one load for each VM entry */
};

#define TIMEOUT_LIST_EMPTY { 0, UINT64_MAX }

/* The kernel's one list (every thread waiting with a deadline). */
extern struct timeout_list timeouts;

/*
 * Puts t (not on any list) on l at `deadline`, after every entry with the
 * same or an earlier deadline (first come, first served among equals).
 * Linear in the entries before it.
 */
void timeout_insert(struct timeout_list *l, struct thread *t, uint64_t deadline);
/* Takes t off l; nothing if t is not on a list. */
void timeout_remove(struct timeout_list *l, struct thread *t);
/* Takes the head off l if its deadline is at or before now; NULL otherwise. */
struct thread *timeout_pop_expired(struct timeout_list *l, uint64_t now);
/* The earliest deadline on l, or UINT64_MAX when l is empty. */
static inline uint64_t timeout_first(const struct timeout_list *l)
{
	return l->first;
}

#endif
