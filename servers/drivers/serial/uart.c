/*
 * The 16550 UART at COM1, from the datasheet: divisor latch, FIFO control,
 * interrupt identification.  Only the IRQ thread calls these once the
 * driver runs (uart_init before it starts).
 */
#include "moat/port_io.h"
#include "uart.h"

#define BAUD_BASE 115200 /* the 1.8432 MHz clock divided by 16 */
#define BAUD      115200

#define LCR_8N1  0x03 /* 8 data bits, no parity, 1 stop bit */
#define LCR_DLAB 0x80 /* divisor latch access */

#define FCR_ENABLE   0x01
#define FCR_CLEAR_RX 0x02
#define FCR_CLEAR_TX 0x04 /* receive trigger level: bits 7:6 = 0, one byte */

#define MCR_DTR  0x01
#define MCR_RTS  0x02
#define MCR_OUT2 0x08 /* on PCs, gates the UART's interrupt onto the IRQ line */

#define IER_RX_DATA  0x01 /* received data available (and character timeout) */
#define IER_THR_EMPTY 0x02

#define IIR_NONE_PENDING 0x01
#define IIR_ID(iir)      (((iir) >> 1) & 7) /* bits 3:1: the interrupt's source */

#define LSR_DATA_READY 0x01
#define LSR_THR_EMPTY  0x20 /* with FIFOs on: the transmit FIFO is empty */

/* Interrupt identifications a single wake-up serves before giving way. */
#define SERVICE_ROUNDS 64

static uint8_t reg_read(enum uart_reg reg)
{
	return inb(COM1_BASE + reg);
}

static void reg_write(enum uart_reg reg, uint8_t v)
{
	outb(COM1_BASE + reg, v);
}

void uart_init(void)
{
	uint16_t divisor = BAUD_BASE / BAUD;

	reg_write(UART_IER, 0);
	reg_write(UART_LCR, LCR_DLAB);
	reg_write(UART_DLL, divisor & 0xff);
	reg_write(UART_DLM, divisor >> 8);
	reg_write(UART_LCR, LCR_8N1);
	reg_write(UART_FCR, FCR_ENABLE | FCR_CLEAR_RX | FCR_CLEAR_TX);
	reg_write(UART_MCR, MCR_DTR | MCR_RTS | MCR_OUT2);
	/* Clear what may be pending from before: line status, data, modem status. */
	reg_read(UART_LSR);
	reg_read(UART_RBR);
	reg_read(UART_MSR);
	reg_read(UART_IIR);
}

void uart_enable_interrupts(void)
{
	reg_write(UART_IER, IER_RX_DATA | IER_THR_EMPTY);
}

/* Reads the receive FIFO empty (at most one FIFO's worth per call) and hands the bytes on. */
static void receive(struct serial_state *s, uint32_t *fed)
{
	uint8_t bytes[UART_FIFO_BYTES];
	uint32_t n = 0;

	while (n < UART_FIFO_BYTES && (reg_read(UART_LSR) & LSR_DATA_READY))
		bytes[n++] = reg_read(UART_RBR);
	*fed |= input_receive(s, bytes, n);
}

void uart_transmit(struct serial_state *s)
{
	uint8_t bytes[UART_FIFO_BYTES];
	uint32_t n;

	if (s->hold || !(reg_read(UART_LSR) & LSR_THR_EMPTY))
		return;
	n = ring_get(&s->echo, bytes, UART_FIFO_BYTES);
	n += output_take(s, bytes + n, UART_FIFO_BYTES - n);
	for (uint32_t i = 0; i < n; i++)
		reg_write(UART_THR, bytes[i]);
}

/* THR empty: reading IIR cleared it; refill the FIFO. */
static void on_thr_empty(struct serial_state *s, uint32_t *fed)
{
	(void)fed;
	uart_transmit(s);
}

/* Line status (overrun, parity, framing, break): reading LSR clears it. */
static void on_line_status(struct serial_state *s, uint32_t *fed)
{
	(void)s;
	(void)fed;
	reg_read(UART_LSR);
}

/* Modem status: reading MSR clears it. */
static void on_modem_status(struct serial_state *s, uint32_t *fed)
{
	(void)s;
	(void)fed;
	reg_read(UART_MSR);
}

/* What to do for each interrupt source IIR bits 3:1 name. */
static void (*const handlers[8])(struct serial_state *, uint32_t *) = {
	[0] = on_modem_status,
	[1] = on_thr_empty,
	[2] = receive,        /* received data available */
	[3] = on_line_status,
	[6] = receive,        /* character timeout: bytes below the trigger level */
	/* Ids the datasheet leaves undefined: clear the line status and look again. */
	[4] = on_line_status,
	[5] = on_line_status,
	[7] = on_line_status,
};

bool uart_service(struct serial_state *s, uint32_t *fed)
{
	for (int round = 0; round < SERVICE_ROUNDS; round++) {
		uint8_t iir = reg_read(UART_IIR);

		if (iir & IIR_NONE_PENDING)
			return true;
		handlers[IIR_ID(iir)](s, fed);
	}
	return false;
}
