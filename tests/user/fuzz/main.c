/*
 * The syscall fuzzer's supervisor (docs/testing.md).  It runs in rounds:
 * each round revokes the previous round's objects, makes a fresh pool
 * (untyped memory, endpoints, notifications, frames, tasks with threads
 * running random code, and where the CPU can, a guest-physical space and
 * vCPUs running a random guest), then lets its workers make their quota
 * of random calls concurrently, blocking calls included.  The workers are
 * spread over every CPU that runs threads (fuzz.h), so calls on different
 * CPUs race on the same objects.
 *
 * Nothing may block for ever, and no timeout decides a result:
 *  - the supervisor runs above everything and waits on one notification;
 *  - a worker signals it when done with its quota;
 *  - each CPU's idle thread, below everything on its CPU, signals it when
 *    it sees its CPU idle with a number of calls made it has not reported
 *    (watch.c); once every CPU that holds a worker not done has reported
 *    the current number, every worker is blocked;
 *  - the PIT signals it (1 kHz) for what the idle threads cannot see: a
 *    victim or a guest spinning on a CPU while its workers are blocked;
 * then it suspends and resumes every worker that is not done, which ends
 * the call it was blocked in with ERR_CANCELED.  On ticks it waits for
 * STALL_TICKS of them without a call done: a resumed worker goes to the
 * tail of its priority's queue, so unsticking at every tick would keep a
 * spinner of the workers' own priority (a pool thread whose capability
 * went where the supervisor cannot reach it) ahead of them for good.
 * A CPU whose idle thread did not run for SPIN_TICKS ticks has something
 * below the workers spinning: the pool's threads and vCPUs are then
 * suspended (watch.c).
 *
 * The seed comes from the boot module "fuzzseed" ("seed=N calls=N
 * bochs_calls=N"), which `make test` writes afresh for each run and
 * `make fuzz SEED=N` writes to replay one.  The fuzzer ends the emulator
 * itself (sys_debug_exit).
 */
#include "mem.h"
#include "moat/port_io.h"

#include "fuzz.h"

#define DEFAULT_CALLS  200000
#define ROUND_QUOTA    150       /* calls per worker per round */
#define POOL_PAGES     1664      /* the untyped memory each round's objects come from */
#define PIT_DIVISOR    1193      /* 1 kHz */
#define STUCK_LIMIT    5000      /* unsticks without progress that mean a worker is dead */
#define STALL_TICKS    4         /* ticks without a call done that mean the workers are blocked */

unsigned n_cpus = 1, n_workers = WORKERS_MIN;
uint64_t rounds;
static uint64_t seed, target = DEFAULT_CALLS;
static uint64_t unsticks, guest_runs;
static uint64_t objects_broken, objects_broken_round; /* full checks after rounds: failed; the first's */
static bool stuck_worker;
static unsigned setup_broken; /* rounds whose victims' code frame was not what make_pool made */
static uint8_t worker_stacks[WORKERS_MAX][16384] __attribute__((aligned(16)));
static uint8_t idle_stacks[CPUS_MAX][4096] __attribute__((aligned(16)));

/* --- the seed --------------------------------------------------------------- */

/* The number after `key=` in text, or def. */
static uint64_t option(const char *text, uint64_t len, const char *key, uint64_t def)
{
	uint64_t klen = strlen(key);
	for (uint64_t i = 0; i + klen < len; i++) {
		if ((i == 0 || text[i - 1] == ' ' || text[i - 1] == '\n') &&
		    !memcmp(text + i, key, klen) && text[i + klen] == '=') {
			const char *p = text + i + klen + 1;
			uint64_t v = 0, base = 10;
			if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
				p += 2, base = 16;
			for (;; p++) {
				unsigned d = *p >= '0' && *p <= '9' ? (unsigned)(*p - '0') :
					     (*p | 0x20) >= 'a' && (*p | 0x20) <= 'f' ? (unsigned)((*p | 0x20) - 'a' + 10) : 99;
				if (d >= base)
					break;
				v = v * base + d;
			}
			return v;
		}
	}
	return def;
}

/* Under QEMU or not (Bochs is slower: it gets bochs_calls); by the CPU's brand string. */
static bool under_qemu(void)
{
	uint32_t b[12];
	for (unsigned i = 0; i < 3; i++)
		asm volatile("cpuid" : "=a"(b[4 * i]), "=b"(b[4 * i + 1]), "=c"(b[4 * i + 2]),
			     "=d"(b[4 * i + 3]) : "a"(0x80000002 + i), "c"(0));
	const char *s = (const char *)b;
	for (unsigned i = 0; i + 4 <= sizeof(b); i++)
		if (!memcmp(s + i, "QEMU", 4))
			return true;
	return false;
}

/* The seed and the number of calls, from the module "fuzzseed", else from the TSC. */
static void read_seed(void)
{
	uint64_t bytes, slot = module_slot("fuzzseed", &bytes);
	const uint64_t at = SETUP_VADDR - 0x100000;

	seed = rdtsc();
	if (slot == SLOT_NONE || sys_map(slot, TASK_SELF, at, RIGHT_R) != OK) {
		uprintf("# fuzz: no fuzzseed module: the seed comes from the TSC\n");
		return;
	}
	seed = option((const char *)at, bytes, "seed", seed);
	target = option((const char *)at, bytes, under_qemu() ? "calls" : "bochs_calls", target);
	sys_unmap(slot);
}

/* --- the fuzzer's own objects ------------------------------------------------ */

/* Starts a thread of its own task (made in slot) on cpu at fn(arg), stack below stack_top. */
static void start_thread(uint64_t slot, uint64_t utcb_slot, void (*fn)(uint64_t), uint64_t arg,
			 uint8_t *stack_top, uint64_t prio, unsigned cpu)
{
	sys_thread_configure(slot, TASK_SELF, utcb_slot, SLOT_NONE);
	sys_thread_set_priority(slot, prio);
	sys_thread_set_cpu(slot, cpu);
	sys_thread_start(slot, (uint64_t)fn, (uint64_t)stack_top - 8, arg);
}

/* The notification the supervisor waits on, with badged copies; false without the PIT's tick. */
static bool make_signals(void)
{
	sys_retype(SLOT_UNTYPED, OBJ_NOTIFICATION, 0, SLOT_SUP_NTFN, 1);
	sys_cap_copy(SLOT_SUP_NTFN, TASK_SELF, SLOT_SUP_DONE, RIGHT_W, BADGE_DONE);
	sys_cap_copy(SLOT_SUP_NTFN, TASK_SELF, SLOT_SUP_TICK, RIGHT_W, BADGE_TICK);
	if (sys_irq_bind(SLOT_IRQ_FIRST, SLOT_SUP_TICK) != OK) {
		uprintf("# fuzz: no IRQ 0: no watchdog for spinning victims\n");
		return false;
	}
	outb(0x43, 0x34); /* channel 0, mode 2 (rate generator) */
	outb(0x40, PIT_DIVISOR & 0xff);
	outb(0x40, PIT_DIVISOR >> 8);
	return true;
}

/* A worker's home CPU: the workers go round the CPUs. */
static unsigned home(unsigned i)
{
	return i % n_cpus;
}

/*
 * How many CPUs run threads (cpus_running, on CPU 0's idle thread), then
 * WORKERS_MIN workers or more, as many on each CPU, each on its home CPU,
 * and an idle thread on every CPU.
 */
static void make_workers(void)
{
	sys_retype(SLOT_UNTYPED, OBJ_THREAD, 0, SLOT_IDLE(0), 1);
	n_cpus = cpus_running(SLOT_IDLE(0));
	if (n_cpus == 0 || n_cpus > CPUS_MAX) {
		uprintf("# fuzz: %u CPUs run threads: the fuzzer uses %u\n", n_cpus, n_cpus ? CPUS_MAX : 1);
		n_cpus = n_cpus ? CPUS_MAX : 1;
	}
	n_workers = (WORKERS_MIN + n_cpus - 1) / n_cpus * n_cpus;
	n_workers = n_workers < WORKERS_MAX ? n_workers : WORKERS_MAX;
	rdtscp = have_rdtscp();
	for (unsigned i = 0; i < n_workers; i++) {
		struct worker *w = &workers[i];
		w->id = i;
		w->done = true;
		w->cpu = home(i);
		w->utcb = (struct utcb *)(WUTCB_VADDR + i * PAGE_BYTES);
		rng_seed(&w->rng, seed, i);
		sys_retype(SLOT_UNTYPED, OBJ_FRAME, 1, SLOT_WUTCB(i), 1);
		sys_map(SLOT_WUTCB(i), TASK_SELF, (uint64_t)w->utcb, RIGHT_R | RIGHT_W);
		sys_retype(SLOT_UNTYPED, OBJ_NOTIFICATION, 0, SLOT_WGO(i), 1);
		sys_retype(SLOT_UNTYPED, OBJ_THREAD, 0, SLOT_WORKER(i), 1);
		start_thread(SLOT_WORKER(i), SLOT_WUTCB(i), worker_main, i,
			     worker_stacks[i] + sizeof(worker_stacks[i]), PRIO_WORKER, w->cpu);
	}
	watch_start();
	for (unsigned c = 0; c < n_cpus; c++) {
		sys_cap_copy(SLOT_SUP_NTFN, TASK_SELF, SLOT_SUP_IDLE(c), RIGHT_W, BADGE_IDLE(c));
		if (c)
			sys_retype(SLOT_UNTYPED, OBJ_THREAD, 0, SLOT_IDLE(c), 1);
		start_thread(SLOT_IDLE(c), SLOT_NONE, idle_main, c, idle_stacks[c] + sizeof(idle_stacks[c]),
			     PRIO_IDLE, c);
	}
	sys_retype(SLOT_UNTYPED, OBJ_UNTYPED, POOL_PAGES, SLOT_POOL_UT, 1);
	uprintf("fuzz: %u CPUs run threads: %u workers, worker i on CPU i %% %u; an idle thread on each\n",
		n_cpus, n_workers, n_cpus);
}

/* --- each round's pool --------------------------------------------------------- */

struct made {
	unsigned ut, ep, ntfn, frame, task, thread, space, ram, vcpu;
};

/* count objects of type from the pool untyped into the next pool slots; returns the first. */
static unsigned make(unsigned *next, uint64_t type, uint64_t pages, unsigned count)
{
	unsigned first = *next;
	sys_retype(SLOT_POOL_UT, type, pages, pool_slot(first), count);
	*next += count + 1; /* an empty slot after each kind */
	return first;
}

/* Pool tasks run random bytes: their faults come to the workers as fault messages. */
static void start_victims(struct rng *r, const struct made *m)
{
	uint8_t *code = (uint8_t *)SETUP_VADDR;
	uint64_t f = pool_slot(m->frame + 5);
	struct cap_info info;
	if (sys_map(f, TASK_SELF, SETUP_VADDR, RIGHT_R | RIGHT_W) == OK) {
		/*
		 * Once, at round 251 of a QEMU run, this fill faulted on the
		 * frame's second page after writing part of it: a worker that
		 * ran late had unmapped it (worker.c; docs/testing.md, "What the
		 * fuzzer does").  The frame is checked first all the same.
		 */
		if (sys_cap_info(f, &info) != OK || info.type != OBJ_FRAME || info.size != 2) {
			uprintf("# fuzz: the victims' code frame is type %lu, %lu pages, not a frame of 2\n",
				info.type, info.size);
			setup_broken++;
		} else {
			for (unsigned i = 0; i < 2 * PAGE_BYTES; i++)
				code[i] = below(r, 4) ? (uint8_t)rnd(r) : 0;
		}
		sys_unmap(f);
	}
	sys_map(f, pool_slot(m->task), VICTIM_CODE, RIGHT_R | RIGHT_X | RIGHT_W);
	sys_thread_configure(pool_slot(m->thread), pool_slot(m->task), pool_slot(m->frame + 1),
			     pool_slot(m->ep));
	sys_thread_configure(pool_slot(m->thread + 1), pool_slot(m->task), SLOT_NONE,
			     pool_slot(m->ep + 1));
	for (unsigned i = 0; i < 2; i++) {
		sys_thread_set_priority(pool_slot(m->thread + i), fuzz_prio(r) % PRIO_WORKER);
		sys_thread_start(pool_slot(m->thread + i), VICTIM_CODE + below(r, 64), 0, 0);
	}
}

/* The state groups an exit binding asks for: often just the fast path's ACDB and RIP. */
static uint64_t exit_groups(struct rng *r)
{
	if (below(r, 3) == 0)
		return VMG_GPR_ACDB | VMG_RIP;
	return (rnd(r) & (VMG_ALL & ~VMG_REPLY_ONLY)) | VMG_RIP;
}

/* A random guest in the pool's space, run by both pool vCPUs; false if it could not start. */
static bool start_guest(struct rng *r, const struct made *m)
{
	uint64_t ram = pool_slot(m->ram), space = pool_slot(m->space);
	unsigned mode = below(r, GUEST_MODES);
	bool ran = false;

	if (sys_map(ram, TASK_SELF, SETUP_VADDR, RIGHT_R | RIGHT_W) != OK)
		return false;
	guest_build(r, (uint8_t *)SETUP_VADDR, mode);
	sys_unmap(ram);
	sys_gpa_map(ram, space, 0, RIGHT_R | RIGHT_W | RIGHT_X);
	for (unsigned i = 0; i < 2; i++) {
		uint64_t v = pool_slot(m->vcpu + i);
		sys_vcpu_configure(v, space, 0);
		exit_endpoints[i] = pool_slot(m->ep + 1 + i);
		sys_vcpu_bind(v, VMEXIT_DEFAULT, exit_endpoints[i], exit_groups(r));
		guest_state(r, utcb()->mr, mode);
		sys_vcpu_write_state(v);
		sys_thread_set_priority(v, below(r, PRIO_WORKER));
		ran |= sys_vcpu_run(v) == OK;
	}
	return ran;
}

static void make_pool(struct rng *r, struct made *m)
{
	unsigned next = 0;

	sys_cap_revoke(SLOT_POOL_UT);
	for (unsigned i = 0; i < POOL_SLOTS; i++)
		sys_cap_delete(pool_slot(i));
	m->ut = make(&next, OBJ_UNTYPED, 64, 1);
	m->ep = make(&next, OBJ_ENDPOINT, 0, 4);
	m->ntfn = make(&next, OBJ_NOTIFICATION, 0, 3);
	m->frame = make(&next, OBJ_FRAME, 1, 4);
	make(&next, OBJ_FRAME, 2, 1); /* m->frame + 5 (after the gap): victims' code */
	m->task = make(&next, OBJ_TASK, TASK_BASE_PAGES + 4, 2);
	m->thread = make(&next, OBJ_THREAD, 0, 3);
	/*
	 * PIT channels 1 and 2: nothing listens to them.  Never 0x40 or 0x43: a
	 * victim given those could reprogram channel 0, the supervisor's
	 * watchdog (QEMU's mode-2 counter with count 1 never raises IRQ 0
	 * again), and a spinning guest would then run for ever.
	 */
	sys_ioport_derive(SLOT_IOPORTS, 0x41, 0x42, pool_slot(next++));
	m->space = make(&next, OBJ_GPA_SPACE, GPA_SPACE_BASE_PAGES + 8, 1);
	m->ram = make(&next, OBJ_FRAME, GUEST_RAM_PAGES, 1);
	m->vcpu = make(&next, OBJ_VCPU, VCPU_PAGES, 2);
	make(&next, OBJ_FRAME_2M, FRAME_2M_PAGES, 1); /* large leaves among the random maps */
	sys_map(pool_slot(m->frame), TASK_SELF, WINDOW_VADDR, RIGHT_R | RIGHT_W);
	sys_cap_copy(pool_slot(m->ep), TASK_SELF, pool_slot(next++), RIGHT_W, 0xbad9e);
	sys_cap_copy(pool_slot(m->ep), pool_slot(m->task), 1, RIGHTS_ALL, 0);
	start_victims(r, m);
	pool_refresh();
	guests_possible = pool_type[m->vcpu] == OBJ_VCPU;
	if (guests_possible)
		guest_runs += start_guest(r, m);
}

/* --- supervising a round ---------------------------------------------------------- */

static bool all_done(void)
{
	for (unsigned i = 0; i < n_workers; i++)
		if (!workers[i].done)
			return false;
	return true;
}

/* Each CPU's ticks so far (SYS_DEBUG_CPU_COUNTS; 0 for one it cannot read). */
static void ticks_read(uint64_t ticks[CPUS_MAX])
{
	for (unsigned cpu = 0; cpu < n_cpus; cpu++) {
		struct cpu_counts c;
		sys_debug_cpu_counts(SLOT_CONSOLE, cpu, &c);
		ticks[cpu] = c.ticks;
	}
}

/*
 * Why the workers stalled, as far as the supervisor can tell: a CPU that
 * took no tick since the last progress ran no kernel code with interrupts
 * on all that time (docs/testing.md, "The fuzzer").
 */
static void stall_report(const uint64_t at_progress[CPUS_MAX])
{
	uint64_t now[CPUS_MAX];
	ticks_read(now);
	for (unsigned cpu = 0; cpu < n_cpus; cpu++)
		uprintf("# fuzz: CPU %u took %lu ticks since the last progress%s\n", cpu,
			now[cpu] - at_progress[cpu],
			now[cpu] == at_progress[cpu] ? ": it ran nothing with interrupts on" : "");
}

/* Ends the blocked call of every worker not done (ERR_CANCELED); notes a worker that is dead. */
static void unstick(void)
{
	static uint64_t last, same, ticks_at_progress[CPUS_MAX];

	unsticks++;
	for (unsigned i = 0; i < n_workers; i++) {
		if (workers[i].done)
			continue;
		sys_thread_suspend(SLOT_WORKER(i));
		sys_thread_resume(SLOT_WORKER(i));
	}
	same = calls_made() == last ? same + 1 : 0;
	last = calls_made();
	if (!same)
		ticks_read(ticks_at_progress);
	if (same < STUCK_LIMIT)
		return;
	uprintf("# fuzz: the workers made no progress in %u unsticks: giving up\n", STUCK_LIMIT);
	stall_report(ticks_at_progress);
	for (unsigned i = 0; i < n_workers; i++) {
		if (workers[i].done)
			continue;
		uint64_t st = sys_thread_read_regs(SLOT_WORKER(i));
		const struct user_regs *u = (const struct user_regs *)utcb()->mr;
		uprintf("# fuzz: worker %u (CPU %u) stuck after its call %lu (registers read: %lu): "
			"rip %#lx rax %#lx rdi %#lx rsi %#lx\n", i, workers[i].cpu, workers[i].calls, st,
			u->rip, u->rax, u->rdi, u->rsi);
	}
	stuck_worker = true;
	for (unsigned i = 0; i < n_workers; i++)
		workers[i].done = true;
}

/* Waits until every worker is done, unsticking them whenever all are blocked. */
static void supervise(void)
{
	uint64_t bits, at_last_tick = ~0ULL, stalled_ticks = 0;

	while (!all_done()) {
		if (sys_wait(SLOT_SUP_NTFN, &bits) != OK)
			continue;
		if (bits & BADGE_TICK)
			sys_irq_ack(SLOT_IRQ_FIRST);
		if (all_done())
			break;
		if (bits & BADGE_TICK) {
			watch_tick();
			stalled_ticks = calls_made() == at_last_tick ? stalled_ticks + 1 : 0;
			at_last_tick = calls_made();
		}
		if (workers_blocked() || stalled_ticks >= STALL_TICKS) {
			unstick();
			stalled_ticks = 0;
		}
	}
}

/*
 * The full check after a round: the workers are all done and wait for the
 * next one; the pool's threads and vCPUs may still run on every CPU.
 */
static void check_objects(void)
{
	uint64_t broken;
	if (sys_debug_check_scope(SLOT_CONSOLE, 0, &broken) != OK || broken) {
		if (!objects_broken) {
			objects_broken_round = rounds;
			uprintf("# fuzz: the kernel's full check found %lu broken after round %lu; "
				"replay: make fuzz SEED=%#lx\n", broken, rounds, seed);
		}
		objects_broken++;
	}
}

/* Puts every worker a worker moved back on its home CPU (it waits for the round). */
static void send_workers_home(void)
{
	for (unsigned i = 0; i < n_workers; i++) {
		if (workers[i].cpu == home(i))
			continue;
		sys_thread_set_cpu(SLOT_WORKER(i), home(i));
		workers[i].cpu = home(i);
	}
}

static void run_round(struct rng *r, uint64_t done)
{
	struct made m;
	uint64_t left = target - done;

	make_pool(r, &m);
	send_workers_home();
	for (unsigned i = 0; i < n_workers; i++) {
		uint64_t q = left / n_workers + (i < left % n_workers);
		workers[i].quota = q < ROUND_QUOTA ? q : ROUND_QUOTA;
		workers[i].done = false;
		sys_signal(SLOT_WGO(i));
	}
	supervise();
	rounds++;
	check_objects();
	if (rounds % 50 == 0)
		uprintf("fuzz: round %lu: %lu calls, %lu unsticks\n", rounds, calls_made(), unsticks);
}

/* --- the report ------------------------------------------------------------------- */

/* Statuses that mean the arguments passed the kernel's checks. */
static bool accepted(unsigned st)
{
	return st == OK || st == ERR_WOULD_BLOCK || st == ERR_NO_REPLY || st == ERR_CANCELED ||
	       st == ERR_DELETED || st == ERR_TIMEOUT;
}

static void report(uint64_t *total, uint64_t *undefined)
{
	uint64_t counts[ERR_COUNT + 1] = { 0 }, ok = 0, exits = 0, replies = 0, faults = 0;

	for (unsigned i = 0; i < n_workers; i++) {
		for (unsigned s = 0; s <= ERR_COUNT; s++)
			counts[s] += workers[i].counts[s];
		exits += workers[i].exits;
		replies += workers[i].exit_replies_ok;
		faults += workers[i].faults;
	}
	*total = 0;
	uprintf("fuzz: statuses:");
	for (unsigned s = 0; s <= ERR_COUNT; s++) {
		*total += counts[s];
		ok += s < ERR_COUNT && accepted(s) ? counts[s] : 0;
		if (counts[s])
			uprintf(" %s %lu", s < ERR_COUNT ? status_name(s) : "UNDEFINED", counts[s]);
	}
	uprintf("\nfuzz: %lu calls in %lu rounds, %lu%% past the argument checks; %lu VM exits "
		"handled (%lu replies taken), %lu faults answered, %lu unsticks\n",
		*total, rounds, *total ? ok * 100 / *total : 0, exits, replies, faults, unsticks);
	*undefined = counts[ERR_COUNT];
}

/*
 * Per CPU: the calls made there (by RDTSCP's number where the CPU has it,
 * else by where the worker was put) and the spinners its watchdog found.
 * Returns how many CPUs made no call.
 */
static unsigned report_cpus(void)
{
	unsigned idle_cpus = 0;

	uprintf("fuzz: per CPU (%s): calls, spinner stops:", rdtscp ? "as RDTSCP names it"
		: "where the worker was put");
	for (unsigned c = 0; c < n_cpus; c++) {
		uint64_t calls = 0;
		for (unsigned i = 0; i < n_workers; i++)
			calls += workers[i].on_cpu[c];
		uprintf(" cpu%u %lu, %lu;", c, calls, spinner_stops[c]);
		idle_cpus += calls == 0;
	}
	uprintf("\n");
	return idle_cpus;
}

/* Each worker's first failing hardware check; how many workers saw one. */
static uint64_t report_checks(void)
{
	uint64_t broken = 0;
	for (unsigned i = 0; i < n_workers; i++) {
		struct worker *w = &workers[i];
		if (w->broken)
			uprintf("# fuzz: worker %u: hardware check failed after its call %lu (syscall "
				"%lu; >= %u: an exit of reason n - %u; the check's status %s, %lu broken); "
				"replay: make fuzz SEED=%#lx\n", i, w->broken_at, w->broken_nr, SYS_COUNT,
				SYS_COUNT, status_name(w->broken_status), w->broken_count, seed);
		broken += w->broken;
	}
	return broken;
}

/* The full checks the workers ran in the middle of their rounds; the round of the first failure. */
static uint64_t report_concurrent_checks(uint64_t *first_round)
{
	uint64_t broken = 0;

	*first_round = 0;
	for (unsigned i = 0; i < n_workers; i++) {
		struct worker *w = &workers[i];
		if (!w->objects_broken)
			continue;
		uprintf("# fuzz: worker %u (home CPU %u): the full check found %lu broken in the middle "
			"of round %lu; replay: make fuzz SEED=%#lx\n", i, home(i), w->objects_broken,
			w->objects_broken_round, seed);
		if (!*first_round || w->objects_broken_round < *first_round)
			*first_round = w->objects_broken_round;
		broken += w->objects_broken;
	}
	return broken;
}

/* One case's line; a failure names the seed and the first round that broke. */
static void verdict(unsigned n, bool ok, const char *name, uint64_t round)
{
	if (ok)
		uprintf("ok %u %s\n", n, name);
	else if (round)
		uprintf("not ok %u %s # seed %#lx, first broken in round %lu\n", n, name, seed, round);
	else
		uprintf("not ok %u %s # seed %#lx\n", n, name, seed);
}

int main(uint64_t arg)
{
	struct rng r;
	uint64_t total, undefined, broken, concurrent_round;
	bool pit, watchdog = false;
	unsigned passed, failed = 0, skipped = 0;

	(void)arg;
	read_seed();
	uprintf("fuzz: seed %#lx, %lu calls (replay: make fuzz SEED=%#lx)\n", seed, target, seed);
	rng_seed(&r, seed, WORKERS_MAX);
	pit = make_signals();
	make_workers();
	if (pit)
		watchdog = watchdog_finds_spinners();
	while (calls_made() < target && !stuck_worker)
		run_round(&r, calls_made());
	for (unsigned i = 0; i < n_workers; i++)
		sys_thread_suspend(SLOT_WORKER(i));
	for (unsigned c = 0; c < n_cpus; c++)
		sys_thread_suspend(SLOT_IDLE(c));
	sys_cap_revoke(SLOT_POOL_UT);
	for (unsigned i = 0; i < POOL_SLOTS; i++)
		sys_cap_delete(pool_slot(i));
	check_objects();
	report(&total, &undefined);
	unsigned cpus_without_calls = report_cpus();
	broken = report_checks();
	uint64_t concurrent = report_concurrent_checks(&concurrent_round);

	bool survived = undefined == 0 && !stuck_worker && !setup_broken && total >= target;
	uint64_t exits = 0;
	for (unsigned i = 0; i < n_workers; i++)
		exits += workers[i].exits;
	bool guests = guest_runs > 0 && exits > 0;
	if (undefined)
		uprintf("# %lu calls returned a status the ABI does not define\n", undefined);
	uprintf("%s 1 fuzz_survived_%lu_calls\n", survived ? "ok" : "not ok", target);
	verdict(2, broken == 0, "fuzz_hardware_state_holds_after_every_call_and_exit", 0);
	verdict(3, !objects_broken, "fuzz_kernel_objects_hold_after_every_round", objects_broken_round);
	failed += !survived + (broken != 0) + (objects_broken != 0);
	if (!guests_possible) {
		skipped++;
		uprintf("skip 4 fuzz_guests_exit_and_get_replies # no vCPUs: the CPU has neither "
			"VMX nor SVM\n");
	} else {
		verdict(4, guests, "fuzz_guests_exit_and_get_replies", 0);
		failed += !guests;
	}
	verdict(5, concurrent == 0, "fuzz_kernel_objects_hold_while_every_cpu_calls", concurrent_round);
	verdict(6, cpus_without_calls == 0, "fuzz_calls_made_on_every_cpu", 0);
	failed += (concurrent != 0) + (cpus_without_calls != 0);
	if (!pit) {
		skipped++;
		uprintf("skip 7 fuzz_watchdog_finds_a_spinner_on_every_cpu # no IRQ 0: no PIT tick\n");
	} else {
		verdict(7, watchdog, "fuzz_watchdog_finds_a_spinner_on_every_cpu", 0);
		failed += !watchdog;
	}
	passed = 7 - failed - skipped;
	uprintf("end of tests: %u passed, %u failed, %u skipped\n", passed, failed, skipped);
	sys_debug_exit(SLOT_CONSOLE, failed != 0);
	return failed != 0;
}
