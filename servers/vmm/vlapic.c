/*
 * The local APIC model (vlapic.h): its registers through the xAPIC page
 * and the x2APIC MSRs, interrupt acceptance by priority, EOI, the timer
 * in guest TSC time and the IPIs a write of the ICR sends.  Pure and
 * freestanding: host-tested in tests/unit/test_vlapic.c.
 */
#include "vlapic.h"

/* ---- The 256-bit vector sets ISR, TMR and IRR ---- */

static void vec_set(uint32_t *set, uint8_t v)
{
	set[v / 32] |= 1u << (v % 32);
}

static void vec_clear(uint32_t *set, uint8_t v)
{
	set[v / 32] &= ~(1u << (v % 32));
}

static bool vec_test(const uint32_t *set, uint8_t v)
{
	return set[v / 32] >> (v % 32) & 1;
}

/* The highest vector in set, -1 if it is empty. */
static int vec_highest(const uint32_t *set)
{
	for (int i = 7; i >= 0; i--)
		if (set[i])
			return i * 32 + 31 - __builtin_clz(set[i]);
	return -1;
}

/* ---- Reset ---- */

void vlapic_reset(struct vlapic *l)
{
	uint32_t id = l->id;
	uint64_t base = l->base;
	void (*hook)(void *, uint8_t) = l->eoi_level;
	void *ctx = l->eoi_ctx;
	*l = (struct vlapic){ .id = id, .base = base, .eoi_level = hook, .eoi_ctx = ctx,
			      .svr = LAPIC_SVR_RESET, .dfr = 0xffffffffu };
	for (unsigned i = 0; i < LVT_COUNT; i++)
		l->lvt[i] = LVT_MASKED;
	if (vlapic_x2apic(l)) /* INIT leaves x2APIC mode on, and its logical ID with it */
		l->ldr = (id >> 4) << 16 | 1u << (id & 15);
	l->timer_due = UINT64_MAX; /* the timer is masked */
}

void vlapic_init(struct vlapic *l, uint32_t id, bool bsp)
{
	*l = (struct vlapic){ .id = id,
			      .base = APIC_BASE_DEFAULT | APIC_BASE_ENABLE | (bsp ? APIC_BASE_BSP : 0) };
	vlapic_reset(l);
}

/* ---- Priorities (SDM 10.8.3) ---- */

static bool sw_enabled(const struct vlapic *l)
{
	return l->svr & LAPIC_SVR_ENABLE;
}

uint8_t vlapic_ppr(const struct vlapic *l)
{
	int isrv = vec_highest(l->isr);
	uint32_t class = isrv < 0 ? 0 : (uint32_t)isrv & 0xf0;
	return (l->tpr & 0xf0) >= class ? l->tpr : class;
}

/* The arbitration priority: the TPR, or the class of the highest vector requested or in service. */
static uint8_t apr(const struct vlapic *l)
{
	int irrv = vec_highest(l->irr), isrv = vec_highest(l->isr);
	int high = irrv > isrv ? irrv : isrv;
	uint32_t class = high < 0 ? 0 : (uint32_t)high & 0xf0;
	return (l->tpr & 0xf0) >= class ? l->tpr : class;
}

int vlapic_pending_vector(const struct vlapic *l)
{
	int v = vec_highest(l->irr);
	if (v < 0 || !vlapic_hw_enabled(l) || ((uint32_t)v & 0xf0) <= (vlapic_ppr(l) & 0xf0u))
		return -1;
	return v;
}

uint8_t vlapic_acknowledge(struct vlapic *l)
{
	uint8_t v = (uint8_t)vec_highest(l->irr);
	vec_clear(l->irr, v);
	vec_set(l->isr, v);
	return v;
}

/* EOI: the highest vector in service is done; a level-triggered one tells its source. */
static void eoi(struct vlapic *l)
{
	int v = vec_highest(l->isr);
	if (v < 0)
		return;
	vec_clear(l->isr, (uint8_t)v);
	if (vec_test(l->tmr, (uint8_t)v) && l->eoi_level)
		l->eoi_level(l->eoi_ctx, (uint8_t)v);
}

/* ---- Acceptance ---- */

static void request(struct vlapic *l, uint8_t vector, bool level);

/* An error for ESR, and the error LVT entry's interrupt if it is unmasked (and itself legal). */
static void apic_error(struct vlapic *l, uint32_t bit)
{
	uint32_t lvt = l->lvt[LVT_ERROR];
	l->esr_pending |= bit;
	if (!(lvt & LVT_MASKED) && (uint8_t)lvt >= 16)
		request(l, (uint8_t)lvt, false);
}

/* A fixed interrupt's vector into IRR; vectors 0-15 are illegal (ESR). */
static void request(struct vlapic *l, uint8_t vector, bool level)
{
	if (vector < 16) {
		apic_error(l, ESR_RECEIVE_ILLEGAL);
		return;
	}
	vec_set(l->irr, vector);
	if (level)
		vec_set(l->tmr, vector);
	else
		vec_clear(l->tmr, vector);
}

void vlapic_accept(struct vlapic *l, const struct apic_irq *irq)
{
	if (!vlapic_hw_enabled(l))
		return;
	if (irq->mode == APIC_MODE_NMI)
		l->nmi_pending += l->nmi_pending < (l->nmi_in_service ? 1 : VLAPIC_NMIS_HELD);
	else if ((irq->mode == APIC_MODE_FIXED || irq->mode == APIC_MODE_LOWEST) && sw_enabled(l))
		request(l, irq->vector, irq->level);
}

/* A logical destination in xAPIC mode: flat (8 bits, one per APIC) or cluster (4-bit cluster, 4 bits). */
static bool xapic_logical_match(const struct vlapic *l, uint8_t dest)
{
	uint8_t ldr = l->ldr >> 24;
	if (dest == 0xff)
		return true;
	if ((l->dfr >> 28) == 0xf)
		return dest & ldr;
	return (dest >> 4) == (ldr >> 4) && (dest & ldr & 0xf);
}

bool vlapic_matches(const struct vlapic *l, const struct apic_irq *irq)
{
	if (!vlapic_hw_enabled(l))
		return false;
	if (vlapic_x2apic(l)) {
		if (irq->dest == 0xffffffffu)
			return true;
		if (!irq->logical)
			return irq->dest == l->id;
		return (irq->dest >> 16) == (l->ldr >> 16) && (irq->dest & l->ldr & 0xffff);
	}
	if (irq->logical)
		return xapic_logical_match(l, (uint8_t)irq->dest);
	return (uint8_t)irq->dest == 0xff || (uint8_t)irq->dest == (uint8_t)l->id;
}

/* The set a shorthand, or the destination, names. */
static uint32_t named(const struct vlapic *const *apics, unsigned n, unsigned from,
		      uint8_t shorthand, const struct apic_irq *irq)
{
	uint32_t all = n >= 32 ? 0xffffffffu : (1u << n) - 1, self = from < 32 ? 1u << from : 0;
	if (shorthand == ICR_DEST_SELF)
		return self & all;
	if (shorthand == ICR_DEST_ALL)
		return all;
	if (shorthand == ICR_DEST_OTHERS)
		return all & ~self;
	uint32_t set = 0;
	for (unsigned i = 0; i < n && i < 32; i++)
		if (vlapic_matches(apics[i], irq))
			set |= 1u << i;
	return set;
}

uint32_t vlapic_targets(const struct vlapic *const *apics, unsigned n, unsigned from,
			uint8_t shorthand, const struct apic_irq *irq)
{
	uint32_t set = named(apics, n, from, shorthand, irq);
	int lowest = -1;
	if (irq->mode != APIC_MODE_LOWEST)
		return set;
	for (unsigned i = 0; i < n && i < 32; i++)
		if ((set >> i & 1) && (lowest < 0 || vlapic_ppr(apics[i]) < vlapic_ppr(apics[lowest])))
			lowest = (int)i;
	return lowest < 0 ? 0 : 1u << lowest;
}

/* After reset the APIC is software-disabled and the 8259 reaches the CPU as if through a wire. */
bool vlapic_accepts_pic(const struct vlapic *l)
{
	uint32_t lint0 = l->lvt[LVT_LINT0];
	if (!vlapic_hw_enabled(l) || !sw_enabled(l))
		return true;
	return !(lint0 & LVT_MASKED) && LVT_MODE(lint0) == APIC_MODE_EXTINT;
}

/* ---- The timer ---- */

/*
 * The TSC counts of one timer count: the bus clock's (LAPIC_TSC_PER_BUS)
 * times the divide configuration's (bits 0, 1, 3: 0 -> 2, 1 -> 4, ...
 * 6 -> 128, 7 -> 1).
 */
static uint64_t timer_divisor(const struct vlapic *l)
{
	uint32_t code = (l->timer_divide & 3) | (l->timer_divide >> 1 & 4);
	return LAPIC_TSC_PER_BUS * (code == 7 ? 1 : 2u << code);
}

static uint64_t timer_period(const struct vlapic *l)
{
	return (uint64_t)l->timer_initial * timer_divisor(l);
}

static unsigned timer_mode(const struct vlapic *l)
{
	return LVT_TIMER_MODE(l->lvt[LVT_TIMER]);
}

static uint64_t since(uint64_t start, uint64_t now)
{
	return now > start ? now - start : 0; /* a guest that set its TSC back: no time passed */
}

/* The timer's state changed: when it fires next, worked out again (vlapic_next_deadline). */
static void timer_changed(struct vlapic *l)
{
	if (l->lvt[LVT_TIMER] & LVT_MASKED)
		l->timer_due = UINT64_MAX;
	else if (timer_mode(l) == LVT_TIMER_DEADLINE)
		l->timer_due = l->tsc_deadline ? l->tsc_deadline : UINT64_MAX;
	else
		l->timer_due = l->timer_running ? l->timer_start + timer_period(l) : UINT64_MAX;
}

static void timer_fire(struct vlapic *l)
{
	uint32_t lvt = l->lvt[LVT_TIMER];
	if (!(lvt & LVT_MASKED))
		request(l, (uint8_t)lvt, false);
}

void vlapic_update(struct vlapic *l, uint64_t now)
{
	if (timer_mode(l) == LVT_TIMER_DEADLINE) {
		if (l->tsc_deadline && now >= l->tsc_deadline) {
			l->tsc_deadline = 0;
			timer_fire(l);
			timer_changed(l);
		}
		return;
	}
	uint64_t period = timer_period(l), elapsed = since(l->timer_start, now);
	if (!l->timer_running || elapsed < period)
		return;
	timer_fire(l); /* periods missed meanwhile come as one interrupt, as IRR holds one */
	if (timer_mode(l) == LVT_TIMER_PERIODIC)
		l->timer_start += elapsed / period * period;
	else
		l->timer_running = false;
	timer_changed(l);
}

uint64_t vlapic_next_deadline(const struct vlapic *l)
{
	return l->timer_due;
}

static uint32_t timer_current(struct vlapic *l, uint64_t now)
{
	vlapic_update(l, now);
	if (!l->timer_running || timer_mode(l) == LVT_TIMER_DEADLINE)
		return 0;
	return l->timer_initial - (uint32_t)(since(l->timer_start, now) / timer_divisor(l));
}

static void timer_set_initial(struct vlapic *l, uint32_t v, uint64_t now)
{
	if (timer_mode(l) == LVT_TIMER_DEADLINE)
		return; /* the initial count is ignored in TSC-deadline mode */
	l->timer_initial = v;
	l->timer_running = v != 0;
	l->timer_start = now;
	timer_changed(l);
}

/* A new divisor goes on from the current count. */
static void timer_set_divide(struct vlapic *l, uint32_t v, uint64_t now)
{
	uint32_t count = timer_current(l, now);
	l->timer_divide = v & 0xb;
	if (l->timer_running)
		l->timer_start = now - (uint64_t)(l->timer_initial - count) * timer_divisor(l);
	timer_changed(l);
}

/* A mode change into or out of TSC-deadline disarms the timer (SDM 10.5.4.1); others keep counting. */
static void timer_set_lvt(struct vlapic *l, uint32_t v, uint64_t now)
{
	vlapic_update(l, now);
	bool was_deadline = timer_mode(l) == LVT_TIMER_DEADLINE;
	l->lvt[LVT_TIMER] = v;
	if (was_deadline != (timer_mode(l) == LVT_TIMER_DEADLINE)) {
		l->timer_initial = 0;
		l->timer_running = false;
		l->tsc_deadline = 0;
	}
	timer_changed(l);
}

uint64_t vlapic_tsc_deadline(struct vlapic *l, uint64_t now)
{
	vlapic_update(l, now);
	return timer_mode(l) == LVT_TIMER_DEADLINE ? l->tsc_deadline : 0;
}

void vlapic_set_tsc_deadline(struct vlapic *l, uint64_t v, uint64_t now)
{
	if (timer_mode(l) != LVT_TIMER_DEADLINE)
		return;
	l->tsc_deadline = v;
	timer_changed(l);
	vlapic_update(l, now); /* a deadline already past fires now */
}

/* ---- Registers ---- */

/* The bits of each LVT entry software writes (status and remote IRR are read-only and read 0). */
static const uint32_t lvt_writable[LVT_COUNT] = {
	[LVT_TIMER] = 0x700ff,   /* vector, mask, timer mode */
	[LVT_THERMAL] = 0x107ff, /* vector, delivery mode, mask */
	[LVT_PERF] = 0x107ff,
	[LVT_LINT0] = 0x1a7ff,   /* vector, delivery mode, polarity, trigger, mask */
	[LVT_LINT1] = 0x1a7ff,
	[LVT_ERROR] = 0x100ff,   /* vector, mask */
};

static bool is_lvt(uint32_t off)
{
	return off >= LAPIC_LVT_TIMER && off <= LAPIC_LVT_ERROR;
}

static bool is_vector_set(uint32_t off)
{
	return off >= LAPIC_ISR && off < LAPIC_IRR + 0x80;
}

/* The writable bits of the register at off (0 for one software cannot write). */
static uint32_t writable(const struct vlapic *l, uint32_t off)
{
	if (is_lvt(off))
		return lvt_writable[(off - LAPIC_LVT_TIMER) >> 4];
	switch (off) {
	case LAPIC_TPR:
		return 0xff;
	case LAPIC_LDR:
		return vlapic_x2apic(l) ? 0 : 0xff000000u;
	case LAPIC_DFR:
		return vlapic_x2apic(l) ? 0 : 0xf0000000u;
	case LAPIC_SVR:
		return 0x3ff; /* vector, software enable, focus checking off */
	case LAPIC_ICR_LOW:
		return 0x000ccfffu;
	case LAPIC_ICR_HIGH:
		return vlapic_x2apic(l) ? 0 : 0xff000000u;
	case LAPIC_TIMER_INITIAL:
		return 0xffffffffu;
	case LAPIC_TIMER_DIVIDE:
		return 0xb;
	case LAPIC_SELF_IPI:
		return vlapic_x2apic(l) ? 0xff : 0;
	default: /* EOI and ESR take only 0 in x2APIC mode */
		return 0;
	}
}

/* The value of the register at off, or false if there is none to read there in this mode. */
static bool read_reg(struct vlapic *l, uint32_t off, uint64_t now, uint32_t *v)
{
	bool x2 = vlapic_x2apic(l);
	if (is_lvt(off)) {
		*v = l->lvt[(off - LAPIC_LVT_TIMER) >> 4];
		return true;
	}
	if (is_vector_set(off)) {
		const uint32_t *set = off < LAPIC_TMR ? l->isr : off < LAPIC_IRR ? l->tmr : l->irr;
		*v = set[(off >> 4) & 7];
		return true;
	}
	switch (off) {
	case LAPIC_ID:            *v = x2 ? l->id : l->id << 24; return true;
	case LAPIC_VERSION:       *v = LAPIC_VERSION_VALUE; return true;
	case LAPIC_TPR:           *v = l->tpr; return true;
	case LAPIC_APR:           *v = apr(l); return !x2;
	case LAPIC_PPR:           *v = vlapic_ppr(l); return true;
	case LAPIC_LDR:           *v = l->ldr; return true;
	case LAPIC_DFR:           *v = l->dfr; return !x2;
	case LAPIC_SVR:           *v = l->svr; return true;
	case LAPIC_ESR:           *v = l->esr; return true;
	case LAPIC_ICR_LOW:       *v = l->icr_low; return true; /* sent at once: never busy */
	case LAPIC_ICR_HIGH:      *v = l->icr_high; return !x2;
	case LAPIC_TIMER_INITIAL: *v = l->timer_initial; return true;
	case LAPIC_TIMER_CURRENT: *v = timer_current(l, now); return true;
	case LAPIC_TIMER_DIVIDE:  *v = l->timer_divide; return true;
	default:                  *v = 0; return !x2; /* EOI, SELF IPI: write-only */
	}
}

/*
 * The IPI of ICR value low (high: its destination word).  An INIT with
 * the level bit clear and level triggering is the "INIT level de-assert"
 * of old APICs, which does nothing; so do SMI and the reserved modes.
 * Fixed and lowest-priority IPIs of vectors 0-15 are illegal (ESR).
 */
static struct vlapic_ipi decode_ipi(struct vlapic *l, uint32_t low, uint32_t high)
{
	struct vlapic_ipi ipi = {
		.shorthand = ICR_SHORTHAND(low),
		.irq = { .vector = ICR_VECTOR(low), .mode = ICR_MODE(low),
			 .logical = low & ICR_LOGICAL, .level = low & ICR_TRIGGER_LEVEL,
			 .dest = vlapic_x2apic(l) ? high : high >> 24 },
	};
	unsigned mode = ipi.irq.mode;
	bool deassert = !(low & ICR_LEVEL_ASSERT) && (low & ICR_TRIGGER_LEVEL);
	if ((mode == APIC_MODE_FIXED || mode == APIC_MODE_LOWEST) && ipi.irq.vector < 16)
		apic_error(l, ESR_SEND_ILLEGAL);
	else if (mode == APIC_MODE_INIT)
		ipi.send = !deassert;
	else
		ipi.send = mode != APIC_MODE_SMI && mode != 3 && mode != APIC_MODE_EXTINT;
	ipi.irq.level = false; /* an IPI is an edge for its receiver */
	return ipi;
}

/* Software disabling masks every LVT entry, and keeps them masked while it lasts (SDM 10.4.7.2). */
static void write_svr(struct vlapic *l, uint32_t v)
{
	l->svr = v;
	if (!sw_enabled(l))
		for (unsigned i = 0; i < LVT_COUNT; i++)
			l->lvt[i] |= LVT_MASKED;
	timer_changed(l);
}

static void write_lvt(struct vlapic *l, uint32_t off, uint32_t v, uint64_t now)
{
	unsigned i = (off - LAPIC_LVT_TIMER) >> 4;
	if (!sw_enabled(l))
		v |= LVT_MASKED;
	if (i == LVT_TIMER)
		timer_set_lvt(l, v, now);
	else
		l->lvt[i] = v;
}

/* Writes v (already limited to the writable bits) to the register at off; the IPI it sends. */
static struct vlapic_ipi write_reg(struct vlapic *l, uint32_t off, uint32_t v, uint64_t now)
{
	struct vlapic_ipi none = { .send = false };
	if (is_lvt(off)) {
		write_lvt(l, off, v, now);
		return none;
	}
	switch (off) {
	case LAPIC_TPR:           l->tpr = v; break;
	case LAPIC_EOI:           eoi(l); break;
	case LAPIC_LDR:           l->ldr = v; break;
	case LAPIC_DFR:           l->dfr = v | 0x0fffffffu; break;
	case LAPIC_SVR:           write_svr(l, v); break;
	case LAPIC_ESR:           l->esr = l->esr_pending; l->esr_pending = 0; break;
	case LAPIC_ICR_HIGH:      l->icr_high = v; break;
	case LAPIC_TIMER_INITIAL: timer_set_initial(l, v, now); break;
	case LAPIC_TIMER_DIVIDE:  timer_set_divide(l, v, now); break;
	case LAPIC_ICR_LOW:
		l->icr_low = v;
		return decode_ipi(l, v, l->icr_high);
	case LAPIC_SELF_IPI:
		return (struct vlapic_ipi){ .send = true, .shorthand = ICR_DEST_SELF,
					    .irq = { .vector = (uint8_t)v, .mode = APIC_MODE_FIXED } };
	}
	return none;
}

uint32_t vlapic_mmio_read(struct vlapic *l, uint32_t off, uint64_t now)
{
	uint32_t v;
	if (!vlapic_xapic(l))
		return 0xffffffffu;
	read_reg(l, off, now, &v);
	return v;
}

struct vlapic_ipi vlapic_mmio_write(struct vlapic *l, uint32_t off, uint32_t v, uint64_t now)
{
	if (!vlapic_xapic(l))
		return (struct vlapic_ipi){ .send = false };
	if (off == LAPIC_EOI || off == LAPIC_ESR)
		return write_reg(l, off, 0, now);
	uint32_t mask = writable(l, off);
	return mask ? write_reg(l, off, v & mask, now) : (struct vlapic_ipi){ .send = false };
}

bool vlapic_msr_read(struct vlapic *l, uint32_t msr, uint64_t now, uint64_t *v)
{
	uint32_t off = (msr - MSR_X2APIC_FIRST) << 4, low;
	if (!vlapic_x2apic(l) || msr < MSR_X2APIC_FIRST || msr > MSR_X2APIC_LAST ||
	    !read_reg(l, off, now, &low))
		return false;
	*v = low;
	if (msr == MSR_X2APIC_ICR)
		*v |= (uint64_t)l->icr_high << 32;
	return true;
}

/* Registers x2APIC writes reach: those with writable bits, and EOI and ESR, which take 0. */
static bool x2apic_write_ok(const struct vlapic *l, uint32_t off, uint64_t v)
{
	uint64_t mask = writable(l, off);
	if (off == LAPIC_ICR_LOW)
		mask |= 0xffffffff00000000ULL;
	if (!mask && off != LAPIC_EOI && off != LAPIC_ESR)
		return false;
	return !(v & ~mask);
}

bool vlapic_msr_write(struct vlapic *l, uint32_t msr, uint64_t v, uint64_t now,
		      struct vlapic_ipi *ipi)
{
	uint32_t off = (msr - MSR_X2APIC_FIRST) << 4;
	*ipi = (struct vlapic_ipi){ .send = false };
	if (!vlapic_x2apic(l) || msr < MSR_X2APIC_FIRST || msr > MSR_X2APIC_LAST ||
	    !x2apic_write_ok(l, off, v))
		return false;
	if (msr == MSR_X2APIC_ICR)
		l->icr_high = v >> 32;
	*ipi = write_reg(l, off, (uint32_t)v, now);
	return true;
}

/* ---- IA32_APIC_BASE (SDM 10.12.5) ---- */

enum apic_state { APIC_DISABLED, APIC_INVALID, APIC_XAPIC, APIC_X2APIC };

static enum apic_state base_state(uint64_t base)
{
	bool en = base & APIC_BASE_ENABLE, extd = base & APIC_BASE_EXTD;
	return en ? (extd ? APIC_X2APIC : APIC_XAPIC) : (extd ? APIC_INVALID : APIC_DISABLED);
}

/* x2APIC is left only by disabling the APIC, and entered only from xAPIC. */
static bool transition_ok(enum apic_state from, enum apic_state to)
{
	if (to == APIC_INVALID)
		return false;
	if (from == APIC_X2APIC && to == APIC_XAPIC)
		return false;
	return !(from == APIC_DISABLED && to == APIC_X2APIC);
}

bool vlapic_set_base(struct vlapic *l, uint64_t v, unsigned phys_bits)
{
	uint64_t reserved = 0x2ffULL | (phys_bits < 64 ? ~0ULL << phys_bits : 0);
	enum apic_state from = base_state(l->base), to = base_state(v);
	if ((v & reserved) || !transition_ok(from, to))
		return false;
	l->base = (v & ~APIC_BASE_BSP) | (l->base & APIC_BASE_BSP);
	if (to == APIC_DISABLED && from != APIC_DISABLED) {
		uint32_t tpr = l->tpr; /* CR8 keeps its value without an APIC */
		vlapic_reset(l);
		l->tpr = tpr;
	}
	if (to == APIC_X2APIC && from == APIC_XAPIC)
		l->ldr = (l->id >> 4) << 16 | 1u << (l->id & 15);
	return true;
}
