/*
 * Starting the application processors (smp.h, docs/smp.md).  The boot CPU
 * lists the processors (ACPI's MADT, else the MP table), gives each AP its
 * tables and stacks from the frame allocator, copies the trampoline to a
 * free page below 1 MiB, and starts the APs one at a time, each with the
 * Intel SDM's INIT, 10 ms, STARTUP, 200 us, STARTUP, 200 us (vol. 3,
 * 9.4.4.1): one at a time because they share the trampoline and ap_boot.
 * An AP that is not online AP_WAIT_MS after its second STARTUP gets an
 * INIT again (so that a late start cannot use the next AP's stack) and is
 * left out.
 */
#include <stddef.h>

#include "bkl.h"
#include "boot.h"
#include "entry.h"
#include "fpu.h"
#include "kcheck.h"
#include "lapic.h"
#include "log.h"
#include "mem.h"
#include "memory.h"
#include "smp.h"
#include "svm.h"
#include "syscall.h"
#include "thread.h"
#include "vmx.h"
#include "x86.h"

#define AP_WAIT_MS  200
#define XAPIC_MAX_ID 0xfe     /* 0xff is the broadcast destination */
#define GDT_PAGES   (GDT_BYTES / PAGE_SIZE)
#define STACK_PAGES (KSTACK_SIZE / PAGE_SIZE)
/* The kernel stack, then the IST stacks */
#define AP_PAGES    (GDT_PAGES + (1 + IST_STACKS) * STACK_PAGES)
#define LOW_MEMORY  0xa0000   /* conventional memory ends; the page must lie below */
/* CR4 bits an AP takes from the boot CPU: paging, protections and FPU; not VMXE, set per CPU. */
#define CR4_AP_BITS (CR4_DE | CR4_PSE | CR4_PAE | CR4_PGE | CR4_OSFXSR | CR4_OSXMMEXCPT | \
		     CR4_UMIP | CR4_OSXSAVE | CR4_SMEP | CR4_SMAP)

struct cpu cpus[MAX_CPUS];
bool smp_aps_schedule;
unsigned n_cpus, cpus_online;
struct fw_irqs madt_irqs;
bool madt_found;
uint64_t ap_trampoline_page;
struct ap_boot ap_boot;
_Static_assert(offsetof(struct ap_boot, cr0) == 0 && offsetof(struct ap_boot, cr4) == 8 &&
	       offsetof(struct ap_boot, cr3) == 16 && offsetof(struct ap_boot, stack_top) == 24 &&
	       offsetof(struct ap_boot, cpu) == 32, "trampoline.S reads struct ap_boot by offset");

extern const char ap_trampoline[], ap_trampoline_end[], ap_trampoline_efer[];
void ap_main(struct cpu *c);

/* Firmware tables through the physmap, which covers all RAM and at least 4 GiB. */
static const uint8_t *physmap_read(void *ctx, uint64_t phys, uint64_t len)
{
	(void)ctx;
	uint64_t end = paging_physmap_end();
	if (phys > end || len > end - phys)
		return NULL;
	return phys_to_virt(phys);
}

static const struct fw_mem firmware_memory = { physmap_read, NULL };

/* The Extended BIOS Data Area's first KiB, where the BIOS data area's word at 0x40E says. */
static const uint8_t *ebda(void)
{
	uint64_t base = (uint64_t)*(const uint16_t *)phys_to_virt(0x40e) << 4;
	return base >= 0x80000 && base < LOW_MEMORY ? phys_to_virt(base) : NULL;
}

/* The RSDP: the loader's copy, else the EBDA's first KiB, else the BIOS area (ACPI 5.2.5.1). */
static enum fw_status find_rsdp(struct fw_rsdp *r, const char **from)
{
	if (boot_info.rsdp) {
		enum fw_status s = fw_rsdp_check(boot_info.rsdp, boot_info.rsdp_len, r);
		*from = boot_info.rsdp_new ? "the loader's ACPI 2.0 tag" : "the loader's ACPI 1.0 tag";
		if (s == FW_OK)
			return s;
		log_warn("smp: the loader's RSDP copy: %s; searching the BIOS areas", fw_strerror(s));
	}
	*from = "the EBDA";
	if (ebda() && fw_rsdp_scan(ebda(), 1024, r) == FW_OK)
		return FW_OK;
	*from = "the BIOS area";
	return fw_rsdp_scan(phys_to_virt(0xe0000), 0x20000, r);
}

/* Lists the processors of the MADT; false (and why, logged) if there is no good one. */
static bool madt_cpus(struct fw_cpus *c)
{
	struct fw_rsdp r;
	const char *from;
	uint64_t where;
	enum fw_status s = find_rsdp(&r, &from);
	if (s != FW_OK) {
		log_info("smp: no ACPI RSDP; trying the MP table");
		return false;
	}
	s = fw_madt_read(&firmware_memory, &r, c, &madt_irqs, &where);
	if (s != FW_OK) {
		log_warn("smp: ACPI %s (RSDP from %s): %s at %#lx; trying the MP table",
			 r.xsdt ? "XSDT" : "RSDT", from, fw_strerror(s), where);
		return false;
	}
	log_info("smp: processors from ACPI's MADT (RSDP revision %u from %s, %s)", r.revision,
		 from, r.xsdt ? "XSDT" : "RSDT");
	madt_found = true;
	return true;
}

/* Lists the processors of the MP table (MP spec 1.4, 4: EBDA, base memory's last KiB, ROM). */
static bool mp_cpus(struct fw_cpus *c)
{
	uint64_t base_kib = *(const uint16_t *)phys_to_virt(0x413), table;
	enum fw_status s = FW_ERR_NOT_FOUND;
	if (ebda())
		s = fw_mp_scan(ebda(), 1024, &table);
	if (s == FW_ERR_NOT_FOUND && base_kib >= 1 && base_kib <= LOW_MEMORY / 1024)
		s = fw_mp_scan(phys_to_virt(base_kib * 1024 - 1024), 1024, &table);
	if (s == FW_ERR_NOT_FOUND)
		s = fw_mp_scan(phys_to_virt(0xf0000), 0x10000, &table);
	if (s == FW_OK)
		s = fw_mp_cpus(&firmware_memory, table, c);
	if (s != FW_OK) {
		log_info("smp: no usable MP table: %s", fw_strerror(s));
		return false;
	}
	log_info("smp: processors from the MP table at %#lx", table);
	return true;
}

/* Fills cpus[]: the boot CPU first, then the others in the table's order. */
static void list_cpus(const struct fw_cpus *c)
{
	uint32_t self = lapic_id();
	cpus[0].apic_id = self; /* the rest since gdt_init: cpus[0] is running */
	cpus[0].state = CPU_ONLINE;
	n_cpus = cpus_online = 1;
	bool self_listed = false;
	for (unsigned i = 0; i < c->n; i++) {
		if (c->apic_id[i] == self) {
			self_listed = true;
			continue;
		}
		if (n_cpus < MAX_CPUS) {
			cpus[n_cpus] = (struct cpu){ .id = n_cpus, .apic_id = c->apic_id[i] };
			n_cpus++;
		}
	}
	if (!self_listed)
		log_warn("smp: the boot CPU's APIC ID %u is not in the table", self);
	if (c->found > MAX_CPUS)
		log_warn("smp: the table lists %u processors; the kernel runs at most %d", c->found,
			 MAX_CPUS);
}

/* Gives c its tables and stacks, from one run of frames; false if there is no memory. */
static bool ap_alloc(struct cpu *c)
{
	uint64_t phys = pmm_alloc_contig(&pmm, AP_PAGES, 1);
	if (!phys)
		return false;
	uint8_t *p = phys_to_virt(phys);
	memset(p, 0, AP_PAGES * PAGE_SIZE);
	uint8_t *stacks = p + GDT_PAGES * PAGE_SIZE;
	c->gdt = (uint64_t *)p;
	c->stack_top = (uint64_t)stacks + KSTACK_SIZE;
	gdt_build(c->gdt, &c->tss, stacks + KSTACK_SIZE, c, &c->gdtr);
	return true;
}

/* Copies the trampoline to a free page below conventional memory's end; false if none. */
static bool trampoline_install(void)
{
	struct phys_range mbi = { boot_mbi_phys, boot_mbi_phys + boot_info.mbi_phys_size };
	uint64_t page = memmap_low_page(boot_info.mmap, boot_info.n_mmap, &mbi, 1, PAGE_SIZE,
					LOW_MEMORY);
	uint64_t size = (uint64_t)(ap_trampoline_end - ap_trampoline);
	if (!page || size > PAGE_SIZE)
		return false;
	uint8_t *dst = phys_to_virt(page);
	memcpy(dst, ap_trampoline, size);
	uint32_t efer = EFER_LME | (rdmsr(MSR_EFER) & EFER_NXE);
	memcpy(dst + (ap_trampoline_efer - ap_trampoline), &efer, 4);
	ap_trampoline_page = page;
	ap_boot = (struct ap_boot){ .cr0 = read_cr0(), .cr4 = read_cr4() & CR4_AP_BITS,
				    .cr3 = paging_kernel_pml4() };
	log_info("smp: AP trampoline at %#lx", page);
	return true;
}

/* True once c is online, waiting at most ms milliseconds. */
static bool wait_online(struct cpu *c, uint64_t ms)
{
	uint64_t t0 = rdtsc(), limit = ms * (tsc_rate / 1000);
	while (__atomic_load_n(&c->state, __ATOMIC_ACQUIRE) != CPU_ONLINE)
		if (rdtsc() - t0 > limit)
			return false;
		else
			asm volatile("pause");
	return true;
}

/* INIT, STARTUP, STARTUP (the second only if the first did not start it), then the wait. */
static void ap_start(struct cpu *c)
{
	ap_boot.stack_top = c->stack_top;
	ap_boot.cpu = c;
	c->state = CPU_STARTING;
	bool sent = lapic_send_init(c->apic_id);
	tsc_delay_us(10000);
	for (int i = 0; sent && i < 2 && !wait_online(c, 0); i++) {
		sent = lapic_send_startup(c->apic_id, ap_trampoline_page);
		tsc_delay_us(200);
	}
	if (sent && wait_online(c, AP_WAIT_MS)) {
		cpus_online++;
		log_info("smp: cpu %u (apic %u) online", c->id, c->apic_id);
		return;
	}
	lapic_send_init(c->apic_id); /* back to waiting for a STARTUP: it cannot come later */
	c->state = CPU_NO_ANSWER;
	if (sent)
		log_warn("smp: cpu %u (apic %u) not online %d ms after its STARTUP IPIs; left out",
			 c->id, c->apic_id, AP_WAIT_MS);
	else
		log_warn("smp: cpu %u (apic %u): the local APIC did not send its IPIs; left out",
			 c->id, c->apic_id);
}

/* Starts cpus[1..] up to cpus=N: each that can be started, one after another. */
static void start_aps(void)
{
	unsigned limit = kernel_options.max_cpus ? kernel_options.max_cpus : MAX_CPUS;
	for (unsigned i = 1; i < n_cpus; i++) {
		struct cpu *c = &cpus[i];
		if (i >= limit) {
			log_info("smp: cpu %u (apic %u) left stopped (cpus=%u)", i, c->apic_id, limit);
		} else if (c->apic_id > XAPIC_MAX_ID) {
			c->state = CPU_LEFT_OUT;
			log_warn("smp: cpu %u (apic %u) needs x2APIC mode; left out", i, c->apic_id);
		} else if (!ap_trampoline_page && !trampoline_install()) {
			c->state = CPU_LEFT_OUT;
			log_warn("smp: no free page below %#x for the AP trampoline; cpu %u left out",
				 LOW_MEMORY, i);
		} else if (!ap_alloc(c)) {
			c->state = CPU_LEFT_OUT;
			log_warn("smp: no memory for cpu %u's tables; left out", i);
		} else {
			ap_start(c);
		}
	}
}

void smp_init(void)
{
	struct fw_cpus c = { .n = 0 };
	if (kernel_options.no_acpi)
		log_info("smp: acpi=off: the MP table lists the processors");
	if ((kernel_options.no_acpi || !madt_cpus(&c)) && !mp_cpus(&c))
		log_info("smp: no processor table; the boot CPU alone runs");
	list_cpus(&c);
	log_info("smp: cpu 0 (apic %u) online, the boot CPU", cpus[0].apic_id);
	start_aps();
	log_info("smp: %u CPUs, %u online", n_cpus, cpus_online);
}

#define NO_CPU UINT32_MAX
static uint32_t stopper = NO_CPU; /* the APIC ID of the CPU that stops the others */
static unsigned cpus_halted;

bool cpus_stopping(void)
{
	return __atomic_load_n(&stopper, __ATOMIC_ACQUIRE) != NO_CPU;
}

void cpu_stop_here(void)
{
	__atomic_fetch_add(&cpus_halted, 1, __ATOMIC_RELEASE);
	for (;;) {
		irq_disable();
		halt(); /* an NMI's handler never returns from here, so no other NMI comes in */
	}
}

unsigned cpus_stop_others(unsigned *asked)
{
	*asked = 0;
	if (cpus_online < 2)
		return 0;
	uint32_t me = lapic_id(), none = NO_CPU;
	if (!__atomic_compare_exchange_n(&stopper, &none, me, false, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE)) {
		if (none == me)
			return 0; /* a fault in this CPU's own report */
		cpu_stop_here(); /* another CPU's panic: its report alone goes out */
	}
	for (unsigned i = 0; i < n_cpus; i++)
		if (cpus[i].state == CPU_ONLINE && cpus[i].apic_id != me) {
			lapic_send_ipi(cpus[i].apic_id, LAPIC_ICR_NMI);
			(*asked)++;
		}
	/* 10 ms: an NMI is taken at the next instruction boundary, or when QEMU next gives that CPU a turn */
	uint64_t t0 = rdtsc();
	while (__atomic_load_n(&cpus_halted, __ATOMIC_ACQUIRE) < *asked && rdtsc() - t0 < tsc_rate / 100)
		cpu_relax();
	return __atomic_load_n(&cpus_halted, __ATOMIC_ACQUIRE);
}

void cpu_set_self(struct cpu *c)
{
	c->self = c;
	sched_cpu_init(c);
	wrmsr(MSR_GS_BASE, (uint64_t)c);
	wrmsr(MSR_KERNEL_GS_BASE, 0); /* and FS base 0: no task's bases yet (fsgs.h) */
	wrmsr(MSR_FS_BASE, 0);
}

/*
 * An AP, on its own stack with the kernel's page tables (trampoline.S):
 * its own GDT and TSS, its per-CPU pointer, the shared IDT, its local
 * APIC; then it says what it sees, goes online and parks.  It writes only
 * its own struct cpu.
 */
/*
 * The AP becomes a CPU like the boot CPU: the same syscall entry, FPU
 * set-up and timer tick, and its own expected hardware state for the
 * invariant checker.  Then it waits for the big kernel lock (the boot CPU
 * holds it until it first leaves for user mode) and runs threads: those
 * whose affinity names it (thread_set_cpu), idle in HLT until then.
 */
static void __attribute__((noreturn)) ap_schedule(struct cpu *c)
{
	syscall_init();
	fpu_init_ap();
	bkl_lock_for(BKL_REASON_IDLE);
	vmx_cpu_init(); /* (their frames come from the shared allocator: under the lock) */
	svm_cpu_init(); /* after syscall_init: it saves this CPU's syscall MSRs */
	lapic_timer_start();
	kcheck_boot();
	c->scheduling = true;
	log_info("smp: cpu %u runs threads", c->id);
	return_to_user();
}

void ap_main(struct cpu *c)
{
	gdt_load(&c->gdtr);
	cpu_set_self(c);
	asm volatile("lidt %0" : : "m"(idt_pointer));
	lapic_ap_init();
	c->apic_id_seen = lapic_id();
	asm volatile("sgdt %0; str %1" : "=m"(c->gdtr_seen), "=m"(c->tr_seen));
	c->gs_base_seen = rdmsr(MSR_GS_BASE);
	c->kernel_gs_base_seen = rdmsr(MSR_KERNEL_GS_BASE);
	__atomic_store_n(&c->state, CPU_ONLINE, __ATOMIC_RELEASE);
	if (smp_aps_schedule)
		ap_schedule(c);
	for (;;) {
		irq_disable();
		halt();
		c->wakeups++;
	}
}
