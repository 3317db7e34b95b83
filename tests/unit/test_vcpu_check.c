/*
 * Host unit tests for the checks every VM-exit reply passes
 * (kernel/vcpu_check.c): the reply table of docs/vm-exit-protocol.md, one
 * accepted and one refused case per rule.  The rule on the mask's own bits
 * (only known groups and VMR_*) is applied before this, in kernel/vcpu.c.
 */
#include <stdint.h>

#include "fpu.h"
#include "unit.h"
#include "vcpu.h"
#include "x86.h"

#define EFER_LME (1ULL << 8)
#define EFER_LMA (1ULL << 10)
#define NONCANONICAL 0x0000800000000000ULL
#define HIGH_CANONICAL 0xffff800000000000ULL

static uint64_t w[VMW_COUNT];
static struct vcpu v;
static bool backend_says;

static bool backend_cr_ok(const uint64_t *words)
{
	(void)words;
	return backend_says;
}

/* A reply every group of which is valid: a 64-bit guest, flat segments. */
/* The guest's CR0 as the backend holds it, for a reply that writes none. */
static uint64_t held_cr0;

static void long_mode_reply(void)
{
	memset(w, 0, sizeof(w));
	memset(&v, 0, sizeof(v));
	v.long_mode = true;
	backend_says = true;
	w[VMW_RIP] = 0xffffffff81000000ULL;
	w[VMW_RFLAGS] = 0x202;
	w[VMW_CR0] = CR0_PE | CR0_PG;
	w[VMW_CR3] = 0x1000;
	w[VMW_CR4] = CR4_PAE;
	w[VMW_EFER] = EFER_LME | EFER_LMA;
	for (unsigned s = VMS_ES; s <= VMS_TR; s++)
		w[VMW_SEG_DESC(s)] = 0xa09bULL << 16;
	w[VMW_GDTR_LIMIT] = w[VMW_IDTR_LIMIT] = 0xffff;
	w[VMW_GDTR_BASE] = w[VMW_IDTR_BASE] = HIGH_CANONICAL;
	fpu_xcr0 = XCR0_X87 | XCR0_SSE | XCR0_AVX; /* the kernel switches x87, SSE, AVX */
	w[VMW_XCR0] = XCR0_RESET;
	held_cr0 = w[VMW_CR0];
}

static uint64_t backend_cr0(const struct vcpu *vcpu)
{
	(void)vcpu;
	return held_cr0;
}

static int check(uint32_t mask)
{
	return vcpu_check_state(&v, mask, w, backend_cr_ok, backend_cr0);
}

/* The check of `group` passes with word set to good and refuses it set to bad; leaves it good. */
static bool good_bad(uint32_t group, unsigned word, uint64_t good, uint64_t bad)
{
	w[word] = good;
	if (check(group) != OK)
		return false;
	w[word] = bad;
	bool refused = check(group) == ERR_INVALID_ARG;
	w[word] = good;
	return refused;
}

#define ALL_REPLY_GROUPS (VMG_ALL & ~VMG_EVENT)

TEST(vcpu_check_accepts_a_valid_reply_of_every_group)
{
	long_mode_reply();
	CHECK_EQ(check(ALL_REPLY_GROUPS), OK);
	CHECK_EQ(check(0), OK);
}

TEST(vcpu_check_looks_only_at_the_groups_named)
{
	long_mode_reply();
	w[VMW_RFLAGS] = 0;
	w[VMW_EFER] = ~0ULL;
	w[VMW_INJECT_INFO] = ~0ULL;
	CHECK_EQ(check(VMG_GPR_ACDB | VMG_RIP | VMG_GPR_OTHER | VMG_QUAL), OK);
	CHECK_EQ(check(VMG_RFLAGS), ERR_INVALID_ARG);
}

TEST(vcpu_check_rip_is_canonical_in_long_mode)
{
	long_mode_reply();
	CHECK(good_bad(VMG_RIP, VMW_RIP, HIGH_CANONICAL, NONCANONICAL));
}

TEST(vcpu_check_rip_is_below_4g_outside_long_mode)
{
	long_mode_reply();
	v.long_mode = false;
	CHECK(good_bad(VMG_RIP, VMW_RIP, 0xffffffff, 0x100000000ULL));
}

/* it is an error to leave long mode in the reply and keep a 64-bit RIP */
TEST(vcpu_check_rip_follows_the_mode_the_reply_sets)
{
	long_mode_reply();
	v.long_mode = true;
	w[VMW_RIP] = 0x100000000ULL;
	CHECK_EQ(check(VMG_RIP | VMG_CR), OK);
	w[VMW_CR0] = CR0_PE;
	w[VMW_EFER] = 0;
	w[VMW_CR4] = 0;
	CHECK_EQ(check(VMG_RIP | VMG_CR), ERR_INVALID_ARG);
	w[VMW_RIP] = 0xfff0;
	CHECK_EQ(check(VMG_RIP | VMG_CR), OK);
}

TEST(vcpu_check_rflags_needs_bit_1)
{
	long_mode_reply();
	CHECK(good_bad(VMG_RFLAGS, VMW_RFLAGS, 0x2, 0x200));
}

TEST(vcpu_check_rflags_reserved_bits_are_refused)
{
	static const unsigned reserved[] = { 3, 5, 15, 22, 31, 32, 63 };
	long_mode_reply();
	w[VMW_RFLAGS] = 0x3f7fd7; /* every defined flag, ID (21) included */
	CHECK_EQ(check(VMG_RFLAGS), OK);
	for (unsigned i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++) {
		w[VMW_RFLAGS] = 0x2 | 1ULL << reserved[i];
		CHECK_EQ(check(VMG_RFLAGS), ERR_INVALID_ARG);
	}
}

TEST(vcpu_check_cr0_pg_needs_pe)
{
	long_mode_reply();
	w[VMW_EFER] = 0;
	CHECK(good_bad(VMG_CR, VMW_CR0, CR0_PE | CR0_PG, CR0_PG));
}

TEST(vcpu_check_efer_allows_sce_lme_lma_nxe_only)
{
	long_mode_reply();
	w[VMW_EFER] = EFER_LME | EFER_LMA | EFER_NXE | 1;
	CHECK_EQ(check(VMG_CR), OK);
	w[VMW_EFER] = EFER_LME | EFER_LMA | (1ULL << 12); /* SVME */
	CHECK_EQ(check(VMG_CR), ERR_INVALID_ARG);
}

TEST(vcpu_check_efer_lma_equals_lme_and_pg)
{
	long_mode_reply();
	w[VMW_EFER] = EFER_LMA; /* active without enabled */
	CHECK_EQ(check(VMG_CR), ERR_INVALID_ARG);
	w[VMW_EFER] = EFER_LME; /* enabled and paging, not active */
	CHECK_EQ(check(VMG_CR), ERR_INVALID_ARG);
	w[VMW_CR0] = CR0_PE;    /* enabled, no paging yet: not active is right */
	CHECK_EQ(check(VMG_CR), OK);
	w[VMW_EFER] = EFER_LME | EFER_LMA;
	CHECK_EQ(check(VMG_CR), ERR_INVALID_ARG);
}

TEST(vcpu_check_long_mode_needs_pae)
{
	long_mode_reply();
	CHECK(good_bad(VMG_CR, VMW_CR4, CR4_PAE, 0));
}

TEST(vcpu_check_cr3_fits_52_bits)
{
	long_mode_reply();
	CHECK(good_bad(VMG_CR, VMW_CR3, (1ULL << 52) - 0x1000, 1ULL << 52));
}

TEST(vcpu_check_backend_cr_rules_can_refuse)
{
	long_mode_reply();
	backend_says = false;
	CHECK_EQ(check(VMG_CR), ERR_INVALID_ARG);
	CHECK_EQ(check(VMG_RIP), OK); /* asked only about CRs */
}

TEST(vcpu_check_segment_access_rights_bits_8_11_are_reserved)
{
	long_mode_reply();
	w[VMW_SEG_DESC(VMS_TR)] = 0xf0ffULL << 16; /* every other bit */
	CHECK_EQ(check(VMG_SEG), OK);
	for (unsigned s = VMS_ES; s <= VMS_TR; s++) {
		long_mode_reply();
		w[VMW_SEG_DESC(s)] |= 0x100ULL << 16;
		CHECK_EQ(check(VMG_SEG), ERR_INVALID_ARG);
	}
	long_mode_reply();
	w[VMW_SEG_DESC(VMS_CS)] |= 0x800ULL << 16;
	CHECK_EQ(check(VMG_SEG), ERR_INVALID_ARG);
}

TEST(vcpu_check_segment_bases_canonical_in_long_mode)
{
	long_mode_reply();
	CHECK(good_bad(VMG_SEG, VMW_SEG_BASE(VMS_GS), HIGH_CANONICAL, NONCANONICAL));
}

TEST(vcpu_check_segment_bases_32_bit_outside_long_mode)
{
	long_mode_reply();
	v.long_mode = false;
	CHECK(good_bad(VMG_SEG, VMW_SEG_BASE(VMS_DS), 0xffffffff, HIGH_CANONICAL));
}

TEST(vcpu_check_descriptor_table_limits_up_to_ffff)
{
	long_mode_reply();
	CHECK(good_bad(VMG_DTR, VMW_GDTR_LIMIT, 0xffff, 0x10000));
	CHECK(good_bad(VMG_DTR, VMW_IDTR_LIMIT, 0xffff, 0x10000));
}

TEST(vcpu_check_descriptor_table_bases_canonical)
{
	long_mode_reply();
	CHECK(good_bad(VMG_DTR, VMW_GDTR_BASE, HIGH_CANONICAL, NONCANONICAL));
	CHECK(good_bad(VMG_DTR, VMW_IDTR_BASE, HIGH_CANONICAL, NONCANONICAL));
}

TEST(vcpu_check_interruptibility_known_bits_only)
{
	long_mode_reply();
	CHECK(good_bad(VMG_STATE, VMW_INTR_STATE, 0x1f, 0x20));
}

TEST(vcpu_check_activity_active_or_hlt)
{
	long_mode_reply();
	CHECK(good_bad(VMG_STATE, VMW_ACTIVITY, 1, 2)); /* HLT yes, shutdown no */
}

#define INJ_VALID (1u << 31)
#define INJ_ERRCODE (1u << 11)
#define INJ(type, vector) (INJ_VALID | (type) << 8 | (vector))

static int inject(uint64_t info, uint64_t insn_len)
{
	w[VMW_INJECT_INFO] = info;
	w[VMW_INSN_LEN] = insn_len;
	return check(VMG_INJECT);
}

TEST(vcpu_check_injection_not_valid_means_all_zero)
{
	long_mode_reply();
	CHECK_EQ(inject(0, 0), OK);
	CHECK_EQ(inject(0x0e, 0), ERR_INVALID_ARG);
}

TEST(vcpu_check_injection_types_1_and_7_and_reserved_bits_refused)
{
	long_mode_reply();
	CHECK_EQ(inject(INJ(0, 0x20), 0), OK); /* external interrupt */
	CHECK_EQ(inject(INJ(1, 0x20), 0), ERR_INVALID_ARG);
	CHECK_EQ(inject(INJ(7, 0x20), 1), ERR_INVALID_ARG); /* a length: refused for its type */
	CHECK_EQ(inject(INJ(0, 0x20) | 1u << 12, 0), ERR_INVALID_ARG);
	CHECK_EQ(inject(INJ(0, 0x20) | 1u << 30, 0), ERR_INVALID_ARG);
}

TEST(vcpu_check_software_events_need_an_instruction_length_1_to_15)
{
	long_mode_reply();
	for (unsigned type = 4; type <= 6; type++) {
		CHECK_EQ(inject(INJ(type, 3), 1), OK);
		CHECK_EQ(inject(INJ(type, 3), 15), OK);
		CHECK_EQ(inject(INJ(type, 3), 0), ERR_INVALID_ARG);
		CHECK_EQ(inject(INJ(type, 3), 16), ERR_INVALID_ARG);
	}
	CHECK_EQ(inject(INJ(3, 6), 0), OK); /* a hardware exception needs none */
}

TEST(vcpu_check_nmi_is_vector_2)
{
	long_mode_reply();
	CHECK_EQ(inject(INJ(2, 2), 0), OK);
	CHECK_EQ(inject(INJ(2, 3), 0), ERR_INVALID_ARG);
}

TEST(vcpu_check_hardware_exception_below_32)
{
	long_mode_reply();
	CHECK_EQ(inject(INJ(3, 31), 0), OK);
	CHECK_EQ(inject(INJ(3, 32), 0), ERR_INVALID_ARG);
}

TEST(vcpu_check_error_code_only_for_exceptions_that_push_one)
{
	static const unsigned with[] = { 8, 10, 11, 12, 13, 14, 17 };
	long_mode_reply();
	for (unsigned i = 0; i < sizeof(with) / sizeof(with[0]); i++)
		CHECK_EQ(inject(INJ(3, with[i]) | INJ_ERRCODE, 0), OK);
	CHECK_EQ(inject(INJ(3, 6) | INJ_ERRCODE, 0), ERR_INVALID_ARG);  /* #UD */
	CHECK_EQ(inject(INJ(3, 9) | INJ_ERRCODE, 0), ERR_INVALID_ARG);
	CHECK_EQ(inject(INJ(3, 15) | INJ_ERRCODE, 0), ERR_INVALID_ARG);
	CHECK_EQ(inject(INJ(3, 18) | INJ_ERRCODE, 0), ERR_INVALID_ARG);
	CHECK_EQ(inject(INJ(0, 14) | INJ_ERRCODE, 0), ERR_INVALID_ARG); /* not an exception */
	CHECK_EQ(inject(INJ(6, 14) | INJ_ERRCODE, 1), ERR_INVALID_ARG); /* software */
}

/*
 * Those exceptions deliver their error code exactly in protected mode,
 * and it fits in 16 bits (SDM 26.2.1.3: VMX's entry fails otherwise).
 */
TEST(vcpu_check_error_code_follows_the_guests_mode)
{
	long_mode_reply();
	CHECK_EQ(inject(INJ(3, 13), 0), ERR_INVALID_ARG); /* protected mode: #GP needs its code */
	w[VMW_INJECT_ERROR] = 0xffff;
	CHECK_EQ(inject(INJ(3, 13) | INJ_ERRCODE, 0), OK);
	w[VMW_INJECT_ERROR] = 0x10000;
	CHECK_EQ(inject(INJ(3, 13) | INJ_ERRCODE, 0), ERR_INVALID_ARG);
	w[VMW_INJECT_ERROR] = 0;
	held_cr0 = 0; /* real mode, as the backend holds it */
	CHECK_EQ(inject(INJ(3, 13) | INJ_ERRCODE, 0), ERR_INVALID_ARG);
	CHECK_EQ(inject(INJ(3, 13), 0), OK);
	held_cr0 = CR0_PE; /* ... but the reply's own CR0 counts, where it writes one */
	w[VMW_CR0] = 0;
	w[VMW_CR4] = 0;
	w[VMW_EFER] = 0;
	w[VMW_INJECT_INFO] = INJ(3, 14) | INJ_ERRCODE;
	CHECK_EQ(check(VMG_INJECT | VMG_CR), ERR_INVALID_ARG);
	w[VMW_INJECT_INFO] = INJ(3, 14);
	CHECK_EQ(check(VMG_INJECT | VMG_CR), OK);
}

TEST(vcpu_check_controls_windows_and_ud_exit_only)
{
	long_mode_reply();
	CHECK(good_bad(VMG_CONTROLS, VMW_CONTROLS, VMC_INTR_WINDOW | VMC_NMI_WINDOW | VMC_UD_EXIT,
		       1u << 3));
	w[VMW_CONTROLS] = 1ULL << 32;
	CHECK_EQ(check(VMG_CONTROLS), ERR_INVALID_ARG);
}

/* it is an error to name the exit information in a reply: it is read-only */
TEST(vcpu_check_exit_information_is_read_only)
{
	long_mode_reply();
	CHECK_EQ(check(VMG_EVENT), ERR_INVALID_ARG);
	CHECK_EQ(check(ALL_REPLY_GROUPS | VMG_EVENT), ERR_INVALID_ARG);
}

TEST(vcpu_check_msrs_take_what_wrmsr_takes)
{
	long_mode_reply();
	w[VMW_PAT] = PAT_POWER_ON;
	CHECK(good_bad(VMG_MSR, VMW_LSTAR, HIGH_CANONICAL, NONCANONICAL));
	CHECK(good_bad(VMG_MSR, VMW_CSTAR, HIGH_CANONICAL, NONCANONICAL));
	CHECK(good_bad(VMG_MSR, VMW_KERNEL_GS_BASE, HIGH_CANONICAL, NONCANONICAL));
	CHECK(good_bad(VMG_MSR, VMW_SYSENTER_ESP, HIGH_CANONICAL, NONCANONICAL));
	CHECK(good_bad(VMG_MSR, VMW_SYSENTER_EIP, HIGH_CANONICAL, NONCANONICAL));
	CHECK(good_bad(VMG_MSR, VMW_SFMASK, 0xffffffff, 1ULL << 32));
	CHECK(good_bad(VMG_MSR, VMW_SYSENTER_CS, 0xffffffff, 1ULL << 32));
	CHECK(good_bad(VMG_MSR, VMW_TSC_AUX, 0xffffffff, 1ULL << 32));
	/* PAT: types 0, 1, 4-7 exist in every entry; 2, 3 and 8 up do not */
	CHECK(good_bad(VMG_MSR, VMW_PAT, 0x0706050401000100ULL, 0x0706050401000102ULL));
	CHECK(good_bad(VMG_MSR, VMW_PAT, PAT_POWER_ON, PAT_POWER_ON | 3ULL << 56));
	CHECK(good_bad(VMG_MSR, VMW_PAT, PAT_POWER_ON, PAT_POWER_ON | 8ULL << 16));
	CHECK(good_bad(VMG_MSR, VMW_DEBUGCTL, DEBUGCTL_LBR | DEBUGCTL_BTF, 1u << 2));
	/* STAR and the TSC offset take anything */
	w[VMW_STAR] = w[VMW_TSC_OFFSET] = ~0ULL;
	CHECK_EQ(check(VMG_MSR), OK);
	CHECK_EQ(check(VMG_CR), OK); /* and the group is looked at only when named */
	w[VMW_LSTAR] = NONCANONICAL;
	CHECK_EQ(check(VMG_CR), OK);
	CHECK_EQ(check(VMG_MSR), ERR_INVALID_ARG);
}

TEST(vcpu_check_debug_registers_take_what_mov_takes)
{
	long_mode_reply();
	w[VMW_DR6] = DR6_RESET;
	w[VMW_DR7] = DR7_RESET;
	for (unsigned i = VMW_DR0; i <= VMW_DR3; i++)
		CHECK(good_bad(VMG_DEBUG, i, HIGH_CANONICAL, NONCANONICAL));
	CHECK(good_bad(VMG_DEBUG, VMW_DR6, 0xffffffff, 1ULL << 32));
	CHECK(good_bad(VMG_DEBUG, VMW_DR7, 0xffffffff, 1ULL << 63));
	w[VMW_DR7] = 1ULL << 40;
	CHECK_EQ(check(VMG_MSR), OK); /* looked at only when named */
	CHECK_EQ(check(VMG_DEBUG), ERR_INVALID_ARG);
}

/* XCR0 (VMG_XCR0), which the kernel itself loads before each entry: only what XSETBV would take. */
TEST(vcpu_check_xcr0_needs_x87)
{
	long_mode_reply();
	CHECK(good_bad(VMG_XCR0, VMW_XCR0, XCR0_X87 | XCR0_SSE, XCR0_SSE));
	CHECK(good_bad(VMG_XCR0, VMW_XCR0, XCR0_X87, 0));
}

TEST(vcpu_check_xcr0_avx_needs_sse)
{
	long_mode_reply();
	CHECK(good_bad(VMG_XCR0, VMW_XCR0, XCR0_X87 | XCR0_SSE | XCR0_AVX, XCR0_X87 | XCR0_AVX));
}

/* it is an error to name a component the kernel does not switch, even one the CPU may have */
TEST(vcpu_check_xcr0_only_the_kernels_components)
{
	long_mode_reply();
	CHECK(good_bad(VMG_XCR0, VMW_XCR0, 7, 7 | 1ULL << 9));   /* PKRU */
	CHECK(good_bad(VMG_XCR0, VMW_XCR0, 7, 7 | XCR0_AVX512)); /* not switched here */
	CHECK(good_bad(VMG_XCR0, VMW_XCR0, 7, 7 | 1ULL << 63));
}

TEST(vcpu_check_xcr0_avx512_all_three_and_with_avx)
{
	long_mode_reply();
	fpu_xcr0 = XCR0_X87 | XCR0_SSE | XCR0_AVX | XCR0_AVX512;
	CHECK(good_bad(VMG_XCR0, VMW_XCR0, fpu_xcr0, fpu_xcr0 & ~(1ULL << 6)));
	CHECK(good_bad(VMG_XCR0, VMW_XCR0, fpu_xcr0, XCR0_X87 | XCR0_SSE | XCR0_AVX512));
	CHECK(good_bad(VMG_XCR0, VMW_XCR0, XCR0_X87 | XCR0_SSE, XCR0_X87 | XCR0_SSE | 1ULL << 5));
}

TEST(vcpu_check_xcr0_is_0_without_xsave)
{
	long_mode_reply();
	fpu_xcr0 = 0;
	CHECK(good_bad(VMG_XCR0, VMW_XCR0, 0, XCR0_X87));
}

TEST(vm_xcr0_valid_mpx_and_amx_in_pairs)
{
	uint64_t all = ~0ULL;
	CHECK(vm_xcr0_valid(XCR0_X87 | XCR0_MPX, all));
	CHECK(!vm_xcr0_valid(XCR0_X87 | 1ULL << 3, all));
	CHECK(vm_xcr0_valid(XCR0_X87 | XCR0_SSE | XCR0_AMX, all));
	CHECK(!vm_xcr0_valid(XCR0_X87 | XCR0_SSE | 1ULL << 18, all));
}
