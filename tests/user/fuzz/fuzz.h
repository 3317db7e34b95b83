/*
 * The syscall fuzzer's shared declarations (docs/testing.md describes the
 * fuzzer as a whole).  Files:
 *   main.c   the supervisor: rounds of fresh objects, workers, the watchdog, the report
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
#define WORKERS      3

/* Priorities: the supervisor wakes whenever it is signalled; workers above their victims. */
#define PRIO_SUPERVISOR 60
#define PRIO_WORKER     40
#define PRIO_IDLE       1  /* the idle detector: runs only when everything else is blocked */

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
	struct rng rng;
	struct utcb *utcb;
	uint64_t calls, quota;       /* calls made this run; to make this round */
	uint64_t counts[ERR_COUNT + 1];
	uint64_t exits, exit_replies_ok, faults;
	uint64_t broken_at, broken_nr; /* the first call after which a check failed */
	uint64_t broken;
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
extern struct worker workers[WORKERS];
void worker_main(uint64_t id) __attribute__((noreturn));
void idle_main(uint64_t unused) __attribute__((noreturn));
/* Private slots main.c sets up for the workers. */
#define SLOT_SUP_NTFN   (PRIV_FIRST + 0)  /* the supervisor waits here */
#define SLOT_SUP_DONE   (PRIV_FIRST + 1)  /* badge 1: a worker finished its quota */
#define SLOT_SUP_IDLE   (PRIV_FIRST + 2)  /* badge 2: everything else is blocked */
#define SLOT_SUP_TICK   (PRIV_FIRST + 3)  /* badge 4: the PIT's watchdog tick */
#define SLOT_POOL_UT    (PRIV_FIRST + 4)  /* the untyped memory each round's pool comes from */
#define SLOT_IDLE       (PRIV_FIRST + 5)
#define SLOT_WORKER(i)  (PRIV_FIRST + 8 + 4 * (i))     /* its thread */
#define SLOT_WUTCB(i)   (PRIV_FIRST + 8 + 4 * (i) + 1) /* its UTCB frame */
#define SLOT_WGO(i)     (PRIV_FIRST + 8 + 4 * (i) + 2) /* its start signal */
#define BADGE_DONE 1
#define BADGE_IDLE 2
#define BADGE_TICK 4

#endif
