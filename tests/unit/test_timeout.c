/*
 * Host unit tests for the deadline list (kernel/timeout.c): insertion in
 * deadline order (first come first served among equals), removal from any
 * place, and taking off only what has expired.
 */
#include <stdint.h>

#include "timeout.h"
#include "unit.h"

static struct thread th[5];
static struct timeout_list list;

static void fresh(void)
{
	memset(th, 0, sizeof(th));
	list = (struct timeout_list)TIMEOUT_LIST_EMPTY;
}

/* The list's threads as indices into th[], head first, in out[]; returns how many. */
static unsigned order(int *out)
{
	unsigned n = 0;
	for (struct thread *t = list.head; t && n < 5; t = t->tq_next)
		out[n++] = (int)(t - th);
	return n;
}

TEST(timeout_list_keeps_deadline_order)
{
	int o[5];
	fresh();
	timeout_insert(&list, &th[0], 300);
	timeout_insert(&list, &th[1], 100);
	timeout_insert(&list, &th[2], 200);
	timeout_insert(&list, &th[3], 400);
	CHECK_EQ(order(o), 4);
	CHECK(o[0] == 1 && o[1] == 2 && o[2] == 0 && o[3] == 3);
	CHECK_EQ(timeout_first(&list), 100);
	CHECK(th[1].tq_prev == 0 && th[2].tq_prev == &th[1] && th[3].tq_next == 0);
}

TEST(timeout_list_equal_deadlines_first_come_first_served)
{
	int o[5];
	fresh();
	timeout_insert(&list, &th[0], 50);
	timeout_insert(&list, &th[1], 50);
	timeout_insert(&list, &th[2], 50);
	CHECK_EQ(order(o), 3);
	CHECK(o[0] == 0 && o[1] == 1 && o[2] == 2);
}

TEST(timeout_remove_from_head_middle_tail_and_twice)
{
	int o[5];
	fresh();
	for (int i = 0; i < 5; i++)
		timeout_insert(&list, &th[i], 10 * (uint64_t)i);
	timeout_remove(&list, &th[2]);
	timeout_remove(&list, &th[0]);
	timeout_remove(&list, &th[4]);
	timeout_remove(&list, &th[4]); /* not on the list any more: nothing */
	CHECK_EQ(order(o), 2);
	CHECK(o[0] == 1 && o[1] == 3);
	CHECK(!th[0].timed && !th[2].timed && !th[4].timed && th[1].timed);
	CHECK(th[1].tq_prev == 0 && th[3].tq_prev == &th[1] && th[3].tq_next == 0);
	timeout_remove(&list, &th[1]);
	timeout_remove(&list, &th[3]);
	CHECK(list.head == 0);
	CHECK_EQ(timeout_first(&list), UINT64_MAX);
}

TEST(timeout_pop_expired_takes_only_what_is_due)
{
	fresh();
	timeout_insert(&list, &th[0], 100);
	timeout_insert(&list, &th[1], 200);
	timeout_insert(&list, &th[2], UINT64_MAX - 1);
	CHECK_EQ(timeout_first(&list), 100);
	CHECK(timeout_pop_expired(&list, 99) == 0);
	CHECK(timeout_pop_expired(&list, 100) == &th[0]); /* at the deadline: due */
	CHECK_EQ(timeout_first(&list), 200);
	CHECK(timeout_pop_expired(&list, 150) == 0);
	CHECK(timeout_pop_expired(&list, UINT64_MAX - 2) == &th[1]);
	CHECK(timeout_pop_expired(&list, UINT64_MAX - 2) == 0);
	CHECK(timeout_pop_expired(&list, UINT64_MAX) == &th[2]);
	CHECK(timeout_pop_expired(&list, UINT64_MAX) == 0);
	CHECK(!th[0].timed && !th[1].timed && !th[2].timed);
}
