/*
 * The 8259 pair (pic.h).  The mask register of each chip is written whole,
 * from one copy of the 16 mask bits kept here.  The chips latch a request
 * that comes while its line is masked and deliver it at the unmask, which
 * irq.c's mask-until-acknowledged discipline relies on.
 */
#include "pic.h"
#include "trap.h"
#include "x86.h"

#define MASTER_CMD  0x20
#define MASTER_DATA 0x21
#define SLAVE_CMD   0xa0
#define SLAVE_DATA  0xa1
#define ICW1_INIT   0x11 /* edge-triggered, cascaded, ICW4 follows */
#define ICW4_8086   0x01
#define OCW3_ISR    0x0b /* the next read of the command port gives the in-service register */
#define EOI         0x20

static uint16_t masked = 0xffff;

void pic_init(void)
{
	static const uint8_t init[2][4] = {
		{ ICW1_INIT, VEC_PIC_BASE, 1 << PIC_CASCADE, ICW4_8086 },
		{ ICW1_INIT, VEC_PIC_BASE + 8, PIC_CASCADE, ICW4_8086 } };
	for (int i = 0; i < 2; i++) {
		uint16_t cmd = i ? SLAVE_CMD : MASTER_CMD;
		outb(cmd, init[i][0]);
		for (int w = 1; w < 4; w++)
			outb(cmd + 1, init[i][w]);
		outb(cmd + 1, 0xff);
	}
	masked = 0xffff;
}

void pic_set_mask(unsigned line, bool mask)
{
	if (mask)
		masked |= 1 << line;
	else
		masked &= ~(1 << line);
	uint16_t m = masked;
	if ((m & 0xff00) != 0xff00)
		m &= ~(1 << PIC_CASCADE); /* a slave line needs the cascade open */
	outb(MASTER_DATA, m & 0xff);
	outb(SLAVE_DATA, m >> 8);
}

bool pic_masked(unsigned line)
{
	return masked >> line & 1;
}

bool pic_spurious(unsigned line)
{
	if (line != 7 && line != 15)
		return false;
	uint16_t cmd = line == 7 ? MASTER_CMD : SLAVE_CMD;
	outb(cmd, OCW3_ISR);
	if (inb(cmd) & 0x80)
		return false;
	if (line == 15)
		outb(MASTER_CMD, EOI);
	return true;
}

void pic_eoi(unsigned line)
{
	if (line >= 8)
		outb(SLAVE_CMD, EOI);
	outb(MASTER_CMD, EOI);
}
