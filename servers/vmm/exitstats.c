/* A guest's exits counted (exitstats.h). */
#include "exitstats.h"

/* A reason's counting slot: its own number, or past the basic ones for the kernel's two. */
static unsigned slot_of(uint32_t reason)
{
	if (reason < VMEXIT_REASONS)
		return reason;
	if (reason == VMEXIT_RECALL)
		return VMEXIT_REASONS;
	if (reason == VMEXIT_DEADLINE)
		return VMEXIT_REASONS + 1;
	return VMEXIT_DEFAULT; /* not counted by reason */
}

void exit_stats_count(struct exit_stats *s, uint32_t reason, uint16_t port)
{
	s->total++;
	unsigned slot = slot_of(reason);
	if (slot >= EXIT_STATS_REASONS)
		return;
	s->by_reason[slot]++;
	if (reason != VMEXIT_IO)
		return;
	unsigned free = EXIT_STATS_PORTS;
	for (unsigned i = 0; i < EXIT_STATS_PORTS; i++) {
		if (s->port_count[i] && s->port[i] == port) {
			s->port_count[i]++;
			return;
		}
		if (!s->port_count[i] && free == EXIT_STATS_PORTS)
			free = i;
	}
	if (free == EXIT_STATS_PORTS) {
		s->other_ports++; /* the first EXIT_STATS_PORTS ports seen keep their slots */
		return;
	}
	s->port[free] = port;
	s->port_count[free] = 1;
}

const char *exit_stats_name(unsigned slot)
{
	switch (slot) {
	case VMEXIT_EXCEPTION: return "exception";
	case VMEXIT_EXTERNAL_INTERRUPT: return "external-interrupt";
	case VMEXIT_TRIPLE_FAULT: return "triple-fault";
	case VMEXIT_INTERRUPT_WINDOW: return "interrupt-window";
	case VMEXIT_NMI_WINDOW: return "NMI-window";
	case VMEXIT_CPUID: return "CPUID";
	case VMEXIT_HLT: return "HLT";
	case VMEXIT_HYPERCALL: return "hypercall";
	case VMEXIT_CR_ACCESS: return "CR-access";
	case VMEXIT_MOV_DR: return "MOV-DR";
	case VMEXIT_IO: return "IO";
	case VMEXIT_RDMSR: return "RDMSR";
	case VMEXIT_WRMSR: return "WRMSR";
	case VMEXIT_GPA_FAULT: return "GPA-fault";
	case VMEXIT_XSETBV: return "XSETBV";
	case VMEXIT_WBINVD: return "WBINVD";
	case VMEXIT_PAUSE: return "PAUSE";
	case VMEXIT_REASONS: return "recall";
	case VMEXIT_REASONS + 1: return "deadline";
	default: return "other";
	}
}

/* The n largest of count[0..len) (nonzero ones), the largest first, ties by index. */
static unsigned top(const uint64_t *count, unsigned len, unsigned *out, unsigned n)
{
	unsigned found = 0;
	for (unsigned i = 0; i < len; i++) {
		if (!count[i])
			continue;
		unsigned at = found < n ? found++ : n;
		while (at > 0 && count[out[at - 1]] < count[i]) {
			if (at < n)
				out[at] = out[at - 1];
			at--;
		}
		if (at < n)
			out[at] = i;
	}
	return found;
}

unsigned exit_stats_top_reasons(const struct exit_stats *s, unsigned *slots)
{
	return top(s->by_reason, EXIT_STATS_REASONS, slots, EXIT_STATS_TOP);
}

unsigned exit_stats_top_ports(const struct exit_stats *s, unsigned *index)
{
	return top(s->port_count, EXIT_STATS_PORTS, index, EXIT_STATS_TOP);
}
