#ifndef KERNEL_KCHECK_H
#define KERNEL_KCHECK_H

/* Checks the kernel's object invariants, logs each broken one, returns how many. */
unsigned kcheck_invariants(void);

#endif
