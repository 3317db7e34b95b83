/*
 * The kernel's user interface, shared by the kernel and every user program:
 * syscall numbers, status codes, object types, rights, the message tag, the
 * IPC buffer (UTCB) and the root task's boot information.  docs/syscalls.md
 * explains each call; this file is the single definition both sides use.
 *
 * Calling convention (syscall instruction):
 *   in:  rax = syscall number, arguments in rdi, rsi, rdx, r10, r8, r9
 *   out: rax = status (enum moat_status), results in rdi, rsi, rdx, r10, r8, r9
 *   rcx and r11 are clobbered (the CPU uses them); everything else is kept.
 * IPC calls carry the message tag in rsi and message words 0-3 in rdx, r10,
 * r8, r9; words 4 and up travel in the threads' UTCBs.
 */
#ifndef MOAT_ABI_H
#define MOAT_ABI_H

#include <stdint.h>

enum moat_syscall {
	SYS_SEND,              /* (ep, tag, mr0-3) */
	SYS_RECV,              /* (ep) -> badge, tag, mr0-3 */
	SYS_CALL,              /* (ep, tag, mr0-3) -> -, tag, mr0-3 */
	SYS_REPLY,             /* (-, tag, mr0-3) */
	SYS_REPLY_RECV,        /* (ep, tag, mr0-3) -> badge, tag, mr0-3 */
	SYS_NB_SEND,           /* as SEND; ERR_WOULD_BLOCK if no receiver waits */
	SYS_NB_RECV,           /* as RECV; ERR_WOULD_BLOCK if no sender waits */
	SYS_SIGNAL,            /* (ntfn) */
	SYS_WAIT,              /* (ntfn) -> bits */
	SYS_POLL,              /* (ntfn) -> bits; ERR_WOULD_BLOCK if none */
	SYS_YIELD,             /* () */
	SYS_CAP_COPY,          /* (src, dst_task, dst, rights_mask, badge) */
	SYS_CAP_MOVE,          /* (src, dst_task, dst) */
	SYS_CAP_DELETE,        /* (slot) */
	SYS_CAP_REVOKE,        /* (slot): deletes every capability derived from it */
	SYS_CAP_INFO,          /* (slot) -> type, rights, badge, size */
	SYS_RETYPE,            /* (untyped, type, pages, dst, count) */
	SYS_MAP,               /* (frame, task, vaddr, rights) */
	SYS_UNMAP,             /* (frame) */
	SYS_THREAD_CONFIGURE,  /* (thread, task, utcb_frame, fault_ep) */
	SYS_THREAD_START,      /* (thread, rip, rsp, arg) */
	SYS_THREAD_SUSPEND,    /* (thread) */
	SYS_THREAD_RESUME,     /* (thread) */
	SYS_THREAD_SET_PRIORITY, /* (thread, priority) */
	SYS_THREAD_READ_REGS,  /* (thread, set): REGS_USER's, _SSE's or _X87's into the caller's utcb->mr */
	SYS_THREAD_WRITE_REGS, /* (thread, set): the same from the caller's utcb->mr */
	SYS_IRQ_BIND,          /* (irq, ntfn) */
	SYS_IRQ_ACK,           /* (irq) */
	SYS_IOPORT_DERIVE,     /* (ioport, first, last, dst) */
	SYS_DEBUG_WRITE,       /* (console, buf, len) */
	SYS_DEBUG_EXIT,        /* (console, status): ends the emulator (tests) */
	SYS_DEBUG_CHECK,       /* (console): kernel checks its invariants -> number broken */
	SYS_GPA_MAP,           /* (frame, gpa_space, gpa, rights): map into a guest's memory */
	SYS_VCPU_CONFIGURE,    /* (vcpu, gpa_space, flags) */
	SYS_VCPU_BIND,         /* (vcpu, exit reason or VMEXIT_DEFAULT, endpoint, state mask) */
	SYS_VCPU_WRITE_STATE,  /* (vcpu): guest state from the caller's utcb, exit-message layout */
	SYS_VCPU_RUN,          /* (vcpu): start or resume the guest */
	SYS_VCPU_RECALL,       /* (vcpu): make a running vCPU exit to its handler soon */
	SYS_CONSOLE_TAKE,      /* (console, ntfn): the console's driver takes the kernel's output */
	SYS_CONSOLE_READ,      /* (console, max): that output into utcb->mr -> bytes (one line at most) */
	SYS_WAIT_UNTIL,        /* (ntfn, deadline): as WAIT; ERR_TIMEOUT once the TSC reaches deadline */
	SYS_TASK_SET_BUDGET,   /* (sched_control, task, budget_us, period_us, flags) */
	SYS_THREAD_SET_CPU,    /* (thread, cpu): the one CPU it runs on from now on */
	SYS_IRQ_SET_CPU,       /* (irq, cpu): the CPU the line's interrupts come to from now on */
	SYS_DEBUG_CPU_COUNTS,  /* (console, cpu) -> device interrupts, kick IPIs, ticks it has taken */
	SYS_COUNT
};

/* Every syscall returns one of these in rax. */
enum moat_status {
	OK,
	ERR_INVALID_SYSCALL, /* no such syscall number */
	ERR_INVALID_ARG,     /* an argument is out of range */
	ERR_INVALID_SLOT,    /* a slot index beyond the capability space */
	ERR_EMPTY_SLOT,      /* the slot holds no capability (deleted or revoked) */
	ERR_SLOT_OCCUPIED,   /* a destination slot is not empty */
	ERR_WRONG_TYPE,      /* the capability names the wrong kind of object */
	ERR_NO_RIGHTS,       /* the capability lacks a right the operation needs */
	ERR_NO_MEMORY,       /* the untyped memory or page-table quota is used up */
	ERR_BAD_ADDRESS,     /* an address is unaligned, not user space, or not mapped */
	ERR_WOULD_BLOCK,     /* a non-blocking call found nobody to talk to */
	ERR_NO_REPLY,        /* reply with no caller waiting for one */
	ERR_DELETED,         /* the object was deleted while the caller waited on it */
	ERR_BUSY,            /* already mapped, bound or started; or the slot is in use */
	ERR_CANCELED,        /* the blocked call was cut short (thread suspended) */
	ERR_UNSUPPORTED,     /* this machine lacks what the call needs (e.g. VMX for a vCPU) */
	ERR_TIMEOUT,         /* a timed wait reached its deadline first */
	ERR_COUNT,
	/*
	 * Never in rax: a kernel handler's word to its dispatcher that the
	 * call has not ended.  Named here so that handlers have one result
	 * type (docs/syscalls.md, "The kernel's side").
	 */
	STATUS_BLOCKED = -1, /* the caller waits; its status is written when it wakes */
	STATUS_RESTART = -2, /* the call stopped early to let others run; it runs again */
};

/* Kinds of kernel objects a capability can name. */
enum moat_object {
	OBJ_NONE,
	OBJ_UNTYPED,      /* free physical memory, retyped into other objects */
	OBJ_FRAME,        /* one or more contiguous 4 KiB pages */
	OBJ_TASK,         /* an address space and a capability space */
	OBJ_THREAD,       /* a schedulable thread */
	OBJ_ENDPOINT,     /* synchronous IPC rendezvous */
	OBJ_NOTIFICATION, /* asynchronous bits: signals and interrupts */
	OBJ_IRQ,          /* one interrupt line */
	OBJ_IOPORT,       /* a range of I/O ports */
	OBJ_CONSOLE,      /* the kernel's debug console */
	OBJ_GPA_SPACE,    /* a guest-physical address space (EPT) */
	OBJ_VCPU,         /* a virtual CPU: a kernel-only VMCS, scheduled like a thread */
	OBJ_FRAME_2M,     /* a frame of 2 MiB pages: 2 MiB-aligned, mapped with 2 MiB leaves */
	OBJ_FRAME_1G,     /* a frame of 1 GiB pages: 1 GiB-aligned, mapped with 1 GiB leaves */
	OBJ_SCHED_CONTROL, /* the right to give tasks CPU budgets (only the root gets one) */
	OBJ_TYPE_COUNT
};

/* Rights.  Endpoints: W = send/call, R = receive, G = transfer capabilities.
 * Notifications: W = signal, R = wait.  Frames: mapping rights.
 * Other objects: W = use or control. */
#define RIGHT_R   1u
#define RIGHT_W   2u
#define RIGHT_X   4u
#define RIGHT_G   8u
#define RIGHTS_ALL 15u

/* SYS_DEBUG_CHECK's scope (rsi); 0 checks everything. */
#define DEBUG_CHECK_OBJECTS  1u /* capabilities, reference counts, thread states: slow */
#define DEBUG_CHECK_HARDWARE 2u /* descriptor tables, MSRs, CRs, TSS, EPTP/nCR3: fast */
/* Alone: no check; the kernel lock's longest hold so far (rdi) and its reason (rsi). */
#define DEBUG_LOCK_HOLD      4u
/* With HARDWARE: every other CPU's too, each in a cross call (0 includes it) */
#define DEBUG_CHECK_OTHER_CPUS 8u

/* A task argument meaning "the caller's own task". */
#define TASK_SELF  ((uint64_t)-1)
/* A slot argument meaning "none" (no UTCB, no fault handler). */
#define SLOT_NONE  ((uint64_t)-1)
/*
 * SYS_TASK_SET_BUDGET: limits (microseconds) and flags.  budget 0 with
 * period 0 takes a task's budget away (unlimited again).
 */
#define BUDGET_MIN_US      100        /* the shortest budget: shorter ones cost more in switches */
#define BUDGET_MAX_PERIOD_US 1000000  /* the longest period: one second */
#define BUDGET_BACKGROUND  1u         /* used up, the task may run while nothing else can */

/* SYS_WAIT_UNTIL's deadline meaning "no deadline": the call waits as SYS_WAIT does. */
#define WAIT_FOREVER ((uint64_t)-1)

#define CSPACE_SLOTS   512
#define PAGE_BYTES     4096
/*
 * User addresses are below this: the canonical lower half but its last
 * page, which is never mapped, so that the rip after a syscall is always
 * canonical (a sysret to a non-canonical rip faults in ring 0 on Intel).
 */
#define USER_TOP       0x00007ffffffff000ULL

/* Message tag: label (48 bits) | capabilities (2 bits) | words (7 bits). */
#define MSG_MAX_WORDS  80 /* the exit message's 76 and a little room */
#define MSG_REG_WORDS  4
#define MSG_MAX_CAPS   3
#define MSG_TAG(label, words, caps) \
	(((uint64_t)(label) << 16) | ((uint64_t)(caps) << 8) | (uint64_t)(words))
#define MSG_LABEL(tag) ((tag) >> 16)
#define MSG_CAPS(tag)  (((tag) >> 8) & 3)
#define MSG_WORDS(tag) ((tag) & 0x7f)

/*
 * Message word i (0-3) where it travels: in rdx, r10, r8, r9 of a set of
 * saved registers, which is any struct with fields of those names (the
 * kernel's trap frame, the user's struct sysregs).  The one statement of
 * that mapping, for kernel and user code alike.  An lvalue; a constant i
 * makes it a plain field access.
 */
#define MSG_REG(regs, i) \
	(*((i) == 0 ? &(regs)->rdx : (i) == 1 ? &(regs)->r10 : (i) == 2 ? &(regs)->r8 : &(regs)->r9))
/* Words 0-3 between saved registers and an array w[0..3] of words, either way. */
#define MSG_REGS_TO_WORDS(w, regs) \
	((w)[0] = MSG_REG(regs, 0), (w)[1] = MSG_REG(regs, 1), (w)[2] = MSG_REG(regs, 2), \
	 (w)[3] = MSG_REG(regs, 3))
#define MSG_WORDS_TO_REGS(regs, w) \
	(MSG_REG(regs, 0) = (w)[0], MSG_REG(regs, 1) = (w)[1], MSG_REG(regs, 2) = (w)[2], \
	 MSG_REG(regs, 3) = (w)[3])
/* Words 0-3 from one set of saved registers to another (of either kind). */
#define MSG_REGS_COPY(to, from) \
	(MSG_REG(to, 0) = MSG_REG(from, 0), MSG_REG(to, 1) = MSG_REG(from, 1), \
	 MSG_REG(to, 2) = MSG_REG(from, 2), MSG_REG(to, 3) = MSG_REG(from, 3))

/*
 * The IPC buffer: one page per thread, given to the kernel with
 * SYS_THREAD_CONFIGURE and mapped by the thread's task where it likes.
 */
struct utcb {
	uint64_t mr[MSG_MAX_WORDS];        /* words 0-3 also travel in registers */
	uint64_t send_caps[MSG_MAX_CAPS];  /* slots of capabilities to send */
	uint64_t recv_slots[MSG_MAX_CAPS]; /* empty slots to receive capabilities into */
};

/*
 * SYS_THREAD_READ_REGS / WRITE_REGS: which registers.  REGS_SSE and
 * REGS_X87 name a vCPU (its capability in place of a thread's): its
 * XMM0-15 and MXCSR, or its x87/MMX state, in moat/vmexit.h's struct
 * vm_sse_regs and struct vm_x87_regs, which no exit message carries.
 */
enum regs_set { REGS_USER, REGS_SSE, REGS_X87 };

/* SYS_THREAD_READ_REGS / WRITE_REGS layout in utcb->mr of REGS_USER. */
struct user_regs {
	uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp, rsp;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rip, rflags;
};

/*
 * A fault: the kernel makes the faulting thread call its fault endpoint
 * with label MSG_FAULT and words vector, error code, rip, fault address.
 * A reply with label 0 resumes the thread (at mr0 if words >= 1); any
 * other label leaves it stopped.
 */
#define MSG_FAULT 0xfa17

/* SYS_RETYPE: page counts.  Frame and untyped: pages given (4 KiB pages, a
 * multiple of FRAME_2M_PAGES or FRAME_1G_PAGES for the large frames).  Task: the pages
 * for its own structures plus `pages` more for its page tables. */
#define TASK_BASE_PAGES 12
#define FRAME_2M_PAGES 512
#define FRAME_1G_PAGES (512 * 512)
/* A guest-physical space: 2 pages plus `pages` for its EPT tables.  A vCPU: 3 pages. */
#define GPA_SPACE_BASE_PAGES 2
#define VCPU_PAGES 3

/* Priorities: 0 (lowest) .. 255.  A thread may not raise one above its own. */
#define PRIORITY_MAX 255

/* Root task: where the kernel puts things in its address space. */
#define ROOT_BOOTINFO_VADDR 0x7fffffe00000ULL
#define ROOT_UTCB_VADDR     0x7fffffe01000ULL
#define ROOT_STACK_TOP      0x7ffffff00000ULL
#define ROOT_STACK_PAGES    16

/* Root task: its initial capability slots. */
enum root_slot {
	SLOT_ROOT_TASK = 1,   /* its own task */
	SLOT_ROOT_THREAD,     /* its own thread */
	SLOT_ROOT_UTCB,       /* its UTCB frame */
	SLOT_ROOT_BOOTINFO,   /* the boot information frame (read-only) */
	SLOT_CONSOLE,         /* the debug console */
	SLOT_IOPORTS,         /* every I/O port, 0-0xffff */
	SLOT_IRQ_FIRST,       /* IRQ 0 .. 15 in 16 slots */
	SLOT_FIRST_FREE_FIXED = SLOT_IRQ_FIRST + 16
};

#define BOOTINFO_MAGIC 0x4d4f4154424f4f54ULL /* "MOATBOOT" */
#define BOOTINFO_MAX_UNTYPED 32
#define BOOTINFO_MAX_MODULES 56

struct bootinfo {
	uint64_t magic;
	uint64_t untyped_first, untyped_count; /* slots of untyped memory caps */
	uint64_t module_first, module_count;   /* slots of frame caps, one per module */
	uint64_t first_free_slot;
	struct {
		uint64_t phys, pages;
	} untyped[BOOTINFO_MAX_UNTYPED];
	struct {
		uint64_t bytes;                /* exact size; the frame cap rounds up to pages */
		char name[48];                 /* the module's command line */
	} modules[BOOTINFO_MAX_MODULES];
	uint64_t tsc_hz;                       /* TSC counts per second, as the kernel measured it */
	uint64_t sched_control_slot;           /* the OBJ_SCHED_CONTROL capability (budgets) */
};
_Static_assert(sizeof(struct bootinfo) <= 4096, "the bootinfo is one page");

#endif
