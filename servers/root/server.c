/*
 * Starting one server: its task, memory, thread and the capabilities its
 * config grants, in the slots moat/user.h documents.
 */
#include "fmt.h"
#include "mem.h"
#include "moat/syscall.h"
#include "moat/user.h"
#include "root.h"

uint64_t server_failed(const struct server *srv, const char *what, uint64_t status)
{
	if (status != OK)
		uprintf("root: server %s: %s failed: %s\n", srv->cfg->name, what,
			status_name(status));
	return status;
}

_Static_assert(CONFIG_MAX_SERVERS <= STARTINFO_MAX_CLIENTS, "every other server may be a client");

_Static_assert(CONFIG_MAX_SERVERS <= BLK_BADGE_CLIENT_MASK,
	       "a server's badge must fit below a disk region's bits");

/*
 * The badge of its connection k: its own badge, with the disk region of
 * disk= above it (moat/block.h), so that the block server knows the region
 * without asking the client.
 */
static uint64_t connection_badge(const struct server *srv, unsigned int k)
{
	const struct config_disk *disk = config_connection_disk(srv->cfg, k);

	return disk ? blk_region_badge(server_badge(srv), &disk->region) : server_badge(srv);
}

/*
 * The servers that connect to srv, with the badge of each one's connection
 * (all[] ends at the first entry without a config).  A client may connect
 * only once, so each appears once.
 */
static void clients_fill(const struct server *srv, const struct server *all,
			 struct startinfo *info)
{
	for (unsigned int j = 0; j < CONFIG_MAX_SERVERS && all[j].cfg; j++) {
		const struct server_config *cfg = all[j].cfg;

		for (unsigned int k = 0; k < cfg->connect_count; k++) {
			struct startinfo_client *c;

			if (cfg->connect_to[k] != srv->index)
				continue;
			c = &info->clients[info->client_count++];
			c->badge = connection_badge(&all[j], k);
			memcpy(c->name, cfg->name, sizeof(c->name));
		}
	}
}

/* Fills in the startinfo the server finds at USER_STARTINFO_VADDR. */
static void startinfo_fill(const struct server *srv, const struct server *all,
			   struct startinfo *info)
{
	const struct server_config *cfg = srv->cfg;

	memset(info, 0, sizeof(*info));
	info->magic = STARTINFO_MAGIC;
	memcpy(info->name, cfg->name, sizeof(info->name));
	info->heap_vaddr = USER_HEAP_VADDR;
	info->heap_bytes = cfg->memory - USER_STACK_BYTES;
	info->stack_top = USER_STACK_TOP;
	info->stack_bytes = USER_STACK_BYTES;
	info->badge = server_badge(srv);
	info->untyped_pages = cfg->untyped / PAGE_BYTES;
	info->has_endpoint = srv->endpoint != SLOT_NONE;
	info->has_fault_endpoint = srv->fault_ep != SLOT_NONE; /* made before (badge_fault_ep) */
	info->has_ioports = cfg->has_ioports;
	info->io_first = cfg->io_first;
	info->io_last = cfg->io_last;
	info->irq_mask = cfg->irq_mask;
	info->connect_count = cfg->connect_count;
	memcpy(info->connect, cfg->connect, sizeof(info->connect));
	info->tsc_hz = boot_info()->tsc_hz; /* for timed waits (SYS_WAIT_UNTIL) in seconds */
	info->has_sched_control = cfg->sched_control;
	info->module_count = cfg->module_count;
	for (unsigned int k = 0; k < cfg->module_count; k++) {
		memcpy(info->modules[k].name, cfg->modules[k], sizeof(info->modules[k].name));
		info->modules[k].bytes = boot_info()->modules[srv->modules[k]].bytes;
	}
	clients_fill(srv, all, info);
}

/* Makes the startinfo frame and maps it read-only into the server. */
static int map_startinfo(struct server *srv, const struct server *all)
{
	struct startinfo info;
	uint64_t st;

	startinfo_fill(srv, all, &info);
	st = frame_create(srv->pool, 1, &info, 0, sizeof(info), &srv->startinfo);
	if (st == OK)
		st = sys_map(srv->startinfo, srv->task, USER_STARTINFO_VADDR, RIGHT_R);
	return server_failed(srv, "map startinfo", st) ? -1 : 0;
}

/* Copies one of the root's capabilities into the server's slot dst. */
static int give(const struct server *srv, const char *what, uint64_t src, uint64_t dst,
		uint64_t rights, uint64_t badge)
{
	return server_failed(srv, what, sys_cap_copy(src, srv->task, dst, rights, badge)) ? -1 : 0;
}

/* Moves a capability the root made for the server into its slot dst. */
static int hand_over(const struct server *srv, const char *what, uint64_t st, uint64_t src,
		     uint64_t dst)
{
	if (st == OK)
		st = sys_cap_move(src, srv->task, dst);
	return server_failed(srv, what, st) ? -1 : 0;
}

/* Its own task, thread, UTCB and startinfo, its fault endpoint and its endpoint. */
static int give_own_caps(const struct server *srv)
{
	if (give(srv, "give task", srv->task, SLOT_SELF_TASK, RIGHTS_ALL, 0) ||
	    give(srv, "give thread", srv->thread, SLOT_SELF_THREAD, RIGHTS_ALL, 0) ||
	    give(srv, "give UTCB", srv->utcb, SLOT_SELF_UTCB, RIGHTS_ALL, 0) ||
	    give(srv, "give startinfo", srv->startinfo, SLOT_STARTINFO, RIGHT_R, 0))
		return -1;
	/* W only: no capability travels with a fault report (docs/root-task.md) */
	if (give(srv, "give fault endpoint", srv->fault_ep, SLOT_FAULT, RIGHT_W, 0))
		return -1;
	if (srv->endpoint != SLOT_NONE &&
	    give(srv, "give endpoint", srv->endpoint, SLOT_ENDPOINT,
		 RIGHT_R | RIGHT_W | RIGHT_G, 0))
		return -1;
	return 0;
}

/*
 * Sends IRQ line irq to the server's cpu=, where its driver thread starts,
 * so that its interrupts wake it there without an IPI.  The 8259s reach
 * CPU 0 alone: there the line stays on CPU 0 (the log says so) and the
 * interrupt wakes the thread across CPUs.  A driver may move it again
 * (SYS_IRQ_SET_CPU); the last server to start with a line routes it.
 */
static int route_irq(const struct server *srv, uint64_t irq)
{
	uint64_t st = sys_irq_set_cpu(SLOT_IRQ_FIRST + irq, srv->cfg->cpu);

	if (st == ERR_UNSUPPORTED) {
		uprintf("root: server %s: IRQ %llu stays on CPU 0 (the 8259s serve it)\n",
			srv->cfg->name, (unsigned long long)irq);
		return 0;
	}
	return server_failed(srv, "send its irq= to its cpu=", st) ? -1 : 0;
}

/* The console, I/O ports, IRQs and untyped memory its config grants. */
static int give_granted(const struct server *srv)
{
	const struct server_config *cfg = srv->cfg;
	uint64_t slot = SLOT_NONE, st;

	/* Writing is all a server needs; the console's driver also takes the kernel's output. */
	uint64_t console_rights = cfg->console_driver ? RIGHT_R | RIGHT_W : RIGHT_W;
	if ((cfg->console || cfg->console_driver) &&
	    give(srv, "give console", SLOT_CONSOLE, SLOT_CONSOLE, console_rights, 0))
		return -1;
	for (uint64_t irq = 0; irq < CONFIG_IRQ_COUNT; irq++) {
		uint64_t irq_slot = SLOT_IRQ_FIRST + irq;

		if ((cfg->irq_mask & (1u << irq)) &&
		    (route_irq(srv, irq) || give(srv, "give irq", irq_slot, irq_slot, RIGHTS_ALL, 0)))
			return -1;
	}
	if (cfg->has_ioports) {
		slot = slot_take();
		st = sys_ioport_derive(SLOT_IOPORTS, cfg->io_first, cfg->io_last, slot);
		if (hand_over(srv, "give ioports", st, slot, SLOT_IOPORTS))
			return -1;
	}
	if (cfg->untyped) {
		st = retype_from(srv->pool, OBJ_UNTYPED, cfg->untyped / PAGE_BYTES, &slot);
		if (hand_over(srv, "give untyped", st, slot, SLOT_UNTYPED))
			return -1;
	}
	return 0;
}

/* Its CPU budget (budget=, background) and the right to set budgets (sched_control). */
static int give_budget(const struct server *srv)
{
	const struct server_config *cfg = srv->cfg;
	uint64_t control = boot_info()->sched_control_slot;

	if (cfg->budget_us &&
	    server_failed(srv, "set budget",
			  sys_task_set_budget(control, srv->task, cfg->budget_us, cfg->period_us,
					      cfg->background ? BUDGET_BACKGROUND : 0)))
		return -1;
	if (cfg->sched_control &&
	    give(srv, "give sched_control", control, SLOT_SCHED_CONTROL, RIGHTS_ALL, 0))
		return -1;
	return 0;
}

/* Badged send capabilities to the endpoints of the servers it connects to. */
static int give_connections(const struct server *srv, const struct server *all)
{
	const struct server_config *cfg = srv->cfg;

	for (unsigned int k = 0; k < cfg->connect_count; k++) {
		const struct server *to = &all[cfg->connect_to[k]];

		if (give(srv, "give connection", to->endpoint, SLOT_CONNECT_FIRST + k,
			 RIGHT_W | RIGHT_G, connection_badge(srv, k)))
			return -1;
	}
	return 0;
}

/* Read-only copies of the frames of the boot modules its modules= names. */
static int give_modules(const struct server *srv)
{
	const struct bootinfo *bi = boot_info();

	for (unsigned int k = 0; k < srv->cfg->module_count; k++) {
		uint64_t frame = bi->module_first + (uint64_t)srv->modules[k];

		if (give(srv, "give module", frame, SLOT_MODULE_FIRST + k, RIGHT_R, 0))
			return -1;
	}
	return 0;
}

/* Finds the boot modules its modules= names, before anything is made for it. */
static int find_modules(struct server *srv, const char *who)
{
	for (unsigned int k = 0; k < srv->cfg->module_count; k++) {
		srv->modules[k] = module_find(who, srv->cfg->modules[k]);
		if (srv->modules[k] < 0)
			return -1;
	}
	return 0;
}

/*
 * Makes, at the first start, the server's copy of the root's fault
 * endpoint: send only, badged with the server's badge, which the server
 * cannot change (a badged capability takes no new badge), so whatever
 * comes with it comes from this server.  Its threads report faults there.
 */
static int badge_fault_ep(struct server *srv, uint64_t fault_ep)
{
	uint64_t st;

	if (srv->fault_ep != SLOT_NONE)
		return 0;
	st = copy_to_self(fault_ep, RIGHT_W, server_badge(srv), &srv->fault_ep);
	if (st != OK)
		srv->fault_ep = SLOT_NONE;
	return server_failed(srv, "badge fault endpoint", st) ? -1 : 0;
}

/* Makes the server's thread, reporting faults to the root with the server's badge. */
static int make_thread(struct server *srv)
{
	uint64_t st = retype_from(srv->pool, OBJ_THREAD, 0, &srv->thread);

	if (st == OK)
		st = sys_thread_configure(srv->thread, srv->task, srv->utcb, srv->fault_ep);
	if (st == OK)
		st = sys_thread_set_priority(srv->thread, srv->cfg->priority);
	if (server_failed(srv, "make thread", st))
		return -1;
	st = srv->cfg->cpu ? sys_thread_set_cpu(srv->thread, srv->cfg->cpu) : OK;
	return server_failed(srv, "put its thread on its cpu=", st) ? -1 : 0;
}

/* Makes the pool for the image at its first start; a restart reuses it. */
static int make_pool(struct server *srv, const void *image)
{
	uint64_t st;

	if (srv->pool != SLOT_NONE)
		return 0;
	st = retype(OBJ_UNTYPED, load_pool_pages(srv, image), &srv->pool);
	if (st != OK)
		srv->pool = SLOT_NONE;
	return server_failed(srv, "make pool", st) ? -1 : 0;
}

/* Loads the image from the module and builds the rest of the address space. */
static int build_task(struct server *srv, const struct server *all, const char *who)
{
	struct module mod;
	int err = -1;

	if (module_open(who, srv->cfg->module, &mod) < 0)
		return -1;
	if (load_check(srv, mod.image, mod.bytes) == 0 && make_pool(srv, mod.image) == 0 &&
	    !server_failed(srv, "make task",
			   retype_from(srv->pool, OBJ_TASK, load_table_pages(srv, mod.image),
				       &srv->task)))
		err = load_image(srv, mod.image);
	module_close(&mod);
	if (err)
		return -1;
	return load_memory(srv) || map_startinfo(srv, all) ? -1 : 0;
}

/* Makes the instance and starts its thread; returns 0 or -1 (reported). */
static int build_and_start(struct server *srv, const struct server *all, uint64_t fault_ep)
{
	char who[CONFIG_NAME_LEN + 8]; /* "server NAME" in messages about modules */

	fmt_snprintf(who, sizeof(who), "server %s", srv->cfg->name);
	if (find_modules(srv, who) || badge_fault_ep(srv, fault_ep) ||
	    build_task(srv, all, who) || make_thread(srv) ||
	    give_own_caps(srv) || give_granted(srv) || give_connections(srv, all) ||
	    give_modules(srv) || give_budget(srv))
		return -1;
	return server_failed(srv, "start thread",
			     sys_thread_start(srv->thread, srv->entry, USER_STACK_TOP,
					      USER_STARTINFO_VADDR)) ? -1 : 0;
}

void server_teardown(struct server *srv)
{
	if (srv->pool != SLOT_NONE)
		server_failed(srv, "revoke pool", sys_cap_revoke(srv->pool));
	/* copies of its fault endpoint it gave away would report "faults" of the next instance */
	if (srv->fault_ep != SLOT_NONE)
		server_failed(srv, "revoke fault endpoint", sys_cap_revoke(srv->fault_ep));
	srv->task = srv->thread = srv->utcb = srv->startinfo = SLOT_NONE;
	srv->running = 0;
	slots_reclaim();
}

int server_start(struct server *srv, const struct server *all, uint64_t fault_ep)
{
	if (build_and_start(srv, all, fault_ep) < 0) {
		server_teardown(srv);
		return -1;
	}
	srv->running = 1;
	return 0;
}
