/*
 * The kernel's early console: COM1, polled, and the leveled log on top.
 * Polling keeps it usable from any context, exception handlers included.
 */
#include <stdarg.h>

#include "fmt.h"
#include "log.h"
#include "x86.h"

#define COM1 0x3f8

enum log_level log_threshold = LOG_INFO;

/* 115200 baud, 8N1, FIFOs on; interrupts stay off (the console polls). */
void serial_init(void)
{
	outb(COM1 + 1, 0x00);
	outb(COM1 + 3, 0x80); /* DLAB: next two writes set the divisor */
	outb(COM1 + 0, 0x01);
	outb(COM1 + 1, 0x00);
	outb(COM1 + 3, 0x03);
	outb(COM1 + 2, 0xc7);
	outb(COM1 + 4, 0x03);
}

static void serial_putc(void *arg, char c)
{
	(void)arg;
	if (c == '\n')
		serial_putc(arg, '\r');
	for (int spin = 0; spin < 100000 && !(inb(COM1 + 5) & 0x20); spin++)
		cpu_relax();
	outb(COM1, (uint8_t)c);
}

void kprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fmt_vformat(serial_putc, 0, fmt, ap);
	va_end(ap);
}

/* One log line: "[I] text".  Lines above the threshold are dropped. */
void klog(enum log_level level, const char *fmt, ...)
{
	static const char tag[] = "EWID";
	if (level > log_threshold)
		return;
	kprintf("[%c] ", tag[level]);
	va_list ap;
	va_start(ap, fmt);
	fmt_vformat(serial_putc, 0, fmt, ap);
	va_end(ap);
	serial_putc(0, '\n');
}
