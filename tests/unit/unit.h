/*
 * A tiny host unit-test framework.  Each test file declares cases with
 * TEST(name) { ... } and checks with CHECK(cond) / CHECK_EQ(a, b).  The
 * runner (unit_main.c) prints one line per case, "ok N name" or
 * "not ok N name", the format every suite of this project uses.
 * Run one case by name: build/unit-tests NAME.
 */
#ifndef UNIT_H
#define UNIT_H

#include <stdio.h>
#include <string.h>

struct unit_case {
	const char *name;
	void (*fn)(void);
	struct unit_case *next;
};

void unit_register(struct unit_case *c);
void unit_fail(const char *file, int line, const char *what);

#define TEST(name)                                                       \
	static void test_##name(void);                                   \
	static struct unit_case case_##name = { #name, test_##name, 0 }; \
	__attribute__((constructor)) static void register_##name(void)   \
	{                                                                \
		unit_register(&case_##name);                             \
	}                                                                \
	static void test_##name(void)

/* The next of a repeatable run of pseudo-random numbers (xorshift64), from seed *s (not 0). */
static inline unsigned long long unit_random(unsigned long long *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* A failed check reports and ends the case: later checks may depend on it. */
#define CHECK(cond)                                            \
	do {                                                   \
		if (!(cond)) {                                 \
			unit_fail(__FILE__, __LINE__, #cond);  \
			return;                                \
		}                                              \
	} while (0)

#define CHECK_EQ(a, b)                                                         \
	do {                                                                   \
		unsigned long long a_ = (unsigned long long)(a);               \
		unsigned long long b_ = (unsigned long long)(b);               \
		if (a_ != b_) {                                                \
			char msg_[160];                                        \
			snprintf(msg_, sizeof msg_, "%s == %s (0x%llx != 0x%llx)", \
				 #a, #b, a_, b_);                              \
			unit_fail(__FILE__, __LINE__, msg_);                   \
			return;                                                \
		}                                                              \
	} while (0)

/* Strings too long for CHECK_STR's message: both are printed on lines of their own. */
#define CHECK_LONG_STR(got, want)                                              \
	do {                                                                   \
		if (strcmp(got, want) != 0)                                    \
			printf("# got    \"%s\"\n# wanted \"%s\"\n", got, want);  \
		CHECK(strcmp(got, want) == 0);                                 \
	} while (0)

#define CHECK_STR(a, b)                                                  \
	do {                                                             \
		const char *a_ = (a), *b_ = (b);                         \
		if (strcmp(a_, b_) != 0) {                               \
			char msg_[640];                                  \
			snprintf(msg_, sizeof msg_, "%s: \"%s\" != \"%s\"", \
				 #a, a_, b_);                            \
			unit_fail(__FILE__, __LINE__, msg_);             \
			return;                                          \
		}                                                        \
	} while (0)

#endif
