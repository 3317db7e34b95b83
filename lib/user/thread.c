/*
 * The threads a program makes itself, each in a region of the threads area
 * (moat/user.h): a UTCB page on top of its stack, so that utcb() finds it
 * from the stack pointer, and the rest of the region unmapped below.
 */
#include "moat/syscall.h"
#include "moat/user.h"

/* The highest priority the kernel lets us give thread: our own (found by bisection). */
uint64_t thread_highest_priority(uint64_t thread)
{
	uint64_t lo = 0, hi = PRIORITY_MAX;

	while (lo < hi) {
		uint64_t mid = (lo + hi + 1) / 2;

		if (sys_thread_set_priority(thread, mid) == OK)
			lo = mid;
		else
			hi = mid - 1;
	}
	sys_thread_set_priority(thread, lo);
	return lo;
}

/*
 * The CPUs that run threads: the first number SYS_THREAD_SET_CPU refuses
 * for `thread` (docs/smp.md: CPUs that run threads are numbered from 0).
 * Leaves thread on the last CPU it accepted.
 */
unsigned cpus_running(uint64_t thread)
{
	unsigned n = 0;

	while (n < 64 && sys_thread_set_cpu(thread, n) == OK)
		n++;
	return n;
}

uint64_t thread_start_in_region(uint64_t untyped, unsigned region, uint64_t stack_pages,
				uint64_t thread, uint64_t utcb_frame, uint64_t stack_frame,
				void (*entry)(uint64_t), uint64_t arg)
{
	uint64_t top = thread_region_utcb(region), stack = top - stack_pages * PAGE_BYTES, st;

	if (region >= USER_THREADS_MAX || stack_pages * PAGE_BYTES >= USER_THREAD_REGION)
		return ERR_INVALID_ARG;
	if ((st = sys_retype(untyped, OBJ_THREAD, 0, thread, 1)) ||
	    (st = sys_retype(untyped, OBJ_FRAME, 1, utcb_frame, 1)) ||
	    (st = sys_retype(untyped, OBJ_FRAME, stack_pages, stack_frame, 1)) ||
	    (st = sys_map(utcb_frame, TASK_SELF, top, RIGHT_R | RIGHT_W)) ||
	    (st = sys_map(stack_frame, TASK_SELF, stack, RIGHT_R | RIGHT_W)) ||
	    (st = sys_thread_configure(thread, TASK_SELF, utcb_frame, fault_endpoint_slot())))
		return st;
	thread_highest_priority(thread);
	/* As if called: the ABI wants rsp + 8 aligned to 16 at a function's entry. */
	return sys_thread_start(thread, (uint64_t)entry, top - 8, arg);
}
