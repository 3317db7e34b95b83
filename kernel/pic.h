/*
 * The 8259 PIC pair (Intel 8259A datasheet): ISA IRQs 0-7 on the master
 * (ports 0x20, 0x21), 8-15 on the slave (0xa0, 0xa1) through the master's
 * line 2 (the cascade).  Remapped to vectors VEC_PIC_BASE.. and masked at
 * boot; irq.c delivers device IRQs through them when there is no I/O APIC.
 */
#ifndef KERNEL_PIC_H
#define KERNEL_PIC_H

#include <stdbool.h>

#define PIC_CASCADE 2

/* Moves the 8259s' vectors off the exception range and masks every line. */
void pic_init(void);
/* Masks or unmasks one line (0-15); a slave line opens the cascade while any is open. */
void pic_set_mask(unsigned line, bool masked);
/* True if line is masked (as last set; the cascade's bit follows the slave's lines). */
bool pic_masked(unsigned line);
/*
 * True if an interrupt on line (7 or 15) is spurious: the line's in-service
 * bit is clear (the request went away before the CPU acknowledged it).  A
 * spurious 15 is acknowledged at the master, which did see the cascade.
 */
bool pic_spurious(unsigned line);
/* End of interrupt for line, at the slave too for lines 8-15. */
void pic_eoi(unsigned line);

#endif
