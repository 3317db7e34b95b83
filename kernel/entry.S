/*
 * Interrupt and exception entry.  Every vector has a stub that makes the
 * stack look the same (a dummy error code where the CPU pushes none, then
 * the vector number), and one common path saves the registers as a
 * struct trap_frame (trap.h) and calls trap_dispatch(frame).
 */
#include "layout.h"

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
	.if HAS_ERROR(vec) == 0
	pushq	$0
	.endif
	pushq	$vec
	jmp	trap_common
	vec = vec + 1
	.endr

trap_common:
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
	mov	%rsp, %rdi
	cld
	call	trap_dispatch
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
	add	$16, %rsp		/* vector and error code */
	iretq


	.section .note.GNU-stack, "", @progbits
