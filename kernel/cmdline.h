/*
 * The kernel command line: space- or tab-separated tokens "key=value" or
 * "key".  Pure string logic, no kernel services, so it is unit-tested on
 * the host.
 */
#ifndef KERNEL_CMDLINE_H
#define KERNEL_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Copies the value of key into buf (NUL-terminated, truncated to n - 1 chars;
 * nothing is written when n is 0); a bare "key" gives "".  Returns true if
 * the key is present; the last occurrence wins.  cmdline may be NULL.
 */
bool cmdline_get(const char *cmdline, const char *key, char *buf, size_t n);

struct kernel_options {
	int log_level;		/* an enum log_level value */
	char test_suite[32];	/* suite to run, "" for none */
	unsigned max_cpus;	/* processors to run, the boot CPU included; 0: all */
	bool no_acpi;		/* find the processors in the MP table, not ACPI's MADT */
	bool no_ioapic;		/* device IRQs through the 8259s even with an I/O APIC */
};

/*
 * Parses the known options into o, starting from the defaults (LOG_INFO, no
 * test suite, every processor, ACPI, the I/O APIC):
 *   loglevel=error|warn|info|debug or 0..3
 *   test=NAME (at most 31 chars)
 *   cpus=N (1..999: 1 leaves the other processors stopped)
 *   acpi=off (the processors come from the MP table; no I/O APIC is found)
 *   ioapic=off (device IRQs go through the 8259s)
 * Each unknown token or bad value is reported once via report(arg, msg)
 * (report may be NULL) and skipped; the last valid occurrence wins.
 * Returns the number of problems reported.
 */
int options_parse(const char *cmdline, struct kernel_options *o,
		  void (*report)(void *arg, const char *msg), void *arg);

#endif
