/*
 * The arithmetic of the instructions x86decode.h decodes as X86_OP_ALU (and
 * the compare of CMPS and SCAS): each one's result and the RFLAGS it
 * leaves, as the Intel SDM volume 2 describes the instruction.  Flags an
 * instruction leaves undefined are set as stated at x86_alu; flags it
 * does not affect keep their value.  Pure and freestanding: the VMM links
 * it and the host tests it against the processor it runs on.
 */
#ifndef LIB_X86ALU_H
#define LIB_X86ALU_H

#include <stdbool.h>
#include <stdint.h>

#include "x86decode.h"

#define X86_FLAG_CF 0x001ULL
#define X86_FLAG_PF 0x004ULL
#define X86_FLAG_AF 0x010ULL
#define X86_FLAG_ZF 0x040ULL
#define X86_FLAG_SF 0x080ULL
#define X86_FLAG_OF 0x800ULL
/* The six arithmetic flags, the only ones x86_alu changes. */
#define X86_FLAGS_ARITH (X86_FLAG_CF | X86_FLAG_PF | X86_FLAG_AF | X86_FLAG_ZF | X86_FLAG_SF | X86_FLAG_OF)

/*
 * dst OP src on size (1, 2, 4 or 8) bytes: returns the result (the low
 * size bytes) and updates the arithmetic flags of *rflags.
 *   ADD..CMP, TEST  dst op src; CMP and TEST return dst - src and dst & src
 *                   (the caller writes neither).  AND, OR, XOR and TEST
 *                   clear CF and OF; their AF (undefined) is cleared.
 *   NOT, NEG        of dst (src unused); NOT changes no flag.
 *   INC, DEC        dst + 1, dst - 1; CF kept.
 *   BT..BTC         bit (src mod 8 * size) of dst into CF, the bit kept,
 *                   set, cleared or complemented; OF, SF, AF and PF
 *                   (undefined) and ZF are kept.
 *   XADD            dst + src, the flags of ADD.
 *   CMPXCHG         the compare, dst (the accumulator) - src (memory), and
 *                   its flags; the caller decides what is written.
 *   XCHG            src, no flag changed.
 *   BSF, BSR        the index of src's lowest, highest set bit, ZF clear;
 *                   src 0: dst, ZF set (the destination unchanged, as AMD
 *                   documents and Intel's processors do).  The other flags
 *                   (undefined) are kept.
 *   IMUL            dst * src, signed, truncated; CF and OF set when the
 *                   truncation differs from the full product.  SF, ZF, AF
 *                   and PF (undefined) are kept.
 */
uint64_t x86_alu(enum x86_alu op, unsigned size, uint64_t dst, uint64_t src, uint64_t *rflags);

/*
 * SHLD (op X86_ALU_SHLD) or SHRD of dst by count (mod 32, or 64 for 8
 * bytes), filling from src; returns the result.  A count of 0 changes
 * nothing.  CF is the last bit shifted out, SF, ZF and PF the result's, OF
 * (defined for a count of 1) whether the sign changed; AF (undefined) is
 * kept.  A 2-byte count past 16 is undefined: the result is what the
 * 32-bit double shift of dst:src would leave in its low bits.
 */
uint64_t x86_shift_double(enum x86_alu op, unsigned size, uint64_t dst, uint64_t src,
			  unsigned count, uint64_t *rflags);

/*
 * MUL, IMUL with one operand, DIV and IDIV (op X86_ALU_MUL..X86_ALU_IDIV)
 * of size bytes: the accumulator pair (AL and AH within *a for size 1,
 * else *a and *d: rAX and rDX) with src.
 *   MUL, IMUL1  the double-width product into the pair (AX for size 1);
 *               CF and OF set when the high half is needed (IMUL1: when it
 *               is not the low half's sign extension); SF, ZF, AF and PF
 *               (undefined) kept.
 *   DIV, IDIV   the pair (AX for size 1) divided by src: the quotient, cut
 *               toward 0, into the low register (AL), the remainder into
 *               the high one (AH); the flags (all undefined) kept.
 * Returns false, changing nothing, where the processor raises #DE: src 0,
 * or a quotient too big for size bytes.  The registers' bits above size
 * are kept, but a 4-byte result zero-extends, as writing EAX and EDX does.
 */
bool x86_muldiv(enum x86_alu op, unsigned size, uint64_t *a, uint64_t *d, uint64_t src,
		uint64_t *rflags);

/* Whether condition cc (0 O, 1 NO, 2 B ... 15 G, as Jcc and CMOVcc encode it) holds for rflags. */
bool x86_condition(unsigned cc, uint64_t rflags);

/* Whether op writes its result to its first operand (not CMP, TEST, BT or CMPXCHG; BSF and BSR
   only when the source is not 0). */
static inline int x86_alu_writes(enum x86_alu op)
{
	return op != X86_ALU_CMP && op != X86_ALU_TEST && op != X86_ALU_BT && op != X86_ALU_CMPXCHG;
}

#endif
