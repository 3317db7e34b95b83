/*
 * A VMM that misbehaves, on purpose: with `hostile-vmm` in its config line,
 * a guest's first exit is answered first with replies and calls the kernel
 * must refuse.  Each refusal is a test case; the vCPU must still be waiting
 * for a proper answer afterwards (the guest then passes as usual).
 */
#include "mem.h"
#include "moat/syscall.h"
#include "moat/user.h"
#include "vmm.h"
#include "array.h"

#define UNDEFINED_GROUP (VMR_STOP << 1) /* neither a state group nor a request */
#define HLT_EXITING     (1u << 2)  /* a VMX control bit the VMM may not touch */

struct bad_reply {
	const char *name;
	uint32_t mask;
	unsigned word;   /* one word to set */
	uint64_t value;
};

/* Each is refused with ERR_INVALID_ARG and changes nothing. */
static const struct bad_reply bad_replies[] = {
	{ "hostile_reply_undefined_state_group", UNDEFINED_GROUP, 0, 0 },
	{ "hostile_reply_forbidden_control", VMG_CONTROLS, VMW_CONTROLS, HLT_EXITING << 8 },
	{ "hostile_reply_exit_info_is_read_only", VMG_EVENT, VMW_EXIT_INTR_INFO, 0 },
	{ "hostile_reply_reserved_event_type", VMG_INJECT, VMW_INJECT_INFO, (1u << 31) | (7u << 8) },
	{ "hostile_reply_nmi_with_wrong_vector", VMG_INJECT, VMW_INJECT_INFO, (1u << 31) | (2u << 8) | 3 },
	{ "hostile_reply_paging_without_protection", VMG_CR, VMW_CR0, 1ULL << 31 },
	{ "hostile_reply_rflags_reserved_bit", VMG_RFLAGS, VMW_RFLAGS, 2 | (1u << 15) },
	{ "hostile_reply_rip_above_4g_in_32bit_mode", VMG_RIP, VMW_RIP, 1ULL << 40 },
	{ "hostile_reply_lstar_not_canonical", VMG_MSR, VMW_LSTAR, 1ULL << 47 },
	{ "hostile_reply_sysenter_eip_not_canonical", VMG_MSR, VMW_SYSENTER_EIP, 0x8000000000000000ULL },
	{ "hostile_reply_sfmask_high_half", VMG_MSR, VMW_SFMASK, 1ULL << 32 },
	{ "hostile_reply_tsc_aux_high_half", VMG_MSR, VMW_TSC_AUX, 1ULL << 32 },
	{ "hostile_reply_pat_reserved_type", VMG_MSR, VMW_PAT, (PAT_POWER_ON & ~0xffULL) | 2 },
	{ "hostile_reply_debugctl_reserved_bit", VMG_MSR, VMW_DEBUGCTL, 1u << 5 },
	{ "hostile_reply_dr0_not_canonical", VMG_DEBUG, VMW_DR0, 1ULL << 47 },
	{ "hostile_reply_dr7_high_half", VMG_DEBUG, VMW_DR7, 0x400 | 1ULL << 32 },
	/* the kernel loads XCR0 itself before the entry: a value XSETBV refuses would #GP in ring 0 */
	{ "hostile_reply_xcr0_without_x87", VMG_XCR0, VMW_XCR0, XCR0_SSE },
	{ "hostile_reply_xcr0_component_not_switched", VMG_XCR0, VMW_XCR0, XCR0_X87 | 1ULL << 9 },
};

static void result(const char *name, bool ok, uint64_t got)
{
	if (!ok)
		uprintf("# vmm: %s: got %s\n", name, status_name(got));
	test_result(name, ok);
}

/* Replies with one bad field on top of the exit's own state, which stays as it was. */
static void try_bad_reply(const struct bad_reply *b, const uint64_t *exit_words)
{
	uint64_t *w = utcb()->mr;
	memcpy(w, exit_words, VMW_COUNT * 8);
	w[b->word] = b->value;
	w[VMW_MASK] = b->mask;
	struct msg m = { MSG_TAG(0, VMW_COUNT, 0), { w[0], w[1], w[2], w[3] } };
	uint64_t st = sys_reply(&m);
	result(b->name, st == ERR_INVALID_ARG, st);
}

/* Calls on guest memory and the vCPU that must fail while the vCPU waits for its answer. */
static void try_bad_calls(struct guest *g, uint64_t scratch)
{
	uint64_t st = sys_gpa_map(scratch, g->space, 0x200000, RIGHT_R);
	result("hostile_map_frame_not_held", st == ERR_EMPTY_SLOT, st);
	uint64_t module = module_slot(g->cfg.module, 0);
	st = sys_gpa_map(module, g->space, 0x200000, RIGHT_R | RIGHT_W);
	result("hostile_map_read_only_frame_writable", st == ERR_NO_RIGHTS, st);
	st = sys_gpa_map(g->ram, g->space, 0x200000, RIGHT_R);
	result("hostile_map_frame_twice", st == ERR_BUSY, st);
	st = sys_vcpu_write_state(g->vcpu);
	result("hostile_write_state_of_waiting_vcpu", st == ERR_BUSY, st);
	st = sys_vcpu_configure(g->vcpu, g->space, 0);
	result("hostile_reconfigure_waiting_vcpu", st == ERR_BUSY, st);
}

void hostile_checks(struct guest *g, uint64_t scratch_slot)
{
	static uint64_t exit_words[VMW_COUNT];
	memcpy(exit_words, utcb()->mr, sizeof(exit_words));
	for (unsigned i = 0; i < ARRAY_LEN(bad_replies); i++)
		try_bad_reply(&bad_replies[i], exit_words);
	try_bad_calls(g, scratch_slot);
	memcpy(utcb()->mr, exit_words, sizeof(exit_words));
	g->hostile_done = true;
}
