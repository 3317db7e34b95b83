/* The kernel's log: leveled lines on the serial console. */
#ifndef KERNEL_LOG_H
#define KERNEL_LOG_H

#include <stdbool.h>
#include <stdint.h>

#include "panic.h"

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

extern enum log_level log_threshold;

/* Sets up COM1 for the kernel's own output; first thing at boot. */
void serial_init(void);

void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void klog(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * The console after boot (console.c has the design).  console_write: a
 * debug-console client's bytes; OK, or ERR_WOULD_BLOCK when the driver has
 * the console and its ring lacks room for them all (nothing is written).
 * console_take: the driver takes the console; n (with badge) is signalled
 * when the ring gets bytes.  console_read: up to max bytes, at most one
 * line.  console_signal_due: signals the driver if bytes came since it was
 * last signalled; called where signalling is safe (on the way back to user
 * mode), and cheap when nothing came.  console_direct: back to COM1
 * (panics, exits), the ring written out first.  console_forget:
 * notification n is going away.
 */
struct notification;
int console_write(const char *buf, uint64_t len);
void console_take(struct notification *n, uint64_t badge);
uint64_t console_read(uint32_t reader, char *buf, uint64_t max);
void console_direct(void);
void console_forget(struct notification *n);

/*
 * A test's exit (SYS_DEBUG_EXIT) with status s, asked by thread `caller`
 * (ids, as in log lines).  It ends the machine at once unless the driver's
 * reading thread still holds bytes it read: then it returns, the caller
 * stops, and the machine ends at that thread's next wait
 * (console_reader_waits, from the wait syscalls), when the driver's
 * notification goes, or after a few ticks (console_tick).
 */
void console_exit(enum machine_status s, uint32_t caller);
extern bool console_reader_holds, console_exit_pending;
void console_reader_waited(uint32_t thread);
void console_exit_tick(void);
static inline void console_reader_waits(uint32_t thread)
{
	if (console_reader_holds)
		console_reader_waited(thread);
}
static inline void console_tick(void)
{
	if (console_exit_pending)
		console_exit_tick();
}

extern bool console_taker_due;
void console_signal_taker(void);
static inline void console_signal_due(void)
{
	if (console_taker_due)
		console_signal_taker();
}

#define log_error(...) klog(LOG_ERROR, __VA_ARGS__)
#define log_warn(...)  klog(LOG_WARN, __VA_ARGS__)
#define log_info(...)  klog(LOG_INFO, __VA_ARGS__)
#define log_debug(...) klog(LOG_DEBUG, __VA_ARGS__)

#endif
