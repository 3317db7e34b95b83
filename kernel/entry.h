/*
 * Every symbol that crosses between C and the assembly files (boot.S,
 * entry.S), in one place: what the assembly defines for C, and the C
 * functions the assembly calls.
 */
#ifndef KERNEL_ENTRY_H
#define KERNEL_ENTRY_H

#include <stdbool.h>
#include <stdint.h>

struct trap_frame;

/* --- defined in assembly --- */

/*
 * The kernel's one stack (boot.S).  Every entry from user mode or from a
 * guest starts on it afresh; nothing on it survives a return to user mode
 * or a VM entry, because each thread's registers live in its struct thread.
 */
extern char kernel_stack_bottom[], kernel_stack_top[];
/* 256 interrupt and exception stubs of 16 bytes each, vector n at 16 * n (entry.S). */
extern const char trap_stubs[];
/* The SYSCALL entry point, IA32_LSTAR's target. */
void syscall_entry(void);
/* Loads a thread's saved registers and returns to ring 3 (sysret or iretq). */
void __attribute__((noreturn)) enter_user(struct trap_frame *regs);
/* The iretq of enter_user: a fault with this RIP is the thread's, not the kernel's. */
extern const char enter_user_iret[];
/* VMLAUNCH (launched false) or VMRESUME with the guest's registers; returns only on failure. */
void vmx_launch(struct trap_frame *regs, bool launched);
/* HOST_RIP: a VM exit lands here with RSP = &thread->regs.vector. */
extern const char vmx_exit_entry[];
/*
 * VMRUN of the VMCB at physical vmcb with the guest's registers; continues
 * in svm_exit, with the host's own state VMLOADed from host_state.
 */
void __attribute__((noreturn)) svm_launch(struct trap_frame *regs, uint64_t vmcb,
					  uint64_t host_state);
/* The instruction after svm_launch's VMRUN, where #VMEXIT resumes the host (trap_debug). */
extern const char svm_guest_exit[];

/* --- called from assembly --- */

void kmain(uint32_t magic, uint64_t mbi_phys);         /* boot.S, in long mode */
void trap_dispatch(struct trap_frame *f);               /* a trap taken in ring 0 */
void __attribute__((noreturn)) trap_from_user(struct trap_frame *f); /* a trap from ring 3 */
void __attribute__((noreturn)) syscall_dispatch(void);  /* syscall_entry, frame saved */
void __attribute__((noreturn)) vmx_exit(void);          /* vmx_exit_entry */
void __attribute__((noreturn)) vmx_entry_failed(void);  /* vmx_launch, when entry fails */
void __attribute__((noreturn)) svm_exit(void);          /* svm_launch, after #VMEXIT */

#endif
