/*
 * The IPC fast path: a call to a waiting server, and the server's
 * reply-and-receive back to its caller, in the common case only:
 * short messages (registers only), no capability transfer, a partner
 * already waiting, and nobody of higher priority ready to run.  Anything
 * else falls through to the general path in ipc.c, which gives the same
 * result; this path only skips its generality.
 */
#include "cap.h"
#include "fastpath.h"
#include "ipc.h"
#include "thread.h"

_Static_assert(SYS_CALL == FASTPATH_SYS_CALL && SYS_REPLY_RECV == FASTPATH_SYS_REPLY_RECV,
	       "entry.S tests these numbers");

/* Moves the register message from s to r and makes r the running thread. */
static inline __attribute__((always_inline, noreturn)) void deliver_and_switch(struct thread *s, struct thread *r,
							   uint64_t badge)
{
	const struct trap_frame *from = &s->regs;
	struct trap_frame *to = &r->regs;
	to->rax = OK;
	to->rdi = badge;
	to->rsi = from->rsi; /* a short message's tag arrives as it was sent */
	to->rdx = from->rdx;
	to->r10 = from->r10;
	to->r8 = from->r8;
	to->r9 = from->r9;
	r->state = THREAD_RUNNABLE;
	current = r;
	enter_current();
}

/* A message fits the fast path: at most four words, no capabilities, no stray tag bits. */
static bool short_message(uint64_t tag)
{
	return (tag & 0xffff) <= MSG_REG_WORDS;
}

void fastpath_call(struct trap_frame *r)
{
	struct thread *self = current;
	if (r->rdi >= CSPACE_SLOTS || !short_message(r->rsi))
		return;
	struct cap *c = &self->task->cspace[r->rdi];
	if (c->type != OBJ_ENDPOINT || !(c->rights & RIGHT_W))
		return;
	struct endpoint *e = (struct endpoint *)c->obj;
	struct thread *server = e->waiting.head;
	if (!server || server->state != THREAD_RECV || server->caller ||
	    sched_preempts(server->priority))
		return;

	e->waiting.head = server->q_next;
	if (!e->waiting.head)
		e->waiting.tail = 0;
	server->q_next = 0;
	server->blocked_on = 0;
	self->ipc_fault = false;
	self->ipc_grant = c->rights & RIGHT_G;
	self->state = THREAD_REPLY;
	self->callee = server;
	server->caller = self;
	deliver_and_switch(self, server, c->badge);
}

void fastpath_reply_recv(struct trap_frame *r)
{
	struct thread *self = current, *client = self->caller;
	if (!client || client->ipc_fault || client->ipc_vmexit || r->rdi >= CSPACE_SLOTS || !short_message(r->rsi))
		return;
	struct cap *c = &self->task->cspace[r->rdi];
	if (c->type != OBJ_ENDPOINT || !(c->rights & RIGHT_R))
		return;
	struct endpoint *e = (struct endpoint *)c->obj;
	if ((e->waiting.head && e->waiting.head->state == THREAD_SEND) ||
	    sched_preempts(client->priority))
		return;

	self->caller = 0;
	client->callee = 0;
	self->state = THREAD_RECV;
	self->blocked_on = e;
	self->q_next = 0;
	if (e->waiting.tail)
		e->waiting.tail->q_next = self;
	else
		e->waiting.head = self;
	e->waiting.tail = self;
	deliver_and_switch(self, client, 0);
}
