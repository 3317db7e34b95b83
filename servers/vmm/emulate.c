/*
 * Instruction emulation, for the exits that leave an instruction to the
 * VMM: an access to a device's MMIO page (mmio_access, devices.c) and
 * string I/O (exits.c).  The instruction is fetched at CS:rIP and decoded
 * (lib/x86decode.c); the guest's memory is reached by linear address as
 * the exiting vCPU reaches it: the segment's base, then the guest's own
 * paging through the walker (gwalk.c), at the vCPU's CPL.  A walk that
 * fails injects the #PF (or #GP) the access would have raised, with the
 * registers of a string instruction as far as it got.  Anything not
 * decoded stops the guest with its bytes in the report: never a wrong
 * emulation.
 */
#include "fmt.h"
#include "gwalk.h"
#include "mem.h"
#include "moat/syscall.h"
#include "moat/user.h"
#include "vmm.h"
#include "x86alu.h"
#include "x86decode.h"
#include "x86regs.h"

#define VECTOR_NP       11
#define VECTOR_SS       12
#define VECTOR_GP       13
#define VECTOR_PF       14
#define EVENT_FAULT(v)  (VM_EVENT_VALID | VM_EVENT_ERROR_CODE | VM_EVENT_EXCEPTION | (v))
#define EVENT_PF        EVENT_FAULT(VECTOR_PF)
#define EVENT_DE        (VM_EVENT_VALID | VM_EVENT_EXCEPTION | 0) /* divide error: vector 0 */
#define PAGE_OFFSET     (PAGE_BYTES - 1)
/* Elements of a REP string instruction per exit: a longer one goes on at its next exit. */
#define STRING_BATCH    1024
#define SEG_AR_DPL(ar)  (((ar) >> 5) & 3)

static enum x86_cpu_mode code_mode(const uint64_t *w)
{
	uint64_t ar = VM_SEG_AR(w[VMW_SEG_DESC(VMS_CS)]);
	return ar & VM_SEG_AR_L ? X86_MODE_64 : ar & VM_SEG_AR_DB ? X86_MODE_32 : X86_MODE_16;
}

/* Physical address bits, as CPUID tells the guest too (leaf 0x80000008; 36 where it has none). */
static unsigned maxphyaddr(void)
{
	static unsigned bits;
	if (!bits) {
		uint32_t a = 0x80000000, b, c = 0, d;
		asm volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
		bits = 36;
		if (a >= 0x80000008) {
			a = 0x80000008;
			asm volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
			bits = a & 0xff;
		}
		if (bits < 32 || bits > 52) /* what the walker takes; no processor says otherwise */
			bits = 36;
	}
	return bits;
}

static void *ram_ptr(void *g, uint64_t gpa, uint64_t len)
{
	return guest_ptr(g, gpa, len);
}

/* The vCPU's CPL: SS's DPL. */
static unsigned cpl(const uint64_t *w)
{
	return SEG_AR_DPL(VM_SEG_AR(w[VMW_SEG_DESC(VMS_SS)]));
}

/* Walks the guest's tables for linear as the vCPU of exit x would, for an access of kind a. */
static enum gwalk_status walk(struct exit_ctx *x, uint64_t linear, enum gwalk_access a,
			      struct gwalk_result *r)
{
	const uint64_t *w = x->w;
	struct gwalk_cpu cpu = {
		.cr0 = w[VMW_CR0], .cr3 = w[VMW_CR3], .cr4 = w[VMW_CR4], .efer = w[VMW_EFER],
		.rflags = w[VMW_RFLAGS], .cpl = cpl(w), .maxphyaddr = maxphyaddr(),
	};
	struct gwalk_ram ram = { ram_ptr, x->g };
	return gwalk(&cpu, &ram, linear, a, r);
}

/*
 * Translates linear for an access of kind a, or replies with what the
 * guest gets instead (#PF, #GP, a stop; nothing when the tables kept
 * changing: the instruction runs again) and returns false.
 */
static bool translate(struct exit_ctx *x, uint64_t linear, enum gwalk_access a, uint64_t *gpa)
{
	uint64_t *w = x->w;
	struct gwalk_result r;
	switch (walk(x, linear, a, &r)) {
	case GWALK_OK:
		*gpa = r.gpa;
		return true;
	case GWALK_PAGE_FAULT:
		w[VMW_CR2] = linear;
		x->reply |= VMG_CR;
		inject_exception(x, EVENT_PF, r.error);
		return false;
	case GWALK_NONCANONICAL:
		inject_gp(x);
		return false;
	case GWALK_TABLE_NOT_RAM:
		guest_stop(x, "page table outside RAM", r.gpa);
		return false;
	default:
		return false;
	}
}

/* The linear address of offset in segment seg (64-bit code: only FS and GS have a base). */
static uint64_t seg_linear(const uint64_t *w, int seg, uint64_t offset)
{
	bool code64 = code_mode(w) == X86_MODE_64;
	if (code64 && seg < X86_SEG_FS)
		return offset;
	uint64_t linear = w[VMW_SEG_BASE(seg)] + offset;
	return code64 ? linear : (uint32_t)linear;
}

/* Where an access of up to 8 bytes at a linear address lies: one page, or two. */
struct mem_ref {
	uint64_t gpa[2];
	unsigned first;  /* bytes on the first page */
};

/* Translates the size bytes at linear, both pages before any access is made. */
static bool resolve(struct exit_ctx *x, uint64_t linear, unsigned size, enum gwalk_access a,
		    struct mem_ref *ref)
{
	unsigned room = PAGE_BYTES - (linear & PAGE_OFFSET);
	ref->first = size < room ? size : room;
	if (!translate(x, linear, a, &ref->gpa[0]))
		return false;
	return ref->first == size || translate(x, linear + room, a, &ref->gpa[1]);
}

/* n bytes at gpa, all on one page, read into (or written from) *v: RAM or a device. */
static bool phys_rw(struct exit_ctx *x, uint64_t gpa, unsigned n, bool write, uint64_t *v)
{
	void *p = guest_ptr(x->g, gpa, n);
	if (p && write)
		memcpy(p, v, n);
	else if (p)
		memcpy(v, p, n);
	else if (!mmio_rw(x, gpa, n, write, v)) {
		guest_stop(x, "access to memory it does not have", gpa);
		return false;
	}
	return !(x->reply & VMR_STOP); /* the device may have stopped the guest */
}

/* The size bytes ref names, read into (or written from) *v. */
static bool ref_rw(struct exit_ctx *x, const struct mem_ref *ref, unsigned size, bool write,
		   uint64_t *v)
{
	unsigned first = ref->first;
	if (first == size)
		return phys_rw(x, ref->gpa[0], size, write, v);
	uint64_t lo = write ? *v : 0, hi = write ? *v >> (8 * first) : 0; /* first < size <= 8 */
	if (!phys_rw(x, ref->gpa[0], first, write, &lo) ||
	    !phys_rw(x, ref->gpa[1], size - first, write, &hi))
		return false;
	if (!write)
		*v = (lo & ((1ULL << (8 * first)) - 1)) | hi << (8 * first);
	return true;
}

/* The n bytes of the access ref names that start at byte at (8 at most: one ref_rw). */
static struct mem_ref sub_ref(const struct mem_ref *ref, unsigned at, unsigned n)
{
	if (at + n <= ref->first)
		return (struct mem_ref){ { ref->gpa[0] + at, 0 }, n };
	if (at >= ref->first)
		return (struct mem_ref){ { ref->gpa[1] + (at - ref->first), 0 }, n };
	return (struct mem_ref){ { ref->gpa[0] + at, ref->gpa[1] }, ref->first - at };
}

/* The size (up to 16) bytes ref names, read into (or written from) v[0..1], 8 bytes at a time. */
static bool wide_rw(struct exit_ctx *x, const struct mem_ref *ref, unsigned size, bool write,
		    uint64_t v[2])
{
	for (unsigned at = 0; at < size; at += 8) {
		unsigned n = size - at < 8 ? size - at : 8;
		struct mem_ref part = sub_ref(ref, at, n);
		if (!ref_rw(x, &part, n, write, &v[at / 8]))
			return false;
	}
	return true;
}

/* Stops the guest on an instruction it cannot emulate, with its bytes and rip in the report. */
static void undecodable(struct exit_ctx *x, const uint8_t *code, unsigned n,
			enum x86_decode_status st)
{
	char hex[3 * X86_MAX_INSN_LEN + 1], *p = hex;
	for (unsigned i = 0; i < n && i < X86_MAX_INSN_LEN; i++, p += 3)
		fmt_snprintf(p, 4, "%02x ", code[i]);
	*p = 0;
	uprintf("vmm: guest %s: cannot emulate the instruction at rip %#lx (%s): %s\n", x->g->cfg.name,
		x->w[VMW_RIP], x86_decode_strerror(st), hex);
	guest_stop(x, "an instruction the VMM cannot emulate", x->w[VMW_GPA]);
}

/* Fetches and decodes the instruction at CS:rIP, as an instruction fetch at the vCPU's CPL. */
static bool fetch_decode(struct exit_ctx *x, struct x86_insn *in)
{
	uint8_t code[X86_MAX_INSN_LEN];
	uint64_t linear = seg_linear(x->w, X86_SEG_CS, x->w[VMW_RIP]), gpa;
	unsigned have = 0;
	enum x86_decode_status st = X86_ERR_TRUNCATED;
	while (st == X86_ERR_TRUNCATED && have < sizeof(code)) {
		uint64_t at = code_mode(x->w) == X86_MODE_64 ? linear + have : (uint32_t)(linear + have);
		unsigned n = PAGE_BYTES - (at & PAGE_OFFSET);
		n = n < sizeof(code) - have ? n : sizeof(code) - have;
		if (!translate(x, at, GWALK_FETCH, &gpa))
			return false;
		void *p = guest_ptr(x->g, gpa, n);
		if (!p) {
			guest_stop(x, "an instruction outside RAM", gpa);
			return false;
		}
		memcpy(code + have, p, n);
		have += n;
		st = x86_decode(code, have, code_mode(x->w), in);
	}
	if (st != X86_OK)
		undecodable(x, code, have, st);
	return st == X86_OK;
}

bool emulate_at_hlt(struct exit_ctx *x)
{
	struct gwalk_result r;
	if (cpl(x->w) != 0) /* HLT elsewhere is a #GP, not a halt */
		return false;
	uint64_t linear = seg_linear(x->w, X86_SEG_CS, x->w[VMW_RIP]);
	if (walk(x, linear, GWALK_FETCH, &r) != GWALK_OK)
		return false;
	const uint8_t *p = guest_ptr(x->g, r.gpa, 1);
	return p && *p == X86_OPCODE_HLT;
}

/* The linear address of the ModRM memory operand, plus extra bytes (BT's register offset). */
static uint64_t operand_linear(const uint64_t *w, const struct x86_insn *in, int64_t extra)
{
	uint64_t regs[X86_NUM_REGS];
	for (unsigned r = 0; r < X86_NUM_REGS; r++)
		regs[r] = *gpr_word((uint64_t *)w, r);
	bool stack = in->base == X86_RSP || in->base == X86_RBP;
	int seg = in->seg != X86_SEG_DEFAULT ? in->seg : stack ? X86_SEG_SS : X86_SEG_DS;
	uint64_t mask = in->addr_size == 8 ? ~0ULL : (1ULL << (8 * in->addr_size)) - 1;
	return seg_linear(w, seg, (x86_mem_offset(in, regs, w[VMW_RIP]) + (uint64_t)extra) & mask);
}

/*
 * A MOV: its memory operand's address computed from the registers and
 * translated as the guest's access would be (so a MOV whose operand
 * reaches the device only through a page-table walk, or crosses into
 * RAM, is still carried out as the guest meant it).
 */
static void emulate_mov(struct exit_ctx *x, const struct x86_insn *in)
{
	uint64_t *w = x->w, v;
	uint64_t linear = operand_linear(w, in, 0);
	bool load = in->access == X86_LOAD;
	struct mem_ref ref;
	if (!resolve(x, linear, in->size, load ? GWALK_READ : GWALK_WRITE, &ref))
		return;
	if (load) {
		uint64_t *reg = gpr_word(w, in->reg);
		v = 0;
		if (!ref_rw(x, &ref, in->size, false, &v))
			return;
		*reg = x86_load_result(in, v, *reg);
	} else {
		v = in->reg < 0 ? in->imm : x86_store_value(in, *gpr_word(w, in->reg));
		if (!ref_rw(x, &ref, in->size, true, &v))
			return;
	}
	advance_rip(x, in->length);
	x->reply |= VMG_GPR_ACDB | VMG_GPR_OTHER;
}

/*
 * BT, BTS, BTR and BTC with a register bit offset reach past their
 * operand: the offset, signed, picks the operand-sized word (the bytes
 * added to the address, returned) and the bit in it (*bit).
 */
static int64_t bit_offset(const struct x86_insn *in, uint64_t reg, uint64_t *bit)
{
	unsigned bits = 8 * in->size, shift = in->size == 2 ? 4 : in->size == 4 ? 5 : 6;
	int64_t offset = (int64_t)(reg << (64 - bits)) >> (64 - bits); /* sign-extended from size */
	*bit = (uint64_t)offset & (bits - 1);
	return (offset >> shift) * in->size; /* an arithmetic shift: floor division */
}

/* The register operand's value, its low size bytes (AH..BH: bits 8-15). */
static uint64_t reg_operand(const struct exit_ctx *x, const struct x86_insn *in)
{
	return x86_store_value(in, *gpr_word(x->w, in->reg));
}

/* Writes v (size bytes) to the register operand as a load does (a 32-bit write clears 32-63). */
static void set_reg_operand(struct exit_ctx *x, const struct x86_insn *in, int reg, uint64_t v)
{
	struct x86_insn as = *in;
	as.reg = reg;
	as.reg_high_byte = reg == in->reg && in->reg_high_byte;
	as.sign_extend = as.zero_extend = false;
	as.reg_size = in->size;
	uint64_t *r = gpr_word(x->w, reg);
	*r = x86_load_result(&as, v, *r);
}

/*
 * The arithmetic on the memory operand at mem, read as *v: its result and
 * flags into the registers and RFLAGS, and into *v with true when memory
 * is to be written.
 */
static bool alu_compute(struct exit_ctx *x, const struct x86_insn *in, uint64_t *v, uint64_t bit)
{
	uint64_t *rflags = &x->w[VMW_RFLAGS], mem = *v;
	uint64_t src = in->reg == X86_REG_NONE ? in->imm : reg_operand(x, in), r;
	switch (in->alu) {
	case X86_ALU_XCHG:
		set_reg_operand(x, in, in->reg, mem);
		*v = src;
		return true;
	case X86_ALU_XADD:
		*v = x86_alu(X86_ALU_XADD, in->size, mem, src, rflags);
		set_reg_operand(x, in, in->reg, mem);
		return true;
	case X86_ALU_CMPXCHG: {
		uint64_t acc = x->w[VMW_RAX];
		x86_alu(X86_ALU_CMPXCHG, in->size, acc, mem, rflags);
		if (*rflags & X86_FLAG_ZF) {
			*v = src;
		} else {
			struct x86_insn acc_in = *in;
			acc_in.reg_high_byte = false; /* AL, not AH: the accumulator */
			set_reg_operand(x, &acc_in, X86_RAX, mem);
		} /* memory is written either way, with itself when unequal (SDM) */
		return true;
	}
	case X86_ALU_BT: case X86_ALU_BTS: case X86_ALU_BTR: case X86_ALU_BTC:
		*v = x86_alu((enum x86_alu)in->alu, in->size, mem, bit, rflags);
		return in->alu != X86_ALU_BT;
	}
	if (in->alu == X86_ALU_SHLD || in->alu == X86_ALU_SHRD) {
		unsigned count = in->imm_source ? (unsigned)in->imm : (unsigned)x->w[VMW_RCX];
		*v = x86_shift_double((enum x86_alu)in->alu, in->size, mem, src, count, rflags);
		return (count & (in->size == 8 ? 63 : 31)) != 0; /* a count of 0 writes nothing */
	}
	if (in->imm_source) { /* IMUL r, r/m, imm */
		set_reg_operand(x, in, in->reg, x86_alu(X86_ALU_IMUL, in->size, mem, in->imm, rflags));
		return false;
	}
	if (in->reg_first) {
		r = x86_alu((enum x86_alu)in->alu, in->size, src, mem, rflags);
		bool scan = in->alu == X86_ALU_BSF || in->alu == X86_ALU_BSR;
		if (x86_alu_writes((enum x86_alu)in->alu) && !(scan && (*rflags & X86_FLAG_ZF)))
			set_reg_operand(x, in, in->reg, r); /* a scan of 0 leaves the register whole */
		return false;
	}
	*v = x86_alu((enum x86_alu)in->alu, in->size, mem, src, rflags);
	return x86_alu_writes((enum x86_alu)in->alu);
}

/*
 * An arithmetic instruction on a memory operand (X86_OP_ALU): the operand
 * translated (for writing if the instruction writes it, so a read-only
 * page faults as the processor's would), read, computed, written back.
 * LOCK needs nothing more: the guest's exits are handled one at a time
 * (vmm.h, the guest's lock), so no vCPU's access comes between the read
 * and the write of device memory.
 */
static void emulate_alu(struct exit_ctx *x, const struct x86_insn *in)
{
	uint64_t *w = x->w, bit = in->imm, v = 0;
	int64_t extra = 0;
	if (in->reg != X86_REG_NONE && in->alu >= X86_ALU_BT && in->alu <= X86_ALU_BTC)
		extra = bit_offset(in, *gpr_word(w, in->reg), &bit);
	uint64_t linear = operand_linear(w, in, extra);
	struct mem_ref ref;
	if (!resolve(x, linear, in->size, in->access == X86_STORE ? GWALK_WRITE : GWALK_READ, &ref) ||
	    !ref_rw(x, &ref, in->size, false, &v))
		return;
	if (in->alu >= X86_ALU_MUL && in->alu <= X86_ALU_IDIV) { /* rAX and rDX with memory */
		if (!x86_muldiv((enum x86_alu)in->alu, in->size, &w[VMW_RAX], &w[VMW_RDX], v,
				&w[VMW_RFLAGS])) {
			inject_exception(x, EVENT_DE, 0);
			return;
		}
		advance_rip(x, in->length);
		x->reply |= VMG_GPR_ACDB | VMG_RFLAGS;
		return;
	}
	uint64_t saved[VMW_R15 + 1];
	memcpy(saved, w, sizeof(saved)); /* the registers as they were, if the write fails */
	if (alu_compute(x, in, &v, bit) && !ref_rw(x, &ref, in->size, true, &v)) {
		memcpy(w, saved, sizeof(saved));
		return;
	}
	advance_rip(x, in->length);
	x->reply |= VMG_GPR_ACDB | VMG_GPR_OTHER | VMG_RFLAGS;
}

/*
 * SMSW m16: CR0's low 16 bits stored as a MOV of that immediate would be.
 * With CR4.UMIP, outside ring 0 it is #GP(0) instead.
 */
static void emulate_smsw(struct exit_ctx *x, const struct x86_insn *in)
{
	uint64_t *w = x->w;
	if ((w[VMW_CR4] & CR4_UMIP) && SEG_AR_DPL(VM_SEG_AR(w[VMW_SEG_DESC(VMS_SS)]))) {
		inject_gp(x);
		return;
	}
	struct x86_insn mov = *in;
	mov.op = X86_OP_MOV;
	mov.reg = X86_REG_NONE;
	mov.imm = w[VMW_CR0] & 0xffff;
	emulate_mov(x, &mov);
}

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
static void emulate_mmov(struct exit_ctx *x, const struct x86_insn *in)
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
static void emulate_vmov(struct exit_ctx *x, const struct x86_insn *in)
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

/* Whether a is canonical for the vCPU: 48-bit linear addresses, 57 with CR4.LA57. */
static bool canonical(const uint64_t *w, uint64_t a)
{
	unsigned unused = w[VMW_CR4] & CR4_LA57 ? 7 : 16;
	return (uint64_t)((int64_t)(a << unused) >> unused) == a;
}

/* A segment descriptor's fields (Intel SDM vol. 3, 3.4.5 and 7.2.3). */
#define DESC_TYPE(d)       (((d) >> 40) & 15)
#define DESC_S             (1ULL << 44) /* a code or data segment, not a system one */
#define DESC_P             (1ULL << 47)
#define DESC_G             (1ULL << 55) /* the limit counts 4 KiB pages */
#define DESC_TSS_BUSY      (1ULL << 41) /* in the type: an available TSS becomes busy */
#define DESC_CODE          (1ULL << 43) /* in the type of a code or data segment: code */
#define DESC_CONFORMING    (1ULL << 42) /* in a code segment's type */
#define DESC_ACCESSED      (1ULL << 40)
#define DESC_L             (1ULL << 53)
#define DESC_DB            (1ULL << 54)
#define DESC_DPL(d)        (((d) >> 45) & 3)
#define DESC_WRITABLE      (1ULL << 41) /* in a data segment's type */
#define DESC_READABLE      (1ULL << 41) /* in a code segment's type */
#define TYPE_TSS16_AVAIL   1
#define TYPE_TSS_AVAIL     9            /* 32-bit, or 64-bit in long mode */
#define SEL_TI             4            /* the selector names the LDT */
#define DESC_AR_P          0x80         /* present, in the access rights (VMX's layout) */

/* The access rights (VMX's layout, the exit's words) of descriptor d: bits 40-47 and 52-55. */
static uint64_t desc_ar(uint64_t d)
{
	return ((d >> 40) & 0xff) | ((d >> 52) & 15) << 12;
}

/* The base of descriptor lo (a system descriptor in long mode: hi's low half is bits 63:32). */
static uint64_t desc_base(uint64_t lo, uint64_t hi, bool long_mode)
{
	uint64_t base = ((lo >> 16) & 0xffffff) | (lo >> 56) << 24;
	return long_mode ? base | hi << 32 : base;
}

/* The limit of descriptor d in bytes - 1, its granularity applied. */
static uint64_t desc_limit(uint64_t d)
{
	uint64_t limit = (d & 0xffff) | ((d >> 48) & 15) << 16;
	return d & DESC_G ? limit << 12 | 0xfff : limit;
}

/*
 * The GDT or LDT entry of selector sel (size bytes: 16 for a system
 * descriptor in long mode, else 8) read through the guest's paging into
 * d, with ref left naming it for a write back.  False when the guest got
 * a fault instead: #GP(sel) past the table's limit or for an LDT that is
 * not there, or what the walk gave.
 */
static bool read_descriptor(struct exit_ctx *x, uint64_t sel, unsigned size, uint64_t d[2],
			    struct mem_ref *ref)
{
	const uint64_t *w = x->w, ldtr = w[VMW_SEG_DESC(VMS_LDTR)];
	bool ldt = sel & SEL_TI;
	uint64_t table = ldt ? w[VMW_SEG_BASE(VMS_LDTR)] : w[VMW_GDTR_BASE];
	uint64_t limit = ldt ? VM_SEG_LIMIT(ldtr) : w[VMW_GDTR_LIMIT];
	if ((ldt && !(VM_SEG_AR(ldtr) & DESC_AR_P)) || (sel | 7) + size - 8 > limit) {
		inject_exception(x, EVENT_FAULT(VECTOR_GP), sel & 0xfffc);
		return false;
	}
	return resolve(x, table + (sel & ~7ULL), size, GWALK_WRITE, ref) &&
	       wide_rw(x, ref, size, false, d);
}

/* Descriptor d, changed (busy, accessed), written back to the 8 bytes ref starts with. */
static bool write_descriptor(struct exit_ctx *x, const struct mem_ref *ref, uint64_t d)
{
	struct mem_ref low = sub_ref(ref, 0, 8);
	return ref_rw(x, &low, 8, true, &d);
}

/*
 * Why LTR of a selector whose GDT entry is lo (and hi) faults: the
 * event, or 0 when it loads (SDM vol. 2, LTR).  An entry past the GDT's
 * limit is the caller's to find.
 */
static uint32_t ltr_fault(const uint64_t *w, uint64_t lo, uint64_t hi)
{
	bool long_mode = w[VMW_EFER] & EFER_LMA;
	unsigned type = DESC_TYPE(lo);
	if ((lo & DESC_S) || !(type == TYPE_TSS_AVAIL || (!long_mode && type == TYPE_TSS16_AVAIL)))
		return EVENT_FAULT(VECTOR_GP);
	if (!(lo & DESC_P))
		return EVENT_FAULT(VECTOR_NP);
	uint64_t base = desc_base(lo, hi, long_mode);
	if (long_mode && !canonical(w, base))
		return EVENT_FAULT(VECTOR_GP);
	return 0;
}

/*
 * LTR m16: the selector read from memory (the device), its descriptor
 * from the GDT through the guest's paging, checked as the processor does
 * (#GP(0) outside ring 0 or for a null selector; #GP(sel) for the LDT,
 * past the limit, not an available TSS, a non-canonical base; #NP(sel) if
 * not present), marked busy in the GDT, and loaded into TR (VMG_SEG).
 */
static void emulate_ltr(struct exit_ctx *x, const struct x86_insn *in)
{
	uint64_t *w = x->w, sel = 0, desc[2] = { 0, 0 };
	bool long_mode = w[VMW_EFER] & EFER_LMA;
	unsigned size = long_mode ? 16 : 8;
	struct mem_ref ref;
	if (cpl(w) != 0) {
		inject_gp(x);
		return;
	}
	if (!resolve(x, operand_linear(w, in, 0), 2, GWALK_READ, &ref) ||
	    !ref_rw(x, &ref, 2, false, &sel))
		return;
	if (!(sel & ~3ULL)) {
		inject_gp(x);
		return;
	}
	uint32_t error = sel & 0xfffc;
	if (sel & SEL_TI) {
		inject_exception(x, EVENT_FAULT(VECTOR_GP), error);
		return;
	}
	if (!read_descriptor(x, sel, size, desc, &ref))
		return;
	uint32_t fault = ltr_fault(w, desc[0], desc[1]);
	if (fault) {
		inject_exception(x, fault, error);
		return;
	}
	desc[0] |= DESC_TSS_BUSY;
	if (!write_descriptor(x, &ref, desc[0]))
		return;
	w[VMW_SEG_DESC(VMS_TR)] = VM_SEG_PACK(sel, desc_ar(desc[0]), desc_limit(desc[0]));
	w[VMW_SEG_BASE(VMS_TR)] = desc_base(desc[0], desc[1], long_mode);
	x->reply |= VMG_SEG;
	advance_rip(x, in->length);
}

/*
 * Why MOV to segment register seg of a non-null selector sel (descriptor
 * d) faults: the event, or 0 (SDM vol. 2, MOV, protected-mode exceptions).
 * SS takes a writable data segment with RPL and DPL the CPL (#SS if not
 * present); the others data or readable code, of a DPL no lower than the
 * RPL and CPL unless conforming code (#NP if not present).
 */
static uint32_t sreg_fault(const uint64_t *w, int seg, uint64_t sel, uint64_t d)
{
	unsigned rpl = sel & 3, dpl = DESC_DPL(d), now = cpl(w);
	bool code = d & DESC_CODE;
	if (!(d & DESC_S))
		return EVENT_FAULT(VECTOR_GP);
	if (seg == X86_SEG_SS) {
		if (rpl != now || dpl != now || code || !(d & DESC_WRITABLE))
			return EVENT_FAULT(VECTOR_GP);
		return d & DESC_P ? 0 : EVENT_FAULT(VECTOR_SS);
	}
	if (code && !(d & DESC_READABLE))
		return EVENT_FAULT(VECTOR_GP);
	if ((!code || !(d & DESC_CONFORMING)) && (rpl > dpl || now > dpl))
		return EVENT_FAULT(VECTOR_GP);
	return d & DESC_P ? 0 : EVENT_FAULT(VECTOR_NP);
}

/* Loads a null selector into seg; false where that is #GP(0) (SS but in 64-bit mode at CPL 0-2). */
static bool load_null_sreg(struct exit_ctx *x, int seg, uint64_t sel)
{
	uint64_t *w = x->w;
	if (seg == X86_SEG_SS && (code_mode(w) != X86_MODE_64 || cpl(w) == 3 || (sel & 3) != cpl(w)))
		return false;
	/* Not present (the kernel makes it unusable); SS keeps the CPL as its DPL, as VMX wants. */
	w[VMW_SEG_DESC(seg)] = VM_SEG_PACK(sel, seg == X86_SEG_SS ? cpl(w) << 5 : 0, 0);
	w[VMW_SEG_BASE(seg)] = 0;
	return true;
}

/*
 * MOV Sreg, m16 (not CS: #UD): the selector from memory, then a null one
 * loaded or the descriptor checked, marked accessed and loaded
 * (VMG_SEG).  MOV SS holds interrupts off for the next instruction.
 */
static void emulate_load_sreg(struct exit_ctx *x, const struct x86_insn *in)
{
	uint64_t *w = x->w, sel = 0, d[2];
	int seg = in->reg;
	struct mem_ref ref;
	if (!resolve(x, operand_linear(w, in, 0), 2, GWALK_READ, &ref) ||
	    !ref_rw(x, &ref, 2, false, &sel))
		return;
	if (!(sel & ~3ULL)) {
		if (!load_null_sreg(x, seg, sel)) {
			inject_gp(x);
			return;
		}
	} else {
		if (!read_descriptor(x, sel, 8, d, &ref))
			return;
		uint32_t fault = sreg_fault(w, seg, sel, d[0]);
		if (fault) {
			inject_exception(x, fault, sel & 0xfffc);
			return;
		}
		if (!write_descriptor(x, &ref, d[0] | DESC_ACCESSED))
			return;
		d[0] |= DESC_ACCESSED;
		w[VMW_SEG_DESC(seg)] = VM_SEG_PACK(sel, desc_ar(d[0]), desc_limit(d[0]));
		w[VMW_SEG_BASE(seg)] = desc_base(d[0], 0, false);
	}
	x->reply |= VMG_SEG;
	advance_rip(x, in->length);
	if (seg == X86_SEG_SS && (w[VMW_MASK] & VMG_STATE)) {
		w[VMW_INTR_STATE] |= VM_INTR_MOV_SS_SHADOW;
		x->reply |= VMG_STATE;
	}
}

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
static void emulate_stack(struct exit_ctx *x, const struct x86_insn *in)
{
	static bool (*const ops[])(struct exit_ctx *, const struct x86_insn *) = {
		[X86_OP_PUSH] = emulate_push, [X86_OP_POP] = emulate_pop, [X86_OP_RET] = emulate_ret,
		[X86_OP_LEAVE] = emulate_leave, [X86_OP_ENTER] = emulate_enter,
	};
	x->reply |= VMG_GPR_ACDB | VMG_GPR_OTHER;
	if (ops[in->op](x, in))
		advance_rip(x, in->length);
}

/*
 * CMOVcc r, m: memory is read whatever the condition (so it faults as the
 * processor's read would); the register takes it only if the condition
 * holds, but a 4-byte register's upper half is cleared either way.
 */
static void emulate_cmov(struct exit_ctx *x, const struct x86_insn *in)
{
	uint64_t *w = x->w, v = 0, *reg = gpr_word(w, in->reg);
	struct mem_ref ref;
	if (!resolve(x, operand_linear(w, in, 0), in->size, GWALK_READ, &ref) ||
	    !ref_rw(x, &ref, in->size, false, &v))
		return;
	if (x86_condition(in->cc, w[VMW_RFLAGS]))
		*reg = x86_load_result(in, v, *reg);
	else if (in->reg_size == 4)
		*reg = (uint32_t)*reg;
	advance_rip(x, in->length);
	x->reply |= VMG_GPR_ACDB | VMG_GPR_OTHER;
}

/*
 * JMP m (near): the new rIP from memory; #GP(0), nothing changed, if it is
 * not canonical (64-bit code) or past CS's limit (else).
 */
static void emulate_jmp_near(struct exit_ctx *x, const struct x86_insn *in)
{
	uint64_t *w = x->w, target = 0;
	struct mem_ref ref;
	if (!resolve(x, operand_linear(w, in, 0), in->size, GWALK_READ, &ref) ||
	    !ref_rw(x, &ref, in->size, false, &target))
		return;
	bool code64 = code_mode(w) == X86_MODE_64;
	if (code64 ? !canonical(w, target) : target > VM_SEG_LIMIT(w[VMW_SEG_DESC(VMS_CS)])) {
		inject_gp(x);
		return;
	}
	advance_rip(x, target - w[VMW_RIP]); /* to the target: advance_rip also ends a shadow */
}

/* MOV m16, Sreg: the selector stored as a MOV of that immediate would be. */
static void emulate_store_sreg(struct exit_ctx *x, const struct x86_insn *in)
{
	struct x86_insn mov = *in;
	mov.op = X86_OP_MOV;
	mov.reg = X86_REG_NONE;
	mov.imm = VM_SEG_SEL(x->w[VMW_SEG_DESC(in->reg)]);
	emulate_mov(x, &mov);
}

/*
 * Why a far JMP to code segment selector sel (descriptor d) faults, as
 * the SDM's JMP lists it for protected and long mode: the event, or 0.
 */
static uint32_t far_jmp_fault(const uint64_t *w, uint64_t sel, uint64_t d)
{
	unsigned rpl = sel & 3, dpl = DESC_DPL(d), now = cpl(w);
	bool conforming = d & DESC_CONFORMING;
	if (conforming ? dpl > now : rpl > now || dpl != now)
		return EVENT_FAULT(VECTOR_GP);
	if (!(d & DESC_P))
		return EVENT_FAULT(VECTOR_NP);
	if ((w[VMW_EFER] & EFER_LMA) && (d & DESC_L) && (d & DESC_DB))
		return EVENT_FAULT(VECTOR_GP);
	return 0;
}

/*
 * JMP m16:16/32/64 to a code segment: the offset and selector read from
 * memory, the descriptor from the GDT or LDT through the guest's paging,
 * checked (#GP(0) for a null selector or an offset outside the segment
 * or not canonical; #GP(sel) past the table's limit or for privilege;
 * #NP(sel) if not present), marked accessed, and loaded into CS with the
 * CPL as its RPL.  A call gate, task gate or TSS (a task switch) is not
 * emulated: the guest stops with the reason.
 */
static void emulate_jmp_far(struct exit_ctx *x, const struct x86_insn *in)
{
	uint64_t *w = x->w, target = 0, sel = 0, d = 0;
	uint64_t at = operand_linear(w, in, 0);
	struct mem_ref ref;
	if (!resolve(x, at, in->size + 2, GWALK_READ, &ref))
		return;
	struct mem_ref off = sub_ref(&ref, 0, in->size), selector = sub_ref(&ref, in->size, 2);
	if (!ref_rw(x, &off, in->size, false, &target) || !ref_rw(x, &selector, 2, false, &sel))
		return;
	uint32_t error = sel & 0xfffc;
	uint64_t desc[2];
	if (!(sel & ~3ULL)) {
		inject_gp(x);
		return;
	}
	if (!read_descriptor(x, sel, 8, desc, &ref))
		return;
	d = desc[0];
	if (!(d & DESC_S) || !(d & DESC_CODE)) {
		guest_stop(x, "a far JMP through a gate or to a TSS, which the VMM does not emulate", sel);
		return;
	}
	uint32_t fault = far_jmp_fault(w, sel, d);
	bool code64 = (w[VMW_EFER] & EFER_LMA) && (d & DESC_L);
	if (!fault && (code64 ? !canonical(w, target) : target > desc_limit(d)))
		fault = EVENT_FAULT(VECTOR_GP), error = 0;
	if (fault) {
		inject_exception(x, fault, error);
		return;
	}
	if (!write_descriptor(x, &ref, d | DESC_ACCESSED))
		return;
	d |= DESC_ACCESSED;
	w[VMW_SEG_DESC(VMS_CS)] = VM_SEG_PACK((sel & ~3ULL) | cpl(w), desc_ar(d), desc_limit(d));
	w[VMW_SEG_BASE(VMS_CS)] = desc_base(d, 0, false);
	x->reply |= VMG_SEG;
	advance_rip(x, target - w[VMW_RIP]); /* to the target: advance_rip also ends a shadow */
}

/* The bits of rSI, rDI and rCX a string instruction uses: its address size's. */
static uint64_t addr_mask(const struct x86_insn *in)
{
	return in->addr_size == 8 ? ~0ULL : (1ULL << (8 * in->addr_size)) - 1;
}

/* Sets a string instruction's index or count register to v, in its address size. */
static void set_addr_reg(const struct exit_ctx *x, const struct x86_insn *in, uint64_t *reg,
			 uint64_t v)
{
	uint64_t mask = addr_mask(in);
	if (in->addr_size == 4 && code_mode(x->w) == X86_MODE_64)
		*reg = v & mask; /* a 32-bit write in 64-bit mode zero-extends */
	else
		*reg = (*reg & ~mask) | (v & mask);
}

/* What one element of a string instruction reads and writes. */
static bool string_reads(enum x86_op op)
{
	return op == X86_OP_MOVS || op == X86_OP_LODS || op == X86_OP_OUTS || op == X86_OP_CMPS;
}
/* rDI's element is read (CMPS, SCAS), not written. */
static bool string_reads_di(enum x86_op op)
{
	return op == X86_OP_CMPS || op == X86_OP_SCAS;
}
static bool string_writes(enum x86_op op)
{
	return op == X86_OP_MOVS || op == X86_OP_STOS || op == X86_OP_INS;
}

/*
 * One element: both addresses translated first (a fault leaves the
 * element undone and the port untouched), then source, port, destination.
 */
static bool string_element(struct exit_ctx *x, const struct x86_insn *in, uint16_t port)
{
	uint64_t *w = x->w, amask = addr_mask(in);
	int src_seg = in->seg == X86_SEG_DEFAULT ? X86_SEG_DS : in->seg;
	uint64_t src = seg_linear(w, src_seg, w[VMW_RSI] & amask);
	uint64_t dst = seg_linear(w, X86_SEG_ES, w[VMW_RDI] & amask), v = 0, d = 0;
	struct mem_ref from, to;
	bool reads = string_reads(in->op), writes = string_writes(in->op);
	bool reads_di = string_reads_di(in->op);
	if ((reads && !resolve(x, src, in->size, GWALK_READ, &from)) ||
	    ((writes || reads_di) && !resolve(x, dst, in->size, writes ? GWALK_WRITE : GWALK_READ, &to)))
		return false;
	if (reads && !ref_rw(x, &from, in->size, false, &v))
		return false;
	if (reads_di) { /* CMPS: [rSI] - [rDI]; SCAS: rAX - [rDI] */
		if (!ref_rw(x, &to, in->size, false, &d))
			return false;
		x86_alu(X86_ALU_CMP, in->size, in->op == X86_OP_SCAS ? w[VMW_RAX] : v, d, &w[VMW_RFLAGS]);
		x->reply |= VMG_RFLAGS;
		return true;
	}
	if (in->op == X86_OP_INS)
		v = port_read(x->g, port, in->size);
	else if (in->op == X86_OP_STOS)
		v = x86_store_value(in, w[VMW_RAX]);
	else if (in->op == X86_OP_OUTS)
		port_write(x->g, port, in->size, v);
	else if (in->op == X86_OP_LODS)
		w[VMW_RAX] = x86_load_result(in, v, w[VMW_RAX]);
	return !writes || ref_rw(x, &to, in->size, true, &v);
}

/*
 * A string instruction, REP or not, stepping rSI/rDI by DF.  Up to
 * STRING_BATCH elements per exit; rIP moves on once rCX is 0 (or after
 * the one element without REP).  Whatever stops it midway (a fault, a
 * stop) leaves rCX, rSI and rDI as far as it got.
 */
static void emulate_string(struct exit_ctx *x, const struct x86_insn *in, uint16_t port)
{
	uint64_t *w = x->w;
	int64_t step = w[VMW_RFLAGS] & RFLAGS_DF ? -(int64_t)in->size : (int64_t)in->size;
	uint64_t count = in->rep ? w[VMW_RCX] & addr_mask(in) : 1;
	x->reply |= VMG_GPR_ACDB | VMG_GPR_OTHER;
	for (unsigned n = 0; count && n < STRING_BATCH; n++, count--) {
		if (!string_element(x, in, port))
			return;
		if (string_reads(in->op))
			set_addr_reg(x, in, &w[VMW_RSI], w[VMW_RSI] + step);
		if (string_writes(in->op) || string_reads_di(in->op))
			set_addr_reg(x, in, &w[VMW_RDI], w[VMW_RDI] + step);
		if (in->rep)
			set_addr_reg(x, in, &w[VMW_RCX], count - 1);
		if (in->rep && string_reads_di(in->op) && !(w[VMW_RFLAGS] & X86_FLAG_ZF) != in->repne)
			count = 1; /* REPE ends on unequal, REPNE on equal: done after this element */
	}
	if (!count)
		advance_rip(x, in->length);
}

void emulate_mmio(struct exit_ctx *x)
{
	struct x86_insn in;
	if (!fetch_decode(x, &in))
		return;
	if (in.op == X86_OP_MOV)
		emulate_mov(x, &in);
	else if (in.op == X86_OP_SMSW)
		emulate_smsw(x, &in);
	else if (in.op == X86_OP_ALU)
		emulate_alu(x, &in);
	else if (in.op == X86_OP_VMOV)
		emulate_vmov(x, &in);
	else if (in.op == X86_OP_MMOV)
		emulate_mmov(x, &in);
	else if (in.op == X86_OP_CMOV)
		emulate_cmov(x, &in);
	else if (in.op == X86_OP_LTR)
		emulate_ltr(x, &in);
	else if (in.op >= X86_OP_PUSH && in.op <= X86_OP_ENTER)
		emulate_stack(x, &in);
	else if (in.op == X86_OP_STORE_SREG)
		emulate_store_sreg(x, &in);
	else if (in.op == X86_OP_LOAD_SREG)
		emulate_load_sreg(x, &in);
	else if (in.op == X86_OP_JMP_FAR)
		emulate_jmp_far(x, &in);
	else if (in.op == X86_OP_JMP_NEAR)
		emulate_jmp_near(x, &in);
	else if (in.op == X86_OP_INS || in.op == X86_OP_OUTS) /* an I/O exit comes first */
		guest_stop(x, "string I/O where an MMIO access was", x->w[VMW_GPA]);
	else
		emulate_string(x, &in, 0);
}

void emulate_string_io(struct exit_ctx *x, uint16_t port, unsigned size, bool in)
{
	struct x86_insn insn;
	if (!fetch_decode(x, &insn))
		return;
	if (insn.op != (in ? X86_OP_INS : X86_OP_OUTS) || insn.size != size) {
		guest_stop(x, "string I/O that is not the instruction at rip", port);
		return;
	}
	emulate_string(x, &insn, port);
}
