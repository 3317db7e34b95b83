/*
 * A guest's vCPUs as the processors of a PC, and the interrupts between
 * them.  vCPU 0, the bootstrap processor (BSP), runs from the start; the
 * others, the application processors (APs), wait for a STARTUP IPI, as
 * processors do after reset.  Each vCPU has a local APIC model (vlapic.h)
 * at its IA32_APIC_BASE page (0xFEE00000 at first) and at the x2APIC
 * MSRs; this file connects them to the guest:
 * - Fixed, lowest-priority and NMI messages (IPIs, and apic_deliver for
 *   the other devices) go into the receivers' models, and each receiver
 *   is kicked (vcpu_kick) so that its next exit injects them.  A
 *   lowest-priority message goes to the one APIC of its destination with
 *   the lowest processor priority (the first of them on a tie); the model
 *   says which APICs a message reaches (vlapic_targets).
 * - STARTUP to a vCPU waiting for one: the VMM writes its state (real
 *   mode at CS:IP = vector << 8 : 0) and runs it.  A vCPU not waiting
 *   ignores it, as the SDM's second STARTUP is ignored.
 * - INIT to a vCPU that is not running makes it wait for a STARTUP; to
 *   one that runs, it recalls it (SYS_VCPU_RECALL), and at that recall's
 *   exit the vCPU stops, or, if a STARTUP came meanwhile, starts there.
 *   Either way its APIC is reset.  An INIT to the sender is not modelled.
 * The kernel knows nothing of this: "waiting for SIPI" is a vCPU the VMM
 * has not run, or has stopped (docs/vm-exit-protocol.md).  The PIC's
 * interrupts reach the BSP alone; an AP's HLT sleeps until an interrupt
 * or an INIT (devices_halt), and with interrupts off halts it for good
 * (smp_halt).  The models keep time in the vCPU's guest TSC: the host's
 * plus the offset the guest set by writing IA32_TSC (exits.c keeps it in
 * tsc_offset).
 */
#include "mem.h"
#include "moat/syscall.h"
#include "moat/user.h"
#include "vmm.h"

#define VCPU_NONE 0xffffffffu /* the sender of a message no vCPU sent */

/* The EOI of a level-triggered vector: the I/O APIC clears its remote IRR. */
static void level_eoi(void *ctx, uint8_t vector)
{
	ioapic_eoi(&((struct guest *)ctx)->ioapic, vector);
}

void smp_init(struct guest *g)
{
	for (unsigned c = 0; c < g->cfg.vcpus; c++) {
		struct guest_vcpu *v = &g->cpu[c];
		v->state = c ? VCPU_WAIT_SIPI : VCPU_RUNNING;
		v->init_pending = false;
		v->sipi_vector = -1;
		v->tsc_offset = 0;
		v->exit_deadline = WAIT_FOREVER;
		v->misc_enable = MISC_ENABLE_RESET;
		v->cr4 = 0;
		v->xcr0 = XCR0_RESET; /* the kernel's too (kernel/fpu.c) */
		v->mtrr_def_type = MTRR_DEF_TYPE_RESET;
		v->kvmclock_msr = 0;
		vlapic_init(&v->lapic, c, c == 0);
		v->lapic.eoi_level = level_eoi;
		v->lapic.eoi_ctx = g;
	}
}

uint64_t vcpu_guest_tsc(const struct guest *g, unsigned c)
{
	return rdtsc() + g->cpu[c].tsc_offset;
}

uint64_t vcpu_lapic_deadline(const struct guest *g, unsigned c)
{
	uint64_t d = vlapic_next_deadline(&g->cpu[c].lapic);
	return d == UINT64_MAX ? d : d - g->cpu[c].tsc_offset;
}

/*
 * The local APIC's timer brought up to the vCPU's TSC, if its deadline
 * has come (before it, vlapic_update would change nothing the guest
 * sees).  A guest that spins until it fires gets its exit at the timer's
 * deadline (the exit deadline, devices.c arm_exit_deadline), so nothing
 * waits here.
 */
void vcpu_lapic_update(struct guest *g, unsigned c)
{
	struct vlapic *l = &g->cpu[c].lapic;
	uint64_t now = vcpu_guest_tsc(g, c);
	if (now >= vlapic_next_deadline(l))
		vlapic_update(l, now);
}

bool vcpu_lapic_pending(struct guest *g, unsigned c)
{
	struct vlapic *l = &g->cpu[c].lapic;
	vcpu_lapic_update(g, c);
	return l->nmi_pending || vlapic_pending_vector(l) >= 0;
}

/*
 * Starts vCPU c at the STARTUP's page: its state, then SYS_VCPU_RUN.  The
 * exit being handled keeps its words (the UTCB carries the new state).
 */
static void start_vcpu(struct guest *g, unsigned c, uint8_t vector)
{
	exit_words_save();
	uint64_t *w = utcb()->mr;
	w[VMW_MASK] = guest_real_mode_state(g, w, (uint16_t)vector << 8);
	uint64_t st = sys_vcpu_write_state(g->cpu[c].slot);
	if (st == OK)
		st = sys_vcpu_run(g->cpu[c].slot);
	exit_words_restore();
	if (st != OK) {
		uprintf("vmm: guest %s: vCPU %u could not be started: %s\n", g->cfg.name, c,
			status_name(st));
		return;
	}
	g->cpu[c].state = VCPU_RUNNING;
}

static void deliver_init(struct guest *g, unsigned c)
{
	struct guest_vcpu *v = &g->cpu[c];
	if (v->state != VCPU_RUNNING) {
		v->state = VCPU_WAIT_SIPI;
		vlapic_reset(&v->lapic);
		return;
	}
	v->sipi_vector = -1;
	if (!v->init_pending) {
		v->init_pending = true;
		vcpu_kick(g, c); /* recalled, or woken from a halt */
	}
}

static void deliver_startup(struct guest *g, unsigned c, uint8_t vector)
{
	struct guest_vcpu *v = &g->cpu[c];
	if (v->init_pending && v->sipi_vector < 0)
		v->sipi_vector = vector; /* applied at the recall's exit */
	else if (v->state == VCPU_WAIT_SIPI)
		start_vcpu(g, c, vector);
}

/* irq, sent by vCPU `from` (VCPU_NONE: a device), reaches vCPU c. */
static void deliver_one(struct guest *g, unsigned from, unsigned c, const struct apic_irq *irq)
{
	if (irq->mode == APIC_MODE_INIT) {
		if (c != from)
			deliver_init(g, c);
	} else if (irq->mode == APIC_MODE_STARTUP) {
		deliver_startup(g, c, irq->vector);
	} else {
		vlapic_accept(&g->cpu[c].lapic, irq);
		if (c != from) /* the sender's own reply injects it */
			vcpu_kick(g, c);
	}
}

/* irq, sent by vCPU `from` (VCPU_NONE: a device) by shorthand or to its destination. */
static void deliver(struct guest *g, unsigned from, uint8_t shorthand, const struct apic_irq *irq)
{
	const struct vlapic *apics[VMM_MAX_VCPUS];
	for (unsigned c = 0; c < g->cfg.vcpus; c++)
		apics[c] = &g->cpu[c].lapic;
	uint32_t to = vlapic_targets(apics, g->cfg.vcpus, from, shorthand, irq);
	for (unsigned c = 0; c < g->cfg.vcpus; c++)
		if (to >> c & 1)
			deliver_one(g, from, c, irq);
}

void apic_deliver(struct guest *g, const struct apic_irq *irq)
{
	deliver(g, VCPU_NONE, ICR_DEST_NONE, irq);
}

static void send_ipi(struct guest *g, unsigned from, const struct vlapic_ipi *ipi)
{
	if (ipi->send)
		deliver(g, from, ipi->shorthand, &ipi->irq);
}

uint64_t smp_send_ipi_bitmap(struct exit_ctx *x, uint64_t low, uint64_t high, uint64_t min,
			     uint64_t icr)
{
	struct apic_irq irq = { .vector = ICR_VECTOR(icr), .mode = ICR_MODE(icr) };
	uint64_t sent = 0;
	if (irq.mode != APIC_MODE_FIXED && irq.mode != APIC_MODE_NMI)
		return 0;
	for (unsigned i = 0; i < 128; i++) {
		uint64_t id = min + i;
		bool named = (i < 64 ? low >> i : high >> (i - 64)) & 1;
		if (!named || id < min || id >= x->g->cfg.vcpus)
			continue; /* past 2^64, or no vCPU's number (APIC IDs are those) */
		irq.dest = (uint32_t)id;
		deliver(x->g, exit_cpu(x), ICR_DEST_NONE, &irq);
		sent++;
	}
	return sent;
}

bool smp_lapic_page(struct exit_ctx *x, uint64_t gpa)
{
	uint64_t page = gpa & ~(uint64_t)(LAPIC_PAGE_BYTES - 1);
	return page == APIC_BASE_DEFAULT || page == vlapic_mmio_base(&x->g->cpu[exit_cpu(x)].lapic);
}

/*
 * size bytes at gpa, on a page smp_lapic_page accepted.  A read gives the
 * bytes of the 32-bit register there (the upper 12 of each 16 read 0); a
 * write counts only as an aligned 32-bit one (SDM vol. 3, 10.4.1), others
 * are dropped.  Where the APIC's registers are not (the default page once
 * the APIC has moved, and its page while it is disabled or in x2APIC
 * mode) reads give all ones and writes are dropped.
 */
void smp_lapic_access(struct exit_ctx *x, uint64_t gpa, unsigned size, bool write, uint64_t *v)
{
	unsigned c = exit_cpu(x);
	struct vlapic *l = &x->g->cpu[c].lapic;
	uint32_t off = gpa & (LAPIC_PAGE_BYTES - 1), reg = off & ~0xfu;
	bool regs = (gpa & ~(uint64_t)(LAPIC_PAGE_BYTES - 1)) == vlapic_mmio_base(l) &&
		    vlapic_xapic(l);
	if (!write) {
		uint32_t r = regs ? vlapic_mmio_read(l, reg, vcpu_guest_tsc(x->g, c)) : 0xffffffffu;
		*v = regs && (off & 0xc) ? 0 : r >> (8 * (off & 3));
		return;
	}
	if ((off & 0xf) || size != 4 || !regs)
		return;
	struct vlapic_ipi ipi = vlapic_mmio_write(l, reg, (uint32_t)*v, vcpu_guest_tsc(x->g, c));
	send_ipi(x->g, c, &ipi);
}

/* MAXPHYADDR, as CPUID leaf 0x80000008 tells the guest (the host's answer). */
static unsigned phys_address_bits(void)
{
	uint32_t a = 0x80000000, b, c = 0, d;
	asm volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	if (a < 0x80000008)
		return 36;
	a = 0x80000008;
	c = 0;
	asm volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	return a & 0xff;
}

bool smp_lapic_msr(struct exit_ctx *x, uint32_t msr, bool write, uint64_t *v)
{
	unsigned c = exit_cpu(x);
	struct vlapic *l = &x->g->cpu[c].lapic;
	uint64_t now = vcpu_guest_tsc(x->g, c);
	struct vlapic_ipi ipi;
	if (msr == MSR_APIC_BASE) {
		if (!write)
			*v = l->base;
		if (write && (*v & APIC_BASE_EXTD) && x->g->cfg.no_x2apic)
			return false; /* x2apic=off: as on a CPU without it, #GP */
		return !write || vlapic_set_base(l, *v, phys_address_bits());
	}
	if (msr == MSR_TSC_DEADLINE) {
		if (write)
			vlapic_set_tsc_deadline(l, *v, now);
		else
			*v = vlapic_tsc_deadline(l, now);
		return true;
	}
	if (!write)
		return vlapic_msr_read(l, msr, now, v);
	if (!vlapic_msr_write(l, msr, *v, now, &ipi))
		return false;
	send_ipi(x->g, c, &ipi);
	return true;
}

/*
 * An AP's HLT with interrupts off: only an INIT wakes it.  If an INIT was
 * on its way (it was recalled, but halted first), the INIT takes effect
 * now, as at the recall's exit: a vCPU it left stopped here would never
 * make that exit.
 */
void smp_halt(struct exit_ctx *x)
{
	if (smp_recalled(x))
		return;
	x->g->cpu[exit_cpu(x)].state = VCPU_HALTED;
	x->reply = VMR_STOP;
}

bool smp_recalled(struct exit_ctx *x)
{
	struct guest_vcpu *v = &x->g->cpu[exit_cpu(x)];
	if (!v->init_pending)
		return false;
	v->init_pending = false;
	vlapic_reset(&v->lapic);
	v->exit_deadline = WAIT_FOREVER; /* its timers are reset: the reply takes the deadline away */
	x->w[VMW_DEADLINE] = WAIT_FOREVER;
	if (v->sipi_vector < 0) {
		v->state = VCPU_WAIT_SIPI;
		x->reply = VMR_STOP | VMG_DEADLINE;
		return true;
	}
	x->reply = guest_real_mode_state(x->g, x->w, (uint16_t)v->sipi_vector << 8) | VMG_DEADLINE;
	v->sipi_vector = -1;
	return true;
}
