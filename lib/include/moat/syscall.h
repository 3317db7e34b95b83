/*
 * User-level syscall stubs: one inline function per syscall, following the
 * calling convention in moat/abi.h.  Results beyond the status come back
 * through the optional out-pointers (NULL to ignore).
 */
#ifndef MOAT_SYSCALL_H
#define MOAT_SYSCALL_H

#include <stddef.h>

#include "abi.h"

/* Registers of one syscall, in and out. */
struct sysregs {
	uint64_t rdi, rsi, rdx, r10, r8, r9;
};

/* The one place that executes `syscall`. */
static inline uint64_t moat_syscall(uint64_t nr, struct sysregs *r)
{
	register uint64_t r10 asm("r10") = r->r10;
	register uint64_t r8 asm("r8") = r->r8;
	register uint64_t r9 asm("r9") = r->r9;
	uint64_t rax = nr;
	asm volatile("syscall"
		     : "+a"(rax), "+D"(r->rdi), "+S"(r->rsi), "+d"(r->rdx), "+r"(r10), "+r"(r8),
		       "+r"(r9)
		     :
		     : "rcx", "r11", "memory");
	r->r10 = r10;
	r->r8 = r8;
	r->r9 = r9;
	return rax;
}

static inline uint64_t sys0(uint64_t nr, uint64_t a, uint64_t b, uint64_t c, uint64_t d,
			    uint64_t e, uint64_t f)
{
	struct sysregs r = { a, b, c, d, e, f };
	return moat_syscall(nr, &r);
}

/* An IPC message: the tag and the four words that travel in registers. */
struct msg {
	uint64_t tag;
	uint64_t mr[MSG_REG_WORDS];
};

/* Where word i of the message m and the UTCB u lives: m for words 0-3, u for the rest. */
static inline uint64_t *msg_word(struct msg *m, struct utcb *u, unsigned i)
{
	return i < MSG_REG_WORDS ? &m->mr[i] : &u->mr[i];
}

static inline uint64_t ipc(uint64_t nr, uint64_t ep, struct msg *m, uint64_t *badge)
{
	struct sysregs r = { .rdi = ep, .rsi = m->tag };
	MSG_WORDS_TO_REGS(&r, m->mr);
	uint64_t st = moat_syscall(nr, &r);
	if (badge)
		*badge = r.rdi;
	m->tag = r.rsi;
	MSG_REGS_TO_WORDS(m->mr, &r);
	return st;
}

/* IPC.  On return *m holds the received (or reply) message where there is one. */
static inline uint64_t sys_send(uint64_t ep, struct msg *m)     { return ipc(SYS_SEND, ep, m, NULL); }
static inline uint64_t sys_nb_send(uint64_t ep, struct msg *m)  { return ipc(SYS_NB_SEND, ep, m, NULL); }
static inline uint64_t sys_call(uint64_t ep, struct msg *m)     { return ipc(SYS_CALL, ep, m, NULL); }
static inline uint64_t sys_reply(struct msg *m)                 { return ipc(SYS_REPLY, 0, m, NULL); }
static inline uint64_t sys_recv(uint64_t ep, struct msg *m, uint64_t *badge)
{
	return ipc(SYS_RECV, ep, m, badge);
}
static inline uint64_t sys_nb_recv(uint64_t ep, struct msg *m, uint64_t *badge)
{
	return ipc(SYS_NB_RECV, ep, m, badge);
}
static inline uint64_t sys_reply_recv(uint64_t ep, struct msg *m, uint64_t *badge)
{
	return ipc(SYS_REPLY_RECV, ep, m, badge);
}

/* Notifications. */
static inline uint64_t sys_signal(uint64_t ntfn) { return sys0(SYS_SIGNAL, ntfn, 0, 0, 0, 0, 0); }
static inline uint64_t sys_wait_or_poll(uint64_t nr, uint64_t ntfn, uint64_t *bits)
{
	struct sysregs r = { ntfn, 0, 0, 0, 0, 0 };
	uint64_t st = moat_syscall(nr, &r);
	if (bits)
		*bits = r.rdi;
	return st;
}
static inline uint64_t sys_wait(uint64_t ntfn, uint64_t *bits) { return sys_wait_or_poll(SYS_WAIT, ntfn, bits); }
static inline uint64_t sys_poll(uint64_t ntfn, uint64_t *bits) { return sys_wait_or_poll(SYS_POLL, ntfn, bits); }
/* Waits as sys_wait, but only until the TSC reaches deadline: then ERR_TIMEOUT and no bits. */
static inline uint64_t sys_wait_until(uint64_t ntfn, uint64_t deadline, uint64_t *bits)
{
	struct sysregs r = { ntfn, deadline, 0, 0, 0, 0 };
	uint64_t st = moat_syscall(SYS_WAIT_UNTIL, &r);
	if (bits)
		*bits = r.rdi;
	return st;
}
static inline uint64_t sys_yield(void) { return sys0(SYS_YIELD, 0, 0, 0, 0, 0, 0); }

/* Capabilities. */
static inline uint64_t sys_cap_copy(uint64_t src, uint64_t dst_task, uint64_t dst, uint64_t rights,
				    uint64_t badge)
{
	return sys0(SYS_CAP_COPY, src, dst_task, dst, rights, badge, 0);
}
static inline uint64_t sys_cap_move(uint64_t src, uint64_t dst_task, uint64_t dst)
{
	return sys0(SYS_CAP_MOVE, src, dst_task, dst, 0, 0, 0);
}
static inline uint64_t sys_cap_delete(uint64_t slot) { return sys0(SYS_CAP_DELETE, slot, 0, 0, 0, 0, 0); }
static inline uint64_t sys_cap_revoke(uint64_t slot) { return sys0(SYS_CAP_REVOKE, slot, 0, 0, 0, 0, 0); }

struct cap_info {
	uint64_t type, rights, badge, size; /* size: pages (frame, untyped), ports (ioport) */
};
static inline uint64_t sys_cap_info(uint64_t slot, struct cap_info *info)
{
	struct sysregs r = { slot, 0, 0, 0, 0, 0 };
	uint64_t st = moat_syscall(SYS_CAP_INFO, &r);
	if (info)
		*info = (struct cap_info){ r.rdi, r.rsi, r.rdx, r.r10 };
	return st;
}

/* Memory. */
static inline uint64_t sys_retype(uint64_t untyped, uint64_t type, uint64_t pages, uint64_t dst,
				  uint64_t count)
{
	return sys0(SYS_RETYPE, untyped, type, pages, dst, count, 0);
}
static inline uint64_t sys_map(uint64_t frame, uint64_t task, uint64_t vaddr, uint64_t rights)
{
	return sys0(SYS_MAP, frame, task, vaddr, rights, 0, 0);
}
static inline uint64_t sys_unmap(uint64_t frame) { return sys0(SYS_UNMAP, frame, 0, 0, 0, 0, 0); }

/* Threads. */
static inline uint64_t sys_thread_configure(uint64_t thread, uint64_t task, uint64_t utcb_frame,
					    uint64_t fault_ep)
{
	return sys0(SYS_THREAD_CONFIGURE, thread, task, utcb_frame, fault_ep, 0, 0);
}
static inline uint64_t sys_thread_start(uint64_t thread, uint64_t rip, uint64_t rsp, uint64_t arg)
{
	return sys0(SYS_THREAD_START, thread, rip, rsp, arg, 0, 0);
}
static inline uint64_t sys_thread_suspend(uint64_t t) { return sys0(SYS_THREAD_SUSPEND, t, 0, 0, 0, 0, 0); }
static inline uint64_t sys_thread_resume(uint64_t t)  { return sys0(SYS_THREAD_RESUME, t, 0, 0, 0, 0, 0); }
static inline uint64_t sys_thread_set_priority(uint64_t t, uint64_t prio)
{
	return sys0(SYS_THREAD_SET_PRIORITY, t, prio, 0, 0, 0, 0);
}
/* Makes t run on CPU `cpu` only, from now on (a CPU that runs threads; a vCPU: CPU 0). */
static inline uint64_t sys_thread_set_cpu(uint64_t t, uint64_t cpu)
{
	return sys0(SYS_THREAD_SET_CPU, t, cpu, 0, 0, 0, 0);
}
/* Gives task a CPU budget of budget_us in every period_us (0, 0: none); BUDGET_* flags. */
static inline uint64_t sys_task_set_budget(uint64_t sched_control, uint64_t task, uint64_t budget_us,
					   uint64_t period_us, uint64_t flags)
{
	return sys0(SYS_TASK_SET_BUDGET, sched_control, task, budget_us, period_us, flags, 0);
}
static inline uint64_t sys_thread_read_regs(uint64_t t)  { return sys0(SYS_THREAD_READ_REGS, t, 0, 0, 0, 0, 0); }
static inline uint64_t sys_thread_write_regs(uint64_t t) { return sys0(SYS_THREAD_WRITE_REGS, t, 0, 0, 0, 0, 0); }

/* Devices. */
static inline uint64_t sys_irq_bind(uint64_t irq, uint64_t ntfn) { return sys0(SYS_IRQ_BIND, irq, ntfn, 0, 0, 0, 0); }
static inline uint64_t sys_irq_ack(uint64_t irq) { return sys0(SYS_IRQ_ACK, irq, 0, 0, 0, 0, 0); }
/* Delivers the line's interrupts to CPU `cpu` from now on (through the 8259s: CPU 0 only). */
static inline uint64_t sys_irq_set_cpu(uint64_t irq, uint64_t cpu)
{
	return sys0(SYS_IRQ_SET_CPU, irq, cpu, 0, 0, 0, 0);
}
static inline uint64_t sys_ioport_derive(uint64_t ports, uint64_t first, uint64_t last, uint64_t dst)
{
	return sys0(SYS_IOPORT_DERIVE, ports, first, last, dst, 0, 0);
}

/* Virtual machines (moat/vmexit.h has the exit protocol). */
static inline uint64_t sys_gpa_map(uint64_t frame, uint64_t space, uint64_t gpa, uint64_t rights)
{
	return sys0(SYS_GPA_MAP, frame, space, gpa, rights, 0, 0);
}
static inline uint64_t sys_vcpu_configure(uint64_t vcpu, uint64_t space, uint64_t flags)
{
	return sys0(SYS_VCPU_CONFIGURE, vcpu, space, flags, 0, 0, 0);
}
static inline uint64_t sys_vcpu_bind(uint64_t vcpu, uint64_t reason, uint64_t ep, uint64_t mask)
{
	return sys0(SYS_VCPU_BIND, vcpu, reason, ep, mask, 0, 0);
}
static inline uint64_t sys_vcpu_write_state(uint64_t vcpu) { return sys0(SYS_VCPU_WRITE_STATE, vcpu, 0, 0, 0, 0, 0); }
static inline uint64_t sys_vcpu_run(uint64_t vcpu)    { return sys0(SYS_VCPU_RUN, vcpu, 0, 0, 0, 0, 0); }
static inline uint64_t sys_vcpu_recall(uint64_t vcpu) { return sys0(SYS_VCPU_RECALL, vcpu, 0, 0, 0, 0, 0); }
/* Registers of set (enum regs_set) of a thread, or of a vCPU, into or from this thread's utcb->mr. */
static inline uint64_t sys_thread_read_regs_set(uint64_t t, uint64_t set)
{
	return sys0(SYS_THREAD_READ_REGS, t, set, 0, 0, 0, 0);
}
static inline uint64_t sys_thread_write_regs_set(uint64_t t, uint64_t set)
{
	return sys0(SYS_THREAD_WRITE_REGS, t, set, 0, 0, 0, 0);
}
/* A vCPU's struct vm_sse_regs (moat/vmexit.h), or struct vm_x87_regs. */
static inline uint64_t sys_vcpu_read_sse(uint64_t vcpu) { return sys_thread_read_regs_set(vcpu, REGS_SSE); }
static inline uint64_t sys_vcpu_write_sse(uint64_t vcpu) { return sys_thread_write_regs_set(vcpu, REGS_SSE); }
static inline uint64_t sys_vcpu_read_x87(uint64_t vcpu) { return sys_thread_read_regs_set(vcpu, REGS_X87); }
static inline uint64_t sys_vcpu_write_x87(uint64_t vcpu) { return sys_thread_write_regs_set(vcpu, REGS_X87); }

/* Debug console. */
static inline uint64_t sys_debug_write(uint64_t console, const void *buf, uint64_t len)
{
	return sys0(SYS_DEBUG_WRITE, console, (uint64_t)buf, len, 0, 0, 0);
}
static inline uint64_t sys_console_take(uint64_t console, uint64_t ntfn)
{
	return sys0(SYS_CONSOLE_TAKE, console, ntfn, 0, 0, 0, 0);
}
/* The bytes land in utcb()->mr; *got says how many. */
static inline uint64_t sys_console_read(uint64_t console, uint64_t max, uint64_t *got)
{
	struct sysregs r = { console, max, 0, 0, 0, 0 };
	uint64_t st = moat_syscall(SYS_CONSOLE_READ, &r);
	*got = st == OK ? r.rdi : 0;
	return st;
}
static inline uint64_t sys_debug_exit(uint64_t console, uint64_t status)
{
	return sys0(SYS_DEBUG_EXIT, console, status, 0, 0, 0, 0);
}
/* Every check; *broken gets the number of broken invariants. */
static inline uint64_t sys_debug_check(uint64_t console, uint64_t *broken)
{
	struct sysregs r = { console, 0, 0, 0, 0, 0 };
	uint64_t st = moat_syscall(SYS_DEBUG_CHECK, &r);
	if (broken)
		*broken = r.rdi;
	return st;
}
/*
 * The big kernel lock's longest hold so far, in TSC counts (instructions
 * under Bochs), and what it served (*reason: a syscall number, 1000 + a
 * vector from user mode, 2000 + one taken in the kernel, 3000 a VM exit,
 * 4000 an idle CPU): docs/smp.md.
 */
static inline uint64_t sys_debug_lock_hold(uint64_t console, uint64_t *counts, uint64_t *reason)
{
	struct sysregs r = { console, DEBUG_LOCK_HOLD, 0, 0, 0, 0 };
	uint64_t st = moat_syscall(SYS_DEBUG_CHECK, &r);
	*counts = st == OK ? r.rdi : 0;
	*reason = st == OK ? r.rsi : 0;
	return st;
}
/* The checks of `scope` (DEBUG_CHECK_*): *broken says how many failed. */
static inline uint64_t sys_debug_check_scope(uint64_t console, uint64_t scope, uint64_t *broken)
{
	struct sysregs r = { console, scope, 0, 0, 0, 0 };
	uint64_t st = moat_syscall(SYS_DEBUG_CHECK, &r);
	*broken = st == OK ? r.rdi : 0;
	return st;
}
/* What a CPU has taken since boot (SYS_DEBUG_CPU_COUNTS). */
struct cpu_counts {
	uint64_t irqs;  /* device interrupts */
	uint64_t kicks; /* kick IPIs: a thread woken for it from another CPU */
	uint64_t ticks; /* its timer's scheduler ticks */
};
/* CPU `cpu`'s counts into *c (all 0 on an error). */
static inline uint64_t sys_debug_cpu_counts(uint64_t console, uint64_t cpu, struct cpu_counts *c)
{
	struct sysregs r = { console, cpu, 0, 0, 0, 0 };
	uint64_t st = moat_syscall(SYS_DEBUG_CPU_COUNTS, &r);
	*c = st == OK ? (struct cpu_counts){ r.rdi, r.rsi, r.rdx } : (struct cpu_counts){ 0, 0, 0 };
	return st;
}

#endif
