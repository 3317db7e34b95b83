/*
 * The VMM personality server: runs guests on vCPUs the kernel owns.  Every
 * VM exit arrives as an IPC message (moat/vmexit.h); the handler for its
 * reason emulates what the guest asked for and the reply carries the state
 * to write back.  Devices are models in their own files.
 */
#ifndef VMM_H
#define VMM_H

#include <stdbool.h>
#include <stdint.h>

#include "moat/lock.h"
#include "moat/vmexit.h"
#include "pic8259.h"
#include "ide.h"
#include "vlapic.h"
#include "pit8254.h"
#include "uart16550.h"
#include "ioapic.h"
#include "acpi.h"
#include "rtc.h"
#include "exitstats.h"
#include "i8042.h"
#include "fwcfg.h"

#define VMM_MAX_GUESTS 48
#define GUEST_NAME_LEN 48
#define VMM_MAX_VCPUS 4 /* vcpus= */
#define VMM_MAX_MODULES 8 /* modules=: loader.h's MB_MAX_MODULES */
#define GUEST_CMDLINE_LEN 256 /* cmdline=, with its terminating 0 */
#define GUEST_EXPECT_LEN 64   /* expect=, with its terminating 0 */
#define GUEST_MEMORY_MAX MMIO_TEST_PAGE /* memory=: RAM from 0 ends below the devices, this the first */

enum guest_mode { MODE_REALMODE, MODE_PROTECTED, MODE_MULTIBOOT };

/* What a test expects of a guest (the plain `run` expects nothing). */
enum guest_test {
	TEST_NONE,      /* run it, report how it ended */
	TEST_RESULT,    /* the guest reports 0 on the result port */
	TEST_CONTAINED, /* the guest misbehaves: the VMM must stop it with a report */
	TEST_SPIN,      /* spins in the background while the others run; recalled at the end */
	TEST_BENCH,     /* reports an instruction count on the bench port */
	TEST_DELETE,    /* spins in the background; deleted while it runs, at the end */
	TEST_REFUSED,   /* the loader must refuse its image (and say why) */
	TEST_DEBUG_EXIT, /* the guest ends through the debug-exit port with status 0 (testdev.c) */
	TEST_POWEROFF,  /* the guest turns itself off through ACPI (S5, acpi.h) */
	TEST_CONSOLE,   /* a line of its console holds expect=: then it is stopped (guest.c) */
};

/* What a triple fault does to a guest (on_fault=). */
enum guest_on_fault {
	ON_FAULT_STOP,    /* stopped with a report: the default */
	ON_FAULT_RESTART, /* built again from its image, up to restarts= times (main.c) */
};

/* Test: how crash-vmm-after= crashes the VMM (crash-vmm-by=, main.c). */
enum crash_by {
	CRASH_BY_DEFAULT, /* not given: as CRASH_BY_MAIN */
	CRASH_BY_MAIN,    /* the first thread runs UD2 */
	CRASH_BY_VCPU,    /* the guest's first vCPU thread runs UD2, as it wakes from a halt */
	CRASH_BY_MESSAGE, /* the first thread sends a message that is not a fault to SLOT_FAULT */
};

struct guest_config {
	char name[GUEST_NAME_LEN];
	char module[GUEST_NAME_LEN];
	enum guest_mode mode;
	enum guest_test test;
	uint64_t load;         /* guest-physical load address (entry for flat images) */
	uint64_t memory;       /* bytes of RAM from guest-physical 0 */
	bool kernel_cpuid;     /* measurement only: the kernel answers CPUID */
	bool hostile;          /* test: on its first exit, try replies the kernel must refuse */
	bool disk;             /* an ATA disk on the primary channel, served by the disk driver */
	unsigned vcpus;        /* vCPUs, 1 to VMM_MAX_VCPUS: vcpus= */
	uint8_t cpus[VMM_MAX_VCPUS]; /* cpus=: vCPU i and its thread run on cpus[i % cpu_count] */
	unsigned cpu_count;    /* (0: no cpus=, the kernel's places: vCPUs on CPU 0) */
	int page_level;        /* RAM's frame: 1 (4 KiB pages), 2 (2 MiB) or 3 (1 GiB): pages= */
	uint64_t max_build_calls; /* test: the build may take at most this many syscalls (0: any) */
	char bench_build[GUEST_NAME_LEN]; /* bench-build=NAME: the build's figures NAME_calls, ... */
	uint64_t timeout_s;    /* timeout=: stopped after this many seconds of host TSC time (0: never) */
	bool alone;            /* alone: runs with no other foreground guest beside it (its figures) */
	bool no_x2apic;        /* x2apic=off: CPUID hides x2APIC mode and the APIC refuses it */
	bool vendor_amd;       /* vendor=amd: CPUID's vendor is AMD's, and so is SYSCALL (emulate_ud) */
	bool exit_stats;       /* exit-stats: its exits counted, printed when it ends (exitstats.h) */
	uint64_t max_restarts; /* restarts=: a CPU reset (or fault) restarts it this many times, then stops it */
	enum guest_on_fault on_fault; /* on_fault=: what a triple fault does */
	uint64_t crash_vmm_ms; /* test: crash-vmm-after=: the VMM faults this long after the guest's start */
	enum crash_by crash_by; /* test: crash-vmm-by=: which thread faults, and how */
	char cmdline[GUEST_CMDLINE_LEN];  /* cmdline=: a Multiboot kernel's (after its name) or a Linux one's */
	char modules[VMM_MAX_MODULES][GUEST_NAME_LEN]; /* modules=: a Multiboot kernel's */
	unsigned module_count;
	char initrd[GUEST_NAME_LEN];      /* initrd=: a Linux kernel's initial RAM disk ("": none) */
	char expect[GUEST_EXPECT_LEN];    /* expect=: what test=console waits for on its console */
};

/* The bytes of one page of the guest's RAM frame (pages=). */
static inline uint64_t guest_page_bytes(const struct guest_config *c)
{
	return 4096ULL << (9 * (c->page_level - 1));
}

/*
 * Where a vCPU is (smp.c): waiting for a STARTUP IPI (an AP at first, and
 * any vCPU after an INIT), running (in its guest or in an exit, a halt's
 * sleep included), or halted for good (an AP's HLT with interrupts off:
 * only an INIT wakes it).  The kernel has no such state: a vCPU not
 * running is one the VMM has not run, or stopped.
 */
enum vcpu_state { VCPU_WAIT_SIPI, VCPU_RUNNING, VCPU_HALTED };

/*
 * IA32_MISC_ENABLE at reset, as KVM gives it: fast strings (bit 0), and
 * no branch-trace store (11) or PEBS (12), as there is no PMU.  The guest
 * may write any value and reads it back; nothing in the VMM acts on it.
 */
#define MISC_ENABLE_RESET 0x1801ULL
/* IA32_MTRR_DEF_TYPE as a PC's firmware leaves it: MTRRs enabled (E), default type write-back. */
#define MTRR_DEF_TYPE_RESET 0x806ULL

/* One vCPU of a guest, as the VMM models it. */
struct guest_vcpu {
	uint64_t slot;          /* its capability */
	/* its VMM thread (main.c): receives its exits on its own endpoint; its slots */
	uint64_t endpoint, wake, thread, utcb_frame, stack_frame;
	bool halted;            /* its thread sleeps in a halt: vcpu_kick signals wake */
	bool endpoint_made;     /* its endpoint exists: its thread may receive (main.c) */
	uint64_t exit_deadline; /* the exit deadline the kernel holds for it (WAIT_FOREVER: none) */
	enum vcpu_state state;
	bool init_pending;      /* an INIT reached it while it ran: it was recalled */
	int sipi_vector;        /* a STARTUP that came meanwhile (-1: none) */
	uint64_t tsc_offset;    /* its guest TSC less the host's (the last IA32_TSC write set it) */
	uint64_t misc_enable;   /* IA32_MISC_ENABLE as the guest last wrote it (exits.c) */
	/*
	 * Its CR4 and XCR0 for CPUID (xstate.c), which a CPUID exit does not
	 * carry: as the last CR-access (every change of CR4.OSXSAVE exits)
	 * and XSETBV exits left them.
	 */
	uint64_t cr4, xcr0;
	uint64_t mtrr_def_type; /* IA32_MTRR_DEF_TYPE likewise */
	uint64_t kvmclock_msr;  /* MSR_KVM_SYSTEM_TIME_NEW: its record's address | enable (kvmclock.c) */
	struct vlapic lapic;
};

/* One running guest. */
struct guest {
	struct guest_config cfg;
	uint64_t restarts;     /* how often a reset or fault restarted it (main.c); kept across them */
	/* From here on, everything is the running guest's: zero before each start. */
	uint64_t untyped, space, vcpu, ram, ram_view; /* capability slots (vcpu: the BSP's) */
	struct guest_vcpu cpu[VMM_MAX_VCPUS]; /* cfg.vcpus of them; cpu[0] is the BSP */
	/*
	 * Its vCPUs' threads handle their exits one at a time, under this lock
	 * (main.c); it guards everything below.  Lock order: a guest's lock,
	 * then the console's (console.c).
	 */
	struct lock lock;
	unsigned block;        /* its slots: block number `block` (main.c) while it runs */
	bool from_pool;        /* its untyped is the memory pool's (vmm_guest_memory) */
	uint64_t exit_badge;   /* the badge of its exit being handled (its lock's holder's) */
	uint8_t *ram_map;      /* the VMM's view of guest RAM, aligned to its page size */
	uint64_t build_calls;  /* syscalls guest_create made, up to the first entry */
	uint64_t build_tsc;    /* the TSC when guest_create began */
	struct exit_stats exit_stats; /* with exit-stats */
	uint64_t first_entry_tsc;    /* the TSC when its BSP first ran (exit-stats) */
	uint64_t kvmclock_epoch;     /* the host TSC at which the paravirtual clock reads 0 */
	uint64_t kvm_wall_clock_msr; /* MSR_KVM_WALL_CLOCK_NEW as last written */
	uint64_t first_tsc;    /* the TSC the guest read first, if it says (testdev.c) */
	struct pic_pair pic;
	struct pit8254 pit;
	uint64_t pit_epoch;    /* the host TSC of the PIT's clock 0: it counts on TSC time from there */
	/*
	 * The platform timers' next interrupts as devices_update last worked
	 * them out (devices.c), in host TSC: the PIT's IRQ 0 edge and the
	 * RTC's IRQ 8 (WAIT_FOREVER: none); devices_due, the earlier, is when
	 * devices_update next has work (0: at the next chance, after an access
	 * that changed them); platform_due is the earliest that reaches a CPU,
	 * through the routes as they were (platform_pic: the BSP's local APIC
	 * then took the PIC's output).
	 */
	uint64_t pit_due, rtc_due, devices_due, platform_due;
	bool platform_pic;
	struct uart16550 uart;
	struct ide_disk ide;
	struct ioapic ioapic;
	struct acpi_pm pm;     /* the ACPI PM registers and timer */
	struct rtc rtc;
	struct i8042 kbc;      /* the keyboard controller, and port 0x92 */
	uint8_t post_code;     /* the last byte written to port 0x80 */
	uint8_t port_b;        /* port 0x61's writable bits (devices.c) */
	struct fw_cfg fw_cfg;
	uint64_t halt_late;    /* TSC counts the last halt's sleep ran past its deadline (testdev.c) */
	uint32_t scratch_port; /* the test I/O register */
	uint64_t scratch_mmio; /* the test MMIO register */
	uint64_t ioram;        /* the slot of pc-testdev's IORAM frame (testdev.c) */
	uint8_t *ioram_map;    /* the VMM's view of it */
	bool ioram_ready;      /* made and mapped (guest_ioram_make) */
	uint32_t xstate_probe; /* PROBE_*: what the FPU probe port found */
	char line[128];        /* console output collected up to a newline */
	unsigned line_len;
	unsigned line_sent;    /* of it, written already because the guest waited for input */
	bool uart_wrote;       /* the guest transmitted since its last LSR read (devices.c) */
	bool running, done, hostile_done;
	bool refused;          /* the loader refused its image (guest.c said why) */
	bool linux_kernel;     /* its kernel= is a Linux bzImage (guest.c) */
	bool console_matched;  /* test=console: a console line held expect= (the next OUT stops it) */
	uint64_t deadline;     /* the host TSC when timeout= stops it (WAIT_FOREVER: never) */
	uint64_t crash_at;     /* the host TSC when crash-vmm-after= crashes the VMM (WAIT_FOREVER: never) */
	bool debug_exited;     /* it ended through the debug-exit port; result is its status */
	uint64_t result;       /* what the guest reported, or why it stopped */
	const char *stop_reason;
	uint64_t stop_rip, stop_addr;
};

/* The exit being handled: its words, and the reply being built. */
struct exit_ctx {
	struct guest *g;
	uint64_t *w;           /* exit words in, reply words out: the UTCB message words */
	uint32_t reply;        /* groups (and VMR_ requests) to write back */
};

/*
 * Which of g's vCPUs made the exit being handled: g->cpu[guest_exit_cpu(g)]
 * (the high half of its badge, guest.c); exit_cpu(x) for exit x.
 */
static inline unsigned guest_exit_cpu(const struct guest *g)
{
	return g->exit_badge >> 32;
}
static inline unsigned exit_cpu(const struct exit_ctx *x)
{
	return guest_exit_cpu(x->g);
}

/* Moves rip past an emulated instruction of len bytes; an STI or MOV SS shadow ends with it. */
/*
 * The controls a reply with VMG_CONTROLS keeps besides the windows it
 * asks for: a guest told it runs on AMD sees every #UD first (emulate_ud).
 */
static inline uint64_t guest_controls(const struct guest *g)
{
	return g->cfg.vendor_amd ? VMC_UD_EXIT : 0;
}

static inline void advance_rip(struct exit_ctx *x, uint64_t len)
{
	x->w[VMW_RIP] += len;
	x->reply |= VMG_RIP;
	if ((x->w[VMW_MASK] & VMG_STATE) && (x->w[VMW_INTR_STATE] & VM_INTR_SHADOWS)) {
		x->w[VMW_INTR_STATE] &= ~(uint64_t)VM_INTR_SHADOWS;
		x->reply |= VMG_STATE;
	}
}

/*
 * Parses the configuration text (len bytes) of module file into out[max];
 * returns the number of guests, or -1 with the first error in err, which
 * names file, the line and the option.
 */
int guest_config_parse(const char *file, const char *text, uint64_t len,
		       struct guest_config *out, unsigned max, char *err, unsigned err_len);
/* The crash-vmm-by= word for by (CRASH_BY_MAIN or later). */
const char *crash_by_name(enum crash_by by);

/* guest.c */
/* Builds g, its vCPU c bound to its thread's endpoint with badge c << 32 | badge, and runs the BSP. */
int guest_create(struct guest *g, uint64_t badge);
/*
 * The pages of the untyped a guest is made of: its RAM at any alignment,
 * its space and tables, its vCPUs and their VMM threads.
 */
uint64_t guest_memory_pages(const struct guest_config *c);
/* Fills w with the state of a real-mode vCPU of g at CS:IP = cs:0 (base cs << 4); returns its groups. */
uint32_t guest_real_mode_state(const struct guest *g, uint64_t *w, uint16_t cs);
void guest_destroy(struct guest *g);
/* Makes g's IORAM at first use (testdev.c); false if its memory cannot be had. */
bool guest_ioram_make(struct guest *g);
void guest_stop(struct exit_ctx *x, const char *why, uint64_t addr);
/* exits.c: a triple fault's stop_reason, which on-fault=restart looks for (main.c) */
extern const char guest_triple_fault[];
void guest_console_byte(struct guest *g, uint8_t c);
/* Writes out the part of the guest's console line not yet written: the guest waits for input. */
void guest_console_flush(struct guest *g);

/* devices.c */
void devices_init(struct guest *g);
/* A Multiboot guest's start: what a PC's BIOS leaves (bios.h; the vector table if its RAM reaches 1 MiB). */
void devices_bios_state(struct guest *g);
/* Writes the ACPI tables (acpi.h) into the guest's BIOS area, if its RAM reaches there. */
void acpi_build(struct guest *g);
/*
 * Drives ISA IRQ line irq (0-15) to level, as a PC wires it: to the 8259
 * pair's input and to the I/O APIC's pin, IRQ 0 on pin 2 (the MADT's
 * override), the others on the pin of their number.
 */
void isa_irq(struct guest *g, unsigned irq, bool level);
uint32_t port_read(struct guest *g, uint16_t port, unsigned size);
void port_write(struct guest *g, uint16_t port, unsigned size, uint32_t value);
/* An EPT violation: the instruction emulated if it touched a device's page (false: it did not). */
bool mmio_access(struct exit_ctx *x);
/* size bytes at gpa (on one page) read into (or written from) *v on its device; false: no device. */
bool mmio_rw(struct exit_ctx *x, uint64_t gpa, unsigned size, bool write, uint64_t *v);
/*
 * A halt with interrupts on of the exiting vCPU: sleeps until it has an
 * interrupt to take or an INIT (vcpu_wakes), or, for the BSP, none will come.
 */
void devices_halt(struct guest *g);
/* Whether vCPU c has what ends a halt: an interrupt it can take, an INIT. */
bool vcpu_wakes(struct guest *g, unsigned c);
/*
 * The host TSC when vCPU c's next timer interrupt is due, WAIT_FOREVER if
 * none is: its local APIC timer's, and for the BSP the PIT's and the
 * RTC's too, when their line is unmasked somewhere (the BSP keeps the
 * platform's time: its exit at their deadline delivers their edges,
 * through the I/O APIC to any vCPU).
 */
uint64_t vcpu_next_deadline(struct guest *g, unsigned c);
/* A VMEXIT_DEADLINE exit: the kernel's deadline is gone; the timers' interrupts delivered. */
void exit_deadline_fired(struct exit_ctx *x);
void inject_pending_interrupt(struct exit_ctx *x);
/* Typed input into the focus guest's UART and 8042: at once, or only if it listens by interrupt. */
void devices_pull_input(struct guest *g);
void devices_offer_input(struct guest *g);

/*
 * The VMM's own capability slots, VMM_SLOT(name), at the top of its space
 * (the running guests' blocks of slots below them, main.c): console.c's
 * input thread and lock, main.c's events and memory pool.
 */
enum vmm_slot {
	VMM_INPUT_NTFN, VMM_INPUT_THREAD, VMM_INPUT_UTCB, VMM_INPUT_STACK, VMM_CONSOLE_LOCK,
	VMM_EVENTS, VMM_POOL, VMM_OWN_SLOTS
};
#define VMM_SLOT(s) (CSPACE_SLOTS - 1 - (s))

/* The servers the VMM is connected to (connect= in the root's config), SLOT_NONE where not. */
struct connections {
	uint64_t serial, kbd, ata;
};
extern struct connections connections; /* main() looks them up first */

/*
 * console.c: the guests' console, through the serial driver when there is
 * one; input also from the keyboard driver (connect=kbd).  An exit's
 * words live in the UTCB, which calls to other servers also use:
 * exit_words_save/restore keep them around such a call.
 */
/* Makes the console's lock; false without the memory. */
bool console_init(void);
void exit_words_save(void);
void exit_words_restore(void);
void console_write(const char *buf, unsigned len);
unsigned console_read(uint8_t *buf, unsigned max);
/* Waits until the driver has sent everything (before the VMM's own lines use the kernel's). */
void console_flush(void);
/*
 * Starts a thread that calls on_input (in that thread) whenever the serial
 * or keyboard driver has input for this VMM; false without either or on failure.
 */
bool console_watch_input(void (*on_input)(void));

/* disk.c: the guest disk's backend, the disk driver (connect=ata). */
extern const struct ide_backend disk_backend;
/* The driver's disk size in sectors, or 0 without a driver or a disk. */
uint64_t disk_sectors(void);

/* smp.c: the guest's vCPUs started and stopped, and interrupts delivered, through their local APICs. */
void smp_init(struct guest *g);
/* Whether gpa is on the exiting vCPU's local APIC page (or the default one, 0xFEE00000). */
bool smp_lapic_page(struct exit_ctx *x, uint64_t gpa);
/* An access of size bytes at gpa, on a page smp_lapic_page accepted (vlapic.h). */
void smp_lapic_access(struct exit_ctx *x, uint64_t gpa, unsigned size, bool write, uint64_t *v);
/* Whether msr is one of the local APIC's: IA32_APIC_BASE, IA32_TSC_DEADLINE, the x2APIC MSRs. */
static inline bool smp_is_lapic_msr(uint32_t msr)
{
	return msr == MSR_APIC_BASE || msr == MSR_TSC_DEADLINE ||
	       (msr >= MSR_X2APIC_FIRST && msr <= MSR_X2APIC_LAST);
}
/* RDMSR (into *v) or WRMSR (of *v) of such an MSR by the exiting vCPU; false for #GP. */
bool smp_lapic_msr(struct exit_ctx *x, uint32_t msr, bool write, uint64_t *v);
/*
 * KVM's paravirtual IPI: ICR low `icr`'s fixed or NMI IPI, by the
 * exiting vCPU, to APIC IDs min + i for each bit i of the 128-bit bitmap
 * high:low.  Returns how many APICs it reached.
 */
uint64_t smp_send_ipi_bitmap(struct exit_ctx *x, uint64_t low, uint64_t high, uint64_t min,
			     uint64_t icr);
/* An AP's HLT with interrupts off: it halts for good, until an INIT and a STARTUP. */
void smp_halt(struct exit_ctx *x);
/*
 * The exit of a vCPU an INIT reached while it ran (its recall): it stops,
 * or starts at the STARTUP that came since.  False if no INIT did.
 */
bool smp_recalled(struct exit_ctx *x);
/* vCPU c's guest TSC now: the host's plus its offset. */
uint64_t vcpu_guest_tsc(const struct guest *g, unsigned c);
/* The host TSC at which vCPU c's local APIC timer next interrupts, UINT64_MAX for never. */
uint64_t vcpu_lapic_deadline(const struct guest *g, unsigned c);
/* Brings vCPU c's local APIC timer to now (a deadline a few microseconds away: waited out). */
void vcpu_lapic_update(struct guest *g, unsigned c);
/* Whether vCPU c's local APIC has an interrupt or NMI for it now (its timer brought up to date). */
bool vcpu_lapic_pending(struct guest *g, unsigned c);

/*
 * Delivers irq to every local APIC of g it reaches (smp.c), and makes each
 * vCPU that got one look at its interrupts soon (vcpu_kick).
 */
void apic_deliver(struct guest *g, const struct apic_irq *irq);
/*
 * Makes vCPU c of g take notice of a new interrupt or event: a vCPU in its
 * guest is recalled (its exit then injects), a halted one woken (main.c).
 * Called with g's lock held.
 */
void vcpu_kick(struct guest *g, unsigned c);

/* hostile.c: refusals the kernel owes a misbehaving VMM, as test cases. */
void hostile_checks(struct guest *g, uint64_t scratch_slot);

/* The exceptions the VMM raises in a guest (Intel SDM 6.3.1), as events to inject. */
#define VECTOR_DE       0
#define VECTOR_DB       1
#define VECTOR_UD       6
#define VECTOR_NP       11
#define VECTOR_SS       12
#define VECTOR_GP       13
#define VECTOR_PF       14
#define EVENT_EXCEPTION(v) (VM_EVENT_VALID | VM_EVENT_EXCEPTION | (v)) /* no error code */
#define EVENT_FAULT(v)  (EVENT_EXCEPTION(v) | VM_EVENT_ERROR_CODE)       /* with one */
#define EVENT_UD        EVENT_EXCEPTION(VECTOR_UD)

/* exits.c */
void exit_handle(struct exit_ctx *x);
/* Replies with hardware exception `info` (VM_EVENT_*) for the guest, with error code `error`. */
void inject_exception(struct exit_ctx *x, uint32_t info, uint32_t error);
void inject_gp(struct exit_ctx *x); /* #GP(0) */
/* General register n in the instructions' encoding (rax, rcx, ... r15), as its word in w. */
uint64_t *gpr_word(uint64_t *w, unsigned n);

/*
 * emulate.c: the instructions behind an MMIO access or string I/O,
 * fetched, decoded and carried out through the guest's paging (gwalk.h);
 * a failed walk injects the guest's #PF.  Each replies with the result.
 */
void emulate_mmio(struct exit_ctx *x);
/* INS (in) or OUTS of size-byte elements at port, REP or not. */
void emulate_string_io(struct exit_ctx *x, uint16_t port, unsigned size, bool in);
/* Whether the vCPU is at CPL 0 and CS:rIP holds HLT; looks only (a failed walk is a no). */
bool emulate_at_hlt(struct exit_ctx *x);
/* A #UD the guest raised (VMC_UD_EXIT): AMD's SYSCALL where the CPU has none, else the guest's #UD. */
void emulate_ud(struct exit_ctx *x);

/*
 * main.c: running guests, which the test runner drives too.  vmm_start
 * builds guest i and starts its vCPUs' threads; START_NO_MEMORY: not
 * started for lack of memory (or of slots), which another guest's end
 * may give back; START_FAILED: not started, the reason said.
 */
enum start_result { START_OK, START_FAILED, START_NO_MEMORY, START_NO_VCPUS };
enum start_result vmm_start(struct guest *g, unsigned i);
/* Waits until a vCPU's thread has stopped g (guest_stop). */
void vmm_wait_until_done(struct guest *g);
/* Takes g away, running or not, its threads with it. */
void vmm_destroy(struct guest *g);
/* Reports how g ended (testrun.c for a test case) and takes it away. */
void vmm_finish(struct guest *g);
/*
 * Whether g has the console's input: the first guest in the configuration
 * that runs (a background test guest never has it); the others get theirs
 * in turn, as the ones before them end.
 */
bool vmm_input_focus(const struct guest *g);
/* The host TSC's rate (startinfo.tsc_hz), 0 if the root did not say. */
uint64_t vmm_tsc_hz(void);
/*
 * The exiting vCPU's thread sleeps until the TSC reaches deadline (true)
 * or vcpu_kick wakes it (false), with g's lock given up meanwhile.  True
 * at once for a deadline past.
 */
bool vcpu_sleep_until(struct guest *g, uint64_t deadline);
/*
 * Retypes an untyped of pages into g->untyped, from the guests' memory
 * pool (main.c); vmm_memory_return gives it back, once revoked.
 */
uint64_t vmm_guest_memory(struct guest *g, uint64_t pages);
void vmm_memory_return(struct guest *g);
/* The pages guest.c adds to a guest's untyped for one vCPU's thread (vcpu_thread_start). */
#define VCPU_STACK_PAGES  4
#define VCPU_THREAD_PAGES (VCPU_STACK_PAGES + 3) /* thread, UTCB, endpoint and notification */
/* Makes vCPU c's thread, endpoint and notification from g's untyped, and starts the thread. */
uint64_t vcpu_thread_start(struct guest *g, unsigned c);

/* testrun.c: the VMM as a test program, one line per test case. */
bool test_is_case(const struct guest *g);
bool test_in_background(const struct guest *g);
void test_result(const char *name, bool ok);
void test_not_started(const struct guest *g, const char *why);
void test_report(struct guest *g);
/* exit-stats: the guest's exits, the five commonest reasons and I/O ports. */
void exit_stats_print(const struct guest *g);
bool test_start_background(struct guest *guests, unsigned n);
void test_end_background(struct guest *guests, unsigned n);
int test_end(const struct guest *guests, unsigned n, bool no_vcpus);

/* testdev.c: the test guests' devices (tests/guests/README.md); false: not theirs. */
bool testdev_harness_write(struct exit_ctx *x, uint16_t port, uint32_t value);
bool testdev_port_read(struct guest *g, uint16_t port, unsigned size, uint32_t *v);
bool testdev_port_write(struct guest *g, uint16_t port, unsigned size, uint32_t v);
bool testdev_read_byte(struct guest *g, uint16_t port, uint8_t *v);
bool testdev_write_byte(struct guest *g, uint16_t port, uint8_t v);
/* Byte off of the test MMIO page, MMIO_TEST_PAGE. */
uint8_t testdev_mmio_read(struct guest *g, uint64_t off);
void testdev_mmio_write(struct guest *g, uint64_t off, uint8_t v);
/* size bytes at off in pc-testdev's IORAM (within it), read into or written from *v. */
bool testdev_ioram_rw(struct guest *g, uint64_t off, unsigned size, bool write, uint64_t *v);

/* xstate.c: the extended state a guest sees (docs/fpu.md). */
uint64_t xstate_switched(void);
/* Trims CPUID leaf/sub's answer in w[VMW_RAX..RBX] to the components the kernel switches. */
void xstate_trim_cpuid(struct guest *g, uint32_t leaf, uint32_t sub, uint64_t *w);
/*
 * The CPUID leaves a guest sees changed: 1 (also VMX hidden), 0xB (the
 * x2APIC ID), the performance-monitoring leaves 0xA, 0x80000001 and
 * 0x80000022 (no PMU), the TSC's leaves 0x15, 0x16, 0x40000000-0x40000010
 * and 0x80000007 (exits.c), and those xstate_trim_cpuid changes.  A bit test for the
 * basic leaves, so that the others (the common case: CPUID exits are the
 * hot path) pass quickly.
 */
#define CPUID_ADJUSTED_BASIC \
	((1u << 1) | (1u << 5) | (1u << 6) | (1u << 7) | (1u << 0xa) | (1u << 0xb) | (1u << 0xd) | (1u << 0x15) | (1u << 0x16))
static inline bool cpuid_adjusted(uint32_t leaf)
{
	if (leaf < 32)
		return (CPUID_ADJUSTED_BASIC >> leaf) & 1;
	return leaf == 0x80000001 || leaf == 0x80000007 || leaf == 0x80000022 ||
	       (leaf >> 16) == 0x4000;
}
/* KVM's paravirtual clock (kvmclock.c): its CPUID leaves, its MSRs (false: #GP), a TSC write. */
bool kvmclock_cpuid(uint32_t leaf, uint64_t *w);
bool kvmclock_is_msr(uint32_t msr);
bool kvmclock_msr(struct guest *g, unsigned c, uint32_t msr, bool write, uint64_t *v);
void kvmclock_tsc_changed(struct guest *g, unsigned c);
/* Whether XSETBV(index, v) is valid for a guest (else #GP). */
/* Whether the guest has XSAVE: the kernel switches with it (CPUID and CR4.OSXSAVE follow). */
bool xstate_has_xsave(void);
/* The FPU probe port (tests/guests/README.md): looks for v in the VMM's own registers. */
void xstate_probe(struct guest *g, uint32_t v);
#define PROBE_SAW_XMM      1  /* the VMM found the guest's value in its xmm0 */
#define PROBE_SAW_YMM      2  /* ... in its ymm0's upper half */
#define PROBE_XCR0_CHANGED 4  /* XCR0 is not the set the kernel switches */
#define PROBE_NOT_SWITCHED 8  /* the kernel enables no XSAVE on a CPU that has it */

/* Guest memory, through the VMM's view of it; NULL if not RAM. */
void *guest_ptr(struct guest *g, uint64_t gpa, uint64_t len);

/* The test MMIO page (testdev.c): the one MMIO device, so devices.c's emulation looks for it. */
#define MMIO_TEST_PAGE 0xfeb00000ULL
/* pc-testdev's IORAM (testdev.c): 64 KiB of MMIO that reads back what was written. */
#define IORAM_BASE  0xff000000ULL
#define IORAM_BYTES 0x10000ULL

#endif
