/*
 * What loads a segment register or jumps, emulated on MMIO (emulate.h):
 * LTR m16, MOV to and from a segment register, and JMP through memory,
 * near and far.  A descriptor is read from the GDT or LDT through the
 * guest's paging and checked as the Intel SDM's pages of each
 * instruction list, and the guest gets the fault the processor would
 * give (#GP, #NP, #SS with the selector as error code).  And on a #UD,
 * AMD's SYSCALL from compatibility mode (emulate_ud), which takes its
 * segments from STAR, not from a descriptor.
 */
#include "emulate.h"
#include "mem.h"
#include "moat/syscall.h"
#include "moat/user.h"
#include "x86alu.h"
#include "x86regs.h"

/* Whether a is canonical for the vCPU: 48-bit linear addresses, 57 with CR4.LA57. */
bool canonical(const uint64_t *w, uint64_t a)
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
void emulate_ltr(struct exit_ctx *x, const struct x86_insn *in)
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
void emulate_load_sreg(struct exit_ctx *x, const struct x86_insn *in)
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

/*
 * JMP m (near): the new rIP from memory; #GP(0), nothing changed, if it is
 * not canonical (64-bit code) or past CS's limit (else).
 */
void emulate_jmp_near(struct exit_ctx *x, const struct x86_insn *in)
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
void emulate_store_sreg(struct exit_ctx *x, const struct x86_insn *in)
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
void emulate_jmp_far(struct exit_ctx *x, const struct x86_insn *in)
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

/*
 * SYSCALL from compatibility mode as an AMD CPU runs it (AMD APM vol. 3,
 * SYSCALL; an Intel CPU gives #UD there): RCX the next instruction's
 * address, R11 the flags without RF, the flags masked by SFMASK, then
 * CPL 0 in 64-bit mode at CSTAR, with CS from STAR[47:32] and SS the
 * selector after it, both flat and not read from the GDT.  A TF the mask
 * leaves set traps after it, as any single step (DR6.BS).
 */
#define SYSCALL_CS_AR 0xa09b /* code, execute/read, accessed, DPL 0, present, L, G */
#define SYSCALL_SS_AR 0xc093 /* data, read/write, accessed, DPL 0, present, D/B, G */
#define DR6_BS        (1ULL << 14)
#define EVENT_DB      EVENT_EXCEPTION(VECTOR_DB)

void emulate_syscall(struct exit_ctx *x)
{
	uint64_t *w = x->w, flags = w[VMW_RFLAGS];
	uint16_t sel = (w[VMW_STAR] >> 32) & 0xfffc;
	w[VMW_RCX] = (uint32_t)(w[VMW_RIP] + 2);
	w[VMW_R11] = flags & ~RFLAGS_RF;
	w[VMW_RFLAGS] = (flags & ~w[VMW_SFMASK] & ~RFLAGS_RF) | RFLAGS_FIXED;
	w[VMW_SEG_DESC(VMS_CS)] = VM_SEG_PACK(sel, SYSCALL_CS_AR, 0xffffffff);
	w[VMW_SEG_BASE(VMS_CS)] = 0;
	w[VMW_SEG_DESC(VMS_SS)] = VM_SEG_PACK(sel + 8, SYSCALL_SS_AR, 0xffffffff);
	w[VMW_SEG_BASE(VMS_SS)] = 0;
	x->reply |= VMG_GPR_ACDB | VMG_GPR_OTHER | VMG_RFLAGS | VMG_SEG;
	advance_rip(x, w[VMW_CSTAR] - w[VMW_RIP]); /* (and ends an interrupt shadow) */
	if ((w[VMW_RFLAGS] & RFLAGS_TF) && (w[VMW_MASK] & VMG_DEBUG)) {
		w[VMW_DR6] |= DR6_BS;
		x->reply |= VMG_DEBUG;
		inject_exception(x, EVENT_DB, 0);
	}
}
