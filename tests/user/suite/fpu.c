/*
 * Extended register state (x87, SSE, AVX): each thread has its own.  A
 * task must never see another's values (the kernel switches the state,
 * lazily), a thread must find its own values again after others ran, and
 * a new thread starts from the initial state, not from anyone's leftovers.
 *
 * The suite is built with -mgeneral-regs-only, so the compiler never
 * touches these registers: what the asm statements leave there stays
 * until the next asm statement, unless the kernel lets another thread's
 * state in.
 */
#include "suite.h"

#define PI_DOUBLE   0x400921fb54442d18ULL /* fldpi, stored as a double */
#define FCW_INIT    0x037f
#define MXCSR_INIT  0x1f80
#define SWITCH_ROUNDS 50

/* AVX is usable: the CPU has it and the kernel enabled its state (CR4.OSXSAVE, XCR0). */
static int avx_usable(void)
{
	uint32_t a = 1, b, c = 0, d, lo, hi;

	asm volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	if (!(c & (1u << 27)) || !(c & (1u << 28)))
		return 0;
	asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return (lo & 6) == 6;
}

/* This thread's st(0) as a double (popped); the x87 "indefinite" NaN when empty. */
static uint64_t own_st0(void)
{
	uint64_t v;

	asm volatile("fstpl %0" : "=m"(v));
	return v;
}

static uint64_t own_xmm0(void)
{
	uint64_t v;

	asm volatile("movq %%xmm0, %0" : "=r"(v));
	return v;
}

/* The low quadword of ymm0's upper half (through xmm1, which nothing else uses). */
static uint64_t own_ymm0_high(void)
{
	uint64_t v;

	asm volatile("vextractf128 $1, %%ymm0, %%xmm1; movq %%xmm1, %0" : "=r"(v));
	return v;
}

/* Puts v in xmm0, and in ymm0's upper half when avx. */
static void set_own_vector(uint64_t v, int avx)
{
	asm volatile("movq %0, %%xmm0" : : "r"(v));
	if (avx)
		asm volatile("vinsertf128 $1, %xmm0, %ymm0, %ymm0");
}

/* Counts the rounds in which xmm0 (or ymm0's upper half) lost arg[0]; yields between. */
static void hold_vector(struct helper *h)
{
	uint64_t mine = h->arg[0], lost = 0;
	int avx = h->arg[1];

	set_own_vector(mine, avx);
	h->state = 1;
	for (unsigned int i = 0; i < SWITCH_ROUNDS; i++) {
		sys_yield();
		if (own_xmm0() != mine || (avx && own_ymm0_high() != mine))
			lost++;
	}
	h->value[0] = lost;
}

/* Reports the x87 control word (state 1), then MXCSR (state 2), as a new thread finds them. */
static void read_controls(struct helper *h)
{
	uint16_t fcw;
	uint32_t mxcsr;

	asm volatile("fnstcw %0" : "=m"(fcw));
	h->value[0] = fcw;
	h->state = 1;
	asm volatile("stmxcsr %0" : "=m"(mxcsr));
	h->value[1] = mxcsr;
	h->state = 2;
}

/*
 * A child task loads secrets (mode: bit 0 SSE, bit 1 AVX) and blocks in a
 * call: this task must not see them, and the child must find them again.
 */
static enum result child_keeps_secret(uint64_t mode)
{
	uint64_t ep = obj_new(OBJ_ENDPOINT), badge;
	struct child c;
	struct msg m = { 0 };

	CHECK_MADE(ep);
	CHECK_MADE(child_create(&c, snip_fpu_secret, snip_fpu_secret_end - snip_fpu_secret, ep));
	CHECK_OK(sys_cap_copy(ep, c.task, CHILD_EP_SLOT, RIGHT_W, 0));
	CHECK_OK(child_start(&c, mode));
	CHECK_OK(sys_recv(ep, &m, &badge));
	CHECK(MSG_LABEL(m.tag) == 1); /* not a fault message */
	CHECK(own_st0() != PI_DOUBLE);
	if (mode & 1)
		CHECK(own_xmm0() != FPU_SECRET);
	if (mode & 2)
		CHECK(own_ymm0_high() != FPU_SECRET);
	m = msg(0, 0, 0, 0, 0, 0);
	CHECK_OK(sys_reply_recv(ep, &m, &badge));
	CHECK(MSG_LABEL(m.tag) == 2);
	CHECK(m.mr[0] == 0); /* bit i: check i of the child failed (snippets.c) */
	return PASS;
}

static enum result child_x87_state_is_its_own(void)
{
	return child_keeps_secret(0);
}

static enum result child_sse_avx_state_is_its_own(void)
{
	return child_keeps_secret(avx_usable() ? 3 : 1);
}

static enum result threads_keep_own_vector_state_across_yields(void)
{
	int avx = avx_usable();
	struct helper *h[3];

	for (unsigned int i = 0; i < ARRAY_LEN(h); i++)
		CHECK_MADE(h[i] = helper_start(hold_vector, SLOT_NONE,
					       0x0101010101010101ULL * (0xa + i), avx));
	for (unsigned int i = 0; i < ARRAY_LEN(h); i++) {
		CHECK(helper_wait(h[i], HELPER_DONE));
		CHECK(h[i]->value[0] == 0);
	}
	return PASS;
}

static enum result new_thread_starts_with_initial_fpu_state(void)
{
	uint16_t fcw = 0x027f, fcw_init = FCW_INIT; /* 53-bit precision: not the initial value */
	uint32_t mxcsr = 0x9fc0, mxcsr_init = MXCSR_INIT; /* flush to zero, denormals are zero */
	struct helper *a, *b;

	asm volatile("fldcw %0" : : "m"(fcw));
	a = helper_start(read_controls, SLOT_NONE, 0, 0);
	int a_ran = a && helper_wait(a, 1);
	asm volatile("fldcw %0" : : "m"(fcw_init));
	CHECK(a_ran);
	CHECK(a->value[0] == FCW_INIT);
	CHECK(helper_wait(a, 2) && a->value[1] == MXCSR_INIT);

	asm volatile("ldmxcsr %0" : : "m"(mxcsr));
	b = helper_start(read_controls, SLOT_NONE, 0, 0);
	int b_ran = b && helper_wait(b, 2);
	asm volatile("ldmxcsr %0" : : "m"(mxcsr_init));
	CHECK(b_ran);
	CHECK(b->value[0] == FCW_INIT && b->value[1] == MXCSR_INIT);
	return PASS;
}

static const struct test_case cases[] = {
	{ "child_x87_state_is_its_own", child_x87_state_is_its_own },
	{ "child_sse_avx_state_is_its_own", child_sse_avx_state_is_its_own },
	{ "threads_keep_own_vector_state_across_yields", threads_keep_own_vector_state_across_yields },
	{ "new_thread_starts_with_initial_fpu_state", new_thread_starts_with_initial_fpu_state },
};

const struct test_group fpu_group = GROUP(cases);
