/* Synchronous IPC through endpoints, notifications, and faults as messages. */
#ifndef KERNEL_IPC_H
#define KERNEL_IPC_H

#include "object.h"

/* Each returns STATUS_BLOCKED when the thread waits: its status comes later. */
enum moat_status ipc_send(struct thread *s, struct cap *ep, bool call, bool nonblock);
enum moat_status ipc_recv(struct thread *r, struct endpoint *e, bool nonblock);
enum moat_status ipc_reply(struct thread *r);
/* Ends whatever IPC t waits in; it will see `status` (t's state is not changed). */
void ipc_cancel(struct thread *t, uint64_t status);
/* Makes vCPU thread t call ep with its exit message (vcpu_exit_message builds it on delivery). */
void ipc_send_exit(struct thread *t, struct cap *ep);
/* Ends t's wait with status and makes it runnable (a faulted thread stays stopped). */
void ipc_wake(struct thread *t, uint64_t status);
/* Sends t's fault to its fault endpoint, or stops t when it has none. */
void ipc_fault(struct thread *t, uint64_t vector, uint64_t error, uint64_t addr);

void endpoint_destroy(struct endpoint *e);

void notification_signal(struct notification *n, uint64_t bits);
enum moat_status notification_wait(struct thread *t, struct notification *n, bool nonblock);
/*
 * As a blocking notification_wait, but t's wait ends with ERR_TIMEOUT once
 * the TSC reaches deadline: at once (no block) for a deadline already
 * past, never for WAIT_FOREVER.
 */
enum moat_status notification_wait_until(struct thread *t, struct notification *n,
					 uint64_t deadline);
/*
 * Ends, with ERR_TIMEOUT, every timed wait whose deadline is at or before
 * now (the timer's); a vCPU's exit deadline among them makes it exit
 * before its next entry (vcpu_deadline_reached).
 */
void notification_expire(uint64_t now);
void notification_destroy(struct notification *n);

#endif
