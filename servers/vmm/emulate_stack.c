/*
 * The stack's instructions emulated on MMIO (emulate.h): PUSH, POP, RET,
 * LEAVE and ENTER with nesting level 0, whichever of their operands (the
 * stack at SS:rSP or a memory operand) is a device's.
 */
#include "emulate.h"
#include "mem.h"
#include "moat/syscall.h"
#include "moat/user.h"
#include "x86alu.h"
#include "x86regs.h"

/* The stack's address size: 8 in 64-bit code, else 4 or 2 by SS's B flag. */
static unsigned stack_addr_size(const uint64_t *w)
{
	if (code_mode(w) == X86_MODE_64)
		return 8;
	return VM_SEG_AR(w[VMW_SEG_DESC(VMS_SS)]) & VM_SEG_AR_DB ? 4 : 2;
}

/* rSP moved by delta, in the stack's address size (a 16-bit SP keeps rSP's upper bits). */
static uint64_t stack_moved(const uint64_t *w, int64_t delta)
{
	unsigned size = stack_addr_size(w);
	uint64_t mask = size == 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
	return (w[VMW_RSP] & ~mask) | ((w[VMW_RSP] + (uint64_t)delta) & mask);
}

/* The size bytes at SS:offset (offset in the stack's address size), read or written. */
static bool stack_rw(struct exit_ctx *x, uint64_t offset, unsigned size, bool write, uint64_t *v)
{
	unsigned asize = stack_addr_size(x->w);
	uint64_t mask = asize == 8 ? ~0ULL : (1ULL << (8 * asize)) - 1;
	uint64_t linear = seg_linear(x->w, X86_SEG_SS, offset & mask);
	struct mem_ref ref;
	return resolve(x, linear, size, write ? GWALK_WRITE : GWALK_READ, &ref) &&
	       ref_rw(x, &ref, size, write, v);
}

/* The ModRM memory operand (size bytes) read or written, as a MOV's. */
static bool operand_rw(struct exit_ctx *x, const struct x86_insn *in, bool write, uint64_t *v)
{
	struct mem_ref ref;
	return resolve(x, operand_linear(x->w, in, 0), in->size, write ? GWALK_WRITE : GWALK_READ,
		       &ref) &&
	       ref_rw(x, &ref, in->size, write, v);
}

/* PUSH: the register, immediate or memory operand stored below rSP, then rSP lowered. */
static bool emulate_push(struct exit_ctx *x, const struct x86_insn *in)
{
	uint64_t v = 0;
	if (in->reg != X86_REG_NONE)
		v = x86_store_value(in, *gpr_word(x->w, in->reg)); /* PUSH rSP: the old value */
	else if (in->stack_only)
		v = in->imm;
	else if (!operand_rw(x, in, false, &v))
		return false;
	uint64_t top = stack_moved(x->w, -(int64_t)in->size);
	if (!stack_rw(x, top, in->size, true, &v))
		return false;
	x->w[VMW_RSP] = top;
	return true;
}

/*
 * POP: the element at rSP read, rSP raised, then the element stored in
 * the register or the memory operand, whose address uses the raised rSP
 * (SDM, POP).  A store that faults leaves rSP as it was.
 */
static bool emulate_pop(struct exit_ctx *x, const struct x86_insn *in)
{
	uint64_t *w = x->w, v = 0, old = w[VMW_RSP];
	if (!stack_rw(x, old, in->size, false, &v))
		return false;
	w[VMW_RSP] = stack_moved(w, in->size);
	if (in->stack_only) {
		uint64_t *reg = gpr_word(w, in->reg);
		*reg = x86_load_result(in, v, *reg); /* POP rSP: the value popped */
		return true;
	}
	if (!operand_rw(x, in, true, &v)) {
		w[VMW_RSP] = old;
		return false;
	}
	return true;
}

/* RET (imm16): rIP popped, canonical in 64-bit code (else #GP(0), nothing changed). */
static bool emulate_ret(struct exit_ctx *x, const struct x86_insn *in)
{
	uint64_t *w = x->w, rip = 0;
	if (!stack_rw(x, w[VMW_RSP], in->size, false, &rip))
		return false;
	if (code_mode(w) == X86_MODE_64 && !canonical(w, rip)) {
		inject_gp(x);
		return false;
	}
	w[VMW_RSP] = stack_moved(w, (int64_t)(in->size + in->imm));
	advance_rip(x, rip - w[VMW_RIP]); /* to rip: advance_rip also ends an STI or MOV SS shadow */
	return false; /* rIP is where it returns to, not past the RET */
}

/* LEAVE: rSP = rBP, then rBP popped (an element's bytes of it: 66 pops BP alone). */
static bool emulate_leave(struct exit_ctx *x, const struct x86_insn *in)
{
	uint64_t *w = x->w, v = 0, old = w[VMW_RSP];
	w[VMW_RSP] = w[VMW_RBP];
	uint64_t frame = stack_moved(w, 0);
	if (!stack_rw(x, frame, in->size, false, &v)) {
		w[VMW_RSP] = old;
		return false;
	}
	w[VMW_RSP] = stack_moved(w, in->size);
	w[VMW_RBP] = x86_load_result(in, v, w[VMW_RBP]);
	return true;
}

/* ENTER imm, 0: rBP pushed, rBP = the new rSP, rSP lowered by imm more. */
static bool emulate_enter(struct exit_ctx *x, const struct x86_insn *in)
{
	uint64_t *w = x->w, v = w[VMW_RBP];
	uint64_t top = stack_moved(w, -(int64_t)in->size);
	if (!stack_rw(x, top, in->size, true, &v))
		return false;
	w[VMW_RBP] = x86_load_result(in, top, w[VMW_RBP]);
	w[VMW_RSP] = top;
	w[VMW_RSP] = stack_moved(w, -(int64_t)in->imm);
	return true;
}

/*
 * An instruction of the stack's (PUSH, POP, RET, LEAVE, ENTER) whose
 * stack or other memory operand is a device's.  Flags are untouched;
 * the registers go back in the reply.
 */
void emulate_stack(struct exit_ctx *x, const struct x86_insn *in)
{
	static bool (*const ops[])(struct exit_ctx *, const struct x86_insn *) = {
		[X86_OP_PUSH] = emulate_push, [X86_OP_POP] = emulate_pop, [X86_OP_RET] = emulate_ret,
		[X86_OP_LEAVE] = emulate_leave, [X86_OP_ENTER] = emulate_enter,
	};
	x->reply |= VMG_GPR_ACDB | VMG_GPR_OTHER;
	if (ops[in->op](x, in))
		advance_rip(x, in->length);
}
