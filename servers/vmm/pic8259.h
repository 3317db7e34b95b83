/*
 * A master/slave 8259A programmable interrupt controller pair, as on PCs:
 * the master at ports 0x20/0x21 serves IRQ 0-7, the slave at 0xA0/0xA1 serves
 * IRQ 8-15 and drives the master's IR2 input with its INT output.
 *
 * Supported: the ICW1-ICW4 initialization sequence (8086 mode; single or
 * cascaded; edge or level triggered; automatic EOI; special fully nested
 * mode), OCW1 masks, every OCW2 command (EOIs, rotations, set priority) and
 * OCW3 (IRR/ISR read select, poll, special mask mode).  Buffered mode bits
 * are stored and have no effect.
 *
 * In edge-triggered mode a rising input latches its IRR bit until the INTA
 * cycle takes it, even if the line falls first, so a pulse is enough.
 * A chip part-way through its initialization sequence raises no interrupt.
 *
 * Pure and freestanding: no libc, no system calls.
 */
#ifndef VMM_PIC8259_H
#define VMM_PIC8259_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PIC_MASTER_CMD 0x20
#define PIC_MASTER_DATA 0x21
#define PIC_SLAVE_CMD 0xA0
#define PIC_SLAVE_DATA 0xA1
#define PIC_CASCADE_IR 2 /* the master input the slave drives */
#define PIC_LINES 16

/* Command-port writes: ICW1 has bit 4 set; otherwise bit 3 tells OCW3 from OCW2. */
#define PIC_ICW1 0x10
#define PIC_ICW1_IC4 0x01  /* ICW4 follows */
#define PIC_ICW1_SNGL 0x02 /* single chip, no ICW3 */
#define PIC_ICW1_LTIM 0x08 /* level-triggered inputs */
#define PIC_ICW4_8086 0x01
#define PIC_ICW4_AEOI 0x02
#define PIC_ICW4_SFNM 0x10

#define PIC_OCW2_NOP 0x40
#define PIC_OCW2_EOI 0x20          /* non-specific EOI */
#define PIC_OCW2_SPECIFIC_EOI 0x60 /* | level */
#define PIC_OCW2_ROTATE_EOI 0xA0   /* non-specific EOI, served level becomes lowest */
#define PIC_OCW2_ROTATE_SPECIFIC_EOI 0xE0 /* | level */
#define PIC_OCW2_SET_PRIORITY 0xC0 /* | level: that level becomes lowest */
#define PIC_OCW2_ROTATE_AEOI_ON 0x80
#define PIC_OCW2_ROTATE_AEOI_OFF 0x00

#define PIC_OCW3 0x08
#define PIC_OCW3_READ_IRR 0x0A
#define PIC_OCW3_READ_ISR 0x0B
#define PIC_OCW3_POLL 0x0C
#define PIC_OCW3_SET_SPECIAL_MASK 0x68
#define PIC_OCW3_CLEAR_SPECIAL_MASK 0x48

/* Next byte a chip expects on its data port. */
enum pic_init_step {
	PIC_READY,     /* OCW1: the mask register */
	PIC_WANT_ICW2,
	PIC_WANT_ICW3,
	PIC_WANT_ICW4,
};

struct pic8259 {
	uint8_t irr;             /* interrupt request register */
	uint8_t isr;             /* in-service register */
	uint8_t imr;             /* interrupt mask register */
	uint8_t lines;           /* input levels last seen, for edge detection */
	uint8_t icw1;
	uint8_t vector_base;     /* ICW2 bits 7-3: vector = base | level */
	uint8_t icw3;            /* master: inputs with a slave; slave: its id */
	uint8_t icw4;
	uint8_t init_step;       /* enum pic_init_step */
	uint8_t lowest_priority; /* the level with the lowest priority, 7 unless rotated */
	bool rotate_on_aeoi;
	bool special_mask;
	bool read_isr;           /* command-port reads give ISR instead of IRR */
	bool poll;               /* the next command-port read is a poll */
};

struct pic_pair {
	struct pic8259 master;
	struct pic8259 slave;
};

/*
 * Sets up the pair as a PC BIOS leaves it: vectors 0x08 and 0x70, slave on
 * IR2, edge triggered, all lines masked except the cascade.
 */
void pic_init(struct pic_pair *p);

/* The guest reads port 0x20, 0x21, 0xA0 or 0xA1; other ports read 0xFF. */
uint8_t pic_read(struct pic_pair *p, uint16_t port);

/* The guest writes value to port 0x20, 0x21, 0xA0 or 0xA1; other ports are ignored. */
void pic_write(struct pic_pair *p, uint16_t port, uint8_t value);

/* Drives IRQ line (0-15) to level; line 2 is the master input the slave also drives. */
void pic_set_irq(struct pic_pair *p, unsigned line, bool level);

/* The vector the CPU would get from an INTA cycle now, or -1 if INT is low. */
int pic_pending_vector(const struct pic_pair *p);

/* Whether the master's INT output to the CPU is asserted. */
bool pic_int_output(const struct pic_pair *p);

/*
 * The CPU's INTA cycle: moves the served request from IRR to ISR (unless in
 * automatic EOI mode) and returns its vector; with no request, returns the
 * spurious IR7 vector of the master (or of the slave, when its cascade input
 * was served and the slave had nothing).
 */
int pic_acknowledge(struct pic_pair *p);

#endif
