/*
 * The RTC model (rtc.h).  The time is a count of seconds since 1900-01-01
 * 00:00:00 that runs with the TSC; the date and time registers are
 * computed from it when read, and a write of one of them turns the
 * changed date back into a count.  The flags in register C are brought up
 * to date lazily, at each access and at rtc_poll: the periodic flag from
 * a TSC deadline, the update and alarm flags from the seconds that passed.
 */
#include "rtc.h"
#include "vtime.h"

#define SECONDS_PER_DAY  86400ULL
#define DAYS_PER_400_YEARS 146097ULL /* any 400 Gregorian years */
#define FIRST_YEAR       1900
#define TIME_BASE_HZ     32768       /* the divider chain's input */
#define NEVER            UINT64_MAX

struct date {
	unsigned year, month, day, hour, minute, second, weekday; /* weekday 1 = Sunday */
};

static bool leap(unsigned y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned days_in_month(unsigned y, unsigned m)
{
	static const uint8_t days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	return days[m - 1] + (m == 2 && leap(y));
}

static void to_date(uint64_t secs, struct date *d)
{
	uint64_t days = secs / SECONDS_PER_DAY, tod = secs % SECONDS_PER_DAY;
	d->weekday = (unsigned)((days + 1) % 7) + 1; /* 1900-01-01 was a Monday */
	d->hour = (unsigned)(tod / 3600);
	d->minute = (unsigned)(tod / 60 % 60);
	d->second = (unsigned)(tod % 60);
	d->year = FIRST_YEAR + (unsigned)(days / DAYS_PER_400_YEARS) * 400;
	days %= DAYS_PER_400_YEARS;
	while (days >= 365u + leap(d->year))
		days -= 365u + leap(d->year++);
	for (d->month = 1; days >= days_in_month(d->year, d->month); d->month++)
		days -= days_in_month(d->year, d->month);
	d->day = (unsigned)days + 1;
}

static uint64_t from_date(const struct date *d)
{
	uint64_t days = d->day - 1;
	for (unsigned y = FIRST_YEAR; y < d->year; y++)
		days += 365u + leap(y);
	for (unsigned m = 1; m < d->month; m++)
		days += days_in_month(d->year, m);
	return days * SECONDS_PER_DAY + d->hour * 3600ULL + d->minute * 60ULL + d->second;
}

/* A number as the registers show it: BCD unless B says binary. */
static uint8_t encode(const struct rtc *r, unsigned n)
{
	return r->b & RTC_B_BINARY ? (uint8_t)n : (uint8_t)((n / 10 % 10) << 4 | n % 10);
}

static unsigned decode(const struct rtc *r, uint8_t v)
{
	return r->b & RTC_B_BINARY ? v : (v >> 4) * 10u + (v & 15u);
}

/* The hours register for hour (0-23): in 12-hour mode 1-12 with bit 7 for PM. */
static uint8_t encode_hour(const struct rtc *r, unsigned hour)
{
	if (r->b & RTC_B_24H)
		return encode(r, hour);
	unsigned h12 = hour % 12 ? hour % 12 : 12;
	return encode(r, h12) | (hour >= 12 ? 0x80 : 0);
}

static unsigned decode_hour(const struct rtc *r, uint8_t v)
{
	if (r->b & RTC_B_24H)
		return decode(r, v);
	return decode(r, v & 0x7f) % 12 + (v & 0x80 ? 12 : 0);
}

static unsigned clamp(unsigned v, unsigned lo, unsigned hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/*
 * Whether the clock runs at TSC now: not while SET, not without a TSC
 * rate, and not at a TSC before its base (a TSC read on another CPU could
 * be a little behind: the clock then waits rather than leap forward).
 */
static bool running(const struct rtc *r, uint64_t now)
{
	return !(r->b & RTC_B_SET) && r->tsc_hz && now >= r->base_tsc;
}

/* Whole seconds since 1900 at TSC now. */
static uint64_t seconds_at(const struct rtc *r, uint64_t now)
{
	if (!running(r, now))
		return r->base_seconds;
	return r->base_seconds + (now - r->base_tsc) / r->tsc_hz;
}

/* The periodic interrupt's period in TSC counts (0: none). */
static uint64_t period_clocks(const struct rtc *r)
{
	unsigned rs = r->a & RTC_A_RS;
	if (!rs || !r->tsc_hz)
		return 0;
	unsigned shift = rs <= 2 ? rs + 6 : rs - 1;
	return 1ULL << shift;
}

/*
 * The periodic interrupt's periods are counted in time-base clocks from
 * periodic_start, so that none drifts by the rounding of one period to
 * TSC counts: period k ends at the first TSC count at or after k periods.
 */
static uint64_t period_end(const struct rtc *r, uint64_t k)
{
	return r->periodic_start + clocks_to_tsc(k * period_clocks(r), TIME_BASE_HZ, r->tsc_hz);
}

/* The periods restart at TSC now (a new rate, or power-on). */
static void periodic_restart(struct rtc *r, uint64_t now)
{
	r->periodic_start = now;
	r->next_periodic = period_clocks(r) ? period_end(r, 1) : NEVER;
}

static void update_irqf(struct rtc *r)
{
	uint8_t allowed = r->c & r->b & (RTC_C_PF | RTC_C_AF | RTC_C_UF); /* B's enables line up */
	if (allowed)
		r->c |= RTC_C_IRQF;
}

/* Whether the alarm matches second s (its hours, minutes and seconds registers). */
static bool alarm_matches(const struct rtc *r, uint64_t s)
{
	unsigned tod = (unsigned)(s % SECONDS_PER_DAY);
	uint8_t now[3] = { encode(r, tod % 60), encode(r, tod / 60 % 60), encode_hour(r, tod / 3600) };
	const uint8_t *alarm[3] = { &r->cmos[RTC_SECONDS_ALARM], &r->cmos[RTC_MINUTES_ALARM],
				    &r->cmos[RTC_HOURS_ALARM] };
	for (unsigned i = 0; i < 3; i++)
		if ((*alarm[i] & RTC_ALARM_ANY) != RTC_ALARM_ANY && *alarm[i] != now[i])
			return false;
	return true;
}

void rtc_poll(struct rtc *r, uint64_t now)
{
	uint64_t p = period_clocks(r);
	if (p && now >= r->next_periodic) {
		r->c |= RTC_C_PF;
		uint64_t into = tsc_to_clocks(now - r->periodic_start, r->tsc_hz, TIME_BASE_HZ);
		r->next_periodic = period_end(r, into / p + 1);
	}
	uint64_t s = seconds_at(r, now);
	if (s > r->seen_second) {
		r->c |= RTC_C_UF;
		/* a day holds every time of day: no need to look at more seconds than that */
		uint64_t from = s - r->seen_second > SECONDS_PER_DAY ? s - SECONDS_PER_DAY : r->seen_second;
		for (uint64_t t = from + 1; t <= s && !(r->c & RTC_C_AF); t++)
			if (alarm_matches(r, t))
				r->c |= RTC_C_AF;
		r->seen_second = s;
	}
	update_irqf(r);
}

bool rtc_irq(const struct rtc *r)
{
	return r->c & RTC_C_IRQF;
}

uint64_t rtc_next_deadline(const struct rtc *r, uint64_t now)
{
	uint64_t next = NEVER;
	if (r->c & RTC_C_IRQF)
		return NEVER; /* IRQ 8 is up until C is read */
	if ((r->b & RTC_B_PIE) && period_clocks(r))
		next = r->next_periodic;
	if ((r->b & (RTC_B_UIE | RTC_B_AIE)) && running(r, now)) {
		uint64_t second = r->base_tsc + ((now - r->base_tsc) / r->tsc_hz + 1) * r->tsc_hz;
		next = second < next ? second : next;
	}
	return next;
}

/* Whether an update is due within 244 us: the guest must not read the time now. */
static bool update_in_progress(const struct rtc *r, uint64_t now)
{
	if (!running(r, now))
		return false;
	uint64_t into = (now - r->base_tsc) % r->tsc_hz;
	return into >= r->tsc_hz - r->tsc_hz * RTC_UIP_US / 1000000;
}

/* Whether reg is one of the date and time registers (the alarms are storage). */
static bool is_clock_register(uint8_t reg)
{
	return (reg <= RTC_YEAR && !(reg < RTC_WEEKDAY && (reg & 1))) || reg == RTC_CENTURY;
}

/* The date or time register reg, or -1 if reg is not one. */
static int time_register(const struct rtc *r, uint8_t reg, uint64_t now)
{
	struct date d;
	if (!is_clock_register(reg))
		return -1;
	to_date(seconds_at(r, now), &d);
	switch (reg) {
	case RTC_SECONDS: return encode(r, d.second);
	case RTC_MINUTES: return encode(r, d.minute);
	case RTC_HOURS: return encode_hour(r, d.hour);
	case RTC_WEEKDAY: return encode(r, d.weekday);
	case RTC_DAY: return encode(r, d.day);
	case RTC_MONTH: return encode(r, d.month);
	case RTC_YEAR: return encode(r, d.year % 100);
	case RTC_CENTURY: return encode(r, d.year / 100);
	}
	return -1;
}

/* A write of a date or time register: the clock goes on from the changed date. */
static bool set_time_register(struct rtc *r, uint8_t reg, uint8_t v, uint64_t now)
{
	struct date d;
	if (!is_clock_register(reg))
		return false;
	to_date(seconds_at(r, now), &d);
	unsigned n = decode(r, v);
	switch (reg) {
	case RTC_SECONDS: d.second = clamp(n, 0, 59); break;
	case RTC_MINUTES: d.minute = clamp(n, 0, 59); break;
	case RTC_HOURS: d.hour = clamp(decode_hour(r, v), 0, 23); break;
	case RTC_WEEKDAY: return true; /* follows from the date */
	case RTC_DAY: d.day = n; break;
	case RTC_MONTH: d.month = clamp(n, 1, 12); break;
	case RTC_YEAR: d.year = d.year / 100 * 100 + clamp(n, 0, 99); break;
	case RTC_CENTURY: d.year = clamp(n, FIRST_YEAR / 100, 99) * 100 + d.year % 100; break;
	default: return false;
	}
	d.day = clamp(d.day, 1, days_in_month(d.year, d.month));
	if (running(r, now))
		r->base_tsc = now - (now - r->base_tsc) % r->tsc_hz; /* the second goes on where it was */
	r->base_seconds = r->seen_second = from_date(&d);
	return true;
}

/* Register B: SET stops the clock (and clears UIE); clearing it starts a fresh second. */
static void write_b(struct rtc *r, uint8_t v, uint64_t now)
{
	bool was_set = r->b & RTC_B_SET;
	if ((v & RTC_B_SET) && !was_set)
		r->base_seconds = seconds_at(r, now);
	else if (!(v & RTC_B_SET) && was_set)
		r->base_tsc = now;
	r->b = v & RTC_B_SET ? v & ~RTC_B_UIE : v;
	update_irqf(r);
}

static uint8_t read_data(struct rtc *r, uint8_t reg, uint64_t now)
{
	rtc_poll(r, now);
	int t = time_register(r, reg, now);
	if (t >= 0)
		return (uint8_t)t;
	switch (reg) {
	case RTC_REG_A: return r->a | (update_in_progress(r, now) ? RTC_A_UIP : 0);
	case RTC_REG_B: return r->b;
	case RTC_REG_C: {
		uint8_t c = r->c;
		r->c = 0;
		return c;
	}
	case RTC_REG_D: return RTC_D_VRT;
	}
	return r->cmos[reg];
}

static void write_data(struct rtc *r, uint8_t reg, uint8_t v, uint64_t now)
{
	rtc_poll(r, now);
	if (set_time_register(r, reg, v, now))
		return;
	if (reg == RTC_REG_A) {
		r->a = v & ~RTC_A_UIP;
		periodic_restart(r, now);
	} else if (reg == RTC_REG_B) {
		write_b(r, v, now);
	} else if (reg != RTC_REG_C && reg != RTC_REG_D) {
		r->cmos[reg] = v;
	}
}

uint8_t rtc_read(struct rtc *r, uint16_t port, uint64_t now)
{
	if (port == RTC_INDEX_PORT)
		return r->index;
	if (port != RTC_DATA_PORT)
		return 0xff;
	return read_data(r, r->index & ~CMOS_NMI_MASK, now);
}

void rtc_write(struct rtc *r, uint16_t port, uint8_t v, uint64_t now)
{
	if (port == RTC_INDEX_PORT)
		r->index = v;
	else if (port == RTC_DATA_PORT)
		write_data(r, r->index & ~CMOS_NMI_MASK, v, now);
}

/* The memory sizes a BIOS leaves in the CMOS, little-endian, each capped at what its bytes hold. */
static void put_size(struct rtc *r, uint8_t at, unsigned bytes, uint64_t units)
{
	uint64_t max = (1ULL << (8 * bytes)) - 1;
	if (units > max)
		units = max;
	for (unsigned i = 0; i < bytes; i++)
		r->cmos[at + i] = (uint8_t)(units >> (8 * i));
}

void rtc_init(struct rtc *r, uint64_t now, uint64_t tsc_hz, uint64_t ram_bytes)
{
	*r = (struct rtc){ .a = RTC_A_RESET, .b = RTC_B_RESET, .tsc_hz = tsc_hz, .base_tsc = now,
			   .base_seconds = RTC_START, .seen_second = RTC_START };
	periodic_restart(r, now);
	const uint64_t kib = 1024, mib = kib * kib, gib = mib * kib;
	uint64_t below_4g = ram_bytes < 4 * gib ? ram_bytes : 4 * gib;
	put_size(r, 0x15, 2, (ram_bytes < 640 * kib ? ram_bytes : 640 * kib) / kib);
	uint64_t extended = below_4g > mib ? (below_4g - mib) / kib : 0;
	put_size(r, 0x17, 2, extended);
	put_size(r, 0x30, 2, extended);
	put_size(r, 0x34, 2, below_4g > 16 * mib ? (below_4g - 16 * mib) / (64 * kib) : 0);
	put_size(r, 0x5b, 3, ram_bytes > 4 * gib ? (ram_bytes - 4 * gib) / (64 * kib) : 0);
}
