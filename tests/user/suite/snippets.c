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
		  [r12] "i"(PROBE_R12), [r15] "i"(PROBE_R15));
}
