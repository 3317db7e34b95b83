/*
 * What the cases are built from: scratch slots and addresses, new objects,
 * helper threads in the suite's own task and threads in second tasks.
 *
 * Every helper here says why on the console when it fails and returns 0
 * (or NULL), so a case only needs CHECK_MADE() around it.
 */
#include "suite.h"

/* The scratch window of the suite's address space, above the heap and stack. */
#define SCRATCH_VADDR (USER_HEAP_VADDR + USER_HEAP_MAX)
#define SCRATCH_PAGES 512 /* one page table */

#define HELPERS      6
#define HELPER_STACK 16384
#define HELPER_WAIT_YIELDS 100000

#define CHILD_PT_PAGES 4

#define PIT_LOHI_CH0 0x30 /* channel 0, low then high byte; mode in bits 1-3 */

uint64_t own_priority;

static uint64_t slot_next = SLOT_USER_FIRST_FREE, slot_high = SLOT_USER_FIRST_FREE;
static uint64_t va_next;

static struct helper helpers[HELPERS];
static uint8_t helper_stacks[HELPERS][HELPER_STACK] __attribute__((aligned(16)));
static unsigned int helpers_used;

/* Says what failed; returns whether st is OK. */
static int made(uint64_t st, const char *what)
{
	if (st != OK)
		uprintf("# %s: %s\n", what, status_name(st));
	return st == OK;
}

uint64_t cap_type(uint64_t slot)
{
	struct cap_info info;

	return sys_cap_info(slot, &info) == OK ? info.type : OBJ_NONE;
}

static int slots_empty(uint64_t first, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		if (cap_type(first + i) != OBJ_NONE)
			return 0;
	return 1;
}

uint64_t slots_alloc(unsigned int n)
{
	while (slot_next + n <= CSPACE_SLOTS) {
		uint64_t first = slot_next;

		if (!slots_empty(first, n)) {
			slot_next++;
			continue;
		}
		slot_next += n;
		if (slot_next > slot_high)
			slot_high = slot_next;
		return first;
	}
	uprintf("# out of scratch slots\n");
	return 0;
}

uint64_t slot_alloc(void)
{
	return slots_alloc(1);
}

int invariants_hold(void)
{
	uint64_t broken = ~0ULL;
	return sys_debug_check(SLOT_CONSOLE, &broken) == OK && broken == 0;
}

void case_cleanup(void)
{
	sys_thread_set_cpu(SLOT_SELF_THREAD, 0); /* a case that moved the suite and failed */
	for (uint64_t s = SLOT_USER_FIRST_FREE; s < slot_high; s++)
		if (cap_type(s) != OBJ_NONE)
			made(sys_cap_delete(s), "cleanup: cap_delete");
	made(sys_cap_revoke(SLOT_UNTYPED), "cleanup: revoke untyped");
	slot_next = slot_high = SLOT_USER_FIRST_FREE;
	helpers_used = 0;
}

static uint64_t retype_new(uint64_t type, uint64_t pages)
{
	uint64_t s = slot_alloc();

	if (!s || !made(sys_retype(SLOT_UNTYPED, type, pages, s, 1), "retype"))
		return 0;
	return s;
}

uint64_t obj_new(uint64_t type)
{
	return retype_new(type, type == OBJ_FRAME ? 1 : 0);
}

uint64_t frame_new(uint64_t pages)
{
	return retype_new(OBJ_FRAME, pages);
}

uint64_t task_new(uint64_t pt_pages)
{
	return retype_new(OBJ_TASK, pt_pages);
}

uint64_t cap_dup(uint64_t src, uint64_t rights, uint64_t badge)
{
	uint64_t s = slot_alloc();

	if (!s || !made(sys_cap_copy(src, TASK_SELF, s, rights, badge), "cap_copy"))
		return 0;
	return s;
}

uint64_t va_alloc(uint64_t pages)
{
	if (va_next + pages > SCRATCH_PAGES)
		va_next = 0; /* earlier cases' frames are deleted, so unmapped, by now */
	va_next += pages;
	return SCRATCH_VADDR + (va_next - pages) * PAGE_BYTES;
}

void *frame_map_new(uint64_t pages, uint64_t rights, uint64_t *frame_slot)
{
	uint64_t f = frame_new(pages), va = va_alloc(pages);

	if (!f || !made(sys_map(f, TASK_SELF, va, rights), "map"))
		return NULL;
	if (frame_slot)
		*frame_slot = f;
	return (void *)va;
}

void yield_n(unsigned int n)
{
	while (n--)
		sys_yield();
}

void probe_own_priority(void)
{
	uint64_t t = obj_new(OBJ_THREAD);

	own_priority = 0;
	for (uint64_t p = PRIORITY_MAX + 1; t && p-- > 0;) {
		if (sys_thread_set_priority(t, p) == OK) {
			own_priority = p;
			break;
		}
	}
	case_cleanup();
}

/* --- helper threads --- */

static void __attribute__((noreturn)) helper_entry(uint64_t arg)
{
	struct helper *h = (struct helper *)arg;

	h->fn(h);
	h->state = HELPER_DONE;
	for (;;)
		sys_thread_suspend(h->thread);
}

struct helper *helper_prepare(uint64_t fault_ep)
{
	struct helper *h;
	uint64_t utcb_frame;

	if (helpers_used == HELPERS) {
		uprintf("# out of helper threads\n");
		return NULL;
	}
	h = &helpers[helpers_used];
	memset(h, 0, sizeof(*h));
	/* As if called: rsp + 8 is 16-byte aligned at a function's first instruction. */
	h->stack_top = (uint64_t)(helper_stacks[helpers_used] + HELPER_STACK) - 8;
	helpers_used++;
	h->thread = obj_new(OBJ_THREAD);
	h->u = frame_map_new(1, RIGHT_R | RIGHT_W, &utcb_frame);
	if (!h->thread || !h->u)
		return NULL;
	if (!made(sys_thread_configure(h->thread, SLOT_SELF_TASK, utcb_frame, fault_ep),
		  "thread_configure") ||
	    !made(sys_thread_set_priority(h->thread, own_priority), "thread_set_priority"))
		return NULL;
	return h;
}

struct helper *helper_go(struct helper *h, void (*fn)(struct helper *h), uint64_t a0,
			 uint64_t a1)
{
	if (!h)
		return NULL;
	h->fn = fn;
	h->arg[0] = a0;
	h->arg[1] = a1;
	if (!made(sys_thread_start(h->thread, (uint64_t)helper_entry, h->stack_top, (uint64_t)h),
		  "thread_start"))
		return NULL;
	return h;
}

struct helper *helper_start(void (*fn)(struct helper *h), uint64_t fault_ep, uint64_t a0,
			    uint64_t a1)
{
	return helper_go(helper_prepare(fault_ep), fn, a0, a1);
}

struct helper *helper_start_at(uint64_t rip, uint64_t arg, uint64_t fault_ep)
{
	struct helper *h = helper_prepare(fault_ep);

	if (!h || !made(sys_thread_start(h->thread, rip, h->stack_top, arg), "thread_start"))
		return NULL;
	return h;
}

int helper_wait(struct helper *h, uint64_t state)
{
	for (unsigned int i = 0; i < HELPER_WAIT_YIELDS; i++) {
		if (h->state >= state)
			return 1;
		sys_yield();
	}
	uprintf("# a helper thread did not get to state %#lx (it is at %#lx)\n", state, h->state);
	return 0;
}

int wait_change(volatile uint64_t *v, uint64_t old)
{
	for (unsigned int i = 0; i < HELPER_WAIT_YIELDS; i++) {
		if (*v != old)
			return 1;
		sys_yield();
	}
	uprintf("# a value another thread should change stayed %#lx\n", old);
	return 0;
}

int holds_ports(uint64_t first, uint64_t last)
{
	const struct startinfo *info = startinfo();

	return info && info->has_ioports && info->io_first <= first && last <= info->io_last;
}

int holds_irq(uint64_t irq)
{
	const struct startinfo *info = startinfo();

	return info && (info->irq_mask >> irq & 1) && cap_type(SLOT_IRQ_FIRST + irq) == OBJ_IRQ;
}

/* --- second tasks --- */

int child_create(struct child *c, const void *code, uint64_t len, uint64_t fault_ep)
{
	uint64_t frame, code_copy;
	void *va = frame_map_new(1, RIGHT_R | RIGHT_W, &frame);

	if (!va)
		return 0;
	memcpy(va, code, len);
	c->task = task_new(CHILD_PT_PAGES);
	c->thread = obj_new(OBJ_THREAD);
	code_copy = cap_dup(frame, RIGHT_R | RIGHT_X, 0);
	if (!c->task || !c->thread || !code_copy)
		return 0;
	return made(sys_map(code_copy, c->task, CHILD_CODE_VADDR, RIGHT_R | RIGHT_X),
		    "map child code") &&
	       made(sys_thread_configure(c->thread, c->task, SLOT_NONE, fault_ep),
		    "configure child thread") &&
	       made(sys_thread_set_priority(c->thread, own_priority), "child priority");
}

uint64_t child_start(struct child *c, uint64_t arg)
{
	/* The code uses no stack; rsp points at the end of its page all the same. */
	return sys_thread_start(c->thread, CHILD_CODE_VADDR, CHILD_CODE_VADDR + PAGE_BYTES, arg);
}

/* --- the PIT --- */

void pit_program(unsigned int mode, uint16_t count)
{
	outb(PIT_CMD, PIT_LOHI_CH0 | mode << 1);
	outb(PIT_CH0, count & 0xff);
	outb(PIT_CH0, count >> 8);
}

/* A control word without a count: the channel waits, raising nothing. */
void pit_stop(void)
{
	outb(PIT_CMD, PIT_LOHI_CH0 | PIT_ONE_SHOT << 1);
}

int under_a_hypervisor(void)
{
	uint32_t a = 1, b, c = 0, d;

	asm volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	return c >> 31;
}

int can_watch_with_pit(void)
{
	return own_priority > 0 && holds_irq(0) && holds_ports(PIT_CH0, PIT_CMD);
}
