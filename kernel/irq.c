/*
 * Device interrupts: ISA IRQs 0-15, each a capability a driver binds to a
 * notification (docs/book/07-interrupts.md).  They come through the I/O
 * APIC (io_apic.h) when the MADT lists one, else through the 8259s (pic.h);
 * irq_init chooses once and logs it.  Either way a line that fires is
 * signalled to its notification and held until the driver acknowledges it
 * with SYS_IRQ_ACK, so a device interrupts its driver at most once per
 * acknowledgement and nothing a driver does makes the kernel busy:
 *
 * - 8259 lines, and level-triggered I/O APIC lines, are masked when they
 *   fire and unmasked at the acknowledgement.  A level line still asserted
 *   then fires again; an 8259 latches an edge that came while masked and
 *   delivers it then.
 * - An edge-triggered I/O APIC line stays unmasked when it fires, because
 *   the I/O APIC drops an edge on a masked pin (82093AA datasheet, 3.2.4;
 *   QEMU does the same) and the driver would never hear of a device
 *   request that came while it was serving the last one.  An edge that
 *   comes while the line is held is kept as "pending" and masks the pin
 *   (further edges add nothing); the acknowledgement then signals the
 *   driver again at once and unmasks.
 *
 * Line 2 is the 8259s' cascade and cannot be bound; through the I/O APIC a
 * line the MADT gives no usable pin cannot be bound either.
 *
 * Each line comes to one CPU, the boot CPU until SYS_IRQ_SET_CPU names
 * another (through the I/O APIC only: the 8259s reach the boot CPU alone).
 * Its handler runs there, under the big kernel lock like every device
 * interrupt (trap.c), so the notification it signals wakes a driver
 * waiting on that CPU without an IPI.  Nothing else depends on the CPU: a
 * line's hold and its pending edge are the line's, wherever it fired.
 */
#include "boot.h"
#include "io_apic.h"
#include "ipc.h"
#include "irq.h"
#include "lapic.h"
#include "log.h"
#include "pic.h"
#include "smp.h"
#include "trap.h"

_Static_assert(IRQ_LINES == VEC_DEVICE_LINES && IRQ_LINES == FW_ISA_IRQS, "one line per ISA IRQ");

struct irq_line {
	struct notification *ntfn;
	uint64_t badge;
	uint32_t refs;     /* capabilities naming the line */
	bool held;         /* signalled, not yet acknowledged */
	bool pending;      /* fired again while held: signal again at the acknowledgement */
	bool has_pin;      /* through the I/O APIC: the MADT gave it a usable pin */
	bool mask_on_fire; /* 8259 and level-triggered lines (above) */
	uint8_t cpu;       /* where it is delivered (the pin's destination) */
	struct ioapic_pin pin;
};

static struct irq_line lines[IRQ_LINES];
static bool through_ioapic;

/* A line with no pin has nothing to mask: its pin field names no pin (and must touch none). */
static void line_mask(unsigned line, bool masked)
{
	if (!through_ioapic)
		pic_set_mask(line, masked);
	else if (lines[line].has_pin)
		ioapic_set_mask(&lines[line].pin, masked);
}

/* The line's device asked for service: tell its driver, or keep it for the acknowledgement. */
static void line_fired(unsigned line)
{
	struct irq_line *l = &lines[line];
	if (l->mask_on_fire || l->held || !l->ntfn)
		line_mask(line, true);
	if (!l->ntfn)
		return;
	if (l->held) {
		l->pending = true;
		return;
	}
	l->held = true;
	notification_signal(l->ntfn, l->badge);
}

static void pic_interrupt(struct trap_frame *f)
{
	unsigned line = f->vector - VEC_PIC_BASE;
	if (pic_spurious(line))
		return;
	percpu->device_irqs++;
	line_fired(line); /* masks it before the EOI: it cannot come again until acknowledged */
	pic_eoi(line);
}

static void ioapic_interrupt(struct trap_frame *f)
{
	percpu->device_irqs++;
	line_fired(f->vector - VEC_IOAPIC_BASE);
	lapic_eoi(); /* a level line is masked by now: the EOI does not bring it back */
}

/* Sends line to cpu c through its pin, masked, with the MADT's polarity and trigger. */
static void line_route(unsigned line, const struct cpu *c)
{
	const struct fw_isa_route *r = &madt_irqs.isa[line];
	struct irq_line *l = &lines[line];
	l->has_pin = line != PIC_CASCADE && r->gsi != FW_NO_GSI && ioapic_pin_of(r->gsi, &l->pin);
	if (!l->has_pin)
		return;
	l->mask_on_fire = r->level;
	ioapic_route(&l->pin, (uint8_t)(VEC_IOAPIC_BASE + line), c->apic_id, r->active_low,
		     r->level);
}

/* True if the I/O APIC will serve: the MADT lists one, it answers, and ioapic=off was not given. */
static bool ioapic_chosen(void)
{
	if (kernel_options.no_ioapic) {
		log_info("irq: ioapic=off");
		return false;
	}
	if (!madt_found || madt_irqs.n_ioapics == 0) {
		log_info("irq: no I/O APIC in %s", madt_found ? "the MADT" : "the tables (no MADT)");
		return false;
	}
	return ioapic_init(&madt_irqs) > 0;
}

/* Every line through the I/O APIC to the boot CPU (its cpu 0), masked; the 8259s and LINT0 masked. */
static void use_ioapic(void)
{
	through_ioapic = true;
	lapic_extint(false);
	for (unsigned i = 0; i < IRQ_LINES; i++) {
		line_route(i, &cpus[0]);
		trap_set_handler(VEC_IOAPIC_BASE + i, ioapic_interrupt);
	}
	for (unsigned c = 0; c < madt_irqs.n_ioapics; c++)
		if (ioapic_pins(c))
			log_info("irq: through the I/O APIC at %#x, %u pins", ioapic_address(c),
				 ioapic_pins(c));
	for (unsigned i = 0; i < IRQ_LINES; i++)
		if (lines[i].has_pin && (i != madt_irqs.isa[i].gsi || madt_irqs.isa[i].level ||
					 madt_irqs.isa[i].active_low))
			log_info("irq: IRQ %u on GSI %u, %s, active %s", i, madt_irqs.isa[i].gsi,
				 madt_irqs.isa[i].level ? "level" : "edge",
				 madt_irqs.isa[i].active_low ? "low" : "high");
	if (madt_irqs.overrides_ignored)
		log_warn("irq: %u interrupt source overrides of the MADT ignored (not ISA, "
			 "reserved flags or repeated)", madt_irqs.overrides_ignored);
}

void irq_init(void)
{
	if (ioapic_chosen()) {
		use_ioapic();
		return;
	}
	for (unsigned i = 0; i < IRQ_LINES; i++) {
		lines[i].mask_on_fire = true;
		trap_set_handler(VEC_PIC_BASE + i, pic_interrupt);
	}
	log_info("irq: through the 8259s");
}

/* False for the cascade line and, through the I/O APIC, a line with no pin: no call takes them. */
static bool line_usable(uint64_t line)
{
	return line != PIC_CASCADE && (!through_ioapic || lines[line].has_pin);
}

void irq_ref(uint64_t line)
{
	lines[line].refs++;
}

/* Unbinds line: masked, nothing held, ready for the next driver to bind. */
static void line_unbind(unsigned line)
{
	lines[line].ntfn = 0;
	lines[line].held = lines[line].pending = false;
	line_mask(line, true);
}

void irq_unref(uint64_t line)
{
	if (--lines[line].refs == 0)
		line_unbind(line);
}

int irq_bind(uint64_t line, struct notification *n, uint64_t badge)
{
	if (!line_usable(line))
		return ERR_INVALID_ARG;
	if (lines[line].ntfn)
		return ERR_BUSY; /* one handler per line; deleting its notification frees it */
	lines[line].ntfn = n;
	lines[line].badge = badge ? badge : 1;
	lines[line].held = lines[line].pending = false;
	line_mask(line, false);
	return OK;
}

int irq_set_cpu(uint64_t line, unsigned cpu)
{
	if (!line_usable(line))
		return ERR_INVALID_ARG;
	if (!through_ioapic)
		return cpu == 0 ? OK : ERR_UNSUPPORTED; /* the 8259s' ExtINT reaches the boot CPU alone */
	lines[line].cpu = (uint8_t)cpu;
	ioapic_set_destination(&lines[line].pin, cpus[cpu].apic_id);
	return OK;
}

int irq_ack(uint64_t line)
{
	struct irq_line *l = &lines[line];
	if (!l->ntfn)
		return ERR_INVALID_ARG;
	if (l->pending) {
		l->pending = false;
		notification_signal(l->ntfn, l->badge); /* still held: the driver serves it next */
	} else {
		l->held = false;
	}
	line_mask(line, false);
	return OK;
}

void irq_unbind_notification(struct notification *n)
{
	for (unsigned i = 0; i < IRQ_LINES; i++)
		if (lines[i].ntfn == n)
			line_unbind(i);
}

bool irq_through_ioapic(void)
{
	return through_ioapic;
}

const struct ioapic_pin *irq_pin(unsigned line)
{
	return through_ioapic && lines[line].has_pin ? &lines[line].pin : 0;
}

const char *irq_line_broken(unsigned line)
{
	const struct irq_line *l = &lines[line];
	if (l->pending && !l->held)
		return "IRQ line pending but not held";
	if (l->held && !l->ntfn)
		return "IRQ line held but bound to nothing";
	if (through_ioapic && !l->has_pin)
		return l->ntfn ? "IRQ line without a pin is bound" : 0;
	if (through_ioapic && ioapic_read_entry(&l->pin) >> 56 != cpus[l->cpu].apic_id)
		return "IRQ line's pin sends it to another CPU than its own";
	bool masked = through_ioapic ? l->pin.entry & IOAPIC_MASKED : pic_masked(line);
	bool closed = !l->ntfn || (l->held && (l->mask_on_fire || l->pending));
	if (masked != closed)
		return masked ? "IRQ line masked while its driver waits for it"
			      : "IRQ line open while unbound or held";
	return 0;
}
