/*
 * Random guests and random VM-exit replies.  A guest is GUEST_RAM_PAGES of
 * RAM at guest-physical 0 holding, for its mode (real, 32-bit protected,
 * 64-bit long), a flat GDT, page tables (long mode), and at GUEST_CODE a
 * run of random instructions chosen to exit (CPUID, HLT, I/O, MSRs,
 * VMCALL, faults, EPT violations) or to change the state a VM exit may
 * leave behind (FS, GS, LDTR, SWAPGS, DR7).  LTR is left out: under SVM
 * the host would keep the guest's TR, which docs/testing.md explains.
 * The run ends in "hlt; jmp back to the hlt", so a guest that gets that far
 * exits on every step and never spins; RAM ends at 32 KiB, below the 64 KiB
 * a real-mode IP wraps around in, so a guest running through memory exits too.
 *
 * The state and replies are well-formed most of the time (segments,
 * control registers and EFER agreeing with the mode, injections of valid
 * types) and mutated now and then, so that both the kernel's checks and
 * the VM entries that follow them are exercised.
 */
#include "mem.h"

#include "fuzz.h"

bool guests_possible;
uint64_t exit_endpoints[2];

#define GUEST_GDT   0x500
#define GUEST_LDT   0x600
#define GUEST_IDT   0x800
#define GUEST_PML4  0x1000
#define GUEST_CODE  0x4000
#define GUEST_STACK 0x7000 /* RAM ends at 0x8000: a guest running off its end exits */
#define CODE_MAX    0x1000

enum { MODE_REAL, MODE_PROTECTED, MODE_LONG };

/* The guest's code as it is emitted. */
struct code {
	uint8_t *p, *end;
	unsigned mode;
	struct rng *r;
};

static void emit(struct code *c, const char *bytes, unsigned n)
{
	for (unsigned i = 0; i < n && c->p < c->end; i++)
		*c->p++ = bytes[i];
}

/* mov reg, imm: 16 bits in real mode, 32 otherwise. */
static void emit_mov_imm(struct code *c, unsigned reg, uint32_t imm)
{
	char b[5] = { (char)(0xb8 + reg), (char)imm, (char)(imm >> 8), (char)(imm >> 16),
		      (char)(imm >> 24) };
	emit(c, b, c->mode == MODE_REAL ? 3 : 5);
}

/* Instructions that exit, fault, or change what an exit may leave behind. */
static const struct template {
	const char *bytes;
	unsigned char len, modes; /* modes: bit per MODE_* it makes sense in */
} templates[] = {
	{ "\x0f\xa2", 2, 7 },         /* cpuid */
	{ "\xf4", 1, 7 },             /* hlt */
	{ "\xe6\x80", 2, 7 },         /* out 0x80, al */
	{ "\xe4\x61", 2, 7 },         /* in al, 0x61 */
	{ "\xee", 1, 7 },             /* out dx, al */
	{ "\xed", 1, 7 },             /* in eax, dx */
	{ "\x0f\x32", 2, 7 },         /* rdmsr */
	{ "\x0f\x30", 2, 7 },         /* wrmsr */
	{ "\x0f\x01\xc1", 3, 7 },     /* vmcall */
	{ "\x0f\x01\xd9", 3, 7 },     /* vmmcall */
	{ "\x0f\x31", 2, 7 },         /* rdtsc */
	{ "\x89\x07", 2, 1 },         /* mov [bx], ax */
	{ "\x8b\x07", 2, 1 },         /* mov ax, [bx] */
	{ "\x89\x03", 2, 6 },         /* mov [ebx], eax */
	{ "\x8b\x03", 2, 6 },         /* mov eax, [ebx] */
	{ "\x8e\xe0", 2, 7 },         /* mov fs, ax */
	{ "\x8e\xe8", 2, 7 },         /* mov gs, ax */
	{ "\x0f\x01\xf8", 3, 4 },     /* swapgs */
	{ "\x0f\x00\xd0", 3, 6 },     /* lldt ax */
	{ "\x0f\x23\xf8", 3, 0 },     /* mov dr7, eax: off, see docs/testing.md (QEMU) */
	{ "\xcc", 1, 7 },             /* int3 */
	{ "\xcd\x30", 2, 7 },         /* int 0x30 */
	{ "\x0f\x0b", 2, 7 },         /* ud2 */
	{ "\x31\xc9\xf7\xf1", 4, 7 }, /* xor ecx, ecx; div ecx */
	{ "\xfa", 1, 7 },             /* cli */
	{ "\xfb", 1, 7 },             /* sti */
	{ "\xf3\x90", 2, 7 },         /* pause */
	{ "\x9c\x58", 2, 7 },         /* pushf; pop ax */
	{ "\x0f\x20\xc0", 3, 7 },     /* mov eax, cr0 */
	{ "\x0f\x22\xc0", 3, 7 },     /* mov cr0, eax */
	{ "\x0f\x22\xe0", 3, 7 },     /* mov cr4, eax */
	{ "\x0f\x09", 2, 7 },         /* wbinvd */
	{ "\x0f\x01\xc8", 3, 7 },     /* monitor */
	{ "\x0f\x01\xc9", 3, 7 },     /* mwait */
	{ "\x0f\x33", 2, 7 },         /* rdpmc */
	{ "\x0f\x05", 2, 4 },         /* syscall */
	{ "\x0f\x34", 2, 2 },         /* sysenter */
	{ "\x0f\x01\xd0", 3, 7 },     /* xgetbv */
};

/* A value for a register before an instruction uses it: selectors, ports, MSRs, addresses. */
static uint32_t interesting(struct rng *r)
{
	static const uint32_t values[] = {
		0x18, 0x20, 0x10, 0x1234, 0x80, 0x3f8, 0x10, 0xc0000080, 0xc0000100, 0xc0000102,
		0x174, 0x1b, 0x8000, 0x10000, 0x100000, 0xfee00000, 0xffffffff, 0x400,
	};
	return below(r, 4) ? values[below(r, ARRAY_LEN(values))] : (uint32_t)rnd(r);
}

static void emit_one(struct code *c)
{
	struct rng *r = c->r;
	unsigned k = below(r, 16);

	if (k == 0) { /* a few random bytes: anything at all may happen */
		char b[6];
		unsigned n = below(r, 6) + 1;
		for (unsigned i = 0; i < n; i++)
			b[i] = (char)rnd(r);
		emit(c, b, n);
		return;
	}
	if (k < 5) {
		emit_mov_imm(c, below(r, 4), interesting(r)); /* eax, ecx, edx or ebx */
		return;
	}
	for (;;) {
		const struct template *t = &templates[below(r, ARRAY_LEN(templates))];
		if (t->modes & (1u << c->mode)) {
			emit(c, t->bytes, t->len);
			return;
		}
	}
}

/* The flat GDT, an LDT, and an FS/GS segment with a base of its own (so a load shows). */
static void build_tables(uint8_t *ram, unsigned mode)
{
	uint64_t *gdt = (uint64_t *)(ram + GUEST_GDT);
	gdt[0] = 0;
	gdt[1] = mode == MODE_LONG ? 0x00af9b000000ffffULL : 0x00cf9b000000ffffULL;
	gdt[2] = 0x00cf93000000ffffULL;
	gdt[3] = 0x00cf93345000ffffULL;                      /* data, base 0x345000 */
	gdt[4] = 0x0000820000000017ULL | (uint64_t)GUEST_LDT << 16; /* LDT */
	gdt[5] = 0;
	uint64_t *pml4 = (uint64_t *)(ram + GUEST_PML4);
	pml4[0] = (GUEST_PML4 + 0x1000) | 3;
	pml4[512] = (GUEST_PML4 + 0x2000) | 3;               /* the PDPT's first entry */
	pml4[1024] = 0x83;                                   /* the PD: 2 MiB at 0 */
}

void guest_build(struct rng *r, uint8_t *ram, unsigned mode)
{
	struct code c = { ram + GUEST_CODE, ram + GUEST_CODE + CODE_MAX - 8, mode, r };
	unsigned n = below(r, 24) + 1;

	memset(ram, 0, GUEST_RAM_PAGES * PAGE_BYTES);
	for (unsigned i = 0; i < 0x400; i++) /* a random IVT or IDT: its faults go anywhere */
		ram[GUEST_IDT + i] = below(r, 4) ? 0 : (uint8_t)rnd(r);
	build_tables(ram, mode);
	for (unsigned i = 0; i < n; i++)
		emit_one(&c);
	emit(&c, "\xf4\xeb\xfd", 3); /* hlt; jmp to the hlt */
}

/* A segment as the protocol packs it. */
static void set_seg(uint64_t *w, unsigned s, uint64_t sel, uint64_t ar, uint64_t limit,
		    uint64_t base)
{
	w[VMW_SEG_DESC(s)] = VM_SEG_PACK(sel, ar, limit);
	w[VMW_SEG_BASE(s)] = base;
}

/* Control registers, segments and descriptor tables that agree with `mode`. */
static void mode_state(struct rng *r, uint64_t *w, unsigned mode)
{
	bool real = mode == MODE_REAL;
	w[VMW_CR0] = real ? 0x10 : mode == MODE_PROTECTED ? 0x11 : 0x80000011;
	w[VMW_CR3] = mode == MODE_LONG ? GUEST_PML4 : 0;
	w[VMW_CR4] = mode == MODE_LONG ? 0x20 : 0;
	w[VMW_EFER] = mode == MODE_LONG ? 0x500 : 0;
	for (unsigned s = VMS_ES; s <= VMS_GS; s++)
		set_seg(w, s, real ? 0 : 0x10, real ? 0x93 : 0xc093, real ? 0xffff : 0xffffffff, 0);
	set_seg(w, VMS_CS, real ? 0 : 0x08, real ? 0x9b : mode == MODE_LONG ? 0xa09b : 0xc09b,
		real ? 0xffff : 0xffffffff, 0);
	set_seg(w, VMS_LDTR, 0, 1u << 16, 0, 0);
	set_seg(w, VMS_TR, 0, 0x8b, 0x67, 0);
	w[VMW_GDTR_BASE] = GUEST_GDT;
	w[VMW_GDTR_LIMIT] = 47;
	w[VMW_IDTR_BASE] = real ? 0 : GUEST_IDT;
	w[VMW_IDTR_LIMIT] = below(r, 2) ? 0x3ff : below(r, 0x400);
}

/* Flips a random bit of a random word now and then (one in eight). */
static void mutate(struct rng *r, uint64_t *w)
{
	if (below(r, 8) == 0)
		w[VMW_RAX + below(r, VMW_COUNT - VMW_RAX)] ^= 1ULL << below(r, 64);
}

void guest_state(struct rng *r, uint64_t *w, unsigned mode)
{
	memset(w, 0, VMW_COUNT * 8);
	w[VMW_MASK] = VMG_GPR_ACDB | VMG_RIP | VMG_RFLAGS | VMG_GPR_OTHER | VMG_CR | VMG_SEG |
		      VMG_DTR | VMG_STATE;
	for (unsigned i = VMW_RAX; i <= VMW_R15; i++)
		w[i] = interesting(r);
	w[VMW_RIP] = GUEST_CODE;
	w[VMW_RFLAGS] = below(r, 2) ? 2 : 0x202;
	w[VMW_RSP] = GUEST_STACK;
	mode_state(r, w, mode);
	mutate(r, w);
}

/* An event to inject: every valid type, with the error code where one belongs. */
static uint64_t injection(struct rng *r, uint64_t *error)
{
	unsigned type = below(r, 7), vector;
	*error = below(r, 0x10000);
	switch (type) {
	case 0: vector = 32 + below(r, 224); break;
	case 1: type = 2; vector = 2; break; /* NMI (type 1 is reserved) */
	case 2: vector = 2; break;
	case 3: vector = below(r, 32); break;
	case 5: vector = 1; break;
	case 6: vector = below(r, 2) ? 3 : 4; break;
	default: vector = below(r, 256); break;
	}
	bool ec = type == 3 && (vector == 8 || (vector >= 10 && vector <= 14) || vector == 17);
	return (1u << 31) | type << 8 | vector | (ec ? 1u << 11 : 0);
}

/* The groups of a random reply, mostly small ones. */
static uint32_t reply_groups(struct rng *r)
{
	uint32_t g = 0;
	if (below(r, 2))
		g |= VMG_GPR_ACDB;
	if (below(r, 10) < 7)
		g |= VMG_RIP;
	if (below(r, 5) == 0)
		g |= VMG_RFLAGS;
	if (below(r, 5) == 0)
		g |= VMG_GPR_OTHER;
	if (below(r, 10) == 0)
		g |= VMG_CR | VMG_SEG | VMG_DTR;
	if (below(r, 10) == 0)
		g |= VMG_STATE;
	if (below(r, 7) == 0)
		g |= VMG_INJECT;
	if (below(r, 10) == 0)
		g |= VMG_CONTROLS;
	return g;
}

void guest_reply(struct rng *r, uint64_t *w, const uint64_t *exit)
{
	uint32_t g = reply_groups(r);

	guest_state(r, w, below(r, GUEST_MODES));
	w[VMW_INSN_LEN] = exit[VMW_INSN_LEN] < 16 ? exit[VMW_INSN_LEN] : 2;
	if (exit[VMW_MASK] & VMG_RIP)
		w[VMW_RIP] = exit[VMW_RIP] + exit[VMW_INSN_LEN];
	if (exit[VMW_MASK] & VMG_RFLAGS)
		w[VMW_RFLAGS] = exit[VMW_RFLAGS];
	w[VMW_INJECT_INFO] = injection(r, &w[VMW_INJECT_ERROR]);
	w[VMW_CONTROLS] = below(r, 8) ? VMC_INTR_WINDOW : below(r, 4);
	w[VMW_MASK] = g | (below(r, 32) ? 0 : below(r, 2) ? VMR_STOP : VMG_EVENT);
	mutate(r, w);
}
