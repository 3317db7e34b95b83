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

/* Takes r, the first thread waiting on e (a receiver: the caller checked). */
static inline __attribute__((always_inline)) void take_receiver(struct endpoint *e, struct thread *r)
{
	thread_queue_pop(&e->waiting);
	r->blocked_on = 0;
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

	take_receiver(e, server);
	self->pending = PENDING_CALL;
	self->ipc_grant = c->rights & RIGHT_G;
	self->state = THREAD_REPLY;
	self->callee = server;
	server->caller = self;
	deliver_and_switch(self, server, c->badge);
}

/* A VMM's reply to a VM exit, in the simple form the backend's fast_reply takes. */
static bool fast_vmexit_reply(struct thread *self, struct thread *vcpu, struct trap_frame *r)
{
	const struct utcb *u = self->utcb.type == OBJ_FRAME ? phys_to_virt(self->utcb.obj) : 0;
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
	if (!client || client->pending == PENDING_FAULT || r->rdi >= CSPACE_SLOTS)
		return;
	struct cap *c = &self->task->cspace[r->rdi];
	if (c->type != OBJ_ENDPOINT || !(c->rights & RIGHT_R))
		return;
	struct endpoint *e = (struct endpoint *)c->obj;
	if ((e->waiting.head && e->waiting.head->state == THREAD_SEND) ||
	    sched_must_yield(client))
		return;
	/* Two ways on from here: an exit's reply is guest state, a call's a message. */
	if (client->pending == PENDING_VMEXIT) {
		if (!fast_vmexit_reply(self, client, r))
			return;
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

/*
 * A VM exit whose binding asks for no more than the ACDB registers and
 * RIP, with its handler already waiting: the message goes straight into
 * the handler's registers and UTCB and the handler runs.  Returns only
 * when the general path (vcpu_exit) must deliver the exit.
 */
/* vm_message_words() for the masks the fast path takes (ACDB is bit 0, RIP bit 1). */
static const uint8_t fast_words[4] = { VMW_MASK + 1, VMW_RBX + 1, VMW_RIP + 1, VMW_RIP + 1 };
_Static_assert(VMG_GPR_ACDB == 1 && VMG_RIP == 2, "fast_words is indexed by these two groups");

void fastpath_vmexit(struct thread *t, uint32_t reason, uint64_t rip, uint64_t len)
{
	struct vcpu *v = t->vcpu;
	if (reason >= VMX_EXIT_REASONS) /* (the caller checked: this tells the compiler) */
		__builtin_unreachable();
	unsigned i = vcpu_bound_slot(v, reason);
	if (i >= VCPU_BINDINGS)
		return; /* the default binding: the general path */
	struct cap *ep = &v->bound_ep[i];
	uint32_t mask = v->bound[i].mask;
	if (ep->type != OBJ_ENDPOINT || (mask & ~(VMG_GPR_ACDB | VMG_RIP)))
		return;
	struct endpoint *e = (struct endpoint *)ep->obj;
	struct thread *vmm = e->waiting.head;
	if (!vmm || vmm->state != THREAD_RECV || vmm->caller || sched_preempts(vmm->priority) ||
	    vmm->utcb.type != OBJ_FRAME)
		return;

	struct utcb *u = phys_to_virt(vmm->utcb.obj);
	struct trap_frame *to = &vmm->regs, *from = &t->regs;
	to->rax = OK;
	to->rdi = ep->badge;
	to->rsi = MSG_TAG(MSG_VMEXIT, fast_words[mask], 0);
	MSG_REG(to, VMW_REASON) = reason;
	MSG_REG(to, VMW_QUAL) = 0;
	MSG_REG(to, VMW_INSN_LEN) = len;
	MSG_REG(to, VMW_MASK) = mask;
	u->mr[VMW_RAX] = from->rax;
	u->mr[VMW_RCX] = from->rcx;
	u->mr[VMW_RDX] = from->rdx;
	u->mr[VMW_RBX] = from->rbx;
	u->mr[VMW_RIP] = rip;

	take_receiver(e, vmm);
	v->exit_reason = reason;
	v->exit_mask = mask;
	t->pending = PENDING_VMEXIT;
	t->state = THREAD_REPLY;
	t->callee = vmm;
	vmm->caller = t;
	vmm->state = THREAD_RUNNABLE;
	current = vmm;
	enter_current();
}
