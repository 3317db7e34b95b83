/*
 * The COM1 driver server (moat/serial.h): two threads in one task.
 *
 * The main thread serves IPC on the driver's endpoint; the IRQ thread waits
 * on a notification that IRQ 4 signals, and the main thread signals it too
 * (a "kick") when a write has queued bytes.  After setup only the IRQ thread
 * touches the UART: it moves received bytes into the RX ring and queued
 * bytes into the transmit FIFO.
 *
 * Synchronization: every ring has one producer and one consumer (ring.h):
 *   tx    main thread -> IRQ thread (client writes)
 *   rx    IRQ thread  -> main thread (received bytes)
 *   echo  IRQ thread  -> IRQ thread  (received bytes sent back while echo is on)
 * The other shared fields are single words with one writer each.  On top of
 * that the IRQ thread runs one priority above the main thread on a single
 * CPU, so the main thread only runs while the IRQ thread is blocked waiting:
 * the IRQ thread is never caught half-way by the main thread.
 */
#ifndef SERIAL_DRIVER_H
#define SERIAL_DRIVER_H

#include <stdbool.h>
#include <stdint.h>

#include "moat/user.h"
#include "ring.h"

#define SERIAL_IRQ 4

/* Capability slots the driver makes for itself. */
enum driver_slot {
	SLOT_NTFN = SLOT_USER_FIRST_FREE, /* the IRQ thread waits on it (R) */
	SLOT_NTFN_IRQ,                    /* badged NTFN_BIT_IRQ, bound to IRQ 4 */
	SLOT_NTFN_KICK,                   /* badged NTFN_BIT_KICK, the main thread signals it */
	SLOT_IRQ_THREAD,
	SLOT_IRQ_THREAD_UTCB,
	SLOT_SUBSCRIBER_A,                /* the focus client's notification and a spare */
	SLOT_SUBSCRIBER_B,                /* slot for the next one, in turns */
};

/* Bits on the IRQ thread's notification. */
#define NTFN_BIT_IRQ  1u /* the UART raised IRQ 4 */
#define NTFN_BIT_KICK 2u /* there may be bytes to transmit */

/* What the two threads share. */
struct serial_state {
	struct ring tx;
	struct ring rx;
	struct ring echo;
	volatile bool echo_on;        /* written by the main thread */
	volatile bool hold;           /* output suspended; written by the main thread */
	volatile uint64_t subscriber; /* slot to signal on input, or SLOT_NONE; main thread's */
	uint64_t rx_dropped;          /* bytes lost to a full RX ring; IRQ thread's */
};

extern struct serial_state serial;

/* Makes, configures and starts the IRQ thread one priority above this one. */
uint64_t irq_thread_start(void);

#endif
