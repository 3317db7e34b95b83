/*
 * The test program of lab capright (labs/capright/README.md): what a thread
 * capability with R, with W, with both or with neither lets its holder do.
 *
 * The lab's rule: R on a thread observes it (SYS_THREAD_READ_REGS), W
 * controls it (configure, start, suspend, resume, set its priority, write
 * its registers), and neither right implies the other.  Each check makes
 * its own target thread (a counter that yields) in this task, copies the
 * capability with a rights mask (SYS_CAP_COPY) and calls through the copies:
 * allowed with the right, ERR_NO_RIGHTS without it, and the thread's
 * counter or registers show whether a call took effect.
 *
 * It prints one line per check, "ok N name", "not ok N name # why" or
 * "skip N name # why", then "end of tests: ...", and ends the run
 * (SYS_DEBUG_EXIT).  labs/capright/grade.sh reads those lines.
 * The root starts it with labs/capright/root.cfg: the console and its own
 * untyped memory.
 */
#include <stdarg.h>
#include <stdbool.h>

#include "array.h"
#include "fmt.h"
#include "mem.h"
#include "moat/syscall.h"
#include "moat/user.h"

/* A target's stack, in pages below its UTCB (moat/user.h, the threads area). */
#define STACK_PAGES 2
/* Yields in which a running target must count at least once. */
#define RUN_YIELDS 1000
/* Yields in which a stopped target must not count at all. */
#define STOP_YIELDS 50
#define MAX_TARGETS 32

/* What a check returns: NULL when it passed, else why it failed (or skipped). */
typedef const char *check_fn(void);

static char why_buf[320];
static const char *skip_why;
static uint64_t next_slot = SLOT_USER_FIRST_FREE;
static unsigned int next_region;
static volatile uint64_t counters[MAX_TARGETS];

/* Formats why a check failed. */
static const char *__attribute__((format(printf, 1, 2))) why(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fmt_vsnprintf(why_buf, sizeof(why_buf), fmt, ap);
	va_end(ap);
	return why_buf;
}

/* Ends the check unless `expr` returned `want`; `what` names the call, `because` the rule. */
#define EXPECT(expr, want, what, because)                                                  \
	do {                                                                               \
		uint64_t got_ = (expr), want_ = (want);                                    \
		if (got_ != want_)                                                         \
			return why("%s returned %s, not %s: %s", (what), status_name(got_), \
				   status_name(want_), (because));                         \
	} while (0)

/* Ends the check unless `cond` holds; then the rest is why. */
#define REQUIRE(cond, ...)                         \
	do {                                       \
		if (!(cond))                       \
			return why(__VA_ARGS__);   \
	} while (0)

/* Ends the check when setting it up failed: `expr` is a syscall that must return OK. */
#define SETUP(expr)                                                                       \
	do {                                                                              \
		uint64_t st_ = (expr);                                                    \
		if (st_ != OK)                                                            \
			return why("setting up: %s returned %s", #expr, status_name(st_)); \
	} while (0)

/* --- targets --------------------------------------------------------------- */

/* A target thread's body: counts in counters[i] for ever, yielding between counts. */
static void count_forever(uint64_t i)
{
	for (;;) {
		counters[i]++;
		sys_yield();
	}
}

/* A free slot of our own; checks never reuse one. */
static uint64_t slot_new(void)
{
	return next_slot < CSPACE_SLOTS ? next_slot++ : SLOT_NONE;
}

struct target {
	uint64_t thread; /* the capability with every right, from the retype */
	unsigned int id; /* its counter and its region of the threads area */
};

/* Starts a new target thread counting in counters[t->id]; OK or the failing call's status. */
static uint64_t target_start(struct target *t)
{
	uint64_t utcb = slot_new(), stack = slot_new();

	t->thread = slot_new();
	t->id = next_region++;
	if (t->id >= MAX_TARGETS || stack == SLOT_NONE)
		return ERR_NO_MEMORY;
	return thread_start_in_region(SLOT_UNTYPED, t->id, STACK_PAGES, t->thread, utcb, stack,
				      count_forever, t->id);
}

/* Whether target t counts within a few turns of the CPU (it runs). */
static bool target_runs(const struct target *t)
{
	uint64_t before = counters[t->id];

	for (unsigned int i = 0; i < RUN_YIELDS; i++) {
		if (counters[t->id] != before)
			return true;
		sys_yield();
	}
	return false;
}

/* Whether target t stays still while it would have had many turns (it is stopped). */
static bool target_stopped(const struct target *t)
{
	uint64_t before = counters[t->id];

	for (unsigned int i = 0; i < STOP_YIELDS; i++)
		sys_yield();
	return counters[t->id] == before;
}

/* A copy of src with rights & mask in a new slot of ours, or SLOT_NONE (then *st says why). */
static uint64_t derive(uint64_t src, uint64_t mask, uint64_t *st)
{
	uint64_t dst = slot_new();

	*st = sys_cap_copy(src, TASK_SELF, dst, mask, 0);
	return *st == OK ? dst : SLOT_NONE;
}

/* Copies of target t's capability with R only, W only, no rights, and X and G. */
struct copies {
	uint64_t r, w, none, xg;
};

static uint64_t make_copies(const struct target *t, struct copies *c)
{
	uint64_t st;

	if ((c->r = derive(t->thread, RIGHT_R, &st)) == SLOT_NONE ||
	    (c->w = derive(t->thread, RIGHT_W, &st)) == SLOT_NONE ||
	    (c->none = derive(t->thread, 0, &st)) == SLOT_NONE ||
	    (c->xg = derive(t->thread, RIGHT_X | RIGHT_G, &st)) == SLOT_NONE)
		return st;
	return OK;
}

/* The registers SYS_THREAD_READ_REGS left in our UTCB. */
static struct user_regs utcb_regs(void)
{
	struct user_regs r;

	memcpy(&r, utcb()->mr, sizeof(r));
	return r;
}

/* Fills our UTCB's message words with a pattern no register read leaves there. */
#define POISON 0xdbdbdbdbdbdbdbdbULL
static void utcb_poison(void)
{
	for (unsigned int i = 0; i < MSG_MAX_WORDS; i++)
		utcb()->mr[i] = POISON;
}

static bool utcb_poisoned(void)
{
	for (unsigned int i = 0; i < sizeof(struct user_regs) / 8; i++)
		if (utcb()->mr[i] != POISON)
			return false;
	return true;
}

/* Whether regs look like target t's: its rip in our code, its rsp on its own stack. */
static bool regs_of(const struct user_regs *regs, const struct target *t)
{
	uint64_t top = thread_region_utcb(t->id);

	return regs->rip >= USER_IMAGE_BASE && regs->rip < USER_HEAP_VADDR &&
	       regs->rsp < top && regs->rsp >= top - STACK_PAGES * PAGE_BYTES;
}

/* --- the checks --------------------------------------------------------------- */

static const char *read_regs_with_r(void)
{
	struct target t;
	struct copies c;
	struct user_regs running, full, through_r;

	SETUP(target_start(&t));
	SETUP(make_copies(&t, &c));
	REQUIRE(target_runs(&t), "setting up: the target thread does not run");
	/* A profiler samples a thread that runs. */
	utcb_poison();
	EXPECT(sys_thread_read_regs(c.r), OK, "SYS_THREAD_READ_REGS through an R-only copy",
	       "reading the registers only observes the thread, and R is the right to observe it");
	running = utcb_regs();
	REQUIRE(regs_of(&running, &t),
		"through the R-only copy, rip %#lx and rsp %#lx are not the target thread's",
		running.rip, running.rsp);
	/* A debugger reads a stopped one: the copy sees exactly what the original sees. */
	SETUP(sys_thread_suspend(t.thread));
	SETUP(sys_thread_read_regs(t.thread));
	full = utcb_regs();
	utcb_poison();
	EXPECT(sys_thread_read_regs(c.r), OK, "SYS_THREAD_READ_REGS through an R-only copy",
	       "R is the right to observe the thread");
	through_r = utcb_regs();
	REQUIRE(memcmp(&full, &through_r, sizeof(full)) == 0,
		"the registers read through the R-only copy differ from those read through the "
		"original (rip %#lx, not %#lx)", through_r.rip, full.rip);
	return NULL;
}

static const char *read_regs_needs_r(void)
{
	struct target t;
	struct copies c;

	SETUP(target_start(&t));
	SETUP(make_copies(&t, &c));
	utcb_poison();
	EXPECT(sys_thread_read_regs(c.w), ERR_NO_RIGHTS,
	       "SYS_THREAD_READ_REGS through a W-only copy",
	       "W controls the thread; seeing its registers takes R, which this copy lacks");
	REQUIRE(utcb_poisoned(), "a refused SYS_THREAD_READ_REGS wrote into the caller's UTCB");
	EXPECT(sys_thread_read_regs(c.none), ERR_NO_RIGHTS,
	       "SYS_THREAD_READ_REGS through a copy with no rights", "reading takes R");
	EXPECT(sys_thread_read_regs(c.xg), ERR_NO_RIGHTS,
	       "SYS_THREAD_READ_REGS through a copy with X and G only", "reading takes R");
	REQUIRE(utcb_poisoned(), "a refused SYS_THREAD_READ_REGS wrote into the caller's UTCB");
	return NULL;
}

static const char *write_regs_needs_w(void)
{
	struct target t;
	struct copies c;
	struct user_regs before, changed, after;

	SETUP(target_start(&t));
	SETUP(make_copies(&t, &c));
	SETUP(sys_thread_suspend(t.thread));
	SETUP(sys_thread_read_regs(t.thread));
	before = utcb_regs();
	changed = before;
	changed.r15 = before.r15 ^ 0x5eed5eed5eed5eedULL;
	memcpy(utcb()->mr, &changed, sizeof(changed));
	EXPECT(sys_thread_write_regs(c.r), ERR_NO_RIGHTS,
	       "SYS_THREAD_WRITE_REGS through an R-only copy", "writing registers changes the thread: W");
	memcpy(utcb()->mr, &changed, sizeof(changed));
	EXPECT(sys_thread_write_regs(c.none), ERR_NO_RIGHTS,
	       "SYS_THREAD_WRITE_REGS through a copy with no rights", "writing takes W");
	SETUP(sys_thread_read_regs(t.thread));
	after = utcb_regs();
	REQUIRE(after.r15 == before.r15, "a refused SYS_THREAD_WRITE_REGS changed the thread's r15");
	memcpy(utcb()->mr, &changed, sizeof(changed));
	EXPECT(sys_thread_write_regs(c.w), OK, "SYS_THREAD_WRITE_REGS through a W-only copy",
	       "W is the right to change the thread");
	SETUP(sys_thread_read_regs(t.thread));
	after = utcb_regs();
	REQUIRE(after.r15 == changed.r15, "SYS_THREAD_WRITE_REGS through the W-only copy "
		"returned OK but r15 is %#lx, not %#lx", after.r15, changed.r15);
	return NULL;
}

static const char *suspend_needs_w(void)
{
	struct target t;
	struct copies c;

	SETUP(target_start(&t));
	SETUP(make_copies(&t, &c));
	EXPECT(sys_thread_suspend(c.r), ERR_NO_RIGHTS, "SYS_THREAD_SUSPEND through an R-only copy",
	       "suspending changes the thread: W");
	EXPECT(sys_thread_suspend(c.none), ERR_NO_RIGHTS,
	       "SYS_THREAD_SUSPEND through a copy with no rights", "suspending takes W");
	REQUIRE(target_runs(&t), "the thread stopped after a refused SYS_THREAD_SUSPEND");
	EXPECT(sys_thread_suspend(c.w), OK, "SYS_THREAD_SUSPEND through a W-only copy",
	       "W is the right to control the thread");
	REQUIRE(target_stopped(&t), "the thread still runs after SYS_THREAD_SUSPEND returned OK");
	return NULL;
}

static const char *resume_needs_w(void)
{
	struct target t;
	struct copies c;

	SETUP(target_start(&t));
	SETUP(make_copies(&t, &c));
	SETUP(sys_thread_suspend(t.thread));
	EXPECT(sys_thread_resume(c.r), ERR_NO_RIGHTS, "SYS_THREAD_RESUME through an R-only copy",
	       "resuming changes the thread: W");
	REQUIRE(target_stopped(&t), "the thread runs after a refused SYS_THREAD_RESUME");
	EXPECT(sys_thread_resume(c.w), OK, "SYS_THREAD_RESUME through a W-only copy",
	       "W is the right to control the thread");
	REQUIRE(target_runs(&t), "the thread does not run after SYS_THREAD_RESUME returned OK");
	return NULL;
}

static const char *set_priority_needs_w(void)
{
	struct target t;
	struct copies c;

	SETUP(target_start(&t));
	SETUP(make_copies(&t, &c));
	EXPECT(sys_thread_set_priority(c.r, 0), ERR_NO_RIGHTS,
	       "SYS_THREAD_SET_PRIORITY through an R-only copy", "a priority changes the thread: W");
	REQUIRE(target_runs(&t), "the thread stopped running after a refused priority change");
	/* Below ours, it runs only when we wait, and we never wait: it stands still. */
	EXPECT(sys_thread_set_priority(c.w, 0), OK, "SYS_THREAD_SET_PRIORITY through a W-only copy",
	       "W is the right to control the thread");
	REQUIRE(target_stopped(&t), "the thread still runs beside us at priority 0");
	return NULL;
}

static const char *configure_needs_w(void)
{
	struct copies c;
	struct target t = { .thread = slot_new() };

	SETUP(sys_retype(SLOT_UNTYPED, OBJ_THREAD, 0, t.thread, 1));
	SETUP(make_copies(&t, &c));
	EXPECT(sys_thread_configure(c.r, TASK_SELF, SLOT_NONE, SLOT_NONE), ERR_NO_RIGHTS,
	       "SYS_THREAD_CONFIGURE through an R-only copy", "configuring changes the thread: W");
	/* Not configured, it has no task to start in. */
	EXPECT(sys_thread_start(t.thread, (uint64_t)count_forever, 0, 0), ERR_INVALID_ARG,
	       "SYS_THREAD_START after a refused SYS_THREAD_CONFIGURE",
	       "the refused call must not have given the thread a task");
	EXPECT(sys_thread_configure(c.w, TASK_SELF, SLOT_NONE, SLOT_NONE), OK,
	       "SYS_THREAD_CONFIGURE through a W-only copy", "W is the right to control the thread");
	return NULL;
}

static const char *start_needs_w(void)
{
	struct target t, again;
	struct copies c;
	uint64_t rsp;

	SETUP(target_start(&t));
	SETUP(make_copies(&t, &c));
	SETUP(sys_thread_suspend(t.thread));
	/* Started afresh at the top of its stack, it counts in a counter of its own. */
	again.id = next_region++;
	REQUIRE(again.id < MAX_TARGETS, "setting up: out of counters");
	rsp = thread_region_utcb(t.id) - 8;
	EXPECT(sys_thread_start(c.r, (uint64_t)count_forever, rsp, again.id), ERR_NO_RIGHTS,
	       "SYS_THREAD_START through an R-only copy", "starting changes the thread: W");
	REQUIRE(target_stopped(&t) && target_stopped(&again),
		"the thread runs after a refused SYS_THREAD_START");
	EXPECT(sys_thread_start(c.w, (uint64_t)count_forever, rsp, again.id), OK,
	       "SYS_THREAD_START through a W-only copy", "W is the right to control the thread");
	REQUIRE(target_runs(&again), "the thread does not run after SYS_THREAD_START returned OK");
	return NULL;
}

static const char *no_regaining_rights(void)
{
	struct target t;
	struct copies c;
	struct cap_info info;
	uint64_t st, r_all, w_all;

	SETUP(target_start(&t));
	SETUP(make_copies(&t, &c));
	SETUP(sys_thread_suspend(t.thread));
	/* A copy asks for every right; it gets only those of its source. */
	REQUIRE((r_all = derive(c.r, RIGHTS_ALL, &st)) != SLOT_NONE &&
		(w_all = derive(c.w, RIGHTS_ALL, &st)) != SLOT_NONE,
		"setting up: SYS_CAP_COPY returned %s", status_name(st));
	SETUP(sys_cap_info(r_all, &info));
	REQUIRE(info.rights == RIGHT_R, "a copy of the R-only copy has rights %#lx, not R (%#x)",
		info.rights, RIGHT_R);
	SETUP(sys_cap_info(w_all, &info));
	REQUIRE(info.rights == RIGHT_W, "a copy of the W-only copy has rights %#lx, not W (%#x)",
		info.rights, RIGHT_W);
	SETUP(sys_thread_read_regs(t.thread));
	EXPECT(sys_thread_write_regs(r_all), ERR_NO_RIGHTS,
	       "SYS_THREAD_WRITE_REGS through a copy of the R-only copy",
	       "the copy has R alone (rights only shrink), and writing takes W");
	EXPECT(sys_thread_resume(r_all), ERR_NO_RIGHTS,
	       "SYS_THREAD_RESUME through a copy of the R-only copy",
	       "the copy has R alone (rights only shrink), and resuming takes W");
	EXPECT(sys_thread_read_regs(w_all), ERR_NO_RIGHTS,
	       "SYS_THREAD_READ_REGS through a copy of the W-only copy",
	       "the copy has W alone, and reading takes R");
	EXPECT(sys_thread_read_regs(r_all), OK,
	       "SYS_THREAD_READ_REGS through a copy of the R-only copy",
	       "the copy kept R, the right to read");
	return NULL;
}

static const char *wrong_objects(void)
{
	uint64_t st, ep = slot_new(), ep_r, frame = slot_new(), frame_r, empty = slot_new();

	SETUP(sys_retype(SLOT_UNTYPED, OBJ_ENDPOINT, 0, ep, 1));
	SETUP(sys_retype(SLOT_UNTYPED, OBJ_FRAME, 1, frame, 1));
	REQUIRE((ep_r = derive(ep, RIGHT_R, &st)) != SLOT_NONE &&
		(frame_r = derive(frame, RIGHT_R, &st)) != SLOT_NONE,
		"setting up: SYS_CAP_COPY returned %s", status_name(st));
	/* The type is checked before the rights: R on something else is no thread. */
	EXPECT(sys_thread_read_regs(ep_r), ERR_WRONG_TYPE,
	       "SYS_THREAD_READ_REGS on an endpoint with R", "only a thread has registers to read");
	EXPECT(sys_thread_read_regs(frame_r), ERR_WRONG_TYPE,
	       "SYS_THREAD_READ_REGS on a frame with R", "only a thread has registers to read");
	EXPECT(sys_thread_read_regs(SLOT_CONSOLE), ERR_WRONG_TYPE,
	       "SYS_THREAD_READ_REGS on the console", "only a thread has registers to read");
	EXPECT(sys_thread_read_regs(empty), ERR_EMPTY_SLOT, "SYS_THREAD_READ_REGS on an empty slot",
	       "there is nothing to read");
	EXPECT(sys_thread_read_regs(CSPACE_SLOTS), ERR_INVALID_SLOT,
	       "SYS_THREAD_READ_REGS on slot 512", "the capability space has 512 slots");
	EXPECT(sys_thread_read_regs(~0ULL), ERR_INVALID_SLOT,
	       "SYS_THREAD_READ_REGS on slot 2^64-1", "the capability space has 512 slots");
	return NULL;
}

/* A vCPU is scheduled like a thread: suspending it and its priority stay W's. */
static const char *vcpu_calls_need_w(void)
{
	uint64_t st, vcpu = slot_new(), r;

	st = sys_retype(SLOT_UNTYPED, OBJ_VCPU, 0, vcpu, 1);
	if (st == ERR_UNSUPPORTED) {
		skip_why = "this machine has neither usable VMX nor SVM: no vCPU to test";
		return skip_why;
	}
	SETUP(st);
	REQUIRE((r = derive(vcpu, RIGHT_R, &st)) != SLOT_NONE,
		"setting up: SYS_CAP_COPY returned %s", status_name(st));
	EXPECT(sys_thread_suspend(r), ERR_NO_RIGHTS, "SYS_THREAD_SUSPEND on a vCPU with R only",
	       "suspending a vCPU controls it: W");
	EXPECT(sys_thread_set_priority(r, 0), ERR_NO_RIGHTS,
	       "SYS_THREAD_SET_PRIORITY on a vCPU with R only", "a priority controls it: W");
	EXPECT(sys_thread_read_regs(r), ERR_WRONG_TYPE, "SYS_THREAD_READ_REGS on a vCPU",
	       "a guest's state reaches its VMM through exits, not this call");
	EXPECT(sys_thread_set_priority(vcpu, 0), OK, "SYS_THREAD_SET_PRIORITY on a vCPU with W",
	       "W controls it");
	EXPECT(sys_thread_suspend(vcpu), OK, "SYS_THREAD_SUSPEND on a vCPU with W", "W controls it");
	return NULL;
}

static const char *revoke_takes_copies(void)
{
	struct target t;
	struct copies c;
	struct cap_info info;
	uint64_t st, r_copy;

	SETUP(target_start(&t));
	SETUP(make_copies(&t, &c));
	REQUIRE((r_copy = derive(c.r, RIGHT_R, &st)) != SLOT_NONE,
		"setting up: SYS_CAP_COPY returned %s", status_name(st));
	/* Revoking the R-only copy takes the copy made from it, and nothing else. */
	EXPECT(sys_cap_revoke(c.r), OK, "SYS_CAP_REVOKE of the R-only copy", "it is ours");
	EXPECT(sys_cap_info(r_copy, &info), ERR_EMPTY_SLOT,
	       "SYS_CAP_INFO on the copy of a revoked copy", "revoke deletes every descendant");
	EXPECT(sys_thread_read_regs(r_copy), ERR_EMPTY_SLOT,
	       "SYS_THREAD_READ_REGS through a revoked copy", "revoke deletes every descendant");
	EXPECT(sys_cap_info(c.r, &info), OK, "SYS_CAP_INFO on the revoked copy itself",
	       "revoke keeps the capability it was called on");
	EXPECT(sys_cap_info(c.w, &info), OK, "SYS_CAP_INFO on the W-only copy",
	       "revoking a sibling leaves it");
	/* Revoking the original takes every copy; the thread lives on through the original. */
	EXPECT(sys_cap_revoke(t.thread), OK, "SYS_CAP_REVOKE of the original", "it is ours");
	EXPECT(sys_thread_read_regs(c.r), ERR_EMPTY_SLOT,
	       "SYS_THREAD_READ_REGS through the revoked R-only copy", "revoke deletes every copy");
	EXPECT(sys_thread_suspend(c.w), ERR_EMPTY_SLOT,
	       "SYS_THREAD_SUSPEND through the revoked W-only copy", "revoke deletes every copy");
	REQUIRE(target_runs(&t), "the thread stopped when its copies were revoked");
	/* Its last capability gone, the thread is destroyed. */
	EXPECT(sys_cap_delete(t.thread), OK, "SYS_CAP_DELETE of the original", "it is ours");
	REQUIRE(target_stopped(&t), "the thread still runs after its last capability was deleted");
	return NULL;
}

static const char *kernel_invariants_hold(void)
{
	uint64_t broken = 0;

	EXPECT(sys_debug_check(SLOT_CONSOLE, &broken), OK, "SYS_DEBUG_CHECK",
	       "the program holds the console with W");
	REQUIRE(broken == 0, "the kernel's invariant checker found %lu broken invariants "
		"(its log lines above say which)", broken);
	return NULL;
}

static const struct {
	const char *name;
	check_fn *fn;
} checks[] = {
	{ "read_regs_with_r", read_regs_with_r },
	{ "read_regs_needs_r", read_regs_needs_r },
	{ "write_regs_needs_w", write_regs_needs_w },
	{ "suspend_needs_w", suspend_needs_w },
	{ "resume_needs_w", resume_needs_w },
	{ "set_priority_needs_w", set_priority_needs_w },
	{ "configure_needs_w", configure_needs_w },
	{ "start_needs_w", start_needs_w },
	{ "no_regaining_rights", no_regaining_rights },
	{ "wrong_objects", wrong_objects },
	{ "vcpu_calls_need_w", vcpu_calls_need_w },
	{ "revoke_takes_copies", revoke_takes_copies },
	{ "kernel_invariants_hold", kernel_invariants_hold },
};

int main(uint64_t arg)
{
	unsigned int passed = 0, failed = 0, skipped = 0;

	(void)arg;
	uprintf("# lab capright: %u checks\n", (unsigned int)ARRAY_LEN(checks));
	for (unsigned int i = 0; i < ARRAY_LEN(checks); i++) {
		const char *fail;

		skip_why = NULL;
		fail = checks[i].fn();
		if (!fail) {
			passed++;
			uprintf("ok %u %s\n", i + 1, checks[i].name);
		} else if (fail == skip_why) {
			skipped++;
			uprintf("skip %u %s # %s\n", i + 1, checks[i].name, fail);
		} else {
			failed++;
			uprintf("not ok %u %s # %s\n", i + 1, checks[i].name, fail);
		}
	}
	uprintf("end of tests: %u passed, %u failed, %u skipped\n", passed, failed, skipped);
	sys_debug_exit(SLOT_CONSOLE, failed ? 1 : 0);
	return failed ? 1 : 0;
}
