/*
 * Interrupt and exception entry.  Every vector has a stub that makes the
 * stack look the same (a dummy error code where the CPU pushes none, then
 * the vector number), and one common path saves the registers as a
 * struct trap_frame (trap.h) and calls trap_dispatch(frame).
 *
 * GS: in ring 0 the kernel's GS base is this CPU's struct cpu (percpu.h)
 * and KERNEL_GS_BASE holds the task's.  Every way in from ring 3 starts
 * with SWAPGS and every way out ends with one, as late as it can, so that
 * only the instructions between SYSCALL and the first SWAPGS, and between
 * the last SWAPGS and SYSRET/IRETQ, run in ring 0 on the task's GS.  Only
 * two kinds of event can land there: an IRETQ that faults (trap_common
 * knows its address) and NMI, #DF and #MC (trap_paranoid).
 */
#include "fastpath.h"
#include "layout.h"
#include "percpu.h"
#include "trap.h"


#define MSR_GS_BASE_ASM 0xc0000101 /* MSR_GS_BASE (x86regs.h) */

/*
 * percpu.h: the origin of %gs-relative addresses, as a symbol of value 0.
 * Defined here, in a file that makes no such access: where it is defined,
 * the assembler would resolve a RIP-relative use against the section.
 */
	.globl percpu_origin
	.set percpu_origin, 0

/* Vectors for which the CPU pushes an error code. */
#define HAS_ERROR(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || (v) == 21 || \
		      (v) == 29 || (v) == 30)

	.text
	/* 256 stubs of 16 bytes each: the IDT finds stub v at trap_stubs + 16 * v. */
	.balign 16
	.globl trap_stubs
trap_stubs:
	vec = 0
	.rept	256
	.balign 16
	.if vec == 1			/* #DB: first a look where it came (trap_debug) */
	jmp	trap_debug
	.else
	.if HAS_ERROR(vec) == 0
	pushq	$0
	.endif
	pushq	$vec
	.if vec == 2 || vec == 8 || vec == 18	/* NMI, #DF, #MC: on IST stacks */
	jmp	trap_paranoid
	.else
	jmp	trap_common
	.endif
	.endif
	vec = vec + 1
	.endr

/*
 * #DB.  One comes from a guest, not from the kernel: a guest's
 * single-step trap on an instruction that exited, which the CPU delivers
 * to the host at svm_guest_exit, the instruction after VMRUN (Bochs 2.7;
 * AMD erratum 246 on family 10h).  The instruction never ended in the
 * guest, so the trap belongs to nobody, and it goes back at once: it came
 * on the guest's GS base, with RSP inside the vCPU thread's registers
 * (&regs.vector), so it may use neither GS nor more stack than the CPU's
 * frame, which lands in register slots svm_launch writes next.  (Not an
 * IST stack: the CPU would take the IST pointer from the guest's TR.)
 * Any other #DB goes the common way.  The address compare is a
 * sign-extended 32-bit immediate: kernel text lies in the top 2 GiB.
 */
trap_debug:
	testb	$3, 8(%rsp)		/* CS: from ring 0? */
	jnz	1f
	cmpq	$svm_guest_exit, (%rsp)	/* RIP (a #DB pushes no error code) */
	jne	1f
	iretq
1:	pushq	$0
	pushq	$1
	jmp	trap_common

.macro PUSH_GPRS
	pushq	%rax
	pushq	%rbx
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	pushq	%rbp
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
.endm

.macro POP_GPRS
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rbp
	popq	%rdi
	popq	%rsi
	popq	%rdx
	popq	%rcx
	popq	%rbx
	popq	%rax
.endm

#define FRAME_RAX (8 * 14)	/* PUSH_GPRS pushed it first */
#define FRAME_VECTOR (8 * 15)	/* after the 15 registers */
#define FRAME_ERROR (8 * 16)
#define FRAME_RIP (8 * 17)	/* 15 registers, vector, error code */
#define FRAME_CS (8 * 18)
#define FRAME_END (8 * 22)	/* rip, cs, rflags, rsp, ss */

/*
 * From user mode the CPU has switched to TSS.rsp0, the end of the current
 * thread's saved registers, so the frame lands in struct thread; we then
 * move to the kernel stack, which holds nothing across a block, and never
 * come back here: the way out is return_to_user.
 *
 * From ring 0, GS is the kernel's, except when enter_user's IRETQ refused
 * the task's frame: that fault comes after enter_user's SWAPGS, so it
 * swaps back (as Linux's error_entry does for its IRET), and the kernel
 * then leaves through return_to_user, whose SWAPGS pairs with this one.
 */
trap_common:
	PUSH_GPRS
	mov	%rsp, %rdi
	cld
	testb	$3, FRAME_CS(%rsp)
	jz	1f
	swapgs				/* from user mode: this CPU's struct cpu */
trap_user:
	mov	%gs:CPU_STACK_TOP, %rsp
	pushq	$2			/* from user mode: AC too is the user's, not ours */
	popfq
	call	trap_from_user
	ud2
1:	lea	enter_user_iret(%rip), %rax
	cmp	%rax, FRAME_RIP(%rsp)
	jne	2f
	swapgs				/* the IRETQ to the task faulted: GS was the task's */
2:	call	trap_dispatch
	POP_GPRS
	add	$16, %rsp		/* vector and error code */
	iretq

/*
 * NMI, #DF and #MC, each on an IST stack of its own CPU.  They can strike
 * in ring 0 between SYSCALL and syscall_entry's SWAPGS, or between
 * enter_user's SWAPGS and its SYSRET or IRETQ, where GS is the task's (a
 * value the task chose, which may name kernel memory).  So from ring 0
 * this entry never guesses which GS it has: it saves the GS base as it
 * finds it, loads its CPU's struct cpu from the top of the IST stack
 * (gdt_build puts it there) and writes the saved base back before its
 * IRETQ.  From ring 3 GS is the task's and it joins trap_common.
 */
trap_paranoid:
	PUSH_GPRS
	mov	%rsp, %rdi
	cld
	testb	$3, FRAME_CS(%rsp)
	jz	1f
	swapgs
	jmp	trap_user
1:	mov	$MSR_GS_BASE_ASM, %ecx
	rdmsr
	mov	%eax, %r12d		/* r12, r13: kept across the call (saved in the frame) */
	mov	%edx, %r13d
	mov	FRAME_END(%rsp), %rax	/* struct cpu *, at the IST stack's top */
	mov	%rax, %rdx
	shr	$32, %rdx
	wrmsr
	call	trap_dispatch
	mov	$MSR_GS_BASE_ASM, %ecx
	mov	%r12d, %eax
	mov	%r13d, %edx
	wrmsr
	POP_GPRS
	add	$16, %rsp
	iretq

/*
 * syscall: RCX = user rip, R11 = user rflags, interrupts off (SFMASK).
 * Build the same frame as an interrupt would, in the thread's registers.
 */
	.globl syscall_entry
syscall_entry:
	swapgs				/* this CPU's struct cpu (percpu.h) */
	mov	%rsp, %gs:CPU_USER_RSP
	mov	%gs:CPU_TSS_RSP0, %rsp	/* the end of current->regs */
	pushq	$SEL_UDATA
	pushq	%gs:CPU_USER_RSP
	pushq	%r11
	pushq	$SEL_UCODE
	pushq	%rcx
	pushq	$0			/* error code */
	pushq	$VEC_SYSCALL
	PUSH_GPRS
	mov	%rsp, %rdi		/* &current->regs, for the fast path */
	mov	%gs:CPU_STACK_TOP, %rsp
	cld
	/*
	 * The big kernel lock, bkl_lock's steps inline (bkl.h): every
	 * instruction here is one of the IPC fast path's.
	 */
	mov	%eax, %gs:CPU_BKL_REASON /* BKL_REASON_SYSCALL + the number */
	mov	$1, %ecx
	lock xadd %ecx, bkl(%rip)	/* ecx: our ticket */
	cmp	bkl+4(%rip), %ecx	/* bkl.owner */
	jne	3f
4:	rdtsc
	mov	%eax, %gs:CPU_BKL_SINCE
	movb	$1, %gs:CPU_BKL_HELD
	cmpq	$0, %gs:CPU_CURRENT
	je	5f			/* another CPU took this thread while we waited */
	mov	FRAME_RAX(%rdi), %rax	/* (rdtsc took it) */
	cmp	$FASTPATH_SYS_CALL, %rax
	jne	1f
	call	fastpath_call		/* returns only if the general path is needed */
	jmp	2f
1:	cmp	$FASTPATH_SYS_REPLY_RECV, %rax
	jne	2f
	call	fastpath_reply_recv
2:	call	syscall_dispatch
	ud2
3:	push	%rdi
	push	%rdi			/* (twice: the call wants rsp 16-byte aligned) */
	mov	%ecx, %edi
	call	bkl_spin		/* running the cross calls asked of this CPU meanwhile */
	pop	%rdi
	pop	%rdi
	jmp	4b
5:	call	return_to_user		/* the syscall starts again when the thread next runs */
	ud2

/*
 * enter_user(regs): load a thread's saved registers and return to ring 3.
 * A frame saved by syscall_entry leaves with sysret (rcx and r11 belong to
 * the kernel across a syscall); any other frame, whose every register
 * matters, with iretq.
 *
 * Neither may fault in ring 0 with a frame the kernel cannot handle.  On
 * Intel a sysret to a non-canonical rip raises #GP at CPL 0 after rsp is
 * already the user's (the CVE-2012-0217 class), so sysret takes only a rip
 * below USER_TOP (the top user page is never mapped, so the rip after a
 * syscall, or of the syscall itself when it restarts, always is; the check
 * is the guard).  Everything else leaves by
 * iretq from a copy of the frame on the kernel stack: if iretq faults (on
 * Intel it does for a non-canonical rip too), the exception lands there,
 * and trap_dispatch sees it at enter_user_iret and makes it the thread's
 * own fault.  The SWAPGS that gives the task its GS base is the last
 * instruction before SYSRETQ or IRETQ.
 */
#define USER_TOP_ASM 0x00007ffffffff000	/* USER_TOP (moat/abi.h) */
#define IRET_COPY (-40)			/* from this CPU's kernel stack top */

	.globl enter_user
enter_user:
	mov	%rdi, %rsp
	cmpq	$VEC_SYSCALL, FRAME_VECTOR(%rsp)
	jne	1f
	movabs	$USER_TOP_ASM, %rax
	cmp	%rax, FRAME_RIP(%rsp)
	jae	1f
	POP_GPRS
	mov	16(%rsp), %rcx		/* rip */
	mov	32(%rsp), %r11		/* rflags */
	mov	40(%rsp), %rsp		/* user stack: interrupts stay off until sysret */
	swapgs
	sysretq
1:	mov	%gs:CPU_STACK_TOP, %rcx
	.irp	word, 0, 1, 2, 3, 4	/* rip, cs, rflags, rsp, ss */
	mov	FRAME_RIP + 8 * \word(%rsp), %rax
	mov	%rax, IRET_COPY + 8 * \word(%rcx)
	.endr
	POP_GPRS
	mov	%gs:CPU_STACK_TOP, %rsp
	lea	IRET_COPY(%rsp), %rsp
	swapgs
	.globl enter_user_iret
enter_user_iret:
	iretq

/*
 * vmx_launch(regs, launched): load the guest's general registers from the
 * vCPU thread and enter the guest.  Returns (on the kernel stack, to
 * vmx_entry_failed) only if VMLAUNCH/VMRESUME itself fails.
 */
	.globl vmx_launch
vmx_launch:
	mov	%rdi, %rsp
	test	%esi, %esi		/* POP_GPRS leaves the flags alone */
	POP_GPRS
	jnz	1f
	vmlaunch
	jmp	2f
1:	vmresume
2:	mov	%gs:CPU_STACK_TOP, %rsp	/* a failed entry loads no host state: GS is ours */
	call	vmx_entry_failed
	ud2

/*
 * A VM exit lands here with RSP = HOST_RSP = &thread->regs.vector of the
 * vCPU's thread, so the pushes save the guest's registers in place.
 */
	.globl vmx_exit_entry
vmx_exit_entry:
	PUSH_GPRS
	mov	%gs:CPU_STACK_TOP, %rsp	/* the exit loaded GS base from HOST_GS_BASE */
	cld
	call	vmx_exit
	ud2

/*
 * svm_launch(regs, vmcb, host_state): VMRUN the guest.  RAX names the VMCB
 * (the guest's RAX lives in it), so the frame's RAX slot is filled in from
 * the VMCB by svm_exit.  After the exit no register is free and GS is the
 * guest's, so the two addresses the exit needs (the VMCB and this CPU's
 * host state, percpu->svm_host_state) wait in the frame's vector and
 * error-code words, just above the host RSP.  With V_INTR_MASKING the host's IF at VMRUN is what lets a
 * physical interrupt exit the guest, hence the STI; GIF, clear since CLGI,
 * keeps interrupts off until VMRUN sets it.  #VMEXIT
 * returns here with the host's RSP (&regs.vector) and GIF clear.
 *
 * VMRUN and #VMEXIT leave FS, GS, TR, LDTR, KernelGSBase and the syscall
 * and SYSENTER MSRs alone: VMLOAD puts the guest's in before VMRUN, and
 * after the exit VMSAVE keeps them in the VMCB and VMLOAD brings back the
 * host's (svm.c).  GIF stays clear from before the first VMLOAD until the
 * host's are back, so no interrupt or NMI ever runs on the guest's TR.
 */
	.globl svm_launch
svm_launch:
	mov	%rsi, FRAME_VECTOR(%rdi) /* (a vCPU's frame has no use for these two) */
	mov	%rdx, FRAME_ERROR(%rdi)
	clgi
	mov	%rsi, %rax
	vmload	%rax
	mov	%rdi, %rsp
	POP_GPRS
	mov	(%rsp), %rax		/* the VMCB, from the frame's vector word */
	sti
	nop			/* QEMU would carry STI's shadow into the guest (vcpu_svm.c) */
	vmrun	%rax
	.globl svm_guest_exit
svm_guest_exit:			/* trap_debug knows this address */
	cli
	PUSH_GPRS
	mov	FRAME_VECTOR(%rsp), %rax
	vmsave	%rax
	mov	FRAME_ERROR(%rsp), %rax
	vmload	%rax			/* GS base: this CPU's struct cpu again */
	stgi
	mov	%gs:CPU_STACK_TOP, %rsp
	cld
	call	svm_exit
	ud2

	.section .note.GNU-stack, "", @progbits
