/*
 * Guests: building one (memory, guest-physical space, vCPU, bindings),
 * loading its image (flat binary, real-mode binary, a Multiboot kernel
 * through loader.c or a Linux bzImage through bzimage.c), its first
 * register state, and tearing it down again.  All of a guest's
 * kernel objects come from one untyped capability of its own, so revoking
 * that capability takes the whole guest away.
 */
#include "mem.h"
#include "moat/syscall.h"
#include "moat/user.h"
#include "vmm.h"
#include "array.h"
#include "loader.h"
#include "bzimage.h"

#define MODULE_WINDOW  0x38000000ULL /* where it reads a guest's modules, one at a time */
#define GDT_GPA        BOOT_DATA_START /* the flat GDT the VMM gives protected-mode guests */
#define FLAT_CS        0x08 /* its code selector, data the next: Linux's are BZ_BOOT_CS and DS */

_Static_assert(GDT_GPA == BZ_GDT_GPA, "bzimage.h keeps the GDT's place free");

_Static_assert(VMM_MAX_MODULES == MB_MAX_MODULES, "modules= gives the loader what it takes");

/* Exit reasons that get a smaller message than the default (everything). */
static const struct {
	uint32_t reason, mask;
} bindings[] = {
	{ VMEXIT_CPUID, VMG_GPR_ACDB | VMG_RIP },
};
#define ALL_EXIT_STATE (VMG_ALL & ~VMG_REPLY_ONLY)

void *guest_ptr(struct guest *g, uint64_t gpa, uint64_t len)
{
	if (gpa >= g->cfg.memory || len > g->cfg.memory - gpa)
		return 0;
	return g->ram_map + gpa;
}

/*
 * Gives the vCPU its space, and for kernel-cpuid the kernel's own CPUID
 * answer.  Only a measurement kernel takes that flag (docs/testing.md); the
 * shipped kernel's ERR_UNSUPPORTED would read as "no VMX or SVM" to the
 * caller and skip every guest, so it is reported here and made a failure
 * of this guest alone.
 */
static uint64_t configure(struct guest *g, uint64_t vcpu)
{
	uint32_t flags = g->cfg.kernel_cpuid ? VCPU_KERNEL_CPUID : 0;
	uint64_t st = sys_vcpu_configure(vcpu, g->space, flags);
	if (st != ERR_UNSUPPORTED)
		return st;
	uprintf("vmm: guest %s: kernel-cpuid needs a measurement kernel\n", g->cfg.name);
	return ERR_INVALID_ARG;
}

/* Counts the syscalls that build a guest, for max-build-calls= and make bench. */
#define BUILD(g, call) ((g)->build_calls++, (call))

/*
 * Table pages for a space that maps [0, bytes) in leaves of `level`: at
 * each level from the leaves' up to the pointer tables, one table per
 * span it covers.  4 KiB pages need all three; 1 GiB pages only a pointer
 * table per 512 GiB.
 */
static uint64_t gpa_table_pages(uint64_t bytes, int level)
{
	uint64_t pages = 0;
	for (int l = level; l <= 3; l++) {
		uint64_t span = 4096ULL << (9 * l); /* what one table at level l maps */
		pages += (bytes + span - 1) / span;
	}
	return pages;
}

/*
 * The guest's RAM: one frame of its page size, mapped in the space and in
 * the VMM's window with one call each.  The untyped it comes from has room
 * for the frame at any alignment (a page size less 4 KiB more).
 */
static uint64_t map_ram(struct guest *g)
{
	static const uint64_t types[] = { 0, OBJ_FRAME, OBJ_FRAME_2M, OBJ_FRAME_1G };
	uint64_t pages = g->cfg.memory / PAGE_BYTES, st;
	if (!(st = BUILD(g, sys_retype(g->untyped, types[g->cfg.page_level], pages, g->ram, 1))) &&
	    !(st = BUILD(g, sys_cap_copy(g->ram, TASK_SELF, g->ram_view, RIGHTS_ALL, 0))) &&
	    !(st = BUILD(g, sys_map(g->ram_view, TASK_SELF, (uint64_t)g->ram_map,
				    RIGHT_R | RIGHT_W))))
		st = BUILD(g, sys_gpa_map(g->ram, g->space, 0, RIGHTS_ALL & ~RIGHT_G));
	if (st != ERR_UNSUPPORTED)
		return st;
	/* not "no VMX or SVM" (main.c), which would skip every guest */
	uprintf("vmm: guest %s: this CPU's page tables have no pages of pages=\n", g->cfg.name);
	return ERR_INVALID_ARG;
}

/*
 * vCPU c's space and bindings: its exits go to its thread's endpoint with
 * badge c << 32 | badge (exit_cpu tells the vCPUs apart by it).
 */
static uint64_t bind_vcpu(struct guest *g, unsigned c, uint64_t badge)
{
	uint64_t badged = g->untyped + 4 + VMM_MAX_VCPUS, vcpu = g->cpu[c].slot, st;
	uint64_t own_badge = (uint64_t)c << 32 | badge;
	if ((st = BUILD(g, configure(g, vcpu))) ||
	    (st = BUILD(g, sys_cap_copy(g->cpu[c].endpoint, TASK_SELF, badged, RIGHT_W, own_badge))) ||
	    (st = BUILD(g, sys_vcpu_bind(vcpu, VMEXIT_DEFAULT, badged, ALL_EXIT_STATE))))
		return st;
	for (unsigned i = 0; i < ARRAY_LEN(bindings); i++)
		if ((st = BUILD(g, sys_vcpu_bind(vcpu, bindings[i].reason, badged, bindings[i].mask))))
			return st;
	BUILD(g, sys_cap_delete(badged)); /* the vCPU keeps its own copies */
	return BUILD(g, sys_thread_set_priority(vcpu, 1)); /* below the VMM: its exits run at once */
}

uint64_t guest_memory_pages(const struct guest_config *c)
{
	uint64_t quota = gpa_table_pages(c->memory, c->page_level);
	return (c->memory + guest_page_bytes(c)) / PAGE_BYTES - 1 + GPA_SPACE_BASE_PAGES + quota +
	       c->vcpus * (VCPU_PAGES + VCPU_THREAD_PAGES) + 1 + IORAM_BYTES / PAGE_BYTES;
}

/*
 * pc-testdev's IORAM (testdev.c), made on the guest's first access to it:
 * a frame from the guest's untyped (guest_memory_pages counts it), seen by
 * the VMM alone at g->ioram_map and never mapped in the guest's space, so
 * that every access exits.  False if it cannot be made.
 */
bool guest_ioram_make(struct guest *g)
{
	if (g->ioram_ready)
		return true;
	g->ioram_ready = sys_retype(g->untyped, OBJ_FRAME, IORAM_BYTES / PAGE_BYTES, g->ioram, 1) == OK &&
			 sys_map(g->ioram, TASK_SELF, (uint64_t)g->ioram_map, RIGHT_R | RIGHT_W) == OK;
	if (g->ioram_ready)
		memset(g->ioram_map, 0, IORAM_BYTES);
	return g->ioram_ready;
}

/*
 * Makes the guest's memory, space and vCPUs, and the VMM's threads for
 * them (not counted as the build's calls), out of a fresh untyped capability.
 */
/*
 * cpus=: vCPU c and the VMM thread that handles its exits on one host CPU,
 * so that an exit and its reply stay on that CPU (the kernel's fast path).
 */
static uint64_t place_vcpu(struct guest *g, unsigned c)
{
	if (!g->cfg.cpu_count)
		return OK;
	unsigned cpu = g->cfg.cpus[c % g->cfg.cpu_count];
	uint64_t st;
	if ((st = BUILD(g, sys_thread_set_cpu(g->cpu[c].slot, cpu))) ||
	    (st = BUILD(g, sys_thread_set_cpu(g->cpu[c].thread, cpu))))
		uprintf("vmm: guest %s: cpus=: vCPU %u cannot go to CPU %u: %s\n", g->cfg.name, c,
			cpu, status_name(st));
	return st;
}

static uint64_t build_objects(struct guest *g, uint64_t badge)
{
	unsigned n = g->cfg.vcpus;
	uint64_t quota = gpa_table_pages(g->cfg.memory, g->cfg.page_level), st;
	for (unsigned c = 0; c < n; c++)
		g->cpu[c].slot = g->vcpu + c;
	if ((st = BUILD(g, vmm_guest_memory(g, guest_memory_pages(&g->cfg)))) ||
	    (st = BUILD(g, sys_retype(g->untyped, OBJ_GPA_SPACE, quota, g->space, 1))) ||
	    (st = map_ram(g)) ||
	    (st = BUILD(g, sys_retype(g->untyped, OBJ_VCPU, 0, g->vcpu, n))))
		return st;
	for (unsigned c = 0; c < n; c++)
		if ((st = vcpu_thread_start(g, c)) || (st = bind_vcpu(g, c, badge)) ||
		    (st = place_vcpu(g, c)))
			return st;
	return OK;
}

/* Maps boot module name for reading (its size in *bytes); 0, after saying why, if it cannot. */
static const uint8_t *module_view(struct guest *g, const char *name, uint64_t *bytes)
{
	uint64_t slot = module_slot(name, bytes);
	if (slot == SLOT_NONE) {
		uprintf("vmm: guest %s: no module named %s\n", g->cfg.name, name);
		return 0;
	}
	BUILD(g, sys_unmap(slot));
	if (BUILD(g, sys_map(slot, TASK_SELF, MODULE_WINDOW, RIGHT_R)) != OK) {
		uprintf("vmm: guest %s: module %s cannot be mapped\n", g->cfg.name, name);
		return 0;
	}
	return (const uint8_t *)MODULE_WINDOW;
}

/* Takes back module_view's mapping of module name. */
static void module_unview(struct guest *g, const char *name)
{
	BUILD(g, sys_unmap(module_slot(name, 0)));
}

/* Copies len bytes from src to guest RAM at gpa; false if they are not all RAM. */
static bool copy_in(struct guest *g, uint64_t gpa, const uint8_t *src, uint64_t len)
{
	uint8_t *dst = guest_ptr(g, gpa, len);
	if (!dst)
		return false;
	memcpy(dst, src, len);
	return true;
}

/* Loads a flat image at load=; false after saying why. */
static bool load_flat(struct guest *g, uint64_t *entry)
{
	uint64_t bytes;
	const uint8_t *img = module_view(g, g->cfg.module, &bytes);
	if (!img)
		return false;
	bool ok = copy_in(g, g->cfg.load, img, bytes);
	module_unview(g, g->cfg.module);
	if (!ok)
		uprintf("vmm: guest %s: module %s (%lu KiB) at %#lx does not fit its %lu KiB of RAM\n",
			g->cfg.name, g->cfg.module, (bytes + 1023) >> 10, g->cfg.load,
			g->cfg.memory >> 10);
	*entry = g->cfg.load;
	return ok;
}

/* Says that the kernel was refused and why; marks the guest refused (test=refused expects it). */
static bool refused(struct guest *g, const char *why)
{
	uprintf("vmm: guest %s: kernel %s refused: %s\n", g->cfg.name, g->cfg.module, why);
	g->refused = true;
	return false;
}

/*
 * Loads a Multiboot kernel img of the given bytes (mapped by module_view,
 * unmapped here), its modules and its boot information (loader.c); false
 * after saying why.
 */
static bool load_multiboot(struct guest *g, const uint8_t *img, uint64_t bytes, uint64_t *entry)
{
	struct mb_load l;
	const char *names[VMM_MAX_MODULES];
	mb_load_init(&l, g->ram_map, g->cfg.memory);
	bool ok = mb_load_kernel(&l, img, bytes);
	module_unview(g, g->cfg.module);
	if (g->cfg.initrd[0])
		return refused(g, "initrd= is for a Linux kernel, and this one is Multiboot (modules=)");
	if (l.notice)
		uprintf("vmm: guest %s: %s\n", g->cfg.name, l.notice);
	for (unsigned i = 0; ok && i < g->cfg.module_count; i++) {
		names[i] = g->cfg.modules[i];
		const uint8_t *data = module_view(g, names[i], &bytes);
		if (!data)
			return false;
		ok = mb_load_module(&l, names[i], data, bytes);
		module_unview(g, names[i]);
	}
	if (ok)
		ok = mb_write_info(&l, g->cfg.module, g->cfg.cmdline, names);
	*entry = l.entry;
	return ok || refused(g, l.err);
}

/*
 * Loads a Linux kernel img (mapped by module_view, unmapped here), its
 * initrd, command line and zero page (bzimage.c); false after saying why.
 */
static bool load_linux(struct guest *g, const uint8_t *img, uint64_t bytes, uint64_t *entry)
{
	struct bz_load l;
	bz_load_init(&l, g->ram_map, g->cfg.memory);
	bool ok = bz_load_kernel(&l, img, bytes);
	module_unview(g, g->cfg.module);
	if (g->cfg.module_count)
		return refused(g, "modules= is for a Multiboot kernel, and this one is Linux (initrd=)");
	if (ok && g->cfg.initrd[0]) {
		const uint8_t *data = module_view(g, g->cfg.initrd, &bytes);
		if (!data)
			return false;
		ok = bz_load_initrd(&l, g->cfg.initrd, data, bytes);
		module_unview(g, g->cfg.initrd);
	}
	if (ok)
		ok = bz_write_params(&l, g->cfg.cmdline, ACPI_TABLES_GPA);
	*entry = l.entry;
	return ok || refused(g, l.err);
}

/* Loads a kernel= module, Multiboot or Linux as its header says; false after saying why. */
static bool load_kernel(struct guest *g, uint64_t *entry)
{
	uint64_t bytes;
	const uint8_t *img = module_view(g, g->cfg.module, &bytes);
	if (!img)
		return false;
	g->linux_kernel = bz_is_linux(img, bytes);
	return g->linux_kernel ? load_linux(g, img, bytes, entry) : load_multiboot(g, img, bytes, entry);
}

/*
 * The code selector of the flat GDT a protected-mode guest starts with:
 * the boot protocol's for a Linux kernel, FLAT_CS for the others.
 */
static uint16_t code_selector(const struct guest *g)
{
	return g->linux_kernel ? BZ_BOOT_CS : FLAT_CS;
}

/* The flat GDT: null up to code selector cs, code at cs, data after it (4 GiB, 32-bit). */
static void write_gdt(struct guest *g, uint16_t cs)
{
	uint64_t *gdt = guest_ptr(g, GDT_GPA, cs + 16u);
	memset(gdt, 0, cs);
	gdt[cs / 8] = 0x00cf9b000000ffffULL;
	gdt[cs / 8 + 1] = 0x00cf93000000ffffULL;
}

/*
 * The segment registers of a flat 32-bit guest whose code selector is
 * sel (data sel + 8), or of a real-mode one whose CS is sel.
 */
static void segments(uint64_t *w, bool real, uint16_t sel)
{
	for (unsigned s = VMS_ES; s <= VMS_GS; s++)
		w[VMW_SEG_DESC(s)] = real ? VM_SEG_PACK(0, 0x93, 0xffff)
					  : VM_SEG_PACK(sel + 8, 0xc093, 0xffffffff);
	w[VMW_SEG_DESC(VMS_CS)] = real ? VM_SEG_PACK(sel, 0x9b, 0xffff)
				       : VM_SEG_PACK(sel, 0xc09b, 0xffffffff);
	w[VMW_SEG_BASE(VMS_CS)] = real ? (uint64_t)sel << 4 : 0;
	w[VMW_SEG_DESC(VMS_TR)] = VM_SEG_PACK(0, 0x8b, 0xffff);
}

/*
 * The registers a vCPU starts with, in real mode (CS = cs) or flat
 * protected mode (code selector cs, write_gdt's); its groups.
 */
static uint32_t start_state(const struct guest *g, uint64_t *w, bool real, uint16_t cs,
			    uint64_t entry, uint64_t stack)
{
	memset(w, 0, VMW_COUNT * 8);
	w[VMW_CONTROLS] = guest_controls(g);
	w[VMW_RIP] = entry;
	w[VMW_RFLAGS] = 2;
	w[VMW_RSP] = stack;
	w[VMW_CR0] = real ? 0x10 : 0x11; /* ET, and PE for protected mode */
	segments(w, real, cs);
	w[VMW_GDTR_BASE] = real ? 0 : GDT_GPA;
	w[VMW_GDTR_LIMIT] = real ? 0xffff : cs + 15u;
	w[VMW_IDTR_LIMIT] = 0x3ff;
	return VMG_GPR_ACDB | VMG_RIP | VMG_RFLAGS | VMG_GPR_OTHER | VMG_CR | VMG_SEG | VMG_DTR |
	       VMG_STATE | VMG_CONTROLS;
}

/*
 * After a STARTUP IPI (SDM vol. 3, 8.4.4 and 10.6.1): real mode at
 * CS:IP = cs:0000 with CS's base cs << 4, the rest as after INIT (the
 * general registers 0; the stack is the guest's to set up).
 */
uint32_t guest_real_mode_state(const struct guest *g, uint64_t *w, uint16_t cs)
{
	return start_state(g, w, true, cs, 0, 0);
}

/*
 * The BSP's first registers, per mode.  A Linux kernel starts at its
 * 32-bit entry (boot.rst, "32-bit boot protocol"): flat segments
 * __BOOT_CS and __BOOT_DS, paging and interrupts off, ESI the zero page,
 * EBP, EDI and EBX 0 (start_state zeroes them); it sets its own stack.
 */
static uint64_t initial_state(struct guest *g, uint64_t entry)
{
	uint64_t *w = utcb()->mr;
	bool real = g->cfg.mode == MODE_REALMODE;
	w[VMW_MASK] = start_state(g, w, real, real ? 0 : code_selector(g), entry,
				  real ? 0x7000 : g->cfg.load);
	if (g->linux_kernel)
		w[VMW_RSI] = BZ_PARAMS_GPA;
	else if (g->cfg.mode == MODE_MULTIBOOT) {
		w[VMW_RAX] = MB_BOOT_MAGIC;
		w[VMW_RBX] = MB_INFO_GPA;
	}
	return BUILD(g, sys_vcpu_write_state(g->vcpu));
}

/*
 * Loads the image and gives protected-mode guests their GDT; false after
 * saying why.  A test=refused guest whose image loads is not run.
 */
static bool load_image(struct guest *g, uint64_t *entry)
{
	g->linux_kernel = false;
	bool ok = g->cfg.mode == MODE_MULTIBOOT ? load_kernel(g, entry) : load_flat(g, entry);
	if (ok && g->cfg.test == TEST_REFUSED) {
		uprintf("vmm: guest %s: loaded, but test=refused expects a refusal\n", g->cfg.name);
		return false;
	}
	if (ok && g->cfg.mode != MODE_REALMODE)
		write_gdt(g, code_selector(g));
	return ok;
}

int guest_create(struct guest *g, uint64_t badge)
{
	g->build_calls = 0;
	g->first_tsc = 0;
	g->build_tsc = rdtsc();
	uint64_t st = build_objects(g, badge);
	if (st != OK)
		return st;
	g->ioram_ready = false;
	devices_init(g);
	smp_init(g);
	acpi_build(g); /* before the image: an image that overlaps the tables wins */
	if (g->cfg.mode == MODE_MULTIBOOT)
		devices_bios_state(g);
	uint64_t entry;
	g->refused = false;
	g->console_matched = false;
	if (!load_image(g, &entry))
		return ERR_INVALID_ARG;
	if ((st = initial_state(g, entry)) != OK)
		return st;
	g->first_entry_tsc = rdtsc(); /* exit-stats: the guest's time counts from here */
	if ((st = BUILD(g, sys_vcpu_run(g->vcpu))) != OK)
		return st;
	g->running = true;
	return OK;
}

void guest_destroy(struct guest *g)
{
	sys_cap_revoke(g->untyped); /* vCPU, space and memory: everything made from it */
	vmm_memory_return(g);
	g->running = false;
}

void guest_stop(struct exit_ctx *x, const char *why, uint64_t addr)
{
	struct guest *g = x->g;
	g->done = true;
	g->stop_reason = why;
	g->stop_rip = x->w[VMW_RIP];
	g->stop_addr = addr;
	x->reply = VMR_STOP;
}

/* Whether line holds text. */
static bool line_holds(const char *line, const char *text)
{
	size_t n = strlen(text);
	for (; *line; line++)
		if (strncmp(line, text, n) == 0)
			return true;
	return false;
}

void guest_console_byte(struct guest *g, uint8_t c)
{
	if (c == '\r')
		return;
	if (c != '\n' && g->line_len < sizeof(g->line) - 2) {
		g->line[g->line_len++] = c;
		return;
	}
	g->line[g->line_len++] = '\n';
	g->line[g->line_len] = 0;
	if (g->cfg.test == TEST_CONSOLE && line_holds(g->line, g->cfg.expect))
		g->console_matched = true;
	guest_console_flush(g);
	g->line_len = g->line_sent = 0;
}

/*
 * The guest waits for input: what it has written of its line goes out now
 * (a prompt, the echo of what was typed), not at the newline.  The line
 * stays whole in g->line for test=console's match; only the rest is
 * written at the newline.
 */
void guest_console_flush(struct guest *g)
{
	if (g->line_len == g->line_sent)
		return;
	console_write(g->line + g->line_sent, g->line_len - g->line_sent);
	g->line_sent = g->line_len;
}
