/*
 * The kernel's console: COM1, polled, and the leveled log on top.
 * Polling keeps it usable from any context, exception handlers included.
 *
 * After boot the serial driver takes COM1 over (SYS_CONSOLE_TAKE): from then
 * on what the kernel and the debug console's clients write goes into the
 * log ring instead, the driver reads it out (SYS_CONSOLE_READ) and sends it
 * with its own clients' output, and the kernel keeps off the UART.  A
 * panic, a test's exit and the driver's end write what the ring holds
 * straight to COM1 and give the port back to the kernel.
 *
 * A test's exit first lets the driver finish the bytes it read
 * (console_exit): on another CPU its thread may be between a read and its
 * writes to the UART, and what it holds would be lost.  The driver's side
 * of the bargain (docs/syscalls.md, SYS_CONSOLE_READ): the bytes a read
 * returns are in the UART by the reading thread's next wait.
 */
#include <stdarg.h>

#include "fmt.h"
#include "ipc.h"
#include "log.h"
#include "panic.h"
#include "moat/ring.h"
#include "x86.h"

#define COM1 0x3f8
#define LSR_THR_EMPTY 0x20 /* room for a byte */
#define LSR_TX_IDLE   0x40 /* FIFO and shift register empty: all sent */
#define SPIN_LIMIT    100000

#define LOG_RING_BYTES 16384 /* a power of two */
/*
 * Polling COM1 costs about 87 us a byte at 115200 baud: a task's 4 KiB
 * write would keep interrupts off for 0.36 s.  Interrupts get a window
 * after every FIFO's worth (16 bytes, 1.4 ms); their handlers only signal
 * and mark threads runnable, which is safe in the middle of a write.
 */
#define POLLED_BYTES_PER_WINDOW 16

enum log_level log_threshold = LOG_INFO;

static uint8_t log_bytes[LOG_RING_BYTES];
static struct ring log_ring = RING_INIT(log_bytes);
static uint64_t log_lost;           /* the kernel's own bytes a full ring dropped */
static struct notification *taker;  /* the driver's notification, or NULL: COM1 is ours */
static uint64_t taker_badge;
bool console_taker_due;              /* bytes came since the taker was last signalled */

/*
 * The exit's wait for the driver (console_exit): the thread that read
 * bytes and has not waited since (console_reader_holds, reader_id), and
 * the exit that waits for it, for at most HANDBACK_TICKS ticks of any
 * CPU: a driver that never waits again loses its bytes, not the exit.
 */
#define HANDBACK_TICKS 20 /* 100 to 200 ms */
bool console_reader_holds;
static uint32_t reader_id;
bool console_exit_pending;
static enum machine_status exit_status;
static unsigned exit_ticks_left;

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

static void wait_lsr(uint8_t bit)
{
	for (int spin = 0; spin < SPIN_LIMIT && !(inb(COM1 + 5) & bit); spin++)
		cpu_relax();
}

static void com1_putc(char c)
{
	wait_lsr(LSR_THR_EMPTY);
	outb(COM1, (uint8_t)c);
}

/* One byte of console output; a line ends in CR LF, as a terminal wants. */
static void console_putc(void *arg, char c)
{
	(void)arg;
	if (c == '\n')
		console_putc(arg, '\r');
	if (!taker)
		com1_putc(c);
	else if (ring_put(&log_ring, (const uint8_t *)&c, 1))
		console_taker_due = true;
	else
		log_lost++;
}

void kprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fmt_vformat(console_putc, 0, fmt, ap);
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
	fmt_vformat(console_putc, 0, fmt, ap);
	va_end(ap);
	console_putc(0, '\n');
}

int console_write(const char *buf, uint64_t len)
{
	if (taker) { /* all or nothing, so that writers' lines stay whole */
		uint64_t need = len;
		for (uint64_t i = 0; i < len; i++)
			need += buf[i] == '\n';
		if (need > LOG_RING_BYTES - ring_used(&log_ring))
			return ERR_WOULD_BLOCK;
	}
	for (uint64_t i = 0; i < len; i++) {
		console_putc(0, buf[i]);
		if (!taker && i % POLLED_BYTES_PER_WINDOW == POLLED_BYTES_PER_WINDOW - 1)
			irq_window();
	}
	return OK;
}

/*
 * The driver resets the UART's FIFOs once it has the console (on any CPU,
 * while this one goes on): the kernel's last polled bytes leave the UART
 * first, or a line would lose its end (its CR LF) and run into the
 * driver's first.
 */
void console_take(struct notification *n, uint64_t badge)
{
	if (!taker)
		wait_lsr(LSR_TX_IDLE);
	taker = n;
	taker_badge = badge;
	console_taker_due = ring_used(&log_ring) != 0;
}

uint64_t console_read(uint32_t reader, char *buf, uint64_t max)
{
	if (console_exit_pending)
		return 0; /* the exit writes the rest itself, once the driver has finished */
	/* a line at a time: the driver interleaves whole lines */
	uint64_t got = ring_get_line(&log_ring, (uint8_t *)buf, (uint32_t)max);
	if (got) {
		console_reader_holds = true;
		reader_id = reader;
	}
	return got;
}

void console_reader_waited(uint32_t thread)
{
	if (thread != reader_id)
		return;
	console_reader_holds = false; /* what it read is in the UART */
	if (!console_exit_pending)
		return;
	log_info("console: the exit waited %u ticks for the driver's write",
		 HANDBACK_TICKS - exit_ticks_left);
	machine_exit(exit_status);
}

void console_exit(enum machine_status s, uint32_t caller)
{
	if (!taker || !console_reader_holds || caller == reader_id)
		machine_exit(s);
	if (!console_exit_pending || s > exit_status)
		exit_status = s; /* a second exit meanwhile: the worse status */
	if (!console_exit_pending)
		exit_ticks_left = HANDBACK_TICKS;
	console_exit_pending = true;
}

void console_exit_tick(void)
{
	if (--exit_ticks_left)
		return;
	log_warn("console: the driver did not finish its write in %d ticks; the exit goes on",
		 HANDBACK_TICKS);
	machine_exit(exit_status);
}

void console_signal_taker(void)
{
	console_taker_due = false;
	if (taker)
		notification_signal(taker, taker_badge);
}

void console_direct(void)
{
	if (!taker)
		return;
	taker = 0;
	console_reader_holds = false;
	wait_lsr(LSR_TX_IDLE); /* what the driver handed the UART goes out first */
	uint8_t c;
	while (ring_get(&log_ring, &c, 1))
		com1_putc((char)c);
	if (log_lost)
		klog(LOG_WARN, "console: %lu bytes of log lost to a full ring", log_lost);
	log_lost = 0;
}

void console_forget(struct notification *n)
{
	if (taker != n)
		return;
	console_direct();
	if (console_exit_pending) /* the driver went while an exit waited for it */
		machine_exit(exit_status);
}
