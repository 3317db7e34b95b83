/*
 * What every user program can rely on at startup, and the user runtime
 * (lib/user/) built on it.  docs/root-task.md explains the layout.
 *
 * Address space of a program the root task starts (the root's own matches):
 *   USER_IMAGE_BASE .. USER_HEAP_VADDR  the ELF image (lib/user/user.ld)
 *   USER_HEAP_VADDR                     heap: the config's memory= minus the stack
 *   USER_THREADS_VADDR                  the program's own threads, if it makes some
 *   USER_STARTINFO_VADDR                struct startinfo, read-only (root: bootinfo)
 *   USER_UTCB_VADDR                     the thread's UTCB
 *   USER_STACK_TOP                      top of a USER_STACK_PAGES stack
 * The program starts at the ELF entry with rsp = USER_STACK_TOP and
 * rdi = USER_STARTINFO_VADDR.
 */
#ifndef MOAT_USER_H
#define MOAT_USER_H

#include <stdint.h>

#include "abi.h"

#define USER_IMAGE_BASE      0x400000ULL
#define USER_HEAP_VADDR      0x10000000ULL
#define USER_HEAP_MAX        0x20000000ULL /* heap + stack (memory=) at most 512 MiB */
#define USER_STARTINFO_VADDR ROOT_BOOTINFO_VADDR
#define USER_UTCB_VADDR      ROOT_UTCB_VADDR
#define USER_STACK_TOP       ROOT_STACK_TOP
#define USER_STACK_PAGES     ROOT_STACK_PAGES
#define USER_STACK_BYTES     (USER_STACK_PAGES * (uint64_t)PAGE_BYTES)

/*
 * The threads a program makes itself (lib/user/thread.c), each in a region
 * of its own: its UTCB in the region's top page, its stack right below it,
 * the rest unmapped, so that a stack overflow faults.  utcb() finds a
 * thread's UTCB from its stack pointer.
 */
#define USER_THREADS_VADDR   0x3c000000ULL
#define USER_THREAD_REGION   0x10000ULL /* 64 KiB each */
#define USER_THREADS_MAX     1024       /* up to 0x40000000 */

#define STARTINFO_MAGIC       0x464e495452415453ULL /* "STARTINF" */
#define STARTINFO_NAME_LEN    32
#define STARTINFO_MAX_CONNECT 8  /* connect= endpoints */
#define STARTINFO_MAX_MODULES 48 /* modules= frames */
#define STARTINFO_MAX_CLIENTS 16 /* servers that connect to it: every other one of a config */

/*
 * Capability slots of a started program.  Slots 1-22 mean the same as the
 * root's (enum root_slot): SLOT_CONSOLE (5), SLOT_IOPORTS (6, the range the
 * config gave) and IRQ n in SLOT_IRQ_FIRST + n (7-22).  Any of them may be
 * empty when the config did not grant it.  SLOT_FAULT is where the
 * program's threads report faults (fault_endpoint_slot): the root takes
 * any message sent there as a fault of the program (docs/root-task.md).
 */
enum user_slot {
	SLOT_SELF_TASK = SLOT_ROOT_TASK,     /* own task (all rights) */
	SLOT_SELF_THREAD = SLOT_ROOT_THREAD, /* own thread */
	SLOT_SELF_UTCB = SLOT_ROOT_UTCB,     /* own UTCB frame */
	SLOT_STARTINFO = SLOT_ROOT_BOOTINFO, /* the startinfo frame (read-only) */
	SLOT_ENDPOINT = SLOT_FIRST_FREE_FIXED, /* own endpoint (R, W, G), if it has clients */
	SLOT_UNTYPED,                        /* own untyped memory (untyped=) */
	SLOT_FAULT,                          /* the root's fault endpoint, badged as it (W) */
	SLOT_CONNECT_FIRST,                  /* connect=: badged send caps, config order */
	SLOT_MODULE_FIRST = SLOT_CONNECT_FIRST + STARTINFO_MAX_CONNECT, /* modules=: frames (R) */
	SLOT_SCHED_CONTROL = SLOT_MODULE_FIRST + STARTINFO_MAX_MODULES, /* sched_control: budgets */
	SLOT_USER_FIRST_FREE                 /* the program's own */
};

/* A boot module given by modules=: its frame is in SLOT_MODULE_FIRST + i. */
struct startinfo_module {
	char name[STARTINFO_NAME_LEN];    /* the name modules= gave */
	uint64_t bytes;                   /* exact size; the frame rounds up to pages */
};

/*
 * A server that connects to this one (its connect= names it): the badge
 * its calls carry and its name in the config.  The root writes both, so a
 * server can name a client without taking the client's word for it.
 */
struct startinfo_client {
	uint64_t badge;
	char name[STARTINFO_NAME_LEN];
};

/* What the root tells a started program, at USER_STARTINFO_VADDR. */
struct startinfo {
	uint64_t magic;                   /* STARTINFO_MAGIC */
	char name[STARTINFO_NAME_LEN];    /* the server's name in the config */
	uint64_t heap_vaddr, heap_bytes;  /* zeroed read-write memory */
	uint64_t stack_top, stack_bytes;
	uint64_t badge;                   /* the badge its connect= calls carry */
	uint64_t untyped_pages;           /* 0: SLOT_UNTYPED is empty */
	uint64_t has_endpoint;            /* SLOT_ENDPOINT holds its endpoint */
	uint64_t has_fault_endpoint;      /* SLOT_FAULT holds where its threads' faults go */
	uint64_t has_ioports;             /* SLOT_IOPORTS holds io_first .. io_last */
	uint64_t io_first, io_last;
	uint64_t irq_mask;                /* bit n: IRQ n in SLOT_IRQ_FIRST + n */
	uint64_t connect_count;           /* connection i in SLOT_CONNECT_FIRST + i */
	char connect[STARTINFO_MAX_CONNECT][STARTINFO_NAME_LEN]; /* their server names */
	uint64_t module_count;            /* module i in SLOT_MODULE_FIRST + i */
	struct startinfo_module modules[STARTINFO_MAX_MODULES];
	uint64_t tsc_hz;                  /* TSC counts per second (bootinfo's, docs/root-task.md) */
	uint64_t client_count;            /* its clients, in config order */
	struct startinfo_client clients[STARTINFO_MAX_CLIENTS];
	uint64_t has_sched_control;       /* SLOT_SCHED_CONTROL holds the right to set budgets */
};

_Static_assert(sizeof(struct startinfo) <= PAGE_BYTES, "startinfo must fit in one page");
_Static_assert(SLOT_USER_FIRST_FREE < CSPACE_SLOTS, "the fixed slots must fit");

/* Runtime (lib/user/). */

/* Formats like printf and writes to the console in SLOT_CONSOLE (if any). */
int uprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Ends the program: reports status on the console, then suspends the thread for good. */
void task_exit(int status) __attribute__((noreturn));

/* The time-stamp counter: under Bochs it counts instructions, which the benchmarks report. */
static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

/* Whether the CPU has RDTSCP (CPUID 0x80000001, EDX bit 27). */
static inline int have_rdtscp(void)
{
	uint32_t a = 0x80000001, b, c = 0, d;

	asm volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	return (d >> 27) & 1;
}

/* The CPU this thread runs on now: RDTSCP's TSC_AUX, the CPU's number (docs/smp.md). */
static inline uint64_t own_cpu(void)
{
	uint32_t lo, hi, aux;

	asm volatile("rdtscp" : "=a"(lo), "=d"(hi), "=c"(aux));
	return aux;
}

/* This thread's UTCB: the first thread's, or the top page of a made thread's region. */
static inline struct utcb *utcb(void)
{
	uint64_t sp;
	asm("mov %%rsp, %0" : "=r"(sp));
	if (sp - USER_THREADS_VADDR < USER_THREADS_MAX * USER_THREAD_REGION)
		return (struct utcb *)((sp | (USER_THREAD_REGION - 1)) + 1 - PAGE_BYTES);
	return (struct utcb *)USER_UTCB_VADDR;
}

/*
 * Starts a thread at entry(arg) in region `region` (below USER_THREADS_MAX)
 * with a stack of stack_pages, its objects retyped from untyped into the
 * slots thread, utcb_frame and stack_frame, at the highest priority the
 * kernel lets us give (our own), its faults going where the first thread's
 * go (fault_endpoint_slot).  Returns the first failing call's status.
 */
uint64_t thread_start_in_region(uint64_t untyped, unsigned region, uint64_t stack_pages,
				uint64_t thread, uint64_t utcb_frame, uint64_t stack_frame,
				void (*entry)(uint64_t), uint64_t arg);
/* The region's UTCB address. */
static inline uint64_t thread_region_utcb(unsigned region)
{
	return USER_THREADS_VADDR + (region + 1) * USER_THREAD_REGION - PAGE_BYTES;
}
/* Gives thread the highest priority the kernel lets us give (our own); returns it. */
uint64_t thread_highest_priority(uint64_t thread);
/*
 * How many CPUs run threads (they are numbered from 0): found by moving
 * `thread`, a thread capability with the W right, to each in turn until
 * SYS_THREAD_SET_CPU refuses; it stays on the last one.  0 if it refuses CPU 0.
 */
unsigned cpus_running(uint64_t thread);

/* The startinfo page, or NULL when the program has none (the root task). */
const struct startinfo *startinfo(void);

/* The program's name: the startinfo name, or "root". */
const char *program_name(void);

/*
 * Where the program's threads report their faults: SLOT_FAULT when the
 * startinfo says the root put its fault endpoint there, else SLOT_NONE
 * (a fault then only stops the thread).
 */
uint64_t fault_endpoint_slot(void);

/* The slot of the connection to server `name`, or SLOT_NONE. */
uint64_t connection_slot(const char *name);

/*
 * The slot of the frame of boot module `name` (modules=), or SLOT_NONE.  Its
 * exact size goes to *bytes if bytes is not NULL and the module is found.
 */
uint64_t module_slot(const char *name, uint64_t *bytes);

/* A short name for a syscall status ("OK", "ERR_NO_MEMORY", ...). */
const char *status_name(uint64_t status);

/*
 * Calls ep with label and n words (0 .. MSG_MAX_WORDS).  The reply's words,
 * up to n of them, overwrite words[]; its tag goes to *reply_tag if not NULL.
 * Returns the syscall status.
 */
uint64_t ipc_call_words(uint64_t ep, uint64_t label, uint64_t *words, unsigned int n,
			uint64_t *reply_tag);

#endif
