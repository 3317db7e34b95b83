/*
 * Kernel objects and the capabilities that name them.
 *
 * Every object made at run time lives in memory retyped from an untyped
 * capability and is reached through the physmap.  Tasks, threads,
 * endpoints and notifications count the capabilities that name them and
 * are destroyed when the last one goes.  Frames and untyped memory are
 * plain physical ranges: their memory returns when the untyped capability
 * they came from is revoked.
 */
#ifndef KERNEL_OBJECT_H
#define KERNEL_OBJECT_H

#include <stdbool.h>
#include <stdint.h>

#include "addr.h"
#include "moat/abi.h"
#include "moat/vmexit.h"
#include "pagetable.h"
#include "trap.h"
#include "vcpu_hw.h"

struct task;
struct thread;
struct vcpu;

/*
 * A capability: 64 bytes.  What the words after the flags hold depends on
 * the type; each meaning has its own name, over the same storage:
 *
 *   type          object                        word 2            word 3
 *   task          task                          -                 -
 *   thread, vcpu  thread (a vCPU's: ->vcpu)     -                 -
 *   endpoint      endpoint                      badge             -
 *   notification  notification                  badge             -
 *   gpa_space     gpa_space                     -                 -
 *   frame         base, pages (4 KiB each)      mapped_va/_gpa    mapped_in
 *   untyped       base, pages                   retyped_bytes     zeroed_from
 *   irq           irq                           -                 -
 *   ioport        ports.first, ports.last       -                 holder
 *
 * A frame is mapped into at most one place: a task (mapped_task,
 * mapped_va) or, with CAPF_GUEST, a guest-physical space (mapped_space,
 * mapped_gpa); mapped_in is either, NULL when unmapped (kernel/frame.c).
 * The derivation tree (parent, children, siblings) links every capability
 * to the one it was copied or retyped from, so a revoke finds every
 * descendant in every task.
 */
struct cap {
	uint8_t type;        /* enum moat_object; OBJ_NONE = empty slot */
	uint8_t rights;      /* RIGHT_* */
	uint16_t flags;      /* CAPF_* */
	union {
		uint32_t pages;      /* frame, untyped: size in pages */
		struct {
			uint16_t first, last; /* inclusive */
		} ports;             /* ioport */
	};
	union {                      /* word 1: what the capability names */
		struct obj_header *header;      /* any counted object (cap_object_header) */
		struct task *task;
		struct thread *thread;          /* a thread, or a vCPU's thread */
		struct endpoint *endpoint;
		struct notification *notification;
		struct gpa_space *gpa_space;
		phys_addr base;                 /* frame, untyped: first byte */
		uint64_t irq;                   /* irq: the 8259 line */
	};
	union {                      /* word 2 */
		uint64_t badge;                 /* endpoint, notification: given to the receiver */
		user_addr mapped_va;            /* frame mapped into a task: where */
		guest_phys mapped_gpa;          /* frame mapped into a guest (CAPF_GUEST): where */
		uint64_t retyped_bytes;         /* untyped: bytes handed out, front to back */
	};
	union {                      /* word 3 */
		void *mapped_in;                /* frame: the task or gpa_space it is mapped into */
		struct task *mapped_task;
		struct gpa_space *mapped_space; /* with CAPF_GUEST */
		struct task *holder;            /* ioport: the task whose I/O bitmap it opens */
		uint64_t zeroed_from;           /* untyped: [zeroed_from, zeroed_to) is zero, unused */
	};
	union {                      /* word 4 */
		struct cap *map_next;           /* frame: the next capability mapped in the same place */
		uint64_t zeroed_to;             /* untyped: how far a retype has zeroed (untyped.c) */
	};
	struct cap *parent, *first_child, *next_sibling;
};

_Static_assert(sizeof(struct cap) == 64, "a capability is 64 bytes");

#define CAPF_GUEST 1 /* a frame mapped into a guest-physical space, not a task */
#define CAPF_VCPU_SPACE 2 /* a vCPU's own copy of its space (vcpu_space_deleted) */
/* A frame's page size, part of the object: set by retype, kept by every copy (kernel/frame.h). */
#define CAPF_FRAME_2M 4
#define CAPF_FRAME_1G 8
/*
 * A frame's mapping made or taken down in pieces (kernel/frame.c): only
 * its first leaves are in (CAPF_MAP_PARTIAL), and SYS_UNMAP is taking it
 * down (CAPF_UNMAPPING); the rights it is mapped with, for the call that
 * goes on.
 */
#define CAPF_MAP_PARTIAL 16
#define CAPF_UNMAPPING   32
#define CAPF_MAP_RIGHTS(r) ((unsigned)(r) << 8) /* RIGHT_R, RIGHT_W, RIGHT_X: bits 8 to 10 */

/*
 * The start of every counted object (task, thread, endpoint, notification):
 * how many capabilities name it, and a scratch count for kcheck.c.
 */
struct obj_header {
	uint64_t refs;
	uint64_t counted;
};

/*
 * A task's CPU budget (kernel/budget.c): `amount` TSC counts in every
 * `period`, charged for its threads' and its vCPUs' time.  amount 0: no
 * budget, the task runs whenever its priority says (no accounting).
 */
struct budget {
	uint64_t amount;             /* TSC counts a period; 0: unlimited */
	uint64_t period;             /* TSC counts */
	uint64_t used;               /* of amount, in the period that ends at period_end */
	uint64_t period_end;         /* TSC at which the budget is replenished */
	bool background;             /* throttled, it may still run when nothing else can */
	bool throttled;              /* used up: its threads wait for period_end */
	struct task *throttled_next; /* on budget.c's list of throttled tasks */
};

struct task {
	struct obj_header hdr;
	phys_addr pml4;
	struct cap *cspace;          /* CSPACE_SLOTS entries */
	uint8_t *iobitmap;           /* 8 KiB; a set bit denies the port */
	bool has_ports;
	bool dying;
	struct pt_quota pt_quota;    /* physical pages left for page tables */
	struct cap *mappings;        /* frame capabilities mapped here */
	struct thread *threads;      /* threads running in this task */
	struct thread *vcpus;        /* vCPUs whose time this task pays for (linked by task_next) */
	struct budget budget;        /* its share of the CPU (kernel/budget.c) */
	struct task *all_next;       /* every live task, for the invariant check */
	struct task *zombie_next;    /* dying: the next on the list of those to tear down */
	uint32_t reap_slot;          /* dying: the first slot of its space not yet emptied */
};

enum thread_state {
	THREAD_INACTIVE,   /* not started, suspended, or stopped after a fault */
	THREAD_RUNNABLE,
	THREAD_SEND,       /* blocked sending on an endpoint (call: wants a reply) */
	THREAD_RECV,       /* blocked receiving on an endpoint */
	THREAD_REPLY,      /* called, waiting for the reply */
	THREAD_WAIT,       /* blocked on a notification */
};

/*
 * The message a thread has sent and not yet had answered, which says how
 * its answer is taken.  Read in THREAD_SEND and THREAD_REPLY; an answer,
 * ipc_wake and ipc_cancel leave it PENDING_NONE (a plain call's, being
 * harmless, stays until the next message).
 */
enum pending_msg {
	PENDING_NONE,
	PENDING_SEND,     /* a send: nobody answers, the sender runs on once it is delivered */
	PENDING_CALL,     /* a call: the reply is a message */
	/* the two answered by state, not a message: last, so one test finds both (fastpath.c) */
	PENDING_FAULT,    /* the thread's fault: the reply resumes it or leaves it stopped */
	PENDING_VMEXIT,   /* a vCPU's exit: the reply is guest state, checked first */
};

/*
 * A thread.  On entry from user mode the CPU and entry.S push the user
 * registers straight into regs, because TSS.rsp0 points just past it.
 */
struct thread {
	struct obj_header hdr;
	struct trap_frame regs;
	struct task *task;
	struct thread *task_next;      /* in task->threads (a vCPU: in sched_task->vcpus) */
	struct task *sched_task;       /* the task its time is charged to: task, or a vCPU's runner */
	enum thread_state state;
	uint8_t priority;
	uint8_t timeslice;
	uint8_t cpu;                   /* the one CPU it runs on (thread_set_cpu), 0 at first */
	uint64_t slice_end;          /* TSC at which the slice the scheduler gave it is used up */
	enum pending_msg pending;      /* the message sent and not yet answered */
	bool ipc_grant;                /* THREAD_SEND: the cap used allows capability transfer */
	bool started;                  /* has had registers to run with */
	uint64_t ipc_badge;            /* THREAD_SEND: badge of the capability used */
	void *blocked_on;              /* endpoint or notification */
	struct thread *q_next, *q_prev; /* run queue or the queue of blocked_on */
	bool timed;                    /* THREAD_WAIT with a deadline: on the timeout list */
	uint64_t deadline;             /* timed: the TSC at which the wait ends (timeout.h) */
	struct thread *tq_next, *tq_prev; /* timed: neighbours on the timeout list */
	struct thread *caller;         /* the one-shot reply right: who waits for our reply */
	struct thread *callee;         /* THREAD_REPLY: who holds our reply right */
	uint64_t fault_vector, fault_error, fault_addr;
	struct cap utcb;               /* copy of the UTCB frame capability, or empty */
	struct cap fault_ep;           /* copy of the fault endpoint capability, or empty */
	struct thread *all_next;       /* every live thread, for the invariant check */
	uint32_t id;                   /* names the thread in log lines (never its address) */
	struct vcpu *vcpu;             /* a vCPU: enters its guest instead of user mode */
	uint64_t fs_base, gs_base;     /* its own segment bases while another holds the CPU's (fsgs.h) */
	struct thread *fsgs_self;      /* itself once it ran an FSGSBASE instruction, else NULL */
};

/*
 * Threads blocked on an object, first come first served (linked by q_next).
 * The functions are inline: the IPC fast path (fastpath.c) uses them too.
 */
struct thread_queue {
	struct thread *head, *tail;
};

static inline void thread_queue_push(struct thread_queue *q, struct thread *t)
{
	t->q_next = 0;
	if (q->tail)
		q->tail->q_next = t;
	else
		q->head = t;
	q->tail = t;
}

/* Takes the first thread off q; NULL if q is empty. */
static inline struct thread *thread_queue_pop(struct thread_queue *q)
{
	struct thread *t = q->head;
	if (t) {
		q->head = t->q_next;
		if (!q->head)
			q->tail = 0;
		t->q_next = 0;
	}
	return t;
}

/* Takes t off q, wherever it is in it (nothing if it is not in q). */
static inline void thread_queue_remove(struct thread_queue *q, struct thread *t)
{
	struct thread *prev = 0;
	for (struct thread *i = q->head; i; prev = i, i = i->q_next) {
		if (i != t)
			continue;
		if (prev)
			prev->q_next = t->q_next;
		else
			q->head = t->q_next;
		if (q->tail == t)
			q->tail = prev;
		t->q_next = 0;
		return;
	}
}

struct endpoint {
	struct obj_header hdr;
	struct thread_queue waiting;   /* all senders or all receivers */
};

struct notification {
	struct obj_header hdr;
	uint64_t bits;
	struct thread_queue waiting;
};

/* A guest-physical address space: EPT or NPT tables built from the owner's frames. */
struct gpa_space {
	struct obj_header hdr;
	phys_addr root;              /* the top-level table */
	struct pt_quota pt_quota;    /* physical pages left for tables */
	struct cap *mappings;        /* frame capabilities mapped here */
};

#define VCPU_BINDINGS 16
/* The virtualization half of a vCPU thread (its VMCS or VMCB page follows it). */
struct vcpu {
	struct thread *thread;
	uint64_t control_page;       /* physical: the VMCS (VMX) or VMCB (SVM); kernel-only, never mapped */
	struct cap space;            /* copy of the gpa_space capability, or empty */
	struct cap defaults;         /* endpoint for reasons without their own binding */
	uint32_t default_mask;
	struct {
		uint32_t reason, mask;
	} bound[VCPU_BINDINGS];
	struct cap bound_ep[VCPU_BINDINGS];
	uint32_t exit_reason;        /* of the exit waiting for its answer */
	uint32_t exit_mask;
	uint16_t tag;                /* VPID (VMX) or ASID (SVM): vcpu_tag_claim */
	uint8_t reason_binding[VMEXIT_REASONS]; /* bound[i] for reason is entry i + 1; 0: default
						 * (read through vcpu_bound_slot) */
	bool long_mode;
	uint8_t entry_work;          /* VCPU_ENTRY_*: what the next entry must do first (vcpu.h) */
	uint64_t dr[4];              /* the guest's DR0-DR3 (DR6, DR7: the backend's) */
	uint64_t xcr0;               /* the guest's XCR0: in the CPU only while it runs (fpu.h) */
	bool xcr0_news;              /* it changed without an XSETBV exit: the next exit carries it */
	uint32_t flags;              /* VCPU_* from moat/vmexit.h */
	union {                      /* the backend's own state (vcpu_hw.h) */
		struct vmx_vcpu vmx;
		struct svm_vcpu svm;
	};
};

/* Object sizes for retype. */
#define THREAD_BYTES       4096
#define ENDPOINT_BYTES     64
#define NOTIFICATION_BYTES 64

_Static_assert(sizeof(struct thread) <= THREAD_BYTES, "thread fits its page");
_Static_assert(sizeof(struct vcpu) <= 4096, "vcpu fits its page");
_Static_assert(sizeof(struct endpoint) <= ENDPOINT_BYTES, "endpoint fits");
_Static_assert(sizeof(struct notification) <= NOTIFICATION_BYTES, "notification fits");

#endif
