/*
 * Syscall numbers, the debug console, and capabilities: info, copy, move,
 * delete, revoke, badges.
 */
#include "suite.h"

/* --- syscall numbers and the console --- */

static enum result unknown_syscall_numbers_are_refused(void)
{
	static const uint64_t numbers[] = { SYS_COUNT, SYS_COUNT + 1, 255, 1ULL << 32, ~0ULL };

	/* it is an error to use a syscall number the kernel does not have */
	for (unsigned int i = 0; i < ARRAY_LEN(numbers); i++)
		CHECK_ST(sys0(numbers[i], 0, 0, 0, 0, 0, 0), ERR_INVALID_SYSCALL);
	return PASS;
}

static enum result debug_write_reaches_console(void)
{
	static const char line[] = "# debug_write reaches the console\n";

	CHECK_OK(sys_debug_write(SLOT_CONSOLE, line, sizeof(line) - 1));
	CHECK_OK(sys_debug_write(SLOT_CONSOLE, line, 0));
	return PASS;
}

/* Writing len bytes from buf to the console must fail with ERR_BAD_ADDRESS. */
static enum result bad_buffer(uint64_t buf, uint64_t len)
{
	CHECK_ST(sys_debug_write(SLOT_CONSOLE, (const void *)buf, len), ERR_BAD_ADDRESS);
	return PASS;
}

static enum result debug_write_null_buffer(void)
{
	/* it is an error to pass a buffer at address 0 (nothing is mapped there) */
	return bad_buffer(0, 8);
}

static enum result debug_write_kernel_buffer(void)
{
	/* it is an error to pass a buffer in the kernel's half of the address space */
	return bad_buffer(0xffffffff80000000ULL, 8);
}

static enum result debug_write_unmapped_buffer(void)
{
	/* it is an error to pass a buffer that is not mapped */
	return bad_buffer(va_alloc(1), 8);
}

static enum result debug_write_non_canonical_buffer(void)
{
	/* it is an error to pass a buffer at a non-canonical address */
	return bad_buffer(USER_TOP, 8);
}

static enum result debug_write_huge_length(void)
{
	static const char text[] = "#";

	/* it is an error to write more than a page at once */
	CHECK_ST(sys_debug_write(SLOT_CONSOLE, text, PAGE_BYTES + 1), ERR_INVALID_ARG);
	CHECK_ST(sys_debug_write(SLOT_CONSOLE, text, ~0ULL), ERR_INVALID_ARG);
	return PASS;
}

static enum result debug_write_running_off_mapping(void)
{
	char *p = frame_map_new(1, RIGHT_R | RIGHT_W, NULL);

	CHECK_MADE(p);
	/* it is an error to pass a buffer whose end is not mapped (the next page is not) */
	memset(p + PAGE_BYTES - 8, '#', 8);
	return bad_buffer((uint64_t)p + PAGE_BYTES - 8, 16);
}

static enum result debug_calls_need_console(void)
{
	uint64_t ep = obj_new(OBJ_ENDPOINT), broken;

	CHECK_MADE(ep);
	/* it is an error to use the debug calls with anything but the console */
	CHECK_ST(sys_debug_write(ep, "x", 1), ERR_WRONG_TYPE);
	CHECK_ST(sys_debug_exit(ep, 0), ERR_WRONG_TYPE);
	CHECK_ST(sys_debug_check(ep, &broken), ERR_WRONG_TYPE);
	CHECK_ST(sys_debug_exit(slot_alloc(), 0), ERR_EMPTY_SLOT);
	CHECK_ST(sys_debug_exit(CSPACE_SLOTS, 0), ERR_INVALID_SLOT);
	return PASS;
}

/*
 * A scope SYS_DEBUG_CHECK cannot do is refused, not run as some other
 * check: a bit that names none, DEBUG_LOCK_HOLD with a check, and the
 * other CPUs' hardware without the hardware check it extends.
 */
static enum result debug_check_refuses_a_scope_it_cannot_do(void)
{
	uint64_t broken = 1;
	CHECK_ST(sys_debug_check_scope(SLOT_CONSOLE, 16, &broken), ERR_INVALID_ARG);
	CHECK_ST(sys_debug_check_scope(SLOT_CONSOLE, DEBUG_LOCK_HOLD | DEBUG_CHECK_HARDWARE, &broken),
		 ERR_INVALID_ARG);
	CHECK_ST(sys_debug_check_scope(SLOT_CONSOLE, DEBUG_CHECK_OTHER_CPUS, &broken), ERR_INVALID_ARG);
	CHECK_ST(sys_debug_check_scope(SLOT_CONSOLE, DEBUG_CHECK_OTHER_CPUS | DEBUG_CHECK_OBJECTS, &broken),
		 ERR_INVALID_ARG);
	CHECK_OK(sys_debug_check_scope(SLOT_CONSOLE, DEBUG_CHECK_HARDWARE | DEBUG_CHECK_OTHER_CPUS, &broken));
	CHECK(broken == 0);
	return PASS;
}

static enum result console_take_and_read_need_read_right(void)
{
	uint64_t ntfn = obj_new(OBJ_NOTIFICATION), got;
	struct cap_info info;

	CHECK_MADE(ntfn);
	/* the root gives this suite the console to write only: only the console's driver may read */
	CHECK_OK(sys_cap_info(SLOT_CONSOLE, &info));
	CHECK(!(info.rights & RIGHT_R));
	CHECK_ST(sys_console_take(SLOT_CONSOLE, ntfn), ERR_NO_RIGHTS);
	CHECK_ST(sys_console_read(SLOT_CONSOLE, 8, &got), ERR_NO_RIGHTS);
	CHECK_ST(sys_console_take(ntfn, ntfn), ERR_WRONG_TYPE);
	CHECK_ST(sys_console_read(ntfn, 8, &got), ERR_WRONG_TYPE);
	return PASS;
}

/* --- slots --- */

static enum result cap_info_names_console(void)
{
	struct cap_info info;

	CHECK_OK(sys_cap_info(SLOT_CONSOLE, &info));
	CHECK(info.type == OBJ_CONSOLE);
	return PASS;
}

/*
 * SLOT_FAULT, where the runtime's threads report faults, holds the root's
 * fault endpoint: send only (no capability travels with a report, none is
 * received), with the suite's own badge, which it cannot change.  (Sending
 * on it would end the suite: the root takes any message there as a fault.)
 */
static enum result fault_slot_is_send_only_with_own_badge(void)
{
	struct cap_info info;

	CHECK(fault_endpoint_slot() == SLOT_FAULT);
	CHECK_OK(sys_cap_info(SLOT_FAULT, &info));
	CHECK(info.type == OBJ_ENDPOINT && info.rights == RIGHT_W);
	CHECK(info.badge == startinfo()->badge);
	CHECK_ST(sys_cap_copy(SLOT_FAULT, TASK_SELF, slot_alloc(), RIGHT_W, 0x77), ERR_INVALID_ARG);
	return PASS;
}

static enum result empty_slot_is_reported(void)
{
	uint64_t s = slot_alloc();
	struct cap_info info;

	/* it is an error to name an empty slot */
	CHECK_ST(sys_cap_info(s, &info), ERR_EMPTY_SLOT);
	CHECK_ST(sys_cap_delete(s), ERR_EMPTY_SLOT);
	CHECK_ST(sys_cap_revoke(s), ERR_EMPTY_SLOT);
	CHECK_ST(sys_cap_copy(s, TASK_SELF, slot_alloc(), RIGHTS_ALL, 0), ERR_EMPTY_SLOT);
	CHECK_ST(sys_cap_move(s, TASK_SELF, slot_alloc()), ERR_EMPTY_SLOT);
	return PASS;
}

static enum result slots_beyond_cspace_are_invalid(void)
{
	static const uint64_t bad[] = { CSPACE_SLOTS, CSPACE_SLOTS + 1, 1ULL << 32, ~0ULL - 1 };
	struct cap_info info;

	/* it is an error to name a slot at or beyond CSPACE_SLOTS */
	for (unsigned int i = 0; i < ARRAY_LEN(bad); i++) {
		CHECK_ST(sys_cap_info(bad[i], &info), ERR_INVALID_SLOT);
		CHECK_ST(sys_cap_delete(bad[i]), ERR_INVALID_SLOT);
		CHECK_ST(sys_cap_revoke(bad[i]), ERR_INVALID_SLOT);
		CHECK_ST(sys_cap_copy(SLOT_CONSOLE, TASK_SELF, bad[i], RIGHTS_ALL, 0),
			 ERR_INVALID_SLOT);
		CHECK_ST(sys_cap_move(bad[i], TASK_SELF, slot_alloc()), ERR_INVALID_SLOT);
		CHECK_ST(sys_signal(bad[i]), ERR_INVALID_SLOT);
	}
	return PASS;
}

/* --- copy --- */

static enum result copy_keeps_object_and_masks_rights(void)
{
	uint64_t ep = obj_new(OBJ_ENDPOINT), c;
	struct cap_info info;

	CHECK_MADE(ep);
	CHECK_OK(sys_cap_info(ep, &info));
	CHECK(info.type == OBJ_ENDPOINT && info.rights == RIGHTS_ALL && info.badge == 0);
	CHECK_MADE(c = cap_dup(ep, RIGHT_R | RIGHT_G, 0));
	CHECK_OK(sys_cap_info(c, &info));
	CHECK(info.type == OBJ_ENDPOINT && info.rights == (RIGHT_R | RIGHT_G));
	return PASS;
}

static enum result copy_never_adds_rights(void)
{
	uint64_t ep = obj_new(OBJ_ENDPOINT), weak, again;
	struct cap_info info;

	CHECK_MADE(ep);
	CHECK_MADE(weak = cap_dup(ep, RIGHT_W, 0));
	CHECK_MADE(again = cap_dup(weak, RIGHTS_ALL, 0));
	CHECK_OK(sys_cap_info(again, &info));
	CHECK(info.rights == RIGHT_W);
	return PASS;
}

static enum result copy_to_occupied_slot_fails(void)
{
	uint64_t a = obj_new(OBJ_ENDPOINT), b = obj_new(OBJ_NOTIFICATION);

	CHECK_MADE(a && b);
	/* it is an error to copy into a slot that holds a capability */
	CHECK_ST(sys_cap_copy(a, TASK_SELF, b, RIGHTS_ALL, 0), ERR_SLOT_OCCUPIED);
	CHECK(cap_type(b) == OBJ_NOTIFICATION);
	return PASS;
}

static enum result copy_into_non_task_fails(void)
{
	uint64_t ep = obj_new(OBJ_ENDPOINT);

	CHECK_MADE(ep);
	/* it is an error to name as destination task anything but a task */
	CHECK_ST(sys_cap_copy(ep, SLOT_CONSOLE, slot_alloc(), RIGHTS_ALL, 0), ERR_WRONG_TYPE);
	CHECK_ST(sys_cap_copy(ep, ep, slot_alloc(), RIGHTS_ALL, 0), ERR_WRONG_TYPE);
	CHECK_ST(sys_cap_move(ep, SLOT_CONSOLE, slot_alloc()), ERR_WRONG_TYPE);
	return PASS;
}

static enum result copy_of_untyped_is_refused(void)
{
	uint64_t dst = slot_alloc();

	/* it is an error to copy untyped memory: it has one owner */
	CHECK_ST(sys_cap_copy(SLOT_UNTYPED, TASK_SELF, dst, RIGHTS_ALL, 0), ERR_WRONG_TYPE);
	CHECK(cap_type(dst) == OBJ_NONE);
	return PASS;
}

static enum result own_task_slot_and_task_self_agree(void)
{
	uint64_t a = slot_alloc(), b = slot_alloc();

	CHECK_OK(sys_cap_copy(SLOT_CONSOLE, TASK_SELF, a, RIGHTS_ALL, 0));
	CHECK_OK(sys_cap_copy(SLOT_CONSOLE, SLOT_SELF_TASK, b, RIGHTS_ALL, 0));
	CHECK(cap_type(a) == OBJ_CONSOLE && cap_type(b) == OBJ_CONSOLE);
	return PASS;
}

/* --- badges --- */

static enum result copy_mints_badge(void)
{
	uint64_t ep = obj_new(OBJ_ENDPOINT), b, plain;
	struct cap_info info;

	CHECK_MADE(ep);
	CHECK_MADE(b = cap_dup(ep, RIGHTS_ALL, 0x5eed));
	CHECK_OK(sys_cap_info(b, &info));
	CHECK(info.badge == 0x5eed);
	/* a copy with badge 0 keeps the badge it has */
	CHECK_MADE(plain = cap_dup(b, RIGHT_W, 0));
	CHECK_OK(sys_cap_info(plain, &info));
	CHECK(info.badge == 0x5eed && info.rights == RIGHT_W);
	return PASS;
}

static enum result rebadging_is_refused(void)
{
	uint64_t ep = obj_new(OBJ_ENDPOINT), b, dst = slot_alloc();

	CHECK_MADE(ep);
	CHECK_MADE(b = cap_dup(ep, RIGHTS_ALL, 1));
	/* it is an error to mint a badge on a capability that already has one */
	CHECK_ST(sys_cap_copy(b, TASK_SELF, dst, RIGHTS_ALL, 2), ERR_INVALID_ARG);
	CHECK(cap_type(dst) == OBJ_NONE);
	return PASS;
}

static enum result badge_only_on_endpoints_and_notifications(void)
{
	uint64_t frame = frame_new(1), dst = slot_alloc();

	CHECK_MADE(frame);
	/* it is an error to mint a badge on a capability that takes none */
	CHECK_ST(sys_cap_copy(frame, TASK_SELF, dst, RIGHTS_ALL, 3), ERR_INVALID_ARG);
	CHECK_ST(sys_cap_copy(SLOT_CONSOLE, TASK_SELF, dst, RIGHTS_ALL, 3), ERR_INVALID_ARG);
	CHECK(cap_type(dst) == OBJ_NONE);
	return PASS;
}

static enum result copy_rights_mask_is_checked(void)
{
	uint64_t ep = obj_new(OBJ_ENDPOINT), dst = slot_alloc();

	CHECK_MADE(ep);
	/* it is an error to name rights that do not exist */
	CHECK_ST(sys_cap_copy(ep, TASK_SELF, dst, RIGHTS_ALL + 1, 0), ERR_INVALID_ARG);
	CHECK_ST(sys_cap_copy(ep, TASK_SELF, dst, ~0ULL, 0), ERR_INVALID_ARG);
	CHECK(cap_type(dst) == OBJ_NONE);
	return PASS;
}

static enum result copy_into_task_needs_write_right(void)
{
	uint64_t task = task_new(0), ro;

	CHECK_MADE(task);
	CHECK_MADE(ro = cap_dup(task, RIGHT_R, 0));
	/* it is an error to put capabilities into a task through a capability without W */
	CHECK_ST(sys_cap_copy(SLOT_CONSOLE, ro, 3, RIGHTS_ALL, 0), ERR_NO_RIGHTS);
	CHECK_OK(sys_cap_copy(SLOT_CONSOLE, task, 3, RIGHTS_ALL, 0));
	return PASS;
}

/* --- move and delete --- */

static enum result move_moves_capability(void)
{
	uint64_t ep = obj_new(OBJ_ENDPOINT), dst = slot_alloc();
	struct cap_info info;

	CHECK_MADE(ep);
	CHECK_OK(sys_cap_move(ep, TASK_SELF, dst));
	CHECK_ST(sys_cap_info(ep, &info), ERR_EMPTY_SLOT);
	CHECK_OK(sys_cap_info(dst, &info));
	CHECK(info.type == OBJ_ENDPOINT && info.rights == RIGHTS_ALL);
	return PASS;
}

static enum result move_to_occupied_slot_fails(void)
{
	uint64_t ep = obj_new(OBJ_ENDPOINT), ntfn = obj_new(OBJ_NOTIFICATION);

	CHECK_MADE(ep && ntfn);
	/* it is an error to move into a slot that holds a capability */
	CHECK_ST(sys_cap_move(ep, TASK_SELF, ntfn), ERR_SLOT_OCCUPIED);
	CHECK(cap_type(ep) == OBJ_ENDPOINT && cap_type(ntfn) == OBJ_NOTIFICATION);
	return PASS;
}

static enum result delete_empties_slot(void)
{
	uint64_t ep = obj_new(OBJ_ENDPOINT);
	struct msg m = msg(1, 0, 0, 0, 0, 0);

	CHECK_MADE(ep);
	CHECK_OK(sys_cap_delete(ep));
	CHECK(cap_type(ep) == OBJ_NONE);
	/* it is an error to use a deleted capability */
	CHECK_ST(sys_nb_send(ep, &m), ERR_EMPTY_SLOT);
	CHECK_ST(sys_cap_delete(ep), ERR_EMPTY_SLOT);
	return PASS;
}

static enum result delete_keeps_copies(void)
{
	uint64_t ep = obj_new(OBJ_ENDPOINT), c;
	struct msg m = msg(1, 0, 0, 0, 0, 0);

	CHECK_MADE(ep);
	CHECK_MADE(c = cap_dup(ep, RIGHTS_ALL, 0));
	CHECK_OK(sys_cap_delete(ep));
	/* the object lives on while a capability names it */
	CHECK(cap_type(c) == OBJ_ENDPOINT);
	CHECK_ST(sys_nb_send(c, &m), ERR_WOULD_BLOCK);
	return PASS;
}

/* --- revoke --- */

static enum result revoke_deletes_copies(void)
{
	uint64_t ep = obj_new(OBJ_ENDPOINT), c;
	struct msg m = msg(1, 0, 0, 0, 0, 0);

	CHECK_MADE(ep);
	CHECK_MADE(c = cap_dup(ep, RIGHT_W, 0));
	CHECK_OK(sys_cap_revoke(ep));
	CHECK(cap_type(ep) == OBJ_ENDPOINT);
	/* it is an error to use a revoked capability: its slot is empty */
	CHECK(cap_type(c) == OBJ_NONE);
	CHECK_ST(sys_nb_send(c, &m), ERR_EMPTY_SLOT);
	return PASS;
}

static enum result revoke_reaches_two_levels(void)
{
	uint64_t ep = obj_new(OBJ_ENDPOINT), child, grandchild, sibling;

	CHECK_MADE(ep);
	CHECK_MADE(child = cap_dup(ep, RIGHTS_ALL, 7));
	CHECK_MADE(grandchild = cap_dup(child, RIGHT_W, 0));
	CHECK_MADE(sibling = cap_dup(ep, RIGHT_R, 0));
	CHECK_OK(sys_cap_revoke(child));
	CHECK(cap_type(grandchild) == OBJ_NONE);
	CHECK(cap_type(child) == OBJ_ENDPOINT && cap_type(sibling) == OBJ_ENDPOINT);
	CHECK_OK(sys_cap_revoke(ep));
	CHECK(cap_type(child) == OBJ_NONE && cap_type(sibling) == OBJ_NONE);
	return PASS;
}

static enum result revoke_reaches_children_of_deleted_copy(void)
{
	uint64_t ep = obj_new(OBJ_ENDPOINT), mid, leaf;

	CHECK_MADE(ep);
	CHECK_MADE(mid = cap_dup(ep, RIGHTS_ALL, 0));
	CHECK_MADE(leaf = cap_dup(mid, RIGHTS_ALL, 0));
	CHECK_OK(sys_cap_delete(mid));
	CHECK(cap_type(leaf) == OBJ_ENDPOINT);
	CHECK_OK(sys_cap_revoke(ep));
	CHECK(cap_type(leaf) == OBJ_NONE);
	return PASS;
}

static enum result revoke_reaches_other_tasks(void)
{
	uint64_t task = task_new(0), ep = obj_new(OBJ_ENDPOINT), mid;
	const uint64_t there = 5;

	CHECK_MADE(task && ep);
	CHECK_MADE(mid = cap_dup(ep, RIGHTS_ALL, 0));
	CHECK_OK(sys_cap_copy(mid, task, there, RIGHT_W, 0));
	/* the other task's slot is taken: a second copy there must fail */
	CHECK_ST(sys_cap_copy(SLOT_CONSOLE, task, there, RIGHTS_ALL, 0), ERR_SLOT_OCCUPIED);
	CHECK_OK(sys_cap_revoke(ep));
	CHECK(cap_type(mid) == OBJ_NONE);
	/* ... and after the revoke, two levels down in another task, it is free */
	CHECK_OK(sys_cap_copy(SLOT_CONSOLE, task, there, RIGHTS_ALL, 0));
	return PASS;
}

static enum result moved_capability_is_still_revoked(void)
{
	uint64_t ep = obj_new(OBJ_ENDPOINT), c, moved = slot_alloc();

	CHECK_MADE(ep);
	CHECK_MADE(c = cap_dup(ep, RIGHTS_ALL, 0));
	CHECK_OK(sys_cap_move(c, TASK_SELF, moved));
	CHECK_OK(sys_cap_revoke(ep));
	CHECK(cap_type(moved) == OBJ_NONE);
	return PASS;
}

static enum result revoke_of_untyped_deletes_objects(void)
{
	uint64_t ep = obj_new(OBJ_ENDPOINT), frame = frame_new(1);

	CHECK_MADE(ep && frame);
	CHECK_OK(sys_cap_revoke(SLOT_UNTYPED));
	CHECK(cap_type(ep) == OBJ_NONE && cap_type(frame) == OBJ_NONE);
	CHECK(cap_type(SLOT_UNTYPED) == OBJ_UNTYPED);
	return PASS;
}

/* --- revoking a deep derivation chain --- */

#define CHAIN_DEPTH  16000              /* copies below the root */
#define CHAIN_MIDDLE (CHAIN_DEPTH - 2)  /* all but the first and the last: in other tasks */
#define CHAIN_TASKS  ((CHAIN_MIDDLE + CSPACE_SLOTS - 1) / CSPACE_SLOTS)
#define WATCH_TRIES  20
#define IRQ_BIT      0x1
#define DONE_BIT     0x2

/*
 * root <- first <- middle copies 0 .. CHAIN_MIDDLE - 1 <- last, each copy
 * derived from the one before.  A capability space has CSPACE_SLOTS slots,
 * so the middle copies live in other tasks, CSPACE_SLOTS to a task.
 */
struct chain {
	uint64_t root, first, last, pair[2]; /* in the suite's own space */
	uint64_t tasks[CHAIN_TASKS];
};

/* The root, the suite's slots and the tasks of a chain, with no copies yet; 0 on failure. */
static int chain_make(struct chain *ch)
{
	ch->root = obj_new(OBJ_ENDPOINT);
	ch->first = slot_alloc();
	ch->last = slot_alloc();
	ch->pair[0] = slot_alloc();
	ch->pair[1] = slot_alloc();
	for (unsigned int t = 0; t < CHAIN_TASKS; t++)
		if (!(ch->tasks[t] = task_new(0)))
			return 0;
	return ch->root && ch->first && ch->last && ch->pair[0] && ch->pair[1];
}

/* Moves own slot s to where middle copy i lives; 0 on failure (reported). */
static int chain_stash(const struct chain *ch, uint64_t s, unsigned int i)
{
	uint64_t st = sys_cap_move(s, ch->tasks[i / CSPACE_SLOTS], i % CSPACE_SLOTS);

	if (st != OK)
		uprintf("# chain: moving copy %u: %s\n", i, status_name(st));
	return st == OK;
}

/* Copies own slot src to own slot dst; 0 on failure (reported). */
static int chain_copy(uint64_t src, uint64_t dst)
{
	uint64_t st = sys_cap_copy(src, TASK_SELF, dst, RIGHTS_ALL, 0);

	if (st != OK)
		uprintf("# chain: copy: %s\n", status_name(st));
	return st == OK;
}

/*
 * Makes the chain's CHAIN_DEPTH copies below its root; 0 on failure.  A copy
 * needs its source in the caller's space: each middle copy is made in one
 * of two own slots, then moved (keeping its place) once its own copy exists.
 */
static int chain_link(const struct chain *ch)
{
	uint64_t src = ch->first;

	if (!chain_copy(ch->root, ch->first))
		return 0;
	for (unsigned int i = 0; i < CHAIN_MIDDLE; i++) {
		if (!chain_copy(src, ch->pair[i % 2]) || (i > 0 && !chain_stash(ch, src, i - 1)))
			return 0;
		src = ch->pair[i % 2];
	}
	return chain_copy(src, ch->last) && chain_stash(ch, src, CHAIN_MIDDLE - 1);
}

/* Whether the root stays, every copy is gone (its slot takes a new capability) and kcheck passes. */
static int chain_gone(const struct chain *ch)
{
	uint64_t broken = ~0ULL;

	if (cap_type(ch->root) != OBJ_ENDPOINT || cap_type(ch->first) != OBJ_NONE ||
	    cap_type(ch->last) != OBJ_NONE)
		return 0;
	for (unsigned int i = 0; i < CHAIN_MIDDLE; i++) {
		if (sys_cap_copy(SLOT_CONSOLE, ch->tasks[i / CSPACE_SLOTS], i % CSPACE_SLOTS,
				 RIGHT_R, 0) != OK) {
			uprintf("# chain: middle copy %u survived\n", i);
			return 0;
		}
	}
	return sys_debug_check(SLOT_CONSOLE, &broken) == OK && broken == 0;
}

/* Whether the chain is half revoked: its first copy is gone and its last is not, or the reverse. */
static int chain_midway(const struct chain *ch)
{
	return (cap_type(ch->first) == OBJ_NONE) != (cap_type(ch->last) == OBJ_NONE);
}

/* Each time notification arg[1] is signalled: revokes capability arg[0], then signals arg[2]. */
static void revoker(struct helper *h)
{
	uint64_t bits;

	while (sys_wait(h->arg[1], &bits) == OK) {
		h->status = sys_cap_revoke(h->arg[0]);
		sys_signal(h->arg[2]);
	}
}

/* Waits on ntfn for interrupts until the revoker is done; returns how often the chain was midway. */
static unsigned int watch_revoke(const struct chain *ch, uint64_t ntfn)
{
	uint64_t bits = 0;
	unsigned int midway = 0;

	while (!(bits & DONE_BIT)) {
		if (sys_wait(ntfn, &bits) != OK)
			return 0;
		midway += chain_midway(ch);
		sys_irq_ack(SLOT_IRQ_FIRST);
	}
	return midway;
}

/*
 * A helper one priority below the suite revokes the chain while the PIT
 * interrupts every millisecond.  The suite waits for each interrupt and counts,
 * in *midway, the times it found the chain half revoked: each is a time the
 * revoke made way for it.  Under QEMU an interrupt may come a few ms late,
 * after the whole revoke: then the chain is linked and revoked again, up to
 * WATCH_TRIES times.  (Under Bochs time is instructions: the first try
 * sees it.)  Returns the helper, whose status is its last revoke's, or NULL.
 */
static struct helper *revoke_watched(const struct chain *ch, unsigned int *midway)
{
	uint64_t ntfn = obj_new(OBJ_NOTIFICATION), go = obj_new(OBJ_NOTIFICATION);
	uint64_t for_irq = cap_dup(ntfn, RIGHTS_ALL, IRQ_BIT), for_done = cap_dup(ntfn, RIGHT_W, DONE_BIT);
	struct helper *h = helper_prepare(SLOT_NONE);
	unsigned int tries = 0;

	*midway = 0;
	if (!go || !for_irq || !for_done || !h ||
	    sys_thread_set_priority(h->thread, own_priority - 1) != OK ||
	    sys_irq_bind(SLOT_IRQ_FIRST, for_irq) != OK)
		return NULL;
	h->arg[2] = for_done;
	if (!helper_go(h, revoker, ch->root, go))
		return NULL;
	pit_program(PIT_PERIODIC, PIT_1MS);
	while (!*midway && tries < WATCH_TRIES && chain_link(ch) && sys_signal(go) == OK) {
		tries++;
		*midway = watch_revoke(ch, ntfn);
	}
	pit_stop();
	uprintf("# found the revoke midway %u times, on try %u\n", *midway, tries);
	return h;
}

static enum result revoke_deletes_deep_chain(void)
{
	struct chain ch;
	uint64_t start, cost;

	CHECK_MADE(chain_make(&ch) && chain_link(&ch));
	/* revoking a chain CHAIN_DEPTH copies deep, across tasks, deletes every copy */
	start = rdtsc();
	CHECK_OK(sys_cap_revoke(ch.root));
	cost = rdtsc() - start;
	CHECK(chain_gone(&ch));
	uprintf("bench cap_revoke_instructions_per_cap: %lu\n", cost / CHAIN_DEPTH);
	return PASS;
}

static enum result long_revoke_makes_way_for_higher_priority(void)
{
	struct chain ch;
	unsigned int midway;

	if (!can_watch_with_pit())
		SKIP("the suite holds no IRQ 0 or PIT ports, or runs at priority 0");
	CHECK_MADE(chain_make(&ch));
	/* revoking a deep chain lets a thread an interrupt woke run before the revoke ends */
	CHECK_MADE(revoke_watched(&ch, &midway));
	CHECK(midway > 0);
	return PASS;
}

static enum result preempted_revoke_finishes_when_restarted(void)
{
	struct chain ch;
	struct helper *h;
	unsigned int midway;

	if (!can_watch_with_pit())
		SKIP("the suite holds no IRQ 0 or PIT ports, or runs at priority 0");
	CHECK_MADE(chain_make(&ch));
	CHECK_MADE(h = revoke_watched(&ch, &midway));
	CHECK(midway > 0);
	/* revoking a chain, preempted and restarted, deletes every copy in the end ... */
	CHECK_OK(h->status);
	/* ... and revoking it again changes nothing */
	CHECK_OK(sys_cap_revoke(ch.root));
	CHECK(chain_gone(&ch));
	return PASS;
}

static const struct test_case cases[] = {
	{ "unknown_syscall_numbers_are_refused", unknown_syscall_numbers_are_refused },
	{ "debug_write_reaches_console", debug_write_reaches_console },
	{ "debug_check_refuses_a_scope_it_cannot_do", debug_check_refuses_a_scope_it_cannot_do },
	{ "debug_write_null_buffer", debug_write_null_buffer },
	{ "debug_write_kernel_buffer", debug_write_kernel_buffer },
	{ "debug_write_unmapped_buffer", debug_write_unmapped_buffer },
	{ "debug_write_non_canonical_buffer", debug_write_non_canonical_buffer },
	{ "debug_write_huge_length", debug_write_huge_length },
	{ "console_take_and_read_need_read_right", console_take_and_read_need_read_right },
	{ "debug_write_running_off_mapping", debug_write_running_off_mapping },
	{ "debug_calls_need_console", debug_calls_need_console },
	{ "cap_info_names_console", cap_info_names_console },
	{ "fault_slot_is_send_only_with_own_badge", fault_slot_is_send_only_with_own_badge },
	{ "empty_slot_is_reported", empty_slot_is_reported },
	{ "slots_beyond_cspace_are_invalid", slots_beyond_cspace_are_invalid },
	{ "copy_keeps_object_and_masks_rights", copy_keeps_object_and_masks_rights },
	{ "copy_never_adds_rights", copy_never_adds_rights },
	{ "copy_to_occupied_slot_fails", copy_to_occupied_slot_fails },
	{ "copy_into_non_task_fails", copy_into_non_task_fails },
	{ "copy_of_untyped_is_refused", copy_of_untyped_is_refused },
	{ "own_task_slot_and_task_self_agree", own_task_slot_and_task_self_agree },
	{ "copy_mints_badge", copy_mints_badge },
	{ "rebadging_is_refused", rebadging_is_refused },
	{ "badge_only_on_endpoints_and_notifications", badge_only_on_endpoints_and_notifications },
	{ "copy_rights_mask_is_checked", copy_rights_mask_is_checked },
	{ "copy_into_task_needs_write_right", copy_into_task_needs_write_right },
	{ "move_moves_capability", move_moves_capability },
	{ "move_to_occupied_slot_fails", move_to_occupied_slot_fails },
	{ "delete_empties_slot", delete_empties_slot },
	{ "delete_keeps_copies", delete_keeps_copies },
	{ "revoke_deletes_copies", revoke_deletes_copies },
	{ "revoke_reaches_two_levels", revoke_reaches_two_levels },
	{ "revoke_reaches_children_of_deleted_copy", revoke_reaches_children_of_deleted_copy },
	{ "revoke_reaches_other_tasks", revoke_reaches_other_tasks },
	{ "moved_capability_is_still_revoked", moved_capability_is_still_revoked },
	{ "revoke_of_untyped_deletes_objects", revoke_of_untyped_deletes_objects },
	{ "revoke_deletes_deep_chain", revoke_deletes_deep_chain },
	{ "long_revoke_makes_way_for_higher_priority", long_revoke_makes_way_for_higher_priority },
	{ "preempted_revoke_finishes_when_restarted", preempted_revoke_finishes_when_restarted },
};

const struct test_group caps_group = GROUP(cases);
