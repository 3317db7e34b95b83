/*
 * The IRQ thread: made from the driver's own untyped memory, with its own
 * stack and UTCB, one priority above the main thread.  It waits on the
 * notification that IRQ 4 and the main thread's kicks signal, and does all
 * the UART work (driver.h explains the split).
 */
#include "moat/server.h"
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

	if (bits & NTFN_BIT_LOG)
		serial.log_ready = true;
	if (!uart_service(&serial, &fed))
		sys_signal(SLOT_NTFN_KICK); /* work left: come round again after this */
	uart_transmit(&serial);
	notify_subscribers(fed);
	if (bits & NTFN_BIT_IRQ)
		sys_irq_ack(SLOT_IRQ_FIRST + SERIAL_IRQ);
}

/* Reads the kernel's log into buf (SYS_CONSOLE_READ puts it in this thread's UTCB). */
static uint32_t kernel_log_read(uint8_t *buf, uint32_t max)
{
	uint64_t got;

	if (sys_console_read(SLOT_CONSOLE, max, &got) != OK)
		return 0;
	memcpy(buf, ((struct utcb *)IRQ_UTCB_VADDR)->mr, got);
	return got;
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

/* Makes the IRQ thread's notification and its IRQ, kick and log copies from SLOT_UNTYPED. */
static uint64_t make_objects(void)
{
	uint64_t st = sys_retype(SLOT_UNTYPED, OBJ_NOTIFICATION, 0, SLOT_NTFN, 1);
	if (st == OK)
		st = sys_cap_copy(SLOT_NTFN, TASK_SELF, SLOT_NTFN_IRQ, RIGHT_W, NTFN_BIT_IRQ);
	if (st == OK)
		st = sys_cap_copy(SLOT_NTFN, TASK_SELF, SLOT_NTFN_KICK, RIGHT_W, NTFN_BIT_KICK);
	if (st == OK)
		st = sys_cap_copy(SLOT_NTFN, TASK_SELF, SLOT_NTFN_LOG, RIGHT_W, NTFN_BIT_LOG);
	return st;
}

/*
 * Takes the kernel's output over (when the config gave console_driver) and
 * only then sets the UART up: SYS_CONSOLE_TAKE returns once the kernel's
 * last polled byte has left the UART, and from then on the kernel writes
 * to COM1 only when it panics, so resetting the FIFOs here cannot cut a
 * line the kernel (on any CPU) was writing.
 */
static void take_console_then_init_uart(void)
{
	if (sys_console_take(SLOT_CONSOLE, SLOT_NTFN_LOG) == OK) {
		serial.log_read = kernel_log_read;
		serial.log_ready = true;
	}
	uart_init();
}

uint64_t irq_thread_start(void)
{
	uint64_t st = make_objects();

	if (st == OK)
		take_console_then_init_uart();
	if (st == OK)
		st = sys_irq_bind(SLOT_IRQ_FIRST + SERIAL_IRQ, SLOT_NTFN_IRQ);
	if (st == OK)
		st = server_thread_start(SLOT_UNTYPED, SLOT_IRQ_THREAD, SLOT_IRQ_THREAD_UTCB,
					 IRQ_UTCB_VADDR, irq_thread_main, irq_stack,
					 IRQ_STACK_BYTES);
	return st;
}
