/*
 * Host unit tests for lib/x86alu.c: first the SDM's own statements, one
 * case each (CF of a borrow, OF of a signed overflow, INC keeping CF...),
 * then every operation at every size against the processor the tests run
 * on: the instruction itself executed on a table of edge values and flag
 * inputs, its result and flags compared (but those the SDM leaves
 * undefined for it).
 */
#include <stdint.h>
#include <stdio.h>

#include "unit.h"
#include "x86alu.h"
#include "array.h"

#define CF X86_FLAG_CF
#define PF X86_FLAG_PF
#define AF X86_FLAG_AF
#define ZF X86_FLAG_ZF
#define SF X86_FLAG_SF
#define OF X86_FLAG_OF
#define RFLAGS_FIXED 0x2ULL /* bit 1 reads 1 */

/* op on size bytes with the flags in; the result, *out the flags after. */
static uint64_t alu(enum x86_alu op, unsigned size, uint64_t d, uint64_t s, uint64_t in, uint64_t *out)
{
	*out = in | RFLAGS_FIXED;
	return x86_alu(op, size, d, s, out);
}

/* It is the SDM's: ADD sets CF on an unsigned carry, OF on a signed overflow, AF from bit 3. */
TEST(x86alu_add_flags)
{
	uint64_t f;
	CHECK_EQ(alu(X86_ALU_ADD, 1, 0xff, 1, 0, &f), 0);
	CHECK_EQ(f, RFLAGS_FIXED | CF | ZF | AF | PF);
	CHECK_EQ(alu(X86_ALU_ADD, 4, 0x7fffffff, 1, 0, &f), 0x80000000);
	CHECK_EQ(f, RFLAGS_FIXED | OF | SF | AF | PF);
	CHECK_EQ(alu(X86_ALU_ADD, 2, 0x1234, 2, CF, &f), 0x1236); /* ADD ignores CF in */
	CHECK_EQ(f, RFLAGS_FIXED | PF); /* 0x36: four ones */
	CHECK_EQ(alu(X86_ALU_ADC, 8, ~0ULL, 0, CF, &f), 0);
	CHECK_EQ(f, RFLAGS_FIXED | CF | ZF | AF | PF);
}

/* SUB and CMP set CF on a borrow; SBB subtracts CF too; CMP's result is the difference. */
TEST(x86alu_sub_flags)
{
	uint64_t f;
	CHECK_EQ(alu(X86_ALU_SUB, 4, 0x8326, 0x26, 0, &f), 0x8300);
	CHECK_EQ(f, RFLAGS_FIXED | PF);
	CHECK_EQ(alu(X86_ALU_CMP, 1, 0, 1, 0, &f), 0xff);
	CHECK_EQ(f, RFLAGS_FIXED | CF | SF | AF | PF);
	CHECK_EQ(alu(X86_ALU_SBB, 4, 0x8501, 0, CF, &f), 0x8500);
	CHECK_EQ(alu(X86_ALU_SBB, 2, 5, 5, CF, &f), 0xffff);
	CHECK(f & CF);
	CHECK_EQ(alu(X86_ALU_SUB, 1, 0x80, 1, 0, &f), 0x7f);
	CHECK_EQ(f, RFLAGS_FIXED | OF | AF);
}

/* AND, OR, XOR, TEST clear CF and OF; INC and DEC keep CF; NOT changes no flag; NEG's CF: not 0. */
TEST(x86alu_logic_and_unary_flags)
{
	uint64_t f;
	CHECK_EQ(alu(X86_ALU_OR, 4, 0x1234, 0x8001, CF | OF, &f), 0x9235);
	CHECK_EQ(f, RFLAGS_FIXED | PF);
	CHECK_EQ(alu(X86_ALU_TEST, 2, 0x8400, 0xf000, 0, &f), 0x8000);
	CHECK_EQ(f, RFLAGS_FIXED | SF | PF);
	CHECK_EQ(alu(X86_ALU_INC, 1, 0xff, 0, CF, &f), 0);
	CHECK_EQ(f, RFLAGS_FIXED | CF | ZF | AF | PF);
	CHECK_EQ(alu(X86_ALU_DEC, 4, 0, 0, 0, &f), 0xffffffff);
	CHECK_EQ(f, RFLAGS_FIXED | SF | AF | PF);
	CHECK_EQ(alu(X86_ALU_NOT, 1, 0x42, 0, ZF | CF, &f), 0xbd);
	CHECK_EQ(f, RFLAGS_FIXED | ZF | CF);
	CHECK_EQ(alu(X86_ALU_NEG, 8, 0, 0, CF, &f), 0);
	CHECK_EQ(f, RFLAGS_FIXED | ZF | PF);
	CHECK_EQ(alu(X86_ALU_NEG, 1, 66, 0, 0, &f), 0xbe);
	CHECK(f & CF);
}

/* BT* take the bit modulo the operand's width into CF and keep ZF. */
TEST(x86alu_bit_tests)
{
	uint64_t f;
	CHECK_EQ(alu(X86_ALU_BTC, 4, 0, 32, ZF, &f), 1);
	CHECK_EQ(f, RFLAGS_FIXED | ZF);
	CHECK_EQ(alu(X86_ALU_BTS, 2, 0x8000, 15, 0, &f), 0x8000);
	CHECK_EQ(f, RFLAGS_FIXED | CF);
	CHECK_EQ(alu(X86_ALU_BTR, 8, ~0ULL, 63, 0, &f), ~0ULL >> 1);
	CHECK_EQ(f, RFLAGS_FIXED | CF);
	CHECK_EQ(alu(X86_ALU_BT, 4, 4, 2, 0, &f), 4);
	CHECK_EQ(f, RFLAGS_FIXED | CF);
}

/* XADD adds with ADD's flags; CMPXCHG compares accumulator - memory; XCHG returns the source. */
TEST(x86alu_exchanges)
{
	uint64_t f;
	CHECK_EQ(alu(X86_ALU_XADD, 4, 0xffffffff, 1, 0, &f), 0);
	CHECK_EQ(f, RFLAGS_FIXED | CF | ZF | AF | PF);
	alu(X86_ALU_CMPXCHG, 8, 7, 7, 0, &f);
	CHECK(f & ZF);
	alu(X86_ALU_CMPXCHG, 8, 7, 8, 0, &f);
	CHECK(!(f & ZF) && (f & CF));
	CHECK_EQ(alu(X86_ALU_XCHG, 2, 1, 0x12345, OF, &f), 0x2345);
	CHECK_EQ(f, RFLAGS_FIXED | OF);
}

/*
 * The processor's own answer: executes "insn src, dst" (AT&T order) with
 * RFLAGS = *flags, returns dst and the RFLAGS after in *flags.  The stack
 * pointer steps over the red zone first: the test is built with one.
 */
#define HW_OP(fn, insn, type)                                                              \
	static uint64_t fn(uint64_t d, uint64_t s, uint64_t *flags)                        \
	{                                                                                  \
		type dv = (type)d, sv = (type)s;                                           \
		uint64_t f = *flags;                                                       \
		asm volatile("lea -128(%%rsp), %%rsp\n\tpush %[f]\n\tpopf\n\t" insn        \
			     "\n\tpushf\n\tpop %[f]\n\tlea 128(%%rsp), %%rsp"              \
			     : [d] "+r"(dv), [f] "+r"(f)                                  \
			     : [s] "r"(sv)                                                 \
			     : "cc", "memory");                                            \
		*flags = f;                                                                \
		return (uint64_t)dv;                                                       \
	}
/* One instruction at the four sizes: fn_1, fn_2, fn_4, fn_8. */
#define HW_SIZES(fn, two_ops)                                   \
	HW_OP(fn##_1, two_ops("b", "%b[s]", "%b[d]"), uint8_t)  \
	HW_OP(fn##_2, two_ops("w", "%w[s]", "%w[d]"), uint16_t) \
	HW_OP(fn##_4, two_ops("l", "%k[s]", "%k[d]"), uint32_t) \
	HW_OP(fn##_8, two_ops("q", "%q[s]", "%q[d]"), uint64_t)
#define BIN(m) BIN_##m
#define BIN_FORM(m, sfx, s, d) #m sfx " " s ", " d
#define BIN_add(sfx, s, d) BIN_FORM(add, sfx, s, d)
#define BIN_or(sfx, s, d)  BIN_FORM(or, sfx, s, d)
#define BIN_adc(sfx, s, d) BIN_FORM(adc, sfx, s, d)
#define BIN_sbb(sfx, s, d) BIN_FORM(sbb, sfx, s, d)
#define BIN_and(sfx, s, d) BIN_FORM(and, sfx, s, d)
#define BIN_sub(sfx, s, d) BIN_FORM(sub, sfx, s, d)
#define BIN_xor(sfx, s, d) BIN_FORM(xor, sfx, s, d)
#define BIN_cmp(sfx, s, d) BIN_FORM(cmp, sfx, s, d)
#define BIN_test(sfx, s, d) BIN_FORM(test, sfx, s, d)
#define BIN_xadd(sfx, s, d) BIN_FORM(xadd, sfx, s, d)
#define UN_not(sfx, s, d) "not" sfx " " d
#define UN_neg(sfx, s, d) "neg" sfx " " d
#define UN_inc(sfx, s, d) "inc" sfx " " d
#define UN_dec(sfx, s, d) "dec" sfx " " d
HW_SIZES(hw_add, BIN_add)
HW_SIZES(hw_or, BIN_or)
HW_SIZES(hw_adc, BIN_adc)
HW_SIZES(hw_sbb, BIN_sbb)
HW_SIZES(hw_and, BIN_and)
HW_SIZES(hw_sub, BIN_sub)
HW_SIZES(hw_xor, BIN_xor)
HW_SIZES(hw_cmp, BIN_cmp)
HW_SIZES(hw_test, BIN_test)
HW_SIZES(hw_xadd, BIN_xadd)
HW_SIZES(hw_not, UN_not)
HW_SIZES(hw_neg, UN_neg)
HW_SIZES(hw_inc, UN_inc)
HW_SIZES(hw_dec, UN_dec)
/*
 * BT*, BSF, BSR and two-operand IMUL have no byte form: 2, 4 and 8 only
 * (the 1-byte slot repeats the 2-byte one).
 */
#define BT_FORM(m, sfx, s, d) #m sfx " " s ", " d
#define BT_bt(sfx, s, d)  BT_FORM(bt, sfx, s, d)
#define BT_bts(sfx, s, d) BT_FORM(bts, sfx, s, d)
#define BT_btr(sfx, s, d) BT_FORM(btr, sfx, s, d)
#define BT_btc(sfx, s, d) BT_FORM(btc, sfx, s, d)
#define BT_bsf(sfx, s, d) BT_FORM(bsf, sfx, s, d)
#define BT_bsr(sfx, s, d) BT_FORM(bsr, sfx, s, d)
#define BT_imul(sfx, s, d) BT_FORM(imul, sfx, s, d)
#define HW_BT(fn, form)                                         \
	HW_OP(fn##_2, form("w", "%w[s]", "%w[d]"), uint16_t)    \
	HW_OP(fn##_4, form("l", "%k[s]", "%k[d]"), uint32_t)    \
	HW_OP(fn##_8, form("q", "%q[s]", "%q[d]"), uint64_t)    \
	static uint64_t fn##_1(uint64_t d, uint64_t s, uint64_t *f) { return fn##_2(d, s, f); }
HW_BT(hw_bt, BT_bt)
HW_BT(hw_bts, BT_bts)
HW_BT(hw_btr, BT_btr)
HW_BT(hw_btc, BT_btc)
HW_BT(hw_bsf, BT_bsf)
HW_BT(hw_bsr, BT_bsr)
HW_BT(hw_imul, BT_imul)

typedef uint64_t (*hw_fn)(uint64_t, uint64_t, uint64_t *);
#define SIZES(fn) { fn##_1, fn##_2, fn##_4, fn##_8 }
static const struct {
	enum x86_alu op;
	const char *name;
	hw_fn hw[4];
	uint64_t undefined; /* flags the SDM leaves undefined: not compared */
	unsigned min_size;
} ops[] = {
	{ X86_ALU_ADD, "add", SIZES(hw_add), 0, 1 },
	{ X86_ALU_OR, "or", SIZES(hw_or), AF, 1 },
	{ X86_ALU_ADC, "adc", SIZES(hw_adc), 0, 1 },
	{ X86_ALU_SBB, "sbb", SIZES(hw_sbb), 0, 1 },
	{ X86_ALU_AND, "and", SIZES(hw_and), AF, 1 },
	{ X86_ALU_SUB, "sub", SIZES(hw_sub), 0, 1 },
	{ X86_ALU_XOR, "xor", SIZES(hw_xor), AF, 1 },
	{ X86_ALU_CMP, "cmp", SIZES(hw_cmp), 0, 1 },
	{ X86_ALU_TEST, "test", SIZES(hw_test), AF, 1 },
	{ X86_ALU_XADD, "xadd", SIZES(hw_xadd), 0, 1 },
	{ X86_ALU_NOT, "not", SIZES(hw_not), 0, 1 },
	{ X86_ALU_NEG, "neg", SIZES(hw_neg), 0, 1 },
	{ X86_ALU_INC, "inc", SIZES(hw_inc), 0, 1 },
	{ X86_ALU_DEC, "dec", SIZES(hw_dec), 0, 1 },
	{ X86_ALU_BT, "bt", SIZES(hw_bt), OF | SF | AF | PF, 2 },
	{ X86_ALU_BTS, "bts", SIZES(hw_bts), OF | SF | AF | PF, 2 },
	{ X86_ALU_BTR, "btr", SIZES(hw_btr), OF | SF | AF | PF, 2 },
	{ X86_ALU_BTC, "btc", SIZES(hw_btc), OF | SF | AF | PF, 2 },
	{ X86_ALU_BSF, "bsf", SIZES(hw_bsf), CF | OF | SF | AF | PF, 2 },
	{ X86_ALU_BSR, "bsr", SIZES(hw_bsr), CF | OF | SF | AF | PF, 2 },
	{ X86_ALU_IMUL, "imul", SIZES(hw_imul), SF | ZF | AF | PF, 2 },
};

/* Edge values: zero, one, the sign bits and their neighbours at every size, and a few plain ones. */
static const uint64_t values[] = {
	0, 1, 2, 0xf, 0x10, 0x7f, 0x80, 0x81, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x12345,
	0x7fffffff, 0x80000000, 0xffffffff, 0x123456789abcdefULL, 0x7fffffffffffffffULL,
	0x8000000000000000ULL, 0xfffffffffffffffeULL, 0xffffffffffffffffULL, 0x8326, 0x26, 66,
};

/* Checks one operation at one size on every pair of values and two flag inputs. */
static int matches_processor(unsigned i, unsigned size_index)
{
	static const uint64_t flag_inputs[] = { RFLAGS_FIXED, RFLAGS_FIXED | X86_FLAGS_ARITH };
	unsigned size = 1u << size_index;
	for (unsigned a = 0; a < ARRAY_LEN(values); a++)
		for (unsigned b = 0; b < ARRAY_LEN(values); b++)
			for (unsigned k = 0; k < ARRAY_LEN(flag_inputs); k++) {
				uint64_t hw_flags = flag_inputs[k], sw_flags = flag_inputs[k];
				uint64_t mask = size == 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
				uint64_t hw = ops[i].hw[size_index](values[a], values[b], &hw_flags) & mask;
				uint64_t sw = x86_alu(ops[i].op, size, values[a], values[b], &sw_flags);
				uint64_t cmp = X86_FLAGS_ARITH & ~ops[i].undefined;
				if (ops[i].op == X86_ALU_CMP || ops[i].op == X86_ALU_TEST ||
				    ops[i].op == X86_ALU_BT)
					hw = sw; /* the processor writes nothing: compare flags only */
				if (hw != sw || (hw_flags & cmp) != (sw_flags & cmp)) {
					printf("# %s size %u %#llx, %#llx flags %#llx: processor %#llx "
					       "flags %#llx, x86_alu %#llx flags %#llx\n",
					       ops[i].name, size, (unsigned long long)values[a],
					       (unsigned long long)values[b], (unsigned long long)flag_inputs[k],
					       (unsigned long long)hw, (unsigned long long)hw_flags,
					       (unsigned long long)sw, (unsigned long long)sw_flags);
					return 0;
				}
			}
	return 1;
}

/* BSF and BSR give the lowest and highest set bit, ZF for 0; IMUL sets CF and OF on overflow. */
TEST(x86alu_scans_and_multiply)
{
	uint64_t f;
	CHECK_EQ(alu(X86_ALU_BSF, 2, 0x1234, 0xc000, ZF, &f), 14);
	CHECK(!(f & ZF));
	CHECK_EQ(alu(X86_ALU_BSR, 8, 0, 0xc00000000000ULL, 0, &f), 47);
	CHECK_EQ(alu(X86_ALU_BSF, 8, 0x55, 0, 0, &f), 0x55);
	CHECK(f & ZF);
	CHECK_EQ(alu(X86_ALU_IMUL, 2, 0x5678, 51, 0, &f), 0x39e8);
	CHECK_EQ(f & (CF | OF), CF | OF);
	CHECK_EQ(alu(X86_ALU_IMUL, 8, 0x1234567812345678ULL, 51, 0, &f), 0xa06d39eba06d39e8ULL);
	CHECK_EQ(alu(X86_ALU_IMUL, 4, 0xffffffff, 0xffffffff, CF | OF, &f), 1); /* -1 * -1 */
	CHECK_EQ(f & (CF | OF), 0);
}

/* The one-operand MUL, IMUL, DIV and IDIV on the processor: rAX, rDX and RFLAGS in and out. */
#define HW_MULDIV(fn, insn, sfx, reg)                                                        \
	static void fn(uint64_t *a, uint64_t *d, uint64_t s, uint64_t *flags)              \
	{                                                                                  \
		uint64_t f = *flags;                                                       \
		asm volatile("lea -128(%%rsp), %%rsp\n\tpush %[f]\n\tpopf\n\t" insn sfx    \
			     " %" reg "[s]\n\tpushf\n\tpop %[f]\n\tlea 128(%%rsp), %%rsp"    \
			     : "+a"(*a), "+d"(*d), [f] "+r"(f)                             \
			     : [s] "r"(s)                                                  \
			     : "cc", "memory");                                            \
		*flags = f;                                                                \
	}
#define HW_MULDIV_SIZES(fn, insn)                \
	HW_MULDIV(fn##_1, insn, "b", "b")       \
	HW_MULDIV(fn##_2, insn, "w", "w")       \
	HW_MULDIV(fn##_4, insn, "l", "k")       \
	HW_MULDIV(fn##_8, insn, "q", "q")
HW_MULDIV_SIZES(hw_mul, "mul")
HW_MULDIV_SIZES(hw_imul1, "imul")
HW_MULDIV_SIZES(hw_div, "div")
HW_MULDIV_SIZES(hw_idiv, "idiv")

/* kvm-unit-tests' emulator's figures, then #DE for a zero divisor and a quotient too big. */
TEST(x86alu_muldiv)
{
	uint64_t a = 0x1111111111111111ULL, d = 0x2222222222222222ULL, f = RFLAGS_FIXED;
	CHECK(x86_muldiv(X86_ALU_MUL, 1, &a, &d, 0x3333333333333333ULL, &f));
	CHECK_EQ(a, 0x1111111111110363ULL);
	CHECK_EQ(d, 0x2222222222222222ULL);
	a = 0x1111111111111111ULL;
	CHECK(x86_muldiv(X86_ALU_MUL, 4, &a, &d, 0x3333333333333333ULL, &f));
	CHECK_EQ(a, 0x962fc963ULL);
	CHECK_EQ(d, 0x369d036ULL);
	a = 123456789012345ULL, d = 123456789012345ULL;
	CHECK(x86_muldiv(X86_ALU_DIV, 8, &a, &d, 987654321098765ULL, &f));
	CHECK_EQ(a, 0x1ffffffb1b963b33ULL);
	CHECK_EQ(d, 0x273ba4384ede2ULL);
	a = 1, d = 2;
	CHECK(!x86_muldiv(X86_ALU_DIV, 8, &a, &d, 0, &f));
	CHECK(a == 1 && d == 2);
	a = 0, d = 1; /* 2^64 / 1 */
	CHECK(!x86_muldiv(X86_ALU_DIV, 8, &a, &d, 1, &f));
	a = 0x8000, d = 0xffff; /* -32768 / -1 in 16 bits: 32768 does not fit */
	CHECK(!x86_muldiv(X86_ALU_IDIV, 2, &a, &d, 0xffff, &f));
	a = 0x0080; /* AX = 128, / -1 in a byte: -128 fits */
	CHECK(x86_muldiv(X86_ALU_IDIV, 1, &a, &d, 0xff, &f));
	CHECK_EQ(a & 0xffff, 0x0080);
}

/* Each of the four against the processor, every size, every pair of values it takes. */
TEST(x86alu_muldiv_matches_processor)
{
	typedef void (*hw_muldiv)(uint64_t *, uint64_t *, uint64_t, uint64_t *);
	static const struct {
		enum x86_alu op;
		hw_muldiv hw[4];
	} muldiv[] = {
		{ X86_ALU_MUL, SIZES(hw_mul) }, { X86_ALU_IMUL1, SIZES(hw_imul1) },
		{ X86_ALU_DIV, SIZES(hw_div) }, { X86_ALU_IDIV, SIZES(hw_idiv) },
	};
	unsigned compared = 0;
	for (unsigned i = 0; i < ARRAY_LEN(muldiv); i++)
		for (unsigned s = 0; s < 4; s++)
			for (unsigned x = 0; x < ARRAY_LEN(values); x++)
				for (unsigned y = 0; y < ARRAY_LEN(values); y++)
					for (unsigned z = 0; z < ARRAY_LEN(values); z += 5) {
						uint64_t sa = values[x], sd = values[z], sf = RFLAGS_FIXED;
						uint64_t ha = sa, hd = sd, hf = sf;
						if (!x86_muldiv(muldiv[i].op, 1u << s, &sa, &sd, values[y],
								&sf))
							continue; /* #DE: the processor's would end this test */
						muldiv[i].hw[s](&ha, &hd, values[y], &hf);
						uint64_t cmp = muldiv[i].op <= X86_ALU_IMUL1 ? CF | OF : 0;
						if (ha != sa || hd != sd || (hf & cmp) != (sf & cmp)) {
							printf("# op %d size %u: %#llx:%#llx by %#llx\n",
							       muldiv[i].op, 1u << s,
							       (unsigned long long)values[z],
							       (unsigned long long)values[x],
							       (unsigned long long)values[y]);
							CHECK(0);
							return;
						}
						compared++;
					}
	CHECK(compared > 1000);
}

/* Each condition against the processor's SETcc, for every combination of the five flags. */
#define HW_SETCC(n, name)                                                                    \
	case n:                                                                              \
		asm volatile("lea -128(%%rsp), %%rsp\n\tpush %[f]\n\tpopf\n\tset" name " %[r]\n\t" \
			     "lea 128(%%rsp), %%rsp"                                              \
			     : [r] "=r"(r) : [f] "r"(f) : "cc", "memory");                        \
		break;
static bool hw_condition(unsigned cc, uint64_t f)
{
	uint8_t r = 0;
	switch (cc) {
	HW_SETCC(0, "o") HW_SETCC(1, "no") HW_SETCC(2, "b") HW_SETCC(3, "ae")
	HW_SETCC(4, "e") HW_SETCC(5, "ne") HW_SETCC(6, "be") HW_SETCC(7, "a")
	HW_SETCC(8, "s") HW_SETCC(9, "ns") HW_SETCC(10, "p") HW_SETCC(11, "np")
	HW_SETCC(12, "l") HW_SETCC(13, "ge") HW_SETCC(14, "le") HW_SETCC(15, "g")
	}
	return r;
}

TEST(x86alu_conditions_match_processor)
{
	static const uint64_t flags[] = { CF, PF, ZF, SF, OF };
	for (unsigned cc = 0; cc < 16; cc++)
		for (unsigned bits = 0; bits < 32; bits++) {
			uint64_t f = RFLAGS_FIXED;
			for (unsigned i = 0; i < 5; i++)
				if (bits & (1u << i))
					f |= flags[i];
			CHECK_EQ(x86_condition(cc, f), hw_condition(cc, f));
		}
}

/* Every operation, every size, against the processor. */
TEST(x86alu_matches_processor)
{
	int ok = 1;
	for (unsigned i = 0; i < ARRAY_LEN(ops); i++)
		for (unsigned s = 0; s < 4; s++)
			if ((1u << s) >= ops[i].min_size)
				ok &= matches_processor(i, s);
	CHECK(ok);
}

/* SHLD/SHRD on the processor: dst shifted by CL, filled from src; RFLAGS in and out. */
#define HW_SHIFT(fn, insn, type, sfx, reg)                                                  \
	static uint64_t fn(uint64_t d, uint64_t s, unsigned count, uint64_t *flags)        \
	{                                                                                  \
		type dv = (type)d, sv = (type)s;                                           \
		uint64_t f = *flags;                                                       \
		asm volatile("lea -128(%%rsp), %%rsp\n\tpush %[f]\n\tpopf\n\t" insn sfx    \
			     " %%cl, %" reg "[s], %" reg "[d]\n\tpushf\n\tpop %[f]\n\t"    \
			     "lea 128(%%rsp), %%rsp"                                        \
			     : [d] "+r"(dv), [f] "+r"(f)                                  \
			     : [s] "r"(sv), "c"(count)                                    \
			     : "cc", "memory");                                            \
		*flags = f;                                                                \
		return (uint64_t)dv;                                                       \
	}
HW_SHIFT(hw_shld_2, "shld", uint16_t, "w", "w")
HW_SHIFT(hw_shld_4, "shld", uint32_t, "l", "k")
HW_SHIFT(hw_shld_8, "shld", uint64_t, "q", "q")
HW_SHIFT(hw_shrd_2, "shrd", uint16_t, "w", "w")
HW_SHIFT(hw_shrd_4, "shrd", uint32_t, "l", "k")
HW_SHIFT(hw_shrd_8, "shrd", uint64_t, "q", "q")

/* SHLD and SHRD: the SDM's example, then every count the SDM defines at each size, as the processor. */
TEST(x86alu_shift_double)
{
	typedef uint64_t (*shift_fn)(uint64_t, uint64_t, unsigned, uint64_t *);
	static const shift_fn hw[2][3] = { { hw_shld_2, hw_shld_4, hw_shld_8 },
					   { hw_shrd_2, hw_shrd_4, hw_shrd_8 } };
	uint64_t f = RFLAGS_FIXED;
	CHECK_EQ(x86_shift_double(X86_ALU_SHLD, 4, 0x12345678, 0xaaaaaaaa, 3, &f), 0x91a2b3c5);
	CHECK_EQ(x86_shift_double(X86_ALU_SHRD, 4, 0x12345678, 0x55555555, 3, &f), 0xa2468acf);
	f = RFLAGS_FIXED | ZF | CF;
	CHECK_EQ(x86_shift_double(X86_ALU_SHRD, 8, 5, 7, 64, &f), 5); /* 64 mod 64: nothing */
	CHECK_EQ(f, RFLAGS_FIXED | ZF | CF);
	int ok = 1;
	for (unsigned op = 0; op < 2; op++)
		for (unsigned s = 0; s < 3; s++) {
			unsigned size = 2u << s, bits = 8 * size;
			for (unsigned a = 0; a < ARRAY_LEN(values); a++)
				for (unsigned b = 0; b < ARRAY_LEN(values); b += 3)
					for (unsigned count = 0; count <= bits; count++) {
						uint64_t hf = RFLAGS_FIXED, sf = RFLAGS_FIXED;
						uint64_t mask = size == 8 ? ~0ULL : (1ULL << bits) - 1;
						uint64_t h = hw[op][s](values[a], values[b], count, &hf) & mask;
						uint64_t w = x86_shift_double(op ? X86_ALU_SHRD : X86_ALU_SHLD,
									      size, values[a], values[b], count, &sf);
						uint64_t cmp = CF | SF | ZF | PF | (count == 1 ? OF : 0);
						if (count == bits && size == 8)
							continue; /* 64 mod 64 is 0: covered above */
						if (h != w || (hf & cmp) != (sf & cmp)) {
							printf("# %s size %u %#llx, %#llx by %u: processor %#llx "
							       "flags %#llx, ours %#llx flags %#llx\n",
							       op ? "shrd" : "shld", size,
							       (unsigned long long)values[a],
							       (unsigned long long)values[b], count,
							       (unsigned long long)h, (unsigned long long)hf,
							       (unsigned long long)w, (unsigned long long)sf);
							ok = 0;
						}
					}
		}
	CHECK(ok);
}
