#ifndef KERNEL_SYSCALL_H
#define KERNEL_SYSCALL_H

/* Enables the syscall instruction and points it at entry.S. */
void syscall_init(void);
/* entry.S calls this with the caller's registers in current->regs. */

#endif
