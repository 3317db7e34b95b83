/*
 * The IPC fast path: returns only when the general path must handle the
 * call.  The exit fast path is inline here: each backend's exit handler
 * instantiates it with its own state reader, so it is the general exit
 * message builder (vcpu.h) specialised to the groups it carries.
 */
#ifndef KERNEL_FASTPATH_H
#define KERNEL_FASTPATH_H

/* entry.S sends these two syscalls here first (checked against moat/abi.h). */
#define FASTPATH_SYS_CALL       2
#define FASTPATH_SYS_REPLY_RECV 4

#ifndef __ASSEMBLER__
#include "budget.h"
#include "memory.h"
#include "thread.h"
#include "trap.h"

void fastpath_call(struct trap_frame *r);
void fastpath_reply_recv(struct trap_frame *r);

/*
 * The state groups of the binding the exit fast path takes (the VMM's
 * CPUID binding), and the most its fast reply may write.
 */
#define FASTPATH_EXIT_GROUPS (VMG_GPR_ACDB | VMG_RIP)

/* The receiver waiting on e, if the fast path may hand it a call now; else NULL. */
static inline __attribute__((always_inline)) struct thread *fastpath_receiver(struct endpoint *e)
{
	struct thread *r = e->waiting.head;
	if (!r || r->state != THREAD_RECV || r->caller || r->cpu != percpu->id ||
	    sched_preempts(r->priority))
		return 0;
	return r;
}

/*
 * The caller s calls the receiver r waiting on e (fastpath_receiver), whose
 * registers and UTCB hold the message already, with the badge given; r
 * runs.  s->pending says what s sent.
 */
static inline __attribute__((always_inline, noreturn)) void fastpath_call_switch(
	struct thread *s, struct thread *r, struct endpoint *e, uint64_t badge)
{
	thread_queue_pop(&e->waiting);
	r->blocked_on = 0;
	s->state = THREAD_REPLY;
	s->callee = r;
	r->caller = s;
	r->regs.rax = OK;
	r->regs.rdi = badge;
	r->state = THREAD_RUNNABLE;
	current = r;
	enter_current();
}

/*
 * A VM exit of vCPU thread t whose binding asks for FASTPATH_EXIT_GROUPS,
 * with its handler already waiting: the message goes straight into the
 * handler's registers and UTCB (vcpu_exit_message_build with the backend's
 * reader `read` and a constant mask, so only the code of these groups is
 * left) and the handler runs.  Returns only when the general path
 * (vcpu_exit) must deliver the exit.
 */
static inline __attribute__((always_inline)) void fastpath_vmexit(struct thread *t, uint32_t reason,
								  vcpu_read_fn *read)
{
	struct vcpu *v = t->vcpu;
	if (reason >= VMEXIT_REASONS)
		return;
	unsigned i = vcpu_bound_slot(v, reason);
	if (i >= VCPU_BINDINGS)
		return; /* the default binding: the general path */
	struct cap *ep = &v->bound_ep[i];
	uint32_t mask = v->bound[i].mask;
	if (ep->type != OBJ_ENDPOINT || mask != FASTPATH_EXIT_GROUPS)
		return;
	struct endpoint *e = ep->endpoint;
	struct thread *vmm = fastpath_receiver(e);
	if (!vmm || vmm->utcb.type != OBJ_FRAME || budget_fastpath_declines(t, vmm))
		return;
	struct utcb *u = phys_to_virt(vmm->utcb.base);
	if (!u)
		__builtin_unreachable(); /* (the physmap is in the upper half: the builder need not test) */
	v->exit_reason = reason;
	v->exit_mask = FASTPATH_EXIT_GROUPS;
	vcpu_exit_message_build(v, &vmm->regs, u, FASTPATH_EXIT_GROUPS, read);
	t->pending = PENDING_VMEXIT;
	fastpath_call_switch(t, vmm, e, ep->badge);
}
#endif

#endif
