/*
 * Extended register state (x87, SSE, AVX, AVX-512) as a guest sees it.
 *
 * The kernel gives every vCPU a state of its own, of the components it
 * switches, and an XCR0 of its own within them (docs/fpu.md).  So the
 * guest's view must name exactly that set: CPUID leaves 1, 7, 0xD and
 * 0x80000001 are trimmed to it, and a guest's XSETBV may enable any part
 * of it (exits.c).  What depends on the guest's own CR4 and XCR0 (leaf
 * 1's OSXSAVE, leaf 0xD's sizes) comes from the vCPU's, as its exits
 * left them (struct guest_vcpu).
 *
 * Also the FPU probe test port, with which a test guest asks whether the
 * VMM ever finds the guest's values in its own registers.
 */
#include "vmm.h"
#include "x86regs.h"

/* A CPUID answer, EAX to EDX. */
struct cpuid_answer {
	uint32_t a, b, c, d;
};

#define XF_X87    XCR0_X87
#define XF_SSE    XCR0_SSE
#define XF_AVX    XCR0_AVX
#define XF_AVX512 XCR0_AVX512
#define LEGACY_AND_HEADER 576 /* the XSAVE image's legacy area and header: x87 and SSE's room */
#define LD_ALIGNED (1u << 1)  /* leaf 0xD.n ECX: 64-byte aligned in the compacted format */

#define L1_ECX_FMA     (1u << 12)
#define L1_ECX_XSAVE   (1u << 26)
#define L1_ECX_OSXSAVE (1u << 27)
#define L1_ECX_AVX     (1u << 28)
#define L1_ECX_F16C    (1u << 29)

/* Leaf 7 subleaf 0 feature bits that need AVX state, AVX-512 state, or state no one switches. */
#define L7_EBX_AVX2    (1u << 5)
#define L7_EBX_AVX512  0xdc230000u /* F DQ IFMA PF ER CD BW VL */
#define L7_ECX_AVX512  0x00005842u /* VBMI VBMI2 VNNI BITALG VPOPCNTDQ */
#define L7_ECX_PKU     0x00000018u /* PKU, OSPKE: PKRU is not switched */
#define L7_EDX_AVX512  0x0080010cu /* 4VNNIW 4FMAPS VP2INTERSECT FP16 */
#define L7_EDX_AMX     0x03400000u /* AMX-BF16, AMX-TILE, AMX-INT8: tile state is not switched */
#define L7_1_EAX_AVX   (1u << 4)   /* AVX-VNNI */
#define L7_1_EAX_AVX512 (1u << 5)  /* AVX512-BF16 */
#define LX1_ECX_AVX    ((1u << 11) | (1u << 16)) /* XOP, FMA4 */
#define LD_1_EAX_OK    7u          /* XSAVEOPT, XSAVEC, XGETBV with ECX = 1; not XSAVES */

/* The components the kernel switches: its XCR0, or x87 and SSE when it uses FXSAVE. */
uint64_t xstate_switched(void)
{
	static uint64_t set;
	if (!set) {
		uint32_t a = 1, b, c = 0, d, lo, hi;
		asm volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
		set = XF_X87 | XF_SSE;
		if (c & L1_ECX_OSXSAVE) {
			asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
			set = lo | (uint64_t)hi << 32;
		}
	}
	return set;
}

bool xstate_has_xsave(void)
{
	uint32_t a = 1, b, c = 0, d;
	asm volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	return (c & L1_ECX_XSAVE) && (c & L1_ECX_OSXSAVE); /* the host's CR4: the kernel uses it */
}

static bool has(uint64_t features)
{
	return (xstate_switched() & features) == features;
}

/* Leaf 1: XSAVE if the kernel uses it, OSXSAVE as the vCPU's CR4 has it, AVX if switched. */
static void trim_leaf1(const struct guest_vcpu *cpu, struct cpuid_answer *r)
{
	bool xsave = (r->c & L1_ECX_XSAVE) && (r->c & L1_ECX_OSXSAVE); /* the host's CR4 */
	r->c &= ~(L1_ECX_XSAVE | L1_ECX_OSXSAVE);
	if (xsave)
		r->c |= L1_ECX_XSAVE;
	if (xsave && (cpu->cr4 & CR4_OSXSAVE))
		r->c |= L1_ECX_OSXSAVE;
	if (!has(XF_AVX))
		r->c &= ~(L1_ECX_AVX | L1_ECX_FMA | L1_ECX_F16C);
}

static void trim_leaf7(uint32_t sub, struct cpuid_answer *r)
{
	if (sub == 1) {
		if (!has(XF_AVX))
			r->a &= ~L7_1_EAX_AVX;
		if (!has(XF_AVX512))
			r->a &= ~L7_1_EAX_AVX512;
		return;
	}
	if (sub)
		return;
	if (!has(XF_AVX))
		r->b &= ~L7_EBX_AVX2;
	if (!has(XF_AVX512)) {
		r->b &= ~L7_EBX_AVX512;
		r->c &= ~L7_ECX_AVX512;
		r->d &= ~L7_EDX_AVX512;
	}
	r->c &= ~L7_ECX_PKU;
	r->d &= ~L7_EDX_AMX;
}

/*
 * The XSAVE image size for the components in xcr0, standard format (each
 * component at the offset leaf 0xD.n EBX gives) or compacted (XSAVEC:
 * one after the other, some 64-byte aligned).  Computed, as the CPU's
 * leaf 0xD.0 and 0xD.1 EBX answer for the XCR0 in force, which in the
 * VMM is the kernel's set, not the guest's.
 */
static uint32_t xsave_size(uint64_t xcr0, bool compacted)
{
	uint32_t size = LEGACY_AND_HEADER;
	for (uint32_t n = 2; n < 64; n++) {
		if (!(xcr0 & (1ULL << n)))
			continue;
		uint32_t a = 0xd, b, c = n, d;
		asm volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
		if (!compacted) {
			size = b + a > size ? b + a : size;
			continue;
		}
		if (c & LD_ALIGNED)
			size = (size + 63) & ~63u;
		size += a;
	}
	return size;
}

/*
 * Leaf 0xD: the switched set and nothing else.  EBX of subleaves 0 and 1
 * is the image size for the vCPU's own XCR0 (standard and compacted
 * format); ECX of subleaf 0 the size for the whole set, which the CPU's
 * EBX is, as the VMM runs with that set in XCR0.
 */
static void trim_leaf_d(const struct guest_vcpu *cpu, uint32_t sub, struct cpuid_answer *r)
{
	uint64_t set = xstate_switched();
	if (sub == 0) {
		r->a = (uint32_t)set;
		r->d = set >> 32;
		r->c = r->b;
		r->b = xsave_size(cpu->xcr0, false);
	} else if (sub == 1) {
		r->a &= LD_1_EAX_OK;
		r->b = xsave_size(cpu->xcr0, true);
		r->c = r->d = 0; /* no supervisor state (IA32_XSS) */
	} else if (sub >= 64 || !(set & (1ULL << sub))) {
		r->a = r->b = r->c = r->d = 0;
	}
}

void xstate_trim_cpuid(struct guest *g, uint32_t leaf, uint32_t sub, uint64_t *w)
{
	struct cpuid_answer answer = { w[VMW_RAX], w[VMW_RBX], w[VMW_RCX], w[VMW_RDX] };
	struct cpuid_answer *r = &answer;
	const struct guest_vcpu *cpu = &g->cpu[guest_exit_cpu(g)];
	if (leaf == 1)
		trim_leaf1(cpu, r);
	else if (leaf == 7)
		trim_leaf7(sub, r);
	else if (leaf == 0xd)
		trim_leaf_d(cpu, sub, r);
	else if (leaf == 0x80000001 && !has(XF_AVX))
		r->c &= ~LX1_ECX_AVX;
	w[VMW_RAX] = r->a;
	w[VMW_RBX] = r->b;
	w[VMW_RCX] = r->c;
	w[VMW_RDX] = r->d;
}

/*
 * The probe port: the guest writes v, which it keeps in all of xmm0 (and
 * ymm0's upper half).  The VMM looks for v in its own registers, checks
 * XCR0 is still the switched set, then puts other values there.
 */
void xstate_probe(struct guest *g, uint32_t v)
{
	uint32_t cpu1 = 1, b, c = 0, d, lo, hi, seen;
	asm volatile("cpuid" : "+a"(cpu1), "=b"(b), "+c"(c), "=d"(d));
	if ((c & L1_ECX_XSAVE) && !(c & L1_ECX_OSXSAVE)) {
		g->xstate_probe |= PROBE_NOT_SWITCHED; /* the kernel left XSAVE off: it switches nothing */
		return;
	}
	asm volatile("movd %%xmm0, %0" : "=r"(seen));
	if (seen == v)
		g->xstate_probe |= PROBE_SAW_XMM;
	if (has(XF_AVX)) {
		asm volatile("vextractf128 $1, %%ymm0, %%xmm1; movd %%xmm1, %0" : "=r"(seen));
		if (seen == v)
			g->xstate_probe |= PROBE_SAW_YMM;
	}
	if (c & L1_ECX_OSXSAVE) {
		asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
		if ((lo | (uint64_t)hi << 32) != xstate_switched())
			g->xstate_probe |= PROBE_XCR0_CHANGED;
	}
	asm volatile("movd %0, %%xmm0; pshufd $0, %%xmm0, %%xmm0" : : "r"(~v));
	if (has(XF_AVX))
		asm volatile("vinsertf128 $1, %xmm0, %ymm0, %ymm0");
}
