/*
 * Program entry.  The creator starts the thread with rsp = the top of its
 * stack and rdi = an argument (the startinfo address); crt0 makes a fresh
 * 16-byte aligned frame, calls main(arg) and hands its result to task_exit.
 */
	.section .text._start, "ax"
	.globl _start
	.type _start, @function
_start:
	xorl	%ebp, %ebp		/* the end of the frame-pointer chain */
	andq	$-16, %rsp		/* the ABI wants rsp % 16 == 0 at each call */
	call	main			/* rdi still holds the argument */
	movl	%eax, %edi
	call	task_exit
	ud2				/* task_exit does not return */
	.size _start, . - _start

	.section .note.GNU-stack, "", @progbits
