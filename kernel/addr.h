/*
 * The kinds of address that cross between the kernel's parts.  Each is a
 * plain 64-bit number; the type names which space it lies in, so that a
 * signature says what it takes and a reader sees where one kind becomes
 * another (phys_to_virt, a page-table entry, a mapping):
 *
 *   phys_addr   host-physical: frames, page tables, untyped memory
 *   user_addr   virtual, in a task's lower half (below USER_TOP)
 *   guest_phys  guest-physical, in a gpa_space (below GPA_LIMIT)
 *
 * Kernel-virtual addresses are pointers: the physmap (phys_to_virt) is the
 * one way from a physical address to one.
 *
 * They are typedefs, not one-member structs, so the compiler does not yet
 * refuse a mix-up: the exit-path files (fastpath.c, ipc.c, vcpu.c) still
 * pass raw numbers, and a struct would have to reach them first.
 */
#ifndef KERNEL_ADDR_H
#define KERNEL_ADDR_H

#include <stdint.h>

typedef uint64_t phys_addr;
typedef uint64_t user_addr;
typedef uint64_t guest_phys;

#endif
