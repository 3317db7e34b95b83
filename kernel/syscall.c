/*
 * The syscall dispatcher and handlers.  Every handler has the same shape
 * (seL4's split of decode and invoke):
 *
 *   decode   the frame's registers into named arguments, at the top, as
 *            moat/abi.h lists them: no register means two things;
 *   check    every capability and argument, in the order docs/syscalls.md
 *            gives; each check that fails ends the call with its status
 *            and changes nothing (CHECK, REFUSE_IF);
 *   invoke   one call into the object that does the work.
 *
 * A handler's status goes to the caller's rax, except STATUS_BLOCKED: the
 * caller waits and its status is written when it wakes; and STATUS_RESTART:
 * the call stopped early (a long revoke, retype or deletion made way) and
 * runs again.
 */
#include "budget.h"
#include "cap.h"
#include "entry.h"
#include "fpu.h"
#include "frame.h"
#include "gpa_space.h"
#include "ioport.h"
#include "ipc.h"
#include "irq.h"
#include "lapic.h"
#include "kcheck.h"
#include "log.h"
#include "mem.h"
#include "memory.h"
#include "panic.h"
#include "smp.h"
#include "syscall.h"
#include "task.h"
#include "thread.h"
#include "untyped.h"
#include "vcpu.h"
#include "x86.h"

#define SELF (current->task)

/*
 * A refused call.  At debug level (loglevel=debug; off by default) the log
 * says which call, which argument was wrong and the status: the caller
 * sees only the status.  Cold and out of line, so that the checks cost a
 * branch each on the way through.
 */
static __attribute__((cold, noinline)) enum moat_status refused(const char *handler,
								 const char *arg,
								 enum moat_status st)
{
	if (current)
		log_debug("syscall %lu (%s) from thread %u refused: %s, status %d",
			  current->regs.rax, handler, current->id, arg, st);
	return st;
}

/* Ends the handler unless the check or lookup `expr` gives OK; `arg` names what it checked. */
#define CHECK(expr, arg)                                            \
	do {                                                        \
		enum moat_status check_st_ = (expr);                \
		if (check_st_ != OK)                                \
			return refused(__func__, (arg), check_st_); \
	} while (0)

/* Ends the handler with `status` when `cond` holds; `arg` names the argument. */
#define REFUSE_IF(cond, status, arg)                                \
	do {                                                        \
		if (cond)                                           \
			return refused(__func__, (arg), (status));  \
	} while (0)

/* The task named by a task argument: the caller's own, or one it holds with W. */
static enum moat_status task_arg(uint64_t slot, struct task **out)
{
	if (slot == TASK_SELF) {
		*out = SELF;
		return OK;
	}
	struct cap *c;
	enum moat_status st = cap_lookup(SELF, slot, OBJ_TASK, RIGHT_W, &c);
	if (st == OK)
		*out = c->task;
	return st;
}

static enum moat_status thread_arg(uint64_t slot, struct thread **out)
{
	struct cap *c;
	enum moat_status st = cap_lookup(SELF, slot, OBJ_THREAD, RIGHT_W, &c);
	if (st == OK)
		*out = c->thread;
	return st;
}

/* A thread or a vCPU (which is scheduled like one), held with W. */
static enum moat_status schedulable_arg(uint64_t slot, struct thread **out)
{
	struct cap *c;
	enum moat_status st = cap_lookup(SELF, slot, OBJ_NONE, RIGHT_W, &c);
	if (st != OK)
		return st;
	if (c->type != OBJ_THREAD && c->type != OBJ_VCPU)
		return ERR_WRONG_TYPE;
	*out = c->thread;
	return OK;
}

static enum moat_status vcpu_arg(uint64_t slot, struct vcpu **out)
{
	struct cap *c;
	enum moat_status st = cap_lookup(SELF, slot, OBJ_VCPU, RIGHT_W, &c);
	if (st == OK)
		*out = c->thread->vcpu;
	return st;
}

/* A capability argument that may be SLOT_NONE: then *out is NULL. */
static enum moat_status optional_cap(uint64_t slot, unsigned type, unsigned rights,
				     struct cap **out)
{
	*out = 0;
	return slot == SLOT_NONE ? OK : cap_lookup(SELF, slot, type, rights, out);
}

static struct utcb *caller_utcb(void)
{
	return current->utcb.type == OBJ_FRAME ? phys_to_virt(current->utcb.base) : 0;
}

/* --- IPC ---------------------------------------------------------------- */

/* SYS_SEND, SYS_NB_SEND, SYS_CALL (ep, tag, mr0-3): ipc_send takes the message from the frame. */
static enum moat_status send_common(struct trap_frame *r, bool call, bool nonblock)
{
	const uint64_t ep_slot = r->rdi;
	struct cap *ep;
	CHECK(cap_lookup(SELF, ep_slot, OBJ_ENDPOINT, RIGHT_W, &ep), "ep");
	return ipc_send(current, ep, call, nonblock);
}

/* SYS_RECV, SYS_NB_RECV (ep) */
static enum moat_status recv_common(struct trap_frame *r, bool nonblock)
{
	const uint64_t ep_slot = r->rdi;
	struct cap *ep;
	CHECK(cap_lookup(SELF, ep_slot, OBJ_ENDPOINT, RIGHT_R, &ep), "ep");
	return ipc_recv(current, ep->endpoint, nonblock);
}

static enum moat_status sys_send(struct trap_frame *r)    { return send_common(r, false, false); }
static enum moat_status sys_nb_send(struct trap_frame *r) { return send_common(r, false, true); }
static enum moat_status sys_call(struct trap_frame *r)    { return send_common(r, true, false); }
static enum moat_status sys_recv(struct trap_frame *r)    { return recv_common(r, false); }
static enum moat_status sys_nb_recv(struct trap_frame *r) { return recv_common(r, true); }

/* SYS_REPLY (-, tag, mr0-3): ipc_reply takes the message from the frame. */
static enum moat_status sys_reply(struct trap_frame *r)
{
	(void)r;
	return ipc_reply(current);
}

/*
 * SYS_REPLY_RECV (ep, tag, mr0-3): reply, then receive.  When the receive
 * blocks, the scheduler may run the thread just answered at once.
 */
static enum moat_status sys_reply_recv(struct trap_frame *r)
{
	const uint64_t ep_slot = r->rdi;
	struct cap *ep;
	CHECK(cap_lookup(SELF, ep_slot, OBJ_ENDPOINT, RIGHT_R, &ep), "ep");
	struct thread *answered = current->caller;
	enum moat_status st = ipc_reply(current);
	/* A refused reply (a vCPU's): its caller still waits, and nothing is received. */
	REFUSE_IF(st != OK && st != ERR_NO_REPLY, st, "reply");
	st = ipc_recv(current, ep->endpoint, false);
	if (st == STATUS_BLOCKED)
		sched_switch_to(answered);
	return st;
}

/* --- notifications ------------------------------------------------------ */

/* SYS_SIGNAL (ntfn) */
static enum moat_status sys_signal(struct trap_frame *r)
{
	const uint64_t ntfn_slot = r->rdi;
	struct cap *n;
	CHECK(cap_lookup(SELF, ntfn_slot, OBJ_NOTIFICATION, RIGHT_W, &n), "ntfn");
	notification_signal(n->notification, n->badge ? n->badge : 1);
	return OK;
}

/* SYS_WAIT, SYS_POLL (ntfn) */
static enum moat_status wait_common(struct trap_frame *r, bool nonblock)
{
	const uint64_t ntfn_slot = r->rdi;
	struct cap *n;
	CHECK(cap_lookup(SELF, ntfn_slot, OBJ_NOTIFICATION, RIGHT_R, &n), "ntfn");
	if (!nonblock)
		console_reader_waits(current->id); /* (the console's driver: its bytes are out) */
	return notification_wait(current, n->notification, nonblock);
}

static enum moat_status sys_wait(struct trap_frame *r) { return wait_common(r, false); }
static enum moat_status sys_poll(struct trap_frame *r) { return wait_common(r, true); }

/* SYS_WAIT_UNTIL (ntfn, deadline): deadline is a TSC value, WAIT_FOREVER for none */
static enum moat_status sys_wait_until(struct trap_frame *r)
{
	const uint64_t ntfn_slot = r->rdi, deadline = r->rsi;
	struct cap *n;
	CHECK(cap_lookup(SELF, ntfn_slot, OBJ_NOTIFICATION, RIGHT_R, &n), "ntfn");
	console_reader_waits(current->id);
	return notification_wait_until(current, n->notification, deadline);
}

/* SYS_YIELD () */
static enum moat_status sys_yield(struct trap_frame *r)
{
	(void)r;
	sched_yield();
	return OK;
}

/* --- capabilities ------------------------------------------------------- */

static bool badgeable(const struct cap *c)
{
	return c->type == OBJ_ENDPOINT || c->type == OBJ_NOTIFICATION;
}

/* SYS_CAP_COPY (src, dst_task, dst, rights_mask, badge) */
static enum moat_status sys_cap_copy(struct trap_frame *r)
{
	const uint64_t src_slot = r->rdi, task_slot = r->rsi, dst_slot = r->rdx;
	const uint64_t rights_mask = r->r10, badge = r->r8;
	struct cap *src, *dst;
	struct task *dt;
	CHECK(cap_lookup(SELF, src_slot, OBJ_NONE, 0, &src), "src");
	CHECK(task_arg(task_slot, &dt), "dst_task");
	CHECK(cap_empty_slot(dt, dst_slot, &dst), "dst");
	REFUSE_IF(!cap_copyable(src), ERR_WRONG_TYPE, "src (may not be copied)");
	REFUSE_IF(rights_mask & ~(uint64_t)RIGHTS_ALL, ERR_INVALID_ARG, "rights_mask");
	/* Only an unbadged endpoint or notification takes a badge. */
	REFUSE_IF(badge && (!badgeable(src) || src->badge), ERR_INVALID_ARG, "badge");
	cap_derive(src, dst, rights_mask, badge, dt);
	return OK;
}

/* SYS_CAP_MOVE (src, dst_task, dst) */
static enum moat_status sys_cap_move(struct trap_frame *r)
{
	const uint64_t src_slot = r->rdi, task_slot = r->rsi, dst_slot = r->rdx;
	struct cap *src, *dst;
	struct task *dt;
	CHECK(cap_lookup(SELF, src_slot, OBJ_NONE, 0, &src), "src");
	CHECK(task_arg(task_slot, &dt), "dst_task");
	CHECK(cap_empty_slot(dt, dst_slot, &dst), "dst");
	cap_move(src, dst, dt);
	return OK;
}

/*
 * SYS_CAP_DELETE (slot).  Tasks whose teardown earlier deletions left
 * (objects_reap: it stopped for another thread) are torn down first; then
 * the one this deletion kills, as far as the scheduler lets it: the rest
 * goes on at the next ways out of the kernel, the task unusable meanwhile.
 */
static enum moat_status sys_cap_delete(struct trap_frame *r)
{
	const uint64_t slot = r->rdi;
	struct cap *c;
	if (!objects_reap())
		return STATUS_RESTART;
	CHECK(cap_lookup(SELF, slot, OBJ_NONE, 0, &c), "slot");
	if (!cap_delete_preemptible(c))
		return STATUS_RESTART; /* a mapped frame, unmapped in part: the same call goes on */
	objects_reap();
	return OK;
}

/* SYS_CAP_REVOKE (slot): as SYS_CAP_DELETE, earlier teardowns first. */
static enum moat_status sys_cap_revoke(struct trap_frame *r)
{
	const uint64_t slot = r->rdi;
	struct cap *c;
	if (!objects_reap())
		return STATUS_RESTART;
	CHECK(cap_lookup(SELF, slot, OBJ_NONE, 0, &c), "slot");
	return cap_revoke(c) ? OK : STATUS_RESTART;
}

/* SYS_CAP_INFO (slot) -> type, rights, badge, size */
static enum moat_status sys_cap_info(struct trap_frame *r)
{
	const uint64_t slot = r->rdi;
	struct cap *c;
	CHECK(cap_lookup(SELF, slot, OBJ_NONE, 0, &c), "slot");
	r->rdi = c->type == OBJ_FRAME ? frame_object_type(c) : c->type;
	r->rsi = c->rights;
	r->rdx = badgeable(c) ? c->badge : 0;
	r->r10 = c->type == OBJ_IOPORT ? ioport_count(c) : c->pages;
	return OK;
}

/* --- memory ------------------------------------------------------------- */

/* SYS_RETYPE (untyped, type, pages, dst, count): untyped_retype checks the rest. */
static enum moat_status sys_retype(struct trap_frame *r)
{
	const uint64_t ut_slot = r->rdi, type = r->rsi, pages = r->rdx;
	const uint64_t dst_slot = r->r10, count = r->r8;
	struct cap *ut;
	CHECK(cap_lookup(SELF, ut_slot, OBJ_UNTYPED, RIGHT_W, &ut), "untyped");
	enum moat_status st = untyped_retype(SELF, ut, type, pages, dst_slot, count);
	REFUSE_IF(st != OK && st != STATUS_RESTART, st, "type, pages, dst or count");
	return st; /* STATUS_RESTART: it stopped zeroing for another thread, and goes on */
}

/* SYS_MAP (frame, task, vaddr, rights): frame_map_task checks vaddr and rights against the frame. */
static enum moat_status sys_map(struct trap_frame *r)
{
	const uint64_t frame_slot = r->rdi, task_slot = r->rsi, vaddr = r->rdx, rights = r->r10;
	struct cap *frame;
	struct task *t;
	CHECK(cap_lookup(SELF, frame_slot, OBJ_FRAME, 0, &frame), "frame");
	CHECK(task_arg(task_slot, &t), "task");
	REFUSE_IF(rights & ~(uint64_t)(RIGHT_R | RIGHT_W | RIGHT_X), ERR_INVALID_ARG, "rights");
	int st = frame_map_task(frame, t, vaddr, rights);
	if (st == STATUS_RESTART)
		return st; /* it stopped between two pieces, and goes on */
	CHECK(st, "vaddr or rights");
	return OK;
}

/* SYS_UNMAP (frame) */
static enum moat_status sys_unmap(struct trap_frame *r)
{
	const uint64_t frame_slot = r->rdi;
	struct cap *frame;
	CHECK(cap_lookup(SELF, frame_slot, OBJ_FRAME, 0, &frame), "frame");
	REFUSE_IF(!frame_mapped(frame), ERR_INVALID_ARG, "frame (not mapped)");
	return frame_unmap_in_pieces(frame, sched_preemption_point) ? OK : STATUS_RESTART;
}

/* --- CPU budgets ---------------------------------------------------------- */

/* Microseconds to TSC counts (us is at most BUDGET_MAX_PERIOD_US: no overflow). */
static uint64_t us_to_tsc(uint64_t us)
{
	return us * (tsc_rate / 1000) / 1000;
}

/* SYS_TASK_SET_BUDGET (sched_control, task, budget_us, period_us, flags) */
static enum moat_status sys_task_set_budget(struct trap_frame *r)
{
	const uint64_t control_slot = r->rdi, task_slot = r->rsi, budget_us = r->rdx;
	const uint64_t period_us = r->r10, flags = r->r8;
	struct cap *control;
	struct task *t;
	CHECK(cap_lookup(SELF, control_slot, OBJ_SCHED_CONTROL, RIGHT_W, &control), "sched_control");
	CHECK(task_arg(task_slot, &t), "task");
	REFUSE_IF(flags & ~(uint64_t)BUDGET_BACKGROUND, ERR_INVALID_ARG, "flags");
	bool unlimited = budget_us == 0 && period_us == 0;
	REFUSE_IF(!unlimited && (period_us == 0 || period_us > BUDGET_MAX_PERIOD_US),
		  ERR_INVALID_ARG, "period_us");
	REFUSE_IF(!unlimited && (budget_us < BUDGET_MIN_US || budget_us > period_us),
		  ERR_INVALID_ARG, "budget_us");
	budget_set(t, us_to_tsc(budget_us), us_to_tsc(period_us), flags & BUDGET_BACKGROUND);
	return OK;
}

/* --- threads ------------------------------------------------------------ */

/* SYS_THREAD_CONFIGURE (thread, task, utcb_frame, fault_ep) */
static enum moat_status sys_thread_configure(struct trap_frame *r)
{
	const uint64_t thread_slot = r->rdi, task_slot = r->rsi;
	const uint64_t utcb_slot = r->rdx, fault_ep_slot = r->r10;
	struct thread *th;
	struct task *t;
	struct cap *utcb, *fault_ep;
	CHECK(thread_arg(thread_slot, &th), "thread");
	CHECK(task_arg(task_slot, &t), "task");
	CHECK(optional_cap(utcb_slot, OBJ_FRAME, RIGHT_R | RIGHT_W, &utcb), "utcb_frame");
	CHECK(optional_cap(fault_ep_slot, OBJ_ENDPOINT, RIGHT_W, &fault_ep), "fault_ep");
	REFUSE_IF(th->state != THREAD_INACTIVE || th == current, ERR_BUSY, "thread (not stopped)");
	thread_configure(th, t, utcb, fault_ep);
	return OK;
}

/* SYS_THREAD_START (thread, rip, rsp, arg) */
static enum moat_status sys_thread_start(struct trap_frame *r)
{
	const uint64_t thread_slot = r->rdi, rip = r->rsi, rsp = r->rdx, arg = r->r10;
	struct thread *th;
	CHECK(thread_arg(thread_slot, &th), "thread");
	REFUSE_IF(!th->task, ERR_INVALID_ARG, "thread (no task)");
	REFUSE_IF(th->state != THREAD_INACTIVE || th == current, ERR_BUSY, "thread (not stopped)");
	REFUSE_IF(rip >= USER_TOP, ERR_BAD_ADDRESS, "rip");
	thread_start(th, rip, rsp, arg);
	return OK;
}

/* SYS_THREAD_SUSPEND (thread): a thread or a vCPU */
static enum moat_status sys_thread_suspend(struct trap_frame *r)
{
	const uint64_t thread_slot = r->rdi;
	struct thread *th;
	CHECK(schedulable_arg(thread_slot, &th), "thread");
	thread_stop(th, ERR_CANCELED);
	return OK;
}

/* SYS_THREAD_RESUME (thread) */
static enum moat_status sys_thread_resume(struct trap_frame *r)
{
	const uint64_t thread_slot = r->rdi;
	struct thread *th;
	CHECK(thread_arg(thread_slot, &th), "thread");
	REFUSE_IF(!th->started || !th->task, ERR_INVALID_ARG, "thread (never started)");
	REFUSE_IF(th->state != THREAD_INACTIVE, ERR_BUSY, "thread (not stopped)");
	sched_make_runnable(th);
	return OK;
}

/* SYS_THREAD_SET_PRIORITY (thread, priority): a thread or a vCPU */
static enum moat_status sys_thread_set_priority(struct trap_frame *r)
{
	const uint64_t thread_slot = r->rdi, priority = r->rsi;
	struct thread *th;
	CHECK(schedulable_arg(thread_slot, &th), "thread");
	REFUSE_IF(priority > PRIORITY_MAX, ERR_INVALID_ARG, "priority");
	/* No thread raises another above itself. */
	REFUSE_IF(priority > current->priority, ERR_NO_RIGHTS, "priority (above the caller's)");
	sched_set_priority(th, priority);
	return OK;
}

/* SYS_THREAD_SET_CPU (thread, cpu): a thread or a vCPU */
static enum moat_status sys_thread_set_cpu(struct trap_frame *r)
{
	const uint64_t thread_slot = r->rdi, cpu = r->rsi;
	struct thread *th;
	CHECK(schedulable_arg(thread_slot, &th), "thread");
	REFUSE_IF(!cpu_runs_threads(cpu), ERR_INVALID_ARG, "cpu (not one that runs threads)");
	REFUSE_IF(th->vcpu && !cpus[cpu].vm_on, ERR_UNSUPPORTED,
		  "cpu (it runs no vCPU: VMX or SVM did not start there)");
	thread_set_cpu(th, cpu);
	return OK;
}

_Static_assert(sizeof(struct vm_sse_regs) <= sizeof(((struct utcb *)0)->mr), "SSE state fits the utcb");
_Static_assert(sizeof(struct vm_x87_regs) <= sizeof(((struct utcb *)0)->mr), "x87 state fits too");

/*
 * A vCPU whose SSE registers the caller may read or write: one that is not
 * runnable (stopped, or in an exit waiting for its handler), so nothing
 * changes them meanwhile.
 */
static enum moat_status vcpu_at_rest(uint64_t slot, struct vcpu **out)
{
	enum moat_status st = vcpu_arg(slot, out);
	if (st == OK && (*out)->thread->state == THREAD_RUNNABLE)
		return ERR_BUSY;
	return st;
}

/*
 * SYS_THREAD_READ_REGS and WRITE_REGS (vcpu, REGS_SSE or REGS_X87): struct
 * vm_sse_regs or struct vm_x87_regs into or from the caller's utcb->mr.
 * The kernel loads a written MXCSR itself at the vCPU's next entry
 * (FXRSTOR/XRSTOR, where a reserved bit would be the kernel's #GP): such
 * a write is refused here instead.  Nothing in the x87 part can make them
 * fault (its MXCSR bytes are not written); an unmasked exception it
 * leaves pending is the guest's #MF at its next x87 or MMX instruction.
 */
static enum moat_status vcpu_fpu_regs(struct trap_frame *r, uint64_t set, bool write)
{
	const uint64_t vcpu_slot = r->rdi;
	struct utcb *u = caller_utcb();
	struct vcpu *v;
	struct vm_sse_regs sse;
	struct vm_x87_regs x87;
	CHECK(vcpu_at_rest(vcpu_slot, &v), "vcpu (runnable, or not a vcpu)");
	REFUSE_IF(!u, ERR_BAD_ADDRESS, "the caller's utcb");
	thread_unload(v->thread); /* its FPU state may still be in its CPU's registers */
	if (set == REGS_X87 && write) {
		memcpy(&x87, u->mr, sizeof(x87));
		fpu_x87_write(v->thread, &x87);
	} else if (set == REGS_X87) {
		fpu_x87_read(v->thread, &x87);
		memcpy(u->mr, &x87, sizeof(x87));
	} else if (write) {
		memcpy(&sse, u->mr, sizeof(sse));
		REFUSE_IF(!fpu_mxcsr_valid(sse.mxcsr), ERR_INVALID_ARG, "mxcsr (a reserved bit)");
		fpu_sse_write(v->thread, &sse);
	} else {
		fpu_sse_read(v->thread, &sse);
		memcpy(u->mr, &sse, sizeof(sse));
	}
	return OK;
}

/* SYS_THREAD_READ_REGS (thread, set): REGS_USER's struct user_regs into the caller's utcb->mr */
static enum moat_status sys_thread_read_regs(struct trap_frame *r)
{
	const uint64_t thread_slot = r->rdi, set = r->rsi;
	struct utcb *u = caller_utcb();
	struct thread *th;
	if (set == REGS_SSE || set == REGS_X87)
		return vcpu_fpu_regs(r, set, false);
	REFUSE_IF(set != REGS_USER, ERR_INVALID_ARG, "set");
	CHECK(thread_arg(thread_slot, &th), "thread");
	REFUSE_IF(!u, ERR_BAD_ADDRESS, "the caller's utcb");
	thread_unload(th); /* running on another CPU: its registers are saved first */
	struct user_regs regs;
	thread_read_regs(th, &regs);
	memcpy(u->mr, &regs, sizeof(regs));
	return OK;
}

/* SYS_THREAD_WRITE_REGS (thread, set): REGS_USER's struct user_regs from the caller's utcb->mr */
static enum moat_status sys_thread_write_regs(struct trap_frame *r)
{
	const uint64_t thread_slot = r->rdi, set = r->rsi;
	struct utcb *u = caller_utcb();
	struct thread *th;
	if (set == REGS_SSE || set == REGS_X87)
		return vcpu_fpu_regs(r, set, true);
	REFUSE_IF(set != REGS_USER, ERR_INVALID_ARG, "set");
	CHECK(thread_arg(thread_slot, &th), "thread");
	REFUSE_IF(!u, ERR_BAD_ADDRESS, "the caller's utcb");
	REFUSE_IF(th == current, ERR_BUSY, "thread (the caller)");
	struct user_regs regs;
	memcpy(&regs, u->mr, sizeof(regs));
	REFUSE_IF(regs.rip >= USER_TOP, ERR_BAD_ADDRESS, "rip");
	thread_unload(th); /* running on another CPU: it stops there before they change */
	thread_write_regs(th, &regs);
	return OK;
}

/* --- virtual machines ---------------------------------------------------- */

/* SYS_GPA_MAP (frame, gpa_space, gpa, rights): frame_map_guest checks gpa and rights against the frame. */
static enum moat_status sys_gpa_map(struct trap_frame *r)
{
	const uint64_t frame_slot = r->rdi, space_slot = r->rsi, gpa = r->rdx, rights = r->r10;
	struct cap *frame, *space;
	CHECK(cap_lookup(SELF, frame_slot, OBJ_FRAME, 0, &frame), "frame");
	CHECK(cap_lookup(SELF, space_slot, OBJ_GPA_SPACE, RIGHT_W, &space), "gpa_space");
	REFUSE_IF(rights & ~(uint64_t)(RIGHT_R | RIGHT_W | RIGHT_X), ERR_INVALID_ARG, "rights");
	int st = frame_map_guest(frame, space->gpa_space, gpa, rights);
	if (st == STATUS_RESTART)
		return st; /* it stopped between two pieces, and goes on */
	CHECK(st, "gpa or rights");
	return OK;
}

/* Gives inactive vCPU v its guest-physical space (a copy of the capability of its own) and flags. */
static void configure_vcpu(struct vcpu *v, struct cap *space, uint32_t flags)
{
	cap_delete(&v->space);
	cap_derive(space, &v->space, RIGHTS_ALL, 0, 0);
	v->flags = flags;
	vcpu_set_space(v, space->gpa_space);
}

/* SYS_VCPU_CONFIGURE (vcpu, gpa_space, flags) */
static enum moat_status sys_vcpu_configure(struct trap_frame *r)
{
	const uint64_t vcpu_slot = r->rdi, space_slot = r->rsi, flags = r->rdx;
	struct vcpu *v;
	struct cap *space;
	CHECK(vcpu_arg(vcpu_slot, &v), "vcpu");
	CHECK(cap_lookup(SELF, space_slot, OBJ_GPA_SPACE, RIGHT_W, &space), "gpa_space");
	REFUSE_IF(flags & ~(uint64_t)VCPU_KERNEL_CPUID, ERR_INVALID_ARG, "flags");
	REFUSE_IF(flags & ~(uint64_t)VCPU_FLAGS_TAKEN, ERR_UNSUPPORTED, "flags (a measurement kernel's)");
	REFUSE_IF(v->thread->state != THREAD_INACTIVE, ERR_BUSY, "vcpu (not stopped)");
	configure_vcpu(v, space, flags);
	return OK;
}

/* Exit groups a binding may ask for: the reply-only groups are not state to read. */
#define EXIT_GROUPS (VMG_ALL & ~VMG_REPLY_ONLY)

static enum moat_status sys_vcpu_bind(struct trap_frame *r)
{
	const uint64_t vcpu_slot = r->rdi, reason = r->rsi, ep_slot = r->rdx, groups = r->r10;
	struct vcpu *v;
	struct cap *ep = 0;
	CHECK(vcpu_arg(vcpu_slot, &v), "vcpu");
	if (ep_slot != SLOT_NONE)
		CHECK(cap_lookup(SELF, ep_slot, OBJ_ENDPOINT, RIGHT_W, &ep), "endpoint");
	REFUSE_IF(reason >= VMEXIT_REASONS && reason != VMEXIT_RECALL && reason != VMEXIT_DEADLINE &&
		  reason != VMEXIT_DEFAULT,
		  ERR_INVALID_ARG, "reason");
	REFUSE_IF(groups & ~(uint64_t)EXIT_GROUPS, ERR_INVALID_ARG, "groups");
	CHECK(vcpu_bind(v, reason, ep, groups), "reason (every binding slot is taken)");
	return OK;
}

/* SYS_VCPU_WRITE_STATE (vcpu): guest state from the caller's utcb, in the exit message's layout */
static enum moat_status sys_vcpu_write_state(struct trap_frame *r)
{
	const uint64_t vcpu_slot = r->rdi;
	struct utcb *u = caller_utcb();
	struct vcpu *v;
	CHECK(vcpu_arg(vcpu_slot, &v), "vcpu");
	REFUSE_IF(!u, ERR_BAD_ADDRESS, "the caller's utcb");
	/* A running or exited vCPU's state changes through replies. */
	REFUSE_IF(v->thread->state != THREAD_INACTIVE, ERR_BUSY, "vcpu (not stopped)");
	uint64_t w[VMW_COUNT];
	memcpy(w, u->mr, sizeof(w));
	REFUSE_IF(w[VMW_MASK] & ~(uint64_t)VMG_ALL, ERR_INVALID_ARG, "state mask");
	CHECK(vcpu_backend->write_state(v, w[VMW_MASK], w), "state words");
	if (w[VMW_MASK] & VMG_DEADLINE)
		vcpu_deadline_set(v->thread, w[VMW_DEADLINE]);
	return OK;
}

/* SYS_VCPU_RUN (vcpu): start or resume the guest */
static enum moat_status sys_vcpu_run(struct trap_frame *r)
{
	const uint64_t vcpu_slot = r->rdi;
	struct vcpu *v;
	CHECK(vcpu_arg(vcpu_slot, &v), "vcpu");
	REFUSE_IF(v->space.type != OBJ_GPA_SPACE, ERR_INVALID_ARG, "vcpu (no guest memory)");
	REFUSE_IF(v->thread->state != THREAD_INACTIVE, ERR_BUSY, "vcpu (not stopped)");
	thread_charge_to(v->thread, SELF); /* its time is the runner's (docs/partitions.md) */
	thread_run(v->thread);
	return OK;
}

/* SYS_VCPU_RECALL (vcpu) */
static enum moat_status sys_vcpu_recall(struct trap_frame *r)
{
	const uint64_t vcpu_slot = r->rdi;
	struct vcpu *v;
	CHECK(vcpu_arg(vcpu_slot, &v), "vcpu");
	vcpu_entry_work_set(v, VCPU_ENTRY_RECALL); /* taken before its next VM entry */
	thread_kick(v->thread);
	return OK;
}

/* --- devices ------------------------------------------------------------ */

/* SYS_IRQ_BIND (irq, ntfn): irq_bind refuses the cascade line, one with no pin and a bound one. */
static enum moat_status sys_irq_bind(struct trap_frame *r)
{
	const uint64_t irq_slot = r->rdi, ntfn_slot = r->rsi;
	struct cap *irq, *n;
	CHECK(cap_lookup(SELF, irq_slot, OBJ_IRQ, RIGHT_W, &irq), "irq");
	CHECK(cap_lookup(SELF, ntfn_slot, OBJ_NOTIFICATION, RIGHT_W, &n), "ntfn");
	CHECK(irq_bind(irq->irq, n->notification, n->badge), "irq (cascade, no pin, or bound)");
	return OK;
}

/* SYS_IRQ_ACK (irq): irq_ack refuses a line bound to nothing. */
static enum moat_status sys_irq_ack(struct trap_frame *r)
{
	const uint64_t irq_slot = r->rdi;
	struct cap *irq;
	CHECK(cap_lookup(SELF, irq_slot, OBJ_IRQ, RIGHT_W, &irq), "irq");
	CHECK(irq_ack(irq->irq), "irq (not bound)");
	return OK;
}

/*
 * SYS_IRQ_SET_CPU (irq, cpu): a CPU that runs threads; irq_set_cpu refuses
 * the cascade line, one with no pin, and any CPU but 0 for the 8259s.
 */
static enum moat_status sys_irq_set_cpu(struct trap_frame *r)
{
	const uint64_t irq_slot = r->rdi, cpu = r->rsi;
	struct cap *irq;
	CHECK(cap_lookup(SELF, irq_slot, OBJ_IRQ, RIGHT_W, &irq), "irq");
	REFUSE_IF(!cpu_runs_threads(cpu), ERR_INVALID_ARG, "cpu (not one that runs threads)");
	CHECK(irq_set_cpu(irq->irq, (unsigned)cpu), "irq (cascade, no pin) or cpu (the 8259s: 0 only)");
	return OK;
}

/* SYS_IOPORT_DERIVE (ioport, first, last, dst) */
static enum moat_status sys_ioport_derive(struct trap_frame *r)
{
	const uint64_t ports_slot = r->rdi, first = r->rsi, last = r->rdx, dst_slot = r->r10;
	struct cap *ports, *dst;
	CHECK(cap_lookup(SELF, ports_slot, OBJ_IOPORT, 0, &ports), "ioport");
	CHECK(cap_empty_slot(SELF, dst_slot, &dst), "dst");
	REFUSE_IF(!ioport_covers(ports, first, last), ERR_INVALID_ARG, "first or last");
	ioport_derive(ports, dst, first, last, SELF);
	return OK;
}

/* --- debug console ------------------------------------------------------ */

static enum moat_status console_arg(uint64_t slot, uint32_t rights)
{
	struct cap *c;
	return cap_lookup(SELF, slot, OBJ_CONSOLE, rights, &c);
}

#define DEBUG_WRITE_MAX 4096

/* SYS_DEBUG_WRITE (console, buf, len) */
static enum moat_status sys_debug_write(struct trap_frame *r)
{
	static char kbuf[DEBUG_WRITE_MAX];
	const uint64_t console_slot = r->rdi, buf = r->rsi, len = r->rdx;
	CHECK(console_arg(console_slot, RIGHT_W), "console");
	REFUSE_IF(len > DEBUG_WRITE_MAX, ERR_INVALID_ARG, "len");
	CHECK(copy_from_user(SELF, kbuf, buf, len), "buf");
	return console_write(kbuf, len);
}

/* SYS_CONSOLE_TAKE (console, ntfn): the console's driver takes the kernel's output over. */
static enum moat_status sys_console_take(struct trap_frame *r)
{
	const uint64_t console_slot = r->rdi, ntfn_slot = r->rsi;
	struct cap *n;
	CHECK(console_arg(console_slot, RIGHT_R), "console");
	CHECK(cap_lookup(SELF, ntfn_slot, OBJ_NOTIFICATION, RIGHT_W, &n), "ntfn");
	console_take(n->notification, n->badge);
	return OK;
}

/* SYS_CONSOLE_READ (console, max): up to max bytes (one line at most) into the utcb -> bytes */
static enum moat_status sys_console_read(struct trap_frame *r)
{
	const uint64_t console_slot = r->rdi, max = r->rsi;
	struct utcb *u = caller_utcb();
	CHECK(console_arg(console_slot, RIGHT_R), "console");
	REFUSE_IF(!u, ERR_BAD_ADDRESS, "the caller's utcb");
	REFUSE_IF(max > sizeof(u->mr), ERR_INVALID_ARG, "max");
	r->rdi = console_read(current->id, (char *)u->mr, max);
	return OK;
}

/* SYS_DEBUG_EXIT (console, status) */
static enum moat_status sys_debug_exit(struct trap_frame *r)
{
	const uint64_t console_slot = r->rdi, status = r->rsi;
	CHECK(console_arg(console_slot, RIGHT_W), "console");
	bkl_report();
	console_exit(status ? EXIT_TESTS_FAILED : EXIT_TESTS_PASSED, current->id);
	/* the console's driver finishes its write first: the caller stops meanwhile */
	thread_stop(current, ERR_CANCELED);
	return ERR_CANCELED;
}

/*
 * SYS_DEBUG_CHECK (console, scope) -> number of broken invariants; or,
 * with scope DEBUG_LOCK_HOLD, the kernel lock's longest hold so far (TSC
 * counts) and its reason (BKL_REASON_*): what bkl_report prints, for a
 * test that holds it to a bound.
 */
static enum moat_status sys_debug_check(struct trap_frame *r)
{
	const uint64_t console_slot = r->rdi, scope = r->rsi; /* DEBUG_CHECK_*, 0 for all */
	CHECK(console_arg(console_slot, RIGHT_W), "console");
	const uint64_t checks = DEBUG_CHECK_OBJECTS | DEBUG_CHECK_HARDWARE | DEBUG_CHECK_OTHER_CPUS;
	REFUSE_IF(scope != DEBUG_LOCK_HOLD && (scope & ~checks), ERR_INVALID_ARG,
		  "scope (a bit that names no check, or DEBUG_LOCK_HOLD with others)");
	REFUSE_IF((scope & DEBUG_CHECK_OTHER_CPUS) && !(scope & DEBUG_CHECK_HARDWARE), ERR_INVALID_ARG,
		  "scope (DEBUG_CHECK_OTHER_CPUS without DEBUG_CHECK_HARDWARE)");
	if (scope == DEBUG_LOCK_HOLD) {
		r->rdi = bkl_longest_hold;
		r->rsi = bkl_longest_reason;
		return OK;
	}
	r->rdi = kcheck_invariants(scope);
	bkl_hold_restart(); /* the checker's walk is not a hold the figure counts */
	return OK;
}

/*
 * SYS_DEBUG_CPU_COUNTS (console, cpu) -> device interrupts, kicks, ticks:
 * what a listed CPU has taken since boot (test scaffolding: where
 * interrupts come, and whether a CPU took any at all).
 */
static enum moat_status sys_debug_cpu_counts(struct trap_frame *r)
{
	const uint64_t console_slot = r->rdi, cpu = r->rsi;
	CHECK(console_arg(console_slot, RIGHT_W), "console");
	REFUSE_IF(cpu >= n_cpus, ERR_INVALID_ARG, "cpu (not one the machine lists)");
	r->rdi = cpus[cpu].device_irqs;
	r->rsi = cpus[cpu].kicks;
	r->rdx = cpus[cpu].ticks;
	return OK;
}

typedef enum moat_status syscall_handler(struct trap_frame *r);

/* By number; an entry left out stays NULL, and the dispatcher refuses its number. */
static syscall_handler *const syscalls[SYS_COUNT] = {
	[SYS_SEND] = sys_send,
	[SYS_RECV] = sys_recv,
	[SYS_CALL] = sys_call,
	[SYS_REPLY] = sys_reply,
	[SYS_REPLY_RECV] = sys_reply_recv,
	[SYS_NB_SEND] = sys_nb_send,
	[SYS_NB_RECV] = sys_nb_recv,
	[SYS_SIGNAL] = sys_signal,
	[SYS_WAIT] = sys_wait,
	[SYS_POLL] = sys_poll,
	[SYS_YIELD] = sys_yield,
	[SYS_CAP_COPY] = sys_cap_copy,
	[SYS_CAP_MOVE] = sys_cap_move,
	[SYS_CAP_DELETE] = sys_cap_delete,
	[SYS_CAP_REVOKE] = sys_cap_revoke,
	[SYS_CAP_INFO] = sys_cap_info,
	[SYS_RETYPE] = sys_retype,
	[SYS_MAP] = sys_map,
	[SYS_UNMAP] = sys_unmap,
	[SYS_THREAD_CONFIGURE] = sys_thread_configure,
	[SYS_THREAD_START] = sys_thread_start,
	[SYS_THREAD_SUSPEND] = sys_thread_suspend,
	[SYS_THREAD_RESUME] = sys_thread_resume,
	[SYS_THREAD_SET_PRIORITY] = sys_thread_set_priority,
	[SYS_THREAD_READ_REGS] = sys_thread_read_regs,
	[SYS_THREAD_WRITE_REGS] = sys_thread_write_regs,
	[SYS_IRQ_BIND] = sys_irq_bind,
	[SYS_IRQ_ACK] = sys_irq_ack,
	[SYS_IOPORT_DERIVE] = sys_ioport_derive,
	[SYS_DEBUG_WRITE] = sys_debug_write,
	[SYS_DEBUG_EXIT] = sys_debug_exit,
	[SYS_DEBUG_CHECK] = sys_debug_check,
	[SYS_GPA_MAP] = sys_gpa_map,
	[SYS_VCPU_CONFIGURE] = sys_vcpu_configure,
	[SYS_VCPU_BIND] = sys_vcpu_bind,
	[SYS_VCPU_WRITE_STATE] = sys_vcpu_write_state,
	[SYS_VCPU_RUN] = sys_vcpu_run,
	[SYS_VCPU_RECALL] = sys_vcpu_recall,
	[SYS_THREAD_SET_CPU] = sys_thread_set_cpu,
	[SYS_CONSOLE_TAKE] = sys_console_take,
	[SYS_CONSOLE_READ] = sys_console_read,
	[SYS_WAIT_UNTIL] = sys_wait_until,
	[SYS_TASK_SET_BUDGET] = sys_task_set_budget,
	[SYS_IRQ_SET_CPU] = sys_irq_set_cpu,
	[SYS_DEBUG_CPU_COUNTS] = sys_debug_cpu_counts,
};

/* Entered from entry.S (after the fast path declined) with the registers in current->regs. */
void syscall_dispatch(void)
{
	struct trap_frame *r = &current->regs;
	const uint64_t nr = r->rax;
	syscall_handler *handler = nr < SYS_COUNT ? syscalls[nr] : 0;
	enum moat_status st = handler ? handler(r) : refused(__func__, "number", ERR_INVALID_SYSCALL);
	/*
	 * STATUS_RESTART puts the caller's rip back on its syscall
	 * instruction, with rax still the syscall number: it makes the same
	 * call when it next runs, and the handler looks everything up afresh
	 * and goes on where it stopped.
	 */
	if (st == STATUS_RESTART)
		r->rip -= SYSCALL_INSN_BYTES; /* a syscall_entry frame: sysret goes back to the syscall */
	else if (st != STATUS_BLOCKED)
		r->rax = st;
	return_to_user();
}

_Static_assert(USER_TOP == 0x00007ffffffff000ULL, "entry.S checks sysret's rip against this");

void syscall_init(void)
{
	/* syscall loads CS = 0x08, SS = 0x10; sysretq (enter_user, for syscall frames) 0x23/0x1b. */
	wrmsr(MSR_STAR, ((uint64_t)SEL_KCODE << 32) | ((uint64_t)(SEL_UDATA - 8 - 3) << 48));
	wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
	/*
	 * Flags the kernel must not inherit from the caller, cleared on entry:
	 * TF, IF, DF, IOPL, NT (an iretq with NT set faults in ring 0), RF and
	 * AC.  The caller gets its own back from r11 at sysret.
	 */
	wrmsr(MSR_SFMASK, RFLAGS_TF | RFLAGS_IF | RFLAGS_DF | RFLAGS_IOPL | RFLAGS_NT | RFLAGS_RF |
				 RFLAGS_AC);
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
	/* What RDTSCP gives a task: the CPU's number.  A guest's own never shows (vcpu_*.c). */
	if (cpu_has_rdtscp())
		wrmsr(MSR_TSC_AUX, percpu->id);
}
