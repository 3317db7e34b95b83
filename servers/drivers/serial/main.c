/*
 * The COM1 serial driver server: answers the serial protocol (moat/serial.h)
 * on its endpoint.  This is the main thread: it sets the UART and the IRQ
 * thread up, then serves requests one at a time (driver.h has the design).
 */
#include <stdbool.h>

#include "moat/serial.h"
#include "moat/syscall.h"
#include "moat/user.h"

#include "driver.h"
#include "uart.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#define TX_RING_BYTES   4096
#define RX_RING_BYTES   1024
#define ECHO_RING_BYTES 1024

static uint8_t tx_bytes[TX_RING_BYTES];
static uint8_t rx_bytes[RX_RING_BYTES];
static uint8_t echo_bytes[ECHO_RING_BYTES];

struct serial_state serial = {
	.tx = RING_INIT(tx_bytes),
	.rx = RING_INIT(rx_bytes),
	.echo = RING_INIT(echo_bytes),
	.subscriber = SLOT_NONE,
};

/* The main thread's view of the focus client (serial.subscriber is its notification). */
struct focus {
	uint64_t badge; /* its badge */
	uint64_t spare; /* the one of SLOT_SUBSCRIBER_A/B that is not serial.subscriber */
};

static struct focus focus = { .spare = SLOT_SUBSCRIBER_A };

/* Queues the request's bytes for transmission: the reply label is how many fitted. */
static uint64_t op_write(uint64_t badge, struct msg *m)
{
	uint8_t bytes[SERIAL_MAX_BYTES];
	uint32_t count = SERIAL_COUNT(MSG_LABEL(m->tag));
	uint32_t accepted;

	(void)badge;
	serial_msg_get(m, bytes, count);
	accepted = ring_put(&serial.tx, bytes, count);
	if (accepted)
		sys_signal(SLOT_NTFN_KICK);
	return accepted;
}

/* Hands over received bytes, as many as asked for and held; the focus client's only. */
static uint64_t op_read(uint64_t badge, struct msg *m)
{
	uint8_t bytes[SERIAL_MAX_BYTES];
	uint32_t got;

	if (serial.subscriber != SLOT_NONE && badge != focus.badge)
		return SERIAL_ERR_NOT_FOCUS;
	got = ring_get(&serial.rx, bytes, SERIAL_COUNT(MSG_LABEL(m->tag)));
	serial_msg_put(m, bytes, got);
	return got;
}

/*
 * Makes the caller the focus: the notification it sent (in the spare slot)
 * becomes the one the IRQ thread signals, and the other slot, which holds
 * the previous one if any, becomes the spare; serve() empties it after the
 * request.
 */
static uint64_t op_subscribe(uint64_t badge, struct msg *m)
{
	struct cap_info info;

	(void)m;
	if (sys_cap_info(focus.spare, &info) != OK || info.type != OBJ_NOTIFICATION ||
	    !(info.rights & RIGHT_W))
		return SERIAL_ERR_CAP;
	serial.subscriber = focus.spare;
	focus.spare = focus.spare == SLOT_SUBSCRIBER_A ? SLOT_SUBSCRIBER_B : SLOT_SUBSCRIBER_A;
	focus.badge = badge;
	return 0;
}

/* The switch each on/off operation sets. */
static volatile bool *const switches[] = {
	[SERIAL_ECHO] = &serial.echo_on,
	[SERIAL_HOLD] = &serial.hold,
};

/* Turns echo or output hold on or off; the kick restarts output a hold stopped. */
static uint64_t op_switch(uint64_t badge, struct msg *m)
{
	uint64_t label = MSG_LABEL(m->tag);

	(void)badge;
	*switches[SERIAL_OP(label)] = SERIAL_COUNT(label) != 0;
	sys_signal(SLOT_NTFN_KICK);
	return 0;
}

/* Bytes written and not yet handed to the UART, echoed ones included. */
static uint64_t op_pending(uint64_t badge, struct msg *m)
{
	(void)badge;
	(void)m;
	return ring_used(&serial.tx) + ring_used(&serial.echo);
}

/* What a well-formed request of one operation looks like, and who serves it. */
struct op_rule {
	uint64_t (*serve)(uint64_t badge, struct msg *m); /* the reply label; NULL: no such op */
	uint32_t max_count;  /* the label's byte count (or switch) at most */
	bool carries_bytes;  /* the request has SERIAL_WORDS(count) words; otherwise none */
	bool replies_bytes;  /* a successful reply has SERIAL_WORDS(label) words */
	uint8_t caps;        /* capabilities it must bring */
};

static const struct op_rule op_rules[] = {
	[SERIAL_WRITE] = { .serve = op_write, .max_count = SERIAL_MAX_BYTES,
			   .carries_bytes = true },
	[SERIAL_READ] = { .serve = op_read, .max_count = SERIAL_MAX_BYTES,
			  .replies_bytes = true },
	[SERIAL_SUBSCRIBE] = { .serve = op_subscribe, .caps = 1 },
	[SERIAL_ECHO] = { .serve = op_switch, .max_count = 1 },
	[SERIAL_HOLD] = { .serve = op_switch, .max_count = 1 },
	[SERIAL_PENDING] = { .serve = op_pending },
};

/* The rule of the request's operation, or NULL if the request is malformed. */
static const struct op_rule *check_request(uint64_t tag)
{
	uint64_t label = MSG_LABEL(tag), op = SERIAL_OP(label), count = SERIAL_COUNT(label);
	const struct op_rule *rule = &op_rules[op < ARRAY_LEN(op_rules) ? op : 0];

	if (!rule->serve || count > rule->max_count || MSG_CAPS(tag) != rule->caps)
		return NULL;
	if (MSG_WORDS(tag) != (rule->carries_bytes ? SERIAL_WORDS(count) : 0))
		return NULL;
	return rule;
}

/* Turns a request into its reply. */
static void handle(uint64_t badge, struct msg *m)
{
	const struct op_rule *rule = check_request(m->tag);
	uint64_t label = rule ? rule->serve(badge, m) : SERIAL_ERR_REQUEST;
	bool words = rule && rule->replies_bytes && !SERIAL_IS_ERROR(label);

	m->tag = MSG_TAG(label, words ? SERIAL_WORDS(label) : 0, 0);
}

/* Lists the spare slot as the only place a request's capability may land. */
static void expect_caps(void)
{
	struct utcb *u = utcb();

	u->recv_slots[0] = focus.spare;
	for (int i = 1; i < MSG_MAX_CAPS; i++)
		u->recv_slots[i] = SLOT_NONE; /* transfer stops there */
}

/* Answers requests on the endpoint until receiving fails. */
static uint64_t serve(void)
{
	struct msg m = { .tag = 0 };
	uint64_t badge = 0, st;

	expect_caps();
	st = sys_recv(SLOT_ENDPOINT, &m, &badge);
	while (st == OK) {
		bool brought_cap = MSG_CAPS(m.tag) != 0;

		handle(badge, &m);
		if (brought_cap)
			sys_cap_delete(focus.spare); /* refused, or the previous subscriber's */
		expect_caps();
		st = sys_reply_recv(SLOT_ENDPOINT, &m, &badge);
	}
	return st;
}

/* True if the config gave what the driver needs; says what is missing otherwise. */
static bool has_authority(void)
{
	const struct startinfo *info = startinfo();
	const char *missing = NULL;

	if (!info->has_ioports || info->io_first > COM1_BASE || info->io_last < COM1_LAST)
		missing = "ioports=0x3f8-0x3ff";
	else if (!(info->irq_mask & (1u << SERIAL_IRQ)))
		missing = "irq=4";
	else if (info->untyped_pages < 3)
		missing = "untyped= of at least 12K";
	else if (!info->has_endpoint)
		missing = "a client (its endpoint)";
	if (missing)
		uprintf("serial: the config must give %s\n", missing);
	return !missing;
}

int main(uint64_t arg)
{
	uint64_t st;

	(void)arg;
	if (!has_authority())
		return 1;
	uart_init();
	st = irq_thread_start();
	if (st != OK) {
		uprintf("serial: starting the IRQ thread failed: %s\n", status_name(st));
		return 1;
	}
	uprintf("serial: COM1 ready (irq %d)\n", SERIAL_IRQ);
	st = serve();
	uprintf("serial: receive failed: %s\n", status_name(st));
	return 1;
}
