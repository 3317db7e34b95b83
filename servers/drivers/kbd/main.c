/*
 * The PS/2 keyboard driver server: answers the keyboard protocol
 * (moat/kbd.h) on its endpoint.  This is the main thread: it narrows its
 * port grant, sets the i8042 and the IRQ thread up, then serves requests
 * one at a time (driver.h has the design).
 */
#include <stdbool.h>

#include "moat/kbd.h"
#include "moat/server.h"
#include "moat/syscall.h"
#include "moat/user.h"

#include "driver.h"
#include "i8042.h"
#include "array.h"


#define RX_RING_BYTES 256

static uint8_t rx_bytes[RX_RING_BYTES];

struct kbd_state kbd = {
	.rx = RING_INIT(rx_bytes),
	.subscriber = SLOT_NONE,
};

/* The main thread's view of the focus client (kbd.subscriber is its notification). */
struct focus {
	uint64_t badge; /* its badge */
	uint64_t spare; /* the one of SLOT_SUBSCRIBER_A/B that is not kbd.subscriber */
};

static struct focus focus = { .spare = SLOT_SUBSCRIBER_A };

/* Hands over typed characters, as many as asked for and held; the focus client's only. */
static uint64_t op_read(uint64_t badge, struct msg *m)
{
	uint8_t bytes[KBD_MAX_BYTES];
	uint32_t got;

	if (kbd.subscriber != SLOT_NONE && badge != focus.badge)
		return KBD_ERR_NOT_FOCUS;
	got = ring_get(&kbd.rx, bytes, KBD_COUNT(MSG_LABEL(m->tag)));
	serial_msg_put(m, bytes, got);
	return got;
}

/*
 * Makes the caller the focus: the notification it sent (in the spare slot)
 * becomes the one the IRQ thread signals, and the other slot, which holds
 * the previous one if any, becomes the spare; server_loop() empties it after the
 * request.
 */
static uint64_t op_subscribe(uint64_t badge, struct msg *m)
{
	struct cap_info info;

	(void)m;
	if (sys_cap_info(focus.spare, &info) != OK || info.type != OBJ_NOTIFICATION ||
	    !(info.rights & RIGHT_W))
		return KBD_ERR_CAP;
	kbd.subscriber = focus.spare;
	focus.spare = focus.spare == SLOT_SUBSCRIBER_A ? SLOT_SUBSCRIBER_B : SLOT_SUBSCRIBER_A;
	focus.badge = badge;
	return 0;
}

/* What a well-formed request of one operation looks like, and who serves it. */
struct op_rule {
	uint64_t (*serve)(uint64_t badge, struct msg *m); /* the reply label; NULL: no such op */
	uint32_t max_count;  /* the label's byte count at most */
	bool replies_bytes;  /* a successful reply has KBD_WORDS(label) words */
	uint8_t caps;        /* capabilities it must bring */
};

static const struct op_rule op_rules[] = {
	[KBD_READ] = { .serve = op_read, .max_count = KBD_MAX_BYTES, .replies_bytes = true },
	[KBD_SUBSCRIBE] = { .serve = op_subscribe, .caps = 1 },
};

/* The rule of the request's operation, or NULL if it is malformed (no request has words). */
static const struct op_rule *check_request(uint64_t tag)
{
	uint64_t label = MSG_LABEL(tag), op = KBD_OP(label);
	const struct op_rule *rule = &op_rules[op < ARRAY_LEN(op_rules) ? op : 0];

	if (!rule->serve || KBD_COUNT(label) > rule->max_count || MSG_CAPS(tag) != rule->caps ||
	    MSG_WORDS(tag) != 0)
		return NULL;
	return rule;
}

/* Turns a request into its reply. */
static void handle(uint64_t badge, struct msg *m)
{
	const struct op_rule *rule = check_request(m->tag);
	uint64_t label = rule ? rule->serve(badge, m) : KBD_ERR_REQUEST;
	bool words = rule && rule->replies_bytes && !KBD_IS_ERROR(label);

	m->tag = MSG_TAG(label, words ? KBD_WORDS(label) : 0, 0);
}

/* True if the config gave what the driver needs; says what is missing otherwise. */
static bool has_authority(void)
{
	const struct startinfo *info = startinfo();
	const char *missing = NULL;

	if (!info->has_ioports || info->io_first > I8042_DATA || info->io_last < I8042_COMMAND)
		missing = "ioports=0x60-0x64";
	else if (!(info->irq_mask & (1u << KBD_IRQ)))
		missing = "irq=1";
	else if (info->untyped_pages < 3)
		missing = "untyped= of at least 12K";
	else if (!info->has_endpoint)
		missing = "a client (its endpoint)";
	if (missing)
		uprintf("kbd: the config must give %s\n", missing);
	return !missing;
}

/* Keeps the two ports of the i8042 and gives up the rest of the range (driver.h). */
static uint64_t narrow_ports(void)
{
	uint64_t st = sys_ioport_derive(SLOT_IOPORTS, I8042_DATA, I8042_DATA, SLOT_PORT_DATA);

	if (st == OK)
		st = sys_ioport_derive(SLOT_IOPORTS, I8042_COMMAND, I8042_COMMAND,
				       SLOT_PORT_COMMAND);
	if (st == OK)
		st = sys_cap_delete(SLOT_IOPORTS);
	return st;
}

/* Narrows the ports, sets the controller up and starts the IRQ thread: false on failure. */
static bool start(void)
{
	const char *failed;
	uint64_t st = narrow_ports();

	if (st != OK) {
		uprintf("kbd: narrowing the port grant failed: %s\n", status_name(st));
		return false;
	}
	failed = i8042_init();
	if (failed) {
		uprintf("kbd: i8042: %s failed\n", failed);
		return false;
	}
	st = irq_thread_start();
	if (st != OK)
		uprintf("kbd: starting the IRQ thread failed: %s\n", status_name(st));
	return st == OK;
}

int main(uint64_t arg)
{
	uint64_t st;

	(void)arg;
	if (!has_authority() || !start())
		return 1;
	uprintf("kbd: i8042 ready (irq %d)\n", KBD_IRQ);
	st = server_loop(SLOT_ENDPOINT, handle, &focus.spare);
	uprintf("kbd: receive failed: %s\n", status_name(st));
	return 1;
}
