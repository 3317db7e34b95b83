/*
 * The syscall lab's test program (labs/syscall/README.md): it checks the
 * student's SYS_THREAD_GET_PRIORITY (thread) -> priority from outside, as
 * any task would use it, and prints one line per case for the grader
 * (labs/syscall/grade.sh):
 *   ok N name | not ok N name (after a "# why" line) | skip N name # why
 * then "end of tests: P passed, F failed, S skipped", and ends the run.
 *
 * The call is made by its number, NR_GET_PRIORITY, not by its name: the
 * program must build on the starting point, where abi.h has no such name
 * yet, and fail there at run time.  The root starts it with
 * labs/syscall/root.cfg: priority CONFIG_PRIORITY, the console, and
 * untyped memory for the threads and the vCPU it asks about.
 */
#include "moat/syscall.h"
#include "moat/user.h"
#include "array.h"

#define NR_GET_PRIORITY 45 /* SYS_THREAD_GET_PRIORITY: the number the README fixes */
#define NR_LAST_BEFORE  42 /* SYS_THREAD_SET_CPU, a call of the starting point */
#define CONFIG_PRIORITY 60 /* labs/syscall/root.cfg's priority= */

enum result { PASS, FAIL, SKIP };

static const char *skip_reason;
static uint64_t next_slot = SLOT_USER_FIRST_FREE;

/* A fresh slot of the program's own; every object a case makes stays until the end. */
static uint64_t slot_new(void)
{
	return next_slot < CSPACE_SLOTS ? next_slot++ : SLOT_NONE;
}

/* A new object of `type` in a fresh slot, or SLOT_NONE (after saying why). */
static uint64_t obj_new(uint64_t type)
{
	uint64_t s = slot_new(), st = sys_retype(SLOT_UNTYPED, type, 0, s, 1);

	if (st == OK)
		return s;
	if (st != ERR_UNSUPPORTED)
		uprintf("# retype of object type %lu failed: %s\n", type, status_name(st));
	return SLOT_NONE;
}

/* A copy of src with only the rights in mask, in a fresh slot, or SLOT_NONE. */
static uint64_t copy_with(uint64_t src, uint64_t mask)
{
	uint64_t s = slot_new(), st = sys_cap_copy(src, TASK_SELF, s, mask, 0);

	if (st == OK)
		return s;
	uprintf("# cap_copy of slot %lu failed: %s\n", src, status_name(st));
	return SLOT_NONE;
}

/* The call under test, with every argument register given: they come back as the kernel left them. */
static uint64_t get_priority_regs(struct sysregs *r)
{
	return moat_syscall(NR_GET_PRIORITY, r);
}

static uint64_t get_priority(uint64_t slot, uint64_t *priority)
{
	struct sysregs r = { slot, 0, 0, 0, 0, 0 };
	uint64_t st = get_priority_regs(&r);

	*priority = r.rdi;
	return st;
}

/* Says why a status is not the one wanted, with the likely cause for the student. */
static void report(const char *what, uint64_t slot, uint64_t got, uint64_t want)
{
	uprintf("# %s: SYS_THREAD_GET_PRIORITY (syscall %u) on slot %lu returned %s, want %s%s\n",
		what, NR_GET_PRIORITY, slot, status_name(got), status_name(want),
		got == ERR_INVALID_SYSCALL ? ": the kernel has no such syscall yet" : "");
}

/* Whether the call on slot gives `want` (not OK: the refusals). */
static int refused_with(const char *what, uint64_t slot, uint64_t want)
{
	uint64_t priority, st = get_priority(slot, &priority);

	if (st != want)
		report(what, slot, st, want);
	return st == want;
}

/* Whether the call on slot gives OK and priority `want`. */
static int reads(const char *what, uint64_t slot, uint64_t want)
{
	uint64_t priority, st = get_priority(slot, &priority);

	if (st != OK) {
		report(what, slot, st, OK);
		return 0;
	}
	if (priority != want)
		uprintf("# %s: SYS_THREAD_GET_PRIORITY on slot %lu returned priority %lu (rdi), want %lu\n",
			what, slot, priority, want);
	return priority == want;
}

/* Sets slot's priority to p, saying so if the kernel refuses. */
static int set(uint64_t slot, uint64_t p)
{
	uint64_t st = sys_thread_set_priority(slot, p);

	if (st != OK)
		uprintf("# SYS_THREAD_SET_PRIORITY (slot %lu, %lu) failed: %s\n", slot, p, status_name(st));
	return st == OK;
}

/* --- the cases ------------------------------------------------------------ */

/* The numbers of the starting point's calls are ABI: the new one comes after them. */
static enum result existing_numbers_unchanged(void)
{
	struct sysregs r = { SLOT_SELF_THREAD, 0, 0, 0, 0, 0 };
	uint64_t st;

	if (SYS_THREAD_SET_CPU != NR_LAST_BEFORE) {
		uprintf("# abi.h makes SYS_THREAD_SET_CPU %u, not %u: add the new call at the end, "
			"a syscall's number never changes\n", (unsigned)SYS_THREAD_SET_CPU, NR_LAST_BEFORE);
		return FAIL;
	}
	/* Syscall 42 is still SYS_THREAD_SET_CPU: no machine has a CPU 1000. */
	r.rsi = 1000;
	st = moat_syscall(NR_LAST_BEFORE, &r);
	if (st != ERR_INVALID_ARG) {
		uprintf("# syscall %u (thread, CPU 1000) returned %s, want ERR_INVALID_ARG "
			"(SYS_THREAD_SET_CPU's): has its number changed?\n", NR_LAST_BEFORE,
			status_name(st));
		return FAIL;
	}
	return PASS;
}

static enum result own_priority(void)
{
	/* The program's own thread runs at the priority its config gave it. */
	return reads("own thread", SLOT_SELF_THREAD, CONFIG_PRIORITY) ? PASS : FAIL;
}

static enum result several_values(void)
{
	static const uint64_t values[] = { 0, 1, 37, CONFIG_PRIORITY - 1, CONFIG_PRIORITY, 5 };
	uint64_t a = obj_new(OBJ_THREAD), b = obj_new(OBJ_THREAD);

	if (a == SLOT_NONE || b == SLOT_NONE)
		return FAIL;
	/* Each value set is the value read, of that thread and not another. */
	for (unsigned i = 0; i < ARRAY_LEN(values); i++) {
		uint64_t other = values[ARRAY_LEN(values) - 1 - i];

		if (!set(a, values[i]) || !set(b, other) || !reads("thread a", a, values[i]) ||
		    !reads("thread b", b, other))
			return FAIL;
	}
	return PASS;
}

static enum result refused_set_keeps_priority(void)
{
	uint64_t t = obj_new(OBJ_THREAD);
	uint64_t st;

	if (t == SLOT_NONE || !set(t, 20))
		return FAIL;
	/* No thread raises another above itself: the refused call changes nothing. */
	st = sys_thread_set_priority(t, CONFIG_PRIORITY + 1);
	if (st != ERR_NO_RIGHTS) {
		uprintf("# SYS_THREAD_SET_PRIORITY above our own returned %s\n", status_name(st));
		return FAIL;
	}
	return reads("after a refused set", t, 20) ? PASS : FAIL;
}

static enum result vcpu_priority(void)
{
	uint64_t v = obj_new(OBJ_VCPU);

	if (v == SLOT_NONE) {
		skip_reason = "this machine has neither VMX nor SVM: no vCPU to ask about";
		return SKIP;
	}
	/* A vCPU is scheduled like a thread: SYS_THREAD_SET_PRIORITY takes it, so does the new call. */
	if (!set(v, 23) || !reads("vcpu", v, 23) || !set(v, 0) || !reads("vcpu", v, 0))
		return FAIL;
	return PASS;
}

static enum result empty_slot(void)
{
	uint64_t never = slot_new(), deleted = obj_new(OBJ_THREAD);
	uint64_t parent = obj_new(OBJ_THREAD), child;

	if (deleted == SLOT_NONE || parent == SLOT_NONE)
		return FAIL;
	child = copy_with(parent, RIGHTS_ALL);
	if (child == SLOT_NONE)
		return FAIL;
	/* It is an error to name a slot that holds nothing: never used, deleted, or revoked. */
	if (sys_cap_delete(deleted) != OK || sys_cap_revoke(parent) != OK)
		return FAIL;
	return refused_with("slot 0", 0, ERR_EMPTY_SLOT) &&
	       refused_with("a slot never used", never, ERR_EMPTY_SLOT) &&
	       refused_with("a deleted thread", deleted, ERR_EMPTY_SLOT) &&
	       refused_with("a revoked copy", child, ERR_EMPTY_SLOT) ? PASS : FAIL;
}

static enum result invalid_slot(void)
{
	static const uint64_t slots[] = {
		CSPACE_SLOTS, CSPACE_SLOTS + 1, 1ULL << 32, 1ULL << 63, SLOT_NONE,
	};

	/* It is an error to name a slot beyond the capability space; no value means "myself". */
	for (unsigned i = 0; i < ARRAY_LEN(slots); i++)
		if (!refused_with("beyond the capability space", slots[i], ERR_INVALID_SLOT))
			return FAIL;
	return PASS;
}

static enum result wrong_type(void)
{
	uint64_t slots[] = {
		SLOT_CONSOLE, SLOT_SELF_TASK, SLOT_SELF_UTCB, SLOT_UNTYPED, obj_new(OBJ_ENDPOINT),
		obj_new(OBJ_NOTIFICATION),
	};

	/*
	 * It is an error to name anything but a thread or a vCPU.  Each of
	 * these holds W, so the answer is the same whichever the kernel checks
	 * first, the type or the right.
	 */
	for (unsigned i = 0; i < ARRAY_LEN(slots); i++) {
		struct cap_info info;

		if (sys_cap_info(slots[i], &info) != OK || !(info.rights & RIGHT_W)) {
			uprintf("# slot %lu: no capability with W to test with\n", slots[i]);
			return FAIL;
		}
		if (!refused_with("not a thread", slots[i], ERR_WRONG_TYPE))
			return FAIL;
	}
	return PASS;
}

static enum result no_rights(void)
{
	static const uint64_t masks[] = { 0, RIGHT_R, RIGHT_R | RIGHT_X | RIGHT_G };
	uint64_t t = obj_new(OBJ_THREAD), v = obj_new(OBJ_VCPU), w_only;

	if (t == SLOT_NONE || !set(t, 9))
		return FAIL;
	/* It is an error to use a capability without W, the right every thread call needs. */
	for (unsigned i = 0; i < ARRAY_LEN(masks); i++) {
		uint64_t c = copy_with(t, masks[i]), s = copy_with(SLOT_SELF_THREAD, masks[i]);

		if (c == SLOT_NONE || s == SLOT_NONE ||
		    !refused_with("a thread copied without W", c, ERR_NO_RIGHTS) ||
		    !refused_with("our own thread copied without W", s, ERR_NO_RIGHTS))
			return FAIL;
		if (v != SLOT_NONE) {
			uint64_t vc = copy_with(v, masks[i]);

			if (vc == SLOT_NONE || !refused_with("a vCPU copied without W", vc, ERR_NO_RIGHTS))
				return FAIL;
		}
	}
	/* W is all it needs. */
	w_only = copy_with(t, RIGHT_W);
	return w_only != SLOT_NONE && reads("a copy with W alone", w_only, 9) ? PASS : FAIL;
}

/* Whether the registers the kernel gave back are `want`; says which differs. */
static int regs_are(const char *what, const struct sysregs *got, const struct sysregs *want)
{
	static const char *const names[] = { "rdi", "rsi", "rdx", "r10", "r8", "r9" };
	const uint64_t *g = &got->rdi, *w = &want->rdi;

	for (unsigned i = 0; i < ARRAY_LEN(names); i++) {
		if (g[i] != w[i]) {
			uprintf("# %s: %s came back as %#lx, not %#lx\n", what, names[i], g[i], w[i]);
			return 0;
		}
	}
	return 1;
}

static enum result registers_kept(void)
{
	uint64_t t = obj_new(OBJ_THREAD);
	struct sysregs want, r;
	uint64_t st;

	if (t == SLOT_NONE || !set(t, 44))
		return FAIL;
	/* Only rdi is a result: the kernel leaks nothing into the other registers. */
	want = (struct sysregs){ 44, 0x1111, 0x2222, 0x3333, 0x4444, 0x5555 };
	r = (struct sysregs){ t, 0x1111, 0x2222, 0x3333, 0x4444, 0x5555 };
	st = get_priority_regs(&r);
	if (st != OK) {
		report("registers", t, st, OK);
		return FAIL;
	}
	if (!regs_are("a call that worked", &r, &want))
		return FAIL;
	/* A refused call returns nothing: every register comes back as it went in. */
	want = (struct sysregs){ CSPACE_SLOTS, 0x1111, 0x2222, 0x3333, 0x4444, 0x5555 };
	r = want;
	st = get_priority_regs(&r);
	if (st != ERR_INVALID_SLOT) {
		report("registers", CSPACE_SLOTS, st, ERR_INVALID_SLOT);
		return FAIL;
	}
	return regs_are("a refused call", &r, &want) ? PASS : FAIL;
}

/* What the call must give for the capability in a slot, as SYS_CAP_INFO describes it. */
static int slot_answers_right(uint64_t slot)
{
	struct cap_info info;
	uint64_t priority, st = get_priority(slot, &priority);
	int schedulable, with_w;

	if (sys_cap_info(slot, &info) != OK)
		return st == ERR_EMPTY_SLOT || (report("an empty slot", slot, st, ERR_EMPTY_SLOT), 0);
	schedulable = info.type == OBJ_THREAD || info.type == OBJ_VCPU;
	with_w = (info.rights & RIGHT_W) != 0;
	if (schedulable && with_w) {
		if (st == OK && priority <= PRIORITY_MAX)
			return 1;
		uprintf("# slot %lu (type %lu, rights %#lx): status %s, priority %lu\n", slot,
			info.type, info.rights, status_name(st), priority);
		return 0;
	}
	if (schedulable)
		return st == ERR_NO_RIGHTS || (report("a thread without W", slot, st, ERR_NO_RIGHTS), 0);
	/* Another type without W: either refusal is right, as the kernel checks one first. */
	if (st == ERR_WRONG_TYPE || (!with_w && st == ERR_NO_RIGHTS))
		return 1;
	report("not a thread", slot, st, ERR_WRONG_TYPE);
	return 0;
}

static enum result every_slot(void)
{
	/* Every slot of the capability space gives what its capability says, and nothing breaks. */
	for (uint64_t s = 0; s < CSPACE_SLOTS; s++)
		if (!slot_answers_right(s))
			return FAIL;
	return PASS;
}

static enum result beyond_is_invalid(void)
{
	static const uint64_t numbers[] = { NR_GET_PRIORITY + 1, NR_GET_PRIORITY + 2, 64, 255,
					    1ULL << 32, ~0ULL };

	/* The new call takes one number: the ones after it are still no syscall at all. */
	for (unsigned i = 0; i < ARRAY_LEN(numbers); i++) {
		struct sysregs r = { SLOT_SELF_THREAD, 0, 0, 0, 0, 0 };
		uint64_t st = moat_syscall(numbers[i], &r);

		if (st != ERR_INVALID_SYSCALL) {
			uprintf("# syscall %#lx returned %s, want ERR_INVALID_SYSCALL (is SYS_COUNT "
				"right?)\n", numbers[i], status_name(st));
			return FAIL;
		}
	}
	return PASS;
}

static enum result kernel_invariants_hold(void)
{
	uint64_t broken, st = sys_debug_check(SLOT_CONSOLE, &broken);

	/* After all of the above, the kernel's invariant checker finds nothing broken. */
	if (st != OK || broken != 0) {
		uprintf("# SYS_DEBUG_CHECK: status %s, %lu broken invariants (the kernel's log says "
			"which)\n", status_name(st), st == OK ? broken : 0);
		return FAIL;
	}
	return PASS;
}

static const struct {
	const char *name;
	enum result (*fn)(void);
} cases[] = {
	{ "existing_numbers_unchanged", existing_numbers_unchanged },
	{ "own_priority", own_priority },
	{ "several_values", several_values },
	{ "refused_set_keeps_priority", refused_set_keeps_priority },
	{ "vcpu_priority", vcpu_priority },
	{ "empty_slot", empty_slot },
	{ "invalid_slot", invalid_slot },
	{ "wrong_type", wrong_type },
	{ "no_rights", no_rights },
	{ "registers_kept", registers_kept },
	{ "every_slot", every_slot },
	{ "beyond_is_invalid", beyond_is_invalid },
	{ "kernel_invariants_hold", kernel_invariants_hold },
};

int main(uint64_t arg)
{
	unsigned passed = 0, failed = 0, skipped = 0;

	(void)arg;
	uprintf("# syscall lab: %u cases\n", (unsigned)ARRAY_LEN(cases));
	for (unsigned i = 0; i < ARRAY_LEN(cases); i++) {
		enum result r;

		skip_reason = "";
		r = cases[i].fn();
		if (r == PASS) {
			passed++;
			uprintf("ok %u %s\n", i + 1, cases[i].name);
		} else if (r == SKIP) {
			skipped++;
			uprintf("skip %u %s # %s\n", i + 1, cases[i].name, skip_reason);
		} else {
			failed++;
			uprintf("not ok %u %s\n", i + 1, cases[i].name);
		}
	}
	uprintf("end of tests: %u passed, %u failed, %u skipped\n", passed, failed, skipped);
	sys_debug_exit(SLOT_CONSOLE, failed ? 1 : 0);
	return failed ? 1 : 0;
}
