/*
 * A guest's vCPUs as the processors of a PC.  vCPU 0, the bootstrap
 * processor (BSP), runs from the start; the others, the application
 * processors (APs), wait for a STARTUP IPI, as processors do after reset.
 * Each vCPU has a local APIC model (vlapic.h) at 0xFEE00000, and a write
 * of its ICR sends INIT and STARTUP IPIs, which this file delivers:
 * - STARTUP to a vCPU waiting for one: the VMM writes its state (real
 *   mode at CS:IP = vector << 8 : 0) and runs it.  A vCPU not waiting
 *   ignores it, as the SDM's second STARTUP is ignored.
 * - INIT to a vCPU that is not running makes it wait for a STARTUP; to
 *   one that runs, it recalls it (SYS_VCPU_RECALL), and at that recall's
 *   exit the vCPU stops, or, if a STARTUP came meanwhile, starts there.
 * The kernel knows nothing of this: "waiting for SIPI" is a vCPU the VMM
 * has not run, or has stopped (docs/vm-exit-protocol.md).  Interrupts
 * (the PIC's) reach the BSP alone; an AP's HLT sleeps until an INIT
 * (devices_halt), and with interrupts off halts it for good (smp_halt).
 */
#include "mem.h"
#include "moat/syscall.h"
#include "moat/user.h"
#include "vmm.h"

void smp_init(struct guest *g)
{
	for (unsigned c = 0; c < g->cfg.vcpus; c++) {
		g->cpu[c].state = c ? VCPU_WAIT_SIPI : VCPU_RUNNING;
		g->cpu[c].init_pending = false;
		g->cpu[c].sipi_vector = -1;
		vlapic_init(&g->cpu[c].lapic, c);
	}
}

/*
 * Starts vCPU c at the STARTUP's page: its state, then SYS_VCPU_RUN.  The
 * exit being handled keeps its words (the UTCB carries the new state).
 */
static void start_vcpu(struct guest *g, unsigned c, uint8_t vector)
{
	exit_words_save();
	uint64_t *w = utcb()->mr;
	w[VMW_MASK] = guest_real_mode_state(w, (uint16_t)vector << 8);
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

/* Delivers an IPI vCPU `from` sent to every vCPU it reaches; an INIT not to the sender. */
static void send_ipi(struct guest *g, unsigned from, const struct vlapic_ipi *ipi)
{
	for (unsigned c = 0; c < g->cfg.vcpus; c++) {
		if (!vlapic_ipi_reaches(ipi, from, c))
			continue;
		if (ipi->kind == IPI_INIT && c != from)
			deliver_init(g, c);
		else if (ipi->kind == IPI_STARTUP)
			deliver_startup(g, c, ipi->vector);
	}
}

/*
 * Byte off of the APIC page, size bytes.  A read gives the bytes of the
 * 32-bit register there (the upper 12 of each 16 read 0); a write counts
 * only as an aligned 32-bit one (SDM vol. 3, 10.4.1), others are dropped.
 */
void smp_lapic_access(struct exit_ctx *x, uint64_t off, unsigned size, bool write, uint64_t *v)
{
	struct guest_vcpu *cpu = &x->g->cpu[exit_cpu(x)];
	uint32_t reg = off & ~0xfu;
	if (!write) {
		*v = off & 0xc ? 0 : vlapic_read(&cpu->lapic, reg) >> (8 * (off & 3));
		return;
	}
	if ((off & 0xf) || size != 4)
		return;
	struct vlapic_ipi ipi = vlapic_write(&cpu->lapic, reg, (uint32_t)*v);
	if (ipi.kind != IPI_NONE)
		send_ipi(x->g, exit_cpu(x), &ipi);
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
	if (v->sipi_vector < 0) {
		v->state = VCPU_WAIT_SIPI;
		x->reply = VMR_STOP;
		return true;
	}
	x->reply = guest_real_mode_state(x->w, (uint16_t)v->sipi_vector << 8);
	v->sipi_vector = -1;
	return true;
}
