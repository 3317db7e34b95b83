/*
 * The 16550 UART at COM1: its registers and the routines the driver uses.
 * Register offsets are from the base port; DLL and DLM replace RBR/THR and
 * IER while LCR's divisor latch access bit is set.
 */
#ifndef SERIAL_UART_H
#define SERIAL_UART_H

#include <stdbool.h>
#include <stdint.h>

#include "driver.h"

#define COM1_BASE  0x3f8
#define COM1_LAST  0x3ff
#define UART_FIFO_BYTES 16

/* Registers, as offsets from the base port. */
enum uart_reg {
	UART_RBR = 0, /* read: receiver buffer */
	UART_THR = 0, /* write: transmitter holding register */
	UART_DLL = 0, /* divisor latch, low byte (DLAB = 1) */
	UART_IER = 1, /* interrupt enable */
	UART_DLM = 1, /* divisor latch, high byte (DLAB = 1) */
	UART_IIR = 2, /* read: interrupt identification */
	UART_FCR = 2, /* write: FIFO control */
	UART_LCR = 3, /* line control */
	UART_MCR = 4, /* modem control */
	UART_LSR = 5, /* line status */
	UART_MSR = 6, /* modem status */
};

/* Programs the UART: 115200 8N1, FIFOs on, OUT2 set, interrupts still off. */
void uart_init(void);

/* Enables the interrupts the driver serves: received data and THR empty. */
void uart_enable_interrupts(void);

/*
 * Serves what the interrupt identification register reports until it
 * reports nothing: received bytes go to input_receive, queued bytes to the
 * FIFO.  Adds to the mask *fed the sub[] indices whose RX ring got bytes.
 * Returns false if it stopped at its bound with work left.
 */
bool uart_service(struct serial_state *s, uint32_t *fed);

/* Refills the transmit FIFO (echo first, then output_take) if it is empty and output not held. */
void uart_transmit(struct serial_state *s);

#endif
