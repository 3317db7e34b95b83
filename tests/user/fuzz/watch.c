/*
 * Each CPU's idle thread and watchdog (docs/testing.md, "Blocking and
 * deadlock").  Every CPU that runs threads has an idle thread of the
 * fuzzer's, on it alone, below everything else there (PRIO_IDLE).  It
 * runs only when every worker, victim and vCPU on that CPU is blocked, and
 * then spins in user mode, with no syscall (a syscall would take the big
 * kernel lock from the CPUs that work), doing two things:
 *  - it counts (idle_beats[cpu]): the supervisor's watchdog reads the count
 *    at each PIT tick, and SPIN_TICKS ticks in a row without a beat mean
 *    something below the workers spins on that CPU: the pool's threads
 *    and vCPUs are then suspended (stop_spinners);
 *  - when the calls made so far (calls_made) differ from what it last
 *    reported, it writes the number to idle_seen[cpu] and signals the
 *    supervisor (BADGE_IDLE(cpu)): "my CPU was idle with that many calls
 *    made".  When each CPU that holds a worker not done reported the
 *    number that is still current, no call ended anywhere since every one
 *    of those CPUs was idle: every worker is blocked (workers_blocked),
 *    and the supervisor unsticks them.  Reporting only what is new keeps
 *    an idle CPU from waking the supervisor's CPU over and over.
 * The idle threads never block, so no CPU halts while the fuzzer runs:
 * under QEMU -icount a halt of every CPU would let the host's clock into
 * the guest's time, and a seed would no longer replay.  With several CPUs
 * they spin with PAUSE, which makes QEMU's TCG go on with its next CPU
 * (it runs them in turns) instead of spending this one's turn; that hand-over
 * comes at host-dependent points, so with one CPU, where a seed replays
 * exactly, they spin without it.
 */
#include "fuzz.h"

#define SPIN_TICKS 20 /* ticks without the idle thread that mean something spins */

volatile uint64_t idle_beats[CPUS_MAX];
volatile uint64_t idle_seen[CPUS_MAX];
uint64_t spinner_stops[CPUS_MAX];
static uint64_t beats_at_tick[CPUS_MAX], ticks_without_idle[CPUS_MAX];

void idle_main(uint64_t cpu)
{
	uint64_t told = ~0ULL;

	for (;;) {
		uint64_t calls = calls_made();
		idle_beats[cpu]++;
		if (calls != told) {
			told = calls;
			idle_seen[cpu] = calls;
			sys_signal(SLOT_SUP_IDLE(cpu));
		}
		if (n_cpus > 1) /* QEMU's TCG then runs its next CPU; with one, a replay would differ */
			asm volatile("pause");
	}
}

/* Before the idle threads start: no CPU has reported yet. */
void watch_start(void)
{
	for (unsigned c = 0; c < CPUS_MAX; c++)
		idle_seen[c] = ~0ULL;
}

/* True if every worker not done is blocked: its CPU was idle with the calls made now. */
bool workers_blocked(void)
{
	uint64_t now = calls_made();

	for (unsigned i = 0; i < n_workers; i++)
		if (!workers[i].done && idle_seen[workers[i].cpu] != now)
			return false;
	return true;
}

/*
 * Suspends the pool's threads and vCPUs (and watchdog_finds_spinners's
 * spinner): called when CPU cpu's idle thread did not run for SPIN_TICKS
 * ticks, so something below the workers spins there.  Left running, a
 * spinner keeps that idle thread from ever seeing its workers blocked,
 * and a round then advances one tick at a time (a guest rewriting its own
 * code page under QEMU's TCG runs so slowly that a round took minutes).
 * Threads move between CPUs, so all of them stop.  A later random call may
 * resume them.
 */
static void stop_spinners(unsigned cpu)
{
	spinner_stops[cpu]++;
	for (unsigned i = 0; i < POOL_SLOTS; i++)
		if (pool_type[i] == OBJ_THREAD || pool_type[i] == OBJ_VCPU)
			sys_thread_suspend(pool_slot(i));
	sys_thread_suspend(SLOT_SPINNER);
}

/* At each PIT tick: a CPU whose idle thread did not run for SPIN_TICKS ticks has a spinner. */
void watch_tick(void)
{
	for (unsigned c = 0; c < n_cpus; c++) {
		if (idle_beats[c] != beats_at_tick[c]) {
			beats_at_tick[c] = idle_beats[c];
			ticks_without_idle[c] = 0;
		} else if (++ticks_without_idle[c] == SPIN_TICKS) {
			ticks_without_idle[c] = 0;
			stop_spinners(c);
		}
	}
}

static void spin(uint64_t unused)
{
	(void)unused;
	for (;;)
		asm volatile("pause");
}

/* Waits for `ticks` PIT ticks, watching each CPU as the supervisor does; false without ticks. */
static bool watch_ticks(unsigned ticks)
{
	uint64_t bits;

	while (ticks) {
		if (sys_wait(SLOT_SUP_NTFN, &bits) != OK)
			return false;
		if (!(bits & BADGE_TICK))
			continue;
		sys_irq_ack(SLOT_IRQ_FIRST);
		watch_tick();
		ticks--;
	}
	return true;
}

/*
 * The watchdog's own test, before the rounds: a thread of the fuzzer's
 * spins on each CPU in turn, above that CPU's idle thread and below the
 * workers, as a victim or a guest may.  That CPU's watchdog, and no
 * other's, must stop it within 3 * SPIN_TICKS ticks.  With one idle thread
 * for the whole machine a spinner on any other CPU than its own would go
 * unseen.  Leaves spinner_stops at 0 for the rounds.
 */
bool watchdog_finds_spinners(void)
{
	static uint8_t stack[4096] __attribute__((aligned(16)));
	bool all = true;

	for (unsigned c = 0; c < n_cpus; c++) {
		uint64_t before[CPUS_MAX];
		for (unsigned d = 0; d < n_cpus; d++)
			before[d] = spinner_stops[d];
		sys_retype(SLOT_POOL_UT, OBJ_THREAD, 0, SLOT_SPINNER, 1);
		sys_thread_configure(SLOT_SPINNER, TASK_SELF, SLOT_NONE, SLOT_NONE);
		sys_thread_set_priority(SLOT_SPINNER, PRIO_IDLE + 1);
		sys_thread_set_cpu(SLOT_SPINNER, c);
		sys_thread_start(SLOT_SPINNER, (uint64_t)spin, (uint64_t)&stack[sizeof(stack) - 8], 0);
		for (unsigned t = 0; t < 3 * SPIN_TICKS && spinner_stops[c] == before[c]; t++)
			if (!watch_ticks(1))
				break;
		sys_cap_delete(SLOT_SPINNER);
		bool found = spinner_stops[c] == before[c] + 1;
		for (unsigned d = 0; d < n_cpus; d++)
			found &= d == c || spinner_stops[d] == before[d];
		if (!found)
			uprintf("# fuzz: the watchdog did not find a spinner on CPU %u alone "
				"(spinner stops by CPU, before and after:", c);
		for (unsigned d = 0; !found && d < n_cpus; d++)
			uprintf(" %lu/%lu", before[d], spinner_stops[d]);
		if (!found)
			uprintf(")\n");
		all &= found;
	}
	for (unsigned c = 0; c < n_cpus; c++)
		spinner_stops[c] = ticks_without_idle[c] = 0;
	return all;
}
