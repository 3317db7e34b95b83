/*
 * The SSE and MMX moves between a vector register and memory that the
 * VMM emulates on MMIO (emulate.h).  No exit message carries a vCPU's
 * vector registers: they come from the kernel for these alone
 * (SYS_THREAD_READ_REGS/WRITE_REGS with REGS_SSE and REGS_X87,
 * docs/vm-exit-protocol.md "Vector registers").
 */
#include "emulate.h"
#include "mem.h"
#include "moat/syscall.h"
#include "moat/user.h"
#include "x86alu.h"
#include "x86regs.h"

/*
 * The exiting vCPU's registers of set (REGS_SSE, REGS_X87: bytes of them
 * at regs) read, or written.  The kernel moves them through this thread's
 * UTCB words, where the exit's words are: those are kept aside meanwhile.
 * False after stopping the guest.
 */
static bool vcpu_regs(struct exit_ctx *x, enum regs_set set, void *regs, size_t bytes, bool write)
{
	uint64_t vcpu = x->g->cpu[exit_cpu(x)].slot, *mr = utcb()->mr;
	exit_words_save();
	if (write)
		memcpy(mr, regs, bytes);
	uint64_t st = write ? sys_thread_write_regs_set(vcpu, set) : sys_thread_read_regs_set(vcpu, set);
	if (!write && st == OK)
		memcpy(regs, mr, bytes);
	exit_words_restore();
	if (st != OK) {
		uprintf("vmm: guest %s: its %s registers: %s\n", x->g->cfg.name,
			set == REGS_SSE ? "SSE" : "x87", status_name(st));
		guest_stop(x, "the kernel refused its vector registers", x->w[VMW_GPA]);
	}
	return st == OK;
}

static bool vcpu_sse(struct exit_ctx *x, struct vm_sse_regs *sse, bool write)
{
	return vcpu_regs(x, REGS_SSE, sse, sizeof(*sse), write);
}

/* FXSAVE's x87 fields, in struct vm_x87_regs's words (Intel SDM vol. 1, 10.5.1). */
#define X87_FSW_TOP(w0)   (((w0) >> 27) & 7)       /* FSW (bytes 2-3) bits 13:11 */
#define X87_TOP_BITS      (7ULL << 27)
#define X87_FTW_BITS      (0xffULL << 32)          /* the abridged tag byte: 1 = valid */
#define X87_ST_WORD(i)    (4 + 2 * (i))            /* ST(i): the mantissa, then sign and exponent */

/*
 * An MMX move (X86_OP_MMOV).  Like every MMX instruction it leaves TOP 0
 * and all eight registers tagged valid, so ST(i) is MMi after it: the
 * image's registers are rotated to that order.  A load writes the
 * register's mantissa, zero-extended, with sign and exponent all ones.
 */
void emulate_mmov(struct exit_ctx *x, const struct x86_insn *in)
{
	uint64_t linear = operand_linear(x->w, in, 0), v = 0;
	bool load = in->access == X86_LOAD;
	struct vm_x87_regs x87, mmx;
	struct mem_ref ref;
	if (!resolve(x, linear, in->size, load ? GWALK_READ : GWALK_WRITE, &ref) ||
	    !vcpu_regs(x, REGS_X87, &x87, sizeof(x87), false))
		return;
	mmx = x87;
	unsigned top = X87_FSW_TOP(x87.image[0]);
	for (unsigned r = 0; r < 8; r++) { /* physical register r was ST((r - TOP) mod 8) */
		mmx.image[X87_ST_WORD(r)] = x87.image[X87_ST_WORD((r - top) & 7)];
		mmx.image[X87_ST_WORD(r) + 1] = x87.image[X87_ST_WORD((r - top) & 7) + 1];
	}
	mmx.image[0] = (mmx.image[0] & ~X87_TOP_BITS) | X87_FTW_BITS;
	uint64_t *mm = &mmx.image[X87_ST_WORD(in->reg)];
	if (load) {
		if (!ref_rw(x, &ref, in->size, false, &v))
			return;
		mm[0] = v;
		mm[1] = 0xffff;
	} else {
		v = in->size < 8 ? mm[0] & 0xffffffff : mm[0];
		if (!ref_rw(x, &ref, in->size, true, &v))
			return;
	}
	if (vcpu_regs(x, REGS_X87, &mmx, sizeof(mmx), true))
		advance_rip(x, in->length);
}

/*
 * An SSE move between an XMM register and memory (X86_OP_VMOV).  The
 * aligned forms raise #GP(0) for an operand not 16-byte aligned, before
 * any access, as the processor checks it; a load zeroes the register
 * above its size.  The registers come from the kernel here only: no exit
 * carries them.
 */
void emulate_vmov(struct exit_ctx *x, const struct x86_insn *in)
{
	uint64_t linear = operand_linear(x->w, in, 0), v[2] = { 0, 0 };
	bool load = in->access == X86_LOAD;
	struct vm_sse_regs sse;
	struct mem_ref ref;
	if (in->aligned && (linear & 15)) {
		inject_gp(x);
		return;
	}
	if (!resolve(x, linear, in->size, load ? GWALK_READ : GWALK_WRITE, &ref) ||
	    !vcpu_sse(x, &sse, false))
		return;
	uint64_t *xmm = sse.xmm[in->reg];
	if (load) {
		if (!wide_rw(x, &ref, in->size, false, v))
			return;
		xmm[0] = v[0];
		xmm[1] = v[1];
		if (!vcpu_sse(x, &sse, true))
			return;
	} else {
		v[0] = in->size < 8 ? xmm[0] & ((1ULL << (8 * in->size)) - 1) : xmm[0];
		v[1] = xmm[1];
		if (!wide_rw(x, &ref, in->size, true, v))
			return;
	}
	advance_rip(x, in->length);
}
