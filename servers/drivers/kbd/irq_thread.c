/*
 * The IRQ thread: made from the driver's own untyped memory, with its own
 * stack and UTCB, one priority above the main thread.  It waits on the
 * notification IRQ 1 signals and turns scancodes into characters
 * (driver.h explains the split).
 */
#include <stdbool.h>

#include "moat/server.h"
#include "moat/syscall.h"
#include "moat/user.h"

#include "driver.h"
#include "i8042.h"
#include "keymap.h"

#define IRQ_STACK_BYTES 16384
/* Its UTCB: the page after the main thread's.  It never calls utcb(), which names that one. */
#define IRQ_UTCB_VADDR (USER_UTCB_VADDR + PAGE_BYTES)
/* Bytes one wake-up reads at most before it comes round again. */
#define DRAIN_BYTES 64

static uint8_t irq_stack[IRQ_STACK_BYTES] __attribute__((aligned(16)));
static struct keymap_state keymap;

/* Tells the focus client that keys have arrived. */
static void notify_subscriber(void)
{
	uint64_t slot = kbd.subscriber;

	if (slot != SLOT_NONE)
		sys_signal(slot);
}

/* Decodes one scancode and queues its character, if it types one. */
static bool receive(uint8_t code)
{
	int c = keymap_decode(&keymap, code);
	uint8_t ch = (uint8_t)c;

	if (c == KEYMAP_NONE)
		return false;
	if (!ring_put(&kbd.rx, &ch, 1)) {
		kbd.rx_dropped++;
		return false;
	}
	return true;
}

/*
 * Reads what the controller holds.  The i8042 raises IRQ 1 again only for
 * a byte that comes after the one read, so a wake-up that stops at its
 * bound with bytes left signals its own notification to come back.
 */
static void drain(void)
{
	bool typed = false;
	int byte = I8042_DROPPED;

	for (int i = 0; i < DRAIN_BYTES && byte != I8042_NO_BYTE; i++) {
		byte = i8042_next_byte();
		if (byte >= 0)
			typed |= receive(byte);
	}
	if (byte != I8042_NO_BYTE)
		sys_signal(SLOT_NTFN);
	if (typed)
		notify_subscriber();
}

/* The thread's body: never returns (it has no return address). */
static void __attribute__((noreturn)) irq_thread_main(uint64_t arg)
{
	uint64_t bits = 0, st;

	(void)arg;
	drain(); /* a key typed before IRQ 1 was bound raises no further interrupt */
	while ((st = sys_wait(SLOT_NTFN, &bits)) == OK) {
		drain();
		sys_irq_ack(SLOT_IRQ_FIRST + KBD_IRQ);
	}
	uprintf("kbd: IRQ thread: wait failed: %s\n", status_name(st));
	for (;;)
		sys_thread_suspend(SLOT_IRQ_THREAD);
}

uint64_t irq_thread_start(void)
{
	uint64_t st = sys_retype(SLOT_UNTYPED, OBJ_NOTIFICATION, 0, SLOT_NTFN, 1);

	if (st == OK)
		st = sys_irq_bind(SLOT_IRQ_FIRST + KBD_IRQ, SLOT_NTFN);
	if (st == OK)
		st = server_thread_start(SLOT_UNTYPED, SLOT_IRQ_THREAD, SLOT_IRQ_THREAD_UTCB,
					 IRQ_UTCB_VADDR, irq_thread_main, irq_stack,
					 IRQ_STACK_BYTES);
	return st;
}
