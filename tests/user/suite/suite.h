/*
 * The user-level kernel test suite: shared declarations.
 *
 * Each case is a function returning PASS, FAIL or SKIP; the runner (main.c)
 * prints one TAP-like line per case and cleans up after it: every scratch
 * slot the case allocated is deleted and the suite's untyped memory is
 * revoked, so each case starts from the same capability space.
 */
#ifndef SUITE_H
#define SUITE_H

#include <stddef.h>
#include <stdint.h>

#include "mem.h"
#include "moat/port_io.h"
#include "moat/syscall.h"
#include "moat/user.h"
#include "array.h"

enum result { PASS, FAIL, SKIP };

struct test_case {
	const char *name;
	enum result (*fn)(void);
};

/* Each file contributes one table; main.c runs them in order. */
struct test_group {
	const struct test_case *cases;
	unsigned int count;
};

#define GROUP(table) { table, ARRAY_LEN(table) }

extern const struct test_group caps_group, memory_group, ipc_group, timer_group, thread_group,
	fpu_group, fsgs_group, device_group, isolation_group, budget_group, smp_group, irqcpu_group,
	longops_group,
	final_group;

/* Why the current case skips; set by SKIP(). */
extern const char *skip_reason;

#define CHECK(cond)                                                                   \
	do {                                                                          \
		if (!(cond)) {                                                        \
			uprintf("# %s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
			return FAIL;                                                  \
		}                                                                     \
	} while (0)

/* Checks that a syscall returned the status `want`. */
#define CHECK_ST(expr, want)                                                          \
	do {                                                                          \
		uint64_t st_ = (expr), want_ = (want);                                \
		if (st_ != want_) {                                                   \
			uprintf("# %s:%d: %s: got %s, want %s\n", __FILE__, __LINE__, \
				#expr, status_name(st_), status_name(want_));         \
			return FAIL;                                                  \
		}                                                                     \
	} while (0)

#define CHECK_OK(expr) CHECK_ST(expr, OK)


/* Checks that a helper (returning 0 on failure after saying why) succeeded. */
#define CHECK_MADE(x) CHECK((x) != 0)

#define SKIP(why)                    \
	do {                         \
		skip_reason = (why); \
		return SKIP;         \
	} while (0)

/* --- resources of the current case (support.c) --- */

/* The suite's own thread's priority, probed at start. */
extern uint64_t own_priority;
/* Finds own_priority: the highest a new thread may be given. */
void probe_own_priority(void);

/* A fresh empty scratch slot; all of them are emptied after each case. */
uint64_t slot_alloc(void);
/* n consecutive fresh slots; returns the first. */
uint64_t slots_alloc(unsigned int n);
/* Deletes every scratch slot and revokes the untyped memory. */
void case_cleanup(void);
/* The kernel finds every invariant it checks holding (SYS_DEBUG_CHECK). */
int invariants_hold(void);

/* A new object of `type` from the suite's untyped memory, in a fresh slot; 0 on failure. */
uint64_t obj_new(uint64_t type);
/* A new frame of `pages` pages; 0 on failure. */
uint64_t frame_new(uint64_t pages);
/* A new task with `pt_pages` pages of page-table quota; 0 on failure. */
uint64_t task_new(uint64_t pt_pages);
/* A copy of cap `src` with rights masked and badge set, in a fresh slot; 0 on failure. */
uint64_t cap_dup(uint64_t src, uint64_t rights, uint64_t badge);

/* A fresh page-aligned address range of `pages` pages in the suite's own scratch window. */
uint64_t va_alloc(uint64_t pages);
/* Maps a new frame into the suite's own address space; returns its address, 0 on failure. */
void *frame_map_new(uint64_t pages, uint64_t rights, uint64_t *frame_slot);

/* The type of the capability in slot, OBJ_NONE if empty or invalid. */
uint64_t cap_type(uint64_t slot);

/* --- helper threads in the suite's own task (support.c) --- */

struct helper {
	uint64_t thread;              /* slot of its thread capability */
	struct utcb *u;               /* its UTCB, as mapped in the suite */
	void (*fn)(struct helper *h); /* what it runs; then it suspends itself */
	uint64_t arg[4];              /* for fn */
	volatile uint64_t state;      /* progress, written by fn (HELPER_DONE at the end) */
	volatile uint64_t status;     /* a syscall status fn reports */
	volatile uint64_t value[4];   /* values fn reports */
	uint64_t stack_top;           /* its initial rsp */
};

#define HELPER_DONE 0xd0e

/* A configured thread in the suite's task, at the suite's priority, not started. */
struct helper *helper_prepare(uint64_t fault_ep);
/* Starts a prepared helper at fn(h); NULL on failure (also when h is NULL). */
struct helper *helper_go(struct helper *h, void (*fn)(struct helper *h), uint64_t a0,
			 uint64_t a1);
/* helper_prepare and helper_go in one. */
struct helper *helper_start(void (*fn)(struct helper *h), uint64_t fault_ep, uint64_t a0,
			    uint64_t a1);
/* As helper_start, but the thread starts at rip with rdi = arg, on its own stack. */
struct helper *helper_start_at(uint64_t rip, uint64_t arg, uint64_t fault_ep);
/* Yields until h->state reaches at least `state`; 0 after a timeout (reported). */
int helper_wait(struct helper *h, uint64_t state);
/* Yields until *v differs from `old`; 0 after a timeout (reported). */
int wait_change(volatile uint64_t *v, uint64_t old);
/* Yields n times, giving equal-priority threads the processor. */
void yield_n(unsigned int n);
/* timer.c: TSC counts per second (startinfo's; 0 if it has none). */
uint64_t tsc_hz(void);
/* timer.c: sleeps the suite's own thread until the TSC passes t, on a fresh notification. */
int sleep_until(uint64_t t);
/* The CPUs that run threads (moat/user.h's cpus_running, on a thread made for it). */
#define CPUS_RUNNING() cpus_running(obj_new(OBJ_THREAD))
/* smp.c: a helper on CPU `cpu`, running fn; NULL (reported) on failure. */
struct helper *helper_on(unsigned cpu, void (*fn)(struct helper *h), uint64_t fault_ep,
			 uint64_t a0);
/* smp.c: spins (no syscall) until *v differs from old; 0 after WAIT_TSC_LIMIT. */
int spin_change(volatile uint64_t *v, uint64_t old);
#define WAIT_TSC_LIMIT 4000000000ULL /* a few seconds under emulation: then a case fails */
/*
 * support.c: CPUID's hypervisor bit: QEMU sets it (its TSC counts time),
 * Bochs does not (its TSC counts instructions).  QEMU (with -icount) runs
 * its CPUs in turns on one host thread, each turn up to 10 ms of its
 * clock, so a thread woken on another CPU there waits for that CPU's
 * turn, and no cross-CPU latency can be held to a bound.
 */
int under_a_hypervisor(void);

/* Skips unless a second CPU runs threads (and, for cases that ask, RDTSCP says which). */
#define NEED_TWO_CPUS()                                                         \
	do {                                                                    \
		if (CPUS_RUNNING() < 2)                                         \
			SKIP("one CPU runs threads (the emulator has one, or cpus=1)"); \
	} while (0)
/* Whether the suite holds I/O ports first..last, and IRQ line irq. */
int holds_ports(uint64_t first, uint64_t last);
int holds_irq(uint64_t irq);

/* --- PIT channel 0, which raises IRQ 0 (support.c) --- */

#define PIT_CH0      0x40
#define PIT_CMD      0x43
#define PIT_ONE_SHOT 0     /* mode 0: interrupt on terminal count */
#define PIT_PERIODIC 2     /* mode 2: rate generator */
#define PIT_10MS     11932 /* counts of its 1.193182 MHz clock */
/*
 * The PIT's period while a long operation is watched: 1 ms.  It must be
 * longer than the suite's handling of one interrupt (about 1,500
 * instructions) in every emulator's time: under QEMU -icount shift=7,
 * 100 us was 781 instructions, and the interrupts alone then took all the
 * time.
 */
#define PIT_1MS      1193

/* Starts channel 0 counting `count` in `mode`. */
void pit_program(unsigned int mode, uint16_t count);
/* Stops channel 0: a control word without a count raises nothing. */
void pit_stop(void);
/*
 * Whether the suite can watch a long operation of a lower-priority helper
 * on the PIT's interrupts: IRQ 0, the PIT's ports, and a priority to spare.
 */
int can_watch_with_pit(void);

/* --- threads in a second task, running position-independent code (support.c) --- */

#define CHILD_CODE_VADDR 0x400000ULL
#define CHILD_EP_SLOT    1 /* where child code finds its endpoint */

struct child {
	uint64_t task, thread;
};

/* A new task holding `code` at CHILD_CODE_VADDR and a configured thread; 0 on failure. */
int child_create(struct child *c, const void *code, uint64_t len, uint64_t fault_ep);
/* Starts the child's thread at the code with rdi = arg. */
uint64_t child_start(struct child *c, uint64_t arg);

/* Code for children (snippets.c): start and end of each piece. */
extern const char snip_echo[], snip_echo_end[];
extern const char snip_spin[], snip_spin_end[];
extern const char snip_inb[], snip_inb_in[], snip_inb_end[];
extern const char snip_fpu_secret[], snip_fpu_secret_end[];
extern const char snip_read_bases[], snip_read_bases_end[];

/* What snip_fpu_secret keeps in xmm0 (and in ymm0's upper half). */
#define FPU_SECRET 0x5ec2e75ec2e75ec2ULL

/* Probes for helpers in the suite's own task (snippets.c). */
uint64_t probe_read(uint64_t addr);
void probe_write(uint64_t addr, uint64_t value);
void probe_ud2(void);
uint64_t probe_inb(uint64_t port);
extern const char probe_read_after[], probe_write_after[], probe_ud2_after[];
extern const char probe_regs_spin[], probe_regs_spin_loop[], probe_regs_landing[];
extern volatile uint64_t probe_landing_value;

/* What probe_regs_spin loads before it spins. */
#define PROBE_RBX 0x0b0b0b0b0b0b0b0bULL
#define PROBE_R12 0x1212121212121212ULL
#define PROBE_R15 0xf1f1f1f1f1f1f1f1ULL

/* A message with a tag and up to four register words. */
static inline struct msg msg(uint64_t label, uint64_t words, uint64_t a, uint64_t b,
			     uint64_t c, uint64_t d)
{
	return (struct msg){ MSG_TAG(label, words, 0), { a, b, c, d } };
}

#endif
