/*
 * The syscall dispatcher and handlers.  Each handler has the same shape:
 * look up and check every capability and argument (each check ends with
 * an error status), then one call that does the work.  A handler's return
 * value goes to the caller's rax, except SYSCALL_BLOCKED: then the caller
 * waits and its status is written when it wakes; and SYSCALL_RESTART: the
 * call stopped early (a long revoke made way) and runs again.
 */
#include "cap.h"
#include "gpa_space.h"
#include "ipc.h"
#include "irq.h"
#include "kcheck.h"
#include "log.h"
#include "mem.h"
#include "memory.h"
#include "panic.h"
#include "syscall.h"
#include "task.h"
#include "thread.h"
#include "untyped.h"
#include "vcpu.h"
#include "x86.h"

#define SELF (current->task)

/*
 * A handler's status for "stopped early to let others run; run me again":
 * the caller's rip goes back to its syscall instruction and rax keeps the
 * syscall number, so the caller makes the same call when it next runs and
 * the handler looks everything up afresh and goes on where it stopped.
 */
#define SYSCALL_RESTART (-2L)
#define SYSCALL_INSN_BYTES 2

/* The task named by a task argument: the caller's own, or one it holds with W. */
static int task_arg(uint64_t slot, struct task **out)
{
	if (slot == TASK_SELF) {
		*out = SELF;
		return OK;
	}
	struct cap *c;
	int st = cap_lookup(SELF, slot, OBJ_TASK, RIGHT_W, &c);
	if (st == OK)
		*out = (struct task *)c->obj;
	return st;
}

static int thread_arg(uint64_t slot, struct thread **out)
{
	struct cap *c;
	int st = cap_lookup(SELF, slot, OBJ_THREAD, RIGHT_W, &c);
	if (st == OK)
		*out = (struct thread *)c->obj;
	return st;
}

/* A thread or a vCPU (which is scheduled like one), held with W. */
static int schedulable_arg(uint64_t slot, struct thread **out)
{
	struct cap *c;
	int st = cap_lookup(SELF, slot, OBJ_NONE, RIGHT_W, &c);
	if (st != OK)
		return st;
	if (c->type != OBJ_THREAD && c->type != OBJ_VCPU)
		return ERR_WRONG_TYPE;
	*out = (struct thread *)c->obj;
	return OK;
}

static int vcpu_arg(uint64_t slot, struct vcpu **out)
{
	struct cap *c;
	int st = cap_lookup(SELF, slot, OBJ_VCPU, RIGHT_W, &c);
	if (st == OK)
		*out = ((struct thread *)c->obj)->vcpu;
	return st;
}

static struct utcb *caller_utcb(void)
{
	return current->utcb.type == OBJ_FRAME ? phys_to_virt(current->utcb.obj) : 0;
}

/* --- IPC ---------------------------------------------------------------- */

static long send_common(struct trap_frame *r, bool call, bool nonblock)
{
	struct cap *ep;
	int st = cap_lookup(SELF, r->rdi, OBJ_ENDPOINT, RIGHT_W, &ep);
	if (st != OK)
		return st;
	return ipc_send(current, ep, call, nonblock);
}

static long recv_common(struct trap_frame *r, bool nonblock)
{
	struct cap *ep;
	int st = cap_lookup(SELF, r->rdi, OBJ_ENDPOINT, RIGHT_R, &ep);
	if (st != OK)
		return st;
	return ipc_recv(current, (struct endpoint *)ep->obj, nonblock);
}

static long sys_send(struct trap_frame *r)    { return send_common(r, false, false); }
static long sys_nb_send(struct trap_frame *r) { return send_common(r, false, true); }
static long sys_call(struct trap_frame *r)    { return send_common(r, true, false); }
static long sys_recv(struct trap_frame *r)    { return recv_common(r, false); }
static long sys_nb_recv(struct trap_frame *r) { return recv_common(r, true); }

static long sys_reply(struct trap_frame *r)
{
	(void)r;
	return ipc_reply(current);
}

/*
 * Reply, then receive; when the receive blocks, run the thread just
 * answered if the scheduler would not rather run another (a higher
 * priority, or a peer once the answered thread's slice is up).
 */
static long sys_reply_recv(struct trap_frame *r)
{
	struct cap *ep;
	int st = cap_lookup(SELF, r->rdi, OBJ_ENDPOINT, RIGHT_R, &ep);
	if (st != OK)
		return st;
	struct thread *answered = current->caller;
	long reply_st = ipc_reply(current);
	if (reply_st != OK && reply_st != ERR_NO_REPLY)
		return reply_st; /* refused (a vCPU's reply): it still waits, nothing is received */
	long rst = ipc_recv(current, (struct endpoint *)ep->obj, false);
	if (rst == SYSCALL_BLOCKED && answered && answered->state == THREAD_RUNNABLE) {
		sched_remove(answered);
		if (sched_must_yield(answered))
			sched_make_runnable(answered); /* back to the tail: schedule() picks */
		else
			current = answered;
	}
	return rst;
}

/* --- notifications ------------------------------------------------------ */

static long sys_signal(struct trap_frame *r)
{
	struct cap *c;
	int st = cap_lookup(SELF, r->rdi, OBJ_NOTIFICATION, RIGHT_W, &c);
	if (st != OK)
		return st;
	notification_signal((struct notification *)c->obj, c->badge ? c->badge : 1);
	return OK;
}

static long wait_common(struct trap_frame *r, bool nonblock)
{
	struct cap *c;
	int st = cap_lookup(SELF, r->rdi, OBJ_NOTIFICATION, RIGHT_R, &c);
	if (st != OK)
		return st;
	return notification_wait(current, (struct notification *)c->obj, nonblock);
}

static long sys_wait(struct trap_frame *r) { return wait_common(r, false); }
static long sys_poll(struct trap_frame *r) { return wait_common(r, true); }

static long sys_yield(struct trap_frame *r)
{
	(void)r;
	current->timeslice = 0;
	return OK;
}

/* --- capabilities ------------------------------------------------------- */

static bool badgeable(const struct cap *c)
{
	return c->type == OBJ_ENDPOINT || c->type == OBJ_NOTIFICATION;
}

static long sys_cap_copy(struct trap_frame *r)
{
	struct cap *src, *dst;
	struct task *dt;
	int st = cap_lookup(SELF, r->rdi, OBJ_NONE, 0, &src);
	if (st == OK)
		st = task_arg(r->rsi, &dt);
	if (st == OK)
		st = cap_empty_slot(dt, r->rdx, &dst);
	if (st != OK)
		return st;
	if (!cap_copyable(src))
		return ERR_WRONG_TYPE;
	if (r->r10 & ~(uint64_t)RIGHTS_ALL)
		return ERR_INVALID_ARG;
	if (r->r8 && (!badgeable(src) || src->badge))
		return ERR_INVALID_ARG; /* only an unbadged endpoint or notification takes a badge */
	cap_derive(src, dst, r->r10, r->r8, dt);
	return OK;
}

static long sys_cap_move(struct trap_frame *r)
{
	struct cap *src, *dst;
	struct task *dt;
	int st = cap_lookup(SELF, r->rdi, OBJ_NONE, 0, &src);
	if (st == OK)
		st = task_arg(r->rsi, &dt);
	if (st == OK)
		st = cap_empty_slot(dt, r->rdx, &dst);
	if (st != OK)
		return st;
	cap_move(src, dst, dt);
	return OK;
}

static long sys_cap_delete(struct trap_frame *r)
{
	struct cap *c;
	int st = cap_lookup(SELF, r->rdi, OBJ_NONE, 0, &c);
	if (st != OK)
		return st;
	cap_delete(c);
	return OK;
}

static long sys_cap_revoke(struct trap_frame *r)
{
	struct cap *c;
	int st = cap_lookup(SELF, r->rdi, OBJ_NONE, 0, &c);
	if (st != OK)
		return st;
	return cap_revoke(c) ? OK : SYSCALL_RESTART;
}

static long sys_cap_info(struct trap_frame *r)
{
	struct cap *c;
	int st = cap_lookup(SELF, r->rdi, OBJ_NONE, 0, &c);
	if (st != OK)
		return st;
	r->rdi = c->type;
	r->rsi = c->rights;
	r->rdx = badgeable(c) ? c->badge : 0;
	r->r10 = c->type == OBJ_IOPORT ? IOPORT_LAST(c) - IOPORT_FIRST(c) + 1 : c->pages;
	return OK;
}

/* --- memory ------------------------------------------------------------- */

static long sys_retype(struct trap_frame *r)
{
	struct cap *ut;
	int st = cap_lookup(SELF, r->rdi, OBJ_UNTYPED, RIGHT_W, &ut);
	if (st != OK)
		return st;
	return untyped_retype(SELF, ut, r->rsi, r->rdx, r->r10, r->r8);
}

static long sys_map(struct trap_frame *r)
{
	struct cap *frame;
	struct task *t;
	int st = cap_lookup(SELF, r->rdi, OBJ_FRAME, 0, &frame);
	if (st == OK)
		st = task_arg(r->rsi, &t);
	if (st != OK)
		return st;
	if (r->r10 & ~(uint64_t)(RIGHT_R | RIGHT_W | RIGHT_X))
		return ERR_INVALID_ARG;
	return task_map_frame(t, frame, r->rdx, r->r10);
}

static long sys_unmap(struct trap_frame *r)
{
	struct cap *frame;
	int st = cap_lookup(SELF, r->rdi, OBJ_FRAME, 0, &frame);
	if (st != OK)
		return st;
	if (!frame->owner)
		return ERR_INVALID_ARG;
	frame_unmap(frame);
	return OK;
}

/* --- threads ------------------------------------------------------------ */

/* Replaces one of a thread's own capability copies (UTCB, fault endpoint). */
static int set_thread_cap(struct cap *dst, uint64_t slot, unsigned type, unsigned rights)
{
	struct cap *src = 0;
	if (slot != SLOT_NONE) {
		int st = cap_lookup(SELF, slot, type, rights, &src);
		if (st != OK)
			return st;
	}
	cap_delete(dst);
	if (src)
		cap_derive(src, dst, RIGHTS_ALL, 0, 0);
	return OK;
}

static long sys_thread_configure(struct trap_frame *r)
{
	struct thread *th;
	struct task *t;
	struct cap *probe;
	int st = thread_arg(r->rdi, &th);
	if (st == OK)
		st = task_arg(r->rsi, &t);
	if (st == OK && r->rdx != SLOT_NONE)
		st = cap_lookup(SELF, r->rdx, OBJ_FRAME, RIGHT_R | RIGHT_W, &probe);
	if (st == OK && r->r10 != SLOT_NONE)
		st = cap_lookup(SELF, r->r10, OBJ_ENDPOINT, RIGHT_W, &probe);
	if (st != OK)
		return st;
	if (th->state != THREAD_INACTIVE || th == current)
		return ERR_BUSY;
	set_thread_cap(&th->utcb, r->rdx, OBJ_FRAME, RIGHT_R | RIGHT_W);
	set_thread_cap(&th->fault_ep, r->r10, OBJ_ENDPOINT, RIGHT_W);
	if (th->task != t)
		thread_set_task(th, t);
	return OK;
}

static long sys_thread_start(struct trap_frame *r)
{
	struct thread *th;
	int st = thread_arg(r->rdi, &th);
	if (st != OK)
		return st;
	if (!th->task)
		return ERR_INVALID_ARG;
	if (th->state != THREAD_INACTIVE || th == current)
		return ERR_BUSY;
	if (r->rsi >= USER_TOP)
		return ERR_BAD_ADDRESS;
	th->started = true;
	thread_start(th, r->rsi, r->rdx, r->r10);
	return OK;
}

static long sys_thread_suspend(struct trap_frame *r)
{
	struct thread *th;
	int st = schedulable_arg(r->rdi, &th);
	if (st != OK)
		return st;
	thread_stop(th, ERR_CANCELED);
	return OK;
}

static long sys_thread_resume(struct trap_frame *r)
{
	struct thread *th;
	int st = thread_arg(r->rdi, &th);
	if (st != OK)
		return st;
	if (!th->started || !th->task)
		return ERR_INVALID_ARG;
	if (th->state != THREAD_INACTIVE)
		return ERR_BUSY;
	sched_make_runnable(th);
	return OK;
}

static long sys_thread_set_priority(struct trap_frame *r)
{
	struct thread *th;
	int st = schedulable_arg(r->rdi, &th);
	if (st != OK)
		return st;
	if (r->rsi > PRIORITY_MAX)
		return ERR_INVALID_ARG;
	if (r->rsi > current->priority)
		return ERR_NO_RIGHTS; /* no thread raises another above itself */
	bool queued = th->state == THREAD_RUNNABLE && th != current;
	if (queued)
		sched_remove(th);
	th->priority = r->rsi;
	if (queued)
		sched_make_runnable(th);
	return OK;
}

static long sys_thread_read_regs(struct trap_frame *r)
{
	struct thread *th;
	struct utcb *u = caller_utcb();
	int st = thread_arg(r->rdi, &th);
	if (st != OK)
		return st;
	if (!u)
		return ERR_BAD_ADDRESS;
	const struct trap_frame *f = &th->regs;
	struct user_regs v = {
		f->rax, f->rbx, f->rcx, f->rdx, f->rsi, f->rdi, f->rbp, f->rsp,
		f->r8, f->r9, f->r10, f->r11, f->r12, f->r13, f->r14, f->r15, f->rip, f->rflags,
	};
	memcpy(u->mr, &v, sizeof(v));
	return OK;
}

/* Flags a user thread may set: the arithmetic flags, DF and AC; IF always on. */
#define USER_RFLAGS 0x40cd5UL

static long sys_thread_write_regs(struct trap_frame *r)
{
	struct thread *th;
	struct utcb *u = caller_utcb();
	int st = thread_arg(r->rdi, &th);
	if (st != OK)
		return st;
	if (!u)
		return ERR_BAD_ADDRESS;
	if (th == current)
		return ERR_BUSY;
	struct user_regs v;
	memcpy(&v, u->mr, sizeof(v));
	if (v.rip >= USER_TOP)
		return ERR_BAD_ADDRESS;
	struct trap_frame *f = &th->regs;
	f->rax = v.rax, f->rbx = v.rbx, f->rcx = v.rcx, f->rdx = v.rdx;
	f->rsi = v.rsi, f->rdi = v.rdi, f->rbp = v.rbp, f->rsp = v.rsp;
	f->r8 = v.r8, f->r9 = v.r9, f->r10 = v.r10, f->r11 = v.r11;
	f->r12 = v.r12, f->r13 = v.r13, f->r14 = v.r14, f->r15 = v.r15;
	f->rip = v.rip;
	f->rflags = (v.rflags & USER_RFLAGS) | RFLAGS_IF | 2;
	f->vector = VEC_NONE; /* every register now matters: leave with iretq */
	return OK;
}

/* --- virtual machines ---------------------------------------------------- */

static long sys_gpa_map(struct trap_frame *r)
{
	struct cap *frame, *space;
	int st = cap_lookup(SELF, r->rdi, OBJ_FRAME, 0, &frame);
	if (st == OK)
		st = cap_lookup(SELF, r->rsi, OBJ_GPA_SPACE, RIGHT_W, &space);
	if (st != OK)
		return st;
	if (r->r10 & ~(uint64_t)(RIGHT_R | RIGHT_W | RIGHT_X))
		return ERR_INVALID_ARG;
	return gpa_map_frame((struct gpa_space *)space->obj, frame, r->rdx, r->r10);
}

static long sys_vcpu_configure(struct trap_frame *r)
{
	struct vcpu *v;
	struct cap *space;
	int st = vcpu_arg(r->rdi, &v);
	if (st == OK)
		st = cap_lookup(SELF, r->rsi, OBJ_GPA_SPACE, RIGHT_W, &space);
	if (st != OK)
		return st;
	if (r->rdx & ~(uint64_t)VCPU_KERNEL_CPUID)
		return ERR_INVALID_ARG;
	if (v->thread->state != THREAD_INACTIVE)
		return ERR_BUSY;
	cap_delete(&v->space);
	cap_derive(space, &v->space, RIGHTS_ALL, 0, 0);
	v->flags = r->rdx;
	vcpu_set_space(v, (struct gpa_space *)space->obj);
	return OK;
}

/* Exit groups a binding may ask for: the reply-only groups are not state to read. */
#define EXIT_GROUPS (VMG_ALL & ~(VMG_INJECT | VMG_CONTROLS))

static long sys_vcpu_bind(struct trap_frame *r)
{
	struct vcpu *v;
	struct cap *ep = 0;
	int st = vcpu_arg(r->rdi, &v);
	if (st == OK && r->rdx != SLOT_NONE)
		st = cap_lookup(SELF, r->rdx, OBJ_ENDPOINT, RIGHT_W, &ep);
	if (st != OK)
		return st;
	if ((r->rsi >= VMX_EXIT_REASONS && r->rsi != VMEXIT_RECALL && r->rsi != VMEXIT_DEFAULT) ||
	    (r->r10 & ~(uint64_t)EXIT_GROUPS))
		return ERR_INVALID_ARG;
	return vcpu_bind(v, r->rsi, ep, r->r10);
}

static long sys_vcpu_write_state(struct trap_frame *r)
{
	struct vcpu *v;
	struct utcb *u = caller_utcb();
	int st = vcpu_arg(r->rdi, &v);
	if (st != OK)
		return st;
	if (!u)
		return ERR_BAD_ADDRESS;
	if (v->thread->state != THREAD_INACTIVE)
		return ERR_BUSY; /* a running or exited vCPU's state changes through replies */
	uint64_t w[VMW_COUNT];
	memcpy(w, u->mr, sizeof(w));
	if (w[VMW_MASK] & ~(uint64_t)VMG_ALL)
		return ERR_INVALID_ARG;
	return vcpu_backend->write_state(v, w[VMW_MASK], w);
}

static long sys_vcpu_run(struct trap_frame *r)
{
	struct vcpu *v;
	int st = vcpu_arg(r->rdi, &v);
	if (st != OK)
		return st;
	if (v->space.type != OBJ_GPA_SPACE)
		return ERR_INVALID_ARG; /* no guest memory yet */
	if (v->thread->state != THREAD_INACTIVE)
		return ERR_BUSY;
	v->thread->started = true;
	sched_make_runnable(v->thread);
	return OK;
}

static long sys_vcpu_recall(struct trap_frame *r)
{
	struct vcpu *v;
	int st = vcpu_arg(r->rdi, &v);
	if (st != OK)
		return st;
	v->recall = true; /* taken before its next VM entry */
	return OK;
}

/* --- devices ------------------------------------------------------------ */

static long sys_irq_bind(struct trap_frame *r)
{
	struct cap *irq, *n;
	int st = cap_lookup(SELF, r->rdi, OBJ_IRQ, RIGHT_W, &irq);
	if (st == OK)
		st = cap_lookup(SELF, r->rsi, OBJ_NOTIFICATION, RIGHT_W, &n);
	if (st != OK)
		return st;
	return irq_bind(irq->obj, (struct notification *)n->obj, n->badge);
}

static long sys_irq_ack(struct trap_frame *r)
{
	struct cap *irq;
	int st = cap_lookup(SELF, r->rdi, OBJ_IRQ, RIGHT_W, &irq);
	if (st != OK)
		return st;
	return irq_ack(irq->obj);
}

static long sys_ioport_derive(struct trap_frame *r)
{
	struct cap *ports, *dst;
	int st = cap_lookup(SELF, r->rdi, OBJ_IOPORT, 0, &ports);
	if (st == OK)
		st = cap_empty_slot(SELF, r->r10, &dst);
	if (st != OK)
		return st;
	if (r->rsi > r->rdx || r->rsi < IOPORT_FIRST(ports) || r->rdx > IOPORT_LAST(ports))
		return ERR_INVALID_ARG;
	cap_derive(ports, dst, RIGHTS_ALL, 0, SELF);
	dst->pages = r->rsi | r->rdx << 16;
	task_update_ports(SELF);
	return OK;
}

/* --- debug console ------------------------------------------------------ */

static int console_arg(uint64_t slot, uint32_t rights)
{
	struct cap *c;
	return cap_lookup(SELF, slot, OBJ_CONSOLE, rights, &c);
}

#define DEBUG_WRITE_MAX 4096

static long sys_debug_write(struct trap_frame *r)
{
	static char buf[DEBUG_WRITE_MAX];
	int st = console_arg(r->rdi, RIGHT_W);
	if (st != OK)
		return st;
	if (r->rdx > DEBUG_WRITE_MAX)
		return ERR_INVALID_ARG;
	st = copy_from_user(SELF, buf, r->rsi, r->rdx);
	if (st != OK)
		return st;
	return console_write(buf, r->rdx);
}

/* The console's driver takes the kernel's output over: signal rsi's notification for it. */
static long sys_console_take(struct trap_frame *r)
{
	struct cap *n;
	int st = console_arg(r->rdi, RIGHT_R);
	if (st == OK)
		st = cap_lookup(SELF, r->rsi, OBJ_NOTIFICATION, RIGHT_W, &n);
	if (st != OK)
		return st;
	console_take((struct notification *)n->obj, n->badge);
	return OK;
}

/* Up to rsi bytes (one line at most) of the kernel's output into the UTCB; the count in rdi. */
static long sys_console_read(struct trap_frame *r)
{
	struct utcb *u = caller_utcb();
	int st = console_arg(r->rdi, RIGHT_R);
	if (st != OK)
		return st;
	if (!u)
		return ERR_BAD_ADDRESS;
	if (r->rsi > sizeof(u->mr))
		return ERR_INVALID_ARG;
	r->rdi = console_read((char *)u->mr, r->rsi);
	return OK;
}

static long sys_debug_exit(struct trap_frame *r)
{
	int st = console_arg(r->rdi, RIGHT_W);
	if (st != OK)
		return st;
	machine_exit(r->rsi ? EXIT_TESTS_FAILED : EXIT_TESTS_PASSED);
}

static long sys_debug_check(struct trap_frame *r)
{
	int st = console_arg(r->rdi, RIGHT_W);
	if (st != OK)
		return st;
	r->rdi = kcheck_invariants(r->rsi); /* rsi: DEBUG_CHECK_* scope, 0 for all */
	return OK;
}

static long (*const syscalls[SYS_COUNT])(struct trap_frame *r) = {
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
	[SYS_CONSOLE_TAKE] = sys_console_take,
	[SYS_CONSOLE_READ] = sys_console_read,
};

/* Entered from entry.S (after the fast path declined) with the registers in current->regs. */
void syscall_dispatch(void)
{
	struct trap_frame *r = &current->regs;
	uint64_t nr = r->rax;
	long st = nr < SYS_COUNT ? syscalls[nr](r) : ERR_INVALID_SYSCALL;
	if (st == SYSCALL_RESTART)
		r->rip -= SYSCALL_INSN_BYTES; /* a syscall_entry frame: sysret goes back to the syscall */
	else if (st != SYSCALL_BLOCKED)
		r->rax = st;
	return_to_user();
}

#define EFER_SCE   1

void syscall_entry(void);
_Static_assert(USER_TOP == 0x00007ffffffff000ULL, "entry.S checks sysret's rip against this");

void syscall_init(void)
{
	/* syscall loads CS = 0x08, SS = 0x10; sysret (unused: we return with iretq) 0x23/0x1b. */
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
}
