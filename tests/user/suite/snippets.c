/*
 * Machine code the cases run in other threads.
 *
 * snip_*: position-independent pieces copied into a frame and run by a
 * thread of a second task.  They use no stack and no data, only registers
 * and syscalls, and find their endpoint in CHILD_EP_SLOT of their task.
 *
 * probe_*: small functions for helper threads in the suite's own task,
 * with labels around the instruction that faults, so a case knows the rip
 * a fault message must carry and where to resume.
 */
#include "suite.h"

volatile uint64_t probe_landing_value;

/* Never called: its only job is to emit the code below into .text with the ABI constants. */
__attribute__((used)) static void snippets(void)
{
	asm volatile(
		".pushsection .text.snippets, \"ax\"\n"

		/* Server: rdi = endpoint slot; answers each call with mr0 + 1. */
		".globl snip_echo, snip_echo_end\n"
		"snip_echo:\n"
		"	movq %%rdi, %%rbx\n"
		"	movl %[recv], %%eax\n"
		"	syscall\n"
		"1:	testq %%rax, %%rax\n"
		"	jnz 2f\n"
		"	incq %%rdx\n"
		"	movq %%rbx, %%rdi\n"
		"	movl %[reply_recv], %%eax\n"
		"	syscall\n"
		"	jmp 1b\n"
		"2:	ud2\n"
		"snip_echo_end:\n"

		/* Counts for ever: increments the word at rdi (a CPU budget's spinner). */
		".globl snip_spin, snip_spin_end\n"
		"snip_spin:\n"
		"1:	incq (%%rdi)\n"
		"	jmp 1b\n"
		"snip_spin_end:\n"

		/* Reads port rdi and calls the endpoint with the byte in mr0. */
		".globl snip_inb, snip_inb_in, snip_inb_end\n"
		"snip_inb:\n"
		"	movl %%edi, %%edx\n"
		"snip_inb_in:\n"
		"	inb %%dx, %%al\n"
		"	movzbl %%al, %%edx\n"
		"	movl %[ep], %%edi\n"
		"	movq %[tag1], %%rsi\n"
		"	movl %[call], %%eax\n"
		"	syscall\n"
		"	ud2\n"
		"snip_inb_end:\n"

		/*
		 * Extended-state secrets: rdi bit 0 adds SSE, bit 1 AVX.  Loads pi
		 * into st(0), FPU_SECRET into xmm0 (and ymm0's upper half), calls
		 * the endpoint (label 1) and, once answered, calls again (label 2)
		 * with mr0 = the checks that failed: 1 st(0), 2 xmm0, 4 ymm0 high.
		 */
		".globl snip_fpu_secret, snip_fpu_secret_end\n"
		"snip_fpu_secret:\n"
		"	movq %%rdi, %%r12\n"
		"	fninit\n"
		"	fldpi\n"
		"	movabsq %[secret], %%r13\n"
		"	testq $1, %%r12\n"
		"	jz 1f\n"
		"	movq %%r13, %%xmm0\n"
		"	testq $2, %%r12\n"
		"	jz 1f\n"
		"	vinsertf128 $1, %%xmm0, %%ymm0, %%ymm0\n"
		"1:	movl %[ep], %%edi\n"
		"	movq %[tag_hold], %%rsi\n"
		"	movl %[call], %%eax\n"
		"	syscall\n"
		"	xorl %%ebx, %%ebx\n"
		"	fldpi\n"
		"	fucomip %%st(1), %%st\n"
		"	jnz 2f\n"
		"	jnp 3f\n"
		"2:	orl $1, %%ebx\n"
		"3:	testq $1, %%r12\n"
		"	jz 4f\n"
		"	movq %%xmm0, %%rax\n"
		"	cmpq %%r13, %%rax\n"
		"	je 5f\n"
		"	orl $2, %%ebx\n"
		"5:	testq $2, %%r12\n"
		"	jz 4f\n"
		"	vextractf128 $1, %%ymm0, %%xmm1\n"
		"	movq %%xmm1, %%rax\n"
		"	cmpq %%r13, %%rax\n"
		"	je 4f\n"
		"	orl $4, %%ebx\n"
		"4:	movq %%rbx, %%rdx\n"
		"	movl %[ep], %%edi\n"
		"	movq %[tag_report], %%rsi\n"
		"	movl %[call], %%eax\n"
		"	syscall\n"
		"	ud2\n"
		"snip_fpu_secret_end:\n"

		/*
		 * FS and GS bases (FSGSBASE): calls the endpoint with the bases
		 * it starts with in mr0 and mr1 (label 1); once answered, sets
		 * its own, rdi and rdi + 0x1000, and calls (label 2); once
		 * answered again, calls with the bases it then has (label 3).
		 */
		".globl snip_read_bases, snip_read_bases_end\n"
		"snip_read_bases:\n"
		"	movq %%rdi, %%rbx\n"
		"	rdfsbase %%rdx\n"
		"	rdgsbase %%r10\n"
		"	movl %[ep], %%edi\n"
		"	movq %[tag_bases1], %%rsi\n"
		"	movl %[call], %%eax\n"
		"	syscall\n"
		"	wrfsbase %%rbx\n"
		"	leaq 0x1000(%%rbx), %%rax\n"
		"	wrgsbase %%rax\n"
		"	movl %[ep], %%edi\n"
		"	movq %[tag_bases2], %%rsi\n"
		"	movl %[call], %%eax\n"
		"	syscall\n"
		"	rdfsbase %%rdx\n"
		"	rdgsbase %%r10\n"
		"	movl %[ep], %%edi\n"
		"	movq %[tag_bases3], %%rsi\n"
		"	movl %[call], %%eax\n"
		"	syscall\n"
		"	ud2\n"
		"snip_read_bases_end:\n"

		/* Probes: the first instruction is the one that may fault. */
		".globl probe_read, probe_read_after\n"
		".type probe_read, @function\n"
		"probe_read:\n"
		"	movq (%%rdi), %%rax\n"
		"probe_read_after:\n"
		"	ret\n"

		".globl probe_write, probe_write_after\n"
		".type probe_write, @function\n"
		"probe_write:\n"
		"	movq %%rsi, (%%rdi)\n"
		"probe_write_after:\n"
		"	ret\n"

		".globl probe_ud2, probe_ud2_after\n"
		".type probe_ud2, @function\n"
		"probe_ud2:\n"
		"	ud2\n"
		"probe_ud2_after:\n"
		"	ret\n"

		".globl probe_inb\n"
		".type probe_inb, @function\n"
		"probe_inb:\n"
		"	movl %%edi, %%edx\n"
		"	inb %%dx, %%al\n"
		"	movzbl %%al, %%eax\n"
		"	ret\n"

		/* Loads known values, then spins: for reading registers. */
		".globl probe_regs_spin, probe_regs_spin_loop\n"
		"probe_regs_spin:\n"
		"	movabsq %[rbx], %%rbx\n"
		"	movabsq %[r12], %%r12\n"
		"	movabsq %[r15], %%r15\n"
		"probe_regs_spin_loop:\n"
		"	pause\n"
		"	jmp probe_regs_spin_loop\n"

		/* Where written registers send a thread: stores rdi, then spins. */
		".globl probe_regs_landing\n"
		"probe_regs_landing:\n"
		"	movq %%rdi, probe_landing_value(%%rip)\n"
		"3:	pause\n"
		"	jmp 3b\n"

		".popsection\n"
		:
		: [recv] "i"(SYS_RECV), [reply_recv] "i"(SYS_REPLY_RECV), [call] "i"(SYS_CALL),
		  [ep] "i"(CHILD_EP_SLOT), [tag1] "i"(MSG_TAG(1, 1, 0)), [rbx] "i"(PROBE_RBX),
		  [r12] "i"(PROBE_R12), [r15] "i"(PROBE_R15), [secret] "i"(FPU_SECRET),
		  [tag_hold] "i"(MSG_TAG(1, 0, 0)), [tag_report] "i"(MSG_TAG(2, 1, 0)),
		  [tag_bases1] "i"(MSG_TAG(1, 2, 0)), [tag_bases2] "i"(MSG_TAG(2, 0, 0)),
		  [tag_bases3] "i"(MSG_TAG(3, 2, 0)));
}
