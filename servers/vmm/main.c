/*
 * The VMM server.  It reads its configuration (the module "NAME.cfg", NAME
 * being this server's name, or else "vmm.cfg", given with modules=), then
 * runs the guests one after another.  Exits from every vCPU of every guest
 * arrive on one endpoint, told apart by badge (guest i's vCPU c has
 * i + 1 in its low half and c in its high half), and one thread handles
 * them all.  A guest with test=... is a test case:
 * testrun.c reports it, and runs the background guests around the others.
 */
#include "fmt.h"
#include "mem.h"
#include "moat/syscall.h"
#include "moat/user.h"
#include "vmm.h"

#define CONFIG_MODULE "vmm.cfg"
#define CONFIG_WINDOW 0x37000000ULL
#define RAM_WINDOWS   0x40000000ULL /* the guests' RAM views from here up, one after another */
#define SLOTS_PER_GUEST (5 + VMM_MAX_VCPUS) /* guest.c: untyped, space, ram, view, vCPUs, badged */
#define SCRATCH_SLOT (CSPACE_SLOTS - 1) /* always empty */
/* A halted guest's sleep waits on it; input signals it (console.c keeps - 2 to - 4). */
#define SLOT_WAKE (CSPACE_SLOTS - 5)
_Static_assert(SLOT_USER_FIRST_FREE + 1 + VMM_MAX_GUESTS * SLOTS_PER_GUEST <= SLOT_WAKE,
	       "every guest's slots fit");

static struct guest guests[VMM_MAX_GUESTS];
static uint64_t n_guests;
static uint64_t endpoint = SLOT_USER_FIRST_FREE;
static uint64_t reply_tag; /* the tag of the reply whose words are in the UTCB */
static bool replying; /* the last message was an exit: answer it with the next receive */
static bool no_vcpus; /* this CPU has no usable VMX or SVM */
static bool can_sleep; /* SLOT_WAKE holds the wake-up notification */

/*
 * Where the VMM sees a guest's RAM: the next free address at or above
 * *next aligned to the guest's page size, so that its frame maps there in
 * leaves of that size.  Each guest has its window for the VMM's life.
 */
static uint8_t *ram_window(uint64_t *next, const struct guest_config *c)
{
	uint64_t align = guest_page_bytes(c), at = (*next + align - 1) & ~(align - 1);
	*next = at + c->memory;
	return (uint8_t *)at;
}

static unsigned read_config(void)
{
	static char text[4096], err[96], own[48];
	uint64_t bytes, slot;
	fmt_snprintf(own, sizeof(own), "%s.cfg", program_name()); /* NAME.cfg, else vmm.cfg */
	slot = module_slot(own, &bytes);
	if (slot == SLOT_NONE)
		slot = module_slot(CONFIG_MODULE, &bytes);
	if (slot == SLOT_NONE || bytes >= sizeof(text) ||
	    sys_map(slot, TASK_SELF, CONFIG_WINDOW, RIGHT_R) != OK) {
		uprintf("vmm: no configuration (module %s)\n", CONFIG_MODULE);
		return 0;
	}
	memcpy(text, (const void *)CONFIG_WINDOW, bytes);
	static struct guest_config cfg[VMM_MAX_GUESTS];
	int n = guest_config_parse(text, bytes, cfg, VMM_MAX_GUESTS, err, sizeof(err));
	if (n < 0) {
		uprintf("vmm: %s: %s\n", CONFIG_MODULE, err);
		return 0;
	}
	uint64_t windows = RAM_WINDOWS;
	for (int i = 0; i < n; i++) {
		guests[i].cfg = cfg[i];
		guests[i].untyped = SLOT_USER_FIRST_FREE + 1 + i * SLOTS_PER_GUEST;
		guests[i].space = guests[i].untyped + 1;
		guests[i].ram = guests[i].untyped + 2;
		guests[i].ram_view = guests[i].untyped + 3;
		guests[i].vcpu = guests[i].untyped + 4; /* the BSP's; the APs' follow it */
		guests[i].ram_map = ram_window(&windows, &cfg[i]);
	}
	return n;
}

/*
 * Answers the exit whose reply is in the UTCB, then waits for the next
 * message from any guest.  The hot path of the VMM: an exit's words 0-3
 * travel in registers, and they go straight from the registers to the
 * UTCB beside the other words (where the handlers read them all, and
 * write the reply), and back; the message is not copied anywhere else.
 */
static struct guest *next_exit(void)
{
	uint64_t *w = utcb()->mr;
	for (;;) {
		struct sysregs r = { .rdi = endpoint, .rsi = reply_tag };
		MSG_WORDS_TO_REGS(&r, w);
		uint64_t st = moat_syscall(replying ? SYS_REPLY_RECV : SYS_RECV, &r);
		replying = false;
		if (st != OK) {
			uprintf("vmm: receive failed: %s\n", status_name(st));
			return 0;
		}
		MSG_REGS_TO_WORDS(w, &r);
		uint32_t i = (uint32_t)r.rdi - 1; /* the badge: vCPU << 32 | guest + 1 */
		if (MSG_LABEL(r.rsi) == MSG_VMEXIT && i < n_guests) {
			guests[i].exit_badge = r.rdi;
			return &guests[i];
		}
	}
}

/* Handles one exit and prepares its reply; a guest stopped here gets its reply at once. */
static void handle_exit(struct guest *g)
{
	struct exit_ctx x = { .g = g, .w = utcb()->mr, .reply = 0 };
	if (g->cfg.hostile && !g->hostile_done)
		hostile_checks(g, SCRATCH_SLOT);
	exit_handle(&x);
	x.w[VMW_MASK] = x.reply;
	reply_tag = MSG_TAG(0, vm_message_words(x.reply), 0);
	replying = true;
	if (g->done) {
		struct sysregs r = { .rsi = reply_tag };
		MSG_WORDS_TO_REGS(&r, x.w);
		uint64_t st = moat_syscall(SYS_REPLY, &r);
		if (st != OK)
			uprintf("vmm: guest %s: reply refused: %s\n", g->cfg.name, status_name(st));
		replying = false;
	}
}

/* Handles exits from every guest until g is done. */
void vmm_run_until_done(struct guest *g)
{
	while (!g->done) {
		struct guest *from = next_exit();
		if (!from)
			return;
		handle_exit(from);
	}
}

/* Builds guest i and starts its vCPU; a failure is reported here. */
enum start_result vmm_start(struct guest *g, unsigned i)
{
	uint64_t st = guest_create(g, endpoint, i + 1);
	if (st == ERR_UNSUPPORTED) {
		no_vcpus = true;
		return START_NO_VCPUS;
	}
	if (st != OK) {
		g->stop_reason = "could not be started";
		uprintf("vmm: guest %s: could not be started: %s\n", g->cfg.name, status_name(st));
		return START_FAILED;
	}
	return START_OK;
}

/* How a guest that is no test case ended. */
static void report_end(const struct guest *g)
{
	if (g->stop_reason)
		uprintf("vmm: guest %s %s\n", g->cfg.name, g->stop_reason);
	else if (g->debug_exited)
		uprintf("vmm: guest %s ended with status %lu (debug-exit port)\n", g->cfg.name, g->result);
	else
		uprintf("vmm: guest %s finished\n", g->cfg.name);
}

/* How a guest ended, a test case's verdict, and its objects given back. */
void vmm_finish(struct guest *g)
{
	console_flush(); /* the guest's own lines first */
	if (!test_report(g))
		report_end(g);
	guest_destroy(g);
}

/* Guests in order; the test runner's background guests start first and end last. */
static void run_all(void)
{
	if (!test_start_background(guests, n_guests))
		return;
	for (unsigned i = 0; i < n_guests; i++) {
		struct guest *g = &guests[i];
		if (test_in_background(g))
			continue;
		enum start_result started = vmm_start(g, i);
		if (started == START_NO_VCPUS)
			return;
		if (started == START_FAILED) {
			test_not_started(g);
			continue;
		}
		vmm_run_until_done(g);
		vmm_finish(g);
	}
	test_end_background(guests, n_guests);
}

uint64_t vmm_tsc_hz(void)
{
	const struct startinfo *info = startinfo();
	return info ? info->tsc_hz : 0;
}

bool vmm_sleep_until(uint64_t deadline)
{
	if (!can_sleep)
		return true;
	uint64_t st = sys_wait_until(SLOT_WAKE, deadline, 0);
	return st != OK; /* ERR_TIMEOUT; anything else would only come again: stop sleeping */
}

/*
 * Input for the guests' consoles: recall the running guests so it is
 * delivered now, and wake a halted one's sleep.
 */
static void input_arrived(void)
{
	for (unsigned i = 0; i < n_guests; i++)
		if (guests[i].running && !guests[i].done)
			sys_vcpu_recall(guests[i].vcpu);
	if (can_sleep)
		sys_signal(SLOT_WAKE);
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
	can_sleep = sys_retype(SLOT_UNTYPED, OBJ_NOTIFICATION, 0, SLOT_WAKE, 1) == OK;
	console_watch_input(input_arrived);
	if (sys_retype(SLOT_UNTYPED, OBJ_ENDPOINT, 0, endpoint, 1) != OK) {
		uprintf("vmm: no memory for an endpoint\n");
		return 1;
	}
	run_all();
	if (no_vcpus)
		uprintf("vmm: this CPU has no usable VMX or SVM: every guest is skipped\n");
	return test_end(guests, n_guests, no_vcpus);
}
