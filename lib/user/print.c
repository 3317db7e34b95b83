/* uprintf: formatted output on the debug console in SLOT_CONSOLE. */
#include <stdarg.h>

#include "fmt.h"
#include "moat/syscall.h"
#include "moat/user.h"

/* Output gathered in chunks, so long messages need no big buffer. */
struct console_out {
	char buf[128];
	unsigned int len;
};

#define RETRIES 100000 /* yields to wait for room in the kernel's log ring */

/*
 * Writes what is buffered to the console; a missing console is ignored.
 * Once the serial driver has the console, the kernel's ring may be full
 * for a while: give the driver time to drain it.
 */
static void console_flush(struct console_out *out)
{
	for (unsigned tries = 0; out->len && tries < RETRIES; tries++) {
		if (sys_debug_write(SLOT_CONSOLE, out->buf, out->len) != ERR_WOULD_BLOCK)
			break;
		sys_yield();
	}
	out->len = 0;
}

/* fmt_vformat callback: buffers one character. */
static void console_putc(void *arg, char c)
{
	struct console_out *out = arg;

	if (out->len == sizeof(out->buf))
		console_flush(out);
	out->buf[out->len++] = c;
}

int uprintf(const char *fmt, ...)
{
	struct console_out out = { .len = 0 };
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fmt_vformat(console_putc, &out, fmt, ap);
	va_end(ap);
	console_flush(&out);
	return n;
}
