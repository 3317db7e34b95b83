/*
 * An 8254 programmable interval timer on virtual time, as on PCs: counters 0-2
 * at ports 0x40-0x42 and the control word register at 0x43.  Counter 0's OUT
 * drives IRQ 0.
 *
 * Time is PIT input clocks (PIT_HZ) since pit_init, moved on only by
 * pit_advance(); the state at any clock is computed, not stepped, so advancing
 * by a large amount costs the same as by one.  All gates are high (no port
 * 0x61), so modes 1 and 5, which wait for a gate trigger, never start counting.
 *
 * Supported: modes 0, 2, 3 and 4; LSB, MSB and LSB-then-MSB access; counter
 * latch and read-back commands; binary and BCD counting.  A count of 1, which
 * the datasheet forbids in modes 2 and 3, runs as 2.
 *
 * Pure and freestanding: no libc, no system calls.
 */
#ifndef VMM_PIT8254_H
#define VMM_PIT8254_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PIT_HZ 1193182
#define PIT_CHANNELS 3
#define PIT_COUNTER0_PORT 0x40 /* counter n is at 0x40 + n */
#define PIT_CONTROL_PORT 0x43

/* Control word fields. */
#define PIT_SELECT(channel) ((channel) << 6)
#define PIT_READ_BACK 0xC0
#define PIT_ACCESS_LATCH 0x00 /* counter latch command */
#define PIT_ACCESS_LO 0x10
#define PIT_ACCESS_HI 0x20
#define PIT_ACCESS_LOHI 0x30
#define PIT_ACCESS_MASK 0x30
#define PIT_MODE(mode) ((mode) << 1)
#define PIT_BCD 0x01

/* Read-back command fields (with PIT_READ_BACK); the latch bits are active low. */
#define PIT_RB_NO_COUNT 0x20
#define PIT_RB_NO_STATUS 0x10
#define PIT_RB_CHANNEL(channel) (2 << (channel))

/* Status byte: OUT, null count, then the control word's access, mode and BCD bits. */
#define PIT_STATUS_OUT 0x80
#define PIT_STATUS_NULL_COUNT 0x40

/* When a counting element loaded a count, and where in its cycle it started. */
struct pit_phase {
	uint32_t count;     /* 1..65536 (binary) or 1..10000 (BCD) */
	uint64_t load_tick; /* the clock that loaded it */
	uint32_t skew;      /* clocks of the cycle already behind it at load_tick */
};

struct pit_channel {
	uint8_t mode;           /* 0-5 */
	uint8_t access;         /* PIT_ACCESS_LO, _HI or _LOHI */
	bool bcd;
	bool running;           /* cur is counting (or loads on the next clock) */
	struct pit_phase cur;
	bool reload_pending;    /* modes 2 and 3: a new count waits for the cycle's end */
	uint64_t reload_tick;   /* the clock at which next takes over */
	struct pit_phase next;
	uint16_t cr;            /* count register, as written */
	uint32_t frozen_ce;     /* counting element while not running or not yet loaded */
	bool frozen_out;        /* OUT while not running */
	bool write_msb;         /* LSB-then-MSB: the next count byte written is the MSB */
	bool read_msb;          /* LSB-then-MSB: the next byte read is the MSB */
	bool count_latched;
	uint16_t latched_count;
	bool status_latched;
	uint8_t latched_status;
};

struct pit8254 {
	struct pit_channel channel[PIT_CHANNELS];
	uint64_t now;          /* PIT clocks since pit_init */
	unsigned irq0_edges;   /* counter 0 OUT rising edges not yet taken (saturates) */
};

/* Sets up the timer with every counter idle: mode 0 past terminal count, OUT high. */
void pit_init(struct pit8254 *p);

/* The guest reads port 0x40-0x42 (0x43 and other ports read 0xFF). */
uint8_t pit_read(struct pit8254 *p, uint16_t port);

/* The guest writes value to port 0x40-0x43; other ports are ignored. */
void pit_write(struct pit8254 *p, uint16_t port, uint8_t value);

/* Moves virtual time on by ticks PIT clocks, counting counter 0's rising edges. */
void pit_advance(struct pit8254 *p, uint64_t ticks);

/* Returns counter 0's rising edges (IRQ 0 edges) since the last call. */
unsigned pit_take_irq0_edges(struct pit8254 *p);

/* PIT clocks until counter 0's next rising edge, or UINT64_MAX if none is due. */
uint64_t pit_ticks_until_irq0(const struct pit8254 *p);

/* The level of counter channel's OUT pin now (channel 0-2). */
bool pit_output(const struct pit8254 *p, unsigned channel);

#endif
