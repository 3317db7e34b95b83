/*
 * The deadline list: a doubly linked list of waiting threads sorted by
 * deadline.  Insertion walks from the head, so it costs one step per
 * earlier deadline; removal (a signal, a suspend, a delete) is O(1), and
 * so is taking the expired head in the timer interrupt.  seL4's MCS
 * release queue and NOVA's timeout list are sorted lists too: the common
 * case is a few timed waiters.
 */
#include "timeout.h"

struct timeout_list timeouts = TIMEOUT_LIST_EMPTY;

void timeout_insert(struct timeout_list *l, struct thread *t, uint64_t deadline)
{
	struct thread *prev = 0, *next = l->head;
	while (next && next->deadline <= deadline) {
		prev = next;
		next = next->tq_next;
	}
	t->deadline = deadline;
	t->timed = true;
	t->tq_prev = prev;
	t->tq_next = next;
	if (next)
		next->tq_prev = t;
	if (prev) {
		prev->tq_next = t;
	} else {
		l->head = t;
		l->first = deadline;
	}
}

void timeout_remove(struct timeout_list *l, struct thread *t)
{
	if (!t->timed)
		return;
	if (t->tq_prev) {
		t->tq_prev->tq_next = t->tq_next;
	} else {
		l->head = t->tq_next;
		l->first = l->head ? l->head->deadline : UINT64_MAX;
	}
	if (t->tq_next)
		t->tq_next->tq_prev = t->tq_prev;
	t->tq_next = t->tq_prev = 0;
	t->timed = false;
}

struct thread *timeout_pop_expired(struct timeout_list *l, uint64_t now)
{
	struct thread *t = l->head;
	if (!t || t->deadline > now)
		return 0;
	timeout_remove(l, t);
	return t;
}
