/* Symbol lookup by binary search (pure: also built for host unit tests). */
#include "ksyms.h"

const char *ksym_find(const struct ksym *table, size_t n, const char *names, uint64_t end,
		      uint64_t addr, uint64_t *offset)
{
	if (n == 0 || addr < table[0].addr || addr >= end)
		return NULL;
	size_t lo = 0, hi = n; /* invariant: table[lo].addr <= addr, answer in [lo, hi) */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (table[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	*offset = addr - table[lo].addr;
	return names + table[lo].name_off;
}
