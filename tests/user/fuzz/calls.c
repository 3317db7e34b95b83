/*
 * Argument shapes: what each syscall's arguments mean, and a random but
 * mostly valid value for each (a slot that holds the right kind of object,
 * rights the call accepts, an address in the fuzzer's window), mutated now
 * and then into anything at all.  The fuzzer must never hurt itself:
 *  - slots are pool slots or invalid ones; its own slots (task, threads,
 *    UTCBs, console, ports, IRQ, untyped) are named only where a call
 *    cannot take them away (the console for bad writes, the port range to
 *    derive from, the IRQ to ack);
 *  - a thread is never configured into the fuzzer's own task, and frames
 *    are mapped into it only in its window, so no random code runs in its
 *    memory and nothing appears where it passes bad pointers;
 *  - priorities stay below the workers', so its victims cannot starve it;
 *  - debug_exit never gets the console; console_take never does either;
 *  - budgets go only to pool tasks, never to its own (a throttled
 *    supervisor could not keep the watchdog's time), and mostly with
 *    short periods, so that a throttled victim holds its callers briefly;
 *  - the one call that names its own threads moves a worker (itself or
 *    another, in the middle of a call on another CPU) to a CPU that runs
 *    threads, which takes nothing away; the supervisor moves it home at
 *    the next round.
 */
#include "fuzz.h"

enum kind {
	K_NONE, K_CAP, K_EMPTY, K_EP, K_NTFN, K_FRAME, K_UT, K_TASK, K_THREAD, K_SCHED,
	K_VCPU, K_SPACE, K_IOPORT, K_IRQ, K_CONSOLE, K_SCHED_CONTROL, K_POOL_TASK,
	K_FRAME_OR_NONE, K_EP_OR_NONE, K_BUDGET_US, K_PERIOD_US, K_BUDGET_FLAGS,
	K_ADDR, K_GPA, K_LEN, K_RIGHTS, K_MAP_RIGHTS, K_TYPE, K_PAGES, K_COUNT, K_TAG,
	K_PRIO, K_PORT, K_REASON, K_GROUPS, K_VFLAGS, K_SCOPE, K_DEADLINE, K_REGS_SET, K_CPU, K_IRQ_CPU,
	K_ANY,
};

static const uint8_t shapes[SYS_COUNT][6] = {
	[SYS_SEND] = { K_EP, K_TAG, K_ANY, K_ANY, K_ANY, K_ANY },
	[SYS_RECV] = { K_EP },
	[SYS_CALL] = { K_EP, K_TAG, K_ANY, K_ANY, K_ANY, K_ANY },
	[SYS_REPLY] = { K_NONE, K_TAG, K_ANY, K_ANY, K_ANY, K_ANY },
	[SYS_REPLY_RECV] = { K_EP, K_TAG, K_ANY, K_ANY, K_ANY, K_ANY },
	[SYS_NB_SEND] = { K_EP, K_TAG, K_ANY, K_ANY, K_ANY, K_ANY },
	[SYS_NB_RECV] = { K_EP },
	[SYS_SIGNAL] = { K_NTFN },
	[SYS_WAIT] = { K_NTFN },
	[SYS_POLL] = { K_NTFN },
	[SYS_YIELD] = { K_NONE },
	[SYS_CAP_COPY] = { K_CAP, K_TASK, K_EMPTY, K_RIGHTS, K_ANY },
	[SYS_CAP_MOVE] = { K_CAP, K_TASK, K_EMPTY },
	[SYS_CAP_DELETE] = { K_CAP },
	[SYS_CAP_REVOKE] = { K_CAP },
	[SYS_CAP_INFO] = { K_CAP },
	[SYS_RETYPE] = { K_UT, K_TYPE, K_PAGES, K_EMPTY, K_COUNT },
	[SYS_MAP] = { K_FRAME, K_TASK, K_ADDR, K_MAP_RIGHTS },
	[SYS_UNMAP] = { K_FRAME },
	[SYS_THREAD_CONFIGURE] = { K_THREAD, K_TASK, K_FRAME_OR_NONE, K_EP_OR_NONE },
	[SYS_THREAD_START] = { K_THREAD, K_ADDR, K_ADDR, K_ANY },
	[SYS_THREAD_SUSPEND] = { K_SCHED },
	[SYS_THREAD_RESUME] = { K_THREAD },
	[SYS_THREAD_SET_PRIORITY] = { K_SCHED, K_PRIO },
	[SYS_THREAD_READ_REGS] = { K_SCHED, K_REGS_SET },
	[SYS_THREAD_WRITE_REGS] = { K_SCHED, K_REGS_SET },
	[SYS_IRQ_BIND] = { K_IRQ, K_NTFN },
	[SYS_IRQ_ACK] = { K_IRQ },
	[SYS_IOPORT_DERIVE] = { K_IOPORT, K_PORT, K_PORT, K_EMPTY },
	[SYS_DEBUG_WRITE] = { K_CONSOLE, K_ADDR, K_LEN },
	[SYS_DEBUG_EXIT] = { K_CAP, K_ANY },
	[SYS_DEBUG_CHECK] = { K_CONSOLE, K_SCOPE },
	[SYS_GPA_MAP] = { K_FRAME, K_SPACE, K_GPA, K_MAP_RIGHTS },
	[SYS_VCPU_CONFIGURE] = { K_VCPU, K_SPACE, K_VFLAGS },
	[SYS_VCPU_BIND] = { K_VCPU, K_REASON, K_EP_OR_NONE, K_GROUPS },
	[SYS_VCPU_WRITE_STATE] = { K_VCPU },
	[SYS_VCPU_RUN] = { K_VCPU },
	[SYS_VCPU_RECALL] = { K_VCPU },
	[SYS_CONSOLE_TAKE] = { K_CAP, K_NTFN },
	[SYS_CONSOLE_READ] = { K_CONSOLE, K_LEN },
	[SYS_WAIT_UNTIL] = { K_NTFN, K_DEADLINE },
	[SYS_TASK_SET_BUDGET] = { K_SCHED_CONTROL, K_POOL_TASK, K_BUDGET_US, K_PERIOD_US,
				  K_BUDGET_FLAGS },
	[SYS_THREAD_SET_CPU] = { K_SCHED, K_CPU },
	[SYS_IRQ_SET_CPU] = { K_IRQ, K_IRQ_CPU },
	[SYS_DEBUG_CPU_COUNTS] = { K_CONSOLE, K_CPU },
};

/*
 * How often each call is made, relative to the default 4: the calls that
 * take objects away are rarer, or the pool would be empty for most of a
 * round; IPC, which blocks and meets the other workers, is more common.
 */
static const uint8_t weights[SYS_COUNT] = {
	[SYS_SEND] = 6, [SYS_RECV] = 6, [SYS_CALL] = 6, [SYS_REPLY] = 5, [SYS_REPLY_RECV] = 6,
	[SYS_CAP_DELETE] = 1, [SYS_CAP_REVOKE] = 1, [SYS_CAP_MOVE] = 2, [SYS_DEBUG_EXIT] = 1,
	[SYS_DEBUG_CHECK] = 1, [SYS_CONSOLE_TAKE] = 1, [SYS_CONSOLE_READ] = 1,
};

static unsigned weight(uint64_t nr)
{
	return weights[nr] ? weights[nr] : 4;
}

/* A syscall number by weight; now and then (one in 64) one that does not exist. */
static uint64_t rnd_syscall(struct rng *r)
{
	unsigned total = 0, x;

	if (below(r, 64) == 0)
		return below(r, 2) ? SYS_COUNT + below(r, 64) : rnd(r) | SYS_COUNT;
	for (uint64_t nr = 0; nr < SYS_COUNT; nr++)
		total += weight(nr);
	x = below(r, total);
	for (uint64_t nr = 0; nr < SYS_COUNT; nr++) {
		if (x < weight(nr))
			return nr;
		x -= weight(nr);
	}
	return SYS_YIELD;
}

/*
 * The VMM's side, for worker 0 one call in two while guests run: receive
 * on an endpoint the vCPUs' exits go to, so that guests keep running.
 */
static bool vmm_call(struct worker *w, uint64_t *nr, uint64_t *a)
{
	struct rng *r = &w->rng;
	if (w->id != 0 || !guests_possible || below(r, 2))
		return false;
	*nr = below(r, 4) ? SYS_RECV : SYS_NB_RECV;
	a[0] = exit_endpoints[below(r, 2)];
	return true;
}

static const uint64_t bad_addresses[] = {
	0, 8, 0xfff, USER_TOP, USER_TOP - 8, 0x0000900000000000ULL, 0xffff800000000000ULL,
	0xffffffff80000000ULL, 0xffffffff80100000ULL, 0xfffffffffffff000ULL, ~0ULL,
};

static const uint64_t odd_values[] = {
	0, 1, 2, 3, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000, 0x7fffffff, 0x80000000,
	0xffffffff, 1ULL << 32, 1ULL << 47, 1ULL << 63, ~0ULL - 1, ~0ULL,
};

/* Memory of its own whose address it passes around (read by debug_write, for one). */
static uint8_t scratch[2 * PAGE_BYTES] __attribute__((aligned(PAGE_BYTES)));

#define PICK(r, a) ((a)[below(r, ARRAY_LEN(a))])

static uint64_t rnd_addr(struct rng *r)
{
	switch (below(r, 8)) {
	case 0:
		return PICK(r, bad_addresses);
	case 1:
		return (uint64_t)&scratch[below(r, sizeof(scratch))];
	case 2:
		return below(r, USER_TOP / PAGE_BYTES) * PAGE_BYTES;
	case 3:
		return VICTIM_CODE + below(r, 4) * PAGE_BYTES + below(r, 2) * below(r, 64);
	default:
		return WINDOW_VADDR + below(r, WINDOW_PAGES) * PAGE_BYTES;
	}
}

static uint64_t rnd_any(struct rng *r)
{
	switch (below(r, 4)) {
	case 0:
		return below(r, 16);
	case 1:
		return PICK(r, odd_values);
	case 2:
		return rnd_addr(r);
	default:
		return rnd(r);
	}
}

/* A priority below the workers' (so victims never starve them), rarely out of range. */
uint64_t fuzz_prio(struct rng *r)
{
	return below(r, 32) ? below(r, PRIO_WORKER) : PRIO_WORKER + below(r, 300);
}

/* A slot argument of `kind`: mostly the right kind of object, sometimes anything in the pool. */
static uint64_t rnd_slot(struct rng *r, enum kind kind)
{
	static const uint8_t types[] = {
		[K_EP] = OBJ_ENDPOINT, [K_NTFN] = OBJ_NOTIFICATION, [K_FRAME] = OBJ_FRAME,
		[K_UT] = OBJ_UNTYPED, [K_TASK] = OBJ_TASK, [K_THREAD] = OBJ_THREAD,
		[K_VCPU] = OBJ_VCPU, [K_SPACE] = OBJ_GPA_SPACE, [K_IOPORT] = OBJ_IOPORT,
		[K_FRAME_OR_NONE] = OBJ_FRAME, [K_EP_OR_NONE] = OBJ_ENDPOINT,
		[K_POOL_TASK] = OBJ_TASK,
	};

	if (kind == K_POOL_TASK) /* never pool_any's ~0: that is TASK_SELF, the fuzzer's own task */
		return pool_pick(r, below(r, 8) ? OBJ_TASK : below(r, OBJ_TYPE_COUNT));
	if (below(r, 16) == 0)
		return pool_any(r);
	switch (kind) {
	case K_CAP:
		return below(r, 8) ? pool_pick(r, below(r, OBJ_TYPE_COUNT - 1) + 1) : pool_any(r);
	case K_EMPTY:
		return pool_empty(r);
	case K_TASK:
		return below(r, 6) ? pool_pick(r, OBJ_TASK) : TASK_SELF;
	case K_SCHED:
		return pool_pick(r, below(r, 2) ? OBJ_THREAD : OBJ_VCPU);
	case K_IOPORT: /* never SLOT_IOPORTS: its PIT ports are the supervisor's watchdog (main.c) */
		return pool_pick(r, OBJ_IOPORT);
	case K_IRQ:
		return SLOT_IRQ_FIRST;
	case K_CONSOLE:
		return below(r, 4) ? pool_any(r) : SLOT_CONSOLE;
	case K_SCHED_CONTROL: /* (copies of it into the pool: K_CAP never names it) */
		return below(r, 4) ? SLOT_SCHED_CONTROL : below(r, 2) ? SLOT_CONSOLE : pool_any(r);
	case K_FRAME_OR_NONE:
	case K_EP_OR_NONE:
		if (below(r, 4) == 0)
			return SLOT_NONE;
		return pool_pick(r, types[kind]);
	default:
		return pool_pick(r, types[kind]);
	}
}

/* Whether kind names a capability slot (slots stay slots when mutated). */
static bool is_slot(enum kind kind)
{
	return kind >= K_CAP && kind <= K_EP_OR_NONE;
}

static uint64_t rnd_value(struct rng *r, enum kind kind)
{
	switch (kind) {
	case K_NONE:
		return 0;
	case K_ADDR:
		return rnd_addr(r);
	case K_GPA:
		return below(r, 4) ? below(r, 64) * PAGE_BYTES : rnd_any(r);
	case K_LEN:
		return below(r, 2) ? below(r, 64) : PICK(r, odd_values);
	case K_RIGHTS:
		return below(r, RIGHTS_ALL + 1);
	case K_MAP_RIGHTS:
		return RIGHT_R | (below(r, 4) << 1); /* R with any of W and X */
	case K_TYPE:
		return below(r, 8) ? below(r, OBJ_TYPE_COUNT - 1) + 1 : below(r, OBJ_TYPE_COUNT + 4);
	case K_PAGES:
		return below(r, 4) ? below(r, 4) + 1 : TASK_BASE_PAGES + below(r, 8);
	case K_COUNT:
		return below(r, 4) ? 1 : below(r, 6);
	case K_TAG:
		return MSG_TAG(below(r, 4) ? below(r, 8) : rnd(r) >> 16, below(r, 4) ? below(r, 8)
			       : below(r, MSG_MAX_WORDS + 8), below(r, 4) ? 0 : below(r, 4));
	case K_PRIO:
		return fuzz_prio(r);
	case K_PORT:
		return below(r, 4) ? 0x40 + below(r, 4) : rnd_any(r);
	case K_REASON:
		return below(r, 4) ? VMEXIT_DEFAULT : below(r, 8) ? below(r, VMEXIT_REASONS) :
		       VMEXIT_RECALL;
	case K_GROUPS:
		return below(r, 8) ? rnd(r) & (VMG_ALL & ~VMG_REPLY_ONLY) : rnd_any(r);
	case K_VFLAGS:
		return below(r, 4) ? 0 : below(r, 3);
	case K_SCOPE:
		return DEBUG_CHECK_HARDWARE;
	case K_CPU: /* mostly a CPU the machine may have (the emulators give 1, 2 or 4), some not */
		return below(r, 8) ? below(r, 4) : rnd_any(r);
	/*
	 * CPU 0 (the pin aimed again while the line fires, is bound and
	 * acknowledged), or a CPU refused; never CPU 1: IRQ 0 is the
	 * supervisor's watchdog, and under QEMU (its CPUs in turns) an idle
	 * CPU 1 took its ticks seconds late while CPU 0 ran the workers, a
	 * run 30 times slower.  The user suite moves lines across CPUs.
	 */
	case K_IRQ_CPU:
		return below(r, 2) ? 0 : below(r, 2) ? 4 + below(r, 60) : rnd(r) | 1ULL << 63;
	case K_REGS_SET: /* a thread's or a vCPU's, or none (a vCPU's x87/SSE image comes from the UTCB) */
		return below(r, 8) ? below(r, REGS_X87 + 1) : REGS_X87 + 1 + below(r, 4);
	case K_BUDGET_US: /* mostly valid (100 us to 5 ms), some out of range */
		return below(r, 4) ? BUDGET_MIN_US + below(r, 5000) : PICK(r, odd_values);
	case K_PERIOD_US: /* mostly 1 to 20 ms: a throttled victim holds its callers briefly */
		return below(r, 4) ? 1000 + below(r, 20000) : below(r, 2) ? BUDGET_MAX_PERIOD_US
		       : PICK(r, odd_values);
	case K_BUDGET_FLAGS:
		return below(r, 4) ? 0 : below(r, 4);
	case K_DEADLINE: /* mostly soon, so that timeouts fire during the round; some past, some never */
		return below(r, 4) ? rdtsc() + below(r, 1u << 20) : below(r, 2) ? rdtsc() - below(r, 1u << 20)
		       : PICK(r, odd_values);
	default:
		return rnd_any(r);
	}
}

/* A value of `kind`; now and then (one in 12) anything at all, though slots stay slots. */
static uint64_t rnd_arg(struct rng *r, enum kind kind)
{
	if (is_slot(kind))
		return rnd_slot(r, kind);
	if (kind != K_NONE && kind != K_SCOPE && below(r, 12) == 0)
		return rnd_any(r);
	return rnd_value(r, kind);
}

/* Makes a call safe for the fuzzer itself (the rules at the top); returns its number. */
static uint64_t make_safe(struct rng *r, uint64_t nr, uint64_t *a)
{
	switch (nr) {
	case SYS_DEBUG_EXIT:
		a[0] = CSPACE_SLOTS;
		break;
	case SYS_CONSOLE_TAKE:
		if (a[0] == SLOT_CONSOLE)
			a[0] = pool_any(r);
		break;
	case SYS_THREAD_CONFIGURE:
		if (a[1] == TASK_SELF)
			a[1] = pool_pick(r, OBJ_TASK);
		break;
	case SYS_MAP:
		if (a[1] == TASK_SELF && a[2] < USER_TOP)
			a[2] = WINDOW_VADDR + below(r, WINDOW_PAGES) * PAGE_BYTES + below(r, 2) * 8;
		break;
	case SYS_THREAD_SET_CPU: /* one in 8 with several CPUs: a worker */
		if (n_cpus > 1 && below(r, 8) == 0) {
			a[0] = SLOT_WORKER(below(r, n_workers));
			a[1] = below(r, n_cpus);
		}
		break;
	case SYS_DEBUG_WRITE: /* the real console only with an unreadable buffer or no bytes */
		if (a[0] == SLOT_CONSOLE) {
			a[1] = PICK(r, bad_addresses);
			if (a[1] == 0 && below(r, 2))
				a[2] = 0;
		}
		break;
	}
	return nr;
}

/* Words, capabilities and registers a call reads from the caller's UTCB. */
static void fill_utcb(struct worker *w, uint64_t nr)
{
	struct utcb *u = w->utcb;
	struct rng *r = &w->rng;

	if (nr == SYS_VCPU_WRITE_STATE) {
		guest_state(r, u->mr, below(r, GUEST_MODES));
		return;
	}
	if (nr == SYS_THREAD_WRITE_REGS) {
		for (unsigned i = 0; i < sizeof(struct user_regs) / 8; i++)
			u->mr[i] = rnd_any(r);
		((struct user_regs *)u->mr)->rip = below(r, 8) ? VICTIM_CODE + below(r, 4096)
							       : rnd_any(r);
		return;
	}
	for (unsigned i = MSG_REG_WORDS; i < 12; i++)
		u->mr[i] = rnd_any(r);
	for (unsigned i = 0; i < MSG_MAX_CAPS; i++) {
		u->send_caps[i] = rnd_slot(r, K_CAP);
		u->recv_slots[i] = pool_empty(r);
	}
}

uint64_t fuzz_one_call(struct worker *w, uint64_t *status, struct sysregs *out)
{
	struct rng *r = &w->rng;
	uint64_t nr, a[6];

	nr = rnd_syscall(r);
	for (unsigned i = 0; i < 6; i++)
		a[i] = nr < SYS_COUNT ? rnd_arg(r, shapes[nr][i]) : rnd_any(r);
	if (vmm_call(w, &nr, a)) {
		fill_utcb(w, nr);
	} else if (nr < SYS_COUNT) {
		nr = make_safe(r, nr, a);
		fill_utcb(w, nr);
	}
	*out = (struct sysregs){ a[0], a[1], a[2], a[3], a[4], a[5] };
	*status = moat_syscall(nr, out);
	for (unsigned i = 0; nr == SYS_THREAD_SET_CPU && *status == OK && i < n_workers; i++)
		if (a[0] == SLOT_WORKER(i)) /* a worker moved: workers_blocked (watch.c) asks where */
			workers[i].cpu = (unsigned)a[1];
	return nr;
}
