/*
 * The kernel's long operations, done in bounded steps (docs/smp.md, "The
 * lock's longest hold"): a large retype zeroes its memory in pieces, a
 * large frame maps and unmaps in pieces (at its deletion too), and a
 * task's teardown empties its capability space in batches, each followed
 * by a preemption point.  A helper below the suite's priority runs the
 * operation; the suite, woken by the PIT every millisecond, counts the
 * times it ran while the operation was under way (a thread of higher
 * priority on the same CPU), and a helper on CPU 1 counts the syscalls it
 * made meanwhile (each needs the kernel lock).  With the operation in one
 * step, interrupts off and the lock held, the suite finds it under way
 * once at most, and CPU 1 makes no syscall between two such times.
 * Then what another thread may do between two steps.  final.c holds the
 * lock's longest hold over the whole suite to a bound.
 */
#include "suite.h"

#define BIG_VADDR       0x40000000ULL /* a window of the suite's space only these cases map */
#define BIG_FRAME_PAGES 512           /* 2 MiB frames: one page table's worth each */
#define ATTACK_FRAMES   2             /* 4 MiB: 16 pieces, enough to stop in the middle */
#define DIRT            0xa5a5a5a5a5a5a5a5ULL
#define IRQ_BIT         0x1
#define DONE_BIT        0x2
#define MIDWAY_MIN      3  /* wake-ups found under way that prove it made way (1 can be a race) */
#define ATTACK_AT       2  /* the wake-up at which a case attacks: surely inside the syscall */
#define STILL_READS     20000 /* reads of a dead task's counter that must all agree */
/*
 * A PIT faster than 1 ms doubles its period after this many wake-ups: where
 * the suite's own work on a wake-up takes longer than the period (QEMU
 * -icount shift=7 runs some 8 instructions a microsecond, Bochs 50), the
 * suite would run for ever and the operation never.
 */
#define SLOWER_AFTER    64

/* The operation under watch: set by the helper that runs it, read by the watchers. */
enum { OP_IDLE, OP_RUNNING, OP_DONE };
static volatile uint64_t op_state;

/* --- watching an operation --- */

struct watch {
	uint64_t ntfn;     /* IRQ 0 signals IRQ_BIT, the operation's end DONE_BIT */
	uint64_t for_done; /* the capability that signals DONE_BIT */
	unsigned int midway;
	struct helper *counter;  /* on CPU 1, if there is one */
	uint64_t counted[2];     /* its count at the first and the last wake-up found under way */
	struct helper *in_call;  /* if set, under way means this one is inside its syscall nr */
	uint64_t nr;
	uint16_t pit_count;      /* the PIT's period: PIT_1MS unless a case wants it faster */
};

/* On another CPU: syscalls until the operation ends, counted in value[0]. */
static void count_syscalls(struct helper *h)
{
	while (op_state != OP_DONE) {
		sys_yield();
		h->value[0]++;
	}
}

/*
 * Whether h was stopped inside syscall nr, to be restarted: its rip back
 * on the SYSCALL instruction (0f 05) and rax still the call's number.  (A
 * thread stopped after its call returned has the status in rax; QEMU,
 * which runs its CPUs in turns, can stop one there long enough for the
 * PIT to wake the suite.)
 */
static int in_syscall(struct helper *h, uint64_t nr)
{
	struct user_regs *r = (struct user_regs *)utcb()->mr;
	const uint8_t *ip;

	if (sys_thread_read_regs(h->thread) != OK)
		return 0;
	ip = (const uint8_t *)r->rip;
	return r->rax == nr && ip[0] == 0x0f && ip[1] == 0x05;
}

/* Whether the operation is under way: begun, not done, and its thread inside its call if that is asked. */
static int under_way(const struct watch *w)
{
	return op_state == OP_RUNNING && (!w->in_call || in_syscall(w->in_call, w->nr));
}

/* The notification the suite waits on, IRQ 0 bound to it, and the counter on CPU 1; 0 on failure. */
static int watch_prepare(struct watch *w)
{
	uint64_t for_irq;

	op_state = OP_IDLE;
	w->midway = 0;
	w->counter = w->in_call = NULL;
	w->counted[0] = w->counted[1] = 0;
	w->pit_count = PIT_1MS;
	w->ntfn = obj_new(OBJ_NOTIFICATION);
	for_irq = w->ntfn ? cap_dup(w->ntfn, RIGHTS_ALL, IRQ_BIT) : 0;
	w->for_done = w->ntfn ? cap_dup(w->ntfn, RIGHT_W, DONE_BIT) : 0;
	if (!for_irq || !w->for_done || sys_irq_bind(SLOT_IRQ_FIRST, for_irq) != OK)
		return 0;
	if (CPUS_RUNNING() < 2)
		return 1;
	w->counter = helper_prepare(SLOT_NONE);
	return w->counter && sys_thread_set_cpu(w->counter->thread, 1) == OK &&
	       helper_go(w->counter, count_syscalls, 0, 0);
}

/*
 * With the PIT interrupting every millisecond, waits until the operation
 * signals its end.  Counts in w->midway the wake-ups that found it under
 * way, and at the ATTACK_AT-th runs attack (if any; it returns 0 when
 * something it checked failed).  Returns 0 on a failure.
 */
static int watch_run(struct watch *w, int (*attack)(void))
{
	uint64_t bits = 0;
	int ok = 1;

	pit_program(PIT_PERIODIC, w->pit_count);
	for (unsigned int woken = 1; !(bits & DONE_BIT) && ok; woken++) {
		if (sys_wait(w->ntfn, &bits) != OK) {
			ok = 0;
			break;
		}
		if (woken % SLOWER_AFTER == 0 && w->pit_count < PIT_1MS) {
			w->pit_count = w->pit_count * 2 < PIT_1MS ? w->pit_count * 2 : PIT_1MS;
			pit_program(PIT_PERIODIC, w->pit_count);
		}
		if ((bits & IRQ_BIT) && under_way(w)) {
			w->counted[w->midway ? 1 : 0] = w->counter ? w->counter->value[0] : 0;
			if (++w->midway == ATTACK_AT && attack)
				ok = attack();
		}
		sys_irq_ack(SLOT_IRQ_FIRST);
	}
	pit_stop();
	op_state = OP_DONE; /* (the counter stops, whatever happened) */
	uprintf("# found it under way %u times; CPU 1 made %lu syscalls from the first to the last\n",
		w->midway, w->midway > 1 ? w->counted[1] - w->counted[0] : 0);
	return ok;
}

/* Whether the suite and the other CPU both ran while the operation was under way. */
static int both_made_progress(const struct watch *w)
{
	return w->midway >= MIDWAY_MIN &&
	       (!w->counter || w->counted[1] - w->counted[0] >= MIDWAY_MIN);
}

/* --- a large retype --- */

struct big {
	uint64_t ut;        /* untyped memory of n frames, from the suite's */
	uint64_t dst;       /* n slots for the frames */
	unsigned int n;
	struct helper *retyper;
};

/* Maps each of the n frames from slot first at BIG_VADDR and writes DIRT (fill) or checks every word is `want`. */
static int frames_all(uint64_t first, unsigned int n, int fill, uint64_t want)
{
	volatile uint64_t *w = (volatile uint64_t *)BIG_VADDR;
	const uint64_t words = BIG_FRAME_PAGES * PAGE_BYTES / 8;

	for (unsigned int f = 0; f < n; f++) {
		uint64_t st = sys_map(first + f, TASK_SELF, BIG_VADDR, RIGHT_R | RIGHT_W), i = 0;

		if (st != OK) {
			uprintf("# mapping frame %u: %s\n", f, status_name(st));
			return 0;
		}
		for (; i < words && (fill || w[i] == want); i++)
			if (fill)
				w[i] = DIRT;
		if (i < words)
			uprintf("# frame %u, word %lu: %lx, not %lx\n", f, i, w[i], want);
		sys_unmap(first + f);
		if (i < words)
			return 0;
	}
	return 1;
}

/* Retypes arg[2] frames of BIG_FRAME_PAGES from untyped arg[0] into slots arg[1]...; signals arg[3]. */
static void retype_frames(struct helper *h)
{
	op_state = OP_RUNNING;
	h->status = sys_retype(h->arg[0], OBJ_FRAME, BIG_FRAME_PAGES, h->arg[1], h->arg[2]);
	op_state = OP_DONE;
	sys_signal(h->arg[3]);
}

/*
 * n frames' worth of untyped memory (n = 0: all the suite can spare),
 * every byte of it dirty (frames made, written and revoked), and a helper
 * one priority below the suite ready to retype it all again.
 */
static int big_prepare(struct big *b, unsigned int n, struct watch *w)
{
	struct cap_info info;

	if (sys_cap_info(SLOT_UNTYPED, &info) != OK)
		return 0;
	/* all but one frame's worth: the helpers and notifications need some */
	b->n = n ? n : (unsigned int)(info.size / BIG_FRAME_PAGES) - 1;
	b->ut = slot_alloc();
	b->dst = slots_alloc(b->n);
	if (!b->ut || !b->dst ||
	    sys_retype(SLOT_UNTYPED, OBJ_UNTYPED, b->n * BIG_FRAME_PAGES, b->ut, 1) != OK ||
	    sys_retype(b->ut, OBJ_FRAME, BIG_FRAME_PAGES, b->dst, b->n) != OK ||
	    !frames_all(b->dst, b->n, 1, 0) || sys_cap_revoke(b->ut) != OK) {
		uprintf("# could not make %u frames and dirty them\n", b->n);
		return 0;
	}
	b->retyper = helper_prepare(SLOT_NONE);
	if (!b->retyper || sys_thread_set_priority(b->retyper->thread, own_priority - 1) != OK)
		return 0;
	b->retyper->arg[2] = b->n;
	b->retyper->arg[3] = w->for_done;
	w->in_call = b->retyper;
	w->nr = SYS_RETYPE;
	return helper_go(b->retyper, retype_frames, b->ut, b->dst) != NULL;
}

/* Whether none of the n slots from first holds anything. */
static int slots_all_empty(uint64_t first, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		if (cap_type(first + i) != OBJ_NONE)
			return 0;
	return 1;
}

static struct big attacked; /* what an attack works on */

static enum result large_retype_makes_way_and_zeroes_everything(void)
{
	struct watch w;
	struct big b;

	if (!can_watch_with_pit())
		SKIP("the suite holds no IRQ 0 or PIT ports, or runs at priority 0");
	CHECK_MADE(watch_prepare(&w) && big_prepare(&b, 0, &w));
	uprintf("# retyping %u MiB of dirty memory\n", b.n * 2);
	CHECK_MADE(watch_run(&w, NULL));
	CHECK_OK(b.retyper->status);
	/* the suite on this CPU and a thread on the other both ran while it zeroed */
	CHECK(both_made_progress(&w));
	/* and every byte of every frame is zero */
	CHECK_MADE(frames_all(b.dst, b.n, 0, 0));
	return PASS;
}

/* The untyped deleted between two pieces. */
static int delete_untyped(void)
{
	return sys_cap_delete(attacked.ut) == OK;
}

static enum result retype_whose_untyped_is_deleted_midway_makes_nothing(void)
{
	struct watch w;

	if (!can_watch_with_pit())
		SKIP("the suite holds no IRQ 0 or PIT ports, or runs at priority 0");
	CHECK_MADE(watch_prepare(&w) && big_prepare(&attacked, ATTACK_FRAMES, &w));
	CHECK_MADE(watch_run(&w, delete_untyped));
	CHECK(w.midway >= ATTACK_AT);
	/* the restarted retype finds the slot empty, and nothing was made */
	CHECK_ST(attacked.retyper->status, ERR_EMPTY_SLOT);
	CHECK(slots_all_empty(attacked.dst, attacked.n));
	CHECK(invariants_hold());
	return PASS;
}

/* The untyped revoked between two pieces: its memory is free again, and the run forgotten. */
static int revoke_untyped(void)
{
	return sys_cap_revoke(attacked.ut) == OK;
}

static enum result retype_whose_untyped_is_revoked_midway_zeroes_it_all(void)
{
	struct watch w;

	if (!can_watch_with_pit())
		SKIP("the suite holds no IRQ 0 or PIT ports, or runs at priority 0");
	CHECK_MADE(watch_prepare(&w) && big_prepare(&attacked, ATTACK_FRAMES, &w));
	CHECK_MADE(watch_run(&w, revoke_untyped));
	CHECK(w.midway >= ATTACK_AT);
	CHECK_OK(attacked.retyper->status);
	CHECK_MADE(frames_all(attacked.dst, attacked.n, 0, 0));
	return PASS;
}

/* A page from the same untyped between two pieces, written all over: it comes from the zeroed run. */
static uint64_t small_frame;

static int retype_elsewhere(void)
{
	uint64_t st = sys_retype(attacked.ut, OBJ_FRAME, 1, small_frame, 1);
	volatile uint64_t *p = (volatile uint64_t *)BIG_VADDR;

	if (st != OK || sys_map(small_frame, TASK_SELF, BIG_VADDR, RIGHT_R | RIGHT_W) != OK) {
		uprintf("# retype or map of a page midway: %s\n", status_name(st));
		return 0;
	}
	for (unsigned int i = 0; i < PAGE_BYTES / 8; i++) {
		if (p[i] != 0) {
			uprintf("# the page made midway is not zero at word %u\n", i);
			return 0;
		}
		p[i] = DIRT;
	}
	return sys_unmap(small_frame) == OK;
}

static enum result retype_from_the_same_untyped_midway_gets_other_zeroed_memory(void)
{
	struct watch w;
	volatile uint64_t *p = (volatile uint64_t *)BIG_VADDR;

	if (!can_watch_with_pit())
		SKIP("the suite holds no IRQ 0 or PIT ports, or runs at priority 0");
	CHECK_MADE(small_frame = slot_alloc());
	CHECK_MADE(watch_prepare(&w));
	/* one page fewer than the untyped holds: the page made midway fits beside the frames */
	CHECK_MADE(big_prepare(&attacked, ATTACK_FRAMES, &w));
	attacked.retyper->arg[2] = attacked.n - 1; /* (it runs once the suite waits) */
	CHECK_MADE(watch_run(&w, retype_elsewhere));
	CHECK(w.midway >= ATTACK_AT);
	CHECK_OK(attacked.retyper->status);
	/* the frames do not overlap the page (it is still dirty) and are all zero */
	CHECK_MADE(frames_all(attacked.dst, attacked.n - 1, 0, 0));
	CHECK_OK(sys_map(small_frame, TASK_SELF, BIG_VADDR, RIGHT_R));
	CHECK(p[0] == DIRT && p[PAGE_BYTES / 8 - 1] == DIRT);
	CHECK_OK(sys_unmap(small_frame));
	return PASS;
}

/* A destination slot filled between two pieces. */
static int fill_destination(void)
{
	return sys_cap_copy(SLOT_CONSOLE, TASK_SELF, attacked.dst + attacked.n - 1, RIGHT_R, 0) == OK;
}

static enum result retype_whose_destination_is_filled_midway_fails_and_can_go_on(void)
{
	struct watch w;

	if (!can_watch_with_pit())
		SKIP("the suite holds no IRQ 0 or PIT ports, or runs at priority 0");
	CHECK_MADE(watch_prepare(&w) && big_prepare(&attacked, ATTACK_FRAMES, &w));
	CHECK_MADE(watch_run(&w, fill_destination));
	CHECK(w.midway >= ATTACK_AT);
	/* the restarted retype finds a slot taken and makes nothing ... */
	CHECK_ST(attacked.retyper->status, ERR_SLOT_OCCUPIED);
	CHECK(slots_all_empty(attacked.dst, attacked.n - 1));
	/* ... and once the slot is free again a retype goes on from the zeroed run */
	CHECK_OK(sys_cap_delete(attacked.dst + attacked.n - 1));
	CHECK_OK(sys_retype(attacked.ut, OBJ_FRAME, BIG_FRAME_PAGES, attacked.dst, attacked.n));
	CHECK_MADE(frames_all(attacked.dst, attacked.n, 0, 0));
	return PASS;
}

/* --- a task's teardown --- */

/*
 * A task whose whole space is full: copies of an endpoint in its slots
 * from `first` on, and in its last the only copies of another endpoint,
 * on which a helper waits: it wakes with ERR_DELETED when the teardown
 * reaches that slot, the last, and ends the watch.  A second full task's
 * copies of the same endpoint, made after, stand before the first's in
 * the endpoint's list of copies, so each deletion walks past them: a long
 * teardown.
 */
struct doomed {
	uint64_t task;
	struct helper *waiter, *killer;
};

/* Receives on endpoint arg[0]; then the operation is done, and arg[1] is signalled. */
static void wait_for_the_end(struct helper *h)
{
	struct msg m = { 0 };

	h->state = 1;
	h->status = sys_recv(h->arg[0], &m, NULL);
	op_state = OP_DONE;
	sys_signal(h->arg[1]);
}

/* Deletes (arg[1] 0) or revokes (arg[1] 1) the capability in slot arg[0]. */
static void kill_task(struct helper *h)
{
	op_state = OP_RUNNING;
	h->status = h->arg[1] ? sys_cap_revoke(h->arg[0]) : sys_cap_delete(h->arg[0]);
}

/* Lets helper h, below the suite's priority, run to its end; 0 after a timeout. */
static int helper_finish(struct helper *h)
{
	return sys_thread_set_priority(h->thread, own_priority) == OK && helper_wait(h, HELPER_DONE);
}

/* Copies ep into the slots of task from `first` to the last but one; 0 on failure. */
static int fill_space(uint64_t task, uint64_t first, uint64_t ep)
{
	for (uint64_t s = first; s < CSPACE_SLOTS - 1; s++)
		if (sys_cap_copy(ep, task, s, RIGHTS_ALL, 0) != OK) {
			uprintf("# filling slot %lu\n", s);
			return 0;
		}
	return 1;
}

/*
 * d->task (made by the caller) full from slot `first` on, the waiter
 * blocked, and the helper one priority below the suite that will delete
 * (or revoke) slot `victim`; 0 on failure.
 */
static int doomed_prepare(struct doomed *d, uint64_t first, uint64_t victim, int revoke,
			  const struct watch *w)
{
	uint64_t ep = obj_new(OBJ_ENDPOINT), q = obj_new(OBJ_ENDPOINT), other = task_new(0);

	if (!ep || !q || !other || !fill_space(d->task, first, ep) || !fill_space(other, 0, ep) ||
	    sys_cap_copy(q, d->task, CSPACE_SLOTS - 1, RIGHTS_ALL, 0) != OK)
		return 0;
	d->waiter = helper_start(wait_for_the_end, SLOT_NONE, q, w->for_done);
	if (!d->waiter || !helper_wait(d->waiter, 1))
		return 0;
	yield_n(3); /* it blocks in its receive */
	if (sys_cap_delete(q) != OK) /* the task holds the only copy now */
		return 0;
	d->killer = helper_prepare(SLOT_NONE);
	return d->killer && sys_thread_set_priority(d->killer->thread, own_priority - 1) == OK &&
	       helper_go(d->killer, kill_task, victim, revoke);
}

static enum result task_teardown_makes_way(void)
{
	struct watch w;
	struct doomed d;

	if (!can_watch_with_pit())
		SKIP("the suite holds no IRQ 0 or PIT ports, or runs at priority 0");
	CHECK_MADE(watch_prepare(&w));
	CHECK_MADE(d.task = task_new(0));
	CHECK_MADE(doomed_prepare(&d, 0, d.task, 0, &w));
	CHECK_MADE(watch_run(&w, NULL));
	/* the suite on this CPU and a thread on the other both ran while the task was torn down */
	CHECK(both_made_progress(&w));
	/* and it was, to its last slot */
	CHECK(helper_finish(d.killer));
	CHECK_OK(d.killer->status);
	CHECK_ST(d.waiter->status, ERR_DELETED);
	CHECK(invariants_hold());
	return PASS;
}

/* The dying task's thread, counting on CPU 1, and what the suite still holds of it. */
static struct child dying_child;
static volatile uint64_t *dying_count;

/* Between two batches: the task's thread has stopped, cannot be started again, and the kernel is consistent. */
static int dying_task_is_unusable(void)
{
	uint64_t seen = *dying_count;

	for (unsigned int i = 0; i < STILL_READS; i++)
		if (*dying_count != seen) {
			uprintf("# the dying task's thread still runs\n");
			return 0;
		}
	if (sys_thread_resume(dying_child.thread) != ERR_INVALID_ARG ||
	    sys_thread_start(dying_child.thread, CHILD_CODE_VADDR, 0, 0) != ERR_INVALID_ARG) {
		uprintf("# the dying task's thread could be run again\n");
		return 0;
	}
	return invariants_hold();
}

static enum result dying_task_is_unusable_between_batches(void)
{
	struct watch w;
	struct doomed d;
	uint64_t count_frame, copy;

	if (!can_watch_with_pit())
		SKIP("the suite holds no IRQ 0 or PIT ports, or runs at priority 0");
	if (CPUS_RUNNING() < 2)
		SKIP("one CPU runs threads: the task's thread needs another to run beside the suite");
	CHECK_MADE(watch_prepare(&w));
	/* the task's thread counts in a page the suite reads, on CPU 1 */
	CHECK_MADE(child_create(&dying_child, snip_spin, snip_spin_end - snip_spin, SLOT_NONE));
	CHECK_MADE(dying_count = frame_map_new(1, RIGHT_R | RIGHT_W, &count_frame));
	CHECK_MADE(copy = cap_dup(count_frame, RIGHTS_ALL, 0));
	CHECK_OK(sys_map(copy, dying_child.task, CHILD_CODE_VADDR + PAGE_BYTES, RIGHT_R | RIGHT_W));
	CHECK_OK(sys_thread_set_cpu(dying_child.thread, 1));
	CHECK_OK(child_start(&dying_child, CHILD_CODE_VADDR + PAGE_BYTES));
	CHECK(wait_change(dying_count, 0));
	d.task = dying_child.task;
	CHECK_MADE(doomed_prepare(&d, CHILD_EP_SLOT + 1, d.task, 0, &w));
	CHECK_MADE(watch_run(&w, dying_task_is_unusable));
	CHECK(w.midway >= ATTACK_AT);
	CHECK_ST(d.waiter->status, ERR_DELETED);
	CHECK(invariants_hold());
	return PASS;
}

/* The untyped memory of the dying task: not free again until the teardown ends. */
static uint64_t dying_ut, dying_frame;

static int dying_memory_is_not_free(void)
{
	uint64_t st = sys_retype(dying_ut, OBJ_FRAME, 1, dying_frame, 1);

	if (st != ERR_NO_MEMORY) {
		uprintf("# a retype from the dying task's untyped: %s\n", status_name(st));
		return 0;
	}
	return invariants_hold();
}

static enum result revoke_that_kills_a_task_frees_its_memory_after_the_teardown(void)
{
	struct watch w;
	struct doomed d;

	if (!can_watch_with_pit())
		SKIP("the suite holds no IRQ 0 or PIT ports, or runs at priority 0");
	CHECK_MADE(watch_prepare(&w));
	/* an untyped that holds the task and nothing more */
	CHECK_MADE((dying_ut = slot_alloc()) && (dying_frame = slot_alloc()) && (d.task = slot_alloc()));
	CHECK_OK(sys_retype(SLOT_UNTYPED, OBJ_UNTYPED, TASK_BASE_PAGES, dying_ut, 1));
	CHECK_OK(sys_retype(dying_ut, OBJ_TASK, 0, d.task, 1));
	/* the revoke deletes the task's last capability: the task's teardown is part of it */
	CHECK_MADE(doomed_prepare(&d, 0, dying_ut, 1, &w));
	CHECK_MADE(watch_run(&w, dying_memory_is_not_free));
	CHECK(w.midway >= ATTACK_AT);
	CHECK(helper_finish(d.killer));
	CHECK_OK(d.killer->status);
	CHECK_ST(d.waiter->status, ERR_DELETED);
	/* once the revoke returned, the task's memory is free, zeroed when it is made again */
	CHECK_OK(sys_retype(dying_ut, OBJ_FRAME, TASK_BASE_PAGES, dying_frame, 1));
	CHECK(invariants_hold());
	return PASS;
}

/* --- a large mapping --- */

/*
 * A frame of MAP_FRAME_PAGES 4 KiB pages: 6 pieces of 512 (kernel/frame.h,
 * MAP_PIECE), some 40,000 instructions to map, under 1 ms of Bochs's
 * clock; the PIT wakes the suite every 100 us while it maps (slower if the
 * suite keeps the mapper from running: SLOWER_AFTER).
 */
#define MAP_FRAME_PAGES 3072
#define PIT_100US       119

struct mapping {
	uint64_t frame;
	struct helper *mapper;
};

static struct mapping mapped; /* what an attack works on */

/* Maps frame arg[0] at BIG_VADDR, read and write; signals arg[1]. */
static void map_frame(struct helper *h)
{
	op_state = OP_RUNNING;
	h->status = sys_map(h->arg[0], TASK_SELF, BIG_VADDR, RIGHT_R | RIGHT_W);
	op_state = OP_DONE;
	sys_signal(h->arg[1]);
}

/* A fresh frame of MAP_FRAME_PAGES in m->frame; 0 on failure. */
static int large_frame(struct mapping *m)
{
	m->frame = slot_alloc();
	return m->frame && sys_retype(SLOT_UNTYPED, OBJ_FRAME, MAP_FRAME_PAGES, m->frame, 1) == OK;
}

/*
 * m->mapper: a helper one priority below the suite running fn(arg, with
 * extra in arg[2]), which signals the watch's end; under way while it is
 * inside syscall nr.  0 on failure.
 */
static int below_go(struct mapping *m, struct watch *w, uint64_t nr, void (*fn)(struct helper *h),
		    uint64_t arg, uint64_t extra)
{
	m->mapper = helper_prepare(SLOT_NONE);
	if (!m->mapper || sys_thread_set_priority(m->mapper->thread, own_priority - 1) != OK)
		return 0;
	w->pit_count = PIT_100US;
	w->in_call = m->mapper;
	w->nr = nr;
	m->mapper->arg[2] = extra;
	return helper_go(m->mapper, fn, arg, w->for_done) != NULL;
}

/* A fresh frame of MAP_FRAME_PAGES and a helper one priority below the suite ready to map it. */
static int mapping_prepare(struct mapping *m, struct watch *w)
{
	return large_frame(m) && below_go(m, w, SYS_MAP, map_frame, m->frame, 0);
}

/*
 * Whether the frame's pages are mapped from BIG_VADDR, each at its place:
 * page i gets i in its first word (fill) or must hold it.
 */
static int pages_in_order(int fill)
{
	for (uint64_t i = 0; i < MAP_FRAME_PAGES; i++) {
		volatile uint64_t *w = (volatile uint64_t *)(BIG_VADDR + i * PAGE_BYTES);
		if (fill) {
			*w = i;
		} else if (*w != i) {
			uprintf("# page %lu holds %lx\n", i, *w);
			return 0;
		}
	}
	return 1;
}

static enum result large_map_makes_way_and_maps_every_page(void)
{
	struct watch w;

	if (!can_watch_with_pit())
		SKIP("the suite holds no IRQ 0 or PIT ports, or runs at priority 0");
	CHECK_MADE(watch_prepare(&w) && mapping_prepare(&mapped, &w));
	CHECK_MADE(watch_run(&w, NULL));
	CHECK_OK(mapped.mapper->status);
	/* the suite on this CPU and a thread on the other both ran while it mapped */
	CHECK(both_made_progress(&w));
	/* every page is there, in order: written, unmapped, mapped again and read */
	CHECK(pages_in_order(1));
	CHECK_OK(sys_unmap(mapped.frame));
	CHECK_OK(sys_map(mapped.frame, TASK_SELF, BIG_VADDR, RIGHT_R));
	CHECK(pages_in_order(0));
	CHECK_OK(sys_unmap(mapped.frame));
	return PASS;
}

/* The frame deleted between two pieces: its leaves go with it. */
static int delete_frame(void)
{
	return sys_cap_delete(mapped.frame) == OK;
}

static enum result map_whose_frame_is_deleted_midway_leaves_nothing(void)
{
	struct watch w;
	uint64_t page = slot_alloc();

	if (!can_watch_with_pit())
		SKIP("the suite holds no IRQ 0 or PIT ports, or runs at priority 0");
	CHECK_MADE(page && sys_retype(SLOT_UNTYPED, OBJ_FRAME, 1, page, 1) == OK);
	CHECK_MADE(watch_prepare(&w) && mapping_prepare(&mapped, &w));
	CHECK_MADE(watch_run(&w, delete_frame));
	CHECK(w.midway >= ATTACK_AT);
	/* the restarted map finds the slot empty ... */
	CHECK_ST(mapped.mapper->status, ERR_EMPTY_SLOT);
	/* ... and the window is empty again, at its first page and its last */
	CHECK_OK(sys_map(page, TASK_SELF, BIG_VADDR, RIGHT_R));
	CHECK_OK(sys_unmap(page));
	CHECK_OK(sys_map(page, TASK_SELF, BIG_VADDR + (MAP_FRAME_PAGES - 1) * PAGE_BYTES, RIGHT_R));
	CHECK(invariants_hold());
	return PASS;
}

/* Another frame mapped between two pieces at the window's last page, where the map will come. */
static uint64_t in_the_way;

static int map_in_the_way(void)
{
	return sys_map(in_the_way, TASK_SELF, BIG_VADDR + (MAP_FRAME_PAGES - 1) * PAGE_BYTES,
		       RIGHT_R) == OK;
}

static enum result map_that_meets_another_midway_stays_in_part_until_unmapped(void)
{
	struct watch w;
	volatile uint64_t *first = (volatile uint64_t *)BIG_VADDR;

	if (!can_watch_with_pit())
		SKIP("the suite holds no IRQ 0 or PIT ports, or runs at priority 0");
	in_the_way = slot_alloc();
	CHECK_MADE(in_the_way && sys_retype(SLOT_UNTYPED, OBJ_FRAME, 1, in_the_way, 1) == OK);
	CHECK_MADE(watch_prepare(&w) && mapping_prepare(&mapped, &w));
	CHECK_MADE(watch_run(&w, map_in_the_way));
	CHECK(w.midway >= ATTACK_AT);
	/* the restarted map meets the page in the way ... */
	CHECK_ST(mapped.mapper->status, ERR_BUSY);
	/* ... and its frame stays mapped in part: its first page is there */
	*first = 0x5eed;
	CHECK(*first == 0x5eed);
	/* mapped, so not mapped again elsewhere, until SYS_UNMAP takes it back */
	CHECK_ST(sys_map(mapped.frame, TASK_SELF, 2 * BIG_VADDR, RIGHT_R), ERR_BUSY);
	CHECK_OK(sys_unmap(mapped.frame));
	CHECK_ST(sys_unmap(mapped.frame), ERR_INVALID_ARG);
	/* the same call goes on once the way is clear: all of it, the first page kept */
	CHECK_OK(sys_unmap(in_the_way));
	CHECK_OK(sys_map(mapped.frame, TASK_SELF, BIG_VADDR, RIGHT_R | RIGHT_W));
	CHECK(*first == 0x5eed);
	CHECK_OK(sys_unmap(mapped.frame));
	CHECK(invariants_hold());
	return PASS;
}

/* --- a large mapped frame deleted --- */

/* Deletes (arg[2] 0) or revokes (1) capability arg[0]; signals arg[1]. */
static void take_down(struct helper *h)
{
	op_state = OP_RUNNING;
	h->status = h->arg[2] ? sys_cap_revoke(h->arg[0]) : sys_cap_delete(h->arg[0]);
	op_state = OP_DONE;
	sys_signal(h->arg[1]);
}

/*
 * The frame of MAP_FRAME_PAGES mapped whole at BIG_VADDR, each page
 * written, and a helper one priority below the suite ready to delete (or
 * revoke) `target`: the frame or the capability it was copied from.
 */
static int takedown_prepare(struct mapping *m, struct watch *w, uint64_t target, int revoke)
{
	return sys_map(m->frame, TASK_SELF, BIG_VADDR, RIGHT_R | RIGHT_W) == OK &&
	       pages_in_order(1) &&
	       below_go(m, w, revoke ? SYS_CAP_REVOKE : SYS_CAP_DELETE, take_down, target,
			(uint64_t)revoke);
}

/* Whether the window is empty again: a page maps at its first and its last. */
static int window_empty(uint64_t page)
{
	return sys_map(page, TASK_SELF, BIG_VADDR, RIGHT_R) == OK && sys_unmap(page) == OK &&
	       sys_map(page, TASK_SELF, BIG_VADDR + (MAP_FRAME_PAGES - 1) * PAGE_BYTES, RIGHT_R) ==
		       OK &&
	       sys_unmap(page) == OK;
}

/* Between two pieces of the deletion: the frame maps nowhere, and SYS_UNMAP finishes its unmapping. */
static int unmap_the_frame(void)
{
	if (sys_map(mapped.frame, TASK_SELF, 2 * BIG_VADDR, RIGHT_R) != ERR_BUSY)
		return 0;
	return sys_unmap(mapped.frame) == OK;
}

/*
 * The frame mapped whole and taken down under watch: deleted, or (revoke)
 * a copy of it mapped and the original revoked; attack (if any) midway.
 * Either way the capability goes, and the window is empty after it.
 */
static enum result watched_takedown(int revoke, int (*attack)(void))
{
	struct watch w;
	uint64_t page = slot_alloc(), original = 0;

	if (!can_watch_with_pit())
		SKIP("the suite holds no IRQ 0 or PIT ports, or runs at priority 0");
	CHECK_MADE(page && sys_retype(SLOT_UNTYPED, OBJ_FRAME, 1, page, 1) == OK);
	CHECK_MADE(large_frame(&mapped));
	if (revoke) {
		original = mapped.frame;
		mapped.frame = cap_dup(original, RIGHTS_ALL, 0);
		CHECK_MADE(mapped.frame);
	}
	CHECK_MADE(watch_prepare(&w) &&
		   takedown_prepare(&mapped, &w, revoke ? original : mapped.frame, revoke));
	CHECK_MADE(watch_run(&w, attack));
	CHECK_OK(mapped.mapper->status);
	if (attack)
		CHECK(w.midway >= ATTACK_AT); /* (the restarted deletion deleted an unmapped frame) */
	else /* the suite on this CPU and a thread on the other both ran while it unmapped */
		CHECK(both_made_progress(&w));
	CHECK_ST(sys_cap_info(mapped.frame, NULL), ERR_EMPTY_SLOT);
	CHECK(window_empty(page));
	if (revoke)
		CHECK_OK(sys_cap_delete(original));
	CHECK(invariants_hold());
	return PASS;
}

static enum result delete_of_a_large_mapped_frame_makes_way(void)
{
	return watched_takedown(0, NULL);
}

static enum result frame_unmapped_during_its_deletion_is_deleted_after(void)
{
	return watched_takedown(0, unmap_the_frame);
}

static enum result revoke_of_a_large_mapped_frame_makes_way(void)
{
	return watched_takedown(1, NULL);
}

static const struct test_case cases[] = {
	{ "large_retype_makes_way_and_zeroes_everything",
	  large_retype_makes_way_and_zeroes_everything },
	{ "retype_whose_untyped_is_deleted_midway_makes_nothing",
	  retype_whose_untyped_is_deleted_midway_makes_nothing },
	{ "retype_whose_untyped_is_revoked_midway_zeroes_it_all",
	  retype_whose_untyped_is_revoked_midway_zeroes_it_all },
	{ "retype_from_the_same_untyped_midway_gets_other_zeroed_memory",
	  retype_from_the_same_untyped_midway_gets_other_zeroed_memory },
	{ "retype_whose_destination_is_filled_midway_fails_and_can_go_on",
	  retype_whose_destination_is_filled_midway_fails_and_can_go_on },
	{ "task_teardown_makes_way", task_teardown_makes_way },
	{ "dying_task_is_unusable_between_batches", dying_task_is_unusable_between_batches },
	{ "revoke_that_kills_a_task_frees_its_memory_after_the_teardown",
	  revoke_that_kills_a_task_frees_its_memory_after_the_teardown },
	{ "large_map_makes_way_and_maps_every_page", large_map_makes_way_and_maps_every_page },
	{ "map_whose_frame_is_deleted_midway_leaves_nothing",
	  map_whose_frame_is_deleted_midway_leaves_nothing },
	{ "map_that_meets_another_midway_stays_in_part_until_unmapped",
	  map_that_meets_another_midway_stays_in_part_until_unmapped },
	{ "delete_of_a_large_mapped_frame_makes_way", delete_of_a_large_mapped_frame_makes_way },
	{ "frame_unmapped_during_its_deletion_is_deleted_after",
	  frame_unmapped_during_its_deletion_is_deleted_after },
	{ "revoke_of_a_large_mapped_frame_makes_way", revoke_of_a_large_mapped_frame_makes_way },
};

const struct test_group longops_group = GROUP(cases);
