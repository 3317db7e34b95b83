/*
 * The syscall fuzzer's shared declarations (docs/testing.md describes the
 * fuzzer as a whole).  Files:
 *   main.c   the supervisor: rounds of fresh objects, workers on every CPU, the report
 *   watch.c  each CPU's idle thread and watchdog: blocked workers, spinners below them
 *   worker.c a worker thread: random calls, a check after each, exit and fault replies
 *   calls.c  argument shapes and mostly-valid random arguments for every syscall
 *   pool.c   the typed pool: which object each slot of the fuzzer's range holds
 *   guest.c  random guests (real, protected, long mode) and random VM-exit replies
 *   rng.c    the random numbers, one stream per thread, all from the run's seed
 */
#ifndef FUZZ_H
#define FUZZ_H

#include <stdbool.h>
#include <stdint.h>

#include "moat/syscall.h"
#include "moat/user.h"
#include "moat/vmexit.h"
#include "array.h"


/* The capability slots: the pool, which random calls may name, and the fuzzer's own. */
#define POOL_FIRST   SLOT_USER_FIRST_FREE
#define POOL_SLOTS   128
#define PRIV_FIRST   (POOL_FIRST + POOL_SLOTS + 8) /* never named by a random call */

/*
 * The CPUs and the workers on them (main.c): n_workers workers, worker i
 * at home on CPU i % n_cpus, at least WORKERS_MIN of them and as many on
 * each CPU (one CPU: 3; two: 4; four: 4).
 */
#define CPUS_MAX     16 /* the kernel keeps 16 processors at most (docs/smp.md) */
#define WORKERS_MIN  3
#define WORKERS_MAX  CPUS_MAX
extern unsigned n_cpus, n_workers;
extern uint64_t rounds; /* rounds finished */

/* Priorities: the supervisor wakes whenever it is signalled; workers above their victims. */
#define PRIO_SUPERVISOR 60
#define PRIO_WORKER     40
#define PRIO_IDLE       1  /* a CPU's idle thread: runs only when all else on its CPU is blocked */

/* Addresses in the fuzzer's own task. */
#define WINDOW_VADDR  0x40000000ULL /* where random calls may map frames */
#define WINDOW_PAGES  64
#define SETUP_VADDR   0x48000000ULL /* where the supervisor maps frames it fills */
#define WUTCB_VADDR   0x50000000ULL /* the workers' UTCBs, one page each */
#define VICTIM_CODE   0x400000ULL   /* where pool tasks get their random code */

/* rng.c: xorshift64*, one state per thread. */
struct rng {
	uint64_t s;
};
uint64_t rnd(struct rng *r);
uint64_t below(struct rng *r, uint64_t n);
void rng_seed(struct rng *r, uint64_t seed, uint64_t stream);

/* pool.c */
extern volatile uint8_t pool_type[POOL_SLOTS];
uint64_t pool_slot(unsigned i);
void pool_refresh(void);
void pool_refresh_slot(uint64_t slot);
uint64_t pool_pick(struct rng *r, unsigned type);  /* a slot holding `type`, else any */
uint64_t pool_empty(struct rng *r);                /* an empty slot, else any */
uint64_t pool_any(struct rng *r);                  /* any slot of the pool, or an invalid one */

/* One worker's state. */
struct worker {
	unsigned id;
	volatile unsigned cpu;       /* where it runs: its home, unless a worker moved it this round */
	struct rng rng;
	struct utcb *utcb;
	uint64_t calls, quota;       /* calls made this run; to make this round */
	uint64_t counts[ERR_COUNT + 1];
	uint64_t exits, exit_replies_ok, faults;
	uint64_t broken_at, broken_nr; /* the first call after which a check failed */
	uint64_t broken_status, broken_count; /* what that check returned */
	uint64_t broken;
	uint64_t objects_broken, objects_broken_round; /* mid-round full checks failed; the first's round */
	uint64_t on_cpu[CPUS_MAX];   /* calls made on each CPU (RDTSCP's, where it has one) */
	volatile bool done;
};

/* calls.c: makes one random call; returns its number, its status and the registers it left. */
uint64_t fuzz_one_call(struct worker *w, uint64_t *status, struct sysregs *out);
uint64_t fuzz_prio(struct rng *r);

/* guest.c */
extern bool guests_possible; /* retyping a vCPU worked */
extern uint64_t exit_endpoints[2];   /* where this round's vCPUs send their exits */
void guest_build(struct rng *r, uint8_t *ram, unsigned mode);
void guest_state(struct rng *r, uint64_t *w, unsigned mode);
void guest_reply(struct rng *r, uint64_t *w, const uint64_t *exit);
#define GUEST_RAM_PAGES 8
#define GUEST_MODES     3

/* worker.c */
extern struct worker workers[WORKERS_MAX];
extern bool rdtscp;   /* the CPU has RDTSCP: workers count calls by the CPU it names */
void worker_main(uint64_t id) __attribute__((noreturn));
uint64_t calls_made(void); /* by every worker, so far */

/* watch.c */
extern volatile uint64_t idle_beats[CPUS_MAX]; /* counts while the CPU's idle thread runs */
extern volatile uint64_t idle_seen[CPUS_MAX];  /* calls_made() when it last saw its CPU idle */
extern uint64_t spinner_stops[CPUS_MAX];       /* spinners its watchdog found */
void idle_main(uint64_t cpu) __attribute__((noreturn));
void watch_start(void);
void watch_tick(void);
bool workers_blocked(void);
bool watchdog_finds_spinners(void);

/* Private slots main.c sets up for the workers and idle threads. */
#define SLOT_SUP_NTFN   (PRIV_FIRST + 0)  /* the supervisor waits here */
#define SLOT_SUP_DONE   (PRIV_FIRST + 1)  /* badge 1: a worker finished its quota */
#define SLOT_SUP_TICK   (PRIV_FIRST + 3)  /* badge 2: the PIT's watchdog tick */
#define SLOT_POOL_UT    (PRIV_FIRST + 4)  /* the untyped memory each round's pool comes from */
#define SLOT_SPINNER    (PRIV_FIRST + 5)  /* watchdog_finds_spinners's thread */
#define SLOT_WORKER(i)  (PRIV_FIRST + 8 + 4 * (i))     /* its thread */
#define SLOT_WUTCB(i)   (PRIV_FIRST + 8 + 4 * (i) + 1) /* its UTCB frame */
#define SLOT_WGO(i)     (PRIV_FIRST + 8 + 4 * (i) + 2) /* its start signal */
#define SLOT_IDLE(c)    (PRIV_FIRST + 8 + 4 * WORKERS_MAX + 2 * (c))     /* CPU c's idle thread */
#define SLOT_SUP_IDLE(c) (PRIV_FIRST + 8 + 4 * WORKERS_MAX + 2 * (c) + 1) /* badge BADGE_IDLE(c) */
#define BADGE_DONE 1
#define BADGE_TICK 2
#define BADGE_IDLE(c) (4ULL << (c)) /* CPU c's idle thread saw something new */
_Static_assert(SLOT_SUP_IDLE(CPUS_MAX - 1) < CSPACE_SLOTS, "the private slots must fit");

#endif
