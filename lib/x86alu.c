/*
 * x86alu.h's arithmetic, from the Intel SDM volume 2 (each instruction's
 * "Flags Affected") and volume 1, 3.4.3.1 (the status flags): CF is the
 * carry out of (or borrow into) the most significant bit, OF a signed
 * overflow, AF the carry out of bit 3, PF the even parity of the low
 * byte, ZF and SF the result's zero and sign.
 */
#include "x86alu.h"

/* All-ones in the low size bytes. */
static uint64_t mask_of(unsigned size)
{
	return size >= 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
}

static uint64_t sign_bit(unsigned size)
{
	return 1ULL << (8 * size - 1);
}

/* PF: set when the low byte of r has an even number of ones. */
static uint64_t parity_flag(uint64_t r)
{
	return __builtin_parity((unsigned)(r & 0xff)) ? 0 : X86_FLAG_PF;
}

/* ZF, SF and PF of a result r of size bytes. */
static uint64_t result_flags(uint64_t r, unsigned size)
{
	r &= mask_of(size);
	return (r ? 0 : X86_FLAG_ZF) | (r & sign_bit(size) ? X86_FLAG_SF : 0) | parity_flag(r);
}

/* The flags of r = a + b + carry (size bytes, a and b masked). */
static uint64_t add_flags(uint64_t a, uint64_t b, uint64_t carry, uint64_t r, unsigned size)
{
	uint64_t m = mask_of(size), f = result_flags(r, size);
	r &= m;
	if (r < a || (carry && r == a))
		f |= X86_FLAG_CF;
	if ((a ^ r) & (b ^ r) & sign_bit(size)) /* both operands' sign differs from the result's */
		f |= X86_FLAG_OF;
	if ((a ^ b ^ r) & 0x10)
		f |= X86_FLAG_AF;
	return f;
}

/* The flags of r = a - b - borrow (size bytes, a and b masked). */
static uint64_t sub_flags(uint64_t a, uint64_t b, uint64_t borrow, uint64_t r, unsigned size)
{
	uint64_t f = result_flags(r, size);
	r &= mask_of(size);
	if (a < b || (borrow && a == b))
		f |= X86_FLAG_CF;
	if ((a ^ b) & (a ^ r) & sign_bit(size)) /* operands' signs differ, and the result's is b's */
		f |= X86_FLAG_OF;
	if ((a ^ b ^ r) & 0x10)
		f |= X86_FLAG_AF;
	return f;
}

/* Puts the arithmetic flags f into *rflags, keeping those in keep. */
static void set_flags(uint64_t *rflags, uint64_t f, uint64_t keep)
{
	uint64_t changed = X86_FLAGS_ARITH & ~keep;
	*rflags = (*rflags & ~changed) | (f & changed);
}

/* ADD, OR, ADC, SBB, AND, SUB, XOR, CMP and TEST. */
static uint64_t binary(enum x86_alu op, unsigned size, uint64_t a, uint64_t b, uint64_t *rflags)
{
	uint64_t c = *rflags & X86_FLAG_CF ? 1 : 0, r;
	switch (op) {
	case X86_ALU_ADD:
	case X86_ALU_ADC:
		c = op == X86_ALU_ADC ? c : 0;
		r = a + b + c;
		set_flags(rflags, add_flags(a, b, c, r, size), 0);
		return r;
	case X86_ALU_SUB:
	case X86_ALU_SBB:
	case X86_ALU_CMP:
		c = op == X86_ALU_SBB ? c : 0;
		r = a - b - c;
		set_flags(rflags, sub_flags(a, b, c, r, size), 0);
		return r;
	case X86_ALU_OR:
		r = a | b;
		break;
	case X86_ALU_XOR:
		r = a ^ b;
		break;
	default: /* AND, TEST */
		r = a & b;
		break;
	}
	set_flags(rflags, result_flags(r, size), 0); /* CF, OF, AF cleared */
	return r;
}

/* BT, BTS, BTR, BTC: bit b mod the operand's width. */
static uint64_t bit_test(enum x86_alu op, unsigned size, uint64_t a, uint64_t b, uint64_t *rflags)
{
	uint64_t bit = 1ULL << (b & (8 * size - 1));
	set_flags(rflags, a & bit ? X86_FLAG_CF : 0, X86_FLAGS_ARITH & ~X86_FLAG_CF);
	if (op == X86_ALU_BTS)
		return a | bit;
	if (op == X86_ALU_BTR)
		return a & ~bit;
	return op == X86_ALU_BTC ? a ^ bit : a;
}

/* BSF, BSR: the index of b's lowest or highest set bit; b 0 sets ZF and returns a. */
static uint64_t bit_scan(enum x86_alu op, uint64_t a, uint64_t b, uint64_t *rflags)
{
	set_flags(rflags, b ? 0 : X86_FLAG_ZF, X86_FLAGS_ARITH & ~X86_FLAG_ZF);
	if (!b)
		return a;
	return op == X86_ALU_BSF ? (uint64_t)__builtin_ctzll(b) : 63 - (uint64_t)__builtin_clzll(b);
}

/* IMUL: the signed product truncated to size; CF and OF when the truncation lost bits. */
static uint64_t signed_multiply(unsigned size, uint64_t a, uint64_t b, uint64_t *rflags)
{
	unsigned shift = 64 - 8 * size;
	__int128 full = (__int128)((int64_t)(a << shift) >> shift) * ((int64_t)(b << shift) >> shift);
	int64_t low = (int64_t)((uint64_t)full << shift) >> shift; /* the truncation, sign-extended */
	set_flags(rflags, low == full ? 0 : X86_FLAG_CF | X86_FLAG_OF, X86_FLAG_SF | X86_FLAG_ZF |
		  X86_FLAG_AF | X86_FLAG_PF);
	return (uint64_t)full;
}

uint64_t x86_shift_double(enum x86_alu op, unsigned size, uint64_t dst, uint64_t src,
			  unsigned count, uint64_t *rflags)
{
	unsigned bits = 8 * size;
	uint64_t m = mask_of(size), a = dst & m, b = src & m, r, cf;
	count &= size == 8 ? 63 : 31;
	if (!count)
		return a;
	if (bits == 16) { /* a count up to 31 shifts through src: work on 32 bits */
		uint64_t wide = op == X86_ALU_SHLD ? a << 16 | b : b << 16 | a;
		uint64_t out = x86_shift_double(op, 4, wide, wide, count, rflags);
		r = op == X86_ALU_SHLD ? out >> 16 : out;
		set_flags(rflags, (*rflags & X86_FLAG_CF) | result_flags(r, 2) |
			  (((r ^ a) & 0x8000) && count == 1 ? X86_FLAG_OF : 0), X86_FLAG_AF);
		return r & m;
	}
	if (op == X86_ALU_SHLD) {
		r = a << count | b >> (bits - count);
		cf = a >> (bits - count) & 1;
	} else {
		r = a >> count | b << (bits - count);
		cf = a >> (count - 1) & 1;
	}
	r &= m;
	uint64_t of = (r ^ a) & sign_bit(size) ? X86_FLAG_OF : 0; /* the sign changed */
	set_flags(rflags, (cf ? X86_FLAG_CF : 0) | result_flags(r, size) | of, X86_FLAG_AF);
	return r;
}

uint64_t x86_alu(enum x86_alu op, unsigned size, uint64_t dst, uint64_t src, uint64_t *rflags)
{
	uint64_t m = mask_of(size), a = dst & m, b = src & m, r;
	switch (op) {
	case X86_ALU_NOT:
		return ~a & m;
	case X86_ALU_NEG:
		r = 0 - a;
		set_flags(rflags, sub_flags(0, a, 0, r, size), 0); /* CF: the operand was not 0 */
		return r & m;
	case X86_ALU_INC:
	case X86_ALU_DEC:
		r = op == X86_ALU_INC ? a + 1 : a - 1;
		set_flags(rflags, op == X86_ALU_INC ? add_flags(a, 1, 0, r, size) : sub_flags(a, 1, 0, r, size),
			  X86_FLAG_CF);
		return r & m;
	case X86_ALU_BT:
	case X86_ALU_BTS:
	case X86_ALU_BTR:
	case X86_ALU_BTC:
		return bit_test(op, size, a, src, rflags);
	case X86_ALU_XCHG:
		return b;
	case X86_ALU_BSF:
	case X86_ALU_BSR:
		return bit_scan(op, a, b, rflags);
	case X86_ALU_IMUL:
		return signed_multiply(size, a, b, rflags) & m;
	case X86_ALU_XADD:
		return binary(X86_ALU_ADD, size, a, b, rflags) & m;
	case X86_ALU_CMPXCHG:
		return binary(X86_ALU_CMP, size, a, b, rflags) & m;
	default:
		if ((unsigned)op > X86_ALU_TEST)
			return a; /* not an operation: nothing changes */
		return binary(op, size, a, b, rflags) & m;
	}
}

/* v's low size bytes, sign-extended. */
static uint64_t sign_extend_of(uint64_t v, unsigned size)
{
	unsigned unused = 64 - 8 * size;
	return (uint64_t)((int64_t)(v << unused) >> unused);
}

/* The pair's halves, size bytes each: AL and AH for size 1, else rAX and rDX. */
static void pair_get(unsigned size, uint64_t a, uint64_t d, uint64_t *lo, uint64_t *hi)
{
	*lo = a & mask_of(size);
	*hi = size == 1 ? (a >> 8) & 0xff : d & mask_of(size);
}

static void pair_set(unsigned size, uint64_t *a, uint64_t *d, uint64_t lo, uint64_t hi)
{
	uint64_t m = mask_of(size);
	if (size == 1) {
		*a = (*a & ~0xffffULL) | (hi & 0xff) << 8 | (lo & 0xff);
	} else if (size == 4) {
		*a = lo & m;
		*d = hi & m;
	} else {
		*a = (*a & ~m) | (lo & m);
		*d = (*d & ~m) | (hi & m);
	}
}

/*
 * hi:lo / v by long division, for hi < v (the quotient fits 64 bits):
 * no 128-bit division routine in a freestanding program.
 */
static uint64_t divide_128(uint64_t hi, uint64_t lo, uint64_t v, uint64_t *rem)
{
	uint64_t q = 0;
	for (unsigned i = 0; i < 64; i++) {
		bool carry = hi >> 63;
		hi = hi << 1 | lo >> 63;
		lo <<= 1;
		q <<= 1;
		if (carry || hi >= v) {
			hi -= v;
			q |= 1;
		}
	}
	*rem = hi;
	return q;
}

/* Unsigned hi:lo / v on size-byte halves: false for #DE. */
static bool divide_unsigned(unsigned size, uint64_t hi, uint64_t lo, uint64_t v, uint64_t *q,
			    uint64_t *r)
{
	if (!v || hi >= v) /* a quotient of size bytes needs hi < v */
		return false;
	if (size == 8) {
		*q = divide_128(hi, lo, v, r);
		return true;
	}
	uint64_t n = hi << (8 * size) | lo;
	*q = n / v;
	*r = n % v;
	return true;
}

/* Signed hi:lo / v on size-byte halves, cut toward 0: false for #DE. */
static bool divide_signed(unsigned size, uint64_t hi, uint64_t lo, uint64_t v, uint64_t *q,
			  uint64_t *r)
{
	bool n_neg = hi & sign_bit(size), v_neg = v & sign_bit(size), q_neg = n_neg != v_neg;
	uint64_t m = mask_of(size), uv = (v_neg ? -v : v) & m;
	if (n_neg) { /* the magnitude of hi:lo, as two size-byte halves */
		lo = -lo & m;
		hi = (~hi + !lo) & m;
	}
	uint64_t uq, ur;
	if (!divide_unsigned(size, hi, lo, uv, &uq, &ur) || uq > sign_bit(size) - !q_neg)
		return false;
	*q = (q_neg ? -uq : uq) & m;
	*r = (n_neg ? -ur : ur) & m;
	return true;
}

/* The double-width product of lo and src (size bytes each) into *lo, *hi; whether hi is needed. */
static bool multiply(bool is_signed, unsigned size, uint64_t *lo, uint64_t *hi, uint64_t src)
{
	uint64_t m = mask_of(size);
	if (is_signed) {
		__int128 p = (__int128)(int64_t)sign_extend_of(*lo, size) *
			     (int64_t)sign_extend_of(src, size);
		*lo = (uint64_t)p & m;
		*hi = (uint64_t)(p >> (8 * size)) & m;
		return p != (__int128)(int64_t)sign_extend_of(*lo, size);
	}
	unsigned __int128 p = (unsigned __int128)*lo * (src & m);
	*lo = (uint64_t)p & m;
	*hi = (uint64_t)(p >> (8 * size)) & m;
	return *hi != 0;
}

bool x86_muldiv(enum x86_alu op, unsigned size, uint64_t *a, uint64_t *d, uint64_t src,
		uint64_t *rflags)
{
	uint64_t lo, hi, q, r;
	pair_get(size, *a, *d, &lo, &hi);
	src &= mask_of(size);
	if (op == X86_ALU_MUL || op == X86_ALU_IMUL1) {
		bool wide = multiply(op == X86_ALU_IMUL1, size, &lo, &hi, src);
		pair_set(size, a, d, lo, hi);
		*rflags = (*rflags & ~(X86_FLAG_CF | X86_FLAG_OF)) |
			  (wide ? X86_FLAG_CF | X86_FLAG_OF : 0);
		return true;
	}
	if (!(op == X86_ALU_DIV ? divide_unsigned : divide_signed)(size, hi, lo, src, &q, &r))
		return false;
	pair_set(size, a, d, q, r);
	return true;
}

bool x86_condition(unsigned cc, uint64_t rflags)
{
	bool cf = rflags & X86_FLAG_CF, zf = rflags & X86_FLAG_ZF, sf = rflags & X86_FLAG_SF;
	bool of = rflags & X86_FLAG_OF, pf = rflags & X86_FLAG_PF;
	bool holds[8] = { of, cf, zf, cf || zf, sf, pf, sf != of, zf || sf != of };
	return holds[(cc >> 1) & 7] != (cc & 1); /* an odd condition is the even one's negation */
}
