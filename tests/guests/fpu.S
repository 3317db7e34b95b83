/* guest: load=0x8000 mode=protected */
/*
 * fpu: the guest's SSE (and AVX) state is its own, and so is its XCR0.
 * It checks that CPUID describes the switched state consistently, that
 * XCR0 starts as after reset (x87), that CPUID's OSXSAVE follows CR4 at
 * once, that XSETBV(x87|SSE) is what XGETBV reads after an exit and what
 * leaf 0xD's size describes, while the VMM finds its own XCR0 unchanged
 * (the probe port), then enables everything and keeps a value in xmm0
 * (and ymm0's upper half) through many exits to the VMM: port I/O, CPUID
 * (the fast path), and the FPU probe port, where the VMM looks for the
 * value in its own registers and puts others there.
 *
 * Failure codes (port 0xF0):
 *   1  CPUID leaf 0xD subleaf 0: EAX lacks x87 or SSE
 *   2  leaf 1's AVX bit and leaf 0xD's AVX component disagree
 *   3  leaf 0xD subleaf 0: EBX (area size) < 576 or ECX < EBX
 *   4  XGETBV after the guest's XSETBV(x87|SSE) and an exit is not x87|SSE
 *   7  CPUID leaf 1 lacks OSXSAVE right after the guest set CR4.OSXSAVE
 *   8  XGETBV before any XSETBV is not x87 alone (the reset value)
 *   9  leaf 0xD subleaf 0 EBX is not 576 (x87 and SSE's image) with XCR0 x87|SSE
 *  10  XGETBV after XSETBV of the whole set CPUID reports is not that set
 *  11  leaf 0xD subleaf 0 EBX (the image for XCR0) is not ECX (the image for
 *      the whole set) right after XSETBV of the whole set
 *   5  xmm0 lost its value across exits
 *   6  ymm0's upper half lost its value across exits
 *   0x100 | bits  the FPU probe port's report (PROBE_* in servers/vmm/vmm.h):
 *         1 the VMM saw xmm0, 2 it saw ymm0's upper half, 4 XCR0 changed,
 *         8 the kernel does not switch the state
 */
#include "guest.h"

	.set	FPUPROBE, 0xFC
	.set	SECRET, 0x600df00d
	.set	ROUNDS, 200

	.code32
	.text
	.globl	start

start:
	movl	%cr0, %eax
	andl	$~0xc, %eax		/* EM and TS off */
	orl	$2, %eax		/* MP */
	movl	%eax, %cr0
	movl	%cr4, %eax
	orl	$0x600, %eax		/* OSFXSR, OSXMMEXCPT */
	movl	%eax, %cr4
	xorl	%edi, %edi		/* EDI: 1 when AVX is on */

	movl	$1, %eax
	xorl	%ecx, %ecx
	cpuid
	testl	$(1 << 26), %ecx	/* XSAVE */
	jz	vectors
	movl	%ecx, %esi		/* ESI: leaf 1 ECX */
	movl	$0xd, %eax
	xorl	%ecx, %ecx
	cpuid
	movl	%eax, %ebp		/* EBP: the XCR0 bits CPUID reports */
	andl	$3, %eax
	EXPECT	3, %eax, 1
	movl	%esi, %eax
	shrl	$28, %eax
	andl	$1, %eax
	movl	%ebp, %edx
	shrl	$2, %edx
	andl	$1, %edx
	cmpl	%eax, %edx
	je	1f
	FAIL	2
1:	cmpl	$576, %ebx
	jae	1f
	FAIL	3
1:	cmpl	%ebx, %ecx
	jae	1f
	FAIL	3
1:
	movl	%cr4, %eax
	orl	$(1 << 18), %eax	/* OSXSAVE: an exit (VMX: an owned bit; SVM: every CR4 write) */
	movl	%eax, %cr4
	movl	$1, %eax
	xorl	%ecx, %ecx
	cpuid
	testl	$(1 << 27), %ecx	/* OSXSAVE at once, not at some later exit */
	jnz	1f
	FAIL	7
1:	xorl	%ecx, %ecx
	xgetbv
	EXPECT	1, %eax, 8		/* XCR0 after reset: x87 */
	xorl	%ecx, %ecx		/* XSETBV: x87 and SSE only; the vCPU's XCR0 */
	xorl	%edx, %edx
	movl	$3, %eax
	xsetbv
	movw	$SCRATCH, %dx		/* an exit: XCR0 must be the guest's again after it */
	outl	%eax, %dx
	xorl	%ecx, %ecx
	xgetbv
	EXPECT	3, %eax, 4
	movl	$0xd, %eax
	xorl	%ecx, %ecx
	cpuid
	EXPECT	576, %ebx, 9
	movl	$0x5ca1ab1e, %eax	/* the VMM checks its own XCR0 is the kernel's meanwhile */
	movw	$FPUPROBE, %dx
	outl	%eax, %dx
	xorl	%ecx, %ecx		/* everything reported, as an OS would */
	xorl	%edx, %edx
	movl	%ebp, %eax
	xsetbv
	movl	$0xd, %eax		/* and the size of its image at once, as Linux asks */
	xorl	%ecx, %ecx
	cpuid
	cmpl	%ebx, %ecx
	je	1f
	FAIL	11
1:	movw	$SCRATCH, %dx
	outl	%eax, %dx
	xorl	%ecx, %ecx
	xgetbv
	cmpl	%ebp, %eax
	je	1f
	FAIL	10
1:	testl	$4, %ebp
	jz	vectors
	movl	$1, %edi

vectors:
	movl	$SECRET, %eax
	movd	%eax, %xmm0
	pshufd	$0, %xmm0, %xmm0
	testl	%edi, %edi
	jz	1f
	vinsertf128 $1, %xmm0, %ymm0, %ymm0
1:	movl	$ROUNDS, %esi

round:
	movl	$SECRET, %eax		/* the VMM looks for it in its own registers */
	movw	$FPUPROBE, %dx
	outl	%eax, %dx
	xorl	%eax, %eax		/* a CPUID exit: the IPC fast path */
	xorl	%ecx, %ecx
	cpuid
	movw	$SCRATCH, %dx		/* an I/O exit */
	outl	%eax, %dx
	movd	%xmm0, %eax
	EXPECT	SECRET, %eax, 5
	pshufd	$0xff, %xmm0, %xmm1
	movd	%xmm1, %eax
	EXPECT	SECRET, %eax, 5
	testl	%edi, %edi
	jz	1f
	vextractf128 $1, %ymm0, %xmm1
	movd	%xmm1, %eax
	EXPECT	SECRET, %eax, 6
	pshufd	$0xff, %xmm1, %xmm1
	movd	%xmm1, %eax
	EXPECT	SECRET, %eax, 6
1:	decl	%esi
	jnz	round

	movw	$FPUPROBE, %dx
	inl	%dx, %eax
	testl	%eax, %eax
	jz	report
	orl	$0x100, %eax
	REPORT
