/*
 * The IPC fast path: a call to a waiting server, and the server's
 * reply-and-receive back to its caller, in the common case only:
 * short messages (registers only), no capability transfer, a partner
 * already waiting, nobody of higher priority ready to run, and no CPU
 * budget to charge between the two (budget.h).  Anything
 * else falls through to the general path in ipc.c, which gives the same
 * result; this path only skips its generality.
 */
#include "cap.h"
#include "fastpath.h"
#include "ipc.h"
#include "memory.h"
#include "thread.h"
#include "vcpu.h"

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
	MSG_REGS_COPY(to, from);
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
	struct endpoint *e = c->endpoint;
	struct thread *server = fastpath_receiver(e);
	if (!server || budget_fastpath_declines(self, server))
		return;
	server->regs.rsi = r->rsi; /* a short message's tag arrives as it was sent */
	MSG_REGS_COPY(&server->regs, r);
	self->pending = PENDING_CALL;
	self->ipc_grant = c->rights & RIGHT_G;
	fastpath_call_switch(self, server, e, c->badge);
}

/* A VMM's reply to a VM exit, in the simple form the backend's fast_reply takes. */
static bool fast_vmexit_reply(struct thread *self, struct thread *vcpu, struct trap_frame *r)
{
	const struct utcb *u = self->utcb.type == OBJ_FRAME ? phys_to_virt(self->utcb.base) : 0;
	return u && vcpu_backend->fast_reply(vcpu->vcpu, r, u);
}

/* The reply right is used up and self waits on e for the next message. */
static inline __attribute__((always_inline)) void reply_and_wait(struct thread *self,
								 struct thread *client,
								 struct endpoint *e)
{
	self->caller = 0;
	client->callee = 0;
	self->state = THREAD_RECV;
	self->blocked_on = e;
	thread_queue_push(&e->waiting, self);
}

void fastpath_reply_recv(struct trap_frame *r)
{
	struct thread *self = current, *client = self->caller;
	if (!client || r->rdi >= CSPACE_SLOTS)
		return;
	struct cap *c = &self->task->cspace[r->rdi];
	if (c->type != OBJ_ENDPOINT || !(c->rights & RIGHT_R))
		return;
	struct endpoint *e = c->endpoint;
	if ((e->waiting.head && e->waiting.head->state == THREAD_SEND) || client->cpu != percpu->id ||
	    sched_must_yield(client) || budget_fastpath_declines(self, client))
		return;
	/* Two ways on from here: an exit's reply is guest state, a call's a message. */
	if (client->pending >= PENDING_FAULT) { /* (one test for the call's way: object.h) */
		if (client->pending != PENDING_VMEXIT || !fast_vmexit_reply(self, client, r))
			return; /* a fault's answer: the general path (ipc.c, fault_reply) */
		reply_and_wait(self, client, e);
		client->pending = PENDING_NONE; /* the reply is in the guest's state already */
		client->state = THREAD_RUNNABLE;
		current = client;
		enter_current();
	}
	if (!short_message(r->rsi))
		return;
	reply_and_wait(self, client, e);
	deliver_and_switch(self, client, 0);
}
