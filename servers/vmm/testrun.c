/*
 * The VMM as a test program: a guest with test=... in the configuration is
 * a test case, reported with one "ok N NAME" line (or "not ok", or "skip"
 * where the CPU has no VMX or SVM) the way every suite of this project
 * reports, and an "end of tests" line last.  The boot suites parse these
 * lines (tests/boot/run-suite.sh).  Background guests (test=spin,
 * test=delete) spin while the others run; their vCPUs' threads serve them
 * as any guest's, and this file starts them first and recalls or deletes
 * them at the end.  Every guest, a case or not, counts in the summary line
 * "vmm: N guests: A ended well, B failed" (and ", C skipped") the VMM
 * prints last, which the boot suites check: no guest is dropped silently.
 */
#include "fmt.h"
#include "moat/syscall.h"
#include "moat/user.h"
#include "vmm.h"

static unsigned test_number, failures, skips;
static unsigned ended_well, guests_failed; /* every guest's, for the summary */

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

/* A guest that could not be started (why): a failing case, or a line saying so. */
void test_not_started(const struct guest *g, const char *why)
{
	if (g->cfg.test == TEST_REFUSED && g->refused) { /* the loader said why */
		test_result(g->cfg.name, true);
		return;
	}
	guests_failed++;
	if (!test_is_case(g)) {
		uprintf("vmm: guest %s %s\n", g->cfg.name, why);
		return;
	}
	uprintf("# vmm: guest %s %s\n", g->cfg.name, why);
	test_result(g->cfg.name, false);
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
		uprintf("# vmm: guest %s: no first TSC on port 0xd0\n", c->name);
		ok = false;
	}
	return ok;
}

/* The verdict on a finished test case, by what its test expects (with its line). */
static bool case_report(struct guest *g)
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
	case TEST_POWEROFF:
		ok = !g->stop_reason && g->pm.powered_off && g->result == 0;
		if (!g->stop_reason && !g->pm.powered_off)
			uprintf("# vmm: guest %s ended on a port, not by turning itself off\n", n);
		break;
	case TEST_CONSOLE:
		ok = !g->stop_reason && g->console_matched;
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
	default: /* test=delete is deleted running, never finished */
		ok = false;
	}
	if (g->stop_reason)
		uprintf("# vmm: guest %s stopped: %s (rip %#lx, address %#lx)\n", n, g->stop_reason,
			g->stop_rip, g->stop_addr);
	else if (g->cfg.test != TEST_BENCH && g->result) /* test=contained too: a guest's own check */
		uprintf("# vmm: guest %s reported failure %lu\n", n, g->result);
	test_result(n, ok);
	return ok;
}

/*
 * How a finished guest ended: a test case's line, or for any other a line
 * saying how it stopped (ended well: it reported 0 on the result or debug-exit port).
 */
void test_report(struct guest *g)
{
	bool ok;
	if (test_is_case(g)) {
		ok = case_report(g);
	} else {
		ok = !g->stop_reason && g->result == 0;
		if (g->stop_reason)
			uprintf("vmm: guest %s %s\n", g->cfg.name, g->stop_reason);
		else if (g->pm.powered_off)
			uprintf("vmm: guest %s powered off (ACPI S5)\n", g->cfg.name);
		else if (g->debug_exited)
			uprintf("vmm: guest %s ended with status %lu (debug-exit port)\n", g->cfg.name,
				g->result);
		else if (g->result)
			uprintf("vmm: guest %s reported failure %lu\n", g->cfg.name, g->result);
		else
			uprintf("vmm: guest %s finished\n", g->cfg.name);
	}
	ended_well += ok;
	guests_failed += !ok;
}

void exit_stats_print(const struct guest *g)
{
	const struct exit_stats *s = &g->exit_stats;
	char line[256];
	unsigned top[EXIT_STATS_TOP], n = exit_stats_top_reasons(s, top), at;
	at = fmt_snprintf(line, sizeof(line), "vmm: guest %s: %lu exits from TSC %lu to %lu", g->cfg.name,
			  s->total, g->first_entry_tsc, rdtsc());
	for (unsigned i = 0; i < n && at < sizeof(line); i++)
		at += fmt_snprintf(line + at, sizeof(line) - at, "%s %s %lu", i ? "," : ":",
				   exit_stats_name(top[i]), s->by_reason[top[i]]);
	uprintf("%s\n", line);
	n = exit_stats_top_ports(s, top);
	if (!n)
		return;
	at = fmt_snprintf(line, sizeof(line), "vmm: guest %s: I/O exits by port:", g->cfg.name);
	for (unsigned i = 0; i < n && at < sizeof(line); i++)
		at += fmt_snprintf(line + at, sizeof(line) - at, "%s %#x %lu", i ? "," : "",
				   s->port[top[i]], s->port_count[top[i]]);
	if (s->other_ports && at < sizeof(line))
		fmt_snprintf(line + at, sizeof(line) - at, ", other ports %lu", s->other_ports);
	uprintf("%s\n", line);
}

/* Starts the background guests; false if this CPU has no vCPUs (then nothing else runs). */
bool test_start_background(struct guest *guests, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		if (!test_in_background(&guests[i]))
			continue;
		enum start_result started = vmm_start(&guests[i], i);
		if (started == START_NO_VCPUS)
			return false;
		if (started != START_OK)
			test_not_started(&guests[i], guests[i].stop_reason);
	}
	return true;
}

/* Deletes a guest whose vCPU is still running; the kernel must stay whole. */
static void delete_running(struct guest *g)
{
	uint64_t broken = 1;
	vmm_destroy(g);
	uint64_t st = sys_debug_check(SLOT_CONSOLE, &broken);
	bool ok = st == OK && broken == 0;
	if (!ok)
		uprintf("# vmm: after deleting %s: %s, %lu invariants broken\n", g->cfg.name,
			status_name(st), broken);
	test_result(g->cfg.name, ok);
	ended_well += ok;
	guests_failed += !ok;
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
		vmm_wait_until_done(g);
		vmm_finish(g);
	}
}

/*
 * The end of the run: a skip line for each case if the CPU has no vCPUs,
 * the VMM's summary, then the tests' and the emulator told the result.
 * Returns main's exit status (0 with no test cases: then the VMM is no
 * test program).
 */
int test_end(const struct guest *guests, unsigned n, bool no_vcpus)
{
	bool tested = false;
	unsigned skipped = 0;
	for (unsigned i = 0; i < n; i++) {
		skipped += no_vcpus && !guests[i].running && !guests[i].done;
		if (!test_is_case(&guests[i]))
			continue;
		tested = true;
		if (no_vcpus) {
			uprintf("skip %u %s # no VMX or SVM on this CPU\n", ++test_number,
				guests[i].cfg.name);
			skips++;
		}
	}
	const char *plural = n == 1 ? "" : "s";
	if (skipped)
		uprintf("vmm: %u guest%s: %u ended well, %u failed, %u skipped\n", n, plural,
			ended_well, guests_failed, skipped);
	else
		uprintf("vmm: %u guest%s: %u ended well, %u failed\n", n, plural, ended_well,
			guests_failed);
	if (!tested)
		return 0;
	uprintf("end of tests: %u passed, %u failed, %u skipped\n", test_number - failures - skips,
		failures, skips);
	sys_debug_exit(SLOT_CONSOLE, failures != 0);
	return failures != 0;
}
