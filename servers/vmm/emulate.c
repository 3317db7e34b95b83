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
 * emulation.  The SSE and MMX moves, what loads a segment or jumps, and
 * the stack's instructions are in files of their own (emulate.h).
 */
#include "emulate.h"
#include "fmt.h"
#include "gwalk.h"
#include "mem.h"
#include "moat/user.h"
#include "vmm.h"
#include "x86alu.h"
#include "x86decode.h"
#include "x86regs.h"

#define EVENT_PF        EVENT_FAULT(VECTOR_PF)
#define EVENT_DE        EVENT_EXCEPTION(VECTOR_DE) /* divide error */
#define PAGE_OFFSET     (PAGE_BYTES - 1)
/* Elements of a REP string instruction per exit: a longer one goes on at its next exit. */
#define STRING_BATCH    1024
#define SEG_AR_DPL(ar)  (((ar) >> 5) & 3)

enum x86_cpu_mode code_mode(const uint64_t *w)
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
unsigned cpl(const uint64_t *w)
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
uint64_t seg_linear(const uint64_t *w, int seg, uint64_t offset)
{
	bool code64 = code_mode(w) == X86_MODE_64;
	if (code64 && seg < X86_SEG_FS)
		return offset;
	uint64_t linear = w[VMW_SEG_BASE(seg)] + offset;
	return code64 ? linear : (uint32_t)linear;
}


/* Translates the size bytes at linear, both pages before any access is made. */
bool resolve(struct exit_ctx *x, uint64_t linear, unsigned size, enum gwalk_access a,
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
bool ref_rw(struct exit_ctx *x, const struct mem_ref *ref, unsigned size, bool write,
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
struct mem_ref sub_ref(const struct mem_ref *ref, unsigned at, unsigned n)
{
	if (at + n <= ref->first)
		return (struct mem_ref){ { ref->gpa[0] + at, 0 }, n };
	if (at >= ref->first)
		return (struct mem_ref){ { ref->gpa[1] + (at - ref->first), 0 }, n };
	return (struct mem_ref){ { ref->gpa[0] + at, ref->gpa[1] }, ref->first - at };
}

/* The size (up to 16) bytes ref names, read into (or written from) v[0..1], 8 bytes at a time. */
bool wide_rw(struct exit_ctx *x, const struct mem_ref *ref, unsigned size, bool write,
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

/*
 * Fetches code bytes [have, have + n) at CS:rIP into code, as an
 * instruction fetch at the vCPU's CPL, up to the end of the page they
 * start on; returns how many (0 when the guest got a #PF or was stopped).
 */
static unsigned fetch_code(struct exit_ctx *x, uint8_t *code, unsigned have, unsigned n)
{
	uint64_t linear = seg_linear(x->w, X86_SEG_CS, x->w[VMW_RIP]) + have, gpa;
	uint64_t at = code_mode(x->w) == X86_MODE_64 ? linear : (uint32_t)linear;
	unsigned room = PAGE_BYTES - (at & PAGE_OFFSET);
	n = n < room ? n : room;
	if (!translate(x, at, GWALK_FETCH, &gpa))
		return 0;
	void *p = guest_ptr(x->g, gpa, n);
	if (!p) {
		guest_stop(x, "an instruction outside RAM", gpa);
		return 0;
	}
	memcpy(code + have, p, n);
	return n;
}

/* Fetches and decodes the instruction at CS:rIP, as an instruction fetch at the vCPU's CPL. */
static bool fetch_decode(struct exit_ctx *x, struct x86_insn *in)
{
	uint8_t code[X86_MAX_INSN_LEN];
	unsigned have = 0;
	enum x86_decode_status st = X86_ERR_TRUNCATED;
	while (st == X86_ERR_TRUNCATED && have < sizeof(code)) {
		unsigned n = fetch_code(x, code, have, sizeof(code) - have);
		if (!n)
			return false;
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
uint64_t operand_linear(const uint64_t *w, const struct x86_insn *in, int64_t extra)
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
void emulate_mov(struct exit_ctx *x, const struct x86_insn *in)
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

/*
 * A #UD of a guest told it runs on AMD (VMC_UD_EXIT): SYSCALL in
 * compatibility mode, which AMD's CPUs run and Intel's refuse, is carried
 * out as AMD's does it; any other #UD goes back to the guest, as does a
 * SYSCALL with EFER.SCE clear (a #UD on AMD too) and one outside long
 * mode (legacy mode's, a 32-bit kernel's, which AMD runs too, is not
 * carried out: no guest here has needed it).
 */
void emulate_ud(struct exit_ctx *x)
{
	uint8_t code[2];
	const uint32_t need = VMG_GPR_ACDB | VMG_GPR_OTHER | VMG_RIP | VMG_RFLAGS | VMG_CR |
			      VMG_SEG | VMG_MSR | VMG_STATE;
	if ((x->w[VMW_MASK] & need) != need) {
		guest_stop(x, "a #UD exit without the state to emulate it", x->w[VMW_MASK]);
		return;
	}
	unsigned have = fetch_code(x, code, 0, 2);
	if (have == 1)
		have += fetch_code(x, code, 1, 1);
	if (x->reply & (VMG_INJECT | VMR_STOP))
		return; /* a #PF (another vCPU took the page away meanwhile), or a stop */
	bool is_syscall = have == 2 && code[0] == 0x0f && code[1] == 0x05;
	if (is_syscall && (x->w[VMW_EFER] & (EFER_SCE | EFER_LMA)) == (EFER_SCE | EFER_LMA) &&
	    code_mode(x->w) != X86_MODE_64)
		emulate_syscall(x);
	else
		inject_exception(x, EVENT_UD, 0);
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
