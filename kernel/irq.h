/* Interrupt lines of the 8259 PICs, handed to user-level drivers as capabilities. */
#ifndef KERNEL_IRQ_H
#define KERNEL_IRQ_H

#include "object.h"

#define IRQ_LINES 16

void irq_init(void);
void irq_ref(uint64_t line);
void irq_unref(uint64_t line);
int irq_bind(uint64_t line, struct notification *n, uint64_t badge);
int irq_ack(uint64_t line);
/* A notification going away: unbind it from every line. */
void irq_unbind_notification(struct notification *n);

#endif
