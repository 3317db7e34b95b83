/*
 * A worker: a thread of the fuzzer's own task with a UTCB of its own (at
 * WUTCB_VADDR + id pages: every thread of a task sees the same memory, so
 * the runtime's utcb() is the supervisor's).  Each round it makes its quota
 * of random calls, blocking ones included, and after each one asks the
 * kernel to check the hardware state.  A VM exit or a fault message it
 * receives is answered at once with a random but well-formed reply, and
 * checked again.  Once a round, after a call its own random numbers
 * choose, it asks for the full check (objects and hardware) while the
 * other workers go on calling on the other CPUs.  It then tells the
 * supervisor it is done and waits for the next round.  A call that blocks
 * for good is cut short by the supervisor (ERR_CANCELED).
 */
#include "mem.h"

#include "fuzz.h"

struct worker workers[WORKERS_MAX];
bool rdtscp;

/* Calls made by every worker so far (the idle threads and the supervisor read it). */
uint64_t calls_made(void)
{
	uint64_t n = 0;
	for (unsigned i = 0; i < n_workers; i++)
		n += workers[i].calls;
	return n;
}

/* After a call or an exit: the hardware invariants; remembers the first failure. */
static void check(struct worker *w, uint64_t nr)
{
	uint64_t broken;
	uint64_t st = sys_debug_check_scope(SLOT_CONSOLE, DEBUG_CHECK_HARDWARE, &broken);

	if (st == OK && broken == 0)
		return;
	if (!w->broken) {
		w->broken_at = w->calls;
		w->broken_nr = nr;
		w->broken_status = st;
		w->broken_count = broken;
	}
	w->broken += st == OK ? broken : 1;
}

/*
 * The full check in the middle of a round, with the workers on the other
 * CPUs calling: the kernel runs it under its lock, as any syscall, so it
 * sees its objects between two syscalls' handlers whatever the other
 * CPUs do (docs/testing.md).
 */
static void check_all(struct worker *w)
{
	uint64_t broken;
	uint64_t st = sys_debug_check_scope(SLOT_CONSOLE, 0, &broken);

	if (st == OK && broken == 0)
		return;
	if (!w->objects_broken)
		w->objects_broken_round = rounds + 1;
	w->objects_broken += st == OK ? broken : 1;
}

/* Answers a VM exit whose words 0-3 came in registers, the rest in the UTCB. */
static void answer_exit(struct worker *w, const uint64_t *regs)
{
	uint64_t exit[VMW_COUNT], *mr = w->utcb->mr;

	memcpy(exit, mr, sizeof(exit));
	memcpy(exit, regs, 4 * 8);
	w->exits++;
	check(w, SYS_COUNT + exit[VMW_REASON]);
	guest_reply(&w->rng, mr, exit);
	uint64_t words = vm_message_words(mr[VMW_MASK]);
	struct sysregs r = { 0, MSG_TAG(0, words, 0), mr[0], mr[1], mr[2], mr[3] };
	uint64_t st = moat_syscall(SYS_REPLY, &r);
	if (st != OK) { /* refused: the vCPU still waits; a plain resume then */
		struct sysregs plain = { 0, MSG_TAG(0, 4, 0), 0, 0, 2, 0 };
		st = moat_syscall(SYS_REPLY, &plain);
	}
	w->exit_replies_ok += st == OK;
}

/* Answers a fault message: resume somewhere, or leave the thread stopped. */
static void answer_fault(struct worker *w)
{
	struct rng *r = &w->rng;
	uint64_t label = below(r, 4) ? 0 : 1, words = below(r, 2);

	w->faults++;
	sys0(SYS_REPLY, 0, MSG_TAG(label, words, 0), VICTIM_CODE + below(r, 4096), 0, 0, 0);
}

/* A received message that needs an answer now: a VM exit or a fault. */
static void answer(struct worker *w, uint64_t nr, uint64_t st, const struct sysregs *regs)
{
	bool received = nr == SYS_RECV || nr == SYS_NB_RECV || nr == SYS_REPLY_RECV;
	if (!received || st != OK)
		return;
	uint64_t words[MSG_REG_WORDS];
	MSG_REGS_TO_WORDS(words, regs);
	if (MSG_LABEL(regs->rsi) == MSG_VMEXIT)
		answer_exit(w, words);
	else if (MSG_LABEL(regs->rsi) == MSG_FAULT)
		answer_fault(w);
	for (unsigned i = 0; i < MSG_MAX_CAPS; i++) /* capabilities may have arrived */
		pool_refresh_slot(w->utcb->recv_slots[i]);
}

/* Keeps the pool's record in step with what a successful call changed. */
static void track(struct worker *w, uint64_t nr, uint64_t st)
{
	(void)w;
	if (st != OK)
		return;
	if (nr == SYS_CAP_REVOKE || nr == SYS_RETYPE || nr == SYS_CAP_MOVE ||
	    nr == SYS_CAP_COPY || nr == SYS_CAP_DELETE || nr == SYS_IOPORT_DERIVE)
		pool_refresh();
}

/* One random call, the check after it, and the answer it may need. */
static void one(struct worker *w)
{
	uint64_t st;
	struct sysregs regs;
	uint64_t nr = fuzz_one_call(w, &st, &regs);

	uint64_t cpu = rdtscp ? own_cpu() : w->cpu;
	w->on_cpu[cpu < CPUS_MAX ? cpu : 0]++;
	w->calls++;
	w->counts[st < ERR_COUNT ? st : ERR_COUNT]++;
	check(w, nr);
	answer(w, nr, st, &regs);
	track(w, nr, st);
}

void worker_main(uint64_t id)
{
	struct worker *w = &workers[id];

	for (;;) {
		/*
		 * Only the supervisor's signal starts a round.  An unstick that
		 * read `done` just before this worker set it ends this wait too
		 * (ERR_CANCELED): going on then ran a round's calls while the
		 * supervisor made the next pool, and once one of them unmapped
		 * the frame the supervisor was filling (docs/testing.md).
		 */
		uint64_t st;
		while ((st = sys_wait(SLOT_WGO(id), NULL)) == ERR_CANCELED)
			;
		if (st != OK) {
			uprintf("# fuzz: worker %lu: the wait for its round failed: %s\n", id,
				status_name(st));
			sys_thread_suspend(SLOT_WORKER(id));
		}
		uint64_t full_check_at = w->quota ? below(&w->rng, w->quota) : 0;
		for (uint64_t n = 0; n < w->quota; n++) {
			one(w);
			if (n == full_check_at)
				check_all(w);
		}
		w->done = true;
		sys_signal(SLOT_SUP_DONE);
	}
}
