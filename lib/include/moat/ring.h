/*
 * A byte ring with one producer and one consumer, which may be different
 * threads of a driver (or, in the kernel, the console's writers and the
 * console's reader).  Each index is written only by its own side: the
 * producer moves head after it has stored the bytes, the consumer moves
 * tail after it has taken them.  Indices run freely and wrap at 2^32; the
 * size is a power of two, so head - tail is always the number of bytes held.
 * The kernel runs the driver on one CPU, so a compiler barrier is all the
 * ordering the two sides need (and x86 keeps stores in order anyway).
 */
#ifndef MOAT_RING_H
#define MOAT_RING_H

#include <stdint.h>

struct ring {
	uint8_t *buf;
	uint32_t size;          /* a power of two */
	volatile uint32_t head; /* next byte to store: the producer's */
	volatile uint32_t tail; /* next byte to take: the consumer's */
};

/* A ring over a byte array whose size is a power of two. */
#define RING_INIT(array) { .buf = (array), .size = sizeof(array) }

/* Bytes held. */
uint32_t ring_used(const struct ring *r);

/* Producer: stores up to n bytes; returns how many fitted. */
uint32_t ring_put(struct ring *r, const uint8_t *bytes, uint32_t n);

/* Consumer: takes up to max bytes; returns how many it took. */
uint32_t ring_get(struct ring *r, uint8_t *bytes, uint32_t max);

/* Consumer: as ring_get, but stops after a newline (at most one line). */
uint32_t ring_get_line(struct ring *r, uint8_t *bytes, uint32_t max);

#endif
