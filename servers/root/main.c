/*
 * The root task: starts the servers its config module lists, checks IPC
 * with the echo server, then handles server faults for ever: it reports
 * each one and deletes the faulted server, and starts it again if its
 * config says `restart`.
 */
#include "fmt.h"
#include "mem.h"
#include "moat/syscall.h"
#include "moat/user.h"
#include "root.h"

#define ECHO_LABEL 0x3c40 /* the root's test call; echo answers ECHO_LABEL + 1 */
#define ECHO_WORDS 6      /* two of them travel in the UTCB */
#define FAULT_STAY_STOPPED 1 /* a fault reply label other than 0 leaves the thread stopped */

static struct config config;
static struct server servers[CONFIG_MAX_SERVERS];

/* Reads the module named "config" into config; returns 0 or -1 (reported). */
static int read_config(void)
{
	struct module mod;
	char err[160]; /* room for the longest message: a disk region overlap names two servers */
	int st;

	if (module_open("config", "config", &mod) < 0)
		return -1;
	st = config_parse(mod.image, mod.bytes, &config, err, sizeof(err));
	module_close(&mod);
	if (st < 0)
		uprintf("root: config: %s\n", err);
	return st;
}

/* Whether the root makes an endpoint for a server: it has clients, or the root calls it. */
static int needs_endpoint(const struct server_config *cfg)
{
	return cfg->has_clients || strcmp(cfg->name, "echo") == 0;
}

/* Sets up servers[] and their endpoints; all exist before any client starts. */
static void prepare_servers(void)
{
	for (unsigned int i = 0; i < config.count; i++) {
		struct server *srv = &servers[i];

		*srv = (struct server){ .cfg = &config.servers[i], .index = i,
					.endpoint = SLOT_NONE, .fault_ep = SLOT_NONE,
					.pool = SLOT_NONE, .task = SLOT_NONE,
					.thread = SLOT_NONE, .utcb = SLOT_NONE,
					.startinfo = SLOT_NONE };
		if (needs_endpoint(srv->cfg) &&
		    server_failed(srv, "make endpoint", retype(OBJ_ENDPOINT, 0, &srv->endpoint)))
			srv->endpoint = SLOT_NONE;
	}
}

/* Starts every server in config order; a failure is reported and skipped. */
static void start_servers(uint64_t fault_ep)
{
	unsigned int started = 0;

	for (unsigned int i = 0; i < config.count; i++) {
		if (server_start(&servers[i], servers, fault_ep) < 0)
			continue;
		uprintf("root: started %s (task slot %llu)\n", servers[i].cfg->name,
			(unsigned long long)servers[i].task);
		started++;
	}
	uprintf("root: %u of %u servers started\n", started, config.count);
}

/* Calls the echo server once and checks that the reply mirrors the call. */
static void check_echo(void)
{
	int i = config_find(&config, "echo");
	uint64_t words[ECHO_WORDS], tag = 0, st;
	int ok;

	if (i < 0 || !servers[i].running || servers[i].endpoint == SLOT_NONE)
		return;
	for (unsigned int k = 0; k < ECHO_WORDS; k++)
		words[k] = 0x1000 + k;
	st = ipc_call_words(servers[i].endpoint, ECHO_LABEL, words, ECHO_WORDS, &tag);
	ok = st == OK && MSG_LABEL(tag) == ECHO_LABEL + 1 && MSG_WORDS(tag) == ECHO_WORDS;
	for (unsigned int k = 0; ok && k < ECHO_WORDS; k++)
		ok = words[k] == 0x1000 + k;
	if (ok)
		uprintf("root: echo replied ok\n");
	else
		uprintf("root: echo reply wrong: status %s, tag 0x%llx\n", status_name(st),
			(unsigned long long)tag);
}

/* The server whose badge a fault message carries, or NULL. */
static struct server *fault_source(uint64_t badge)
{
	return badge >= 1 && badge <= config.count ? &servers[badge - 1] : NULL;
}

/* Whether the root restarts srv when it faults. */
static int should_restart(const struct server *srv)
{
	return srv && srv->cfg->restart && srv->restarts < RESTART_LIMIT;
}

/* Writes what the root does about a fault of srv into buf: restart, give up or stop it. */
static void fault_action(const struct server *srv, char *buf, size_t len)
{
	buf[0] = '\0';
	if (should_restart(srv))
		fmt_snprintf(buf, len, "; restarting");
	else if (srv && srv->cfg->restart)
		fmt_snprintf(buf, len, "; giving up after %u restarts, it stays stopped",
			     srv->restarts);
	else if (srv)
		fmt_snprintf(buf, len, "; it stays stopped");
}

/* Logs a fault of srv (NULL: unknown sender), with what the root does about it. */
static void report_fault(const struct server *srv, const struct msg *m)
{
	char action[64];

	fault_action(srv, action, sizeof(action));
	uprintf("root: server %s faulted: vector %llu at rip 0x%llx addr 0x%llx (error 0x%llx)%s\n",
		srv ? srv->cfg->name : "(unknown)", (unsigned long long)m->mr[0],
		(unsigned long long)m->mr[2], (unsigned long long)m->mr[3],
		(unsigned long long)m->mr[1], action);
}

/*
 * Deletes the faulted instance of srv, every thread of it (a VMM's vCPUs
 * and their guests with them), not only the one that faulted, and has the
 * kernel check its invariants after: a leak of a deleted partition's
 * objects is a hole between partitions.
 */
static void delete_instance(struct server *srv)
{
	uint64_t broken = 0, st;

	server_teardown(srv);
	st = sys_debug_check(SLOT_CONSOLE, &broken);
	if (st == OK)
		uprintf("root: deleted %s (kernel check: %llu invariants broken)\n", srv->cfg->name,
			(unsigned long long)broken);
	else
		uprintf("root: deleted %s (kernel check: %s)\n", srv->cfg->name, status_name(st));
}

/*
 * Deletes the faulted instance of srv and starts a new one from the same
 * module; its endpoint, and so its clients' capabilities, stay.
 */
static void restart_server(struct server *srv, uint64_t fault_ep)
{
	delete_instance(srv);
	srv->restarts++;
	if (server_start(srv, servers, fault_ep) == 0)
		uprintf("root: restarted %s (restart %u)\n", srv->cfg->name, srv->restarts);
	else
		uprintf("root: restarting %s failed; it stays down\n", srv->cfg->name);
}

/*
 * Logs a message on the fault endpoint that is not a fault: a server's
 * thread sent it with the server's badge, on purpose or by a bug.
 */
static void report_message(const struct server *srv, const struct msg *m)
{
	char action[64];

	fault_action(srv, action, sizeof(action));
	uprintf("root: server %s faulted: it sent label 0x%llx, not a fault, to its fault "
		"endpoint%s\n", srv ? srv->cfg->name : "(unknown)",
		(unsigned long long)MSG_LABEL(m->tag), action);
}

/*
 * Reports one message on the fault endpoint and deletes its sender, or
 * restarts it if it should.  Any message counts as a fault of the server
 * whose badge it carries: only that server's threads hold the capability
 * to send with that badge, and a server that misuses it has a bug like
 * any fault (a message the root let pass could be sent again and again).
 */
static void handle_fault(uint64_t badge, const struct msg *m, uint64_t fault_ep)
{
	struct server *srv = fault_source(badge);

	if (MSG_LABEL(m->tag) == MSG_FAULT)
		report_fault(srv, m);
	else
		report_message(srv, m);
	if (should_restart(srv))
		restart_server(srv, fault_ep);
	else if (srv && srv->running)
		delete_instance(srv);
}

/*
 * Receives fault messages for ever.  A faulted server's thread is gone
 * with its instance, and then there is no one to reply to, which
 * SYS_REPLY_RECV ignores; the reply leaves the thread of an unknown
 * sender stopped.
 */
static void serve_faults(uint64_t fault_ep)
{
	struct msg m = { .tag = 0 };
	uint64_t badge = 0;
	uint64_t st = sys_recv(fault_ep, &m, &badge);

	while (st == OK) {
		handle_fault(badge, &m, fault_ep);
		m = (struct msg){ .tag = MSG_TAG(FAULT_STAY_STOPPED, 0, 0) };
		st = sys_reply_recv(fault_ep, &m, &badge);
	}
	uprintf("root: receive on the fault endpoint failed: %s\n", status_name(st));
}

int main(uint64_t arg)
{
	const struct bootinfo *bi = boot_info();
	uint64_t fault_ep, st;

	(void)arg;
	if (bi->magic != BOOTINFO_MAGIC) {
		uprintf("root: no boot information at 0x%llx\n",
			(unsigned long long)ROOT_BOOTINFO_VADDR);
		return 1;
	}
	slots_init(bi->first_free_slot);
	uprintf("root: %llu modules, %llu untyped regions\n",
		(unsigned long long)bi->module_count, (unsigned long long)bi->untyped_count);
	st = retype(OBJ_ENDPOINT, 0, &fault_ep);
	if (st != OK) {
		uprintf("root: cannot make the fault endpoint: %s\n", status_name(st));
		return 1;
	}
	if (read_config() == 0) {
		prepare_servers();
		start_servers(fault_ep);
		check_echo();
	}
	serve_faults(fault_ep);
	return 1;
}
