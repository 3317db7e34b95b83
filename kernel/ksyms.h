/* The kernel's own symbol table, for symbolized backtraces. */
#ifndef KERNEL_KSYMS_H
#define KERNEL_KSYMS_H

#include <stddef.h>
#include <stdint.h>

struct ksym {
	uint64_t addr;     /* start of the function */
	uint64_t name_off; /* offset of its name in the names blob */
};

/*
 * Finds the function containing addr in a table sorted by address, whose
 * last function ends at `end`.  Returns its name and sets *offset, or
 * returns NULL when addr lies outside [first function, end).
 */
const char *ksym_find(const struct ksym *table, size_t n, const char *names, uint64_t end,
		      uint64_t addr, uint64_t *offset);

/* ksym_find() over the table linked into this kernel. */
const char *ksym_lookup(uint64_t addr, uint64_t *offset);

#endif
