/*
 * vCPUs: threads that run a guest instead of user code.  This file's half
 * is vendor-neutral (bindings, the exit message, the reply); vcpu_vmx.c
 * and vcpu_svm.c hold everything that knows about the VMCS or the VMCB,
 * and vcpu_hw.h their own parts of struct vcpu.
 */
#ifndef KERNEL_VCPU_H
#define KERNEL_VCPU_H

#include "budget.h"
#include "fpu.h"
#include "moat/vmexit.h"
#include "object.h"
#include "percpu.h"
#include "timeout.h"
#include "x86.h"

/* Makes a vCPU in VCPU_PAGES zeroed pages at phys; NULL if the CPU cannot run one. */
struct thread *vcpu_create(uint64_t phys);
void vcpu_destroy(struct vcpu *v);

/* VPIDs (VMX) or ASIDs (SVM) the CPU has, 0 included; set by the backend's init. */
extern unsigned vcpu_tag_limit;

/*
 * The MSRs a guest reads and writes without an exit (no VMM policy needs
 * them); each backend switches them between guest and host.  TSC_AUX,
 * the last, only where the CPU has it (vcpu_passthrough_count).
 */
#define VCPU_PASSTHROUGH_MSRS 11
extern const uint32_t vcpu_passthrough_msrs[VCPU_PASSTHROUGH_MSRS];
unsigned vcpu_passthrough_count(void);
/*
 * Called before every entry: makes v the last user of its VPID/ASID on
 * this CPU and returns true if another vCPU used it here since v last did,
 * or v never did (flush it first).  A TLB is per CPU, so is the record.
 */
static inline bool vcpu_tag_claim(struct vcpu *v)
{
	if (percpu->tag_owner[v->tag] == v)
		return false;
	percpu->tag_owner[v->tag] = v;
	return true;
}
/* v's TLB entries on every CPU count as another's: each flushes before v enters there again. */
void vcpu_tag_forget(const struct vcpu *v);
/*
 * Moves vCPU thread t, which runs nowhere now (thread_unload), from CPU
 * `from` to t->cpu: the backend lets go of it there (VMX: VMCLEAR on
 * `from`), and it flushes its tag where it enters next.
 */
void vcpu_moved(struct thread *t, unsigned from);

/* Points v at g's tables (NULL: at none); v->space holds g's capability. */
void vcpu_set_space(struct vcpu *v, struct gpa_space *g);
/* The capability in v->space is being deleted: v stops and forgets the tables. */
void vcpu_space_deleted(struct cap *space);
/* Reads len bytes of guest memory at gpa (within one page) through v's space; false if unmapped. */
bool vcpu_read_guest(struct vcpu *v, uint64_t gpa, void *buf, unsigned len);

/*
 * The one lookup of an exit reason's own binding: its slot in v->bound[]
 * and v->bound_ep[], or VCPU_BINDINGS or more when it has none (the
 * default binding applies).  The slot's endpoint may have been deleted
 * since: callers check bound_ep[slot].  Inline: the exit fast path asks
 * it on every exit, with reason < VMEXIT_REASONS (a table read).
 */
static inline unsigned vcpu_bound_slot(const struct vcpu *v, uint32_t reason)
{
	if (reason < VMEXIT_REASONS)
		return v->reason_binding[reason] - 1u; /* 0, no binding: past every slot */
	for (unsigned i = 0; i < VCPU_BINDINGS; i++) /* reasons past the table: VMEXIT_RECALL */
		if (v->bound_ep[i].type != OBJ_NONE && v->bound[i].reason == reason)
			return i;
	return VCPU_BINDINGS;
}
/* The endpoint capability and state mask bound to an exit reason, or NULL. */
struct cap *vcpu_binding(struct vcpu *v, uint32_t reason, uint32_t *mask);
/*
 * Sends exits of reason (or VMEXIT_DEFAULT) to endpoint ep with the state
 * groups in mask; ep NULL unbinds.  ERR_BUSY when every slot is taken.
 */
int vcpu_bind(struct vcpu *v, uint32_t reason, struct cap *ep, uint32_t mask);
/*
 * What a vCPU's next entry must do first (struct vcpu's entry_work), so
 * that the common entry tests one byte: a recall to deliver, the guest's
 * breakpoints to load.  Another CPU sets bits of it (a recall, an exit
 * deadline) while the vCPU's own CPU may change other bits outside the
 * lock (svm_exit before kernel_enter), so every change of it is one
 * atomic operation: vcpu_entry_work_set and vcpu_entry_work_clear.
 */
#define VCPU_ENTRY_RECALL      1u
#define VCPU_ENTRY_BREAKPOINTS 2u
#define VCPU_ENTRY_BACKEND     4u /* the backend's own: vcpu_backend->entry_work */
#define VCPU_ENTRY_XCR0        8u /* the guest's XCR0 is not the kernel's (below) */
#define VCPU_ENTRY_DEADLINE    16u /* its exit deadline passed: VMEXIT_DEADLINE */
/*
 * A vCPU's XCR0 (VMG_XCR0, checked by vcpu_check_xcr0): neither VMX nor
 * SVM loads XCR0 at entry or exit, so the kernel does, only when the
 * guest's differs from its own and its CR4.OSXSAVE is set (without it
 * XCR0 does nothing a guest can see: XGETBV, XSETBV, XSAVE and every VEX
 * instruction raise #UD; the bit changes only through a reply, as its
 * writes exit on both backends).  The entry's last work (after every
 * refusal, with the guest's x87/SSE/AVX registers already loaded under
 * the kernel's XCR0: nothing XSAVEs after it) loads the guest's, and
 * vcpu_xcr0_exited, first thing after the exit, the kernel's, before
 * anything could XSAVE.  So the host always runs, and saves and restores
 * every thread's state, with the kernel's XCR0 (docs/fpu.md).
 */
static inline void vcpu_entry_work_set(struct vcpu *v, uint8_t bits)
{
	__atomic_fetch_or(&v->entry_work, bits, __ATOMIC_RELAXED);
}
static inline void vcpu_entry_work_clear(struct vcpu *v, uint8_t bits)
{
	__atomic_fetch_and(&v->entry_work, (uint8_t)~bits, __ATOMIC_RELAXED);
}
/* Sets bits if `on`, else clears them. */
static inline void vcpu_entry_work_put(struct vcpu *v, uint8_t bits, bool on)
{
	if (on)
		vcpu_entry_work_set(v, bits);
	else
		vcpu_entry_work_clear(v, bits);
}
static inline void vcpu_set_xcr0(struct vcpu *v, uint64_t xcr0, bool osxsave)
{
	v->xcr0 = xcr0;
	vcpu_entry_work_put(v, VCPU_ENTRY_XCR0, osxsave && xcr0 != fpu_xcr0);
}
static inline void vcpu_xcr0_exited(const struct vcpu *v)
{
	if (__builtin_expect(v->entry_work & VCPU_ENTRY_XCR0, 0))
		xsetbv0(fpu_xcr0);
}
/*
 * Called by a backend's enter before every VM entry: true if t must not
 * enter its guest now, because its guest-physical space is gone (t stops)
 * or a recall is pending (its handler gets the VMEXIT_RECALL exit), or
 * its exit deadline passed (VMEXIT_DEADLINE).  Does
 * the rest of entry_work on the way.
 */
bool vcpu_entry_refused_slow(struct thread *t);
static inline bool vcpu_entry_refused(struct thread *t)
{
	const struct vcpu *v = t->vcpu;
	if (__builtin_expect(v->space.type == OBJ_GPA_SPACE && !v->entry_work, 1))
		return false;
	return vcpu_entry_refused_slow(t);
}
/*
 * The exit deadline of vCPU thread t (a reply's or SYS_VCPU_WRITE_STATE's
 * VMG_DEADLINE), replacing the one before: at the host TSC `deadline` it
 * exits with VMEXIT_DEADLINE, at its next entry if it is not in its guest
 * then; at once for a deadline already past, never for WAIT_FOREVER.  It
 * waits on the kernel's timeout list, as a timed wait does: the timer
 * interrupt (or, on VMX, the preemption timer, which stops at the first
 * deadline) finds it due and calls vcpu_deadline_reached.  Only t exits.
 */
void vcpu_deadline_set(struct thread *t, uint64_t deadline);
/* t's deadline came (it is off the timeout list): it exits before its next entry. */
static inline void vcpu_deadline_reached(struct thread *t)
{
	vcpu_entry_work_set(t->vcpu, VCPU_ENTRY_DEADLINE);
}
/*
 * Whether v's exit is one the kernel makes at an entry (a recall, an exit
 * deadline), not the CPU: no exit information of the CPU's is its, and
 * the event waiting to be injected (a reply's, or one queued again) is
 * reported as its interrupted event (VMG_EVENT's IDT-vectoring words), so
 * that a VMM treats it as any interrupted event and does not inject over
 * it (docs/vm-exit-protocol.md, "Events are never lost").
 */
static inline bool vcpu_exit_at_entry(const struct vcpu *v)
{
	uint32_t reason = v->exit_reason & 0xffff;
	return reason == VMEXIT_RECALL || reason == VMEXIT_DEADLINE;
}
/* The vCPU leaves its guest for `reason`: its handler gets a message, or it stops. */
void vcpu_exit(struct thread *t, uint32_t reason);
/* Fills the VMM thread r's registers and UTCB with the exit message of vCPU thread s. */
void vcpu_exit_message(struct thread *s, struct thread *r);

/*
 * A backend's reader of guest state: the groups in mask, the exit
 * qualification (0 without VMG_QUAL) and the instruction length, into
 * w[VMW_*].  Each backend has one, inline, so that the exit fast path
 * compiles to the reads of its own groups only.
 */
typedef void vcpu_read_fn(struct vcpu *v, uint32_t mask, uint64_t *w);

/* Message words first .. first + n - 1 (past word 3): group g's words, or zeros when g is not included but a higher group is (never stale words). */
static inline __attribute__((always_inline)) void exit_group_words(uint64_t *to, const uint64_t *w,
								  uint32_t groups, uint32_t g,
								  unsigned first, unsigned n)
{
	if (groups & g) {
#pragma GCC unroll 16
		for (unsigned i = first; i < first + n; i++)
			to[i] = w[i];
	} else if (groups & ~(2 * g - 1)) {
#pragma GCC unroll 16
		for (unsigned i = first; i < first + n; i++)
			to[i] = 0;
	}
}

/*
 * The one builder of the exit message of vCPU v (v->exit_reason, with the
 * state of `groups`): words 0-3 into the handler's registers `to`, the
 * rest into its UTCB u (NULL: it has none, and gets words 0-3 only).
 * The general path (vcpu_exit_message) passes the backend's read_state;
 * the exit fast path passes the backend's inline reader and groups masked
 * by a constant, and so gets the code of those groups alone.
 */
static inline __attribute__((always_inline)) void vcpu_exit_message_build(
	struct vcpu *v, struct trap_frame *to, struct utcb *u, uint32_t groups, vcpu_read_fn *read)
{
	uint64_t w[VMW_COUNT];
	read(v, groups, w);
	w[VMW_REASON] = v->exit_reason;
	w[VMW_MASK] = groups;
	MSG_WORDS_TO_REGS(to, w);
	if (!u) {
		to->rsi = MSG_TAG(MSG_VMEXIT, MSG_REG_WORDS, 0);
		return;
	}
	to->rsi = MSG_TAG(MSG_VMEXIT, vm_message_words(groups), 0);
	exit_group_words(u->mr, w, groups, VMG_GPR_ACDB, VMW_RAX, VMW_RBX - VMW_RAX + 1);
	exit_group_words(u->mr, w, groups, VMG_RIP, VMW_RIP, 1);
	exit_group_words(u->mr, w, groups, VMG_RFLAGS, VMW_RFLAGS, 1);
	exit_group_words(u->mr, w, groups, VMG_GPR_OTHER, VMW_RSP, VMW_R15 - VMW_RSP + 1);
	exit_group_words(u->mr, w, groups, VMG_QUAL, VMW_GPA, VMW_GLA - VMW_GPA + 1);
	exit_group_words(u->mr, w, groups, VMG_CR, VMW_CR0, VMW_EFER - VMW_CR0 + 1);
	exit_group_words(u->mr, w, groups, VMG_SEG, VMW_SEG, VMW_GDTR_BASE - VMW_SEG);
	exit_group_words(u->mr, w, groups, VMG_DTR, VMW_GDTR_BASE, VMW_IDTR_LIMIT - VMW_GDTR_BASE + 1);
	exit_group_words(u->mr, w, groups, VMG_STATE, VMW_INTR_STATE, VMW_ACTIVITY - VMW_INTR_STATE + 1);
	exit_group_words(u->mr, w, groups, VMG_EVENT, VMW_EXIT_INTR_INFO,
			 VMW_IDT_VECTORING_ERROR - VMW_EXIT_INTR_INFO + 1);
	/* (the reply-only groups: zeros, when the MSRs follow them) */
	exit_group_words(u->mr, w, groups, VMG_INJECT, VMW_INJECT_INFO, 2);
	exit_group_words(u->mr, w, groups, VMG_CONTROLS, VMW_CONTROLS, 1);
	exit_group_words(u->mr, w, groups, VMG_MSR, VMW_STAR, VMW_TSC_OFFSET - VMW_STAR + 1);
	exit_group_words(u->mr, w, groups, VMG_DEBUG, VMW_DR0, VMW_DR7 - VMW_DR0 + 1);
	exit_group_words(u->mr, w, groups, VMG_XCR0, VMW_XCR0, 1);
}
/*
 * A vCPU's time slice runs by the TSC from when the scheduler gave it one,
 * through its guest's time and its exits' handling alike.  The timer tick
 * rarely lands on a vCPU whose guest exits often, so by ticks alone it
 * would never use its slice up, and the IPC fast path (which resumes it
 * directly) would starve the other vCPUs of its priority.
 * The scheduler stores when the slice ends (thread.c, give_slice), so
 * both checks are a TSC read and a compare, inline:
 * vcpu_slice_left: just before entry; the TSC counts left (>= 1), for a
 * backend with a preemption timer (VMX).  Such a backend reads no TSC on
 * exits but at the timer's: a slice used up outside the guest leaves the
 * timer 1, and the timer's exit (at once) ends the slice.  The count
 * stops at the first deadline on the timeout list too (a timed wait's,
 * an exit deadline), if that comes first: Bochs 2.7 makes no exit for
 * the LAPIC timer's interrupt while a guest keeps IF=0, and the thread
 * whose wait ends must not wait for the vCPU's next exit (that exit
 * expires the deadline, and ends the slice only if it is used up).  It
 * stops at the next budget event too (budget_due), for the same reason:
 * a task's budget must end on time while its guest keeps IF=0.
 * vcpu_slice_exit: first thing after an exit, for a backend without one
 * (SVM); ends the slice once used up.
 */
static inline uint64_t vcpu_slice_left(const struct thread *t)
{
	uint64_t end = t->slice_end < timeout_first(&timeouts) ? t->slice_end
							       : timeout_first(&timeouts);
	if (budget_due < end)
		end = budget_due;
	int64_t left = end - rdtsc();
	return left > 0 ? (uint64_t)left : 1;
}
/*
 * Kept exits: an exit the kernel answers itself and enters the guest again
 * (a reflected #DB or #AC, SVM's #UD and #DF) opens an interrupt window
 * first (irq_window).  The host's pending interrupts would otherwise wait
 * for the guest's next instruction boundary, which a guest whose every
 * delivery raises the exception again never reaches (the CVE-2015-5307
 * and CVE-2015-8104 class): the slice still ends at an exit
 * (vcpu_slice_exit), but the tick, timed waits and budgets that only the
 * timer's interrupt runs would stop on that CPU.  The emulators take
 * interrupts between such deliveries, so only hardware shows it.
 */
static inline void vcpu_slice_exit(struct thread *t)
{
	if (rdtsc() >= t->slice_end)
		t->timeslice = 0; /* its time is up: round robin */
}
/*
 * vCPU thread t (current) exited on a PAUSE loop (the backend's PAUSE-loop
 * exiting or pause filter, or a PAUSE where the CPU has neither): its
 * guest waits for another CPU, most likely another vCPU that waits for
 * this CPU.  The backend has stepped over the PAUSE; this gives up the
 * rest of t's time slice, so that return_to_user runs the other threads
 * of its priority first and t, alone at it, goes on at once.  Nothing of
 * t's guest state changes: an event waiting to be injected, its exit
 * deadline (on the timeout list) and a recall (entry_work) are all taken
 * at its next entry as after any exit.  Pending interrupts are taken
 * first: Bochs 2.7 makes no exit for them while the guest keeps IF=0, and
 * one may wake the thread t waits for (a VMM's timer, docs/vm-exit-protocol.md).
 */
static inline void vcpu_spin_yield(struct thread *t)
{
	irq_window();
	t->timeslice = 0;
}
/* Applies the VMM r's reply to vCPU thread c; an error leaves c waiting. */
int vcpu_reply(struct thread *r, struct thread *c);

/* A RIP a guest may be given: canonical in long mode, below 4 GiB otherwise (inline: every reply checks it). */
static inline bool vcpu_rip_valid(uint64_t rip, bool long_mode)
{
	return long_mode ? (uint64_t)((int64_t)(rip << 16) >> 16) == rip : !(rip >> 32);
}
/* The guest's DR7 arms a breakpoint (L0-L3 or G0-G3). */
#define DR7_ENABLES 0xffu

/* The protocol's checks of one group each (vcpu_check.c). */
bool vcpu_check_cr(const uint64_t *w);
bool vcpu_check_segments(const uint64_t *w, bool long_mode);
bool vcpu_check_dtr(const uint64_t *w);
bool vcpu_check_msrs(const uint64_t *w);
bool vcpu_check_debug(const uint64_t *w);
bool vcpu_check_injection(uint64_t info, uint64_t error, uint64_t insn_len, bool protected_mode);
bool vcpu_check_xcr0(uint64_t xcr0);
/*
 * Every check of the groups in mask, before anything is written: OK or
 * ERR_INVALID_ARG.  backend_cr_ok adds the backend's CR rules;
 * backend_cr0 reads the guest's CR0 when the reply writes none (an
 * injection's error code follows its PE bit).  Inline, in each backend's
 * one applier: the fast reply's constant mask leaves only its own groups'
 * checks.
 */
static inline __attribute__((always_inline)) int vcpu_check_state(
	const struct vcpu *v, uint32_t mask, const uint64_t *w, bool (*backend_cr_ok)(const uint64_t *w),
	uint64_t (*backend_cr0)(const struct vcpu *v))
{
	bool long_mode = mask & VMG_CR ? w[VMW_EFER] & EFER_LMA : v->long_mode;
	if ((mask & VMG_RIP) && !vcpu_rip_valid(w[VMW_RIP], long_mode))
		return ERR_INVALID_ARG;
	/* RFLAGS: bit 1 set; reserved bits 3, 5, 15, 22-63 clear */
	if ((mask & VMG_RFLAGS) && ((w[VMW_RFLAGS] & 0xffffffffffc08028ULL) || !(w[VMW_RFLAGS] & 2)))
		return ERR_INVALID_ARG;
	if ((mask & VMG_CR) && (!vcpu_check_cr(w) || !backend_cr_ok(w)))
		return ERR_INVALID_ARG;
	if ((mask & VMG_SEG) && !vcpu_check_segments(w, long_mode))
		return ERR_INVALID_ARG;
	if ((mask & VMG_DTR) && !vcpu_check_dtr(w))
		return ERR_INVALID_ARG;
	if ((mask & VMG_STATE) && (w[VMW_INTR_STATE] > 0x1f || w[VMW_ACTIVITY] > 1))
		return ERR_INVALID_ARG;
	if ((mask & VMG_INJECT) &&
	    !vcpu_check_injection(w[VMW_INJECT_INFO], w[VMW_INJECT_ERROR], w[VMW_INSN_LEN],
				  (mask & VMG_CR ? w[VMW_CR0] : backend_cr0(v)) & CR0_PE))
		return ERR_INVALID_ARG;
	if ((mask & VMG_MSR) && !vcpu_check_msrs(w))
		return ERR_INVALID_ARG;
	if ((mask & VMG_DEBUG) && !vcpu_check_debug(w))
		return ERR_INVALID_ARG;
	if ((mask & VMG_XCR0) && !vcpu_check_xcr0(w[VMW_XCR0]))
		return ERR_INVALID_ARG;
	if ((mask & VMG_CONTROLS) && (w[VMW_CONTROLS] & ~(uint64_t)VMC_ALL))
		return ERR_INVALID_ARG;
	if (mask & VMG_EVENT)
		return ERR_INVALID_ARG; /* exit information is read-only */
	return OK;
}

struct gpa_space;

/*
 * A virtualization backend: VMX (vcpu_vmx.c) or SVM (vcpu_svm.c), chosen at
 * boot.  Nothing outside the two backends names a vendor.
 */
struct vcpu_backend {
	const char *name;
	void (*setup)(struct vcpu *v);
	void (*teardown)(struct vcpu *v);
	void (*set_space)(struct vcpu *v, struct gpa_space *g); /* g NULL: none */
	/* Reads the guest state of the groups in mask into w[VMW_*]. */
	void (*read_state)(struct vcpu *v, uint32_t mask, uint64_t *w);
	/* Checks, then writes, the groups in mask; ERR_INVALID_ARG and nothing written if bad. */
	int (*write_state)(struct vcpu *v, uint32_t mask, const uint64_t *w);
	/* Applies a reply of at most ACDB and RIP; false (nothing done) for anything else. */
	bool (*fast_reply)(struct vcpu *v, const struct trap_frame *r, const struct utcb *u);
	void (*enter)(struct thread *t) __attribute__((noreturn));
	/* VCPU_ENTRY_BACKEND's work before an entry (NULL: never set); true if t must not enter. */
	bool (*entry_work)(struct thread *t);
	/* Guest-physical table entries: a leaf with rights, and a table pointing below. */
	uint64_t (*gpa_leaf)(uint64_t phys, unsigned rights);
	uint64_t (*gpa_table)(uint64_t phys);
	/* vCPU v moved from CPU `from` to v->thread->cpu (vcpu_moved); NULL: nothing to do. */
	void (*moved)(struct vcpu *v, unsigned from);
	/* Cached translations of g's tables are stale (a mapping went away). */
	void (*gpa_flush)(struct gpa_space *g);
	/* The root of the guest tables v's hardware state names now (for the invariant checker). */
	uint64_t (*gpa_root)(struct vcpu *v);
};

/* The backend in use, or NULL when this CPU can run no vCPU. */
extern const struct vcpu_backend *vcpu_backend;
extern const struct vcpu_backend vmx_backend, svm_backend;

/*
 * VCPU_KERNEL_CPUID, the kernel answering CPUID itself for make bench's
 * baseline figure, is in the measurement kernel only: the one built with
 * MEASURE_KERNEL_CPUID (docs/testing.md).  In the shipped kernel
 * SYS_VCPU_CONFIGURE refuses the flag, vcpu_kernel_cpuid is constant
 * false, and the compiler leaves the branch and its answer out of both
 * exit paths.
 */
#ifdef MEASURE_KERNEL_CPUID
#define VCPU_FLAGS_TAKEN VCPU_KERNEL_CPUID
#else
#define VCPU_FLAGS_TAKEN 0u
#endif

/* Whether the kernel answers v's CPUID exits itself (the measurement kernel only). */
static inline bool vcpu_kernel_cpuid(const struct vcpu *v)
{
	return v->flags & VCPU_FLAGS_TAKEN & VCPU_KERNEL_CPUID;
}

#endif
