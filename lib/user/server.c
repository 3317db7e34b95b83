/* The request loop, helper-thread start and test loop of moat/server.h. */
#include "moat/port_io.h"
#include "moat/server.h"

#include "moat/syscall.h"
#include "moat/user.h"

/* Lists *spare as the only place a request's capability may land. */
static void expect_caps(uint64_t spare)
{
	struct utcb *u = utcb();

	u->recv_slots[0] = spare;
	for (int i = 1; i < MSG_MAX_CAPS; i++)
		u->recv_slots[i] = SLOT_NONE; /* transfer stops there */
}

uint64_t server_loop(uint64_t endpoint, void (*handle)(uint64_t badge, struct msg *m),
		     const volatile uint64_t *spare)
{
	struct msg m = { .tag = 0 };
	uint64_t badge = 0, st;

	expect_caps(*spare);
	st = sys_recv(endpoint, &m, &badge);
	while (st == OK) {
		bool brought_cap = MSG_CAPS(m.tag) != 0;

		handle(badge, &m);
		if (brought_cap)
			sys_cap_delete(*spare); /* refused, or one handle() replaced */
		expect_caps(*spare);
		st = sys_reply_recv(endpoint, &m, &badge);
	}
	return st;
}

uint64_t server_thread_start(uint64_t untyped, uint64_t thread, uint64_t utcb_frame,
			     uint64_t utcb_vaddr,
			     void (*entry)(uint64_t), uint8_t *stack, size_t stack_bytes)
{
	uint64_t prio, st;

	st = sys_retype(untyped, OBJ_THREAD, 0, thread, 1);
	if (st == OK)
		st = sys_retype(untyped, OBJ_FRAME, 1, utcb_frame, 1);
	if (st == OK)
		st = sys_map(utcb_frame, TASK_SELF, utcb_vaddr, RIGHT_R | RIGHT_W);
	if (st == OK)
		st = sys_thread_configure(thread, TASK_SELF, utcb_frame, fault_endpoint_slot());
	if (st != OK)
		return st;
	prio = thread_highest_priority(thread);
	if (prio == 0)
		st = ERR_INVALID_ARG; /* no room below: the config's priority= is 0 */
	if (st == OK)
		st = sys_thread_set_priority(SLOT_SELF_THREAD, prio - 1);
	if (st != OK)
		return st;
	/* As if called: the ABI wants rsp + 8 aligned to 16 at a function's entry. */
	return sys_thread_start(thread, (uint64_t)entry, (uint64_t)(stack + stack_bytes - 8), 0);
}

int server_read_line(char *line, unsigned int size, int (*read_some)(char *buf, unsigned int max))
{
	unsigned int len = 0;

	while (len < size && (len == 0 || line[len - 1] != '\n')) {
		int n = read_some(line + len, size - len);

		if (n < 0)
			return -1;
		len += n;
	}
	return (int)len;
}

int server_tests_run(const char *server, uint64_t *connection, const struct server_test *cases,
		     unsigned int n)
{
	unsigned int passed = 0, failed = 0;

	*connection = connection_slot(server);
	if (*connection == SLOT_NONE)
		uprintf("# no connection to the %s server (connect=%s)\n", server, server);
	for (unsigned int i = 0; i < n; i++) {
		bool ok = *connection != SLOT_NONE && cases[i].fn();

		if (ok)
			passed++;
		else
			failed++;
		uprintf("%s %u %s\n", ok ? "ok" : "not ok", i + 1, cases[i].name);
	}
	uprintf("end of tests: %u passed, %u failed, 0 skipped\n", passed, failed);
	sys_debug_exit(SLOT_CONSOLE, failed != 0);
	return failed != 0;
}

void server_crash(void)
{
	inb(0x80);
}
