/*
 * The VMM as a test program: a guest with test=... in the configuration is
 * a test case, reported with one "ok N NAME" line (or "not ok", or "skip"
 * where the CPU has no VMX or SVM) the way every suite of this project
 * reports, and an "end of tests" line last.  The boot suites parse these
 * lines (tests/boot/run-suite.sh).  Background guests (test=spin,
 * test=delete) spin while the others run; main.c's loop runs them, and
 * this file starts them first and recalls or deletes them at the end.
 */
#include "moat/syscall.h"
#include "moat/user.h"
#include "vmm.h"

static unsigned test_number, failures, skips;

bool test_is_case(const struct guest *g)
{
	return g->cfg.test != TEST_NONE;
}

bool test_in_background(const struct guest *g)
{
	return g->cfg.test == TEST_SPIN || g->cfg.test == TEST_DELETE;
}

/* One case's line; a failure counts against the run. */
void test_result(const char *name, bool ok)
{
	uprintf("%s %u %s\n", ok ? "ok" : "not ok", ++test_number, name);
	failures += !ok;
}

/*
 * A test guest that could not be started (main.c said why): a failure, with
 * no line of its own, except for test=refused, which passes if the loader
 * refused its image.
 */
void test_not_started(const struct guest *g)
{
	if (g->cfg.test == TEST_REFUSED)
		test_result(g->cfg.name, g->refused);
	else
		failures += test_is_case(g);
}

/*
 * The build's figures of a guest with max-build-calls= or bench-build=: how
 * many syscalls it took, and how many TSC counts from guest_create's start
 * to the guest's first instruction; false if it took more calls than allowed.
 */
static bool build_report(const struct guest *g)
{
	const struct guest_config *c = &g->cfg;
	bool ok = !c->max_build_calls || g->build_calls <= c->max_build_calls;
	if (c->max_build_calls)
		uprintf("# vmm: guest %s: built in %lu calls (at most %lu)\n", c->name, g->build_calls,
			c->max_build_calls);
	if (c->bench_build[0] && g->first_tsc > g->build_tsc) {
		uprintf("bench %s_calls: %lu\n", c->bench_build, g->build_calls);
		uprintf("bench %s_instructions: %lu\n", c->bench_build, g->first_tsc - g->build_tsc);
	} else if (c->bench_build[0]) {
		uprintf("# vmm: guest %s: no first TSC on port 0xd8\n", c->name);
		ok = false;
	}
	return ok;
}

/* The verdict on a finished guest, by what its test expects; false for a guest with none. */
bool test_report(struct guest *g)
{
	const char *n = g->cfg.name;
	bool ok;
	switch (g->cfg.test) {
	case TEST_RESULT:
		ok = !g->stop_reason && g->result == 0 && build_report(g);
		break;
	case TEST_DEBUG_EXIT:
		ok = !g->stop_reason && g->debug_exited && g->result == 0;
		if (!g->stop_reason && !g->debug_exited)
			uprintf("# vmm: guest %s ended on the result port, not the debug-exit port\n", n);
		break;
	case TEST_CONTAINED:
	case TEST_SPIN:
		ok = g->stop_reason != 0;
		break;
	case TEST_BENCH:
		ok = !g->stop_reason;
		if (ok)
			uprintf("bench %s: %lu\n", n, g->result);
		break;
	default:
		return false;
	}
	if (g->stop_reason)
		uprintf("# vmm: guest %s stopped: %s (rip %#lx, address %#lx)\n", n, g->stop_reason,
			g->stop_rip, g->stop_addr);
	else if (g->cfg.test != TEST_BENCH && g->result) /* test=contained too: a guest's own check */
		uprintf("# vmm: guest %s reported failure %lu\n", n, g->result);
	test_result(n, ok);
	return true;
}

/* Starts the background guests; false if this CPU has no vCPUs (then nothing else runs). */
bool test_start_background(struct guest *guests, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (test_in_background(&guests[i]) && vmm_start(&guests[i], i) == START_NO_VCPUS)
			return false;
	return true;
}

/* Deletes a guest whose vCPU is still running; the kernel must stay whole. */
static void delete_running(struct guest *g)
{
	uint64_t broken = 1;
	guest_destroy(g);
	uint64_t st = sys_debug_check(SLOT_CONSOLE, &broken);
	bool ok = st == OK && broken == 0;
	if (!ok)
		uprintf("# vmm: after deleting %s: %s, %lu invariants broken\n", g->cfg.name,
			status_name(st), broken);
	test_result(g->cfg.name, ok);
}

/* The background guests' end: a spinner is recalled and must stop; test=delete is deleted. */
void test_end_background(struct guest *guests, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		struct guest *g = &guests[i];
		if (!test_in_background(g) || !g->running)
			continue;
		if (g->cfg.test == TEST_DELETE) {
			delete_running(g);
			continue;
		}
		sys_vcpu_recall(g->vcpu);
		vmm_run_until_done(g);
		vmm_finish(g);
	}
}

/*
 * The end of the run: a skip line for each case if the CPU has no vCPUs,
 * then the summary, and the emulator told the result.  Returns main's
 * exit status (0 with no test cases: then the VMM is no test program).
 */
int test_end(const struct guest *guests, unsigned n, bool no_vcpus)
{
	bool tested = false;
	for (unsigned i = 0; i < n; i++) {
		if (!test_is_case(&guests[i]))
			continue;
		tested = true;
		if (no_vcpus) {
			uprintf("skip %u %s # no VMX or SVM on this CPU\n", ++test_number,
				guests[i].cfg.name);
			skips++;
		}
	}
	if (!tested)
		return 0;
	uprintf("end of tests: %u passed, %u failed, %u skipped\n", test_number - failures - skips,
		failures, skips);
	sys_debug_exit(SLOT_CONSOLE, failures != 0);
	return failures != 0;
}
