/*
 * The guests' console: what a guest writes to its UART goes to the serial
 * driver (servers/drivers/serial) when the VMM is connected to one, else to
 * the kernel's debug console.  Its input comes from the serial driver (what
 * is typed on the serial port) and from the keyboard driver
 * (servers/drivers/kbd), whichever of them the VMM is connected to; both
 * answer a read in the same form.  The exit being handled keeps its words in the UTCB,
 * which messages to the driver also use, so each exchange with the driver
 * puts them back afterwards.  Every vCPU thread writes here: one at a time,
 * under the console's lock (taken after a guest's, never before).
 */
#include "mem.h"
#include "moat/kbd.h"
#include "moat/serial.h"
#include "moat/syscall.h"
#include "moat/user.h"
#include "vmm.h"
#include "array.h"

#define RETRIES 1000 /* calls before giving up on a full driver */

/* The input watcher's objects and the console's lock, in the VMM's own slots. */
#define SLOT_INPUT_NTFN   VMM_SLOT(VMM_INPUT_NTFN)
#define SLOT_INPUT_THREAD VMM_SLOT(VMM_INPUT_THREAD)
#define INPUT_REGION      (USER_THREADS_MAX - 1) /* the vCPU threads' are the first ones */
#define INPUT_STACK_PAGES 2
#define SLOT_CONSOLE_LOCK VMM_SLOT(VMM_CONSOLE_LOCK)

static struct lock console_lock = { .state = LOCK_FREE, .ntfn = SLOT_CONSOLE_LOCK };

bool console_init(void)
{
	return sys_retype(SLOT_UNTYPED, OBJ_NOTIFICATION, 0, SLOT_CONSOLE_LOCK, 1) == OK;
}

/*
 * Where a thread keeps its exit's words around a call: the rest of its
 * UTCB's page, which the kernel never touches (each thread has its own).
 */
static uint64_t *saved_words(void)
{
	return (uint64_t *)(utcb() + 1);
}
_Static_assert(sizeof(struct utcb) + MSG_MAX_WORDS * 8 <= PAGE_BYTES, "the UTCB's page has room");

void exit_words_save(void)
{
	memcpy(saved_words(), utcb()->mr, MSG_MAX_WORDS * 8);
}

void exit_words_restore(void)
{
	memcpy(utcb()->mr, saved_words(), MSG_MAX_WORDS * 8);
}

/* The input drivers: each one's read and subscribe requests (moat/serial.h, moat/kbd.h). */
static const struct input_source {
	const uint64_t *slot;
	uint64_t read_op, subscribe_op;
} input_sources[] = {
	{ &connections.serial, SERIAL_READ, SERIAL_SUBSCRIBE },
	{ &connections.kbd, KBD_READ, KBD_SUBSCRIBE },
};
#define INPUT_SOURCES (ARRAY_LEN(input_sources))
_Static_assert(KBD_MAX_BYTES == SERIAL_MAX_BYTES && KBD_ERR_FIRST == SERIAL_ERR_FIRST,
	       "the two read requests and their replies have one form");

/* Sends up to SERIAL_MAX_BYTES; returns how many the driver took (0 on any error). */
static unsigned write_some(const char *buf, unsigned len)
{
	unsigned n = len < SERIAL_MAX_BYTES ? len : SERIAL_MAX_BYTES;
	struct msg m = { MSG_TAG(SERIAL_LABEL(SERIAL_WRITE, n), SERIAL_WORDS(n), 0), { 0 } };
	serial_msg_put(&m, buf, n);
	if (sys_call(connections.serial, &m) != OK || SERIAL_IS_ERROR(MSG_LABEL(m.tag)))
		return 0;
	return MSG_LABEL(m.tag);
}

void console_write(const char *buf, unsigned len)
{
	if (connections.serial == SLOT_NONE) {
		sys_debug_write(SLOT_CONSOLE, buf, len);
		return;
	}
	lock_acquire(&console_lock);
	exit_words_save();
	for (unsigned tries = 0; len && tries < RETRIES; tries++) {
		unsigned done = write_some(buf, len);
		buf += done;
		len -= done;
		if (!done)
			sys_yield(); /* its buffer is full (or it is restarting): let it drain */
	}
	exit_words_restore();
	lock_release(&console_lock);
}

/* Reads up to max (<= SERIAL_MAX_BYTES) typed bytes from one input driver; 0 on any error. */
static unsigned read_from(const struct input_source *src, uint8_t *buf, unsigned max)
{
	struct msg m = { MSG_TAG(SERIAL_LABEL(src->read_op, max), 0, 0), { 0 } };
	if (sys_call(*src->slot, &m) != OK || SERIAL_IS_ERROR(MSG_LABEL(m.tag)) ||
	    MSG_LABEL(m.tag) > max)
		return 0;
	serial_msg_get(&m, buf, MSG_LABEL(m.tag));
	return MSG_LABEL(m.tag);
}

unsigned console_read(uint8_t *buf, unsigned max)
{
	if (max > SERIAL_MAX_BYTES)
		max = SERIAL_MAX_BYTES;
	if (connections.serial == SLOT_NONE && connections.kbd == SLOT_NONE)
		return 0;
	unsigned n = 0;
	lock_acquire(&console_lock);
	exit_words_save();
	for (unsigned i = 0; i < INPUT_SOURCES && n < max; i++)
		if (*input_sources[i].slot != SLOT_NONE)
			n += read_from(&input_sources[i], buf + n, max - n);
	exit_words_restore();
	lock_release(&console_lock);
	return n;
}

void console_flush(void)
{
	if (connections.serial == SLOT_NONE)
		return;
	lock_acquire(&console_lock);
	exit_words_save();
	for (unsigned tries = 0; tries < RETRIES; tries++) {
		struct msg m = { MSG_TAG(SERIAL_LABEL(SERIAL_PENDING, 0), 0, 0), { 0 } };
		if (sys_call(connections.serial, &m) != OK || MSG_LABEL(m.tag) == 0)
			break;
		sys_yield();
	}
	exit_words_restore();
	lock_release(&console_lock);
}

static void (*input_handler)(void);

/* The input watcher thread: every signal from the driver means input to hand on. */
static void __attribute__((noreturn)) input_watcher(uint64_t arg)
{
	(void)arg;
	for (;;) {
		uint64_t bits;
		if (sys_wait(SLOT_INPUT_NTFN, &bits) != OK)
			sys_thread_suspend(SLOT_INPUT_THREAD);
		input_handler();
	}
}

/*
 * Asks every input driver we are connected to to signal SLOT_INPUT_NTFN on
 * input for us; true if one at least agreed.  The keyboard driver makes us
 * its focus; the serial driver leaves its focus to the person.
 */
static bool subscribe(void)
{
	bool any = false;
	for (unsigned i = 0; i < INPUT_SOURCES; i++) {
		const struct input_source *src = &input_sources[i];
		if (*src->slot == SLOT_NONE)
			continue;
		struct msg m = { MSG_TAG(SERIAL_LABEL(src->subscribe_op, 0), 0, 1), { 0 } };
		utcb()->send_caps[0] = SLOT_INPUT_NTFN;
		any |= sys_call(*src->slot, &m) == OK && MSG_LABEL(m.tag) == 0;
	}
	return any;
}

bool console_watch_input(void (*on_input)(void))
{
	if (connections.serial == SLOT_NONE && connections.kbd == SLOT_NONE)
		return false;
	input_handler = on_input;
	return sys_retype(SLOT_UNTYPED, OBJ_NOTIFICATION, 0, SLOT_INPUT_NTFN, 1) == OK &&
	       subscribe() &&
	       thread_start_in_region(SLOT_UNTYPED, INPUT_REGION, INPUT_STACK_PAGES,
				      SLOT_INPUT_THREAD, VMM_SLOT(VMM_INPUT_UTCB),
				      VMM_SLOT(VMM_INPUT_STACK), input_watcher, 0) == OK;
}
