/*
 * Device interrupts through the 8259 PIC pair (vectors 32-47).  A line
 * bound to a notification is masked when it fires and the notification is
 * signalled; the driver unmasks it with SYS_IRQ_ACK when it has serviced
 * the device.  Line 2 is the cascade and cannot be bound.
 */
#include "ipc.h"
#include "irq.h"
#include "log.h"
#include "trap.h"
#include "x86.h"

struct irq_line {
	struct notification *ntfn;
	uint64_t badge;
	uint32_t refs; /* capabilities naming the line */
};

static struct irq_line lines[IRQ_LINES];
static uint16_t masked = 0xffff;

static void pic_set_mask(unsigned line, bool mask)
{
	if (mask)
		masked |= 1 << line;
	else
		masked &= ~(1 << line);
	uint16_t m = masked;
	if ((m & 0xff00) != 0xff00)
		m &= ~(1 << 2); /* a slave line needs the cascade open */
	outb(0x21, m & 0xff);
	outb(0xa1, m >> 8);
}

/* Lines 7 and 15 also carry spurious interrupts: the in-service bit tells. */
static bool spurious(unsigned line)
{
	if (line != 7 && line != 15)
		return false;
	uint16_t cmd = line == 7 ? 0x20 : 0xa0;
	outb(cmd, 0x0b);
	if (inb(cmd) & 0x80)
		return false;
	if (line == 15)
		outb(0x20, 0x20); /* the master did see the cascade */
	return true;
}

static void irq_interrupt(struct trap_frame *f)
{
	unsigned line = f->vector - VEC_PIC_BASE;
	if (spurious(line))
		return;
	pic_set_mask(line, true);
	if (line >= 8)
		outb(0xa0, 0x20);
	outb(0x20, 0x20);
	if (lines[line].ntfn)
		notification_signal(lines[line].ntfn, lines[line].badge);
}

void irq_init(void)
{
	for (unsigned i = 0; i < IRQ_LINES; i++)
		trap_set_handler(VEC_PIC_BASE + i, irq_interrupt);
}

void irq_ref(uint64_t line)
{
	lines[line].refs++;
}

void irq_unref(uint64_t line)
{
	if (--lines[line].refs == 0) {
		lines[line].ntfn = 0;
		pic_set_mask(line, true);
	}
}

int irq_bind(uint64_t line, struct notification *n, uint64_t badge)
{
	if (line == 2)
		return ERR_INVALID_ARG;
	if (lines[line].ntfn)
		return ERR_BUSY; /* one handler per line; deleting its notification frees it */
	lines[line].ntfn = n;
	lines[line].badge = badge ? badge : 1;
	pic_set_mask(line, false);
	return OK;
}

int irq_ack(uint64_t line)
{
	if (!lines[line].ntfn)
		return ERR_INVALID_ARG;
	pic_set_mask(line, false);
	return OK;
}

void irq_unbind_notification(struct notification *n)
{
	for (unsigned i = 0; i < IRQ_LINES; i++) {
		if (lines[i].ntfn == n) {
			lines[i].ntfn = 0;
			pic_set_mask(i, true);
		}
	}
}
