/*
 * The checks every reply (and SYS_VCPU_WRITE_STATE) passes before anything
 * is written: the rules of the exit protocol that hold for VMX and SVM
 * alike (docs/vm-exit-protocol.md).  The backend adds its own CR rules.
 * vcpu_check_state (vcpu.h, inline so that the fast reply keeps only the
 * checks of its groups) applies these per group.
 */
#include "fpu.h"
#include "vcpu.h"
#include "x86.h"

static bool canonical(uint64_t a)
{
	return (uint64_t)((int64_t)(a << 16) >> 16) == a;
}

/* CR0, CR4 and EFER that agree with each other. */
bool vcpu_check_cr(const uint64_t *w)
{
	uint64_t cr0 = w[VMW_CR0], efer = w[VMW_EFER];
	if ((cr0 & CR0_PG) && !(cr0 & CR0_PE))
		return false;
	if (efer & ~(EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE))
		return false;
	if (!!(efer & EFER_LMA) != (!!(efer & EFER_LME) && !!(cr0 & CR0_PG)))
		return false;
	if ((efer & EFER_LMA) && !(w[VMW_CR4] & CR4_PAE))
		return false;
	return w[VMW_CR3] < (1ULL << 52);
}

bool vcpu_check_segments(const uint64_t *w, bool long_mode)
{
	for (unsigned s = VMS_ES; s <= VMS_TR; s++) {
		uint64_t ar = VM_SEG_AR(w[VMW_SEG_DESC(s)]);
		if (ar & 0x0f00) /* bits 8-11 of the access rights are reserved */
			return false;
		if (long_mode ? !canonical(w[VMW_SEG_BASE(s)]) : w[VMW_SEG_BASE(s)] >> 32)
			return false;
	}
	return true;
}

/* Descriptor-table registers: 16-bit limits, canonical bases. */
bool vcpu_check_dtr(const uint64_t *w)
{
	return w[VMW_GDTR_LIMIT] <= 0xffff && w[VMW_IDTR_LIMIT] <= 0xffff &&
	       canonical(w[VMW_GDTR_BASE]) && canonical(w[VMW_IDTR_BASE]);
}

/* The guest's MSRs: each as WRMSR would take it (vm_msr_value_valid, moat/vmexit.h). */
bool vcpu_check_msrs(const uint64_t *w)
{
	for (unsigned i = VMW_STAR; i <= VMW_TSC_OFFSET; i++)
		if (!vm_msr_value_valid(i, w[i]))
			return false;
	return true;
}

/*
 * The guest's XCR0: what XSETBV would take, of the components the kernel
 * switches (vm_xcr0_valid against fpu_xcr0); only 0 when it uses no XSAVE.
 * The kernel itself loads it before each entry, so nothing else may pass.
 */
bool vcpu_check_xcr0(uint64_t xcr0)
{
	return fpu_xcr0 ? vm_xcr0_valid(xcr0, fpu_xcr0) : xcr0 == 0;
}

/* The guest's debug registers: each as MOV to DRn would take it (vm_debug_value_valid). */
bool vcpu_check_debug(const uint64_t *w)
{
	for (unsigned i = VMW_DR0; i <= VMW_DR7; i++)
		if (!vm_debug_value_valid(i, w[i]))
			return false;
	return true;
}

/*
 * An event to inject (SDM 26.2.1.3): a known type, vector and error-code
 * rules; a software interrupt or exception (types 4-6) needs the length of
 * its instruction, 1 to 15 (SVM adds it to RIP, VMX's entry checks it).
 * A hardware exception that pushes an error code delivers one, of 16 bits,
 * exactly when the guest is in protected mode (CR0.PE as the entry loads
 * it): real mode pushes none.  VMX's entry fails otherwise (VM-instruction
 * error 7); SVM's would give the guest a frame its handler does not expect.
 */
bool vcpu_check_injection(uint64_t info, uint64_t error, uint64_t insn_len, bool protected_mode)
{
	if (!(info & (1u << 31)))
		return info == 0;
	unsigned type = (info >> 8) & 7, vector = info & 0xff;
	if (info & 0x7ffff000 || type == 1 || type == 7)
		return false;
	if (type >= 4 && (insn_len < 1 || insn_len > 15))
		return false;
	if (type == 2 && vector != 2)
		return false;
	if (type == 3 && vector >= 32)
		return false;
	bool pushes = type == 3 && (vector == 8 || (vector >= 10 && vector <= 14) || vector == 17);
	bool delivers = info & (1u << 11);
	if (delivers && error >> 16)
		return false;
	return delivers == (pushes && protected_mode);
}
