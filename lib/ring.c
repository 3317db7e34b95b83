/* The single-producer, single-consumer byte ring (ring.h). */
#include "moat/ring.h"

/* Keeps the compiler from moving memory accesses across it. */
static inline void compiler_barrier(void)
{
	asm volatile("" ::: "memory");
}

static uint32_t min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

uint32_t ring_used(const struct ring *r)
{
	return r->head - r->tail;
}

uint32_t ring_put(struct ring *r, const uint8_t *bytes, uint32_t n)
{
	uint32_t head = r->head;
	uint32_t fit = min_u32(n, r->size - (head - r->tail));

	for (uint32_t i = 0; i < fit; i++)
		r->buf[(head + i) & (r->size - 1)] = bytes[i];
	compiler_barrier(); /* the bytes are in place before the consumer can see them */
	r->head = head + fit;
	return fit;
}

/* Takes up to max bytes, and no more once it has taken a byte equal to stop (if stop >= 0). */
static uint32_t take(struct ring *r, uint8_t *bytes, uint32_t max, int stop)
{
	uint32_t tail = r->tail;
	uint32_t avail = min_u32(max, r->head - tail), got = 0;

	compiler_barrier(); /* read head before the bytes it covers */
	while (got < avail) {
		bytes[got] = r->buf[(tail + got) & (r->size - 1)];
		if (bytes[got++] == stop)
			break;
	}
	compiler_barrier(); /* the bytes are read before the producer may reuse them */
	r->tail = tail + got;
	return got;
}

uint32_t ring_get(struct ring *r, uint8_t *bytes, uint32_t max)
{
	return take(r, bytes, max, -1);
}

uint32_t ring_get_line(struct ring *r, uint8_t *bytes, uint32_t max)
{
	return take(r, bytes, max, '\n');
}
