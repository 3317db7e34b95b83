/*
 * The IRQ thread: made from the driver's own untyped memory, with its own
 * stack and UTCB, one priority above the main thread.  It waits on the
 * notification that IRQ 4 and the main thread's kicks signal, and does all
 * the UART work (driver.h explains the split).
 */
#include "moat/syscall.h"
#include "moat/user.h"

#include "driver.h"
#include "uart.h"

#define IRQ_STACK_BYTES 16384
/* Its UTCB: the page after the main thread's.  It never calls utcb(), which names that one. */
#define IRQ_UTCB_VADDR (USER_UTCB_VADDR + PAGE_BYTES)

static uint8_t irq_stack[IRQ_STACK_BYTES] __attribute__((aligned(16)));

/* Tells each subscriber whose ring got bytes (mask of sub[] indices) that input has arrived. */
static void notify_subscribers(uint32_t fed)
{
	for (uint32_t i = 0; i < SERIAL_SUBSCRIBERS; i++) {
		uint64_t slot = serial.sub[i].ntfn;

		if ((fed & (1u << i)) && slot != SLOT_NONE)
			sys_signal(slot);
	}
}

/* One wake-up: serve the UART, start transmitting, tell the subscribers fed, unmask. */
static void handle_wakeup(uint64_t bits)
{
	uint32_t fed = 0;

	if (!uart_service(&serial, &fed))
		sys_signal(SLOT_NTFN_KICK); /* work left: come round again after this */
	uart_transmit(&serial);
	notify_subscribers(fed);
	if (bits & NTFN_BIT_IRQ)
		sys_irq_ack(SLOT_IRQ_FIRST + SERIAL_IRQ);
}

/* The thread's body: never returns (it has no return address). */
static void __attribute__((noreturn)) irq_thread_main(uint64_t arg)
{
	uint64_t bits = 0, st;

	(void)arg;
	uart_enable_interrupts(); /* THR empty raises the first one at once */
	while ((st = sys_wait(SLOT_NTFN, &bits)) == OK)
		handle_wakeup(bits);
	uprintf("serial: IRQ thread: wait failed: %s\n", status_name(st));
	for (;;)
		sys_thread_suspend(SLOT_IRQ_THREAD);
}

/* Makes the thread, its UTCB frame and the notification from SLOT_UNTYPED. */
static uint64_t make_objects(void)
{
	uint64_t st;

	st = sys_retype(SLOT_UNTYPED, OBJ_THREAD, 0, SLOT_IRQ_THREAD, 1);
	if (st == OK)
		st = sys_retype(SLOT_UNTYPED, OBJ_FRAME, 1, SLOT_IRQ_THREAD_UTCB, 1);
	if (st == OK)
		st = sys_retype(SLOT_UNTYPED, OBJ_NOTIFICATION, 0, SLOT_NTFN, 1);
	if (st == OK)
		st = sys_cap_copy(SLOT_NTFN, TASK_SELF, SLOT_NTFN_IRQ, RIGHT_W, NTFN_BIT_IRQ);
	if (st == OK)
		st = sys_cap_copy(SLOT_NTFN, TASK_SELF, SLOT_NTFN_KICK, RIGHT_W, NTFN_BIT_KICK);
	return st;
}

/*
 * The highest priority this thread may give another: its own.  (The kernel
 * refuses any above the caller's; startinfo does not say the config's.)
 */
static uint64_t own_priority(uint64_t thread)
{
	uint64_t lo = 0, hi = PRIORITY_MAX;

	while (lo < hi) {
		uint64_t mid = (lo + hi + 1) / 2;

		if (sys_thread_set_priority(thread, mid) == OK)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

/* IRQ thread at our priority, then this one a step lower (needs priority >= 1). */
static uint64_t set_priorities(void)
{
	uint64_t prio = own_priority(SLOT_IRQ_THREAD);
	uint64_t st = sys_thread_set_priority(SLOT_IRQ_THREAD, prio);

	if (st != OK || prio == 0)
		return st == OK ? ERR_INVALID_ARG : st;
	return sys_thread_set_priority(SLOT_SELF_THREAD, prio - 1);
}

uint64_t irq_thread_start(void)
{
	uint64_t st = make_objects();

	if (st == OK)
		st = sys_map(SLOT_IRQ_THREAD_UTCB, TASK_SELF, IRQ_UTCB_VADDR, RIGHT_R | RIGHT_W);
	if (st == OK)
		st = sys_thread_configure(SLOT_IRQ_THREAD, TASK_SELF, SLOT_IRQ_THREAD_UTCB,
					  SLOT_NONE);
	if (st == OK)
		st = set_priorities();
	if (st == OK)
		st = sys_irq_bind(SLOT_IRQ_FIRST + SERIAL_IRQ, SLOT_NTFN_IRQ);
	if (st != OK)
		return st;
	/* As if called: the ABI wants rsp + 8 aligned to 16 at a function's entry. */
	return sys_thread_start(SLOT_IRQ_THREAD, (uint64_t)irq_thread_main,
				(uint64_t)(irq_stack + IRQ_STACK_BYTES - 8), 0);
}
