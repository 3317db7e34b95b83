/*
 * The 8254 model.  A running counter is described by a phase: the count, the
 * clock that loaded it and how far into its cycle it started.  The counting
 * element, OUT and OUT's rising edges at any later clock follow from that:
 *
 *   mode 0: OUT low until the count reaches 0, k = count clocks after the
 *           load, then high; the element wraps and goes on counting.
 *   mode 4: OUT high, low for the one clock at which the count reaches 0.
 *   mode 2: OUT low for one clock when the element reaches 1, then the count
 *           reloads and OUT rises: a rising edge every count clocks.
 *   mode 3: the element steps by 2; OUT high for (count + 1) / 2 clocks and
 *           low for the rest of the count; it rises every count clocks.
 *
 * In modes 2 and 3 a new count written while counting waits for the end of
 * the cycle (mode 2) or half-cycle (mode 3); the other modes restart at once.
 */
#include "pit8254.h"

#define PIT_NEVER UINT64_MAX
#define PIT_EDGES_MAX ((unsigned)-1)
#define PIT_BINARY_MODULUS 65536u
#define PIT_BCD_MODULUS 10000u

/* Whether mode reloads its count by itself (modes 2 and 3). */
static bool is_periodic(unsigned mode)
{
	return mode == 2 || mode == 3;
}

/* How many distinct values c's counting element takes: it wraps to this minus one. */
static uint32_t modulus(const struct pit_channel *c)
{
	return c->bcd ? PIT_BCD_MODULUS : PIT_BINARY_MODULUS;
}

/* The number four BCD digits stand for (stray hex digits wrap into 0-9999). */
static uint32_t bcd_decode(uint16_t v)
{
	uint32_t n = 0;

	for (int shift = 12; shift >= 0; shift -= 4)
		n = n * 10 + ((v >> shift) & 0xF);
	return n % PIT_BCD_MODULUS;
}

/* Four BCD digits for n (0-9999). */
static uint16_t bcd_encode(uint32_t n)
{
	uint16_t v = 0;

	for (int shift = 0; shift < 16; shift += 4, n /= 10)
		v |= (uint16_t)((n % 10) << shift);
	return v;
}

/* The count the count register stands for: 0 is the largest count. */
static uint32_t written_count(const struct pit_channel *c)
{
	uint32_t n = c->bcd ? bcd_decode(c->cr) : c->cr;

	return n ? n : modulus(c);
}

/* Clocks into the phase's cycle at clock t (not before its load). */
static uint64_t phase_clocks(const struct pit_phase *ph, uint64_t t)
{
	return t - ph->load_tick + ph->skew;
}

/* Mode 3's counting element at position pos (< n) of an n-clock cycle. */
static uint32_t square_wave_element(uint32_t n, uint32_t pos)
{
	uint32_t high = (n + 1) / 2; /* an odd count loads n - 1 and stays high longer */
	uint32_t start = n & ~1u;

	return start - 2 * (pos < high ? pos : pos - high);
}

/* c's counting element at clock t, as a number below modulus(c). */
static uint32_t counting_element(const struct pit_channel *c, uint64_t t)
{
	uint32_t n = c->cur.count, m = modulus(c);
	uint64_t k;

	if (!c->running || t < c->cur.load_tick)
		return c->frozen_ce;
	k = phase_clocks(&c->cur, t);
	switch (c->mode) {
	case 2:
		return (uint32_t)(n - k % n) % m;
	case 3:
		return square_wave_element(n, (uint32_t)(k % n)) % m;
	default:
		return (uint32_t)(n + m - k % m) % m;
	}
}

/* c's counting element at clock t as the guest reads it (BCD digits in BCD mode). */
static uint16_t register_value(const struct pit_channel *c, uint64_t t)
{
	uint32_t ce = counting_element(c, t);

	return c->bcd ? bcd_encode(ce % PIT_BCD_MODULUS) : (uint16_t)ce;
}

/* c's OUT level at clock t. */
static bool output(const struct pit_channel *c, uint64_t t)
{
	uint32_t n = c->cur.count;
	uint64_t k;

	if (!c->running)
		return c->frozen_out;
	if (t < c->cur.load_tick)
		return c->mode != 0;
	k = phase_clocks(&c->cur, t);
	switch (c->mode) {
	case 0:
		return k >= n;
	case 4:
		return k != n;
	case 2:
		return k % n != n - 1;
	case 3:
		return k % n < (n + 1) / 2;
	}
	return true;
}

/* The clocks after the load at which a one-shot mode's OUT rises. */
static uint64_t one_shot_edge_clocks(unsigned mode, const struct pit_phase *ph)
{
	return mode == 0 ? ph->count : (uint64_t)ph->count + 1;
}

/* How many times OUT rose under phase ph from its load up to clock t. */
static uint64_t rising_edges_upto(unsigned mode, const struct pit_phase *ph, uint64_t t)
{
	if (t < ph->load_tick)
		return 0;
	if (is_periodic(mode))
		return phase_clocks(ph, t) / ph->count;
	return phase_clocks(ph, t) >= one_shot_edge_clocks(mode, ph);
}

/* The first clock after t at which OUT rises under phase ph, or PIT_NEVER. */
static uint64_t next_rising_edge(unsigned mode, const struct pit_phase *ph, uint64_t t)
{
	uint64_t from = t < ph->load_tick ? ph->load_tick : t;
	uint64_t edge;

	if (is_periodic(mode))
		return from + ph->count - phase_clocks(ph, from) % ph->count;
	edge = ph->load_tick + one_shot_edge_clocks(mode, ph);
	return edge > t ? edge : PIT_NEVER;
}

/* The first clock after t at which c's OUT rises, across a pending reload. */
static uint64_t channel_next_edge(const struct pit_channel *c, uint64_t t)
{
	uint64_t edge;

	if (!c->running)
		return PIT_NEVER;
	edge = next_rising_edge(c->mode, &c->cur, t);
	if (!c->reload_pending || edge <= c->reload_tick)
		return edge;
	return next_rising_edge(c->mode, &c->next, c->reload_tick);
}

/* Runs c from clock from to clock to, taking up a due reload; returns OUT's rising edges. */
static uint64_t channel_advance(struct pit_channel *c, uint64_t from, uint64_t to)
{
	uint64_t edges = 0;

	if (!c->running)
		return 0;
	if (c->reload_pending && c->reload_tick <= to) {
		edges = rising_edges_upto(c->mode, &c->cur, c->reload_tick) -
			rising_edges_upto(c->mode, &c->cur, from);
		from = c->reload_tick;
		c->cur = c->next;
		c->reload_pending = false;
	}
	return edges + rising_edges_upto(c->mode, &c->cur, to) -
	       rising_edges_upto(c->mode, &c->cur, from);
}

/* Stops c at clock t: the element keeps its value and OUT is set to out. */
static void stop_counting(struct pit_channel *c, uint64_t t, bool out)
{
	c->frozen_ce = counting_element(c, t);
	c->frozen_out = out;
	c->running = false;
	c->reload_pending = false;
}

/* Modes 2 and 3: count n takes over at the end of the cycle (mode 3: half-cycle) after now. */
static void schedule_reload(struct pit_channel *c, uint64_t now, uint32_t n)
{
	uint32_t len = c->cur.count, high = (len + 1) / 2;
	uint32_t pos = (uint32_t)(phase_clocks(&c->cur, now) % len);
	bool in_high_half = c->mode == 3 && pos < high;

	c->reload_tick = now + (in_high_half ? high : len) - pos;
	c->next.count = n;
	c->next.load_tick = c->reload_tick;
	c->next.skew = in_high_half ? (n + 1) / 2 : 0; /* the new count starts low */
	c->reload_pending = true;
}

/* A complete count was written: load it on the next clock or at the cycle's end. */
static void load_count(struct pit_channel *c, uint64_t now)
{
	uint32_t n = written_count(c);

	if (c->mode == 1 || c->mode == 5) { /* waits for a gate trigger that never comes */
		stop_counting(c, now, true);
		return;
	}
	if (is_periodic(c->mode)) {
		if (n < 2)
			n = 2;
		if (c->running && now >= c->cur.load_tick) {
			schedule_reload(c, now, n);
			return;
		}
	}
	c->frozen_ce = counting_element(c, now);
	c->running = true;
	c->reload_pending = false;
	c->cur.count = n;
	c->cur.load_tick = now + 1;
	c->cur.skew = 0;
}

/* A guest write to a counter port: one byte of the count. */
static void write_counter(struct pit_channel *c, uint64_t now, uint8_t value)
{
	switch (c->access) {
	case PIT_ACCESS_LO:
		c->cr = value;
		break;
	case PIT_ACCESS_HI:
		c->cr = (uint16_t)(value << 8);
		break;
	default:
		if (!c->write_msb) {
			c->cr = (uint16_t)((c->cr & 0xFF00) | value);
			c->write_msb = true;
			if (c->mode == 0) /* mode 0: the first byte stops the count, OUT low */
				stop_counting(c, now, false);
			return;
		}
		c->cr = (uint16_t)((c->cr & 0x00FF) | value << 8);
		c->write_msb = false;
	}
	load_count(c, now);
}

/* A guest read of a counter port: latched status, then latched or live count bytes. */
static uint8_t read_counter(struct pit_channel *c, uint64_t now)
{
	uint16_t v;
	uint8_t byte;
	bool last = true;

	if (c->status_latched) {
		c->status_latched = false;
		return c->latched_status;
	}
	v = c->count_latched ? c->latched_count : register_value(c, now);
	switch (c->access) {
	case PIT_ACCESS_LO:
		byte = (uint8_t)v;
		break;
	case PIT_ACCESS_HI:
		byte = (uint8_t)(v >> 8);
		break;
	default:
		byte = (uint8_t)(c->read_msb ? v >> 8 : v);
		last = c->read_msb;
		c->read_msb = !c->read_msb;
	}
	if (last)
		c->count_latched = false;
	return byte;
}

/* Counter latch command: holds the element's value until read (a second latch is ignored). */
static void latch_count(struct pit_channel *c, uint64_t now)
{
	if (c->count_latched)
		return;
	c->latched_count = register_value(c, now);
	c->count_latched = true;
}

/* Read-back status latch: OUT, null count and the programmed control bits. */
static void latch_status(struct pit_channel *c, uint64_t now)
{
	bool null_count = !c->running || now < c->cur.load_tick || c->reload_pending;

	if (c->status_latched)
		return;
	c->latched_status = (uint8_t)((output(c, now) ? PIT_STATUS_OUT : 0) |
				      (null_count ? PIT_STATUS_NULL_COUNT : 0) | c->access |
				      PIT_MODE(c->mode) | (c->bcd ? PIT_BCD : 0));
	c->status_latched = true;
}

/* Read-back command: latches count and/or status of each selected counter. */
static void read_back(struct pit8254 *p, uint8_t value)
{
	for (unsigned i = 0; i < PIT_CHANNELS; i++) {
		if (!(value & PIT_RB_CHANNEL(i)))
			continue;
		if (!(value & PIT_RB_NO_COUNT))
			latch_count(&p->channel[i], p->now);
		if (!(value & PIT_RB_NO_STATUS))
			latch_status(&p->channel[i], p->now);
	}
}

/* Adds to counter 0's untaken rising edges, saturating. */
static void add_irq0_edges(struct pit8254 *p, uint64_t edges)
{
	uint64_t sum = p->irq0_edges + edges;

	p->irq0_edges = sum > PIT_EDGES_MAX ? PIT_EDGES_MAX : (unsigned)sum;
}

/* A control word: programs a counter (OUT to its mode's initial level) or latches. */
static void write_control(struct pit8254 *p, uint8_t value)
{
	unsigned index = value >> 6, mode = (value >> 1) & 7;
	struct pit_channel *c;
	bool was_high;

	if ((value & PIT_READ_BACK) == PIT_READ_BACK) {
		read_back(p, value);
		return;
	}
	c = &p->channel[index];
	if ((value & PIT_ACCESS_MASK) == PIT_ACCESS_LATCH) {
		latch_count(c, p->now);
		return;
	}
	was_high = output(c, p->now);
	stop_counting(c, p->now, false);
	c->mode = (uint8_t)(mode > 5 ? mode - 4 : mode); /* 6 and 7 are 2 and 3 */
	c->access = value & PIT_ACCESS_MASK;
	c->bcd = value & PIT_BCD;
	c->frozen_out = c->mode != 0;
	c->write_msb = false;
	c->read_msb = false;
	c->count_latched = false;
	c->status_latched = false;
	if (index == 0 && !was_high && c->frozen_out)
		add_irq0_edges(p, 1);
}

/* The counter behind a counter port, or NULL. */
static struct pit_channel *port_channel(struct pit8254 *p, uint16_t port)
{
	if (port < PIT_COUNTER0_PORT || port >= PIT_COUNTER0_PORT + PIT_CHANNELS)
		return NULL;
	return &p->channel[port - PIT_COUNTER0_PORT];
}

void pit_init(struct pit8254 *p)
{
	p->now = 0;
	p->irq0_edges = 0;
	/* Power-on state is undefined; idle with OUT high, so the first setup raises no edge. */
	for (unsigned i = 0; i < PIT_CHANNELS; i++)
		p->channel[i] = (struct pit_channel){
			.access = PIT_ACCESS_LOHI,
			.frozen_out = true,
		};
}

uint8_t pit_read(struct pit8254 *p, uint16_t port)
{
	struct pit_channel *c = port_channel(p, port);

	return c ? read_counter(c, p->now) : 0xFF; /* the control register is write-only */
}

void pit_write(struct pit8254 *p, uint16_t port, uint8_t value)
{
	struct pit_channel *c = port_channel(p, port);

	if (c)
		write_counter(c, p->now, value);
	else if (port == PIT_CONTROL_PORT)
		write_control(p, value);
}

void pit_advance(struct pit8254 *p, uint64_t ticks)
{
	uint64_t end = p->now + ticks;
	uint64_t edges;

	if (end < p->now)
		end = UINT64_MAX;
	edges = channel_advance(&p->channel[0], p->now, end);
	for (unsigned i = 1; i < PIT_CHANNELS; i++)
		channel_advance(&p->channel[i], p->now, end);
	p->now = end;
	add_irq0_edges(p, edges);
}

unsigned pit_take_irq0_edges(struct pit8254 *p)
{
	unsigned edges = p->irq0_edges;

	p->irq0_edges = 0;
	return edges;
}

uint64_t pit_ticks_until_irq0(const struct pit8254 *p)
{
	uint64_t edge = channel_next_edge(&p->channel[0], p->now);

	return edge == PIT_NEVER ? UINT64_MAX : edge - p->now;
}

bool pit_output(const struct pit8254 *p, unsigned channel)
{
	return channel < PIT_CHANNELS && output(&p->channel[channel], p->now);
}
