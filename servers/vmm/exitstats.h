/*
 * A guest's exits counted by reason, and its I/O exits by port: where a
 * guest's time in the VMM goes (config word `exit-stats`: printed when
 * the guest ends).  Pure and host-tested (tests/unit/test_exitstats.c).
 */
#ifndef VMM_EXITSTATS_H
#define VMM_EXITSTATS_H

#include <stdbool.h>
#include <stdint.h>

#include "moat/vmexit.h"

/* The reasons counted: VMX's basic ones, then the kernel's own two. */
#define EXIT_STATS_REASONS (VMEXIT_REASONS + 2)
#define EXIT_STATS_PORTS   64 /* ports counted apart (the first seen); the rest are "other ports" */
#define EXIT_STATS_TOP     5  /* reasons and ports a report names */

struct exit_stats {
	uint64_t total;
	uint64_t by_reason[EXIT_STATS_REASONS];
	uint16_t port[EXIT_STATS_PORTS];
	uint64_t port_count[EXIT_STATS_PORTS]; /* 0: the slot is free */
	uint64_t other_ports;
};

/* Counts one exit; port is the I/O exit's port (ignored for other reasons). */
void exit_stats_count(struct exit_stats *s, uint32_t reason, uint16_t port);

/* The reason's short name ("IO", "HLT", ...; "other" for unnamed ones) by counting slot. */
const char *exit_stats_name(unsigned slot);

/*
 * Up to EXIT_STATS_TOP counting slots (reasons) with the most exits, the
 * most first, ties by slot; returns how many it gave (fewer if fewer had exits).
 */
unsigned exit_stats_top_reasons(const struct exit_stats *s, unsigned *slots);
/* Likewise for the ports counted apart: indexes into port[]. */
unsigned exit_stats_top_ports(const struct exit_stats *s, unsigned *index);

#endif
