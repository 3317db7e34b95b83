/*
 * A 16550A UART model for the VMM, at 8 port offsets (COM1 is 0x3F8-0x3FF).
 *
 * Bytes the guest writes to THR leave at once through the tx callback, so the
 * transmitter is always empty (LSR.THRE and LSR.TEMT stay set).  Bytes from the
 * outside world enter with uart_receive() into a 16-byte receive FIFO (1 byte
 * deep while FIFOs are disabled, as on a 16450).  Modem inputs read as a
 * connected terminal: CTS, DSR and DCD asserted, RI not.
 *
 * Pure and freestanding: no libc, no system calls.  Accesses are byte-wide;
 * the caller splits wider ones.
 */
#ifndef VMM_UART16550_H
#define VMM_UART16550_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UART_PORTS 8          /* port offsets 0-7 */
#define UART_FIFO_SIZE 16

/* Register offsets; the first two depend on LCR.DLAB. */
#define UART_RBR 0 /* read, DLAB=0: receive buffer */
#define UART_THR 0 /* write, DLAB=0: transmit holding */
#define UART_DLL 0 /* DLAB=1: divisor latch, low byte */
#define UART_IER 1 /* DLAB=0: interrupt enable */
#define UART_DLM 1 /* DLAB=1: divisor latch, high byte */
#define UART_IIR 2 /* read: interrupt identification */
#define UART_FCR 2 /* write: FIFO control */
#define UART_LCR 3 /* line control */
#define UART_MCR 4 /* modem control */
#define UART_LSR 5 /* line status */
#define UART_MSR 6 /* modem status */
#define UART_SCR 7 /* scratch */

#define UART_IER_RDA 0x01   /* received data available */
#define UART_IER_THRE 0x02  /* transmit holding register empty */
#define UART_IER_RLS 0x04   /* receiver line status */
#define UART_IER_MODEM 0x08 /* modem status */

#define UART_IIR_NONE 0x01    /* bit 0 set: no interrupt pending */
#define UART_IIR_MODEM 0x00   /* lowest priority */
#define UART_IIR_THRE 0x02
#define UART_IIR_RDA 0x04
#define UART_IIR_RLS 0x06     /* highest priority */
#define UART_IIR_TIMEOUT 0x0C /* FIFO mode: data below the trigger level */
#define UART_IIR_ID_MASK 0x0F
#define UART_IIR_FIFO 0xC0    /* both set while FIFOs are enabled */

#define UART_FCR_ENABLE 0x01
#define UART_FCR_CLEAR_RX 0x02
#define UART_FCR_CLEAR_TX 0x04
#define UART_FCR_DMA 0x08
#define UART_FCR_TRIGGER_SHIFT 6 /* RX trigger level: 1, 4, 8 or 14 bytes */

#define UART_LCR_DLAB 0x80

#define UART_MCR_DTR 0x01
#define UART_MCR_RTS 0x02
#define UART_MCR_OUT1 0x04
#define UART_MCR_OUT2 0x08 /* on PCs, enables the IRQ line driver */
#define UART_MCR_LOOP 0x10
#define UART_MCR_MASK 0x1F

#define UART_LSR_DR 0x01
#define UART_LSR_OE 0x02
#define UART_LSR_PE 0x04
#define UART_LSR_FE 0x08
#define UART_LSR_BI 0x10
#define UART_LSR_THRE 0x20
#define UART_LSR_TEMT 0x40
#define UART_LSR_RX_FIFO_ERROR 0x80

#define UART_MSR_DCTS 0x01
#define UART_MSR_DDSR 0x02
#define UART_MSR_TERI 0x04
#define UART_MSR_DDCD 0x08
#define UART_MSR_CTS 0x10
#define UART_MSR_DSR 0x20
#define UART_MSR_RI 0x40
#define UART_MSR_DCD 0x80

/* Receives each byte the guest transmits, with the context given to uart_init. */
typedef void (*uart_tx_fn)(void *ctx, uint8_t byte);

struct uart16550 {
	uart_tx_fn tx;
	void *tx_ctx;
	uint8_t rx_fifo[UART_FIFO_SIZE];
	uint8_t rx_head;     /* index of the oldest received byte */
	uint8_t rx_count;    /* bytes waiting in rx_fifo */
	uint8_t ier;
	uint8_t lcr;
	uint8_t mcr;
	uint8_t fcr;         /* enable, DMA and trigger bits as last written */
	uint8_t scr;
	uint8_t dll;
	uint8_t dlm;
	uint8_t lsr_errors;  /* sticky LSR error bits, cleared by reading LSR */
	uint8_t msr_deltas;  /* MSR bits 0-3, cleared by reading MSR */
	bool thre_pending;   /* THRE interrupt raised and not yet taken */
};

/* Sets up u as after power-on, sending transmitted bytes to tx(tx_ctx, byte). */
void uart_init(struct uart16550 *u, uart_tx_fn tx, void *tx_ctx);

/* Master reset: datasheet reset values; the divisor, SCR and tx callback are kept. */
void uart_reset(struct uart16550 *u);

/* The guest reads the register at offset (0-7); other offsets read 0xFF. */
uint8_t uart_read(struct uart16550 *u, unsigned offset);

/* The guest writes value to the register at offset (0-7); other offsets are ignored. */
void uart_write(struct uart16550 *u, unsigned offset, uint8_t value);

/* A byte arrives on the serial line; a full FIFO drops it and sets LSR.OE. */
void uart_receive(struct uart16550 *u, uint8_t byte);

/* How many bytes uart_receive can take now without an overrun. */
unsigned uart_rx_space(const struct uart16550 *u);

/* The UART's IRQ line on a PC: an interrupt pending, MCR.OUT2 set, loopback off. */
bool uart_irq_level(const struct uart16550 *u);

/*
 * Whether a received byte would raise the IRQ line: the receive-data
 * interrupt enabled, MCR.OUT2 set, loopback off.  A guest that does not
 * listen this way finds its input by reading LSR.
 */
bool uart_rx_raises_irq(const struct uart16550 *u);

#endif
