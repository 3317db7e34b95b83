/*
 * The keyboard test: a client of the PS/2 keyboard driver
 * (servers/drivers/kbd) over the keyboard protocol (moat/kbd.h).  Once this
 * program prints "# keys please", the harness types "hi moat" and Enter on
 * the emulated keyboard (tests/boot/key-feed.sh).  Needs
 * connect=kbd, console and untyped= (one page: the notification it
 * subscribes with).
 *
 * Output as the other user tests: "ok N name", or "# why" lines then
 * "not ok N name"; then "end of tests: P passed, F failed, S skipped" and
 * sys_debug_exit with status 1 if a case failed.
 */
#include <stdbool.h>

#include "mem.h"
#include "moat/kbd.h"
#include "moat/server.h"
#include "moat/syscall.h"
#include "moat/user.h"
#include "array.h"


#define TYPED_LINE "hi moat\n"
#define BAD_OP     0x7f

/*
 * The bound on waiting for keys, in time-stamp counter ticks: 10-30 s on a
 * 1-3 GHz counter.  (Under QEMU without -icount the counter keeps real time;
 * a count of sys_yield rounds would not: they take some 250 ns each.)
 */
#define INPUT_TSC_TICKS 30000000000ull

/* Slots of the notification the test subscribes with, and of a copy without W. */
enum test_slot { SLOT_INPUT = SLOT_USER_FIRST_FREE, SLOT_INPUT_NO_SIGNAL };

static uint64_t driver = SLOT_NONE; /* the connection to the driver */

/*
 * Calls the driver with label, `words` zero words and the capability in
 * slot cap (SLOT_NONE: none).  The reply's characters, up to max, go to
 * *reply_bytes if not NULL; the reply label to *reply_label.  Returns the
 * syscall status.
 */
static uint64_t kbd_call(uint64_t label, unsigned int words, uint64_t cap, void *reply_bytes,
			 unsigned int max, uint64_t *reply_label)
{
	struct msg m = { .tag = MSG_TAG(label, words, cap != SLOT_NONE) };
	uint64_t st;

	utcb()->send_caps[0] = cap;
	st = sys_call(driver, &m);
	if (st != OK)
		return st;
	*reply_label = MSG_LABEL(m.tag);
	if (reply_bytes && !KBD_IS_ERROR(*reply_label) && *reply_label <= max)
		serial_msg_get(&m, reply_bytes, *reply_label);
	return OK;
}

/* Makes the notification to subscribe with, and a copy of it that cannot signal, once. */
static bool make_input_notification(void)
{
	static bool made;
	uint64_t st;

	if (made)
		return true;
	st = sys_retype(SLOT_UNTYPED, OBJ_NOTIFICATION, 0, SLOT_INPUT, 1);

	if (st == OK)
		st = sys_cap_copy(SLOT_INPUT, TASK_SELF, SLOT_INPUT_NO_SIGNAL, RIGHT_R, 0);
	if (st != OK)
		uprintf("# making the notification failed: %s (untyped= given?)\n",
			status_name(st));
	made = st == OK;
	return made;
}

/* Subscribes with the notification in SLOT_INPUT. */
static bool subscribe(void)
{
	uint64_t label = 0;
	uint64_t st = kbd_call(KBD_LABEL(KBD_SUBSCRIBE, 0), 0, SLOT_INPUT, NULL, 0, &label);

	if (st != OK || label != 0)
		uprintf("# subscribe: status %s, reply label %#lx\n", status_name(st), label);
	return st == OK && label == 0;
}

/* Waits (bounded) for the driver's signal, then reads what has come in: characters or -1. */
static int read_keys(char *buf, unsigned int max)
{
	uint64_t bits = 0, label = 0;
	uint64_t start = rdtsc();

	while (sys_poll(SLOT_INPUT, &bits) == ERR_WOULD_BLOCK) {
		if (rdtsc() - start > INPUT_TSC_TICKS) {
			uprintf("# no keys arrived\n");
			return -1;
		}
		sys_yield();
	}
	if (kbd_call(KBD_LABEL(KBD_READ, max), 0, SLOT_NONE, buf, max, &label) != OK ||
	    KBD_IS_ERROR(label) || label > max) {
		uprintf("# read: reply label %#lx\n", label);
		return -1;
	}
	return (int)label;
}

/* Prints len characters, newline and backspace spelled out. */
static void print_typed(const char *s, int len)
{
	uprintf("# typed %d characters: \"", len);
	for (int i = 0; i < len; i++) {
		if (s[i] == '\n' || s[i] == '\b')
			uprintf("\\%c", s[i] == '\n' ? 'n' : 'b');
		else
			uprintf("%c", s[i]);
	}
	uprintf("\"\n");
}

static bool kbd_reads_typed_keys(void)
{
	char line[2 * sizeof(TYPED_LINE)];
	int len;

	if (!make_input_notification() || !subscribe())
		return false;
	uprintf("# keys please\n");
	len = server_read_line(line, sizeof(line), read_keys);
	if (len < 0)
		return false;
	if ((unsigned int)len != sizeof(TYPED_LINE) - 1 || memcmp(line, TYPED_LINE, len) != 0) {
		print_typed(line, len);
		uprintf("# want \"hi moat\\n\"\n");
		return false;
	}
	return true;
}

/* A malformed request and why it is one. */
struct bad_request {
	const char *what;
	uint64_t label;
	unsigned int words; /* words sent along (zeros) */
	uint64_t cap;       /* capability sent along, or SLOT_NONE */
	uint64_t want;      /* the error label expected */
};

static const struct bad_request bad_requests[] = {
	{ "unknown op", KBD_LABEL(BAD_OP, 0), 0, SLOT_NONE, KBD_ERR_REQUEST },
	{ "op 0", KBD_LABEL(0, 0), 0, SLOT_NONE, KBD_ERR_REQUEST },
	{ "read of more than a message holds", KBD_LABEL(KBD_READ, KBD_MAX_BYTES + 1), 0,
	  SLOT_NONE, KBD_ERR_REQUEST },
	{ "read with words", KBD_LABEL(KBD_READ, 8), 1, SLOT_NONE, KBD_ERR_REQUEST },
	{ "read with a capability", KBD_LABEL(KBD_READ, 8), 0, SLOT_INPUT, KBD_ERR_REQUEST },
	{ "subscribe without a capability", KBD_LABEL(KBD_SUBSCRIBE, 0), 0, SLOT_NONE,
	  KBD_ERR_REQUEST },
	{ "subscribe with a count", KBD_LABEL(KBD_SUBSCRIBE, 1), 0, SLOT_INPUT, KBD_ERR_REQUEST },
	{ "subscribe with a notification it cannot signal", KBD_LABEL(KBD_SUBSCRIBE, 0), 0,
	  SLOT_INPUT_NO_SIGNAL, KBD_ERR_CAP },
	{ "subscribe with the console", KBD_LABEL(KBD_SUBSCRIBE, 0), 0, SLOT_CONSOLE,
	  KBD_ERR_CAP },
};

/* True if the driver answers *bad with its error label. */
static bool rejected(const struct bad_request *bad)
{
	uint64_t label = 0;
	uint64_t st = kbd_call(bad->label, bad->words, bad->cap, NULL, 0, &label);

	if (st != OK)
		uprintf("# %s: call failed: %s\n", bad->what, status_name(st));
	else if (label != bad->want)
		uprintf("# %s: reply label %#lx, want %#lx\n", bad->what, label, bad->want);
	return st == OK && label == bad->want;
}

static bool kbd_bad_requests_rejected(void)
{
	bool all = make_input_notification();

	for (unsigned int i = 0; i < ARRAY_LEN(bad_requests); i++)
		all &= rejected(&bad_requests[i]);
	return all;
}

static const struct server_test cases[] = {
	{ "kbd_reads_typed_keys", kbd_reads_typed_keys },
	{ "kbd_bad_requests_rejected", kbd_bad_requests_rejected },
};

int main(uint64_t arg)
{
	(void)arg;
	return server_tests_run("kbd", &driver, cases, ARRAY_LEN(cases));
}
