/* Endpoints (send, receive, call, reply, long messages, capability transfer) and notifications. */
#include "suite.h"

#define WORD(i) (100 + (i)) /* message word i, as the helpers send it */

/* --- what helper threads do --- */

/* Sends arg[1] words WORD(i) with label 9 on endpoint arg[0]. */
static void send_words(struct helper *h)
{
	uint64_t n = h->arg[1];
	struct msg m = msg(9, n, WORD(0), WORD(1), WORD(2), WORD(3));

	for (uint64_t i = MSG_REG_WORDS; i < n; i++)
		h->u->mr[i] = WORD(i);
	h->state = 1;
	h->status = sys_send(h->arg[0], &m);
}

/* Blocks in syscall arg[1] on object arg[0]; reports the tag and the badge or bits. */
static void block_on(struct helper *h)
{
	struct msg m = msg(1, 0, 0, 0, 0, 0);
	uint64_t x = 0;

	h->state = 1;
	if (h->arg[1] == SYS_WAIT)
		h->status = sys_wait(h->arg[0], &x);
	else
		h->status = ipc(h->arg[1], h->arg[0], &m, &x);
	h->value[0] = m.tag;
	h->value[1] = x;
}

/* Answers arg[1] calls on endpoint arg[0] with label + 1 and mr0 + 1. */
static void serve_plus_one(struct helper *h)
{
	struct msg m = { 0 };
	uint64_t badge;

	h->status = sys_recv(h->arg[0], &m, &badge);
	for (uint64_t i = 1; h->status == OK; i++) {
		m.tag = MSG_TAG(MSG_LABEL(m.tag) + 1, MSG_WORDS(m.tag), 0);
		m.mr[0]++;
		h->value[0] = i;
		if (i == h->arg[1]) {
			h->status = sys_reply(&m);
			break;
		}
		h->status = sys_reply_recv(h->arg[0], &m, &badge);
	}
}

/* Calls endpoint arg[0] once with label 5; reports the reply's label and mr0. */
static void call_once(struct helper *h)
{
	struct msg m = msg(5, 1, 41, 0, 0, 0);

	h->state = 1;
	h->status = sys_call(h->arg[0], &m);
	h->value[0] = MSG_LABEL(m.tag);
	h->value[1] = m.mr[0];
}

/* Sends the capability in slot arg[1] through endpoint arg[0], label 3. */
static void send_cap(struct helper *h)
{
	struct msg m = { MSG_TAG(3, 0, 1), { 0 } };

	h->u->send_caps[0] = h->arg[1];
	h->status = sys_send(h->arg[0], &m);
}

/* Takes one call on endpoint arg[0] and never answers: waits on notification arg[1]. */
static void hold_call(struct helper *h)
{
	struct msg m = { 0 };
	uint64_t x;

	h->status = sys_recv(h->arg[0], &m, &x);
	h->state = 2;
	sys_wait(h->arg[1], &x);
}

/* Checks a message sent by send_words: label, count and every word. */
static enum result check_words(const struct msg *m, uint64_t n)
{
	CHECK(MSG_LABEL(m->tag) == 9);
	CHECK(MSG_WORDS(m->tag) == n);
	for (uint64_t i = 0; i < n; i++)
		CHECK((i < MSG_REG_WORDS ? m->mr[i] : utcb()->mr[i]) == WORD(i));
	return PASS;
}

/* --- endpoints: errors --- */

static enum result nb_send_without_receiver_would_block(void)
{
	uint64_t ep = obj_new(OBJ_ENDPOINT);
	struct msg m = msg(1, 1, 2, 0, 0, 0);

	CHECK_MADE(ep);
	CHECK_ST(sys_nb_send(ep, &m), ERR_WOULD_BLOCK);
	return PASS;
}

static enum result nb_recv_without_sender_would_block(void)
{
	uint64_t ep = obj_new(OBJ_ENDPOINT), badge;
	struct msg m = { 0 };

	CHECK_MADE(ep);
	CHECK_ST(sys_nb_recv(ep, &m, &badge), ERR_WOULD_BLOCK);
	return PASS;
}

static enum result send_needs_write_right(void)
{
	uint64_t ep = obj_new(OBJ_ENDPOINT), ro;
	struct msg m = msg(1, 0, 0, 0, 0, 0);

	CHECK_MADE(ep);
	CHECK_MADE(ro = cap_dup(ep, RIGHT_R | RIGHT_G, 0));
	/* it is an error to send or call on a receive-only endpoint capability */
	CHECK_ST(sys_nb_send(ro, &m), ERR_NO_RIGHTS);
	CHECK_ST(sys_send(ro, &m), ERR_NO_RIGHTS);
	CHECK_ST(sys_call(ro, &m), ERR_NO_RIGHTS);
	return PASS;
}

static enum result recv_needs_read_right(void)
{
	uint64_t ep = obj_new(OBJ_ENDPOINT), wo, badge;
	struct msg m = msg(1, 0, 0, 0, 0, 0);

	CHECK_MADE(ep);
	CHECK_MADE(wo = cap_dup(ep, RIGHT_W | RIGHT_G, 0));
	/* it is an error to receive on a send-only endpoint capability */
	CHECK_ST(sys_nb_recv(wo, &m, &badge), ERR_NO_RIGHTS);
	CHECK_ST(sys_recv(wo, &m, &badge), ERR_NO_RIGHTS);
	return PASS;
}

static enum result ipc_needs_endpoint(void)
{
	uint64_t ntfn = obj_new(OBJ_NOTIFICATION), badge;
	struct msg m = msg(1, 0, 0, 0, 0, 0);

	CHECK_MADE(ntfn);
	/* it is an error to send or receive on anything but an endpoint */
	CHECK_ST(sys_nb_send(ntfn, &m), ERR_WRONG_TYPE);
	CHECK_ST(sys_call(SLOT_CONSOLE, &m), ERR_WRONG_TYPE);
	CHECK_ST(sys_nb_recv(ntfn, &m, &badge), ERR_WRONG_TYPE);
	CHECK_ST(sys_recv(SLOT_CONSOLE, &m, &badge), ERR_WRONG_TYPE);
	CHECK_ST(sys_call(slot_alloc(), &m), ERR_EMPTY_SLOT);
	CHECK_ST(sys_send(CSPACE_SLOTS, &m), ERR_INVALID_SLOT);
	return PASS;
}

/* --- endpoints: messages --- */

static enum result send_reaches_waiting_receiver(void)
{
	uint64_t ep = obj_new(OBJ_ENDPOINT), badge = 1;
	struct helper *h;
	struct msg m = { 0 };

	CHECK_MADE(ep);
	CHECK_MADE(h = helper_start(send_words, SLOT_NONE, ep, 4));
	CHECK_OK(sys_recv(ep, &m, &badge));
	CHECK(check_words(&m, 4) == PASS);
	CHECK(badge == 0);
	CHECK(helper_wait(h, HELPER_DONE));
	CHECK_OK(h->status);
	return PASS;
}

static enum result receive_takes_waiting_sender(void)
{
	uint64_t ep = obj_new(OBJ_ENDPOINT), badge;
	struct helper *h;
	struct msg m = { 0 };

	CHECK_MADE(ep);
	CHECK_MADE(h = helper_start(send_words, SLOT_NONE, ep, 3));
	CHECK(helper_wait(h, 1));
	yield_n(5); /* the helper is now blocked in send */
	CHECK_OK(sys_nb_recv(ep, &m, &badge));
	CHECK(check_words(&m, 3) == PASS);
	CHECK(helper_wait(h, HELPER_DONE));
	CHECK_OK(h->status);
	return PASS;
}

static enum result nb_send_reaches_waiting_receiver(void)
{
	uint64_t ep = obj_new(OBJ_ENDPOINT);
	struct msg m = msg(77, 1, 1, 0, 0, 0);
	struct helper *h;

	CHECK_MADE(ep);
	CHECK_MADE(h = helper_start(block_on, SLOT_NONE, ep, SYS_RECV));
	CHECK(helper_wait(h, 1));
	yield_n(5);
	CHECK_OK(sys_nb_send(ep, &m));
	CHECK(helper_wait(h, HELPER_DONE));
	CHECK_OK(h->status);
	CHECK(MSG_LABEL(h->value[0]) == 77);
	return PASS;
}

static enum result badge_is_delivered_on_receive(void)
{
	uint64_t ep = obj_new(OBJ_ENDPOINT), badged, badge = 0;
	struct msg m = { 0 };

	CHECK_MADE(ep);
	CHECK_MADE(badged = cap_dup(ep, RIGHT_W, 0xbad9e));
	CHECK_MADE(helper_start(send_words, SLOT_NONE, badged, 1));
	CHECK_OK(sys_recv(ep, &m, &badge));
	CHECK(badge == 0xbad9e);
	CHECK(check_words(&m, 1) == PASS);
	return PASS;
}

static enum result call_gets_reply(void)
{
	uint64_t ep = obj_new(OBJ_ENDPOINT);
	struct msg m = msg(20, 2, 5, 6, 0, 0);
	struct helper *h;

	CHECK_MADE(ep);
	CHECK_MADE(h = helper_start(serve_plus_one, SLOT_NONE, ep, 1));
	CHECK_OK(sys_call(ep, &m));
	CHECK(MSG_LABEL(m.tag) == 21 && MSG_WORDS(m.tag) == 2);
	CHECK(m.mr[0] == 6 && m.mr[1] == 6);
	CHECK(helper_wait(h, HELPER_DONE));
	CHECK_OK(h->status);
	return PASS;
}

static enum result reply_recv_serves_many_calls(void)
{
	uint64_t ep = obj_new(OBJ_ENDPOINT);
	struct helper *h;

	CHECK_MADE(ep);
	CHECK_MADE(h = helper_start(serve_plus_one, SLOT_NONE, ep, 3));
	for (uint64_t i = 0; i < 3; i++) {
		struct msg m = msg(i, 1, 10 * i, 0, 0, 0);

		CHECK_OK(sys_call(ep, &m));
		CHECK(MSG_LABEL(m.tag) == i + 1 && m.mr[0] == 10 * i + 1);
	}
	CHECK(helper_wait(h, HELPER_DONE));
	CHECK(h->value[0] == 3);
	return PASS;
}

static enum result long_message_travels_in_utcb(void)
{
	uint64_t ep = obj_new(OBJ_ENDPOINT), badge;
	struct msg m = { 0 };

	CHECK_MADE(ep);
	memset(utcb()->mr, 0, sizeof(utcb()->mr));
	CHECK_MADE(helper_start(send_words, SLOT_NONE, ep, 20));
	CHECK_OK(sys_recv(ep, &m, &badge));
	CHECK(check_words(&m, 20) == PASS);
	return PASS;
}

static enum result longest_message_is_64_words(void)
{
	uint64_t ep = obj_new(OBJ_ENDPOINT), badge;
	struct msg m = { 0 };

	CHECK_MADE(ep);
	CHECK_MADE(helper_start(send_words, SLOT_NONE, ep, MSG_MAX_WORDS));
	CHECK_OK(sys_recv(ep, &m, &badge));
	CHECK(check_words(&m, MSG_MAX_WORDS) == PASS);
	return PASS;
}

/* --- capability transfer --- */

static enum result capability_transfer_with_grant(void)
{
	uint64_t ep = obj_new(OBJ_ENDPOINT), ntfn = obj_new(OBJ_NOTIFICATION), dst = slot_alloc();
	uint64_t badge;
	struct msg m = { 0 };

	CHECK_MADE(ep && ntfn);
	utcb()->recv_slots[0] = dst;
	CHECK_MADE(helper_start(send_cap, SLOT_NONE, ep, ntfn));
	CHECK_OK(sys_recv(ep, &m, &badge));
	utcb()->recv_slots[0] = SLOT_NONE;
	CHECK(MSG_LABEL(m.tag) == 3 && MSG_CAPS(m.tag) == 1);
	CHECK(cap_type(dst) == OBJ_NOTIFICATION);
	/* the sender keeps its capability: transfer copies, deriving from it */
	CHECK(cap_type(ntfn) == OBJ_NOTIFICATION);
	CHECK_OK(sys_cap_revoke(ntfn));
	CHECK(cap_type(dst) == OBJ_NONE);
	return PASS;
}

static enum result capability_transfer_needs_grant(void)
{
	uint64_t ep = obj_new(OBJ_ENDPOINT), ntfn = obj_new(OBJ_NOTIFICATION), dst = slot_alloc();
	uint64_t no_grant, badge;
	struct msg m = { 0 };

	CHECK_MADE(ep && ntfn);
	CHECK_MADE(no_grant = cap_dup(ep, RIGHT_W, 0));
	utcb()->recv_slots[0] = dst;
	CHECK_MADE(helper_start(send_cap, SLOT_NONE, no_grant, ntfn));
	CHECK_OK(sys_recv(ep, &m, &badge));
	utcb()->recv_slots[0] = SLOT_NONE;
	/* the message arrives, but without G on the sender's capability no capability does */
	CHECK(MSG_LABEL(m.tag) == 3 && MSG_CAPS(m.tag) == 0);
	CHECK(cap_type(dst) == OBJ_NONE);
	return PASS;
}

/* --- reply --- */

static enum result reply_without_caller_fails(void)
{
	struct msg m = msg(0, 0, 0, 0, 0, 0);

	/* it is an error to reply when nobody called */
	CHECK_ST(sys_reply(&m), ERR_NO_REPLY);
	return PASS;
}

static enum result second_reply_fails(void)
{
	uint64_t ep = obj_new(OBJ_ENDPOINT), badge;
	struct helper *h;
	struct msg m = { 0 };

	CHECK_MADE(ep);
	CHECK_MADE(h = helper_start(call_once, SLOT_NONE, ep, 0));
	CHECK_OK(sys_recv(ep, &m, &badge));
	CHECK(MSG_LABEL(m.tag) == 5 && m.mr[0] == 41);
	m = msg(6, 1, 42, 0, 0, 0);
	CHECK_OK(sys_reply(&m));
	/* it is an error to reply twice: the reply right is used up */
	CHECK_ST(sys_reply(&m), ERR_NO_REPLY);
	CHECK(helper_wait(h, HELPER_DONE));
	CHECK_OK(h->status);
	CHECK(h->value[0] == 6 && h->value[1] == 42);
	return PASS;
}

static enum result receiving_again_cancels_pending_call(void)
{
	uint64_t ep = obj_new(OBJ_ENDPOINT), badge;
	struct helper *h;
	struct msg m = { 0 };

	CHECK_MADE(ep);
	CHECK_MADE(h = helper_start(call_once, SLOT_NONE, ep, 0));
	CHECK_OK(sys_recv(ep, &m, &badge));
	/* a receiver that receives again without replying drops the caller */
	CHECK_ST(sys_nb_recv(ep, &m, &badge), ERR_WOULD_BLOCK);
	CHECK(helper_wait(h, HELPER_DONE));
	CHECK_ST(h->status, ERR_CANCELED);
	CHECK_ST(sys_reply(&m), ERR_NO_REPLY);
	return PASS;
}

static enum result caller_wakes_when_server_deleted(void)
{
	uint64_t ep = obj_new(OBJ_ENDPOINT), ntfn = obj_new(OBJ_NOTIFICATION);
	struct helper *server, *client;

	CHECK_MADE(ep && ntfn);
	CHECK_MADE(server = helper_start(hold_call, SLOT_NONE, ep, ntfn));
	CHECK_MADE(client = helper_start(call_once, SLOT_NONE, ep, 0));
	CHECK(helper_wait(server, 2));
	yield_n(5);
	CHECK(client->state == 1);
	CHECK_OK(sys_cap_delete(server->thread));
	CHECK(helper_wait(client, HELPER_DONE));
	CHECK_ST(client->status, ERR_DELETED);
	return PASS;
}

/* --- deleting what a thread waits on --- */

/* A helper blocks in syscall nr on a new object of `type`; deleting it must wake the helper. */
static enum result woken_by_delete(uint64_t type, uint64_t nr)
{
	uint64_t obj = obj_new(type);
	struct helper *h;

	CHECK_MADE(obj);
	CHECK_MADE(h = helper_start(block_on, SLOT_NONE, obj, nr));
	CHECK(helper_wait(h, 1));
	yield_n(5);
	CHECK(h->state == 1);
	CHECK_OK(sys_cap_delete(obj));
	CHECK(helper_wait(h, HELPER_DONE));
	CHECK_ST(h->status, ERR_DELETED);
	return PASS;
}

static enum result recv_wakes_when_endpoint_deleted(void)
{
	return woken_by_delete(OBJ_ENDPOINT, SYS_RECV);
}

static enum result send_wakes_when_endpoint_deleted(void)
{
	return woken_by_delete(OBJ_ENDPOINT, SYS_SEND);
}

static enum result call_wakes_when_endpoint_deleted(void)
{
	return woken_by_delete(OBJ_ENDPOINT, SYS_CALL);
}

static enum result wait_wakes_when_notification_deleted(void)
{
	return woken_by_delete(OBJ_NOTIFICATION, SYS_WAIT);
}

/* --- the echo server --- */

static enum result echo_answers_with_label_plus_one(void)
{
	uint64_t echo = connection_slot("echo");
	struct msg m = msg(41, 4, 1, 2, 3, 4);

	if (echo == SLOT_NONE)
		SKIP("no connection to echo");
	CHECK_OK(sys_call(echo, &m));
	CHECK(MSG_LABEL(m.tag) == 42 && MSG_WORDS(m.tag) == 4);
	CHECK(m.mr[0] == 1 && m.mr[1] == 2 && m.mr[2] == 3 && m.mr[3] == 4);
	return PASS;
}

static enum result echo_connection_is_badged_send_only(void)
{
	uint64_t echo = connection_slot("echo"), badge;
	struct cap_info info;
	struct msg m = { 0 };

	if (echo == SLOT_NONE)
		SKIP("no connection to echo");
	CHECK_OK(sys_cap_info(echo, &info));
	CHECK(info.type == OBJ_ENDPOINT && info.badge != 0);
	CHECK(info.rights & RIGHT_W);
	CHECK(!(info.rights & RIGHT_R));
	CHECK_ST(sys_nb_recv(echo, &m, &badge), ERR_NO_RIGHTS);
	return PASS;
}

/* --- notifications --- */

static enum result poll_without_signal_would_block(void)
{
	uint64_t ntfn = obj_new(OBJ_NOTIFICATION), bits;

	CHECK_MADE(ntfn);
	CHECK_ST(sys_poll(ntfn, &bits), ERR_WOULD_BLOCK);
	return PASS;
}

static enum result signal_then_poll_returns_badge(void)
{
	uint64_t ntfn = obj_new(OBJ_NOTIFICATION), b, bits = 0;

	CHECK_MADE(ntfn);
	CHECK_MADE(b = cap_dup(ntfn, RIGHT_W, 0x10));
	CHECK_OK(sys_signal(b));
	CHECK_OK(sys_poll(ntfn, &bits));
	CHECK(bits == 0x10);
	/* polling takes the bits */
	CHECK_ST(sys_poll(ntfn, &bits), ERR_WOULD_BLOCK);
	return PASS;
}

static enum result unbadged_signal_sets_bit_one(void)
{
	uint64_t ntfn = obj_new(OBJ_NOTIFICATION), bits = 0;

	CHECK_MADE(ntfn);
	CHECK_OK(sys_signal(ntfn));
	CHECK_OK(sys_poll(ntfn, &bits));
	CHECK(bits == 1);
	return PASS;
}

static enum result signals_or_their_badges(void)
{
	uint64_t ntfn = obj_new(OBJ_NOTIFICATION), b1, b4, bits = 0;

	CHECK_MADE(ntfn);
	CHECK_MADE(b1 = cap_dup(ntfn, RIGHT_W, 0x1));
	CHECK_MADE(b4 = cap_dup(ntfn, RIGHT_W, 0x4));
	CHECK_OK(sys_signal(b1));
	CHECK_OK(sys_signal(b4));
	CHECK_OK(sys_signal(b1));
	CHECK_OK(sys_wait(ntfn, &bits));
	CHECK(bits == 0x5);
	return PASS;
}

static enum result signal_wakes_waiting_thread(void)
{
	uint64_t ntfn = obj_new(OBJ_NOTIFICATION), b;
	struct helper *h;

	CHECK_MADE(ntfn);
	CHECK_MADE(b = cap_dup(ntfn, RIGHT_W, 0x80));
	CHECK_MADE(h = helper_start(block_on, SLOT_NONE, ntfn, SYS_WAIT));
	CHECK(helper_wait(h, 1));
	yield_n(5);
	CHECK(h->state == 1);
	CHECK_OK(sys_signal(b));
	CHECK(helper_wait(h, HELPER_DONE));
	CHECK_OK(h->status);
	CHECK(h->value[1] == 0x80);
	return PASS;
}

static enum result notification_rights_are_checked(void)
{
	uint64_t ntfn = obj_new(OBJ_NOTIFICATION), ro, wo, bits;

	CHECK_MADE(ntfn);
	CHECK_MADE(ro = cap_dup(ntfn, RIGHT_R, 1));
	CHECK_MADE(wo = cap_dup(ntfn, RIGHT_W, 2));
	/* it is an error to signal without W, or to wait or poll without R */
	CHECK_ST(sys_signal(ro), ERR_NO_RIGHTS);
	CHECK_ST(sys_poll(wo, &bits), ERR_NO_RIGHTS);
	CHECK_ST(sys_wait(wo, &bits), ERR_NO_RIGHTS);
	return PASS;
}

static enum result notification_calls_need_notification(void)
{
	uint64_t ep = obj_new(OBJ_ENDPOINT), bits;

	CHECK_MADE(ep);
	/* it is an error to signal, wait or poll on anything but a notification */
	CHECK_ST(sys_signal(ep), ERR_WRONG_TYPE);
	CHECK_ST(sys_poll(ep, &bits), ERR_WRONG_TYPE);
	CHECK_ST(sys_wait(SLOT_CONSOLE, &bits), ERR_WRONG_TYPE);
	CHECK_ST(sys_poll(slot_alloc(), &bits), ERR_EMPTY_SLOT);
	return PASS;
}

static enum result yield_returns(void)
{
	CHECK_OK(sys_yield());
	return PASS;
}

static const struct test_case cases[] = {
	{ "nb_send_without_receiver_would_block", nb_send_without_receiver_would_block },
	{ "nb_recv_without_sender_would_block", nb_recv_without_sender_would_block },
	{ "send_needs_write_right", send_needs_write_right },
	{ "recv_needs_read_right", recv_needs_read_right },
	{ "ipc_needs_endpoint", ipc_needs_endpoint },
	{ "send_reaches_waiting_receiver", send_reaches_waiting_receiver },
	{ "receive_takes_waiting_sender", receive_takes_waiting_sender },
	{ "nb_send_reaches_waiting_receiver", nb_send_reaches_waiting_receiver },
	{ "badge_is_delivered_on_receive", badge_is_delivered_on_receive },
	{ "call_gets_reply", call_gets_reply },
	{ "reply_recv_serves_many_calls", reply_recv_serves_many_calls },
	{ "long_message_travels_in_utcb", long_message_travels_in_utcb },
	{ "longest_message_is_64_words", longest_message_is_64_words },
	{ "capability_transfer_with_grant", capability_transfer_with_grant },
	{ "capability_transfer_needs_grant", capability_transfer_needs_grant },
	{ "reply_without_caller_fails", reply_without_caller_fails },
	{ "second_reply_fails", second_reply_fails },
	{ "receiving_again_cancels_pending_call", receiving_again_cancels_pending_call },
	{ "caller_wakes_when_server_deleted", caller_wakes_when_server_deleted },
	{ "recv_wakes_when_endpoint_deleted", recv_wakes_when_endpoint_deleted },
	{ "send_wakes_when_endpoint_deleted", send_wakes_when_endpoint_deleted },
	{ "call_wakes_when_endpoint_deleted", call_wakes_when_endpoint_deleted },
	{ "wait_wakes_when_notification_deleted", wait_wakes_when_notification_deleted },
	{ "echo_answers_with_label_plus_one", echo_answers_with_label_plus_one },
	{ "echo_connection_is_badged_send_only", echo_connection_is_badged_send_only },
	{ "poll_without_signal_would_block", poll_without_signal_would_block },
	{ "signal_then_poll_returns_badge", signal_then_poll_returns_badge },
	{ "unbadged_signal_sets_bit_one", unbadged_signal_sets_bit_one },
	{ "signals_or_their_badges", signals_or_their_badges },
	{ "signal_wakes_waiting_thread", signal_wakes_waiting_thread },
	{ "notification_rights_are_checked", notification_rights_are_checked },
	{ "notification_calls_need_notification", notification_calls_need_notification },
	{ "yield_returns", yield_returns },
};

const struct test_group ipc_group = GROUP(cases);
