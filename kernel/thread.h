/* Threads and the scheduler. */
#ifndef KERNEL_THREAD_H
#define KERNEL_THREAD_H

#include "object.h"

#define TIMESLICE_TICKS 2

extern struct thread *current;
extern struct thread *all_threads;

struct thread *thread_create(uint64_t phys);
void thread_destroy(struct thread *t);
/* Binds t to task (or unbinds it, task NULL). */
void thread_set_task(struct thread *t, struct task *task);
/* Sets the registers a thread starts with and makes it runnable. */
void thread_start(struct thread *t, uint64_t rip, uint64_t rsp, uint64_t arg);
/* Stops t wherever it is: an IPC it waits in ends with `status`. */
void thread_stop(struct thread *t, uint64_t status);

void sched_make_runnable(struct thread *t);
void sched_remove(struct thread *t);
void sched_requeue(struct thread *t);
/* Charges a timer tick to the running thread. */
void sched_tick(void);
/* Leaves the kernel: picks the thread to run (idling until there is one) and enters it. */
void __attribute__((noreturn)) return_to_user(void);

/* entry.S: loads a thread's saved registers and returns to user mode. */
void __attribute__((noreturn)) enter_user(struct trap_frame *regs);

#endif
