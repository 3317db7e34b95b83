/*
 * The x86 architecture's names for register bits and MSR numbers (Intel
 * SDM vol. 3), one definition for the kernel (through x86.h) and for user
 * programs that deal in guest state, such as the VMM.
 */
#ifndef X86REGS_H
#define X86REGS_H

#define RFLAGS_FIXED (1UL << 1) /* reads as 1 always */
#define RFLAGS_TF   (1UL << 8)
#define RFLAGS_IF   (1UL << 9)
#define RFLAGS_DF   (1UL << 10)
#define RFLAGS_IOPL (3UL << 12)
#define RFLAGS_NT   (1UL << 14)
#define RFLAGS_RF   (1UL << 16)
#define RFLAGS_AC   (1UL << 18)

#define MSR_TSC              0x10
#define MSR_APIC_BASE        0x1B
#define MSR_FEATURE_CONTROL  0x3A
#define MSR_PAT              0x277
#define MSR_EFER             0xC0000080
#define MSR_STAR             0xC0000081
#define MSR_LSTAR            0xC0000082
#define MSR_CSTAR            0xC0000083
#define MSR_SFMASK           0xC0000084
#define MSR_FS_BASE          0xC0000100
#define MSR_GS_BASE          0xC0000101
#define MSR_KERNEL_GS_BASE   0xC0000102
#define MSR_TSC_AUX          0xC0000103
#define MSR_DEBUGCTL         0x1D9
#define DEBUGCTL_LBR         (1ULL << 0)
#define DEBUGCTL_BTF         (1ULL << 1)
#define MSR_SYSENTER_CS      0x174
#define MSR_SYSENTER_ESP     0x175
#define MSR_SYSENTER_EIP     0x176
#define EFER_SCE             (1ULL << 0)
#define EFER_LME             (1ULL << 8)
#define EFER_LMA             (1ULL << 10)
#define EFER_NXE             (1UL << 11)

#define CR0_PE  (1UL << 0)
#define CR0_MP  (1UL << 1)
#define CR0_EM  (1UL << 2)
#define CR0_TS  (1UL << 3)
#define CR0_ET  (1UL << 4)
#define CR0_NE  (1UL << 5)
#define CR0_WP  (1UL << 16)
#define CR0_NW  (1UL << 29)
#define CR0_CD  (1UL << 30)
#define CR0_PG  (1UL << 31)
#define CR4_DE  (1UL << 3)
#define CR4_PSE (1UL << 4)
#define CR4_PAE (1UL << 5)
#define CR4_PGE (1UL << 7)
#define CR4_LA57 (1UL << 12)
#define CR4_SMEP (1UL << 20)
#define CR4_SMAP (1UL << 21)
#define CR4_OSFXSR     (1UL << 9)
#define CR4_OSXMMEXCPT (1UL << 10)
#define CR4_UMIP       (1UL << 11)
#define CR4_FSGSBASE   (1UL << 16)
#define CR4_OSXSAVE    (1UL << 18)

/* XCR0: the state components XSAVE manages (Intel SDM vol. 1, 13.1). */
#define XCR0_X87    (1ULL << 0)
#define XCR0_SSE    (1ULL << 1)
#define XCR0_AVX    (1ULL << 2)
#define XCR0_MPX    (3ULL << 3)  /* BNDREGS, BNDCSR: both or neither */
#define XCR0_AVX512 (7ULL << 5)  /* opmask, ZMM_Hi256, Hi16_ZMM: all or none */
#define XCR0_AMX    (3ULL << 17) /* XTILECFG, XTILEDATA: both or neither */
#define XCR0_RESET  XCR0_X87     /* after power-on and reset: x87 alone */

/* The values a processor comes out of reset with, which a guest expects to find. */
#define PAT_POWER_ON         0x0007040600070406ULL
#define APIC_BASE_DEFAULT    0xfee00000ULL
#define APIC_BASE_BSP        (1ULL << 8)  /* this is the bootstrap processor */
#define APIC_BASE_EXTD       (1ULL << 10) /* x2APIC mode */
#define APIC_BASE_ENABLE     (1ULL << 11)

#endif
