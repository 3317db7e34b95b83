/*
 * The COM1 driver server (moat/serial.h): two threads in one task.
 *
 * The main thread serves IPC on the driver's endpoint; the IRQ thread waits
 * on a notification that IRQ 4 signals, and the main thread signals it too
 * (a "kick") when a write has queued bytes.  After setup only the IRQ thread
 * touches the UART: it moves received bytes into the focus subscriber's RX
 * ring (input.c decodes the console-switch sequence) and queued bytes into
 * the transmit FIFO.
 *
 * The driver takes the console over (SYS_CONSOLE_TAKE) before it sets the
 * UART up and starts the IRQ thread (irq_thread_start); from then on the
 * kernel's log is a second output source beside the clients' (output.c).
 *
 * Synchronization: every ring has one producer and one consumer (ring.h):
 *   tx    main thread -> IRQ thread (client writes)
 *   rx    IRQ thread  -> main thread (received bytes; one ring per subscriber)
 *   echo  IRQ thread  -> IRQ thread  (received bytes sent back while echo is on)
 * The other shared fields are single words with one writer each: the focus
 * is the IRQ thread's alone (only typed Ctrl-A N moves it); the main thread stores a new subscriber's slot before the count that
 * makes it visible.  On top of that the IRQ thread runs one priority above
 * the main thread on a single CPU, so the main thread only runs while the
 * IRQ thread is blocked waiting: the IRQ thread is never caught half-way by
 * the main thread.
 */
#ifndef SERIAL_DRIVER_H
#define SERIAL_DRIVER_H

#include <stdbool.h>
#include <stdint.h>

#include "moat/serial.h"
#include "moat/user.h"
#include "moat/ring.h"

#define SERIAL_IRQ 4

/* Capability slots the driver makes for itself. */
enum driver_slot {
	SLOT_NTFN = SLOT_USER_FIRST_FREE, /* the IRQ thread waits on it (R) */
	SLOT_NTFN_IRQ,                    /* badged NTFN_BIT_IRQ, bound to IRQ 4 */
	SLOT_NTFN_KICK,                   /* badged NTFN_BIT_KICK, the main thread signals it */
	SLOT_NTFN_LOG,                    /* badged NTFN_BIT_LOG, the kernel signals its log */
	SLOT_IRQ_THREAD,
	SLOT_IRQ_THREAD_UTCB,
	SLOT_SUBSCRIBER_FIRST,            /* from here to LAST: the subscribers' notifications */
	SLOT_SUBSCRIBER_LAST = SLOT_SUBSCRIBER_FIRST + SERIAL_SUBSCRIBERS, /* and a spare */
};

/* Bits on the IRQ thread's notification. */
#define NTFN_BIT_IRQ  1u /* the UART raised IRQ 4 */
#define NTFN_BIT_KICK 2u /* there may be bytes to transmit */
#define NTFN_BIT_LOG  4u /* the kernel's log has new bytes */

/* A subscriber's share: sub[i] is subscriber number i + 1. */
struct subscriber {
	struct ring rx;         /* bytes typed while it had the focus */
	volatile uint64_t ntfn; /* slot to signal on input, or SLOT_NONE; main thread's */
	/* Its console's name: the client's server name, which the root gave (startinfo). */
	char name[STARTINFO_NAME_LEN]; /* main thread's, written before `subscribers` counts it */
};

/* What the two threads share. */
struct serial_state {
	struct ring tx;
	struct ring echo;        /* sent before tx: typed bytes echoed, and the console notices */
	/* In subscription order; before anyone subscribes, sub[0]'s ring is anyone's. */
	struct subscriber sub[SERIAL_SUBSCRIBERS];
	volatile uint32_t subscribers;   /* sub[0 .. subscribers-1] are taken; main thread's */
	volatile bool echo_on;           /* written by the main thread */
	volatile bool hold;              /* output suspended; written by the main thread */
	uint32_t focus;                  /* sub[] index input goes to; IRQ thread's */
	bool escape;                     /* Ctrl-A seen, the byte after it not yet; IRQ thread's */
	uint64_t rx_dropped;             /* bytes lost to a full RX ring; IRQ thread's */
	/* The kernel's log (IRQ thread's): reads up to max bytes, one line at most; NULL if not taken. */
	uint32_t (*log_read)(uint8_t *buf, uint32_t max);
	bool log_ready;                  /* the kernel signalled, and the log was not yet found empty */
	bool from_log;                   /* whose turn it is: the log's or the clients' */
	uint64_t tx_writer;              /* the client whose bytes went into tx last ... */
	bool tx_mid_line;                /* ... and left a line unfinished there */
	bool mid_line;                   /* the last byte out was not a newline ... */
	bool mid_line_from_log;          /* ... and it was the log's (or the clients') */
};

extern struct serial_state serial;

/* Makes, configures and starts the IRQ thread one priority above this one. */
uint64_t irq_thread_start(void);

/*
 * IRQ thread: hands n received bytes to the focus subscriber's ring, and to
 * the echo ring while echo is on, acting on console-switch sequences
 * (moat/serial.h): their notices ("[console 2: NAME]", the list) go to the
 * echo ring too.  Returns a mask of the sub[] indices whose ring got bytes.
 */
uint32_t input_receive(struct serial_state *s, const uint8_t *bytes, uint32_t n);

/* IRQ thread: up to room bytes to send, the clients' and the kernel's log's lines in turn (output.c). */
uint32_t output_take(struct serial_state *s, uint8_t *buf, uint32_t room);

/*
 * Main thread: queues client `writer`'s bytes in tx, after a newline if
 * another client left a line unfinished there; how many of its bytes fit
 * (output.c).
 */
uint32_t output_put(struct serial_state *s, uint64_t writer, const uint8_t *bytes, uint32_t count);

#endif
