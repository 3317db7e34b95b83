/*
 * Threads: lifecycle, priorities, registers, faults as messages; threads
 * in a second task; I/O ports.
 */
#include "suite.h"

#define ANY_ADDRESS (~0ULL)
#define PF_PRESENT 1 /* page-fault error code bits */
#define PF_WRITE   2
#define PF_USER    4

/* --- what helper threads do --- */

enum probe { PROBE_UD2, PROBE_READ, PROBE_WRITE };

/* Runs probe arg[0] on address arg[1]: state 1 before, 2 after (if it comes back). */
static void run_probe(struct helper *h)
{
	h->state = 1;
	switch (h->arg[0]) {
	case PROBE_UD2:
		probe_ud2();
		break;
	case PROBE_READ:
		h->value[0] = probe_read(h->arg[1]);
		break;
	case PROBE_WRITE:
		probe_write(h->arg[1], 1);
		break;
	}
	h->state = 2;
}

/* Counts in value[0] for ever, yielding between counts. */
static void count_forever(struct helper *h)
{
	h->state = 1;
	for (;;) {
		h->value[0]++;
		sys_yield();
	}
}

/* Receives once on endpoint arg[0]; reports the status. */
static void recv_once(struct helper *h)
{
	struct msg m = { 0 };
	uint64_t badge;

	h->state = 1;
	h->status = sys_recv(h->arg[0], &m, &badge);
}

/* Sends one empty message with label 1 on endpoint arg[0]. */
static void send_once(struct helper *h)
{
	struct msg m = msg(1, 0, 0, 0, 0, 0);

	h->state = 1;
	h->status = sys_send(h->arg[0], &m);
}

static void set_flag(struct helper *h)
{
	h->value[0] = 0x600d;
}

/* --- lifecycle --- */

static enum result thread_runs_in_own_task(void)
{
	struct helper *h;

	CHECK_MADE(h = helper_start(set_flag, SLOT_NONE, 0, 0));
	CHECK(helper_wait(h, HELPER_DONE));
	CHECK(h->value[0] == 0x600d);
	return PASS;
}

static enum result thread_started_twice_is_busy(void)
{
	struct helper *h;

	CHECK_MADE(h = helper_start(count_forever, SLOT_NONE, 0, 0));
	/* it is an error to start a thread that runs */
	CHECK_ST(sys_thread_start(h->thread, (uint64_t)probe_ud2, h->stack_top, 0), ERR_BUSY);
	return PASS;
}

static enum result thread_calls_need_thread(void)
{
	uint64_t ep = obj_new(OBJ_ENDPOINT), ntfn = obj_new(OBJ_NOTIFICATION);
	uint64_t t = obj_new(OBJ_THREAD), frame = frame_new(1);

	CHECK_MADE(ep && ntfn && t && frame);
	/* it is an error to use the thread calls on anything but a thread */
	CHECK_ST(sys_thread_start(ep, 0x400000, 0, 0), ERR_WRONG_TYPE);
	CHECK_ST(sys_thread_suspend(ep), ERR_WRONG_TYPE);
	CHECK_ST(sys_thread_resume(SLOT_CONSOLE), ERR_WRONG_TYPE);
	CHECK_ST(sys_thread_set_priority(ntfn, 0), ERR_WRONG_TYPE);
	CHECK_ST(sys_thread_read_regs(frame), ERR_WRONG_TYPE);
	CHECK_ST(sys_thread_write_regs(ep), ERR_WRONG_TYPE);
	CHECK_ST(sys_thread_configure(ep, SLOT_SELF_TASK, SLOT_NONE, SLOT_NONE), ERR_WRONG_TYPE);
	/* ... and to configure one with a task, UTCB or fault endpoint of the wrong kind */
	CHECK_ST(sys_thread_configure(t, ep, SLOT_NONE, SLOT_NONE), ERR_WRONG_TYPE);
	CHECK_ST(sys_thread_configure(t, SLOT_SELF_TASK, ep, SLOT_NONE), ERR_WRONG_TYPE);
	CHECK_ST(sys_thread_configure(t, SLOT_SELF_TASK, SLOT_NONE, ntfn), ERR_WRONG_TYPE);
	CHECK_ST(sys_thread_configure(t, SLOT_SELF_TASK, frame, CSPACE_SLOTS), ERR_INVALID_SLOT);
	return PASS;
}

static enum result unconfigured_thread_cannot_start(void)
{
	uint64_t t = obj_new(OBJ_THREAD);

	CHECK_MADE(t);
	/* it is an error to start a thread that has no task, or to resume one never started */
	CHECK_ST(sys_thread_start(t, (uint64_t)probe_ud2, 0, 0), ERR_INVALID_ARG);
	CHECK_OK(sys_thread_configure(t, SLOT_SELF_TASK, SLOT_NONE, SLOT_NONE));
	CHECK_ST(sys_thread_resume(t), ERR_INVALID_ARG);
	return PASS;
}

static enum result thread_start_rejects_kernel_rip(void)
{
	uint64_t t = obj_new(OBJ_THREAD);

	CHECK_MADE(t);
	CHECK_OK(sys_thread_configure(t, SLOT_SELF_TASK, SLOT_NONE, SLOT_NONE));
	/* it is an error to start a thread at an address that is not user space */
	CHECK_ST(sys_thread_start(t, 0xffffffff80000000ULL, 0, 0), ERR_BAD_ADDRESS);
	CHECK_ST(sys_thread_start(t, USER_TOP, 0, 0), ERR_BAD_ADDRESS);
	return PASS;
}

static enum result running_thread_is_busy(void)
{
	struct helper *h;

	CHECK_MADE(h = helper_start(count_forever, SLOT_NONE, 0, 0));
	/* it is an error to configure or resume a thread that runs */
	CHECK_ST(sys_thread_configure(h->thread, SLOT_SELF_TASK, SLOT_NONE, SLOT_NONE), ERR_BUSY);
	CHECK_ST(sys_thread_resume(h->thread), ERR_BUSY);
	/* ... and to overwrite one's own registers */
	CHECK_OK(sys_thread_read_regs(SLOT_SELF_THREAD));
	CHECK_ST(sys_thread_write_regs(SLOT_SELF_THREAD), ERR_BUSY);
	return PASS;
}

static enum result suspend_stops_and_resume_continues(void)
{
	struct helper *h;
	uint64_t v;

	CHECK_MADE(h = helper_start(count_forever, SLOT_NONE, 0, 0));
	CHECK(wait_change(&h->value[0], 0));
	CHECK_OK(sys_thread_suspend(h->thread));
	v = h->value[0];
	yield_n(20);
	CHECK(h->value[0] == v);
	CHECK_OK(sys_thread_resume(h->thread));
	CHECK(wait_change(&h->value[0], v));
	return PASS;
}

static enum result suspend_cancels_blocked_receive(void)
{
	uint64_t ep = obj_new(OBJ_ENDPOINT);
	struct helper *h;

	CHECK_MADE(ep);
	CHECK_MADE(h = helper_start(recv_once, SLOT_NONE, ep, 0));
	CHECK(helper_wait(h, 1));
	yield_n(5);
	CHECK_OK(sys_thread_suspend(h->thread));
	CHECK_OK(sys_thread_resume(h->thread));
	CHECK(helper_wait(h, HELPER_DONE));
	CHECK_ST(h->status, ERR_CANCELED);
	return PASS;
}

/* --- priorities --- */

static enum result priority_above_own_is_refused(void)
{
	uint64_t t = obj_new(OBJ_THREAD);

	CHECK_MADE(t);
	/* it is an error to give a thread a priority above one's own, or above PRIORITY_MAX */
	if (own_priority < PRIORITY_MAX)
		CHECK_ST(sys_thread_set_priority(t, own_priority + 1), ERR_NO_RIGHTS);
	CHECK_ST(sys_thread_set_priority(t, PRIORITY_MAX + 1), ERR_INVALID_ARG);
	CHECK_ST(sys_thread_set_priority(t, ~0ULL), ERR_INVALID_ARG);
	CHECK_OK(sys_thread_set_priority(t, own_priority));
	CHECK_OK(sys_thread_set_priority(t, 0));
	return PASS;
}

static enum result lower_priority_runs_when_higher_blocks(void)
{
	uint64_t ep = obj_new(OBJ_ENDPOINT), badge;
	struct helper *h;
	struct msg m = { 0 };

	if (own_priority == 0)
		SKIP("the suite runs at priority 0");
	CHECK_MADE(ep);
	CHECK_MADE(h = helper_prepare(SLOT_NONE));
	CHECK_OK(sys_thread_set_priority(h->thread, own_priority - 1));
	CHECK_MADE(helper_go(h, send_once, ep, 0));
	/* yielding never hands the processor to a lower priority */
	yield_n(20);
	CHECK(h->state == 0);
	/* blocking does */
	CHECK_OK(sys_recv(ep, &m, &badge));
	CHECK(h->state == 1 && MSG_LABEL(m.tag) == 1);
	return PASS;
}

/* --- registers --- */

/* A helper spinning in probe_regs_spin, suspended, its registers read into utcb()->mr. */
static struct helper *spinning_thread_regs(void)
{
	struct helper *h = helper_start_at((uint64_t)probe_regs_spin, 0, SLOT_NONE);

	if (!h)
		return NULL;
	yield_n(3);
	if (sys_thread_suspend(h->thread) != OK || sys_thread_read_regs(h->thread) != OK)
		return NULL;
	return h;
}

static enum result read_regs_returns_saved_registers(void)
{
	struct user_regs *r = (struct user_regs *)utcb()->mr;
	uint64_t loop = (uint64_t)probe_regs_spin_loop;
	struct helper *h;

	CHECK_MADE(h = spinning_thread_regs());
	CHECK(r->rbx == PROBE_RBX && r->r12 == PROBE_R12 && r->r15 == PROBE_R15);
	CHECK(r->rip >= loop && r->rip < loop + 4);
	CHECK(r->rsp == h->stack_top);
	return PASS;
}

static enum result write_regs_redirects_thread(void)
{
	struct user_regs *r = (struct user_regs *)utcb()->mr;
	struct helper *h;

	probe_landing_value = 0;
	CHECK_MADE(h = spinning_thread_regs());
	/* it is an error to send a thread to an address that is not user space */
	r->rip = 0xffffffff80000000ULL;
	CHECK_ST(sys_thread_write_regs(h->thread), ERR_BAD_ADDRESS);
	r->rip = (uint64_t)probe_regs_landing;
	r->rdi = 0x1a2b3c;
	CHECK_OK(sys_thread_write_regs(h->thread));
	CHECK_OK(sys_thread_resume(h->thread));
	CHECK(wait_change(&probe_landing_value, 0));
	CHECK(probe_landing_value == 0x1a2b3c);
	return PASS;
}

/* --- faults --- */

struct fault {
	enum probe probe;
	uint64_t vector;
	const void *rip;
	uint64_t error_mask, error; /* the error code, masked, must equal error */
};

/* CHECK on a fault message m, showing the message when cond fails. */
#define CHECK_FAULT(m, cond)                                                              \
	do {                                                                              \
		if (!(cond))                                                              \
			uprintf("# fault message: vector %lu error %#lx rip %#lx address %#lx\n", \
				(m)->mr[0], (m)->mr[1], (m)->mr[2], (m)->mr[3]);          \
		CHECK(cond);                                                              \
	} while (0)

/* Starts a helper running f's probe on addr; receives its fault on a new endpoint. */
static enum result expect_fault(const struct fault *f, uint64_t addr, struct helper **hp,
				struct msg *m)
{
	uint64_t ep = obj_new(OBJ_ENDPOINT), badge;
	struct helper *h;

	CHECK_MADE(ep);
	CHECK_MADE(h = helper_start(run_probe, ep, f->probe, addr));
	CHECK_OK(sys_recv(ep, m, &badge));
	CHECK(MSG_LABEL(m->tag) == MSG_FAULT && MSG_WORDS(m->tag) == 4);
	CHECK_FAULT(m, m->mr[0] == f->vector);
	CHECK_FAULT(m, (m->mr[1] & f->error_mask) == f->error);
	CHECK_FAULT(m, m->mr[2] == (uint64_t)f->rip);
	if (addr != ANY_ADDRESS)
		CHECK_FAULT(m, m->mr[3] == addr);
	CHECK(h->state == 1);
	if (hp)
		*hp = h;
	return PASS;
}

static const struct fault ud2_fault = { PROBE_UD2, 6, probe_ud2, 0, 0 };

static enum result invalid_opcode_is_fault_message(void)
{
	struct msg m = { 0 };

	return expect_fault(&ud2_fault, ANY_ADDRESS, NULL, &m);
}

static enum result page_fault_reports_address(void)
{
	static const struct fault f = {
		PROBE_READ, 14, probe_read, PF_PRESENT | PF_WRITE | PF_USER, PF_USER,
	};
	struct msg m = { 0 };

	return expect_fault(&f, va_alloc(1) + 0x18, NULL, &m);
}

static enum result write_to_read_only_page_faults(void)
{
	static const struct fault f = {
		PROBE_WRITE, 14, probe_write, PF_PRESENT | PF_WRITE | PF_USER,
		PF_PRESENT | PF_WRITE | PF_USER,
	};
	uint64_t frame, ro, va = va_alloc(1);
	struct msg m = { 0 };

	CHECK_MADE(frame = frame_new(1));
	CHECK_MADE(ro = cap_dup(frame, RIGHT_R, 0));
	CHECK_OK(sys_map(ro, TASK_SELF, va, RIGHT_R));
	return expect_fault(&f, va, NULL, &m);
}

static enum result kernel_address_access_faults(void)
{
	static const struct fault f = {
		PROBE_READ, 14, probe_read, PF_WRITE | PF_USER, PF_USER,
	};
	struct msg m = { 0 };

	/* it is an error for user code to read the kernel's half of the address space */
	return expect_fault(&f, 0xffffffff80000000ULL, NULL, &m);
}

static enum result fault_reply_resumes_at_new_rip(void)
{
	struct helper *h;
	struct msg m = { 0 };

	CHECK(expect_fault(&ud2_fault, ANY_ADDRESS, &h, &m) == PASS);
	m = msg(0, 1, (uint64_t)probe_ud2_after, 0, 0, 0);
	CHECK_OK(sys_reply(&m));
	CHECK(helper_wait(h, HELPER_DONE));
	return PASS;
}

static enum result pager_maps_page_and_resumes(void)
{
	static const struct fault f = { PROBE_READ, 14, probe_read, PF_USER, PF_USER };
	uint64_t va = va_alloc(1), frame = frame_new(1);
	struct helper *h;
	struct msg m = { 0 };

	CHECK_MADE(frame);
	CHECK(expect_fault(&f, va, &h, &m) == PASS);
	CHECK_OK(sys_map(frame, TASK_SELF, va, RIGHT_R | RIGHT_W));
	*(volatile uint64_t *)va = 0xabcdef;
	/* label 0 and no words: the thread retries the instruction that faulted */
	m = msg(0, 0, 0, 0, 0, 0);
	CHECK_OK(sys_reply(&m));
	CHECK(helper_wait(h, HELPER_DONE));
	CHECK(h->value[0] == 0xabcdef);
	return PASS;
}

static enum result fault_reply_label_stops_thread(void)
{
	struct helper *h;
	struct msg m = { 0 };

	CHECK(expect_fault(&ud2_fault, ANY_ADDRESS, &h, &m) == PASS);
	m = msg(1, 1, (uint64_t)probe_ud2_after, 0, 0, 0);
	CHECK_OK(sys_reply(&m));
	yield_n(20);
	CHECK(h->state == 1);
	return PASS;
}

static enum result fault_without_handler_stops_thread(void)
{
	struct user_regs *r = (struct user_regs *)utcb()->mr;
	struct helper *h;

	CHECK_MADE(h = helper_start(run_probe, SLOT_NONE, PROBE_UD2, 0));
	CHECK(helper_wait(h, 1));
	yield_n(20);
	CHECK(h->state == 1);
	CHECK_OK(sys_thread_read_regs(h->thread));
	CHECK(r->rip == (uint64_t)probe_ud2);
	return PASS;
}

static enum result fault_carries_handler_badge(void)
{
	uint64_t ep = obj_new(OBJ_ENDPOINT), badged, badge = 0;
	struct msg m = { 0 };

	CHECK_MADE(ep);
	CHECK_MADE(badged = cap_dup(ep, RIGHTS_ALL, 0xfa));
	CHECK_MADE(helper_start(run_probe, badged, PROBE_UD2, 0));
	CHECK_OK(sys_recv(ep, &m, &badge));
	CHECK(MSG_LABEL(m.tag) == MSG_FAULT && badge == 0xfa);
	return PASS;
}

/* --- a second task --- */

static enum result thread_in_second_task_answers_calls(void)
{
	uint64_t ep = obj_new(OBJ_ENDPOINT);
	struct child c;

	CHECK_MADE(ep);
	CHECK_MADE(child_create(&c, snip_echo, snip_echo_end - snip_echo, SLOT_NONE));
	CHECK_OK(sys_cap_copy(ep, c.task, CHILD_EP_SLOT, RIGHT_R, 0));
	CHECK_OK(child_start(&c, CHILD_EP_SLOT));
	for (uint64_t i = 0; i < 3; i++) {
		struct msg m = msg(3, 2, 41 + i, 7, 0, 0);

		CHECK_OK(sys_call(ep, &m));
		CHECK(MSG_LABEL(m.tag) == 3 && m.mr[0] == 42 + i && m.mr[1] == 7);
	}
	return PASS;
}

static enum result second_task_without_port_cap_faults(void)
{
	uint64_t ep = obj_new(OBJ_ENDPOINT), badge;
	struct child c;
	struct msg m = { 0 };

	CHECK_MADE(ep);
	CHECK_MADE(child_create(&c, snip_inb, snip_inb_end - snip_inb, ep));
	/* it is an error to touch a port the task holds no capability for: #GP */
	CHECK_OK(child_start(&c, 0x61));
	CHECK_OK(sys_recv(ep, &m, &badge));
	CHECK(MSG_LABEL(m.tag) == MSG_FAULT && m.mr[0] == 13);
	CHECK(m.mr[2] == CHILD_CODE_VADDR + (uint64_t)(snip_inb_in - snip_inb));
	return PASS;
}

static enum result second_task_reads_port_it_holds(void)
{
	uint64_t ep = obj_new(OBJ_ENDPOINT), fault_ep = obj_new(OBJ_ENDPOINT), port = slot_alloc();
	uint64_t badge;
	struct child c;
	struct msg m = { 0 };

	if (!holds_ports(0x61, 0x61))
		SKIP("the suite holds no port 0x61");
	CHECK_MADE(ep && fault_ep);
	CHECK_MADE(child_create(&c, snip_inb, snip_inb_end - snip_inb, fault_ep));
	CHECK_OK(sys_ioport_derive(SLOT_IOPORTS, 0x61, 0x61, port));
	CHECK_OK(sys_cap_copy(port, c.task, CHILD_EP_SLOT + 1, RIGHTS_ALL, 0));
	CHECK_OK(sys_cap_copy(ep, c.task, CHILD_EP_SLOT, RIGHT_W, 0));
	CHECK_OK(child_start(&c, 0x61));
	CHECK_OK(sys_recv(ep, &m, &badge));
	CHECK(MSG_LABEL(m.tag) == 1 && MSG_WORDS(m.tag) == 1 && m.mr[0] <= 0xff);
	CHECK_ST(sys_nb_recv(fault_ep, &m, &badge), ERR_WOULD_BLOCK);
	return PASS;
}

/* --- I/O ports --- */

static enum result own_task_uses_ports_it_holds(void)
{
	if (!holds_ports(0x70, 0x71) || !holds_ports(0x61, 0x61))
		SKIP("the suite holds no CMOS ports");
	(void)inb(0x61);
	outb(0x70, 0x0a); /* CMOS status register A: never all ones */
	CHECK(inb(0x71) != 0xff);
	return PASS;
}

static enum result ioport_derive_makes_subrange(void)
{
	uint64_t port = slot_alloc();
	struct cap_info info;

	if (!holds_ports(0x70, 0x71))
		SKIP("the suite holds no CMOS ports");
	CHECK_OK(sys_ioport_derive(SLOT_IOPORTS, 0x70, 0x71, port));
	CHECK_OK(sys_cap_info(port, &info));
	CHECK(info.type == OBJ_IOPORT && info.size == 2);
	return PASS;
}

static enum result ioport_derive_stays_within_range(void)
{
	uint64_t port = slot_alloc(), dst = slot_alloc();

	if (!holds_ports(0x70, 0x71))
		SKIP("the suite holds no CMOS ports");
	CHECK_OK(sys_ioport_derive(SLOT_IOPORTS, 0x70, 0x71, port));
	/* it is an error to derive ports outside the range held, or an empty range */
	CHECK_ST(sys_ioport_derive(port, 0x60, 0x64, dst), ERR_INVALID_ARG);
	CHECK_ST(sys_ioport_derive(port, 0x70, 0x72, dst), ERR_INVALID_ARG);
	CHECK_ST(sys_ioport_derive(port, 0x71, 0x70, dst), ERR_INVALID_ARG);
	CHECK_ST(sys_ioport_derive(SLOT_IOPORTS, 0, 0x10000, dst), ERR_INVALID_ARG);
	CHECK(cap_type(dst) == OBJ_NONE);
	CHECK_OK(sys_ioport_derive(port, 0x71, 0x71, dst));
	return PASS;
}

static enum result ioport_derive_needs_ioport(void)
{
	/* it is an error to derive ports from anything but an I/O port capability */
	CHECK_ST(sys_ioport_derive(SLOT_CONSOLE, 0x70, 0x71, slot_alloc()), ERR_WRONG_TYPE);
	CHECK_ST(sys_ioport_derive(slot_alloc(), 0x70, 0x71, slot_alloc()), ERR_EMPTY_SLOT);
	return PASS;
}

static const struct test_case cases[] = {
	{ "thread_runs_in_own_task", thread_runs_in_own_task },
	{ "thread_started_twice_is_busy", thread_started_twice_is_busy },
	{ "thread_calls_need_thread", thread_calls_need_thread },
	{ "unconfigured_thread_cannot_start", unconfigured_thread_cannot_start },
	{ "thread_start_rejects_kernel_rip", thread_start_rejects_kernel_rip },
	{ "running_thread_is_busy", running_thread_is_busy },
	{ "suspend_stops_and_resume_continues", suspend_stops_and_resume_continues },
	{ "suspend_cancels_blocked_receive", suspend_cancels_blocked_receive },
	{ "priority_above_own_is_refused", priority_above_own_is_refused },
	{ "lower_priority_runs_when_higher_blocks", lower_priority_runs_when_higher_blocks },
	{ "read_regs_returns_saved_registers", read_regs_returns_saved_registers },
	{ "write_regs_redirects_thread", write_regs_redirects_thread },
	{ "invalid_opcode_is_fault_message", invalid_opcode_is_fault_message },
	{ "page_fault_reports_address", page_fault_reports_address },
	{ "write_to_read_only_page_faults", write_to_read_only_page_faults },
	{ "kernel_address_access_faults", kernel_address_access_faults },
	{ "fault_reply_resumes_at_new_rip", fault_reply_resumes_at_new_rip },
	{ "pager_maps_page_and_resumes", pager_maps_page_and_resumes },
	{ "fault_reply_label_stops_thread", fault_reply_label_stops_thread },
	{ "fault_without_handler_stops_thread", fault_without_handler_stops_thread },
	{ "fault_carries_handler_badge", fault_carries_handler_badge },
	{ "thread_in_second_task_answers_calls", thread_in_second_task_answers_calls },
	{ "second_task_without_port_cap_faults", second_task_without_port_cap_faults },
	{ "second_task_reads_port_it_holds", second_task_reads_port_it_holds },
	{ "own_task_uses_ports_it_holds", own_task_uses_ports_it_holds },
	{ "ioport_derive_makes_subrange", ioport_derive_makes_subrange },
	{ "ioport_derive_stays_within_range", ioport_derive_stays_within_range },
	{ "ioport_derive_needs_ioport", ioport_derive_needs_ioport },
};

const struct test_group thread_group = GROUP(cases);
