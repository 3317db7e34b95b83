/*
 * The echo server: answers every call on its endpoint with the same words
 * and the label plus one, so clients can check IPC end to end.
 */
#include "moat/syscall.h"
#include "moat/user.h"

/* Turns a received message into its reply: same words, label + 1, no capabilities. */
static void make_reply(struct msg *m)
{
	m->tag = MSG_TAG(MSG_LABEL(m->tag) + 1, MSG_WORDS(m->tag), 0);
}

int main(uint64_t arg)
{
	struct msg m = { .tag = 0 };
	uint64_t badge = 0;
	uint64_t st = sys_recv(SLOT_ENDPOINT, &m, &badge);

	(void)arg;
	while (st == OK) {
		make_reply(&m);
		/* Words 4 and up are still in our UTCB, where the reply takes them from. */
		st = sys_reply_recv(SLOT_ENDPOINT, &m, &badge);
	}
	uprintf("echo: receive failed: %s\n", status_name(st));
	return 1;
}
