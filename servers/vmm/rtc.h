/*
 * The CMOS real-time clock of PCs (Motorola MC146818A datasheet) and its
 * 128 bytes of CMOS: port 0x70 takes an index (bit 7 masks NMI; the model
 * keeps it, reads of 0x70 give back the last byte written, and no NMI
 * exists to mask), port 0x71 reads or writes the byte at the index.
 *
 *   0x00 0x02 0x04  seconds, minutes, hours (12-hour: bit 7 = PM)
 *   0x01 0x03 0x05  their alarms (0xC0-0xFF: "any"), plain storage
 *   0x06 0x07 0x08 0x09  day of week (1 = Sunday; computed from the
 *                  date, writes ignored), day of month, month, year
 *   0x32           century (the FADT names it)
 *   0x0A  A: UIP (bit 7, read-only) for the last 244 us before each
 *         second's update; divider (6:4) kept but not modelled; rate
 *         select (3:0) for the periodic interrupt, 0 none, 32768 Hz >> (RS - 1)
 *         (RS 1 and 2 as 8 and 9)
 *   0x0B  B: SET (7: the clock stops, and the time written is taken when
 *         SET clears; setting it clears UIE), PIE, AIE, UIE (6:4), SQWE,
 *         binary (2, else BCD), 24-hour (1), DSE (kept, not modelled)
 *   0x0C  C: IRQF, PF, AF, UF (7:4); read-only, a read clears it.  IRQF,
 *         IRQ 8's level, is set when a flag its enable bit in B allows is.
 *   0x0D  D: VRT (7), the battery is good; read-only
 *   others  storage; at power-on the memory sizes a BIOS leaves (0x15/0x16
 *         base memory in KiB, 0x17/0x18 and 0x30/0x31 extended memory in
 *         KiB up to 0xFFFF, 0x34/0x35 memory from 16 MiB to 4 GiB in 64 KiB
 *         units, 0x5B-0x5D above 4 GiB in 64 KiB units)
 *
 * Time is the caller's "now" in TSC counts at the rate given at init: the
 * clock starts at RTC_START (2025-01-01 00:00:00) at power-on and runs
 * with guest TSC time.  Without a TSC rate it stands still.  Written
 * fields out of range are clamped into range.  Pure and freestanding;
 * host-tested (tests/unit/test_rtc.c).
 */
#ifndef VMM_RTC_H
#define VMM_RTC_H

#include <stdbool.h>
#include <stdint.h>

#define RTC_INDEX_PORT 0x70
#define RTC_DATA_PORT  0x71
#define RTC_IRQ        8
#define CMOS_BYTES     128
#define CMOS_NMI_MASK  0x80   /* in the index byte */

#define RTC_SECONDS       0x00
#define RTC_SECONDS_ALARM 0x01
#define RTC_MINUTES       0x02
#define RTC_MINUTES_ALARM 0x03
#define RTC_HOURS         0x04
#define RTC_HOURS_ALARM   0x05
#define RTC_WEEKDAY       0x06
#define RTC_DAY           0x07
#define RTC_MONTH         0x08
#define RTC_YEAR          0x09
#define RTC_REG_A         0x0a
#define RTC_REG_B         0x0b
#define RTC_REG_C         0x0c
#define RTC_REG_D         0x0d
#define RTC_CENTURY       0x32

#define RTC_A_UIP    0x80
#define RTC_A_RS     0x0f
#define RTC_B_SET    0x80
#define RTC_B_PIE    0x40
#define RTC_B_AIE    0x20
#define RTC_B_UIE    0x10
#define RTC_B_BINARY 0x04
#define RTC_B_24H    0x02
#define RTC_C_IRQF   0x80
#define RTC_C_PF     0x40
#define RTC_C_AF     0x20
#define RTC_C_UF     0x10
#define RTC_D_VRT    0x80
#define RTC_ALARM_ANY 0xc0    /* an alarm byte of 0xC0-0xFF matches every value */

#define RTC_A_RESET  0x26     /* 32768 Hz time base, 1024 Hz periodic rate */
#define RTC_B_RESET  RTC_B_24H /* as a BIOS leaves it: BCD, 24-hour */
/* Seconds from 1900-01-01 00:00:00 (the model's day 0) to 2025-01-01 00:00:00. */
#define RTC_START    3944678400ULL
#define RTC_UIP_US   244

struct rtc {
	uint8_t cmos[CMOS_BYTES]; /* storage (the clock and status registers are kept below) */
	uint8_t index;            /* the last byte written to port 0x70 */
	uint8_t a, b, c;
	uint64_t tsc_hz;
	uint64_t base_tsc;        /* when the time was base_seconds exactly (not while SET) */
	uint64_t base_seconds;    /* seconds since 1900-01-01; while SET, the time itself */
	uint64_t seen_second;     /* the last second whose update set UF and AF */
	uint64_t periodic_start;  /* the TSC the periodic interrupt's periods count from */
	uint64_t next_periodic;   /* the TSC of the next PF (UINT64_MAX: none) */
};

/* The clock at power-on at TSC now (running at tsc_hz), the CMOS telling ram_bytes of RAM. */
void rtc_init(struct rtc *r, uint64_t now, uint64_t tsc_hz, uint64_t ram_bytes);
/* A byte read of port 0x70 or 0x71 at TSC now (other ports read 0xff). */
uint8_t rtc_read(struct rtc *r, uint16_t port, uint64_t now);
void rtc_write(struct rtc *r, uint16_t port, uint8_t v, uint64_t now);
/* Brings the flags up to TSC now (periodic, update and alarm). */
void rtc_poll(struct rtc *r, uint64_t now);
/* IRQ 8's level: register C's IRQF. */
bool rtc_irq(const struct rtc *r);
/*
 * The TSC at which IRQ 8 would next rise, for a halt to wake at
 * (UINT64_MAX: never, or not until C is read); at or before now if it is due.
 */
uint64_t rtc_next_deadline(const struct rtc *r, uint64_t now);

#endif
