/*
 * Synchronous IPC.  A message is a tag and up to 80 words (MSG_MAX_WORDS; a
 * tag that says more carries 80): words 0-3 move
 * register to register, the rest UTCB to UTCB.  A call leaves the caller
 * waiting for the reply and gives the receiver a one-shot reply right
 * (receiver->caller); the call and reply paths switch straight to the
 * partner thread instead of going through the run queue.
 */
#include "cap.h"
#include "ipc.h"
#include "irq.h"
#include "lapic.h"
#include "log.h"
#include "mem.h"
#include "memory.h"
#include "thread.h"
#include "timeout.h"
#include "vcpu.h"
#include "x86.h"

static struct utcb *utcb_of(struct thread *t)
{
	return t->utcb.type == OBJ_FRAME ? phys_to_virt(t->utcb.base) : 0;
}

/* Copies message words 4 and up; returns how many words arrive. */
static uint64_t copy_long_words(struct thread *s, struct thread *r, uint64_t words)
{
	if (words > MSG_MAX_WORDS)
		words = MSG_MAX_WORDS;
	if (words <= MSG_REG_WORDS)
		return words;
	struct utcb *su = utcb_of(s), *ru = utcb_of(r);
	if (!su || !ru)
		return MSG_REG_WORDS;
	memcpy(&ru->mr[MSG_REG_WORDS], &su->mr[MSG_REG_WORDS], (words - MSG_REG_WORDS) * 8);
	return words;
}

/* Copies up to n capabilities named in s's UTCB into r's receive slots; returns how many. */
static uint64_t transfer_caps(struct thread *s, struct thread *r, uint64_t n)
{
	struct utcb *su = utcb_of(s), *ru = utcb_of(r);
	uint64_t done = 0;
	if (!su || !ru)
		return 0;
	for (; done < n; done++) {
		struct cap *src, *dst;
		if (cap_lookup(s->task, su->send_caps[done], OBJ_NONE, 0, &src) != OK ||
		    !cap_copyable(src) ||
		    cap_empty_slot(r->task, ru->recv_slots[done], &dst) != OK)
			break;
		cap_derive(src, dst, RIGHTS_ALL, 0, r->task);
	}
	return done;
}

/* Delivers s's message (or fault) into r's registers and UTCB. */
static void transfer(struct thread *s, struct thread *r, uint64_t badge, bool grant)
{
	struct trap_frame *to = &r->regs;
	uint64_t label, words, caps = 0;
	if (s->pending == PENDING_VMEXIT) {
		vcpu_exit_message(s, r);
		to->rax = OK;
		to->rdi = badge;
		return;
	}
	if (s->pending == PENDING_FAULT) {
		const uint64_t fault[MSG_REG_WORDS] = { s->fault_vector, s->fault_error, s->regs.rip,
							s->fault_addr };
		label = MSG_FAULT;
		words = MSG_REG_WORDS;
		MSG_WORDS_TO_REGS(to, fault);
	} else {
		const struct trap_frame *from = &s->regs;
		label = MSG_LABEL(from->rsi);
		MSG_REGS_COPY(to, from);
		words = copy_long_words(s, r, MSG_WORDS(from->rsi));
		if (grant && MSG_CAPS(from->rsi))
			caps = transfer_caps(s, r, MSG_CAPS(from->rsi));
	}
	to->rax = OK;
	to->rdi = badge;
	to->rsi = MSG_TAG(label, words, caps);
}

/* Ends t's wait with status; a thread whose fault went unanswered stays stopped. */
void ipc_wake(struct thread *t, uint64_t status)
{
	enum pending_msg unanswered = t->pending;
	ipc_cancel(t, status);
	if (unanswered == PENDING_FAULT || unanswered == PENDING_VMEXIT) {
		t->state = THREAD_INACTIVE;
		log_warn("ipc: a stopped thread's (or vCPU's) handler went away; it stays stopped");
		return;
	}
	sched_make_runnable(t);
}

/* s now waits for r's reply. */
static void become_caller(struct thread *s, struct thread *r)
{
	if (r->caller) /* r received again without replying: that reply right lapses */
		ipc_wake(r->caller, ERR_CANCELED);
	s->state = THREAD_REPLY;
	s->callee = r;
	r->caller = s;
}

/* s sends (s->pending says what: a send, a call, a fault or an exit) to e. */
static enum moat_status send_to(struct thread *s, struct endpoint *e, uint64_t badge,
				       bool grant, bool nonblock)
{
	struct thread *r = e->waiting.head;
	if (r && r->state == THREAD_RECV) {
		thread_queue_pop(&e->waiting);
		r->blocked_on = 0;
		transfer(s, r, badge, grant);
		if (s->pending == PENDING_SEND) {
			sched_make_runnable(r);
			return OK;
		}
		s->ipc_grant = grant;
		become_caller(s, r);
		if (r->cpu == percpu->id) {
			r->state = THREAD_RUNNABLE;
			current = r; /* direct switch: s (the current thread) now waits */
		} else {
			sched_make_runnable(r); /* on its own CPU */
		}
		return STATUS_BLOCKED;
	}
	if (nonblock)
		return ERR_WOULD_BLOCK;
	s->state = THREAD_SEND;
	s->ipc_grant = grant;
	s->ipc_badge = badge;
	s->blocked_on = e;
	thread_queue_push(&e->waiting, s);
	return STATUS_BLOCKED;
}

enum moat_status ipc_send(struct thread *s, struct cap *ep, bool call, bool nonblock)
{
	s->pending = call ? PENDING_CALL : PENDING_SEND;
	return send_to(s, ep->endpoint, ep->badge, ep->rights & RIGHT_G, nonblock);
}

enum moat_status ipc_recv(struct thread *r, struct endpoint *e, bool nonblock)
{
	if (r->caller)
		ipc_wake(r->caller, ERR_CANCELED);
	struct thread *s = e->waiting.head;
	if (s && s->state == THREAD_SEND) {
		thread_queue_pop(&e->waiting);
		s->blocked_on = 0;
		transfer(s, r, s->ipc_badge, s->ipc_grant);
		if (s->pending != PENDING_SEND) {
			become_caller(s, r);
		} else {
			s->regs.rax = OK;
			sched_make_runnable(s);
		}
		return OK;
	}
	if (nonblock) {
		r->regs.rdi = 0;
		return ERR_WOULD_BLOCK;
	}
	r->state = THREAD_RECV;
	r->blocked_on = e;
	thread_queue_push(&e->waiting, r);
	return STATUS_BLOCKED;
}

/* The answer to a fault: label 0 resumes the thread (at mr0 if given), else it stays stopped. */
static void fault_reply(struct thread *r, struct thread *c)
{
	const struct trap_frame *m = &r->regs;
	c->pending = PENDING_NONE;
	if (MSG_LABEL(m->rsi) != 0) {
		c->state = THREAD_INACTIVE;
		return;
	}
	if (MSG_WORDS(m->rsi) >= 1 && MSG_REG(m, 0) < USER_TOP) {
		c->regs.rip = MSG_REG(m, 0);
		c->regs.vector = VEC_NONE;
	}
	sched_make_runnable(c);
}

enum moat_status ipc_reply(struct thread *r)
{
	struct thread *c = r->caller;
	if (!c)
		return ERR_NO_REPLY;
	r->caller = 0;
	c->callee = 0;
	if (c->pending == PENDING_FAULT) {
		fault_reply(r, c);
		return OK;
	}
	if (c->pending == PENDING_VMEXIT) {
		int st = vcpu_reply(r, c);
		if (st != OK) { /* refused: the vCPU still waits for a valid answer */
			r->caller = c;
			c->callee = r;
		}
		return st;
	}
	transfer(r, c, 0, c->ipc_grant);
	sched_make_runnable(c);
	return OK;
}

void ipc_cancel(struct thread *t, uint64_t status)
{
	switch (t->state) {
	case THREAD_SEND:
	case THREAD_RECV:
		thread_queue_remove(&((struct endpoint *)t->blocked_on)->waiting, t);
		break;
	case THREAD_WAIT:
		thread_queue_remove(&((struct notification *)t->blocked_on)->waiting, t);
		timeout_remove(&timeouts, t); /* a timed wait leaves no entry behind */
		break;
	case THREAD_REPLY:
		if (t->callee)
			t->callee->caller = 0;
		t->callee = 0;
		break;
	default:
		return;
	}
	t->blocked_on = 0;
	/* a fault's or an exit's registers are the thread's or guest's own, not a syscall's */
	if (t->pending != PENDING_FAULT && t->pending != PENDING_VMEXIT)
		t->regs.rax = status;
	t->pending = PENDING_NONE;
}

void ipc_fault(struct thread *t, uint64_t vector, uint64_t error, uint64_t addr)
{
	t->fault_vector = vector;
	t->fault_error = error;
	t->fault_addr = addr;
	if (t->fault_ep.type != OBJ_ENDPOINT) {
		log_warn("thread %u: fault %lu (error %#lx) at rip %#lx, address %#lx, "
			 "no fault handler: stopped", t->id, vector, error, t->regs.rip, addr);
		t->state = THREAD_INACTIVE;
		return;
	}
	t->pending = PENDING_FAULT;
	send_to(t, t->fault_ep.endpoint, t->fault_ep.badge, false, false);
}

void ipc_send_exit(struct thread *t, struct cap *ep)
{
	t->pending = PENDING_VMEXIT;
	send_to(t, ep->endpoint, ep->badge, false, false);
}

void endpoint_destroy(struct endpoint *e)
{
	while (e->waiting.head)
		ipc_wake(e->waiting.head, ERR_DELETED);
}

void notification_signal(struct notification *n, uint64_t bits)
{
	n->bits |= bits;
	struct thread *w = thread_queue_pop(&n->waiting);
	if (!w)
		return;
	timeout_remove(&timeouts, w); /* the signal came first: its deadline no longer counts */
	w->blocked_on = 0;
	w->regs.rax = OK;
	w->regs.rdi = n->bits;
	n->bits = 0;
	sched_make_runnable(w);
}

/* Gives t n's bits (in rdi) and clears them; false if there were none. */
static bool take_bits(struct thread *t, struct notification *n)
{
	t->regs.rdi = n->bits;
	n->bits = 0;
	return t->regs.rdi != 0;
}

static void block_on(struct thread *t, struct notification *n)
{
	t->state = THREAD_WAIT;
	t->blocked_on = n;
	thread_queue_push(&n->waiting, t);
}

enum moat_status notification_wait(struct thread *t, struct notification *n, bool nonblock)
{
	if (take_bits(t, n))
		return OK;
	if (nonblock)
		return ERR_WOULD_BLOCK;
	block_on(t, n);
	return STATUS_BLOCKED;
}

enum moat_status notification_wait_until(struct thread *t, struct notification *n,
					 uint64_t deadline)
{
	if (deadline == WAIT_FOREVER)
		return notification_wait(t, n, false);
	if (take_bits(t, n))
		return OK;
	if (deadline <= rdtsc())
		return ERR_TIMEOUT;
	block_on(t, n);
	timeout_insert(&timeouts, t, deadline);
	timer_arm(deadline);
	return STATUS_BLOCKED;
}

void notification_expire(uint64_t now)
{
	struct thread *t;
	while ((t = timeout_pop_expired(&timeouts, now))) {
		if (t->vcpu) { /* a vCPU's exit deadline (it makes no timed waits) */
			vcpu_deadline_reached(t);
			thread_kick(t); /* (this CPU's timer may have been set for it) */
			continue;
		}
		t->regs.rdi = 0; /* no bits */
		ipc_wake(t, ERR_TIMEOUT);
	}
}

void notification_destroy(struct notification *n)
{
	irq_unbind_notification(n);
	console_forget(n);
	while (n->waiting.head)
		ipc_wake(n->waiting.head, ERR_DELETED);
}
