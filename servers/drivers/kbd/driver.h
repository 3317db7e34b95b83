/*
 * The PS/2 keyboard driver server (moat/kbd.h): two threads in one task,
 * as the serial driver (servers/drivers/serial/driver.h).
 *
 * The main thread serves IPC on the driver's endpoint; the IRQ thread waits
 * on a notification that IRQ 1 signals, reads the scancodes from the i8042,
 * decodes them (keymap.h) and puts the characters into the RX ring.  After
 * setup only the IRQ thread touches the controller.
 *
 * Synchronization: the RX ring has one producer (the IRQ thread) and one
 * consumer (the main thread); subscriber has one writer (the main thread).
 * The IRQ thread runs one priority above the main thread on a single CPU,
 * so the main thread only runs while the IRQ thread is blocked waiting.
 *
 * I/O ports: the root config gives one range per server, so the config
 * grants 0x60-0x64, and with it 0x61-0x63, which the driver has no business
 * with (0x61 is the PC speaker gate and NMI control).  At start the driver
 * derives capabilities for 0x60 and 0x64 alone and deletes the range, so
 * the over-grant lasts only until then.
 */
#ifndef KBD_DRIVER_H
#define KBD_DRIVER_H

#include <stdint.h>

#include "moat/user.h"
#include "moat/ring.h"

#define KBD_IRQ 1

/* Capability slots the driver makes for itself. */
enum driver_slot {
	SLOT_NTFN = SLOT_USER_FIRST_FREE, /* bound to IRQ 1; the IRQ thread waits on it */
	SLOT_IRQ_THREAD,
	SLOT_IRQ_THREAD_UTCB,
	SLOT_SUBSCRIBER_A,                /* the focus client's notification and a spare */
	SLOT_SUBSCRIBER_B,                /* slot for the next one, in turns */
	SLOT_PORT_DATA,                   /* 0x60 alone */
	SLOT_PORT_COMMAND,                /* 0x64 alone */
};

/* What the two threads share. */
struct kbd_state {
	struct ring rx;               /* typed characters */
	volatile uint64_t subscriber; /* slot to signal on input, or SLOT_NONE; main thread's */
	uint64_t rx_dropped;          /* characters lost to a full RX ring; IRQ thread's */
};

extern struct kbd_state kbd;

/* Makes, configures and starts the IRQ thread one priority above this one. */
uint64_t irq_thread_start(void);

#endif
