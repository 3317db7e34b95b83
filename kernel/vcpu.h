/*
 * vCPUs: threads that run a guest instead of user code.  This file's half
 * is vendor-neutral (bindings, the exit message, the reply); vcpu_vmx.c
 * holds everything that knows about the VMCS.
 */
#ifndef KERNEL_VCPU_H
#define KERNEL_VCPU_H

#include "moat/vmexit.h"
#include "object.h"

/* Makes a vCPU in VCPU_PAGES zeroed pages at phys; NULL if the CPU cannot run one. */
struct thread *vcpu_create(uint64_t phys);
void vcpu_destroy(struct vcpu *v);

/* The endpoint capability and state mask bound to an exit reason, or NULL. */
struct cap *vcpu_binding(struct vcpu *v, uint32_t reason, uint32_t *mask);
/* The vCPU leaves its guest for `reason`: its handler gets a message, or it stops. */
void vcpu_exit(struct thread *t, uint32_t reason);
/* Fills the VMM thread r's registers and UTCB with the exit message of vCPU thread s. */
void vcpu_exit_message(struct thread *s, struct thread *r);
/* Applies the VMM r's reply to vCPU thread c; an error leaves c waiting. */
int vcpu_reply(struct thread *r, struct thread *c);

/* Architecture half (vcpu_vmx.c). */
bool vmx_vcpu_setup(struct vcpu *v);
void vmx_vcpu_teardown(struct vcpu *v);
void vmx_vcpu_set_space(struct vcpu *v, uint64_t root);
/* Reads the guest state of the groups in mask into w[VMW_*]. */
void vmx_read_state(struct vcpu *v, uint32_t mask, uint64_t *w);
/* Checks, then writes, the groups in mask from w; ERR_INVALID_ARG and nothing written if any is bad. */
int vmx_write_state(struct vcpu *v, uint32_t mask, const uint64_t *w);
void __attribute__((noreturn)) vmx_enter(struct thread *t);
bool vmx_fast_reply(struct vcpu *v, const struct trap_frame *r, const struct utcb *u);

#endif
