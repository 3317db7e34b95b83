/* Host unit tests for servers/vmm/uart16550.c, written against the 16550A datasheet. */
#include <stdbool.h>
#include <stdint.h>

#include "uart16550.h"
#include "unit.h"

/* What the tx callback saw. */
struct tx_log {
	uint8_t bytes[64];
	unsigned n;
};

/* tx callback appending each transmitted byte to a struct tx_log. */
static void log_tx(void *ctx, uint8_t byte)
{
	struct tx_log *log = ctx;

	if (log->n < sizeof(log->bytes))
		log->bytes[log->n++] = byte;
}

/* A UART after power-on, transmitting into log. */
static void setup(struct uart16550 *u, struct tx_log *log)
{
	log->n = 0;
	uart_init(u, log_tx, log);
}

/* Enables FIFOs with receive trigger level index trigger (0-3: 1, 4, 8, 14 bytes). */
static void enable_fifo(struct uart16550 *u, unsigned trigger)
{
	uart_write(u, UART_FCR, (uint8_t)(UART_FCR_ENABLE | trigger << UART_FCR_TRIGGER_SHIFT));
}

/* The interrupt identification bits of IIR (reading it, with its side effects). */
static uint8_t iir_id(struct uart16550 *u)
{
	return uart_read(u, UART_IIR) & UART_IIR_ID_MASK;
}

TEST(uart_reset_values)
{
	struct uart16550 u;
	struct tx_log log;

	setup(&u, &log);
	CHECK_EQ(uart_read(&u, UART_IER), 0);
	CHECK_EQ(uart_read(&u, UART_IIR), UART_IIR_NONE);
	CHECK_EQ(uart_read(&u, UART_LCR), 0);
	CHECK_EQ(uart_read(&u, UART_MCR), 0);
	CHECK_EQ(uart_read(&u, UART_LSR), UART_LSR_THRE | UART_LSR_TEMT);
	CHECK_EQ(uart_read(&u, UART_MSR), UART_MSR_CTS | UART_MSR_DSR | UART_MSR_DCD);
	CHECK(!uart_irq_level(&u));
	CHECK_EQ(uart_read(&u, 8), 0xFF); /* past the 8 registers */
}

TEST(uart_dlab_selects_divisor_latch)
{
	struct uart16550 u;
	struct tx_log log;

	setup(&u, &log);
	uart_write(&u, UART_LCR, UART_LCR_DLAB | 0x03);
	uart_write(&u, UART_DLL, 0x01);
	uart_write(&u, UART_DLM, 0x02);
	CHECK_EQ(uart_read(&u, UART_DLL), 0x01);
	CHECK_EQ(uart_read(&u, UART_DLM), 0x02);
	CHECK_EQ(log.n, 0);                  /* the DLL write was not a transmit */
	CHECK_EQ(uart_read(&u, UART_LCR), 0x83);
	uart_write(&u, UART_LCR, 0x03);
	CHECK_EQ(uart_read(&u, UART_IER), 0); /* IER untouched by the DLM write */
	uart_write(&u, UART_IER, 0x05);
	CHECK_EQ(uart_read(&u, UART_IER), 0x05);
	uart_write(&u, UART_THR, 'x');
	CHECK_EQ(log.n, 1);
	uart_write(&u, UART_LCR, UART_LCR_DLAB);
	CHECK_EQ(uart_read(&u, UART_DLL), 0x01); /* THR write left DLL alone */
	CHECK_EQ(uart_read(&u, UART_DLM), 0x02);
}

TEST(uart_thr_goes_to_callback)
{
	struct uart16550 u;
	struct tx_log log;

	setup(&u, &log);
	uart_write(&u, UART_THR, 'o');
	uart_write(&u, UART_THR, 'k');
	uart_write(&u, UART_THR, 0);
	CHECK_EQ(log.n, 3);
	CHECK_EQ(log.bytes[0], 'o');
	CHECK_EQ(log.bytes[1], 'k');
	CHECK_EQ(log.bytes[2], 0);
	CHECK_EQ(uart_read(&u, UART_LSR), UART_LSR_THRE | UART_LSR_TEMT);
}

TEST(uart_receive_in_order_and_dr)
{
	struct uart16550 u;
	struct tx_log log;

	setup(&u, &log);
	enable_fifo(&u, 0);
	uart_receive(&u, 'a');
	uart_receive(&u, 'b');
	uart_receive(&u, 'c');
	CHECK_EQ(uart_rx_space(&u), UART_FIFO_SIZE - 3);
	CHECK(uart_read(&u, UART_LSR) & UART_LSR_DR);
	CHECK_EQ(uart_read(&u, UART_RBR), 'a');
	CHECK_EQ(uart_read(&u, UART_RBR), 'b');
	CHECK(uart_read(&u, UART_LSR) & UART_LSR_DR);
	CHECK_EQ(uart_read(&u, UART_RBR), 'c');
	CHECK(!(uart_read(&u, UART_LSR) & UART_LSR_DR));
	CHECK_EQ(uart_rx_space(&u), UART_FIFO_SIZE);
}

TEST(uart_fifo_overrun_drops_new_byte)
{
	struct uart16550 u;
	struct tx_log log;

	setup(&u, &log);
	enable_fifo(&u, 0);
	for (unsigned i = 0; i < UART_FIFO_SIZE + 1; i++)
		uart_receive(&u, (uint8_t)i);
	CHECK_EQ(uart_rx_space(&u), 0);
	CHECK_EQ(uart_read(&u, UART_LSR),
		 UART_LSR_DR | UART_LSR_OE | UART_LSR_THRE | UART_LSR_TEMT);
	CHECK(!(uart_read(&u, UART_LSR) & UART_LSR_OE)); /* cleared by the LSR read */
	for (unsigned i = 0; i < UART_FIFO_SIZE; i++)
		CHECK_EQ(uart_read(&u, UART_RBR), i);
	CHECK(!(uart_read(&u, UART_LSR) & UART_LSR_DR)); /* byte 16 was lost */
}

TEST(uart_no_fifo_holds_one_byte)
{
	struct uart16550 u;
	struct tx_log log;

	setup(&u, &log);
	uart_receive(&u, 'a');
	CHECK_EQ(uart_rx_space(&u), 0);
	uart_receive(&u, 'b'); /* 16450 mode: overwrites the unread byte */
	CHECK(uart_read(&u, UART_LSR) & UART_LSR_OE);
	CHECK_EQ(uart_read(&u, UART_RBR), 'b');
	CHECK(!(uart_read(&u, UART_LSR) & UART_LSR_DR));
}

TEST(uart_fcr_clears_and_reports_fifo)
{
	struct uart16550 u;
	struct tx_log log;

	setup(&u, &log);
	CHECK_EQ(uart_read(&u, UART_IIR) & UART_IIR_FIFO, 0);
	enable_fifo(&u, 0);
	CHECK_EQ(uart_read(&u, UART_IIR), UART_IIR_FIFO | UART_IIR_NONE);
	uart_receive(&u, 'a');
	uart_receive(&u, 'b');
	uart_write(&u, UART_FCR, UART_FCR_ENABLE | UART_FCR_CLEAR_RX);
	CHECK(!(uart_read(&u, UART_LSR) & UART_LSR_DR));
	uart_receive(&u, 'c');
	uart_write(&u, UART_FCR, 0); /* leaving FIFO mode empties the FIFO too */
	CHECK(!(uart_read(&u, UART_LSR) & UART_LSR_DR));
	CHECK_EQ(uart_read(&u, UART_IIR) & UART_IIR_FIFO, 0);
}

TEST(uart_fifo_trigger_level_and_timeout)
{
	struct uart16550 u;
	struct tx_log log;

	setup(&u, &log);
	enable_fifo(&u, 1); /* 4 bytes */
	uart_write(&u, UART_IER, UART_IER_RDA);
	uart_receive(&u, 1);
	uart_receive(&u, 2);
	CHECK_EQ(uart_read(&u, UART_IIR), UART_IIR_FIFO | UART_IIR_TIMEOUT);
	uart_receive(&u, 3);
	uart_receive(&u, 4);
	CHECK_EQ(uart_read(&u, UART_IIR), UART_IIR_FIFO | UART_IIR_RDA);
	uart_read(&u, UART_RBR);
	CHECK_EQ(iir_id(&u), UART_IIR_TIMEOUT);
	for (int i = 0; i < 3; i++)
		uart_read(&u, UART_RBR);
	CHECK_EQ(iir_id(&u), UART_IIR_NONE);
}

TEST(uart_iir_priority_order)
{
	struct uart16550 u;
	struct tx_log log;

	setup(&u, &log);
	uart_write(&u, UART_MCR, UART_MCR_LOOP); /* modem inputs drop: MSR deltas */
	uart_write(&u, UART_MCR, 0);
	uart_receive(&u, 'a');
	uart_receive(&u, 'b'); /* overrun: a line status condition */
	uart_write(&u, UART_IER, UART_IER_RDA | UART_IER_THRE | UART_IER_RLS | UART_IER_MODEM);
	CHECK_EQ(iir_id(&u), UART_IIR_RLS);
	CHECK_EQ(iir_id(&u), UART_IIR_RLS);  /* stays until LSR is read */
	uart_read(&u, UART_LSR);
	CHECK_EQ(iir_id(&u), UART_IIR_RDA);
	uart_read(&u, UART_RBR);
	CHECK_EQ(iir_id(&u), UART_IIR_THRE); /* taken by this read */
	CHECK_EQ(iir_id(&u), UART_IIR_MODEM);
	CHECK_EQ(uart_read(&u, UART_MSR) & 0x0F, UART_MSR_DCTS | UART_MSR_DDSR | UART_MSR_DDCD);
	CHECK_EQ(iir_id(&u), UART_IIR_NONE);
}

TEST(uart_ier_masks_sources)
{
	struct uart16550 u;
	struct tx_log log;

	setup(&u, &log);
	uart_receive(&u, 'a');
	CHECK_EQ(iir_id(&u), UART_IIR_NONE);
	uart_write(&u, UART_IER, UART_IER_RDA);
	CHECK_EQ(iir_id(&u), UART_IIR_RDA);
	uart_write(&u, UART_IER, 0);
	CHECK_EQ(iir_id(&u), UART_IIR_NONE);
	CHECK_EQ(uart_read(&u, UART_RBR), 'a'); /* the data was kept */
}

TEST(uart_thre_clear_on_iir_read_and_raise_on_write)
{
	struct uart16550 u;
	struct tx_log log;

	setup(&u, &log);
	uart_write(&u, UART_IER, UART_IER_THRE); /* enabling with THR empty raises it */
	CHECK_EQ(iir_id(&u), UART_IIR_THRE);
	CHECK_EQ(iir_id(&u), UART_IIR_NONE);
	uart_write(&u, UART_IER, UART_IER_THRE); /* no new enable edge: nothing */
	CHECK_EQ(iir_id(&u), UART_IIR_NONE);
	uart_write(&u, UART_THR, 'x');           /* THR empties again at once */
	CHECK_EQ(iir_id(&u), UART_IIR_THRE);
	CHECK_EQ(iir_id(&u), UART_IIR_NONE);
	uart_write(&u, UART_IER, 0);
	uart_write(&u, UART_IER, UART_IER_THRE);
	CHECK_EQ(iir_id(&u), UART_IIR_THRE);
}

TEST(uart_thre_not_taken_while_hidden)
{
	struct uart16550 u;
	struct tx_log log;

	setup(&u, &log);
	uart_receive(&u, 'a');
	uart_write(&u, UART_IER, UART_IER_RDA | UART_IER_THRE);
	CHECK_EQ(iir_id(&u), UART_IIR_RDA);  /* reading RDA does not take THRE */
	uart_read(&u, UART_RBR);
	CHECK_EQ(iir_id(&u), UART_IIR_THRE);
}

TEST(uart_out2_gates_irq_line)
{
	struct uart16550 u;
	struct tx_log log;

	setup(&u, &log);
	uart_write(&u, UART_IER, UART_IER_RDA);
	uart_receive(&u, 'a');
	CHECK_EQ(iir_id(&u), UART_IIR_RDA);
	CHECK(!uart_irq_level(&u));
	uart_write(&u, UART_MCR, UART_MCR_DTR | UART_MCR_RTS | UART_MCR_OUT2);
	CHECK(uart_irq_level(&u));
	uart_write(&u, UART_MCR, UART_MCR_DTR | UART_MCR_RTS);
	CHECK(!uart_irq_level(&u));
	uart_write(&u, UART_MCR, UART_MCR_OUT2);
	CHECK(uart_irq_level(&u));
	uart_read(&u, UART_RBR);
	CHECK(!uart_irq_level(&u));
}

TEST(uart_loopback_routes_and_mirrors)
{
	struct uart16550 u;
	struct tx_log log;

	setup(&u, &log);
	uart_read(&u, UART_MSR);
	uart_write(&u, UART_MCR, UART_MCR_LOOP | UART_MCR_RTS | UART_MCR_OUT2);
	CHECK_EQ(uart_read(&u, UART_MSR) & 0xF0, UART_MSR_CTS | UART_MSR_DCD);
	uart_write(&u, UART_MCR, UART_MCR_LOOP | UART_MCR_DTR | UART_MCR_OUT1);
	CHECK_EQ(uart_read(&u, UART_MSR),
		 UART_MSR_DSR | UART_MSR_RI | UART_MSR_DCTS | UART_MSR_DDSR | UART_MSR_DDCD);
	uart_write(&u, UART_THR, 'L');
	CHECK_EQ(log.n, 0);                       /* nothing left the UART */
	uart_receive(&u, 'X');                    /* the serial input is disconnected */
	CHECK_EQ(uart_read(&u, UART_RBR), 'L');
	CHECK(!(uart_read(&u, UART_LSR) & UART_LSR_DR));
	uart_write(&u, UART_MCR, UART_MCR_LOOP | UART_MCR_DTR); /* RI falls */
	CHECK_EQ(uart_read(&u, UART_MSR) & 0x0F, UART_MSR_TERI);
}

TEST(uart_loopback_silences_irq_line)
{
	struct uart16550 u;
	struct tx_log log;

	setup(&u, &log);
	uart_write(&u, UART_MCR, UART_MCR_LOOP | UART_MCR_OUT2);
	uart_write(&u, UART_IER, UART_IER_RDA);
	uart_write(&u, UART_THR, 'x');
	CHECK_EQ(iir_id(&u), UART_IIR_RDA); /* the interrupt logic works... */
	CHECK(!uart_irq_level(&u));          /* ...but OUT2 is forced off */
	uart_write(&u, UART_MCR, UART_MCR_OUT2);
	CHECK(uart_irq_level(&u));
}

TEST(uart_scratch_register)
{
	struct uart16550 u;
	struct tx_log log;

	setup(&u, &log);
	uart_write(&u, UART_SCR, 0x5A);
	CHECK_EQ(uart_read(&u, UART_SCR), 0x5A);
	uart_write(&u, UART_SCR, 0xA5);
	CHECK_EQ(uart_read(&u, UART_SCR), 0xA5);
	uart_reset(&u);
	CHECK_EQ(uart_read(&u, UART_SCR), 0xA5); /* reset leaves SCR alone */
}

TEST(uart_reset_clears_state)
{
	struct uart16550 u;
	struct tx_log log;

	setup(&u, &log);
	enable_fifo(&u, 2);
	uart_write(&u, UART_IER, 0x0F);
	uart_write(&u, UART_MCR, UART_MCR_OUT2);
	uart_receive(&u, 'a');
	uart_reset(&u);
	CHECK_EQ(uart_read(&u, UART_IIR), UART_IIR_NONE);
	CHECK_EQ(uart_read(&u, UART_LSR), UART_LSR_THRE | UART_LSR_TEMT);
	CHECK(!uart_irq_level(&u));
	uart_write(&u, UART_THR, 'z'); /* the callback survives a reset */
	CHECK_EQ(log.n, 1);
}

/* The VMM hands typed input at once only to a guest listening this way. */
TEST(uart_rx_raises_irq_needs_rda_out2_no_loopback)
{
	struct uart16550 u;
	struct tx_log log;

	setup(&u, &log);
	CHECK(!uart_rx_raises_irq(&u)); /* a polling guest's UART */
	uart_write(&u, UART_IER, UART_IER_RDA);
	CHECK(!uart_rx_raises_irq(&u)); /* OUT2 off: the PC's IRQ driver is off */
	uart_write(&u, UART_MCR, UART_MCR_OUT2);
	CHECK(uart_rx_raises_irq(&u));
	uart_write(&u, UART_MCR, UART_MCR_OUT2 | UART_MCR_LOOP);
	CHECK(!uart_rx_raises_irq(&u)); /* loopback disconnects the line */
	uart_write(&u, UART_MCR, UART_MCR_OUT2);
	uart_write(&u, UART_IER, UART_IER_THRE);
	CHECK(!uart_rx_raises_irq(&u)); /* only a transmit interrupt */
}
