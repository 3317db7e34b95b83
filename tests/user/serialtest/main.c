/*
 * The serial test: a client of the COM1 driver (servers/drivers/serial) over
 * the serial protocol (moat/serial.h).  The harness reads the serial log and
 * types "ping from the host\n" into COM1 once this program prints
 * "# input please".  Needs connect=serial, console and untyped= (one page:
 * the notification it subscribes with).
 *
 * Output as the other user tests: "ok N name", or "# why" lines then
 * "not ok N name"; then "end of tests: P passed, F failed, S skipped" and
 * sys_debug_exit with status 1 if a case failed.
 */
#include <stdbool.h>

#include "fmt.h"
#include "mem.h"
#include "moat/serial.h"
#include "moat/server.h"
#include "moat/syscall.h"
#include "moat/user.h"
#include "array.h"


#define HELLO         "serial driver says hello\r\n"
#define HOST_LINE     "ping from the host\n"
#define FILL_BYTES    (64 * 1024)
#define FILL_CHUNK    512
#define FILL_LINE     64 /* the fill is text: 63 characters and a newline */
#define BAD_OP        0x7f

/* Bounds on the loops that wait for the driver or the host, in sys_yield rounds. */
#define RETRY_ROUNDS (1u << 22)
#define INPUT_ROUNDS (1u << 22)

/* Slots of the notification the test subscribes with, and of a copy without W. */
enum test_slot { SLOT_INPUT = SLOT_USER_FIRST_FREE, SLOT_INPUT_NO_SIGNAL };

static uint64_t driver = SLOT_NONE; /* the connection to the driver */
static bool output_held;            /* this test asked the driver to hold output */

/*
 * Calls the driver with label, len bytes of data and the capability in slot
 * cap (SLOT_NONE: none).  The reply's bytes, up to max, go to *reply_bytes
 * if not NULL; the reply label to *reply_label.  Returns the syscall status.
 */
static uint64_t serial_call(uint64_t label, const void *bytes, unsigned int len, uint64_t cap,
			    void *reply_bytes, unsigned int max, uint64_t *reply_label)
{
	struct msg m = { .tag = MSG_TAG(label, SERIAL_WORDS(len), cap != SLOT_NONE) };
	uint64_t st;

	serial_msg_put(&m, bytes, len);
	utcb()->send_caps[0] = cap;
	st = sys_call(driver, &m);
	if (st != OK)
		return st;
	*reply_label = MSG_LABEL(m.tag);
	if (reply_bytes && !SERIAL_IS_ERROR(*reply_label) && *reply_label <= max)
		serial_msg_get(&m, reply_bytes, *reply_label);
	return OK;
}

/* A request without data or capability; its reply label goes to *label. */
static bool simple_request(const char *what, uint64_t req, uint64_t *label)
{
	uint64_t st = serial_call(req, NULL, 0, SLOT_NONE, NULL, 0, label);

	if (st != OK)
		uprintf("# %s: call failed: %s\n", what, status_name(st));
	return st == OK;
}

/* A request that must succeed with reply label 0. */
static bool request_ok(const char *what, uint64_t req)
{
	uint64_t label = 0;

	if (!simple_request(what, req, &label))
		return false;
	if (label != 0)
		uprintf("# %s: reply label %#lx\n", what, label);
	return label == 0;
}

/* Suspends or resumes the driver's output. */
static bool hold_output(bool on)
{
	output_held = on;
	return request_ok(on ? "hold output" : "resume output", SERIAL_LABEL(SERIAL_HOLD, on));
}

/* Offers len (<= SERIAL_MAX_BYTES) bytes once: the bytes accepted, or -1 on an error. */
static int write_some(const void *bytes, unsigned int len)
{
	uint64_t label = 0;
	uint64_t st = serial_call(SERIAL_LABEL(SERIAL_WRITE, len), bytes, len, SLOT_NONE, NULL, 0,
				  &label);

	if (st != OK || SERIAL_IS_ERROR(label) || label > len) {
		uprintf("# write of %u bytes: status %s, label %#lx\n", len, status_name(st),
			label);
		return -1;
	}
	return (int)label;
}

/*
 * Writes all len bytes, offering the rest again (after a yield) while the
 * driver's ring is full; a held output is resumed then, so that it drains.
 * *short_replies counts replies that took fewer bytes than offered.  False
 * on an error or when the driver never drains.
 */
static bool write_all(const uint8_t *bytes, unsigned int len, unsigned int *short_replies)
{
	unsigned int done = 0;

	for (uint32_t round = 0; done < len && round < RETRY_ROUNDS; round++) {
		int n = write_some(bytes + done, len - done);

		if (n < 0)
			return false;
		if ((unsigned int)n < len - done) {
			(*short_replies)++;
			if (output_held && !hold_output(false))
				return false;
			sys_yield();
		}
		done += n;
	}
	if (done < len)
		uprintf("# the driver took %u of %u bytes and then no more\n", done, len);
	return done == len;
}

/* Waits until the driver has handed every written byte to the UART. */
static bool flush(void)
{
	uint64_t pending = 0;

	for (uint32_t round = 0; round < RETRY_ROUNDS; round++) {
		if (!simple_request("pending", SERIAL_LABEL(SERIAL_PENDING, 0), &pending))
			return false;
		if (pending == 0)
			return true;
		sys_yield();
	}
	uprintf("# %lu bytes still pending in the driver\n", pending);
	return false;
}

static bool serial_write_accepted(void)
{
	int n = write_some(HELLO, sizeof(HELLO) - 1);

	if (n != (int)sizeof(HELLO) - 1) {
		uprintf("# the driver accepted %d of %zu bytes\n", n, sizeof(HELLO) - 1);
		return false;
	}
	return flush(); /* so that no line of ours lands inside it on the log */
}

/* One chunk of the fill: text lines of FILL_LINE bytes. */
static void make_fill_chunk(uint8_t *chunk)
{
	static const char alphabet[] = "0123456789abcdefghijklmnopqrstuvwxyz";
	const unsigned int letters = sizeof(alphabet) - 1;

	for (unsigned int i = 0; i < FILL_CHUNK; i++)
		chunk[i] = i % FILL_LINE == FILL_LINE - 1 ? '\n' : alphabet[i % letters];
}

/*
 * Output is held at first: an emulated UART may send faster than the test
 * writes (QEMU's does), and the ring would never fill.  The first short
 * reply resumes it.
 */
static bool serial_write_reports_full(void)
{
	uint8_t chunk[FILL_CHUNK];
	unsigned int short_replies = 0;
	bool written = hold_output(true);

	make_fill_chunk(chunk);
	for (unsigned int sent = 0; written && sent < FILL_BYTES; sent += FILL_CHUNK)
		written = write_all(chunk, FILL_CHUNK, &short_replies);
	if (output_held && !hold_output(false))
		return false;
	if (!written || !flush())
		return false;
	if (short_replies == 0) {
		uprintf("# %u bytes in %u-byte writes and never a short reply\n", FILL_BYTES,
			FILL_CHUNK);
		return false;
	}
	return true;
}

/* A kernel log line: "kernel log fill NNNN" and spaces, LOG_FILL_LINE bytes with its newline. */
#define LOG_FILL_LINE  64
#define LOG_FILL_LIMIT 1000 /* lines: far more than the kernel's 16 KiB log ring holds */
#define LOG_FILL_MIN   200  /* lines the ring must take before it is full */

/*
 * The kernel's debug console goes through the driver once the driver has
 * taken it: with the driver's output held, the kernel keeps our lines in
 * its ring, and a write that does not fit is refused (ERR_WOULD_BLOCK)
 * rather than sent to COM1 behind the driver's back.  Resumed, the driver
 * sends them all (tests/boot/serial.*.also looks for one).
 */
static bool kernel_log_goes_through_driver(void)
{
	char line[LOG_FILL_LINE];
	unsigned int lines = 0;
	uint64_t st = OK;

	if (!hold_output(true))
		return false;
	for (; lines < LOG_FILL_LIMIT; lines++) {
		int n = fmt_snprintf(line, sizeof(line), "kernel log fill %04u", lines);

		memset(line + n, ' ', sizeof(line) - n); /* over the NUL: the line is its bytes alone */
		line[LOG_FILL_LINE - 1] = '\n';
		st = sys_debug_write(SLOT_CONSOLE, line, sizeof(line));
		if (st != OK)
			break;
	}
	if (!hold_output(false))
		return false;
	if (st != ERR_WOULD_BLOCK || lines < LOG_FILL_MIN) {
		uprintf("# %u kernel log lines written, then %s\n", lines, status_name(st));
		return false;
	}
	return true;
}

/* Makes the notification to subscribe with, and a copy of it that cannot signal. */
static bool make_input_notification(void)
{
	uint64_t st = sys_retype(SLOT_UNTYPED, OBJ_NOTIFICATION, 0, SLOT_INPUT, 1);

	if (st == OK)
		st = sys_cap_copy(SLOT_INPUT, TASK_SELF, SLOT_INPUT_NO_SIGNAL, RIGHT_R, 0);
	if (st != OK)
		uprintf("# making the notification failed: %s (untyped= given?)\n",
			status_name(st));
	return st == OK;
}

/* Subscribes with the notification in slot ntfn: the reply label. */
static bool subscribe(uint64_t ntfn, uint64_t *label)
{
	uint64_t st = serial_call(SERIAL_LABEL(SERIAL_SUBSCRIBE, 0), NULL, 0, ntfn, NULL, 0, label);

	if (st != OK)
		uprintf("# subscribe: call failed: %s\n", status_name(st));
	return st == OK;
}

/* Waits (bounded) for the driver's signal, then reads what has come in: bytes read or -1. */
static int read_input(char *buf, unsigned int max)
{
	uint64_t bits = 0, label = 0;
	uint32_t round = 0;

	while (sys_poll(SLOT_INPUT, &bits) == ERR_WOULD_BLOCK && round++ < INPUT_ROUNDS)
		sys_yield();
	if (round > INPUT_ROUNDS) {
		uprintf("# no input arrived\n");
		return -1;
	}
	if (serial_call(SERIAL_LABEL(SERIAL_READ, max), NULL, 0, SLOT_NONE, buf, max, &label) !=
		    OK ||
	    SERIAL_IS_ERROR(label) || label > max) {
		uprintf("# read: reply label %#lx\n", label);
		return -1;
	}
	return (int)label;
}

/* Subscribes twice: the second subscription replaces the first (the driver drops it). */
static bool subscribe_twice(void)
{
	for (int i = 0; i < 2; i++) {
		uint64_t label = 0;

		if (!subscribe(SLOT_INPUT, &label))
			return false;
		if (label != 0) {
			uprintf("# subscribe: reply label %#lx\n", label);
			return false;
		}
	}
	return true;
}

static bool serial_echoes_input(void)
{
	char line[2 * sizeof(HOST_LINE)];
	int len;

	if (!make_input_notification() || !subscribe_twice())
		return false;
	if (!request_ok("echo on", SERIAL_LABEL(SERIAL_ECHO, 1)))
		return false;
	uprintf("# input please\n");
	len = server_read_line(line, sizeof(line), read_input);
	request_ok("echo off", SERIAL_LABEL(SERIAL_ECHO, 0));
	if (len < 0 || !flush())
		return false;
	if ((unsigned int)len != sizeof(HOST_LINE) - 1 || memcmp(line, HOST_LINE, len) != 0) {
		uprintf("# read %d bytes, not the host's line\n", len);
		return false;
	}
	return true;
}

/* A malformed request and why it is one. */
struct bad_request {
	const char *what;
	uint64_t label;
	unsigned int bytes; /* data bytes sent along */
	uint64_t cap;       /* capability sent along, or SLOT_NONE */
	uint64_t want;      /* the error label expected */
};

static const struct bad_request bad_requests[] = {
	{ "unknown op", SERIAL_LABEL(BAD_OP, 0), 0, SLOT_NONE, SERIAL_ERR_REQUEST },
	{ "op 0", SERIAL_LABEL(0, 0), 0, SLOT_NONE, SERIAL_ERR_REQUEST },
	{ "write of more than a message holds", SERIAL_LABEL(SERIAL_WRITE, SERIAL_MAX_BYTES + 8),
	  SERIAL_MAX_BYTES, SLOT_NONE, SERIAL_ERR_REQUEST },
	{ "write with too few words", SERIAL_LABEL(SERIAL_WRITE, 16), 8, SLOT_NONE,
	  SERIAL_ERR_REQUEST },
	{ "write with too many words", SERIAL_LABEL(SERIAL_WRITE, 8), 16, SLOT_NONE,
	  SERIAL_ERR_REQUEST },
	{ "read of more than a message holds", SERIAL_LABEL(SERIAL_READ, SERIAL_MAX_BYTES + 1), 0,
	  SLOT_NONE, SERIAL_ERR_REQUEST },
	{ "read with words", SERIAL_LABEL(SERIAL_READ, 8), 8, SLOT_NONE, SERIAL_ERR_REQUEST },
	{ "echo 2", SERIAL_LABEL(SERIAL_ECHO, 2), 0, SLOT_NONE, SERIAL_ERR_REQUEST },
	{ "hold with words", SERIAL_LABEL(SERIAL_HOLD, 1), 8, SLOT_NONE, SERIAL_ERR_REQUEST },
	{ "pending with words", SERIAL_LABEL(SERIAL_PENDING, 0), 8, SLOT_NONE, SERIAL_ERR_REQUEST },
	{ "write with a capability", SERIAL_LABEL(SERIAL_WRITE, 0), 0, SLOT_INPUT,
	  SERIAL_ERR_REQUEST },
	{ "subscribe without a capability", SERIAL_LABEL(SERIAL_SUBSCRIBE, 0), 0, SLOT_NONE,
	  SERIAL_ERR_REQUEST },
	{ "subscribe with a count", SERIAL_LABEL(SERIAL_SUBSCRIBE, 1), 0, SLOT_INPUT,
	  SERIAL_ERR_REQUEST },
	{ "subscribe with a notification it cannot signal", SERIAL_LABEL(SERIAL_SUBSCRIBE, 0), 0,
	  SLOT_INPUT_NO_SIGNAL, SERIAL_ERR_CAP },
	{ "subscribe with the console", SERIAL_LABEL(SERIAL_SUBSCRIBE, 0), 0, SLOT_CONSOLE,
	  SERIAL_ERR_CAP },
};

/* True if the driver answers *bad with its error label and no words. */
static bool rejected(const struct bad_request *bad)
{
	static const uint8_t zeros[SERIAL_MAX_BYTES];
	uint64_t label = 0;
	uint64_t st = serial_call(bad->label, zeros, bad->bytes, bad->cap, NULL, 0, &label);

	if (st != OK)
		uprintf("# %s: call failed: %s\n", bad->what, status_name(st));
	else if (label != bad->want)
		uprintf("# %s: reply label %#lx, want %#lx\n", bad->what, label, bad->want);
	return st == OK && label == bad->want;
}

static bool serial_bad_requests_rejected(void)
{
	bool all = true;

	for (unsigned int i = 0; i < ARRAY_LEN(bad_requests); i++)
		all &= rejected(&bad_requests[i]);
	return all;
}

/*
 * The driver's cost per byte written: FILL_CHUNK bytes in one message,
 * with output held so that only the IPC and the buffering are counted
 * (under Bochs: instructions, client, kernel and driver together).
 */
static bool serial_write_benchmark(void)
{
	uint8_t chunk[FILL_CHUNK];
	make_fill_chunk(chunk);
	if (!hold_output(true))
		return false;
	uint64_t start = rdtsc();
	int n = write_some(chunk, FILL_CHUNK);
	uint64_t cost = rdtsc() - start;
	if (!hold_output(false) || !flush())
		return false;
	if (n != FILL_CHUNK) {
		uprintf("# the driver took %d of %u bytes\n", n, FILL_CHUNK);
		return false;
	}
	uprintf("bench serial_write_instructions_per_byte: %lu\n", cost / FILL_CHUNK);
	return true;
}

/*
 * The driver dies with a kernel line held in the kernel's ring: the call in
 * flight fails with ERR_DELETED, the held line is not lost (the kernel
 * writes it to COM1 itself when the driver's notification goes; see
 * tests/boot/serial.*.also), the root task restarts the driver, and the
 * same connection reaches the new one, which has taken the console again.
 * Last, since the restart forgets every setting.
 */
static bool serial_driver_restarts_with_console(void)
{
	static const char again[] = "serial driver says hello again\r\n";
	unsigned int short_replies = 0;
	uint64_t label = 0, st;

	if (!hold_output(true))
		return false;
	uprintf("held kernel line before the crash\n");
	st = serial_call(SERIAL_LABEL(SERIAL_CRASH, 0), NULL, 0, SLOT_NONE, NULL, 0, &label);
	output_held = false; /* the new driver starts with output on */
	if (st != ERR_DELETED) {
		uprintf("# the call that crashed the driver returned %s\n", status_name(st));
		return false;
	}
	return write_all((const uint8_t *)again, sizeof(again) - 1, &short_replies) && flush();
}

static const struct server_test cases[] = {
	{ "serial_write_accepted", serial_write_accepted },
	{ "serial_write_reports_full", serial_write_reports_full },
	{ "kernel_log_goes_through_driver", kernel_log_goes_through_driver },
	{ "serial_echoes_input", serial_echoes_input },
	{ "serial_bad_requests_rejected", serial_bad_requests_rejected },
	{ "serial_write_benchmark", serial_write_benchmark },
	{ "serial_driver_restarts_with_console", serial_driver_restarts_with_console },
};

int main(uint64_t arg)
{
	(void)arg;
	return server_tests_run("serial", &driver, cases, ARRAY_LEN(cases));
}
