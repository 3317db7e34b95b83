/*
 * Threads and the scheduler: 256 priorities, round robin within one.
 *
 * The running thread (`current`) is never on a run queue; every other
 * runnable thread is.  The kernel has one stack and keeps no state on it
 * across a block: a blocked thread is fully described by its state field
 * and saved registers, so leaving the kernel is always "pick a thread and
 * load its registers" (return_to_user).
 *
 * A thread whose task's CPU budget is used up (budget.c throttles the
 * task) is runnable but on no run queue until the task's next period; if
 * the task may run in the background, it waits on one more queue
 * (`background`) that runs only when every run queue is empty.
 *
 * Each CPU has its own run queues, and a thread runs only on its own CPU
 * (t->cpu, its affinity: thread_set_cpu moves it, as seL4 and NOVA do; no
 * thread wanders by itself).  A thread woken for another CPU goes on that
 * CPU's queue, and an IPI makes that CPU look if the thread should run
 * now (cpu_kick).  Only a CPU's own thread is ever current there, so
 * "t runs" is cpus[t->cpu].current == t (thread_running).
 */
#include "bkl.h"
#include "budget.h"
#include "cap.h"
#include "fpu.h"
#include "gdt.h"
#include "ipc.h"
#include "log.h"
#include "mem.h"
#include "memory.h"
#include "smp.h"
#include "task.h"
#include "thread.h"
#include "vcpu.h"
#include "x86.h"

struct thread *all_threads;

/* One CPU's run queues; its highest queued priority is cpus[].runq_top, for sched_preempts(). */
struct runqueue {
	struct thread *queue[PRIORITY_MAX + 1];
	uint64_t bitmap[4];
	uint64_t words; /* bit w set: bitmap[w] is not zero */
	struct thread *background; /* threads of throttled tasks that may run in the background */
};
static struct runqueue runqueues[MAX_CPUS];

/* Appends t to the circular list *head. */
static void ring_append(struct thread **head, struct thread *t)
{
	if (!*head) {
		t->q_next = t->q_prev = t;
		*head = t;
		return;
	}
	t->q_prev = (*head)->q_prev;
	t->q_next = *head;
	(*head)->q_prev->q_next = t;
	(*head)->q_prev = t;
}

/* Takes t off the circular list *head; true if the list is empty now. */
static bool ring_remove(struct thread **head, struct thread *t)
{
	bool last = t->q_next == t;
	if (last) {
		*head = 0;
	} else {
		t->q_prev->q_next = t->q_next;
		t->q_next->q_prev = t->q_prev;
		if (*head == t)
			*head = t->q_next;
	}
	t->q_next = t->q_prev = 0;
	return last;
}

/* The highest priority with a runnable thread waiting on q, or -1. */
static int highest_priority(const struct runqueue *q)
{
	if (!q->words)
		return -1;
	int w = 63 - __builtin_clzll(q->words);
	return w * 64 + 63 - __builtin_clzll(q->bitmap[w]);
}

void sched_cpu_init(struct cpu *c)
{
	c->runq_top = -1;
}

struct thread *thread_create(phys_addr phys)
{
	struct thread *t = phys_to_virt(phys);
	t->regs.cs = SEL_UCODE;
	t->regs.ss = SEL_UDATA;
	t->regs.rflags = RFLAGS_IF | 2;
	static uint32_t next_id;
	t->id = ++next_id;
	t->cpu = current ? current->cpu : 0; /* on its maker's CPU (a vCPU: see vcpu_create) */
	t->state = THREAD_INACTIVE;
	fpu_thread_reset(t);
	fsgs_thread_reset(t);
	t->all_next = all_threads;
	all_threads = t;
	return t;
}

/*
 * Another CPU's thread t was queued there: that CPU must look now if it
 * idles or runs a lower priority (else its next tick or switch will do).
 */
static void wake_remote(const struct thread *t)
{
	const struct thread *running = cpu_current(&cpus[t->cpu]);
	if (!running || running->priority < t->priority || budget_throttled(running))
		cpu_kick(t->cpu);
}

void sched_make_runnable(struct thread *t)
{
	t->state = THREAD_RUNNABLE;
	if (thread_running(t))
		return;
	struct runqueue *q = &runqueues[t->cpu];
	/*
	 * t keeps what is left of its slice: a thread that blocks often (a
	 * vCPU exiting to its VMM) must not get a fresh one on every wake-up,
	 * or it would never make way for its peers.
	 */
	if (__builtin_expect(budget_throttled(t), 0)) {
		if (t->sched_task->budget.background)
			ring_append(&q->background, t);
		else
			t->q_next = t->q_prev = 0; /* waits for its task's next period */
		return;
	}
	unsigned p = t->priority;
	if (!q->queue[p]) {
		q->bitmap[p / 64] |= 1ULL << (p % 64);
		q->words |= 1ULL << (p / 64);
		if ((int)p > cpus[t->cpu].runq_top)
			cpus[t->cpu].runq_top = p;
	}
	ring_append(&q->queue[p], t); /* at the tail */
	if (__builtin_expect(t->cpu != percpu->id, 0))
		wake_remote(t);
}

/* Takes a runnable thread off its run queue (not a running one: it is on none). */
void sched_remove(struct thread *t)
{
	if (t->state != THREAD_RUNNABLE || thread_running(t))
		return;
	struct runqueue *q = &runqueues[t->cpu];
	if (__builtin_expect(budget_throttled(t), 0)) {
		if (t->q_next)
			ring_remove(&q->background, t);
		return;
	}
	unsigned p = t->priority;
	if (ring_remove(&q->queue[p], t)) {
		q->bitmap[p / 64] &= ~(1ULL << (p % 64));
		if (!q->bitmap[p / 64])
			q->words &= ~(1ULL << (p / 64));
		cpus[t->cpu].runq_top = highest_priority(q);
	}
}

/* Calls fn on every thread and vCPU whose time task k pays for. */
static void for_each_charged(struct task *k, void (*fn)(struct thread *t))
{
	for (struct thread *t = k->threads; t; t = t->task_next)
		fn(t);
	for (struct thread *t = k->vcpus; t; t = t->task_next)
		fn(t);
}

static void requeue(struct thread *t)
{
	if (t->state == THREAD_RUNNABLE && !thread_running(t))
		sched_make_runnable(t);
}

void sched_set_throttled(struct task *k, bool throttled)
{
	for_each_charged(k, sched_remove); /* from the queues of the state it leaves */
	k->budget.throttled = throttled;
	for_each_charged(k, requeue);      /* onto those of the state it enters */
}

bool sched_background_queued(const struct thread *t)
{
	const struct thread *head = runqueues[t->cpu].background;
	for (const struct thread *b = head; b; b = b->q_next == head ? 0 : b->q_next)
		if (b == t)
			return true;
	return false;
}

void sched_set_priority(struct thread *t, unsigned priority)
{
	bool queued = t->state == THREAD_RUNNABLE && !thread_running(t);
	if (queued)
		sched_remove(t);
	t->priority = priority;
	if (queued)
		sched_make_runnable(t);
	else
		thread_kick(t); /* running elsewhere, lowered: its CPU weighs it again */
}

void sched_yield(void)
{
	current->timeslice = 0; /* schedule() moves it behind its peers */
}

void sched_switch_to(struct thread *t)
{
	if (!t || t->state != THREAD_RUNNABLE || t->cpu != percpu->id)
		return; /* (another CPU's thread is on its own queue already) */
	sched_remove(t); /* first, so that sched_must_yield weighs only the others */
	if (sched_must_yield(t))
		sched_make_runnable(t); /* back to the tail: schedule() picks */
	else
		current = t;
}

uint64_t slice_tsc;

/* A fresh time slice for t if it has used its own up. */
static void give_slice(struct thread *t)
{
	if (!t->timeslice) {
		t->timeslice = TIMESLICE_TICKS;
		t->slice_end = rdtsc() + slice_tsc;
	}
}

/*
 * May current (runnable) go on, with `best` the highest queued priority?
 * Within its priority while its slice lasts; a throttled one only in the
 * background, while nothing else can run.
 */
static bool may_go_on(const struct thread *c, int best, const struct runqueue *q)
{
	if (__builtin_expect(budget_throttled(c), 0))
		return best < 0 && c->sched_task->budget.background &&
		       (c->timeslice > 0 || !q->background);
	return best < c->priority || (best == c->priority && c->timeslice > 0);
}

/* Chooses the thread to run next; current may stay.  The choice is charged (budget.c). */
static void schedule(void)
{
	struct runqueue *q = &runqueues[percpu->id];
	if (current && current->cpu != percpu->id) { /* it moved itself (thread_set_cpu) */
		struct thread *moved = current;
		current = 0;
		if (moved->state == THREAD_RUNNABLE)
			sched_make_runnable(moved); /* on its new CPU's queue */
	}
	int best = highest_priority(q);
	if (current && current->state == THREAD_RUNNABLE) {
		if (may_go_on(current, best, q)) {
			give_slice(current); /* alone at its priority: it goes on */
			budget_switch(current->sched_task);
			return;
		}
		struct thread *prev = current;
		current = 0;
		sched_make_runnable(prev); /* to the tail of its queue */
	}
	current = 0;
	struct thread *next = best >= 0 ? q->queue[best] : q->background;
	if (next) {
		sched_remove(next);
		current = next;
		give_slice(next);
	}
	budget_switch(current ? current->sched_task : 0);
}

/*
 * A point that goes on: no CPU waited for the big kernel lock, and one that
 * comes now waits only until the next point, which lets it in.  So the
 * hold's clock starts again here: the longest hold measures the longest
 * any CPU can wait (docs/smp.md, "The lock's longest hold").
 */
static bool point_goes_on(void)
{
	bkl_hold_restart();
	return false;
}

/*
 * Interrupt handlers only charge ticks, signal notifications and so make
 * threads runnable, which is safe between any two steps of a syscall.
 * With current gone (the syscall destroyed its own thread) nobody would
 * see the rest done: stop, as if preempted and never run again.  Another
 * CPU waiting for the big kernel lock stops it too: the syscall starts
 * again after that CPU's turn, so that no hold is longer than the work
 * between two preemption points (docs/smp.md).
 */
bool sched_preemption_point(void)
{
	irq_window();
	return !current || sched_must_yield(current) || budget_throttled(current) ||
	       bkl_contended() || point_goes_on();
}

bool sched_work_point(void)
{
	if (current && current->state == THREAD_RUNNABLE)
		return sched_preemption_point();
	irq_window();
	return percpu->runq_top >= 0 || bkl_contended() || point_goes_on();
}

void sched_tick(void)
{
	if (current && current->timeslice)
		current->timeslice--;
}

void thread_charge_to(struct thread *t, struct task *k)
{
	if (t->sched_task == k)
		return;
	bool queued = t->state == THREAD_RUNNABLE && !thread_running(t);
	if (queued)
		sched_remove(t); /* from the queue its old task's budget put it on */
	if (t->sched_task) {
		struct thread **pp = &t->sched_task->vcpus;
		while (*pp != t)
			pp = &(*pp)->task_next;
		*pp = t->task_next;
	}
	t->sched_task = k;
	if (k) {
		t->task_next = k->vcpus;
		k->vcpus = t;
	}
	if (queued)
		sched_make_runnable(t);
}

void return_to_user(void)
{
	console_signal_due();
	for (;;) {
		objects_reap(); /* dying tasks' teardown, as far as sched_work_point lets it go */
		schedule();
		if (current)
			break;
		/*
		 * Nothing to run: wait for an interrupt to make something
		 * runnable, without the lock, so that the other CPUs go on.
		 * An interrupt taken in HLT takes the lock for its handler
		 * (trap_dispatch); an IPI wakes it to look again.
		 */
		bkl_unlock();
		irq_enable();
		halt();
		irq_disable();
		bkl_lock_for(BKL_REASON_IDLE);
	}
	enter_current();
}

void thread_set_task(struct thread *t, struct task *task)
{
	if (t->task) {
		thread_stop(t, ERR_DELETED);
		struct thread **pp = &t->task->threads;
		while (*pp != t)
			pp = &(*pp)->task_next;
		*pp = t->task_next;
	}
	t->task = task;
	if (!t->vcpu) /* (a vCPU has no task: its runner pays, thread_charge_to) */
		t->sched_task = task;
	if (task) {
		t->task_next = task->threads;
		task->threads = t;
	}
}

void thread_start(struct thread *t, uint64_t rip, uint64_t rsp, uint64_t arg)
{
	t->regs.vector = VEC_NONE;
	t->regs.rip = rip;
	t->regs.rsp = rsp;
	t->regs.rdi = arg;
	t->regs.rflags = RFLAGS_IF | 2;
	t->regs.cs = SEL_UCODE;
	t->regs.ss = SEL_UDATA;
	fpu_thread_reset(t); /* a fresh start: nothing left of what it ran before */
	fsgs_thread_reset(t);
	thread_run(t);
}

void thread_run(struct thread *t)
{
	t->started = true; /* from now on it has registers to resume with */
	sched_make_runnable(t);
}

void thread_configure(struct thread *t, struct task *task, struct cap *utcb, struct cap *fault_ep)
{
	cap_delete(&t->utcb);
	if (utcb)
		cap_derive(utcb, &t->utcb, RIGHTS_ALL, 0, 0);
	cap_delete(&t->fault_ep);
	if (fault_ep)
		cap_derive(fault_ep, &t->fault_ep, RIGHTS_ALL, 0, 0);
	if (t->task != task)
		thread_set_task(t, task);
}

void thread_read_regs(const struct thread *t, struct user_regs *out)
{
	const struct trap_frame *f = &t->regs;
	*out = (struct user_regs){
		f->rax, f->rbx, f->rcx, f->rdx, f->rsi, f->rdi, f->rbp, f->rsp,
		f->r8, f->r9, f->r10, f->r11, f->r12, f->r13, f->r14, f->r15, f->rip, f->rflags,
	};
}

/* Flags a user thread may set: the arithmetic flags, DF and AC; IF always on. */
#define USER_RFLAGS 0x40cd5UL

void thread_write_regs(struct thread *t, const struct user_regs *in)
{
	struct trap_frame *f = &t->regs;
	f->rax = in->rax, f->rbx = in->rbx, f->rcx = in->rcx, f->rdx = in->rdx;
	f->rsi = in->rsi, f->rdi = in->rdi, f->rbp = in->rbp, f->rsp = in->rsp;
	f->r8 = in->r8, f->r9 = in->r9, f->r10 = in->r10, f->r11 = in->r11;
	f->r12 = in->r12, f->r13 = in->r13, f->r14 = in->r14, f->r15 = in->r15;
	f->rip = in->rip;
	f->rflags = (in->rflags & USER_RFLAGS) | RFLAGS_IF | 2;
	f->vector = VEC_NONE; /* every register now matters: leave with iretq */
}

/*
 * Runs on t's CPU, in a cross call (bkl.h), when another CPU needs t off
 * it: that CPU waits for the lock after an entry from user mode or a
 * guest.  If t is the thread that entered, it stops being current and goes
 * back on its queue; its registers were saved by the entry.  A syscall it
 * made is started again when it next runs, as if it had been preempted just before it.  A fault is raised
 * again by the same instruction; a trap (INT3, a single step) or a VM
 * exit's event being delivered would be lost, which is why a stopped
 * thread loses nothing else: stopping it is the only reason to take it.
 */
static void forget_thread(void *arg)
{
	struct thread *t = arg;
	if (current == t) {
		if (!t->vcpu && t->regs.vector == VEC_SYSCALL)
			t->regs.rip -= SYSCALL_INSN_BYTES;
		current = 0;
		if (t->state == THREAD_RUNNABLE)
			sched_make_runnable(t);
	}
	fpu_release(t);
	fsgs_release(t);
}

void thread_unload(struct thread *t)
{
	const struct cpu *c = &cpus[t->cpu];
	if (cpu_current(c) != t && cpu_fpu_owner(c) != t && c->fsgs_owner != t)
		return;
	if (c == this_cpu()) { /* t is the caller, or left state here: it keeps running */
		fpu_release(t);
		fsgs_release(t);
		return;
	}
	cpu_call(t->cpu, forget_thread, t);
}

void thread_set_cpu(struct thread *t, unsigned cpu)
{
	if (t->cpu == cpu)
		return;
	thread_unload(t); /* off its old CPU, with its FPU and FS/GS state saved */
	if (t == current) { /* the caller moves itself: it leaves when this syscall ends */
		t->cpu = cpu;
		return;
	}
	bool queued = t->state == THREAD_RUNNABLE;
	if (queued)
		sched_remove(t);
	unsigned from = t->cpu;
	t->cpu = cpu;
	if (t->vcpu)
		vcpu_moved(t, from); /* its VMCS or VMCB follows (vcpu.h) */
	if (queued)
		sched_make_runnable(t);
}

void thread_stop(struct thread *t, uint64_t status)
{
	thread_unload(t); /* if it runs on another CPU, it stops there first */
	if (t->state == THREAD_RUNNABLE)
		sched_remove(t);
	else
		ipc_cancel(t, status);
	t->state = THREAD_INACTIVE;
}

void thread_destroy(struct thread *t)
{
	thread_unload(t); /* no CPU may hold anything of it */
	thread_set_task(t, 0);
	thread_stop(t, ERR_DELETED);
	if (t->caller) /* whoever waits for our reply will not get one */
		ipc_wake(t->caller, ERR_DELETED);
	cap_delete(&t->utcb);
	cap_delete(&t->fault_ep);
	if (t->vcpu) {
		thread_charge_to(t, 0);
		vcpu_destroy(t->vcpu);
	}
	fpu_thread_gone(t);
	fsgs_thread_gone(t);
	if (current == t)
		current = 0;
	struct thread **pp = &all_threads;
	while (*pp != t)
		pp = &(*pp)->all_next;
	*pp = t->all_next;
}
