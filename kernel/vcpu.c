/*
 * vCPUs, the vendor-neutral half.  A vCPU is a thread whose "user mode" is
 * a guest: the scheduler runs it like any thread, and each VM exit the
 * kernel does not handle itself becomes a call from the vCPU to the
 * endpoint bound to that exit reason, carrying the guest state the
 * binding's mask selects (moat/vmexit.h).  The VMM's reply writes state
 * back; the vCPU resumes when the reply has been checked and applied.
 *
 * Object layout (VCPU_PAGES): page 0 struct thread, page 1 struct vcpu,
 * page 2 the VMCS (VMX) or VMCB (SVM).
 */
#include <stddef.h>

#include "cap.h"
#include "gpa_space.h"
#include "fpu.h"
#include "ipc.h"
#include "log.h"
#include "mem.h"
#include "memory.h"
#include "lapic.h"
#include "smp.h"
#include "thread.h"
#include "vcpu.h"

const struct vcpu_backend *vcpu_backend;

const uint32_t vcpu_passthrough_msrs[VCPU_PASSTHROUGH_MSRS] = {
	MSR_FS_BASE, MSR_GS_BASE, MSR_KERNEL_GS_BASE, MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_SFMASK,
	MSR_SYSENTER_CS, MSR_SYSENTER_ESP, MSR_SYSENTER_EIP, MSR_TSC_AUX,
};

unsigned vcpu_passthrough_count(void)
{
	return VCPU_PASSTHROUGH_MSRS - !cpu_has_rdtscp();
}

/*
 * Tags: a VPID (VMX) or ASID (SVM) marks a guest's TLB entries.  There may
 * be fewer than vCPUs (QEMU offers 16 ASIDs), so vCPUs share them in turn:
 * each CPU's tag_owner[] remembers which vCPU ran last there with each
 * tag, and a vCPU whose tag another has used there since flushes it
 * before it enters (TLBs are per CPU).
 */
unsigned vcpu_tag_limit;
static unsigned next_tag;

/* A tag in 1 .. min(VCPU_TAGS, vcpu_tag_limit) - 1: 0 is the host's. */
static uint16_t tag_new(void)
{
	unsigned n = (vcpu_tag_limit < VCPU_TAGS ? vcpu_tag_limit : VCPU_TAGS) - 1;
	return 1 + next_tag++ % n;
}

struct thread *vcpu_create(uint64_t phys)
{
	if (!vcpu_backend)
		return 0;
	struct thread *t = thread_create(phys);
	struct vcpu *v = phys_to_virt(phys + PAGE_SIZE);
	t->vcpu = v;
	t->cpu = 0; /* where its VMCS or VMCB lives (docs/smp.md) */
	v->thread = t;
	v->control_page = phys + 2 * PAGE_SIZE;
	v->tag = tag_new();
	vcpu_set_xcr0(v, fpu_guest_xcr0_reset(), false);
	vcpu_backend->setup(v);
	return t;
}

void vcpu_tag_forget(const struct vcpu *v)
{
	for (unsigned c = 0; c < n_cpus; c++)
		if (cpus[c].tag_owner[v->tag] == v)
			cpus[c].tag_owner[v->tag] = 0;
}

void vcpu_moved(struct thread *t, unsigned from)
{
	/*
	 * Its entries in the new CPU's TLB may be from long ago: the guest
	 * has flushed only the old CPU's since (INVLPG, a CR3 write).
	 */
	vcpu_tag_forget(t->vcpu);
	if (vcpu_backend->moved)
		vcpu_backend->moved(t->vcpu, from);
}

void vcpu_destroy(struct vcpu *v)
{
	vcpu_tag_forget(v); /* a vCPU made here later is another guest */
	timeout_remove(&timeouts, v->thread); /* an exit deadline leaves no entry behind */
	cap_delete(&v->space); /* (may destroy the space, which writes this VMCS or VMCB) */
	cap_delete(&v->defaults);
	for (unsigned i = 0; i < VCPU_BINDINGS; i++)
		cap_delete(&v->bound_ep[i]);
	vcpu_backend->teardown(v);
}

void vcpu_set_space(struct vcpu *v, struct gpa_space *g)
{
	if (g)
		v->space.flags |= CAPF_VCPU_SPACE;
	vcpu_backend->set_space(v, g);
}

/*
 * A vCPU runs on a space only while it holds its own capability to it (in
 * v->space, flagged CAPF_VCPU_SPACE).  When that goes (deleted, revoked,
 * or the vCPU destroyed), the vCPU stops (an exit it waits in is
 * cancelled) and its EPTP/nCR3 is cleared, before the space, which may
 * go with it, can give its tables back to the untyped they came from.
 * Entry checks v->space as well (vcpu_entry_refused).
 */
void vcpu_space_deleted(struct cap *space)
{
	struct vcpu *v = (struct vcpu *)((char *)space - offsetof(struct vcpu, space));
	thread_stop(v->thread, ERR_DELETED); /* (an exit it waits in is cancelled: ipc_cancel) */
	vcpu_set_space(v, 0);
}

bool vcpu_entry_refused_slow(struct thread *t)
{
	struct vcpu *v = t->vcpu;
	if (v->space.type != OBJ_GPA_SPACE) {
		/* its space went away (the capability's copy in v->space was deleted) */
		log_warn("vcpu %u: its guest-physical space is gone: stopped", t->id);
		t->state = THREAD_INACTIVE;
		return true;
	}
	if (v->entry_work & VCPU_ENTRY_RECALL) {
		vcpu_entry_work_clear(v, VCPU_ENTRY_RECALL);
		vcpu_exit(t, VMEXIT_RECALL);
		return true;
	}
	if (v->entry_work & VCPU_ENTRY_DEADLINE) {
		vcpu_entry_work_clear(v, VCPU_ENTRY_DEADLINE);
		vcpu_exit(t, VMEXIT_DEADLINE);
		return true;
	}
	/*
	 * The guest's DR0-3 into the CPU while its DR7 arms one.  MOV DR
	 * always exits, so a guest reads none of them from the CPU, and the
	 * host's DR7 (0x400 after every exit) arms none.
	 */
	if (v->entry_work & VCPU_ENTRY_BREAKPOINTS)
		write_breakpoints(v->dr);
	if ((v->entry_work & VCPU_ENTRY_BACKEND) && vcpu_backend->entry_work(t))
		return true;
	if (v->entry_work & VCPU_ENTRY_XCR0)
		xsetbv0(v->xcr0); /* last: nothing refuses the entry or XSAVEs after it */
	return false;
}

void vcpu_deadline_set(struct thread *t, uint64_t deadline)
{
	struct vcpu *v = t->vcpu;
	timeout_remove(&timeouts, t);
	vcpu_entry_work_clear(v, VCPU_ENTRY_DEADLINE);
	if (deadline == WAIT_FOREVER)
		return;
	if (deadline <= rdtsc()) {
		vcpu_deadline_reached(t);
		return;
	}
	timeout_insert(&timeouts, t, deadline);
	timer_arm(deadline);
}

void vcpu_exit(struct thread *t, uint32_t reason)
{
	struct vcpu *v = t->vcpu;
	uint32_t mask;
	struct cap *ep = vcpu_binding(v, reason & 0xffff, &mask);
	if (!ep) {
		uint64_t w[VMW_COUNT];
		vcpu_backend->read_state(v, VMG_RIP, w);
		log_warn("vcpu %u: exit %#x at rip %#lx has no handler: stopped", t->id, reason,
			 w[VMW_RIP]);
		t->state = THREAD_INACTIVE;
		return;
	}
	v->exit_reason = reason;
	/*
	 * An XCR0 the guest set without an exit (QEMU's SVM ignores the
	 * XSETBV intercept) goes to the VMM with the next exit, whatever its
	 * binding asks: the VMM's CPUID describes the XSAVE image by it.
	 */
	v->exit_mask = v->xcr0_news ? mask | VMG_XCR0 : mask;
	v->xcr0_news = false;
	ipc_send_exit(t, ep);
}

static struct utcb *utcb_of(struct thread *t)
{
	return t->utcb.type == OBJ_FRAME ? phys_to_virt(t->utcb.base) : 0;
}

void vcpu_exit_message(struct thread *s, struct thread *r)
{
	struct vcpu *v = s->vcpu;
	vcpu_exit_message_build(v, &r->regs, utcb_of(r), v->exit_mask, vcpu_backend->read_state);
}

/*
 * Collects the reply's words (0-3 from registers, the rest from the UTCB);
 * false if the reply is shorter than the groups it names.
 */
static bool reply_words(struct thread *r, uint64_t *w)
{
	const struct trap_frame *f = &r->regs;
	MSG_REGS_TO_WORDS(w, f);
	uint64_t n = MSG_WORDS(f->rsi);
	if (n < vm_message_words(w[VMW_MASK] & VMG_ALL))
		return false;
	if (n > MSG_REG_WORDS) {
		struct utcb *u = utcb_of(r);
		if (!u)
			return false;
		n = n < VMW_COUNT ? n : VMW_COUNT;
		memcpy(&w[MSG_REG_WORDS], &u->mr[MSG_REG_WORDS], (n - MSG_REG_WORDS) * 8);
	}
	return true;
}

int vcpu_reply(struct thread *r, struct thread *c)
{
	uint64_t w[VMW_COUNT];
	if (!reply_words(r, w) || (w[VMW_MASK] & ~(uint64_t)(VMG_ALL | VMR_STOP)))
		return ERR_INVALID_ARG;
	uint32_t groups = w[VMW_MASK] & VMG_ALL;
	int st = vcpu_backend->write_state(c->vcpu, groups, w);
	if (st != OK)
		return st;
	if (groups & VMG_DEADLINE)
		vcpu_deadline_set(c, w[VMW_DEADLINE]);
	c->pending = PENDING_NONE;
	if (w[VMW_MASK] & VMR_STOP)
		c->state = THREAD_INACTIVE;
	else
		sched_make_runnable(c);
	return OK;
}

bool vcpu_read_guest(struct vcpu *v, uint64_t gpa, void *buf, unsigned len)
{
	if (v->space.type != OBJ_GPA_SPACE)
		return false;
	uint64_t phys = gpa_to_phys(v->space.gpa_space, gpa);
	if (!phys || (gpa & 0xfff) + len > PAGE_SIZE)
		return false;
	memcpy(buf, phys_to_virt(phys + (gpa & 0xfff)), len);
	return true;
}
