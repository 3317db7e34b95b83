/*
 * The VM-exit protocol: how a VM exit reaches the VMM as an IPC message and
 * how the reply writes guest state back.  docs/vm-exit-protocol.md explains
 * it; this file is the one definition the kernel and the VMM share.
 *
 * A vCPU's exit "calls" the endpoint bound to its exit reason with label
 * MSG_VMEXIT.  Message word i (words 0-3 in registers, the rest in the
 * VMM thread's UTCB) is the field VMW_*; only the groups in the binding's
 * state mask are filled (word VMW_MASK says which), and the message ends
 * after the last word of the highest group included.  The reply uses the
 * same layout: word VMW_MASK names the groups to write back (plus VMR_*
 * requests); the kernel checks every field and refuses the whole reply
 * with ERR_INVALID_ARG (the vCPU keeps waiting) if any is invalid.
 */
#ifndef MOAT_VMEXIT_H
#define MOAT_VMEXIT_H

#include <stdbool.h>

#include "abi.h"
#include "../x86regs.h"

#define MSG_VMEXIT 0x7e11

enum vm_word {
	VMW_REASON,      /* exit reason (bits 15:0), bit 31: VM-entry failure */
	VMW_QUAL,        /* exit qualification (group VMG_QUAL) */
	VMW_INSN_LEN,    /* length of the exiting instruction; reply: for software injection */
	VMW_MASK,        /* exit: groups included; reply: groups and VMR_* requests */
	VMW_RAX, VMW_RCX, VMW_RDX, VMW_RBX,            /* VMG_GPR_ACDB */
	VMW_RIP,                                      /* VMG_RIP */
	VMW_RFLAGS,                                   /* VMG_RFLAGS */
	VMW_RSP, VMW_RBP, VMW_RSI, VMW_RDI,            /* VMG_GPR_OTHER ... */
	VMW_R8, VMW_R9, VMW_R10, VMW_R11,
	VMW_R12, VMW_R13, VMW_R14, VMW_R15,            /* ... VMG_GPR_OTHER */
	VMW_GPA, VMW_GLA,                             /* VMG_QUAL: guest physical, linear address */
	VMW_CR0, VMW_CR2, VMW_CR3, VMW_CR4, VMW_EFER,  /* VMG_CR */
	VMW_SEG,                                      /* VMG_SEG: 8 segments x 2 words, below */
	VMW_GDTR_BASE = VMW_SEG + 16,                 /* VMG_DTR */
	VMW_GDTR_LIMIT, VMW_IDTR_BASE, VMW_IDTR_LIMIT,
	VMW_INTR_STATE, VMW_ACTIVITY,                 /* VMG_STATE */
	VMW_EXIT_INTR_INFO, VMW_EXIT_INTR_ERROR,      /* VMG_EVENT (exit only) */
	VMW_IDT_VECTORING_INFO, VMW_IDT_VECTORING_ERROR,
	VMW_INJECT_INFO, VMW_INJECT_ERROR,            /* VMG_INJECT (reply only) */
	VMW_CONTROLS,                                 /* VMG_CONTROLS (reply only) */
	VMW_STAR, VMW_LSTAR, VMW_CSTAR, VMW_SFMASK,   /* VMG_MSR: the guest's MSRs ... */
	VMW_KERNEL_GS_BASE, VMW_SYSENTER_CS, VMW_SYSENTER_ESP, VMW_SYSENTER_EIP,
	VMW_TSC_AUX, VMW_PAT, VMW_DEBUGCTL,           /* ... (FS/GS base: VMG_SEG, EFER: VMG_CR) */
	VMW_TSC_OFFSET,                               /* the guest's TSC is the host's plus this */
	VMW_DR0, VMW_DR1, VMW_DR2, VMW_DR3,           /* VMG_DEBUG: the guest's debug registers */
	VMW_DR6, VMW_DR7,
	VMW_XCR0,                                     /* VMG_XCR0: the guest's XCR0 */
	VMW_DEADLINE,    /* VMG_DEADLINE (reply only): host TSC of a VMEXIT_DEADLINE exit, or none */
	VMW_COUNT
};

_Static_assert(VMW_COUNT <= MSG_MAX_WORDS, "the exit message fits one message");

/* Segments, in this order, each two words: selector | access rights << 16 | limit << 32, base. */
enum vm_segment { VMS_ES, VMS_CS, VMS_SS, VMS_DS, VMS_FS, VMS_GS, VMS_LDTR, VMS_TR };
#define VMW_SEG_DESC(s) (VMW_SEG + 2 * (s))
#define VMW_SEG_BASE(s) (VMW_SEG + 2 * (s) + 1)
#define VM_SEG_PACK(sel, ar, limit) \
	((uint64_t)(sel) | (uint64_t)(ar) << 16 | (uint64_t)(limit) << 32)
#define VM_SEG_SEL(w)   ((w) & 0xffff)
#define VM_SEG_AR(w)    (((w) >> 16) & 0xffff)
#define VM_SEG_LIMIT(w) ((w) >> 32)
/* Access-rights bits (VMX's layout: descriptor bits 40-47 and 52-55) the VMM reads. */
#define VM_SEG_AR_L     (1u << 13)  /* code segment: 64-bit */
#define VM_SEG_AR_DB    (1u << 14)  /* code segment: 32-bit operands and addresses */

/* VMW_INTR_STATE: interrupts held off for one instruction after STI, or after MOV SS / POP SS. */
#define VM_INTR_STI_SHADOW    (1u << 0)
#define VM_INTR_MOV_SS_SHADOW (1u << 1)
#define VM_INTR_SHADOWS       (VM_INTR_STI_SHADOW | VM_INTR_MOV_SS_SHADOW)

/* Event words (VMG_EVENT, VMG_INJECT), in VMX's layout: vector 7:0, type 10:8, and these. */
#define VM_EVENT_VALID        (1u << 31)
#define VM_EVENT_ERROR_CODE   (1u << 11)  /* an error code goes with it */
#define VM_EVENT_EXTERNAL     (0u << 8)   /* type: an external interrupt */
#define VM_EVENT_NMI          (2u << 8)   /* type: an NMI (vector 2) */
#define VM_EVENT_EXCEPTION    (3u << 8)   /* type: a hardware exception */

/* State groups (word VMW_MASK). */
#define VMG_GPR_ACDB  (1u << 0)
#define VMG_RIP       (1u << 1)
#define VMG_RFLAGS    (1u << 2)
#define VMG_GPR_OTHER (1u << 3)
#define VMG_QUAL      (1u << 4)
#define VMG_CR        (1u << 5)
#define VMG_SEG       (1u << 6)
#define VMG_DTR       (1u << 7)
#define VMG_STATE     (1u << 8)
#define VMG_EVENT     (1u << 9)
#define VMG_INJECT    (1u << 10)
#define VMG_CONTROLS  (1u << 11)
#define VMG_MSR       (1u << 12)
#define VMG_DEBUG     (1u << 13)
#define VMG_XCR0      (1u << 14)
#define VMG_DEADLINE  (1u << 15)
#define VMG_ALL       0xffffu
/* The groups a reply writes and no exit reads: a binding cannot ask for them. */
#define VMG_REPLY_ONLY (VMG_INJECT | VMG_CONTROLS | VMG_DEADLINE)
/* Reply requests. */
#define VMR_STOP      (1u << 16)  /* stop the vCPU instead of resuming it */

/*
 * VMW_CONTROLS bits a VMM may set, which stay until a reply with
 * VMG_CONTROLS writes them again: exit as soon as the guest can take an
 * interrupt / NMI; a #UD of the guest's exits (VMEXIT_EXCEPTION, the #UD
 * in VMW_EXIT_INTR_INFO) instead of going to the guest, for a VMM that
 * gives an instruction the CPU lacks (docs/vm-exit-protocol.md).
 */
#define VMC_INTR_WINDOW (1u << 0)
#define VMC_NMI_WINDOW  (1u << 1)
#define VMC_UD_EXIT     (1u << 2)
#define VMC_ALL         (VMC_INTR_WINDOW | VMC_NMI_WINDOW | VMC_UD_EXIT)

/*
 * The exit reasons the VMM sees, the same on both backends.  Their numbers
 * are VMX's basic exit reasons (Intel SDM vol. 3, appendix C) and are ABI;
 * the SVM backend translates its exit codes to them (table in
 * docs/vm-exit-protocol.md).  VMEXIT_RECALL and VMEXIT_DEADLINE are the
 * kernel's own.
 */
enum vm_exit_reason {
	VMEXIT_EXCEPTION = 0,
	VMEXIT_EXTERNAL_INTERRUPT = 1,
	VMEXIT_TRIPLE_FAULT = 2,
	VMEXIT_INTERRUPT_WINDOW = 7,
	VMEXIT_NMI_WINDOW = 8,
	VMEXIT_CPUID = 10,
	VMEXIT_HLT = 12,
	VMEXIT_INVLPG = 14,
	VMEXIT_RDTSC = 16,
	VMEXIT_HYPERCALL = 18,       /* VMCALL, or VMMCALL */
	VMEXIT_CR_ACCESS = 28,
	VMEXIT_MOV_DR = 29,          /* qualification: DR_QUAL_* below */
	VMEXIT_IO = 30,
	VMEXIT_RDMSR = 31,
	VMEXIT_WRMSR = 32,
	VMEXIT_INVALID_STATE = 33,
	VMEXIT_MSR_LOADING = 34,
	VMEXIT_MWAIT = 36,
	VMEXIT_MONITOR = 39,
	VMEXIT_PAUSE = 40,
	VMEXIT_GPA_FAULT = 48,       /* the guest-physical space refused an access (EPT violation, NPF) */
	VMEXIT_GPA_MISCONFIG = 49,
	VMEXIT_PREEMPTION_TIMER = 52,
	VMEXIT_WBINVD = 54,
	VMEXIT_XSETBV = 55,
	VMEXIT_REASONS = 65,         /* bound of the reasons above: SYS_VCPU_BIND's tables */
	VMEXIT_RECALL = 0x100,   /* the kernel's own: SYS_VCPU_RECALL asked for an exit */
	VMEXIT_DEADLINE = 0x101, /* the kernel's own: the TSC reached the reply's VMG_DEADLINE */
};
#define VMEXIT_ENTRY_FAILURE (1u << 31)
/*
 * An SVM exit with no reason above (one the kernel's intercepts should
 * not cause) reaches the VMM's default binding as VMEXIT_SVM_OTHER | its
 * SVM exit code: reported as itself, apart from every reason above, and
 * not mistaken for one.  The APM's exit codes are below 0x1000.
 */
#define VMEXIT_SVM_OTHER 0x1000u
/* SYS_VCPU_BIND: the binding for every reason without its own. */
#define VMEXIT_DEFAULT 0xffff

/* How many words a message with these groups carries: up to the end of the highest one. */
static inline unsigned vm_message_words(uint32_t groups)
{
	static const uint8_t end[16] = { /* indexed by the group's bit number */
		VMW_RBX + 1, VMW_RIP + 1, VMW_RFLAGS + 1, VMW_R15 + 1, VMW_GLA + 1, VMW_EFER + 1,
		VMW_GDTR_BASE, VMW_IDTR_LIMIT + 1, VMW_ACTIVITY + 1, VMW_IDT_VECTORING_ERROR + 1,
		VMW_INJECT_ERROR + 1, VMW_CONTROLS + 1, VMW_TSC_OFFSET + 1, VMW_DR7 + 1, VMW_XCR0 + 1,
		VMW_DEADLINE + 1,
	};
	groups &= VMG_ALL;
	return groups ? end[31 - __builtin_clz(groups)] : VMW_MASK + 1;
}

/* The VMG_MSR word that holds MSR msr, or 0 if none does (FS/GS base: VMG_SEG; EFER: VMG_CR). */
static inline unsigned vm_msr_word(uint32_t msr)
{
	if (msr >= MSR_STAR && msr <= MSR_SFMASK)
		return VMW_STAR + (msr - MSR_STAR);
	if (msr >= MSR_SYSENTER_CS && msr <= MSR_SYSENTER_EIP)
		return VMW_SYSENTER_CS + (msr - MSR_SYSENTER_CS);
	switch (msr) {
	case MSR_KERNEL_GS_BASE: return VMW_KERNEL_GS_BASE;
	case MSR_TSC_AUX:        return VMW_TSC_AUX;
	case MSR_PAT:            return VMW_PAT;
	case MSR_DEBUGCTL:       return VMW_DEBUGCTL;
	default:                 return 0;
	}
}

/*
 * Whether WRMSR would take value for the MSR in VMG_MSR word `word`: the
 * kernel refuses a reply with any value WRMSR would refuse with #GP (so no
 * VM entry's MSR load can fail), and the VMM uses the same rule to decide
 * whether a guest's WRMSR raises #GP.  Addresses canonical; SFMASK,
 * SYSENTER_CS and TSC_AUX 32 bits; PAT entries of a type that exists (UC,
 * WC, WT, WP, WB, UC-); of DEBUGCTL only LBR and BTF.  STAR and the TSC
 * offset take anything.
 */
static inline bool vm_msr_value_valid(unsigned word, uint64_t value)
{
	switch (word) {
	case VMW_LSTAR: case VMW_CSTAR: case VMW_KERNEL_GS_BASE:
	case VMW_SYSENTER_ESP: case VMW_SYSENTER_EIP:
		return (uint64_t)((int64_t)(value << 16) >> 16) == value;
	case VMW_SFMASK: case VMW_SYSENTER_CS: case VMW_TSC_AUX:
		return !(value >> 32);
	case VMW_PAT:
		for (unsigned i = 0; i < 8; i++) {
			unsigned type = (value >> (8 * i)) & 0xff;
			if (type > 7 || type == 2 || type == 3)
				return false;
		}
		return true;
	case VMW_DEBUGCTL:
		return !(value & ~(DEBUGCTL_LBR | DEBUGCTL_BTF));
	default:
		return true;
	}
}

/* VMEXIT_IO's qualification (VMX's layout, SDM vol. 3 table 27-5; on SVM too). */
#define IO_QUAL_SIZE     7u          /* access size - 1 */
#define IO_QUAL_IN       (1u << 3)
#define IO_QUAL_STRING   (1u << 4)
#define IO_QUAL_REP      (1u << 5)
#define IO_QUAL_PORT(q)  ((uint16_t)((q) >> 16))

/* VMEXIT_MOV_DR's qualification (VMX's layout, on SVM too): the register, the direction, the GPR. */
#define DR_QUAL_DR(q)      ((unsigned)(q) & 7)
#define DR_QUAL_FROM_DR    (1u << 4)              /* MOV from DRn (else to DRn) */
#define DR_QUAL_GPR(q)     (((unsigned)(q) >> 8) & 15)

/*
 * Whether MOV to DRn (VMG_DEBUG word `word`) would take value: DR0-3 any
 * canonical address, DR6 and DR7 their low 32 bits only (MOV raises
 * #GP(0) for the rest).  The kernel checks a reply by it; the VMM decides
 * a guest's #GP by it.
 */
static inline bool vm_debug_value_valid(unsigned word, uint64_t value)
{
	if (word == VMW_DR6 || word == VMW_DR7)
		return !(value >> 32);
	return (uint64_t)((int64_t)(value << 16) >> 16) == value;
}

/*
 * Whether XSETBV with ECX = 0 would take value as XCR0 (Intel SDM vol. 1,
 * 13.3; AMD APM vol. 2, 11.5.2) on a CPU whose XCR0 may hold the bits in
 * `supported`: x87 always on; nothing unsupported; AVX only with SSE;
 * the three AVX-512 components together and only with AVX; MPX's two
 * and AMX's two together.  The kernel refuses a reply by it (it loads the
 * value into XCR0 itself before the guest runs, where a #GP would be the
 * kernel's); the VMM decides a guest's #GP by it.
 */
static inline bool vm_xcr0_valid(uint64_t value, uint64_t supported)
{
	uint64_t avx512 = value & XCR0_AVX512, mpx = value & XCR0_MPX, amx = value & XCR0_AMX;
	if (!(value & XCR0_X87) || (value & ~supported))
		return false;
	if ((value & XCR0_AVX) && !(value & XCR0_SSE))
		return false;
	if (avx512 && (avx512 != XCR0_AVX512 || !(value & XCR0_AVX)))
		return false;
	return (!mpx || mpx == XCR0_MPX) && (!amx || amx == XCR0_AMX);
}

/*
 * A vCPU's SSE registers, as SYS_THREAD_READ_REGS and WRITE_REGS with
 * REGS_SSE (moat/abi.h) move them through the caller's utcb->mr (words
 * 0-32, in place of a message):
 * never part of an exit message, so the exits that need no vector register
 * carry none (docs/vm-exit-protocol.md, "Vector registers").
 */
struct vm_sse_regs {
	uint64_t xmm[16][2]; /* xmm0-15: bits 63:0, then bits 127:64 */
	uint64_t mxcsr;      /* a write is refused with a bit set the CPU's MXCSR_MASK lacks */
};

/*
 * A vCPU's x87 and MMX state, as REGS_X87 moves it: the first 160 bytes
 * of its FXSAVE image (Intel SDM vol. 1, 10.5.1): control, status and
 * abridged tag words, opcode, instruction and data pointers, then ST0-ST7
 * (MM0-MM7 are the physical registers R0-R7 under them, ST(i) being
 * R((TOP + i) mod 8)), 16 bytes each.  Bytes 24-31 are MXCSR and its mask:
 * REGS_SSE's, read as they are and ignored on a write.
 */
#define VM_X87_BYTES 160
struct vm_x87_regs {
	uint64_t image[VM_X87_BYTES / 8];
};

/* SYS_VCPU_CONFIGURE flags. */
#define VCPU_KERNEL_CPUID 1u  /* measurement only: the kernel answers CPUID itself */

#endif
