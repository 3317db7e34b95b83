/*
 * The local APIC timer, calibrated against PIT channel 2, which needs no
 * interrupt: we start a 10 ms one-shot count and poll its output bit in
 * port 0x61 while the LAPIC timer and the TSC run.
 *
 * The timer runs one-shot, always set for the earlier of two TSC times:
 * the scheduler's next tick (TIMER_HZ a second, in the TSC's phase), the
 * first deadline of a timed wait (timeout.h) and the next budget event
 * (a task's CPU budget used up or replenished, budget.h).  So a timed wait ends
 * within a few LAPIC counts of its deadline instead of at the next tick
 * (docs/syscalls.md, "Timed waits", gives the figures).  The TSC-deadline
 * mode would save the conversion, but QEMU's software emulation lacks it;
 * the one-shot mode is on every local APIC.
 */
#include "budget.h"
#include "ipc.h"
#include "lapic.h"
#include "log.h"
#include "memory.h"
#include "pic.h"
#include "thread.h"
#include "timeout.h"
#include "trap.h"
#include "x86.h"

#define LAPIC_ID        0x020
#define LAPIC_EOI       0x0b0
#define LAPIC_SVR       0x0f0
#define LAPIC_ICR_LOW   0x300
#define LAPIC_ICR_HIGH  0x310
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_LVT_LINT1 0x360
#define LAPIC_LVT_ERROR 0x370
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR  0x390
#define LAPIC_TIMER_DIV  0x3e0
#define LVT_MASKED      (1U << 16)
#define LVT_NMI         (4U << 8)
#define LVT_EXTINT      (7U << 8)
#define TIMER_DIV_16    0x3
#define ICR_INIT        (5U << 8)
#define ICR_STARTUP     (6U << 8)
#define ICR_ASSERT      (1U << 14)
#define ICR_PENDING     (1U << 12) /* delivery status: the IPI is not yet accepted */

#define PIT_HZ          1193182
#define PIT_CAL_COUNT   (PIT_HZ / 100) /* 10 ms */

#define CPUID1_ECX_TSC_DEADLINE (1U << 24)

uint64_t lapic_timer_rate, tsc_rate;
static uint64_t tick_tsc;      /* TSC counts between two ticks */
/* Each CPU's one-shot and tick are its own (struct cpu): every CPU ticks for its own threads. */
#define timer_due (percpu->timer_due)
#define tick_due  (percpu->tick_due)
static volatile uint32_t *lapic;

static uint32_t lapic_read(unsigned reg)
{
	return lapic[reg / 4];
}

static void lapic_write(unsigned reg, uint32_t v)
{
	lapic[reg / 4] = v;
}

void lapic_eoi(void)
{
	lapic_write(LAPIC_EOI, 0);
}

/* Measures the LAPIC timer and TSC over 10 ms of PIT time; false if the PIT never fired. */
static int calibrate(void)
{
	uint8_t ctl = inb(0x61) & ~0x03;
	outb(0x61, ctl);      /* gate off, speaker off */
	outb(0x43, 0xb0);     /* channel 2, lo/hi byte, mode 0 (interrupt on terminal count) */
	outb(0x42, PIT_CAL_COUNT & 0xff);
	outb(0x42, PIT_CAL_COUNT >> 8);
	lapic_write(LAPIC_TIMER_DIV, TIMER_DIV_16);
	lapic_write(LAPIC_TIMER_INIT, 0xffffffff);

	outb(0x61, ctl | 0x01); /* gate on: the count starts */
	uint32_t l0 = lapic_read(LAPIC_TIMER_CUR);
	uint64_t t0 = rdtsc();
	long spins = 0;
	while (!(inb(0x61) & 0x20))
		if (++spins > 50000000)
			return 0;
	uint32_t l1 = lapic_read(LAPIC_TIMER_CUR);
	uint64_t t1 = rdtsc();
	lapic_write(LAPIC_TIMER_INIT, 0);
	lapic_timer_rate = (uint64_t)(l0 - l1) * 100;
	tsc_rate = (t1 - t0) * 100;
	return lapic_timer_rate != 0;
}

/*
 * Sets the one-shot for the earlier of the next tick and the first
 * deadline, rounded up to whole LAPIC counts so it never fires early by
 * the conversion (it may by the calibration's error: then the interrupt
 * finds nothing due and sets it again).  tick_due is at most a tick away,
 * so the count fits 32 bits and the product 64.
 */
static void timer_program(uint64_t now)
{
	uint64_t due = timeout_first(&timeouts);
	if (due > budget_due)
		due = budget_due;
	if (due > tick_due)
		due = tick_due;
	uint64_t delta = due > now ? due - now : 0;
	if (delta > tick_tsc)
		delta = tick_tsc;
	uint64_t counts = (delta * lapic_timer_rate + tsc_rate - 1) / tsc_rate;
	timer_due = due;
	lapic_write(LAPIC_TIMER_INIT, counts ? (uint32_t)counts : 1);
}

void timer_arm(uint64_t deadline)
{
	if (deadline < timer_due)
		timer_program(rdtsc());
}

/* The one-shot fired: a tick if one is due, the expired deadlines, then the next shot. */
static void timer_interrupt(struct trap_frame *f)
{
	(void)f;
	uint64_t now = rdtsc();
	bool tick_on_time = false;
	if (now >= tick_due) {
		tick_on_time = now - tick_due < tick_tsc / 2;
		percpu->ticks++;
		sched_tick();
		console_tick(); /* a test's exit waiting for the console's driver */
		/*
		 * The next tick is the first on this CPU's grid at least half a
		 * tick away.  One taken late (interrupts or the lock held it off)
		 * skips the grid's next point if that is nearer: a tick right
		 * after a late one would find nothing done and cut the thread's
		 * slice for nothing.  Under QEMU -icount with two CPUs, a CPU whose
		 * every tick waited out the other's guest took the next at once
		 * and never ran its thread (docs/smp.md, "Ticks").  Ticks missed
		 * altogether are not owed.
		 */
		tick_due += tick_tsc;
		if (tick_due < now + tick_tsc / 2)
			tick_due += ((now + tick_tsc / 2 - tick_due) / tick_tsc + 1) * tick_tsc;
	}
	notification_expire(now);
	if (now >= budget_due)
		budget_expire(now);
	timer_program(now);
	lapic_eoi();
	/*
	 * For QEMU 7.2 with -icount (docs/smp.md, "QEMU's turns"): its one
	 * thread runs the CPUs in turns, each turn until the next timer
	 * deadline, and a CPU that runs to that deadline (a spinning thread
	 * or guest) leaves the CPUs after it no time at all, turn after
	 * turn.  A PAUSE ends the turn there.  Only a tick on time does it:
	 * a late one is a CPU that waited for its turn, and giving it up at
	 * once would leave that CPU nothing but its ticks.  On hardware it
	 * is a pause of a few cycles a tick.
	 */
	if (tick_on_time)
		cpu_relax();
}

/*
 * An IPI (bkl.h) has done its work by arriving: the CPU entered the
 * kernel, where it runs a cross call while it waits for the lock and
 * looks at its run queue before it leaves.
 */
static void ipi_interrupt(struct trap_frame *f)
{
	(void)f;
	lapic_eoi();
}

/* A kick (cpu_kick): as any IPI, counted, so that a test can tell a wake-up that needed none. */
static void kick_interrupt(struct trap_frame *f)
{
	percpu->kicks++;
	ipi_interrupt(f);
}

void lapic_timer_start(void)
{
	lapic_write(LAPIC_TIMER_DIV, TIMER_DIV_16);
	lapic_write(LAPIC_LVT_TIMER, VEC_TIMER); /* one-shot */
	budget_due = UINT64_MAX;
	uint64_t now = rdtsc();
	tick_due = now + tick_tsc;
	timer_program(now);
}

void lapic_init(void)
{
	pic_init();
	uint64_t base = rdmsr(MSR_APIC_BASE);
	wrmsr(MSR_APIC_BASE, base | (1 << 11)); /* global enable */
	lapic = mmio_map(base & ~0xfffULL);
	lapic_write(LAPIC_SVR, 0x100 | VEC_LAPIC_SPURIOUS);
	lapic_extint(true); /* until irq_init chooses the I/O APIC */
	lapic_write(LAPIC_LVT_LINT1, LVT_NMI);
	lapic_write(LAPIC_LVT_ERROR, LVT_MASKED);

	if (!calibrate()) {
		lapic_timer_rate = 10000000; /* guesses; the log says so */
		if (!tsc_rate)
			tsc_rate = 1000000000; /* timer_program divides by it */
		log_warn("lapic: PIT calibration timed out; assuming %lu Hz, TSC %lu Hz",
			 lapic_timer_rate, tsc_rate);
	}
	trap_set_handler(VEC_TIMER, timer_interrupt);
	trap_set_handler(VEC_IPI_KICK, kick_interrupt);
	trap_set_handler(VEC_IPI_CALL, ipi_interrupt);
	tick_tsc = tsc_rate / TIMER_HZ;
	slice_tsc = tick_tsc * TIMESLICE_TICKS;
	lapic_timer_start();
	log_info("lapic: timer %lu counts/s (div 16), TSC %lu kHz, ticking at %d Hz, one-shot "
		 "for deadlines (TSC-deadline mode %s)", lapic_timer_rate, tsc_rate / 1000,
		 TIMER_HZ, cpuid(1, 0).ecx & CPUID1_ECX_TSC_DEADLINE ? "present" : "absent");
}

void lapic_extint(bool on)
{
	lapic_write(LAPIC_LVT_LINT0, on ? LVT_EXTINT : LVT_EXTINT | LVT_MASKED);
}

uint32_t lapic_id(void)
{
	return lapic_read(LAPIC_ID) >> 24;
}

/* Busy-waits us microseconds of TSC time (tsc_rate is calibrated by then). */
void tsc_delay_us(uint64_t us)
{
	uint64_t t0 = rdtsc(), wait = us * (tsc_rate / 1000000);
	while (rdtsc() - t0 < wait)
		asm volatile("pause");
}

/*
 * Sends an IPI (ICR low word icr) to the xAPIC ID dest and waits, at most
 * 20 ms, until the local APIC has sent it; false if it never did.
 */
static bool send_ipi(uint32_t dest, uint32_t icr)
{
	lapic_write(LAPIC_ICR_HIGH, dest << 24);
	lapic_write(LAPIC_ICR_LOW, icr); /* this write sends it */
	uint64_t t0 = rdtsc(), limit = tsc_rate / 50;
	while (lapic_read(LAPIC_ICR_LOW) & ICR_PENDING)
		if (rdtsc() - t0 > limit)
			return false;
	return true;
}

volatile uint32_t *lapic_aim_ipi_at_self(void)
{
	lapic_write(LAPIC_ICR_HIGH, lapic_id() << 24);
	return &lapic[LAPIC_ICR_LOW / 4];
}

void lapic_send_ipi(uint32_t dest, unsigned vector)
{
	lapic_write(LAPIC_ICR_HIGH, dest << 24);
	lapic_write(LAPIC_ICR_LOW, vector); /* physical destination; fixed delivery unless `vector` says NMI */
}

bool lapic_send_init(uint32_t dest)
{
	return send_ipi(dest, ICR_INIT | ICR_ASSERT);
}

bool lapic_send_startup(uint32_t dest, uint64_t page)
{
	return send_ipi(dest, ICR_STARTUP | ICR_ASSERT | (uint32_t)(page >> 12));
}

/*
 * An application processor's own local APIC, enabled to take nothing:
 * the spurious vector set, every LVT entry masked (the boot CPU alone
 * takes the 8259s' ExtINT and NMI on LINT0 and LINT1), no timer yet.
 */
void lapic_ap_init(void)
{
	wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | (1 << 11));
	lapic_write(LAPIC_SVR, 0x100 | VEC_LAPIC_SPURIOUS);
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
	lapic_write(LAPIC_LVT_LINT0, LVT_MASKED);
	lapic_write(LAPIC_LVT_LINT1, LVT_MASKED);
	lapic_write(LAPIC_LVT_ERROR, LVT_MASKED);
}
