/*
 * The VMM server.  It reads its configuration (the module "NAME.cfg", NAME
 * being this server's name, or else "vmm.cfg", given with modules=), then
 * runs the guests at the same time.  Its threads:
 * - the first thread (main) starts the guests in order, as memory and
 *   slots allow, waits for them to end (SLOT_EVENTS), reports each and
 *   takes it away, and prints the summary;
 * - every vCPU has a thread of its own (vcpu_thread), made from its guest's
 *   untyped with the vCPU, that receives the vCPU's exits on an endpoint of
 *   its own and answers them, and sleeps through the vCPU's halts;
 * - console.c's input thread wakes the guests' BSPs when input comes.
 * The threads of one guest handle its exits one at a time, under the
 * guest's lock (its devices are shared); vCPUs run below all of them, so
 * an exit is handled at once.  A guest with test=... is a test case:
 * testrun.c reports it, and runs the background guests around the others.
 */
#include <stddef.h>

#include "fmt.h"
#include "mem.h"
#include "moat/syscall.h"
#include "moat/user.h"
#include "vmm.h"

#define CONFIG_MODULE "vmm.cfg"
#define CONFIG_WINDOW 0x37000000ULL
#define CRASH_MESSAGE_LABEL 0xbad /* crash-vmm-by=message's: anything but MSG_FAULT */
#define IORAM_WINDOWS 0x36000000ULL /* the guests' IORAM views (testdev.c), a window per block */
#define RAM_WINDOWS   0x40000000ULL /* the guests' RAM views from here up, a window per block */

/*
 * A running guest's slots: a block of GUEST_SLOTS, guest.c's first
 * (untyped, space, RAM, view, vCPUs, a badged endpoint, which the IORAM
 * frame takes once the guest runs), then each vCPU
 * thread's five (VCPU_SLOT_*).  Blocks are taken at a guest's start and
 * given back at its end; each has a notification for its guest's lock,
 * made once.  As many guests as there are blocks run at once.
 */
#define GUEST_BASE_SLOTS (5 + VMM_MAX_VCPUS)
enum { VCPU_SLOT_ENDPOINT, VCPU_SLOT_WAKE, VCPU_SLOT_THREAD, VCPU_SLOT_UTCB, VCPU_SLOT_STACK,
       VCPU_SLOTS };
#define GUEST_SLOTS (GUEST_BASE_SLOTS + VMM_MAX_VCPUS * VCPU_SLOTS)
#define SLOT_EVENTS VMM_SLOT(VMM_EVENTS) /* vCPU threads signal it when their guest ends */
#define SLOT_POOL   VMM_SLOT(VMM_POOL)   /* the guests' memory (vmm_guest_memory) */
#define BLOCKS      ((CSPACE_SLOTS - VMM_OWN_SLOTS - SLOT_USER_FIRST_FREE) / (GUEST_SLOTS + 1))
#define SLOT_LOCK_FIRST (SLOT_USER_FIRST_FREE + BLOCKS * GUEST_SLOTS)
_Static_assert(BLOCKS >= 2, "at least two guests run at once");

static struct guest guests[VMM_MAX_GUESTS];
static uint64_t n_guests;
static bool no_vcpus; /* this CPU has no usable VMX or SVM */
static bool block_used[BLOCKS];
static bool pool_made;          /* SLOT_POOL holds the guests' memory */
static unsigned pool_guests;    /* guests whose memory is the pool's */

/*
 * Where the VMM sees a guest's RAM: a window per block of slots, each
 * window_span bytes from RAM_WINDOWS up, so that a guest that takes a
 * block after another ended reuses its window, and the page tables the
 * VMM's task already has for it (its table quota covers its untyped
 * memory mapped once, not every guest's window side by side).  The span
 * is the largest guest's RAM rounded up to the largest page size a guest
 * uses, so that every window is aligned to its guest's page size.  Each
 * page size has windows of its own: a 2 MiB leaf cannot go where a table
 * of 4 KiB pages is left from an earlier guest, nor the other way round.
 */
static uint64_t window_span;

static void size_windows(void)
{
	uint64_t align = 4096, most = 0;
	for (unsigned i = 0; i < n_guests; i++) {
		uint64_t page = guest_page_bytes(&guests[i].cfg);
		align = page > align ? page : align;
		most = guests[i].cfg.memory > most ? guests[i].cfg.memory : most;
	}
	window_span = (most + align - 1) & ~(align - 1);
}

static unsigned read_config(void)
{
	static char text[16384], err[160], own[48];
	uint64_t bytes, slot;
	fmt_snprintf(own, sizeof(own), "%s.cfg", program_name()); /* NAME.cfg, else vmm.cfg */
	slot = module_slot(own, &bytes);
	const char *file = own;
	if (slot == SLOT_NONE) {
		file = CONFIG_MODULE;
		slot = module_slot(file, &bytes);
	}
	if (slot == SLOT_NONE) {
		uprintf("vmm: no configuration (module %s or %s)\n", own, CONFIG_MODULE);
		return 0;
	}
	if (bytes >= sizeof(text)) {
		uprintf("vmm: the configuration is %lu bytes, more than the %lu it may have\n", bytes,
			(uint64_t)sizeof(text) - 1);
		return 0;
	}
	if (sys_map(slot, TASK_SELF, CONFIG_WINDOW, RIGHT_R) != OK) {
		uprintf("vmm: the configuration's module cannot be mapped\n");
		return 0;
	}
	memcpy(text, (const void *)CONFIG_WINDOW, bytes);
	static struct guest_config cfg[VMM_MAX_GUESTS];
	int n = guest_config_parse(file, text, bytes, cfg, VMM_MAX_GUESTS, err, sizeof(err));
	if (n < 0) {
		uprintf("vmm: %s\n", err);
		return 0;
	}
	for (int i = 0; i < n; i++)
		guests[i].cfg = cfg[i];
	return n;
}

/* Gives g a free block of slots and its lock; false if none is free. */
static bool take_block(struct guest *g)
{
	for (unsigned b = 0; b < BLOCKS; b++) {
		if (block_used[b])
			continue;
		block_used[b] = true;
		g->block = b;
		g->lock = (struct lock){ .state = LOCK_FREE, .ntfn = SLOT_LOCK_FIRST + b };
		g->untyped = SLOT_USER_FIRST_FREE + b * GUEST_SLOTS;
		g->space = g->untyped + 1;
		g->ram = g->untyped + 2;
		g->ram_view = g->untyped + 3;
		g->vcpu = g->untyped + 4; /* the BSP's; the APs' follow it */
		g->ioram = g->untyped + GUEST_BASE_SLOTS - 1; /* the badged slot: free once it runs */
		g->ioram_map = (uint8_t *)(IORAM_WINDOWS + b * IORAM_BYTES);
		g->ram_map = (uint8_t *)(RAM_WINDOWS +
					 ((g->cfg.page_level - 1) * BLOCKS + b) * window_span);
		return true;
	}
	return false;
}

/*
 * Guests' memory.  Untyped memory hands out its range front to back, and
 * takes it back only when everything made from it goes (a revoke): each
 * guest's objects come from an untyped of the guest's own, and those come
 * from one pool, made first of all the VMM's memory but what its own
 * objects and the background test guests take (those live all along, and
 * would hold the pool).  When no guest has memory from the pool any more,
 * the next one revokes it, and all of it is free again.
 */
#define VMM_OWN_PAGES 8 /* its notifications and the input thread (console.c) */

static void make_pool(void)
{
	uint64_t reserve = VMM_OWN_PAGES, total = startinfo() ? startinfo()->untyped_pages : 0;
	for (unsigned i = 0; i < n_guests; i++)
		if (test_in_background(&guests[i]))
			reserve += guest_memory_pages(&guests[i].cfg);
	pool_made = total > reserve &&
		    sys_retype(SLOT_UNTYPED, OBJ_UNTYPED, total - reserve, SLOT_POOL, 1) == OK;
}

uint64_t vmm_guest_memory(struct guest *g, uint64_t pages)
{
	if (test_in_background(g))
		return sys_retype(SLOT_UNTYPED, OBJ_UNTYPED, pages, g->untyped, 1);
	if (!pool_made)
		return ERR_NO_MEMORY;
	if (!pool_guests)
		sys_cap_revoke(SLOT_POOL); /* nothing of it lives: all of it is free again */
	uint64_t st = sys_retype(SLOT_POOL, OBJ_UNTYPED, pages, g->untyped, 1);
	g->from_pool = st == OK;
	pool_guests += g->from_pool;
	return st;
}

void vmm_memory_return(struct guest *g)
{
	sys_cap_delete(g->untyped);
	pool_guests -= g->from_pool;
	g->from_pool = false;
}

/*
 * The test of crash-vmm-by=message: a message that is not a fault, sent
 * with the server's badge to the root's fault endpoint, as a bug could
 * send it.  The root deletes the VMM for it; a root that answered would
 * let the VMM run on, and it says so.
 */
static void message_the_fault_endpoint(struct guest *g)
{
	struct msg m = { MSG_TAG(CRASH_MESSAGE_LABEL, 0, 0), { 0 } };
	uint64_t st = sys_call(fault_endpoint_slot(), &m);

	uprintf("vmm: the root answered a message on its fault endpoint (%s, label 0x%llx): "
		"running on\n", status_name(st), (unsigned long long)MSG_LABEL(m.tag));
	g->crash_at = WAIT_FOREVER; /* once */
}

/*
 * crash-vmm-after= (a test): the VMM faults here, as a bug of its own
 * would, its guests running (their vCPUs in the guest, in an exit or
 * asleep in a halt): in its first thread, or with crash-vmm-by=vcpu in a
 * vCPU thread, one the VMM made itself (vcpu_sleep_until); or with
 * crash-vmm-by=message it misuses its fault endpoint.  What happens next
 * is the root's (docs/root-task.md, "Restarting a server").
 */
static void crash_on_purpose(struct guest *g)
{
	console_flush(); /* the guests' lines so far, so the test sees where it crashed */
	uprintf("vmm: crashing on purpose: guest %s's crash-vmm-after=%lu%s%s\n", g->cfg.name,
		g->cfg.crash_vmm_ms, g->cfg.crash_by ? " crash-vmm-by=" : "",
		g->cfg.crash_by ? crash_by_name(g->cfg.crash_by) : "");
	if (g->cfg.crash_by == CRASH_BY_MESSAGE)
		message_the_fault_endpoint(g);
	else
		__builtin_trap(); /* #UD, vector 6: the root hears of it as a fault */
}

/* Handles one exit of g under its lock; returns the reply's tag (its words are in w). */
static uint64_t handle_exit(struct guest *g, uint64_t *w)
{
	struct exit_ctx x = { .g = g, .w = w, .reply = 0 };
	if (g->cfg.hostile && !g->hostile_done)
		hostile_checks(g, g->untyped + GUEST_BASE_SLOTS - 1); /* guest.c's badged slot: free now */
	if (g->cfg.exit_stats)
		exit_stats_count(&g->exit_stats, w[VMW_REASON] & 0xffff, IO_QUAL_PORT(w[VMW_QUAL]));
	exit_handle(&x);
	w[VMW_MASK] = x.reply;
	return MSG_TAG(0, vm_message_words(x.reply), 0);
}

/* Tells main that g has ended, and waits to be taken away with it. */
static void __attribute__((noreturn)) end_thread(struct guest_vcpu *v)
{
	sys_signal(SLOT_EVENTS);
	for (;;)
		sys_thread_suspend(v->thread);
}

/* The last reply of a guest that has stopped (a stopped vCPU makes no more exits). */
static void __attribute__((noreturn)) reply_and_end(struct guest *g, struct guest_vcpu *v,
						    const uint64_t *w, uint64_t tag)
{
	struct sysregs r = { .rsi = tag };
	MSG_WORDS_TO_REGS(&r, w);
	uint64_t st = moat_syscall(SYS_REPLY, &r);
	if (st != OK)
		uprintf("vmm: guest %s: reply refused: %s\n", g->cfg.name, status_name(st));
	end_thread(v);
}

/* A receive failed (the endpoint is gone): the guest cannot go on. */
static void __attribute__((noreturn)) receive_failed(struct guest *g, struct guest_vcpu *v,
						     uint64_t st)
{
	uprintf("vmm: guest %s: receive failed: %s\n", g->cfg.name, status_name(st));
	lock_acquire(&g->lock);
	g->done = true;
	g->stop_reason = "lost a vCPU's exits";
	lock_release(&g->lock);
	end_thread(v);
}

/*
 * A vCPU's thread: answers the exit whose reply is in its UTCB and
 * receives the next, for as long as its guest runs.  The hot path of the
 * VMM: an exit's words 0-3 travel in registers, and they go straight from
 * the registers to the UTCB beside the other words (where the handlers
 * read them all, and write the reply), and back; the message is not
 * copied anywhere else.  Its guest and vCPU are arg's quotient and
 * remainder by VMM_MAX_VCPUS.
 */
static void __attribute__((noreturn)) vcpu_thread(uint64_t arg)
{
	struct guest *g = &guests[arg / VMM_MAX_VCPUS];
	struct guest_vcpu *v = &g->cpu[arg % VMM_MAX_VCPUS];
	uint64_t *w = utcb()->mr, tag = 0, nr = SYS_RECV;
	/*
	 * The thread starts before its endpoint is made (vcpu_thread_start),
	 * at the priority of the thread making it: a preemption in between
	 * would have it receive on an empty slot and give the guest up.
	 */
	while (!__atomic_load_n(&v->endpoint_made, __ATOMIC_ACQUIRE))
		sys_yield();
	for (;;) {
		struct sysregs r = { .rdi = v->endpoint, .rsi = tag };
		MSG_WORDS_TO_REGS(&r, w);
		uint64_t st = moat_syscall(nr, &r);
		MSG_REGS_TO_WORDS(w, &r);
		nr = SYS_RECV;
		if (st != OK)
			receive_failed(g, v, st);
		if (MSG_LABEL(r.rsi) != MSG_VMEXIT)
			continue; /* no exit: nothing to answer */
		lock_acquire(&g->lock);
		g->exit_badge = r.rdi;
		tag = handle_exit(g, w);
		bool done = g->done;
		lock_release(&g->lock);
		if (done)
			reply_and_end(g, v, w, tag);
		nr = SYS_REPLY_RECV;
	}
}

uint64_t vcpu_thread_start(struct guest *g, unsigned c)
{
	struct guest_vcpu *v = &g->cpu[c];
	uint64_t first = g->untyped + GUEST_BASE_SLOTS + c * VCPU_SLOTS, st;
	v->endpoint = first + VCPU_SLOT_ENDPOINT;
	v->wake = first + VCPU_SLOT_WAKE;
	v->thread = first + VCPU_SLOT_THREAD;
	v->utcb_frame = first + VCPU_SLOT_UTCB;
	v->stack_frame = first + VCPU_SLOT_STACK;
	v->halted = false;
	__atomic_store_n(&v->endpoint_made, false, __ATOMIC_RELEASE);
	/* the thread's pages first, so that the small objects after waste no page */
	if ((st = thread_start_in_region(g->untyped, g->block * VMM_MAX_VCPUS + c, VCPU_STACK_PAGES,
					 v->thread, v->utcb_frame, v->stack_frame, vcpu_thread,
					 (uint64_t)(g - guests) * VMM_MAX_VCPUS + c)) ||
	    (st = sys_retype(g->untyped, OBJ_ENDPOINT, 0, v->endpoint, 1)) ||
	    (st = sys_retype(g->untyped, OBJ_NOTIFICATION, 0, v->wake, 1)))
		return st;
	__atomic_store_n(&v->endpoint_made, true, __ATOMIC_RELEASE);
	return OK;
}

bool vcpu_sleep_until(struct guest *g, uint64_t deadline)
{
	uint64_t badge = g->exit_badge;
	struct guest_vcpu *v = &g->cpu[guest_exit_cpu(g)];
	v->halted = true;
	lock_release(&g->lock);
	uint64_t st = sys_wait_until(v->wake, deadline, 0);
	if (g->cfg.crash_by == CRASH_BY_VCPU && rdtsc() >= g->crash_at)
		crash_on_purpose(g); /* off the exits' fast path: a halt is a slow one anyway */
	lock_acquire(&g->lock);
	v->halted = false;
	g->exit_badge = badge; /* others' exits were handled meanwhile */
	return st != OK; /* ERR_TIMEOUT; anything else would only come again: stop sleeping */
}

void vcpu_kick(struct guest *g, unsigned c)
{
	struct guest_vcpu *v = &g->cpu[c];
	if (v->halted)
		sys_signal(v->wake);
	else if (v->state == VCPU_RUNNING)
		sys_vcpu_recall(v->slot);
}

/* Builds guest i with a block of slots and starts its vCPU; a failure is reported here. */
enum start_result vmm_start(struct guest *g, unsigned i)
{
	g->stop_reason = "could not be started: all its slots are taken";
	if (!take_block(g))
		return START_NO_MEMORY;
	uint64_t st = guest_create(g, i + 1);
	if (st == OK) {
		g->stop_reason = 0;
		g->deadline = g->cfg.timeout_s && vmm_tsc_hz() ?
				      rdtsc() + g->cfg.timeout_s * vmm_tsc_hz() : WAIT_FOREVER;
		g->crash_at = g->cfg.crash_vmm_ms && vmm_tsc_hz() ?
				      rdtsc() + g->cfg.crash_vmm_ms * vmm_tsc_hz() / 1000 : WAIT_FOREVER;
		return START_OK;
	}
	guest_destroy(g); /* what was made of it */
	block_used[g->block] = false;
	if (st == ERR_UNSUPPORTED) {
		no_vcpus = true;
		return START_NO_VCPUS;
	}
	g->stop_reason = "could not be started: not enough memory";
	if (st == ERR_NO_MEMORY)
		return START_NO_MEMORY;
	g->stop_reason = "could not be started";
	uprintf("vmm: guest %s: could not be started: %s\n", g->cfg.name, status_name(st));
	return START_FAILED;
}

/* Whether a vCPU thread has stopped g. */
static bool guest_done(struct guest *g)
{
	lock_acquire(&g->lock);
	bool done = g->done;
	lock_release(&g->lock);
	return done;
}

void vmm_wait_until_done(struct guest *g)
{
	while (!guest_done(g))
		sys_wait(SLOT_EVENTS, 0);
	sys_signal(SLOT_EVENTS); /* for the others that ended meanwhile */
}

/*
 * Under g's lock no thread of g handles an exit: each waits for an exit,
 * for the lock or in a halt's sleep, holding nothing, and can go.
 */
void vmm_destroy(struct guest *g)
{
	lock_acquire(&g->lock);
	guest_destroy(g);
	lock_release(&g->lock);
	block_used[g->block] = false;
}

static void input_arrived(void);

/* How a guest ended, a test case's verdict, and its objects given back. */
void vmm_finish(struct guest *g)
{
	console_flush(); /* the guest's own lines first */
	test_report(g);
	if (g->cfg.exit_stats)
		exit_stats_print(g);
	vmm_destroy(g);
	input_arrived(); /* the console's input may have a new focus, with input waiting */
}

/* A guest that must run alone: its figures assume nothing else runs (test=bench, bench-build=, alone). */
static bool runs_alone(const struct guest *g)
{
	return g->cfg.test == TEST_BENCH || g->cfg.bench_build[0] || g->cfg.alone;
}

/* The guests started in the foreground (not test_in_background) that still run; *alone if one must. */
static unsigned foreground_running(bool *alone)
{
	unsigned n = 0;
	*alone = false;
	for (unsigned i = 0; i < n_guests; i++) {
		if (!guests[i].running || test_in_background(&guests[i]))
			continue;
		n++;
		*alone |= runs_alone(&guests[i]);
	}
	return n;
}

/*
 * Starts guests from *next on, in order, while they may: one that must
 * run alone waits for the others to end, and nothing starts beside it; one
 * without the memory or slots waits for a running one to end, and fails
 * if none runs.  False if this CPU has no vCPUs.
 */
static bool start_more(unsigned *next)
{
	for (; *next < n_guests; ++*next) {
		struct guest *g = &guests[*next];
		bool alone;
		unsigned running = foreground_running(&alone);
		if (test_in_background(g))
			continue;
		if (alone || (running && runs_alone(g)))
			return true;
		enum start_result started = vmm_start(g, *next);
		if (started == START_NO_VCPUS)
			return false;
		if (started == START_NO_MEMORY && running) {
			static unsigned said = ~0u; /* the guest that said it waits */
			if (said != *next)
				uprintf("# vmm: guest %s waits for a guest to end (%s)\n", g->cfg.name,
					g->stop_reason);
			said = *next;
			return true; /* tried again when one ends */
		}
		if (started != START_OK)
			test_not_started(g, g->stop_reason);
	}
	return true;
}

/*
 * A guest that reset its CPU (the 8042's or port 0x92's reset line), or
 * triple-faulted with on-fault=restart, with restarts= left: built again
 * from its image and started, as a PC starts again from its firmware (new
 * RAM, devices and vCPUs).  Nothing of the old run is kept but the count.
 */
static void vmm_restart(struct guest *g, unsigned i)
{
	console_flush(); /* the guest's own lines first */
	uprintf("vmm: guest %s %s: restarting (%lu of %lu)\n", g->cfg.name, g->stop_reason,
		g->restarts + 1, g->cfg.max_restarts);
	vmm_destroy(g);
	g->restarts++;
	memset(&g->untyped, 0, sizeof(*g) - offsetof(struct guest, untyped));
	if (vmm_start(g, i) != START_OK)
		test_not_started(g, g->stop_reason);
}

/* Whether g's stop restarts it (restarts= allowing): a reset, or a fault with on-fault=restart. */
static bool restart_wanted(const struct guest *g)
{
	bool reset = g->stop_reason && g->stop_reason == g->kbc.reset_reason;
	bool fault = g->stop_reason == guest_triple_fault && g->cfg.on_fault == ON_FAULT_RESTART;
	return reset || fault;
}

/* A guest that would restart but has used its restarts= up: says so before it is reported. */
static void restarts_used_up(const struct guest *g)
{
	console_flush(); /* the guest's own lines first */
	uprintf("vmm: guest %s %s: stopped, its %lu restarts used up\n", g->cfg.name,
		g->stop_reason, g->cfg.max_restarts);
}

/* Reports and takes away (or restarts) every foreground guest whose threads have stopped it. */
static void finish_ended(void)
{
	for (unsigned i = 0; i < n_guests; i++) {
		struct guest *g = &guests[i];
		if (!g->running || test_in_background(g) || !guest_done(g))
			continue;
		if (restart_wanted(g) && g->restarts < g->cfg.max_restarts) {
			vmm_restart(g, i);
			continue;
		}
		if (restart_wanted(g) && g->cfg.max_restarts)
			restarts_used_up(g);
		vmm_finish(g);
	}
}

/* When the first thread acts on g's crash-vmm-after= (WAIT_FOREVER: a vCPU thread does, or never). */
static uint64_t main_crash_at(const struct guest *g)
{
	return g->cfg.crash_by == CRASH_BY_VCPU ? WAIT_FOREVER : g->crash_at;
}

/*
 * Stops the running guests whose timeout= has passed (or crashes the VMM
 * when a crash-vmm-after= has), and returns the earliest deadline of
 * those left (WAIT_FOREVER: none).  The guest is stopped as a vCPU thread
 * stops it; finish_ended then takes it away, its vCPUs running or not.
 */
static uint64_t stop_overdue(void)
{
	uint64_t next = WAIT_FOREVER, now = rdtsc();
	for (unsigned i = 0; i < n_guests; i++) {
		struct guest *g = &guests[i];
		if (g->running && now >= main_crash_at(g))
			crash_on_purpose(g);
		if (g->running && main_crash_at(g) < next)
			next = main_crash_at(g);
		if (!g->running || g->deadline == WAIT_FOREVER)
			continue;
		lock_acquire(&g->lock);
		if (!g->done && now >= g->deadline) {
			g->done = true;
			g->stop_reason = "ran past its timeout=";
			g->stop_rip = g->stop_addr = 0;
		} else if (!g->done && g->deadline < next) {
			next = g->deadline;
		}
		lock_release(&g->lock);
	}
	return next;
}

/* The guests at once; the test runner's background guests start first and end last. */
static void run_all(void)
{
	unsigned next = 0;
	bool alone;
	if (!test_start_background(guests, n_guests))
		return;
	while (start_more(&next) && (next < n_guests || foreground_running(&alone))) {
		sys_wait_until(SLOT_EVENTS, stop_overdue(), 0);
		stop_overdue();
		finish_ended();
	}
	if (!no_vcpus)
		test_end_background(guests, n_guests);
}

uint64_t vmm_tsc_hz(void)
{
	const struct startinfo *info = startinfo();
	return info ? info->tsc_hz : 0;
}

bool vmm_input_focus(const struct guest *g)
{
	for (unsigned i = 0; i < n_guests; i++)
		if (guests[i].running && !test_in_background(&guests[i]))
			return &guests[i] == g;
	return false;
}

/*
 * Input for the guests' consoles (or a new guest with the focus): the
 * focus's BSP is woken or recalled to take it.
 */
static void input_arrived(void)
{
	for (unsigned i = 0; i < n_guests; i++) {
		struct guest *g = &guests[i];
		if (!g->running || !vmm_input_focus(g))
			continue;
		lock_acquire(&g->lock);
		if (g->running && !g->done)
			vcpu_kick(g, 0);
		lock_release(&g->lock);
	}
}

struct connections connections;

int main(uint64_t arg)
{
	(void)arg;
	connections = (struct connections){
		.serial = connection_slot("serial"),
		.kbd = connection_slot("kbd"),
		.ata = connection_slot("ata"),
	};
	n_guests = read_config();
	size_windows();
	make_pool();
	if (!console_init() || sys_retype(SLOT_UNTYPED, OBJ_NOTIFICATION, 0, SLOT_EVENTS, 1) != OK ||
	    sys_retype(SLOT_UNTYPED, OBJ_NOTIFICATION, 0, SLOT_LOCK_FIRST, BLOCKS) != OK) {
		uprintf("vmm: no memory for its notifications\n");
		return 1;
	}
	console_watch_input(input_arrived);
	run_all();
	if (no_vcpus)
		uprintf("vmm: this CPU has no usable VMX or SVM: every guest is skipped\n");
	return test_end(guests, n_guests, no_vcpus);
}
