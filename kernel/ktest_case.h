/*
 * What the in-kernel test cases share (ktest.c, ktest_smp.c): a case is a
 * named function that returns pass, fail or skip; CHECK fails it with the
 * condition's text and line, SKIP skips it with a reason.
 */
#ifndef KERNEL_KTEST_CASE_H
#define KERNEL_KTEST_CASE_H

#include "log.h"

enum ktest_result { KT_PASS, KT_FAIL, KT_SKIP };

struct ktest {
	const char *name;
	enum ktest_result (*fn)(void);
};

extern const char *ktest_skip_reason;

#define CHECK(cond)                                                                  \
	do {                                                                         \
		if (!(cond)) {                                                       \
			kprintf("# %s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
			return KT_FAIL;                                              \
		}                                                                    \
	} while (0)

#define SKIP(why)                   \
	do {                        \
		ktest_skip_reason = (why); \
		return KT_SKIP;     \
	} while (0)

/* The smp suite's own cases (ktest_smp.c); it runs the boot suite's too. */
extern const struct ktest ktest_smp_cases[];
extern const unsigned ktest_smp_count;

#endif
