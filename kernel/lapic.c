/*
 * The local APIC timer, calibrated against PIT channel 2, which needs no
 * interrupt: we start a 10 ms one-shot count and poll its output bit in
 * port 0x61 while the LAPIC timer and the TSC run.
 */
#include "lapic.h"
#include "log.h"
#include "memory.h"
#include "thread.h"
#include "trap.h"
#include "x86.h"

#define LAPIC_EOI       0x0b0
#define LAPIC_SVR       0x0f0
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_LVT_LINT1 0x360
#define LAPIC_LVT_ERROR 0x370
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR  0x390
#define LAPIC_TIMER_DIV  0x3e0
#define LVT_MASKED      (1U << 16)
#define LVT_PERIODIC    (1U << 17)
#define LVT_NMI         (4U << 8)
#define LVT_EXTINT      (7U << 8)
#define TIMER_DIV_16    0x3

#define PIT_HZ          1193182
#define PIT_CAL_COUNT   (PIT_HZ / 100) /* 10 ms */

volatile uint64_t timer_ticks;
uint64_t lapic_timer_rate, tsc_rate;
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

/* Moves the 8259s' vectors off the exception range, then masks every line. */
static void pic_disable(void)
{
	static const uint8_t init[2][4] = { { 0x11, VEC_PIC_BASE, 4, 1 },
					    { 0x11, VEC_PIC_BASE + 8, 2, 1 } };
	for (int i = 0; i < 2; i++) {
		uint16_t cmd = i ? 0xa0 : 0x20;
		outb(cmd, init[i][0]);
		for (int w = 1; w < 4; w++)
			outb(cmd + 1, init[i][w]);
		outb(cmd + 1, 0xff);
	}
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

static void timer_tick(struct trap_frame *f)
{
	(void)f;
	timer_ticks++;
	sched_tick();
	lapic_eoi();
}

void lapic_init(void)
{
	pic_disable();
	uint64_t base = rdmsr(MSR_APIC_BASE);
	wrmsr(MSR_APIC_BASE, base | (1 << 11)); /* global enable */
	lapic = mmio_map(base & ~0xfffULL);
	lapic_write(LAPIC_SVR, 0x100 | VEC_LAPIC_SPURIOUS);
	lapic_write(LAPIC_LVT_LINT0, LVT_EXTINT); /* the 8259s deliver device IRQs through LINT0 */
	lapic_write(LAPIC_LVT_LINT1, LVT_NMI);
	lapic_write(LAPIC_LVT_ERROR, LVT_MASKED);

	if (!calibrate()) {
		lapic_timer_rate = 10000000; /* a guess; the log says so */
		log_warn("lapic: PIT calibration timed out; assuming %lu Hz", lapic_timer_rate);
	}
	trap_set_handler(VEC_TIMER, timer_tick);
	lapic_write(LAPIC_TIMER_DIV, TIMER_DIV_16);
	lapic_write(LAPIC_LVT_TIMER, VEC_TIMER | LVT_PERIODIC);
	lapic_write(LAPIC_TIMER_INIT, (uint32_t)(lapic_timer_rate / TIMER_HZ));
	slice_tsc = tsc_rate * TIMESLICE_TICKS / TIMER_HZ;
	log_info("lapic: timer %lu counts/s (div 16), TSC %lu kHz, ticking at %d Hz",
		 lapic_timer_rate, tsc_rate / 1000, TIMER_HZ);
}

