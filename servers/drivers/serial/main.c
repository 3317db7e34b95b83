/*
 * The COM1 serial driver server: answers the serial protocol (moat/serial.h)
 * on its endpoint.  This is the main thread: it sets the UART and the IRQ
 * thread up, then serves requests one at a time (driver.h has the design).
 */
#include <stdbool.h>

#include "fmt.h"
#include "mem.h"
#include "moat/serial.h"
#include "moat/server.h"
#include "moat/syscall.h"
#include "moat/user.h"

#include "driver.h"
#include "uart.h"
#include "array.h"


#define TX_RING_BYTES   4096
#define RX_RING_BYTES   1024
#define ECHO_RING_BYTES 1024

static uint8_t tx_bytes[TX_RING_BYTES];
static uint8_t rx_bytes[SERIAL_SUBSCRIBERS][RX_RING_BYTES];
static uint8_t echo_bytes[ECHO_RING_BYTES];

#define SUBSCRIBER_INIT(i) { .rx = RING_INIT(rx_bytes[i]), .ntfn = SLOT_NONE }

_Static_assert(SERIAL_SUBSCRIBERS == 4, "one SUBSCRIBER_INIT per subscriber");

struct serial_state serial = {
	.tx = RING_INIT(tx_bytes),
	.echo = RING_INIT(echo_bytes),
	.sub = { SUBSCRIBER_INIT(0), SUBSCRIBER_INIT(1), SUBSCRIBER_INIT(2), SUBSCRIBER_INIT(3) },
};

/* The main thread's view of the subscribers (serial.sub[] holds their notifications). */
struct subscribers {
	uint64_t badge[SERIAL_SUBSCRIBERS]; /* serial.sub[i]'s client */
	uint64_t spare; /* a slot no subscriber's notification is in: SUBSCRIBE's lands there */
};

static struct subscribers subs = { .spare = SLOT_SUBSCRIBER_FIRST };

/* Queues the request's bytes for transmission: the reply label is how many fitted. */
static uint64_t op_write(uint64_t badge, struct msg *m)
{
	uint8_t bytes[SERIAL_MAX_BYTES];
	uint32_t count = SERIAL_COUNT(MSG_LABEL(m->tag));
	uint32_t accepted;

	serial_msg_get(m, bytes, count);
	accepted = output_put(&serial, badge, bytes, count);
	if (accepted)
		sys_signal(SLOT_NTFN_KICK);
	return accepted;
}

/* The caller's index in serial.sub[], or -1 if it has not subscribed. */
static int subscriber_index(uint64_t badge)
{
	for (uint32_t i = 0; i < serial.subscribers; i++)
		if (subs.badge[i] == badge)
			return (int)i;
	return -1;
}

/*
 * Hands over received bytes, as many as asked for and held: a subscriber's
 * from its own ring; anyone else's only while nobody has subscribed.
 */
static uint64_t op_read(uint64_t badge, struct msg *m)
{
	uint8_t bytes[SERIAL_MAX_BYTES];
	int i = subscriber_index(badge);
	uint32_t got;

	if (i < 0 && serial.subscribers != 0)
		return SERIAL_ERR_NOT_FOCUS;
	got = ring_get(&serial.sub[i < 0 ? 0 : i].rx, bytes, SERIAL_COUNT(MSG_LABEL(m->tag)));
	serial_msg_put(m, bytes, got);
	return got;
}

/* True if the capability in slot is a notification with W. */
static bool can_signal(uint64_t slot)
{
	struct cap_info info;

	return sys_cap_info(slot, &info) == OK && info.type == OBJ_NOTIFICATION &&
	       (info.rights & RIGHT_W);
}

/* True if a subscriber's notification is in slot. */
static bool slot_in_use(uint64_t slot)
{
	for (uint32_t i = 0; i < serial.subscribers; i++)
		if (serial.sub[i].ntfn == slot)
			return true;
	return false;
}

/* A slot of SLOT_SUBSCRIBER_FIRST .. LAST that no subscriber's notification is in. */
static uint64_t unused_slot(void)
{
	uint64_t slot = SLOT_SUBSCRIBER_FIRST;

	while (slot_in_use(slot))
		slot++;
	return slot;
}

/*
 * Names subscriber i's console after the client with this badge: its server
 * name, as the root wrote it in our startinfo (never what the client says).
 */
static void name_console(uint32_t i, uint64_t badge)
{
	const struct startinfo *info = startinfo();

	fmt_snprintf(serial.sub[i].name, sizeof(serial.sub[i].name), "badge %llu",
		     (unsigned long long)badge);
	for (uint64_t k = 0; k < info->client_count && k < STARTINFO_MAX_CLIENTS; k++)
		if (info->clients[k].badge == badge)
			memcpy(serial.sub[i].name, info->clients[k].name, sizeof(serial.sub[i].name));
	serial.sub[i].name[sizeof(serial.sub[i].name) - 1] = 0;
}

/*
 * Makes the caller a subscriber (a new one takes the next number; the
 * focus stays where it is).  The notification it sent (in the spare slot)
 * becomes the one the IRQ thread signals for it; the slot of its previous
 * one, if any, becomes the spare, which server_loop() empties after the request.
 */
static uint64_t op_subscribe(uint64_t badge, struct msg *m)
{
	int found = subscriber_index(badge);
	uint32_t i = found < 0 ? serial.subscribers : (uint32_t)found;
	uint64_t previous;

	(void)m;
	if (!can_signal(subs.spare))
		return SERIAL_ERR_CAP;
	if (i == SERIAL_SUBSCRIBERS)
		return SERIAL_ERR_FULL;
	previous = serial.sub[i].ntfn;
	serial.sub[i].ntfn = subs.spare;
	if (found < 0) {
		subs.badge[i] = badge;
		name_console(i, badge);
		serial.subscribers = i + 1; /* after its slot: the IRQ thread may switch to it now */
	}
	subs.spare = previous != SLOT_NONE ? previous : unused_slot();
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

/* Faults on purpose (the restart test): never replies. */
static uint64_t op_crash(uint64_t badge, struct msg *m)
{
	(void)badge;
	(void)m;
	server_crash();
	return SERIAL_ERR_REQUEST; /* only if someone resumed us past the fault */
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
	[SERIAL_CRASH] = { .serve = op_crash },
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
	st = irq_thread_start();
	if (st != OK) {
		uprintf("serial: starting the IRQ thread failed: %s\n", status_name(st));
		return 1;
	}
	uprintf("serial: COM1 ready (irq %d)\n", SERIAL_IRQ);
	st = server_loop(SLOT_ENDPOINT, handle, &subs.spare);
	uprintf("serial: receive failed: %s\n", status_name(st));
	return 1;
}
