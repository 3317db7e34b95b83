/*
 * Host unit tests for the VMM's exit statistics (servers/vmm/exitstats.h):
 * counts by reason and I/O port, the kernel's own reasons in their slots,
 * the top five in order, and ports beyond the table counted as others.
 */
#include <string.h>

#include "exitstats.h"
#include "unit.h"

TEST(exit_stats_counts_by_reason_and_port)
{
	struct exit_stats s;
	memset(&s, 0, sizeof(s));
	for (int i = 0; i < 3; i++)
		exit_stats_count(&s, VMEXIT_IO, 0x3fd);
	exit_stats_count(&s, VMEXIT_IO, 0x3f8);
	exit_stats_count(&s, VMEXIT_HLT, 0x3f8); /* not I/O: its port is no port */
	exit_stats_count(&s, VMEXIT_RECALL, 0);
	exit_stats_count(&s, VMEXIT_DEADLINE, 0);
	exit_stats_count(&s, VMEXIT_SVM_OTHER | 0x89, 0); /* counted in the total alone */
	CHECK_EQ(s.total, 8);
	CHECK_EQ(s.by_reason[VMEXIT_IO], 4);
	CHECK_EQ(s.by_reason[VMEXIT_HLT], 1);
	CHECK_EQ(s.by_reason[VMEXIT_REASONS], 1);
	CHECK_EQ(s.by_reason[VMEXIT_REASONS + 1], 1);
	CHECK(strcmp(exit_stats_name(VMEXIT_REASONS), "recall") == 0);
	CHECK(strcmp(exit_stats_name(VMEXIT_REASONS + 1), "deadline") == 0);
	CHECK(strcmp(exit_stats_name(VMEXIT_IO), "IO") == 0);

	unsigned top[EXIT_STATS_TOP];
	CHECK_EQ(exit_stats_top_ports(&s, top), 2);
	CHECK_EQ(s.port[top[0]], 0x3fd);
	CHECK_EQ(s.port_count[top[0]], 3);
	CHECK_EQ(s.port[top[1]], 0x3f8);
}

TEST(exit_stats_top_five_most_first_ties_by_reason)
{
	struct exit_stats s;
	memset(&s, 0, sizeof(s));
	static const struct { uint32_t reason; unsigned n; } seen[] = {
		{ VMEXIT_CPUID, 2 }, { VMEXIT_HLT, 7 }, { VMEXIT_IO, 9 }, { VMEXIT_RDMSR, 1 },
		{ VMEXIT_WRMSR, 7 }, { VMEXIT_GPA_FAULT, 3 }, { VMEXIT_XSETBV, 1 },
	};
	for (unsigned i = 0; i < sizeof(seen) / sizeof(seen[0]); i++)
		for (unsigned k = 0; k < seen[i].n; k++)
			exit_stats_count(&s, seen[i].reason, 0);
	unsigned top[EXIT_STATS_TOP];
	CHECK_EQ(exit_stats_top_reasons(&s, top), EXIT_STATS_TOP); /* seven had exits: five kept */
	CHECK_EQ(top[0], VMEXIT_IO);
	CHECK_EQ(top[1], VMEXIT_HLT); /* 7 like WRMSR, and first by number */
	CHECK_EQ(top[2], VMEXIT_WRMSR);
	CHECK_EQ(top[3], VMEXIT_GPA_FAULT);
	CHECK_EQ(top[4], VMEXIT_CPUID);
}

TEST(exit_stats_ports_beyond_the_table_are_others)
{
	struct exit_stats s;
	memset(&s, 0, sizeof(s));
	for (unsigned p = 0; p < EXIT_STATS_PORTS + 3; p++)
		exit_stats_count(&s, VMEXIT_IO, (uint16_t)(0x100 + p));
	exit_stats_count(&s, VMEXIT_IO, 0x100); /* a port with a slot keeps counting there */
	CHECK_EQ(s.other_ports, 3);
	unsigned top[EXIT_STATS_TOP];
	CHECK_EQ(exit_stats_top_ports(&s, top), EXIT_STATS_TOP);
	CHECK_EQ(s.port[top[0]], 0x100);
	CHECK_EQ(s.port_count[top[0]], 2);
}
