/* Stopping: the emulators' exit devices, and panic for the kernel's own bugs. */
#include <stdarg.h>

#include "fmt.h"
#include "log.h"
#include "panic.h"
#include "smp.h"
#include "x86.h"

#define QEMU_DEBUG_EXIT_PORT 0xf4   /* isa-debug-exit, as our QEMU command line sets it */
#define BOCHS_SHUTDOWN_PORT  0x8900 /* "Shutdown" written here ends Bochs */

/*
 * Ends the emulator with a status, or halts forever on a machine without
 * these devices: the ports are harmless there.
 */
void machine_exit(enum machine_status s)
{
	irq_disable();
	console_direct(); /* the log's last lines, before the machine goes */
	outb(QEMU_DEBUG_EXIT_PORT, (uint8_t)s);
	for (const char *p = "Shutdown"; *p; p++)
		asm volatile("outb %0, %1" : : "a"(*p), "Nd"((uint16_t)BOCHS_SHUTDOWN_PORT));
	for (;;)
		halt();
}

/*
 * The other CPUs stop first (smp.h).  exception_report has stopped them
 * already when it calls panic: the second call asks none and keeps the
 * first's figures.  Only the CPU that stopped the others gets past it.
 */
static unsigned others_asked, others_halted;

void panic_stop_others(void)
{
	irq_disable();
	unsigned asked, halted = cpus_stop_others(&asked);
	if (asked) {
		others_asked = asked;
		others_halted = halted;
	}
}

void panic(const char *fmt, ...)
{
	char msg[160];
	va_list ap;
	panic_stop_others();
	console_direct();
	va_start(ap, fmt);
	fmt_vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	kprintf("kernel panic: %s\n", msg);
	if (others_asked)
		kprintf("other CPUs halted: %u of %u\n", others_halted, others_asked);
	kprintf("kernel stopped.\n");
	machine_exit(EXIT_PANIC);
}
