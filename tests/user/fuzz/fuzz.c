/*
 * The syscall fuzzer: FUZZ_CALLS random syscalls from a fixed seed, then
 * the kernel's invariant check.  The kernel must survive every call and
 * answer each with a defined status.
 *
 * It is started with only the console and untyped memory.  It must never
 * hurt itself, so the random arguments obey these rules:
 *  - slots are drawn from its own range [FUZZ_FIRST, FUZZ_FIRST + FUZZ_SLOTS)
 *    or are invalid (>= CSPACE_SLOTS); the startup slots (its own task,
 *    thread, UTCB, console, untyped) are never named, so they can be
 *    neither deleted nor moved nor copied into the range;
 *  - blocking calls become non-blocking ones (send, call -> nb_send;
 *    recv -> nb_recv; reply_recv -> reply; wait -> poll);
 *  - debug_exit gets an invalid slot, never a console;
 *  - debug_write reaches the real console only with bad buffers (or length 0);
 *  - a thread is never configured into the fuzzer's own task (TASK_SELF is
 *    swapped for a slot of the range), so no random code runs in its memory;
 *  - frames are mapped into its own task only in its window (or at bad
 *    addresses), so nothing appears at an address it passes as a bad pointer.
 * Every FUZZ_RENEW calls, and at the end, it revokes its untyped memory:
 * every object it made goes, and the next round starts from fresh objects.
 *
 * Ordering: the fuzzer never blocks until it is done; then it waits for
 * ever on a notification nobody signals.  At a higher priority than the
 * suite it is done before the suite starts; at a lower one (as in
 * tests/user/test.cfg) it runs while the suite's threads are blocked, and
 * the suite, before its closing line, drops to priority 0 and yields until
 * the fuzzer is done.  The suite's sys_debug_exit ends the run; the fuzzer
 * never calls debug_exit.
 */
#include <stdint.h>

#include "moat/syscall.h"
#include "moat/user.h"

#define FUZZ_SEED     0x9e3779b97f4a7c15ULL
#define FUZZ_CALLS    100000
#define FUZZ_REPORT   20000
#define FUZZ_RENEW    1000 /* calls between fresh sets of objects */
#define FUZZ_FIRST    SLOT_USER_FIRST_FREE
#define FUZZ_SLOTS    64
#define WINDOW_VADDR  0x40000000ULL /* where its frames may be mapped */
#define WINDOW_PAGES  64

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* --- xorshift64* --- */

static uint64_t rng_state = FUZZ_SEED;

static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static uint64_t below(uint64_t n)
{
	return rnd() % n;
}

static uint64_t pick(const uint64_t *values, uint64_t n)
{
	return values[below(n)];
}

/* --- random arguments --- */

/* What an argument means, which decides how it is drawn. */
enum kind {
	K_NONE,   /* unused: 0 */
	K_SLOT,   /* a slot */
	K_TASK,   /* a task slot or TASK_SELF */
	K_ADDR,   /* a user, kernel or bad address */
	K_LEN,    /* a byte count */
	K_RIGHTS,
	K_TYPE,   /* an object type */
	K_PAGES,
	K_COUNT,  /* how many objects */
	K_TAG,    /* a message tag */
	K_PRIO,
	K_PORT,
	K_ANY,    /* anything: words, badges, arguments */
};

static const uint8_t shapes[SYS_COUNT][6] = {
	[SYS_SEND] = { K_SLOT, K_TAG, K_ANY, K_ANY, K_ANY, K_ANY },
	[SYS_RECV] = { K_SLOT },
	[SYS_CALL] = { K_SLOT, K_TAG, K_ANY, K_ANY, K_ANY, K_ANY },
	[SYS_REPLY] = { K_ANY, K_TAG, K_ANY, K_ANY, K_ANY, K_ANY },
	[SYS_REPLY_RECV] = { K_SLOT, K_TAG, K_ANY, K_ANY, K_ANY, K_ANY },
	[SYS_NB_SEND] = { K_SLOT, K_TAG, K_ANY, K_ANY, K_ANY, K_ANY },
	[SYS_NB_RECV] = { K_SLOT },
	[SYS_SIGNAL] = { K_SLOT },
	[SYS_WAIT] = { K_SLOT },
	[SYS_POLL] = { K_SLOT },
	[SYS_YIELD] = { K_NONE },
	[SYS_CAP_COPY] = { K_SLOT, K_TASK, K_SLOT, K_RIGHTS, K_ANY },
	[SYS_CAP_MOVE] = { K_SLOT, K_TASK, K_SLOT },
	[SYS_CAP_DELETE] = { K_SLOT },
	[SYS_CAP_REVOKE] = { K_SLOT },
	[SYS_CAP_INFO] = { K_SLOT },
	[SYS_RETYPE] = { K_SLOT, K_TYPE, K_PAGES, K_SLOT, K_COUNT },
	[SYS_MAP] = { K_SLOT, K_TASK, K_ADDR, K_RIGHTS },
	[SYS_UNMAP] = { K_SLOT },
	[SYS_THREAD_CONFIGURE] = { K_SLOT, K_TASK, K_SLOT, K_SLOT },
	[SYS_THREAD_START] = { K_SLOT, K_ADDR, K_ADDR, K_ANY },
	[SYS_THREAD_SUSPEND] = { K_SLOT },
	[SYS_THREAD_RESUME] = { K_SLOT },
	[SYS_THREAD_SET_PRIORITY] = { K_SLOT, K_PRIO },
	[SYS_THREAD_READ_REGS] = { K_SLOT },
	[SYS_THREAD_WRITE_REGS] = { K_SLOT },
	[SYS_IRQ_BIND] = { K_SLOT, K_SLOT },
	[SYS_IRQ_ACK] = { K_SLOT },
	[SYS_IOPORT_DERIVE] = { K_SLOT, K_PORT, K_PORT, K_SLOT },
	[SYS_DEBUG_WRITE] = { K_SLOT, K_ADDR, K_LEN },
	[SYS_DEBUG_EXIT] = { K_SLOT, K_ANY },
	[SYS_DEBUG_CHECK] = { K_SLOT },
};

static const uint64_t invalid_slots[] = {
	CSPACE_SLOTS, CSPACE_SLOTS + 1, 0x10000, 1ULL << 32, 1ULL << 63, ~0ULL,
};

static const uint64_t bad_addresses[] = {
	0, 8, 0xfff, USER_TOP, USER_TOP - 8, 0x0000900000000000ULL, 0xffff800000000000ULL,
	0xffffffff80000000ULL, 0xffffffff80100000ULL, 0xfffffffffffff000ULL, ~0ULL,
};

static const uint64_t odd_values[] = {
	0, 1, 2, 3, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000, 0x7fffffff, 0x80000000,
	0xffffffff, 1ULL << 32, 1ULL << 47, 1ULL << 63, ~0ULL - 1, ~0ULL,
};

/* Memory of its own whose address it passes around. */
static uint8_t scratch[2 * PAGE_BYTES] __attribute__((aligned(PAGE_BYTES)));

static unsigned int seeded_slots = 1; /* the part of the range objects_make filled */

/* Mostly a slot that held an object at the last renewal, so calls reach real objects. */
static uint64_t rnd_slot(void)
{
	uint64_t r = below(16);

	if (r == 0)
		return pick(invalid_slots, ARRAY_SIZE(invalid_slots));
	if (r < 10)
		return FUZZ_FIRST + below(seeded_slots);
	return FUZZ_FIRST + below(FUZZ_SLOTS);
}

static uint64_t rnd_addr(void)
{
	switch (below(8)) {
	case 0:
		return pick(bad_addresses, ARRAY_SIZE(bad_addresses));
	case 1:
		return below(0x2000);
	case 2:
		return (uint64_t)&scratch[below(sizeof(scratch))];
	case 3:
		return (uint64_t)scratch + below(3) * PAGE_BYTES;
	case 4:
		return below(USER_TOP / PAGE_BYTES) * PAGE_BYTES;
	case 5:
		return rnd();
	default:
		return WINDOW_VADDR + below(WINDOW_PAGES) * PAGE_BYTES;
	}
}

static uint64_t rnd_any(void)
{
	switch (below(4)) {
	case 0:
		return below(16);
	case 1:
		return pick(odd_values, ARRAY_SIZE(odd_values));
	case 2:
		return rnd_addr();
	default:
		return rnd();
	}
}

/* A value of `kind`; now and then anything at all (but slots stay slots). */
static uint64_t rnd_arg(enum kind kind)
{
	if (kind == K_SLOT || kind == K_TASK)
		return kind == K_TASK && below(8) == 0 ? TASK_SELF : rnd_slot();
	if (kind == K_NONE)
		return below(8) ? 0 : rnd_any();
	if (below(10) == 0)
		return rnd_any();
	switch (kind) {
	case K_ADDR:
		return rnd_addr();
	case K_LEN:
		return below(2) ? below(64) : pick(odd_values, ARRAY_SIZE(odd_values));
	case K_RIGHTS:
		return below(RIGHTS_ALL + 1);
	case K_TYPE:
		return below(OBJ_TYPE_COUNT + 2);
	case K_PAGES:
		return below(4) ? below(4) : TASK_BASE_PAGES + below(8);
	case K_COUNT:
		return below(4) ? 1 : below(6);
	case K_TAG:
		return MSG_TAG(below(8), below(MSG_MAX_WORDS + 8), below(4));
	case K_PRIO:
		return below(PRIORITY_MAX + 16);
	case K_PORT:
		return below(4) ? below(0x100) : rnd_any();
	default:
		return rnd_any();
	}
}

/* Makes a call safe for the fuzzer itself (see the rules at the top); returns the number. */
static uint64_t make_safe(uint64_t nr, uint64_t *a)
{
	switch (nr) {
	case SYS_SEND:
	case SYS_CALL:
		return SYS_NB_SEND;
	case SYS_RECV:
		return SYS_NB_RECV;
	case SYS_REPLY_RECV:
		return SYS_REPLY;
	case SYS_WAIT:
		return SYS_POLL;
	case SYS_DEBUG_EXIT:
		a[0] = pick(invalid_slots, ARRAY_SIZE(invalid_slots));
		return nr;
	case SYS_THREAD_CONFIGURE:
		if (a[1] == TASK_SELF)
			a[1] = rnd_slot();
		return nr;
	case SYS_MAP: /* into itself only in the window, so its own memory stays as it is */
		if (a[1] == TASK_SELF && a[2] < USER_TOP)
			a[2] = WINDOW_VADDR + below(WINDOW_PAGES) * PAGE_BYTES + below(2) * 8;
		return nr;
	case SYS_DEBUG_WRITE:
		if (below(4) == 0) { /* the real console, but never a readable buffer */
			a[0] = SLOT_CONSOLE;
			a[1] = pick(bad_addresses, ARRAY_SIZE(bad_addresses));
			if (a[1] == 0 && below(2))
				a[2] = 0;
		}
		return nr;
	default:
		return nr;
	}
}

/* --- objects for the random calls to hit --- */

struct seed_object {
	uint64_t type, pages, count;
};

/* Laid out from FUZZ_FIRST, each followed by an empty slot. */
static const struct seed_object seed_objects[] = {
	{ OBJ_UNTYPED, 16, 1 }, { OBJ_ENDPOINT, 0, 3 }, { OBJ_NOTIFICATION, 0, 2 },
	{ OBJ_FRAME, 1, 4 },    { OBJ_FRAME, 2, 1 },    { OBJ_TASK, 4, 2 },
	{ OBJ_THREAD, 0, 3 },
};

static uint64_t fuzz_slot(unsigned int i)
{
	return FUZZ_FIRST + i;
}

/* Deletes everything it made; the next round starts from an empty range. */
static void objects_clear(void)
{
	sys_cap_revoke(SLOT_UNTYPED);
	for (unsigned int i = 0; i < FUZZ_SLOTS; i++)
		sys_cap_delete(fuzz_slot(i));
}

/* Fresh objects in the range, some of them connected: mapped, badged, configured. */
static void objects_make(void)
{
	unsigned int s = 0, frame = 0, task = 0, thread = 0, ep = 0;

	objects_clear();
	for (unsigned int i = 0; i < ARRAY_SIZE(seed_objects); i++) {
		const struct seed_object *o = &seed_objects[i];

		if (o->type == OBJ_FRAME && !frame)
			frame = s;
		if (o->type == OBJ_TASK)
			task = s;
		if (o->type == OBJ_THREAD)
			thread = s;
		if (o->type == OBJ_ENDPOINT)
			ep = s;
		sys_retype(SLOT_UNTYPED, o->type, o->pages, fuzz_slot(s), o->count);
		s += o->count + 1;
	}
	sys_map(fuzz_slot(frame), TASK_SELF, WINDOW_VADDR, RIGHTS_ALL);
	sys_map(fuzz_slot(frame + 1), fuzz_slot(task), 0x400000, RIGHT_R | RIGHT_X);
	sys_cap_copy(fuzz_slot(ep), TASK_SELF, fuzz_slot(s++), RIGHT_W, 0xbad9e);
	sys_cap_copy(fuzz_slot(ep), fuzz_slot(task), 1, RIGHTS_ALL, 0);
	sys_thread_configure(fuzz_slot(thread), fuzz_slot(task), fuzz_slot(frame + 2),
			     fuzz_slot(ep));
	sys_thread_configure(fuzz_slot(thread + 1), fuzz_slot(task), SLOT_NONE, SLOT_NONE);
	seeded_slots = s;
}

/* --- the run --- */

static uint64_t counts[ERR_COUNT + 1]; /* the last: statuses the ABI does not define */

static void report(uint64_t calls)
{
	uprintf("fuzz: after %lu calls:", calls);
	for (unsigned int i = 0; i <= ERR_COUNT; i++)
		if (counts[i])
			uprintf(" %s %lu", i < ERR_COUNT ? status_name(i) : "UNDEFINED", counts[i]);
	uprintf("\n");
}

static void one_call(void)
{
	uint64_t nr, a[6];

	if (below(16) == 0)
		nr = below(2) ? SYS_COUNT + below(64) : rnd() | SYS_COUNT;
	else
		nr = below(SYS_COUNT);
	for (unsigned int i = 0; i < 6; i++)
		a[i] = nr < SYS_COUNT ? rnd_arg(shapes[nr][i]) : rnd_any();
	if (nr < SYS_COUNT)
		nr = make_safe(nr, a);
	uint64_t st = sys0(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
	counts[st < ERR_COUNT ? st : ERR_COUNT]++;
}

int main(uint64_t arg)
{
	struct utcb *u = utcb();
	uint64_t broken = ~0ULL, st, idle;
	int survived, sound;

	(void)arg;
	uprintf("fuzz: seed %#lx\n", (uint64_t)FUZZ_SEED);
	/* Capabilities that travel in messages come from, and go to, the range only. */
	for (unsigned int i = 0; i < MSG_MAX_CAPS; i++) {
		u->send_caps[i] = fuzz_slot(i * 3);
		u->recv_slots[i] = fuzz_slot(FUZZ_SLOTS - 1 - i);
	}
	for (uint64_t n = 0; n < FUZZ_CALLS; n++) {
		if (n % FUZZ_RENEW == 0)
			objects_make();
		one_call();
		if ((n + 1) % FUZZ_REPORT == 0)
			report(n + 1);
	}
	objects_clear();
	uprintf("fuzz: %d syscalls survived\n", FUZZ_CALLS);
	st = sys_debug_check(SLOT_CONSOLE, &broken);
	uprintf("fuzz: debug_check: %s, %lu broken\n", status_name(st), broken);

	survived = counts[ERR_COUNT] == 0;
	if (!survived)
		uprintf("# %lu calls returned a status the ABI does not define\n",
			counts[ERR_COUNT]);
	sound = st == OK && broken == 0;
	if (!sound)
		uprintf("# the kernel's invariant check failed\n");
	uprintf("%s 1 fuzz_survived_%d_syscalls\n", survived ? "ok" : "not ok", FUZZ_CALLS);
	uprintf("%s 2 fuzz_kernel_invariants_hold\n", sound ? "ok" : "not ok");
	uprintf("end of tests: %d passed, %d failed, 0 skipped\n", survived + sound,
		2 - survived - sound);
	uprintf("end of fuzz\n");

	/* Idle for good: wait on a notification nobody can signal. */
	idle = fuzz_slot(0);
	if (sys_retype(SLOT_UNTYPED, OBJ_NOTIFICATION, 0, idle, 1) == OK)
		sys_wait(idle, NULL);
	for (;;)
		sys_thread_suspend(SLOT_SELF_THREAD);
}
