/*
 * Port I/O, for the kernel and for driver servers: the kernel lets a task
 * touch exactly the ports its I/O-port capabilities name; any other port
 * faults.
 */
#ifndef MOAT_PORT_IO_H
#define MOAT_PORT_IO_H

#include <stdint.h>

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void outb(uint16_t port, uint8_t v)
{
	asm volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint16_t inw(uint16_t port)
{
	uint16_t v;

	asm volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void outw(uint16_t port, uint16_t v)
{
	asm volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

/* A hint to the CPU that this is a busy-wait loop. */
static inline void cpu_relax(void)
{
	asm volatile("pause" ::: "memory");
}

#endif
