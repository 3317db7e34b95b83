/*
 * The user-level kernel test suite, in the spirit of seL4's sel4test.
 *
 * The root task starts it in the test configuration with the console, all
 * I/O ports, IRQ 0 and 4, untyped memory and a connection to `echo`.  It
 * runs every case in order and prints one line for each:
 *   ok N name | not ok N name (after "# why" lines) | skip N name # why
 * then "end of tests: P passed, F failed, S skipped", and ends the
 * emulator with sys_debug_exit (status 1 if a case failed).
 *
 * Ordering with other programs of lower priority: before its closing line
 * the suite drops to priority 0 and yields, so that busy ones finish before
 * its sys_debug_exit ends the run.  (The syscall fuzzer, which used to run
 * beside it, has its own ISO now: docs/testing.md.)
 */
#include "suite.h"

const char *skip_reason;

static const struct test_group *const groups[] = {
	&caps_group, &memory_group, &ipc_group, &timer_group, &thread_group, &fpu_group, &fsgs_group,
	&device_group, &isolation_group, &budget_group, &smp_group, &irqcpu_group,
	&longops_group,
	&final_group,
};

int main(uint64_t arg)
{
	unsigned int n = 0, total = 0, passed = 0, failed = 0, skipped = 0;

	(void)arg;
	for (unsigned int g = 0; g < ARRAY_LEN(groups); g++)
		total += groups[g]->count;
	if (cap_type(SLOT_UNTYPED) != OBJ_UNTYPED)
		uprintf("# the suite has no untyped memory: most cases will fail\n");
	probe_own_priority();
	uprintf("# kernel test suite: %u cases, running at priority %lu\n", total, own_priority);

	for (unsigned int g = 0; g < ARRAY_LEN(groups); g++) {
		for (unsigned int i = 0; i < groups[g]->count; i++) {
			const struct test_case *t = &groups[g]->cases[i];
			enum result r;

			skip_reason = NULL;
			r = t->fn();
			case_cleanup();
			n++;
			if (r == PASS) {
				passed++;
				uprintf("ok %u %s\n", n, t->name);
			} else if (r == SKIP) {
				skipped++;
				uprintf("skip %u %s # %s\n", n, t->name, skip_reason);
			} else {
				failed++;
				uprintf("not ok %u %s\n", n, t->name);
			}
		}
	}
	/* Let busy lower-priority programs (the fuzzer) finish first. */
	sys_thread_set_priority(SLOT_SELF_THREAD, 0);
	sys_yield();
	uprintf("end of tests: %u passed, %u failed, %u skipped\n", passed, failed, skipped);
	sys_debug_exit(SLOT_CONSOLE, failed ? 1 : 0);
	return failed ? 1 : 0;
}
