/* guest: load=0x8000 mode=protected */
/*
 * cr: control-register accesses that the VMM intercepts or shadows.
 *   CR0: PE set, PG clear; toggle MP (bit 1) with MOV and read it back;
 *        set TS with MOV then CLTS; SMSW agrees with MOV from CR0; LMSW
 *        can set MP; toggle NE, which VMX keeps set, so the write exits.
 *   CR4: set/clear PSE (bit 4); VMXE (bit 13) must read as 0 (hidden).
 *   CR3: paging is off, so any value can be stored and read back.
 *   WBINVD, which exits on both backends: the VMM takes it and goes on
 *   (a VMM without it stops the guest with "unhandled exit").
 *
 * Failure codes (port 0xF0):
 *   1  CR0.PE clear in a protected-mode guest
 *   2  CR0.PG set (paging must be off)
 *   3  CR0.MP toggle not visible on read-back
 *   4  CR0 after restoring MP != original CR0
 *   5  CR4.PSE set but reads back clear
 *   6  CR4.PSE cleared but reads back set (or other CR4 bits changed)
 *   7  CR4.VMXE visible to the guest
 *   8  CR3 = 0x5000 reads back wrong
 *   9  CR3 = 0x6000 reads back wrong
 *  10  CR0.TS set by MOV not visible, or CLTS did not clear it
 *  11  SMSW != low 16 bits of CR0
 *  12  LMSW with MP set: CR0.MP not set, or other bits changed
 *  13  CR0.NE (kept set by VMX, so writing it exits) does not read back as written
 */
#include "guest.h"

	.code32
	.text
	.globl	start

	.set	CR0_PE, 1 << 0
	.set	CR0_MP, 1 << 1
	.set	CR0_TS, 1 << 3
	.set	CR0_NE, 1 << 5
	.set	CR0_PG, 1 << 31
	.set	CR4_PSE, 1 << 4
	.set	CR4_VMXE, 1 << 13

start:
	/* ---- CR0 ---- */
	movl	%cr0, %esi		/* ESI = original CR0 */
	testl	$CR0_PE, %esi
	jnz	1f
	FAIL	1
1:	testl	$CR0_PG, %esi
	jz	1f
	FAIL	2
1:	movl	%esi, %eax
	xorl	$CR0_MP, %eax
	movl	%eax, %cr0
	movl	%cr0, %ebx
	cmpl	%eax, %ebx
	je	1f
	FAIL	3
1:	movl	%esi, %cr0
	movl	%cr0, %ebx
	cmpl	%esi, %ebx
	je	1f
	FAIL	4
1:
	/* TS: set with MOV, clear with CLTS */
	movl	%esi, %eax
	orl	$CR0_TS, %eax
	movl	%eax, %cr0
	movl	%cr0, %ebx
	testl	$CR0_TS, %ebx
	jnz	1f
	FAIL	10
1:	clts
	movl	%cr0, %ebx
	movl	%esi, %eax
	andl	$~CR0_TS, %eax
	cmpl	%eax, %ebx
	je	1f
	FAIL	10
1:	movl	%eax, %cr0
	movl	%eax, %esi		/* ESI = CR0 with TS clear */

	/* SMSW */
	xorl	%eax, %eax
	smsw	%ax
	movl	%esi, %ebx
	andl	$0xFFFF, %ebx
	cmpl	%ebx, %eax
	je	1f
	FAIL	11
1:
	/* LMSW can set MP (and never clears PE) */
	movl	%esi, %eax
	andl	$~CR0_MP, %eax
	movl	%eax, %cr0		/* MP clear */
	movl	%eax, %edi
	orl	$CR0_MP, %eax
	lmsw	%ax
	movl	%cr0, %ebx
	cmpl	%eax, %ebx
	je	1f
	FAIL	12
1:	movl	%esi, %cr0		/* restore */

	/* CR0.NE is a bit VMX keeps set: writing it exits to the VMM, and the
	 * guest must still read back what it wrote (through the read shadow). */
	movl	%esi, %eax
	xorl	$CR0_NE, %eax
	movl	%eax, %cr0
	movl	%cr0, %ebx
	cmpl	%eax, %ebx
	je	1f
	FAIL	13
1:	movl	%esi, %cr0
	movl	%cr0, %ebx
	cmpl	%esi, %ebx
	je	1f
	FAIL	13
1:

	/* ---- CR4 ---- */
	movl	%cr4, %esi
	testl	$CR4_VMXE, %esi
	jz	1f
	FAIL	7
1:	movl	%esi, %eax
	orl	$CR4_PSE, %eax
	movl	%eax, %cr4
	movl	%cr4, %ebx
	testl	$CR4_PSE, %ebx
	jnz	1f
	FAIL	5
1:	testl	$CR4_VMXE, %ebx
	jz	1f
	FAIL	7
1:	movl	%esi, %eax
	andl	$~CR4_PSE, %eax
	movl	%eax, %cr4
	movl	%cr4, %ebx
	cmpl	%eax, %ebx
	je	1f
	FAIL	6
1:	movl	%esi, %cr4		/* restore */

	/* ---- CR3 ---- */
	movl	%cr3, %esi
	movl	$0x5000, %eax
	movl	%eax, %cr3
	movl	%cr3, %ebx
	cmpl	$0x5000, %ebx
	je	1f
	FAIL	8
1:	movl	$0x6000, %eax
	movl	%eax, %cr3
	movl	%cr3, %ebx
	cmpl	$0x6000, %ebx
	je	1f
	FAIL	9
1:	movl	%esi, %cr3		/* restore */

	wbinvd				/* cache control, as Linux's AP bring-up does */
	xorl	%eax, %eax		/* pass */

	REPORT
