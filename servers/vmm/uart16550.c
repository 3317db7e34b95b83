/*
 * The 16550A UART model: register file, receive FIFO and interrupt logic.
 *
 * Interrupt sources in priority order (IIR encoding): receiver line status
 * (an error bit in LSR), received data (at or above the FIFO trigger level,
 * or any byte with FIFOs off), character timeout (FIFO mode, data below the
 * trigger level: with no clock in this model the timeout has always expired),
 * THR empty, modem status (an MSR delta bit).
 */
#include "uart16550.h"

#define UART_LSR_ERRORS (UART_LSR_OE | UART_LSR_PE | UART_LSR_FE | UART_LSR_BI)
#define UART_MSR_DELTAS (UART_MSR_DCTS | UART_MSR_DDSR | UART_MSR_TERI | UART_MSR_DDCD)
#define UART_IER_MASK 0x0F

/* Whether the FIFOs are enabled (FCR bit 0). */
static bool fifo_enabled(const struct uart16550 *u)
{
	return u->fcr & UART_FCR_ENABLE;
}

/* Whether MCR selects the internal loopback. */
static bool loopback(const struct uart16550 *u)
{
	return u->mcr & UART_MCR_LOOP;
}

/* How many bytes the receiver holds: the FIFO, or the single RBR of 16450 mode. */
static unsigned rx_capacity(const struct uart16550 *u)
{
	return fifo_enabled(u) ? UART_FIFO_SIZE : 1;
}

/* The receive FIFO fill level that raises the received-data interrupt. */
static unsigned rx_trigger_level(const struct uart16550 *u)
{
	static const uint8_t levels[4] = { 1, 4, 8, 14 };

	return levels[u->fcr >> UART_FCR_TRIGGER_SHIFT];
}

/* Empties the receive FIFO. */
static void rx_clear(struct uart16550 *u)
{
	u->rx_head = 0;
	u->rx_count = 0;
}

/* Stores a received byte; when full, flags an overrun (16450 mode overwrites RBR). */
static void rx_push(struct uart16550 *u, uint8_t byte)
{
	if (u->rx_count < rx_capacity(u)) {
		u->rx_fifo[(u->rx_head + u->rx_count) % UART_FIFO_SIZE] = byte;
		u->rx_count++;
		return;
	}
	u->lsr_errors |= UART_LSR_OE;
	if (!fifo_enabled(u))
		u->rx_fifo[u->rx_head] = byte;
}

/* Takes the oldest received byte; an empty receiver reads 0. */
static uint8_t rx_pop(struct uart16550 *u)
{
	uint8_t byte;

	if (!u->rx_count)
		return 0;
	byte = u->rx_fifo[u->rx_head];
	u->rx_head = (u->rx_head + 1) % UART_FIFO_SIZE;
	u->rx_count--;
	return byte;
}

/* The modem input lines: a terminal's, or the MCR outputs wired back in loopback. */
static uint8_t modem_inputs(const struct uart16550 *u)
{
	uint8_t m = u->mcr;

	if (!loopback(u))
		return UART_MSR_CTS | UART_MSR_DSR | UART_MSR_DCD;
	return (m & UART_MCR_RTS ? UART_MSR_CTS : 0) | (m & UART_MCR_DTR ? UART_MSR_DSR : 0) |
	       (m & UART_MCR_OUT1 ? UART_MSR_RI : 0) | (m & UART_MCR_OUT2 ? UART_MSR_DCD : 0);
}

/* Records MSR delta bits for the modem inputs that changed from before to after. */
static void note_modem_changes(struct uart16550 *u, uint8_t before, uint8_t after)
{
	uint8_t changed = before ^ after;

	u->msr_deltas |= (changed & (UART_MSR_CTS | UART_MSR_DSR | UART_MSR_DCD)) >> 4;
	if ((before & UART_MSR_RI) && !(after & UART_MSR_RI))
		u->msr_deltas |= UART_MSR_TERI; /* trailing edge of ring indicator */
}

/* The IIR identification of the highest-priority enabled pending interrupt. */
static uint8_t pending_interrupt(const struct uart16550 *u)
{
	if ((u->ier & UART_IER_RLS) && (u->lsr_errors & UART_LSR_ERRORS))
		return UART_IIR_RLS;
	if ((u->ier & UART_IER_RDA) && u->rx_count) {
		if (!fifo_enabled(u) || u->rx_count >= rx_trigger_level(u))
			return UART_IIR_RDA;
		return UART_IIR_TIMEOUT;
	}
	if ((u->ier & UART_IER_THRE) && u->thre_pending)
		return UART_IIR_THRE;
	if ((u->ier & UART_IER_MODEM) && u->msr_deltas)
		return UART_IIR_MODEM;
	return UART_IIR_NONE;
}

/* Reads IIR; reporting a THRE interrupt takes it. */
static uint8_t read_iir(struct uart16550 *u)
{
	uint8_t id = pending_interrupt(u);

	if (id == UART_IIR_THRE)
		u->thre_pending = false;
	return id | (fifo_enabled(u) ? UART_IIR_FIFO : 0);
}

/* Reads LSR; the error bits clear once read. */
static uint8_t read_lsr(struct uart16550 *u)
{
	uint8_t lsr = u->lsr_errors | UART_LSR_THRE | UART_LSR_TEMT;

	if (u->rx_count)
		lsr |= UART_LSR_DR;
	u->lsr_errors = 0;
	return lsr;
}

/* Reads MSR: modem inputs and change bits; the change bits clear once read. */
static uint8_t read_msr(struct uart16550 *u)
{
	uint8_t msr = modem_inputs(u) | u->msr_deltas;

	u->msr_deltas = 0;
	return msr;
}

/* Sends a byte written to THR: out through tx, or back to the receiver in loopback. */
static void write_thr(struct uart16550 *u, uint8_t byte)
{
	if (loopback(u))
		rx_push(u, byte);
	else if (u->tx)
		u->tx(u->tx_ctx, byte);
	u->thre_pending = true; /* THR emptied again at once */
}

/* Writes IER; enabling THRE while THR is empty (always) raises that interrupt. */
static void write_ier(struct uart16550 *u, uint8_t value)
{
	uint8_t enabled = value & ~u->ier;

	u->ier = value & UART_IER_MASK;
	if (enabled & UART_IER_THRE)
		u->thre_pending = true;
}

/* Writes FCR: switching FIFO mode or asking for it clears the receive FIFO. */
static void write_fcr(struct uart16550 *u, uint8_t value)
{
	if ((value ^ u->fcr) & UART_FCR_ENABLE)
		rx_clear(u);
	if (!(value & UART_FCR_ENABLE)) { /* other bits need FCR0 set to be programmed */
		u->fcr = 0;
		return;
	}
	if (value & UART_FCR_CLEAR_RX)
		rx_clear(u);
	/* The transmitter keeps nothing to clear: bytes leave as they are written. */
	u->fcr = value & ~(UART_FCR_CLEAR_RX | UART_FCR_CLEAR_TX);
}

/* Writes MCR, noting modem input changes it causes in loopback. */
static void write_mcr(struct uart16550 *u, uint8_t value)
{
	uint8_t before = modem_inputs(u);

	u->mcr = value & UART_MCR_MASK;
	note_modem_changes(u, before, modem_inputs(u));
}

void uart_init(struct uart16550 *u, uart_tx_fn tx, void *tx_ctx)
{
	u->tx = tx;
	u->tx_ctx = tx_ctx;
	u->scr = 0;
	u->dll = 12; /* 9600 baud from the 1.8432 MHz clock */
	u->dlm = 0;
	uart_reset(u);
}

void uart_reset(struct uart16550 *u)
{
	u->ier = 0;
	u->lcr = 0;
	u->mcr = 0;
	u->fcr = 0;
	u->lsr_errors = 0;
	u->msr_deltas = 0;
	u->thre_pending = false;
	rx_clear(u);
}

uint8_t uart_read(struct uart16550 *u, unsigned offset)
{
	bool dlab = u->lcr & UART_LCR_DLAB;

	switch (offset) {
	case UART_RBR:
		return dlab ? u->dll : rx_pop(u);
	case UART_IER:
		return dlab ? u->dlm : u->ier;
	case UART_IIR:
		return read_iir(u);
	case UART_LCR:
		return u->lcr;
	case UART_MCR:
		return u->mcr;
	case UART_LSR:
		return read_lsr(u);
	case UART_MSR:
		return read_msr(u);
	case UART_SCR:
		return u->scr;
	}
	return 0xFF; /* no register there: the bus floats high */
}

void uart_write(struct uart16550 *u, unsigned offset, uint8_t value)
{
	bool dlab = u->lcr & UART_LCR_DLAB;

	switch (offset) {
	case UART_THR:
		if (dlab)
			u->dll = value;
		else
			write_thr(u, value);
		break;
	case UART_IER:
		if (dlab)
			u->dlm = value;
		else
			write_ier(u, value);
		break;
	case UART_FCR:
		write_fcr(u, value);
		break;
	case UART_LCR:
		u->lcr = value;
		break;
	case UART_MCR:
		write_mcr(u, value);
		break;
	case UART_SCR:
		u->scr = value;
		break;
	}
	/* LSR and MSR writes (factory test) and other offsets are ignored. */
}

void uart_receive(struct uart16550 *u, uint8_t byte)
{
	if (!loopback(u)) /* loopback disconnects the serial input */
		rx_push(u, byte);
}

unsigned uart_rx_space(const struct uart16550 *u)
{
	return rx_capacity(u) - u->rx_count;
}

/* Whether the PC's IRQ line driver is on: OUT2 set, and loopback (which forces OUT2 inactive) off. */
static bool irq_driver_on(const struct uart16550 *u)
{
	return (u->mcr & UART_MCR_OUT2) && !loopback(u);
}

bool uart_irq_level(const struct uart16550 *u)
{
	return irq_driver_on(u) && pending_interrupt(u) != UART_IIR_NONE;
}

bool uart_rx_raises_irq(const struct uart16550 *u)
{
	return (u->ier & UART_IER_RDA) && irq_driver_on(u);
}
