/* IPC helpers over the raw syscall stubs. */
#include "moat/syscall.h"
#include "moat/user.h"

/* The smaller of two word counts. */
static unsigned int min_words(unsigned int a, unsigned int b)
{
	return a < b ? a : b;
}

uint64_t ipc_call_words(uint64_t ep, uint64_t label, uint64_t *words, unsigned int n,
			uint64_t *reply_tag)
{
	struct utcb *u = utcb();
	struct msg m = { .tag = MSG_TAG(label, n, 0) };
	unsigned int i, got;
	uint64_t st;

	if (n > MSG_MAX_WORDS)
		return ERR_INVALID_ARG;
	for (i = 0; i < n; i++)
		*msg_word(&m, u, i) = words[i];
	st = sys_call(ep, &m);
	if (st != OK)
		return st;
	got = min_words(MSG_WORDS(m.tag), n);
	for (i = 0; i < got; i++)
		words[i] = *msg_word(&m, u, i);
	if (reply_tag)
		*reply_tag = m.tag;
	return OK;
}
