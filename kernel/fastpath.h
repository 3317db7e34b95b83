/* The IPC fast path: returns only when the general path must handle the call. */
#ifndef KERNEL_FASTPATH_H
#define KERNEL_FASTPATH_H

/* entry.S sends these two syscalls here first (checked against moat/abi.h). */
#define FASTPATH_SYS_CALL       2
#define FASTPATH_SYS_REPLY_RECV 4

#ifndef __ASSEMBLER__
#include "trap.h"

void fastpath_call(struct trap_frame *r);
void fastpath_reply_recv(struct trap_frame *r);

struct thread;
/* A VM exit (reason < VMX_EXIT_REASONS) at guest rip, of an instruction len bytes long. */
void fastpath_vmexit(struct thread *t, uint32_t reason, uint64_t rip, uint64_t len);
#endif

#endif
