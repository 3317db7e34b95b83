/*
 * The boot test suite: checks, on the booted kernel, what the host unit
 * tests cannot (the real memory map, page tables, traps, timer, CPU).
 * Suite "fault" instead dies on purpose; the runner checks the report.
 * Suite "smp" runs these cases on a machine with several processors, then
 * its own (ktest_smp.c).
 */
#include "boot.h"
#include "gdt.h"
#include "irq.h"
#include "ksyms.h"
#include "ktest.h"
#include "ktest_case.h"
#include "lapic.h"
#include "layout.h"
#include "log.h"
#include "mem.h"
#include "memory.h"
#include "panic.h"
#include "smp.h"
#include "thread.h"
#include "trap.h"
#include "svm.h"
#include "vcpu.h"
#include "vmx.h"
#include "x86.h"
#include "array.h"

const char *ktest_skip_reason;

#define NO_FAULT 0xffUL

/* Runs insns with the fault probe armed; the value is the vector caught, or NO_FAULT. */
#define PROBE(insns, ...)                                                          \
	({                                                                         \
		trap_probe.vector = NO_FAULT;                                      \
		asm volatile("movq $1f, trap_probe(%%rip)\n\t" insns "\n1:"       \
			     : : : "memory", ##__VA_ARGS__);                       \
		trap_probe.resume = 0;                                             \
		trap_probe.vector;                                                 \
	})

extern const char _text[], _etext[], _data[];
static const char hello_text[] = "hello from a boot module\n";

static enum ktest_result memory_map_has_usable_memory(void)
{
	unsigned usable = 0;
	CHECK(boot_info.n_mmap > 0);
	for (unsigned i = 0; i < boot_info.n_mmap; i++)
		usable += boot_info.mmap[i].type == MB2_MEM_AVAILABLE;
	CHECK(usable > 0);
	return KT_PASS;
}

static enum ktest_result loader_named_grub(void)
{
	CHECK(strncmp(boot_info.loader_name, "GRUB", 4) == 0);
	return KT_PASS;
}

static enum ktest_result cmdline_selected_this_suite(void)
{
	CHECK(strcmp(kernel_options.test_suite, "boot") == 0 ||
	      strcmp(kernel_options.test_suite, "smp") == 0);
	CHECK(kernel_options.log_level == LOG_INFO);
	return KT_PASS;
}

static enum ktest_result module_loaded_with_name_and_contents(void)
{
	CHECK(boot_info.n_modules == 1);
	const struct mb2_module *m = &boot_info.modules[0];
	CHECK(strcmp(m->cmdline, "hello") == 0);
	CHECK(m->end - m->start == sizeof(hello_text) - 1);
	CHECK(memcmp(phys_to_virt(m->start), hello_text, sizeof(hello_text) - 1) == 0);
	return KT_PASS;
}

/* True if no frame of [start, end) is free in the allocator. */
static int all_reserved(uint64_t start, uint64_t end)
{
	for (uint64_t a = start & ~(PAGE_SIZE - 1); a < end; a += PAGE_SIZE)
		if (pmm_is_free(&pmm, a))
			return 0;
	return 1;
}

static enum ktest_result pmm_keeps_kernel_modules_and_mbi(void)
{
	CHECK(all_reserved((uint64_t)_kernel_phys_start, (uint64_t)_kernel_phys_end));
	CHECK(all_reserved(boot_mbi_phys, boot_mbi_phys + boot_info.mbi_phys_size));
	for (unsigned i = 0; i < boot_info.n_modules; i++)
		CHECK(all_reserved(boot_info.modules[i].start, boot_info.modules[i].end));
	CHECK(all_reserved(0, 1 << 20));
	return KT_PASS;
}

static enum ktest_result pmm_alloc_free_roundtrip(void)
{
	uint64_t before = pmm.free_frames;
	uint64_t a = pmm_alloc(&pmm), b = pmm_alloc(&pmm);
	CHECK(a && b && a != b);
	CHECK(a % PAGE_SIZE == 0 && b % PAGE_SIZE == 0);
	CHECK(pmm.free_frames == before - 2);
	CHECK(pmm_free(&pmm, a) == PMM_OK);
	CHECK(pmm_free(&pmm, a) == PMM_ERR_DOUBLE_FREE);
	CHECK(pmm_free(&pmm, b + 1) == PMM_ERR_UNALIGNED);
	CHECK(pmm_free(&pmm, b) == PMM_OK);
	CHECK(pmm.free_frames == before);
	return KT_PASS;
}

static enum ktest_result physmap_reads_back_writes(void)
{
	uint64_t f = frame_alloc_zeroed();
	CHECK(f);
	volatile uint64_t *p = phys_to_virt(f);
	CHECK(p[0] == 0 && p[511] == 0);
	p[0] = 0x1122334455667788;
	p[511] = ~p[0];
	CHECK(p[0] == 0x1122334455667788 && p[511] == ~0x1122334455667788ULL);
	CHECK(pmm_free(&pmm, f) == PMM_OK);
	return KT_PASS;
}

static enum ktest_result kernel_sections_have_their_rights(void)
{
	uint64_t text = paging_lookup((uint64_t)_text), data = paging_lookup((uint64_t)_data);
	CHECK(text & PTE_P);
	CHECK(!(text & PTE_W) && !(text & PTE_NX) && !(text & PTE_U));
	CHECK((data & PTE_P) && (data & PTE_W) && !(data & PTE_U));
	CHECK(!(cpuid(0x80000001, 0).edx & (1U << 20)) || (data & PTE_NX));
	CHECK(paging_lookup(0) == 0 && paging_lookup(0x100000) == 0); /* no identity map */
	return KT_PASS;
}

static enum ktest_result trap_catches_invalid_opcode(void)
{
	CHECK(PROBE("ud2") == 6);
	return KT_PASS;
}

static enum ktest_result trap_catches_page_fault_with_address(void)
{
	CHECK(PROBE("movq 0x1000, %%rax", "rax") == 14);
	CHECK(trap_probe.cr2 == 0x1000);
	CHECK((trap_probe.error & 1) == 0); /* not-present page, not a protection fault */
	return KT_PASS;
}

static enum ktest_result trap_catches_write_to_kernel_text(void)
{
	/* Writes a text byte back unchanged: harmless if the protection were missing. */
	CHECK(PROBE("lea trap_dispatch(%%rip), %%rax\n\tmovb (%%rax), %%cl\n\tmovb %%cl, (%%rax)",
		    "rax", "rcx") == 14);
	CHECK((trap_probe.error & 3) == 3); /* a write to a present page */
	return KT_PASS;
}

static enum ktest_result trap_catches_divide_error(void)
{
	CHECK(PROBE("xor %%ecx, %%ecx\n\tdiv %%ecx", "rax", "rcx", "rdx") == 0);
	return KT_PASS;
}

static enum ktest_result trap_catches_noncanonical_access(void)
{
	CHECK(PROBE("movabs $0x8000000000000000, %%rax\n\tmov (%%rax), %%rax", "rax") == 13);
	return KT_PASS;
}

static enum ktest_result trap_catches_breakpoint(void)
{
	CHECK(PROBE("int3") == 3);
	return KT_PASS;
}

static enum ktest_result probe_stays_quiet_without_fault(void)
{
	CHECK(PROBE("nop") == NO_FAULT);
	return KT_PASS;
}

/*
 * An NMI in ring 0 while GS is a task's (as between SYSCALL and
 * syscall_entry's SWAPGS, here made with a SWAPGS of our own) runs on
 * this CPU's struct cpu, and leaves GS as it found it (entry.S,
 * trap_paranoid).  The NMI comes from this CPU's own local APIC.
 * Interrupts stay off across the window, as SFMASK keeps them off after
 * SYSCALL: a tick in it would take the task's GS for the kernel's (it
 * did once, in a CI run under QEMU, before the CLI).
 */
static enum ktest_result nmi_in_the_swapgs_window_keeps_both_gs(void)
{
	const uint64_t task_gs = 0x1000, kernel_gs = rdmsr(MSR_KERNEL_GS_BASE);
	volatile uint32_t *icr = lapic_aim_ipi_at_self();
	bool interrupts_were_on = read_rflags() & RFLAGS_IF;
	irq_disable();
	wrmsr(MSR_KERNEL_GS_BASE, task_gs);
	trap_probe.vector = NO_FAULT;
	trap_probe.gs_base = 0;
	asm volatile("movq $1f, trap_probe(%%rip)\n\t"
		     "swapgs\n\t"
		     "movl %1, (%0)\n\t"          /* the NMI: it resumes at 1 */
		     "mov $100000, %%ecx\n"
		     "2:\tdec %%ecx\n\t"
		     "jnz 2b\n"
		     "1:\tswapgs"
		     : : "r"(icr), "r"(LAPIC_ICR_NMI) : "rcx", "memory", "cc");
	trap_probe.resume = 0;
	uint64_t gs = rdmsr(MSR_GS_BASE), kgs = rdmsr(MSR_KERNEL_GS_BASE);
	wrmsr(MSR_KERNEL_GS_BASE, kernel_gs);
	if (interrupts_were_on)
		irq_enable();
	CHECK(trap_probe.vector == 2);
	CHECK(trap_probe.gs_base == (uint64_t)this_cpu());
	CHECK(gs == (uint64_t)this_cpu() && kgs == task_gs);
	return KT_PASS;
}

static enum ktest_result tss_loaded(void)
{
	uint16_t tr;
	asm volatile("str %0" : "=r"(tr));
	CHECK(tr == SEL_TSS);
	return KT_PASS;
}

/*
 * Whatever a selector can reach while a VM exit has left the GDTR limit at
 * 0xFFFF is a descriptor the kernel wrote or a zero: never bytes a task
 * could have put there.
 */
static enum ktest_result gdt_fills_every_selector_a_limit_reaches(void)
{
	struct desc_ptr g;
	asm volatile("sgdt %0" : "=m"(g));
	CHECK(g.base == gdt_pointer.base && g.limit == gdt_pointer.limit);
	const uint64_t *d = (const uint64_t *)g.base;
	for (unsigned i = (g.limit + 1) / 8; i < 0x10000 / 8; i++)
		CHECK(d[i] == 0);
	return KT_PASS;
}

/* SMEP and SMAP are on wherever the CPU has them (both emulators do). */
static enum ktest_result smep_and_smap_on(void)
{
	uint32_t ebx = cpuid(0, 0).eax >= 7 ? cpuid(7, 0).ebx : 0;
	CHECK(!!(read_cr4() & CR4_SMEP) == !!(ebx & (1u << 7)));
	CHECK(!!(read_cr4() & CR4_SMAP) == !!(ebx & (1u << 20)));
	CHECK(read_cr4() & CR4_SMEP);
	return KT_PASS;
}

static enum ktest_result lapic_timer_calibrated(void)
{
	CHECK(lapic_timer_rate >= 100000 && lapic_timer_rate <= 10000000000ULL);
	CHECK(tsc_rate > 0);
	return KT_PASS;
}

static enum ktest_result timer_interrupts_tick(void)
{
	CHECK(read_rflags() & RFLAGS_IF);
	uint64_t start = percpu->ticks, t0 = rdtsc(), limit = 2 * tsc_rate + 1;
	while (percpu->ticks < start + 3 && rdtsc() - t0 < limit)
		halt();
	CHECK(percpu->ticks >= start + 3);
	return KT_PASS;
}

/*
 * A tick taken late, here held off for nine tenths of a tick, is not
 * followed at once by the next: that one comes at the first point of the
 * same grid at least half a tick after the late tick ran (with no delay,
 * the point two ticks after the late one's due).  With the late tick
 * followed at once instead, a CPU whose tick always waited for the lock
 * (QEMU -icount turns: the other CPU's guest spun for a tick each time)
 * took the next tick before its thread ran one instruction, for as long
 * as the guest spun (docs/smp.md, "Ticks").  The tick runs somewhere
 * between `before` and `after`: QEMU without -icount on a loaded host
 * may deliver it later than the window opens, or stop this CPU for a
 * tick or more in between, so the checks bound it on both sides rather
 * than expect one point.
 */
static enum ktest_result late_tick_is_not_followed_at_once(void)
{
	CHECK(read_rflags() & RFLAGS_IF);
	uint64_t tick = tsc_rate / TIMER_HZ;
	irq_disable();
	uint64_t due = percpu->tick_due, late = due + tick * 9 / 10;
	while (rdtsc() < late)
		asm volatile("pause");
	uint64_t before = rdtsc();
	do
		irq_window(); /* the late tick */
	while (percpu->tick_due == due && rdtsc() - before < 2 * tsc_rate);
	uint64_t next = percpu->tick_due, after = rdtsc();
	irq_enable();
	CHECK(next != due);
	CHECK((next - due) % tick == 0);
	CHECK(next >= before + tick / 2);
	CHECK(next < after + tick / 2 + tick);
	return KT_PASS;
}

static enum ktest_result backtrace_symbols_name_functions(void)
{
	uint64_t off;
	const char *name = ksym_lookup((uint64_t)kmain + 3, &off);
	CHECK(name && strcmp(name, "kmain") == 0 && off == 3);
	CHECK(ksym_lookup((uint64_t)_etext, &off) == NULL);
	return KT_PASS;
}

/*
 * Through the I/O APIC (both emulators' MADTs list one) each line's pin
 * holds its own vector, the boot CPU as destination, the MADT's polarity
 * and trigger, fixed physical delivery, and is masked (nothing is bound
 * yet); IRQ 0 is on GSI 2, as both MADTs say, and the 8259s are masked
 * whole.  Without an MADT (acpi=off) or with ioapic=off the 8259s serve.
 */
static enum ktest_result irq_lines_routed_as_the_tables_say(void)
{
	if (!madt_found || kernel_options.no_ioapic) {
		CHECK(!irq_through_ioapic());
		return KT_PASS;
	}
	CHECK(irq_through_ioapic());
	CHECK(inb(0x21) == 0xff && inb(0xa1) == 0xff);
	CHECK(madt_irqs.isa[0].gsi == 2 && irq_pin(0));
	for (unsigned line = 0; line < IRQ_LINES; line++) {
		const struct fw_isa_route *r = &madt_irqs.isa[line];
		const struct ioapic_pin *p = irq_pin(line);
		if (line == 2 || r->gsi == FW_NO_GSI) {
			CHECK(!p);
			continue;
		}
		CHECK(p);
		uint64_t e = ioapic_read_entry(p);
		CHECK((e & 0xff) == VEC_IOAPIC_BASE + line);
		CHECK((e & 0xf00) == 0); /* fixed delivery, physical destination */
		CHECK(e & IOAPIC_MASKED);
		CHECK(!!(e & IOAPIC_LEVEL) == r->level && !!(e & IOAPIC_ACTIVE_LOW) == r->active_low);
		CHECK(e >> 56 == cpus[0].apic_id);
	}
	return KT_PASS;
}

/* Both emulators offer a backend: VMX with EPT (Bochs) or SVM with nested paging (QEMU). */
static enum ktest_result virtualization_backend_on(void)
{
	CHECK(vcpu_backend);
	if (vcpu_backend == &vmx_backend) {
		CHECK(vmx_caps.enabled_by_fw && vmx_caps.revision != 0);
		CHECK(vmx_caps.ept && vmx_caps.vpid && vmx_caps.unrestricted_guest);
	} else {
		CHECK(svm_caps.on && svm_caps.npt && svm_caps.asids >= 2);
	}
	return KT_PASS;
}

/*
 * VPIDs/ASIDs stay within what the CPU has (QEMU offers 16 ASIDs), and a
 * vCPU whose tag another vCPU used since it last ran flushes before entry.
 */
static enum ktest_result vcpu_tags_are_shared_safely(void)
{
	if (!vcpu_backend)
		SKIP("no VMX or SVM");
	unsigned limit = vcpu_tag_limit < VCPU_TAGS ? vcpu_tag_limit : VCPU_TAGS, n = limit + 1;
	struct thread *made[VCPU_TAGS + 1] = { 0 };
	uint64_t phys = pmm_alloc_contig(&pmm, n * VCPU_PAGES, 1);
	CHECK(phys);
	memset(phys_to_virt(phys), 0, n * VCPU_PAGES * PAGE_SIZE);
	for (unsigned i = 0; i < n; i++)
		made[i] = vcpu_create(phys + i * VCPU_PAGES * PAGE_SIZE);
	enum ktest_result r = KT_PASS;
	struct vcpu *a = made[0]->vcpu, *b = made[limit - 1]->vcpu; /* tags go round */
	for (unsigned i = 0; i < n; i++)
		if (made[i]->vcpu->tag < 1 || made[i]->vcpu->tag >= limit)
			r = KT_FAIL;
	if (a->tag != b->tag || !vcpu_tag_claim(a) || vcpu_tag_claim(a) || !vcpu_tag_claim(b) ||
	    !vcpu_tag_claim(a))
		r = KT_FAIL; /* two vCPUs share a tag: each flushes after the other ran */
	for (unsigned i = 0; i < n; i++)
		thread_destroy(made[i]);
	CHECK(r == KT_PASS);
	return KT_PASS;
}

static const struct ktest boot_suite[] = {
#define T(fn) { #fn, fn }
	T(memory_map_has_usable_memory),
	T(loader_named_grub),
	T(cmdline_selected_this_suite),
	T(module_loaded_with_name_and_contents),
	T(pmm_keeps_kernel_modules_and_mbi),
	T(pmm_alloc_free_roundtrip),
	T(physmap_reads_back_writes),
	T(kernel_sections_have_their_rights),
	T(trap_catches_invalid_opcode),
	T(trap_catches_page_fault_with_address),
	T(trap_catches_write_to_kernel_text),
	T(trap_catches_divide_error),
	T(trap_catches_noncanonical_access),
	T(trap_catches_breakpoint),
	T(probe_stays_quiet_without_fault),
	T(nmi_in_the_swapgs_window_keeps_both_gs),
	T(tss_loaded),
	T(gdt_fills_every_selector_a_limit_reaches),
	T(smep_and_smap_on),
	T(lapic_timer_calibrated),
	T(timer_interrupts_tick),
	T(late_tick_is_not_followed_at_once),
	T(irq_lines_routed_as_the_tables_say),
	T(backtrace_symbols_name_functions),
	T(virtualization_backend_on),
	T(vcpu_tags_are_shared_safely),
#undef T
};
#define N_BOOT_TESTS (ARRAY_LEN(boot_suite))

/* Fails on purpose, two calls deep, so the runner can check the exception report. */
__attribute__((noinline)) void ktest_deliberate_fault(void);
void ktest_deliberate_fault(void)
{
	asm volatile("ud2");
}

static int run_case(const struct ktest *t, int n, int *failed, int *skipped)
{
	ktest_skip_reason = 0;
	enum ktest_result r = t->fn();
	if (r == KT_SKIP) {
		kprintf("skip %d %s # %s\n", n, t->name, ktest_skip_reason);
		(*skipped)++;
	} else {
		kprintf("%s %d %s\n", r == KT_PASS ? "ok" : "not ok", n, t->name);
		*failed += r == KT_FAIL;
	}
	return r;
}

static void __attribute__((noreturn)) finish(int run, int failed, int skipped)
{
	kprintf("end of tests: %d passed, %d failed, %d skipped\n", run - failed - skipped, failed,
		skipped);
	machine_exit(failed ? EXIT_TESTS_FAILED : EXIT_TESTS_PASSED);
}

void ktest_main(const char *name)
{
	int failed = 0, skipped = 0, run = 0;
	if (strcmp(name, "fault") == 0) {
		kprintf("fault test: a kernel exception follows\n");
		ktest_deliberate_fault();
		panic("the deliberate fault did not fault");
	}
	if (strcmp(name, "list") == 0) {
		for (unsigned i = 0; i < N_BOOT_TESTS; i++)
			kprintf("%s\n", boot_suite[i].name);
		for (unsigned i = 0; i < ktest_smp_count; i++)
			kprintf("%s\n", ktest_smp_cases[i].name);
		finish(0, 0, 0);
	}
	/* The smp suite: the boot suite's cases on a machine with APs, then its own. */
	bool smp = strcmp(name, "smp") == 0;
	for (unsigned i = 0; i < N_BOOT_TESTS; i++) {
		if (!smp && strcmp(name, "boot") != 0 && strcmp(name, boot_suite[i].name) != 0)
			continue;
		run_case(&boot_suite[i], ++run, &failed, &skipped);
	}
	for (unsigned i = 0; i < ktest_smp_count; i++)
		if (smp || strcmp(name, ktest_smp_cases[i].name) == 0)
			run_case(&ktest_smp_cases[i], ++run, &failed, &skipped);
	if (run == 0) {
		kprintf("no test or suite named '%s' (test=list shows them)\n", name);
		finish(1, 1, 0);
	}
	finish(run, failed, skipped);
}
