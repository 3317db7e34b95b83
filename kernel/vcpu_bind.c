/*
 * Exit bindings: which endpoint hears a vCPU's exits of each reason, and
 * with which state groups (SYS_VCPU_BIND, docs/vm-exit-protocol.md).  A
 * vCPU has VCPU_BINDINGS slots, each a reason, a state mask and its own
 * copy of the endpoint capability (so revoking the VMM's endpoint removes
 * the binding), plus the default binding for every other reason.
 * reason_binding[] finds a reason's slot in one table read on the exit
 * fast path (vcpu_bound_slot, vcpu.h).  Pure logic over capabilities: the
 * host unit tests run it (tests/unit/test_vcpu_bind.c).
 */
#include "cap.h"
#include "vcpu.h"

/* The endpoint capability and mask bound to reason, or NULL. */
struct cap *vcpu_binding(struct vcpu *v, uint32_t reason, uint32_t *mask)
{
	unsigned i = vcpu_bound_slot(v, reason);
	if (i < VCPU_BINDINGS && v->bound_ep[i].type == OBJ_ENDPOINT) {
		*mask = v->bound[i].mask;
		return &v->bound_ep[i];
	}
	*mask = v->default_mask;
	return v->defaults.type == OBJ_ENDPOINT ? &v->defaults : 0;
}

/* The slot for reason's binding: its own if it has one, else the first free one; -1 if none. */
static int slot_to_bind(const struct vcpu *v, uint32_t reason)
{
	unsigned i = vcpu_bound_slot(v, reason);
	if (i < VCPU_BINDINGS && v->bound_ep[i].type != OBJ_NONE)
		return i;
	for (i = 0; i < VCPU_BINDINGS; i++)
		if (v->bound_ep[i].type == OBJ_NONE)
			return i;
	return -1;
}

int vcpu_bind(struct vcpu *v, uint32_t reason, struct cap *ep, uint32_t mask)
{
	if (reason == VMEXIT_DEFAULT) {
		cap_delete(&v->defaults);
		v->default_mask = mask;
		if (ep)
			cap_derive(ep, &v->defaults, RIGHTS_ALL, 0, 0);
		return OK;
	}
	int i = slot_to_bind(v, reason);
	if (i < 0)
		return ERR_BUSY;
	uint32_t old = v->bound[i].reason; /* a free slot's last reason (its endpoint was deleted) */
	if (old < VMEXIT_REASONS && v->reason_binding[old] == i + 1)
		v->reason_binding[old] = 0;
	cap_delete(&v->bound_ep[i]);
	v->bound[i].reason = reason;
	v->bound[i].mask = mask;
	if (ep)
		cap_derive(ep, &v->bound_ep[i], RIGHTS_ALL, 0, 0);
	if (reason < VMEXIT_REASONS) /* unbound: the slot may go to another reason */
		v->reason_binding[reason] = ep ? i + 1 : 0;
	return OK;
}
