/*
 * The last cases: the kernel's own invariant check, after everything the
 * suite did, and the IPC benchmark.
 */
#include "suite.h"

#define BENCH_WARMUP 100
#define BENCH_CALLS  10000

static enum result kernel_invariants_hold(void)
{
	uint64_t broken = ~0ULL;

	CHECK_OK(sys_debug_check(SLOT_CONSOLE, &broken));
	CHECK(broken == 0);
	return PASS;
}

/* Calls the echo child n times; returns 0 if a reply was wrong. */
static int bench_calls(uint64_t ep, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		struct msg m = msg(1, 1, i, 0, 0, 0);

		if (sys_call(ep, &m) != OK || m.mr[0] != i + 1)
			return 0;
	}
	return 1;
}

/*
 * Round trips to a server in another address space: call, then the
 * server's reply_recv.  Under Bochs the time stamp counter counts
 * instructions, so the numbers are instructions per round trip (with two
 * CPUs, the machine's: both CPUs' instructions, the other's idling too).
 * Then again with the server on CPU 1, where there is one.
 */
static enum result ipc_roundtrip_benchmark(void)
{
	uint64_t ep = obj_new(OBJ_ENDPOINT), start, cycles;
	struct child c;

	CHECK_MADE(ep);
	CHECK_MADE(child_create(&c, snip_echo, snip_echo_end - snip_echo, SLOT_NONE));
	CHECK_OK(sys_cap_copy(ep, c.task, CHILD_EP_SLOT, RIGHT_R, 0));
	CHECK_OK(child_start(&c, CHILD_EP_SLOT));
	CHECK(bench_calls(ep, BENCH_WARMUP));
	start = rdtsc();
	CHECK(bench_calls(ep, BENCH_CALLS));
	cycles = (rdtsc() - start) / BENCH_CALLS;
	uprintf("bench ipc_call_reply_roundtrip_instructions: %lu\n", cycles);
	uprintf("bench ipc_one_way_instructions: %lu\n", cycles / 2);
	if (CPUS_RUNNING() < 2)
		return PASS;
	/* the server on another CPU: each call and each reply wakes the other CPU */
	CHECK_OK(sys_thread_set_cpu(c.thread, 1));
	CHECK(bench_calls(ep, BENCH_WARMUP));
	start = rdtsc();
	CHECK(bench_calls(ep, BENCH_CALLS));
	uprintf("bench ipc_call_reply_roundtrip_cross_cpu_instructions: %lu\n",
		(rdtsc() - start) / BENCH_CALLS);
	return PASS;
}

static const struct test_case cases[] = {
	{ "kernel_invariants_hold", kernel_invariants_hold },
	{ "ipc_roundtrip_benchmark", ipc_roundtrip_benchmark },
};

const struct test_group final_group = GROUP(cases);
