/*
 * The smp suite's own cases (test=smp; the boot suite's run first): every
 * processor the firmware lists is online, or stopped as cpus=N says; each
 * AP runs on tables of its own, the boot CPU's are the ones it always had,
 * the trampoline's page is out of every task's reach, and a parked AP
 * stays parked.
 */
#include "boot.h"
#include "entry.h"
#include "gdt.h"
#include "ktest_case.h"
#include "layout.h"
#include "memory.h"
#include "smp.h"
#include "lapic.h"
#include "x86.h"

/* The first `limit` processors online and the rest stopped, never given memory. */
static enum ktest_result cpus_started_as_configured(void)
{
	if (n_cpus < 2)
		SKIP("the machine has one processor");
	unsigned limit = kernel_options.max_cpus ? kernel_options.max_cpus : MAX_CPUS;
	unsigned want = n_cpus < limit ? n_cpus : limit;
	CHECK(cpus_online == want);
	for (unsigned i = 0; i < n_cpus; i++) {
		CHECK(cpus[i].id == i);
		if (i < want)
			CHECK(cpus[i].state == CPU_ONLINE);
		else
			CHECK(cpus[i].state == CPU_STOPPED && !cpus[i].gdt && !cpus[i].tss.tss.ist[0]);
	}
	CHECK(!!ap_trampoline_page == (want > 1)); /* cpus=1: no AP ran any code of ours */
	return KT_PASS;
}

/* Every online AP loaded its own GDT and TSS and has the local APIC the table named. */
static enum ktest_result aps_run_on_tables_of_their_own(void)
{
	if (cpus_online < 2)
		SKIP("no AP online");
	for (unsigned i = 1; i < n_cpus; i++) {
		const struct cpu *c = &cpus[i];
		if (c->state != CPU_ONLINE)
			continue;
		CHECK(c->apic_id_seen == c->apic_id);
		CHECK(c->gdtr_seen.base == (uint64_t)c->gdt && c->gdtr_seen.limit == gdt_pointer.limit);
		CHECK(c->tr_seen == SEL_TSS);
		CHECK(c->gdt != cpus[0].gdt);
		for (unsigned j = 1; j < i; j++)
			CHECK(cpus[j].gdt != c->gdt && cpus[j].stack_top != c->stack_top);
		/* the TSS descriptor names its own TSS, and every slot past the used ones is zero */
		uint64_t base = (c->gdt[5] >> 16 & 0xffffff) | (c->gdt[5] >> 56 & 0xff) << 24 |
				c->gdt[6] << 32;
		CHECK(base == (uint64_t)&c->tss);
		for (unsigned s = (gdt_pointer.limit + 1) / 8; s < GDT_BYTES / 8; s++)
			CHECK(c->gdt[s] == 0);
		CHECK(c->tss.tss.iomap_base == IOMAP_NONE);
	}
	return KT_PASS;
}

/*
 * Every CPU that runs kernel code finds its own struct cpu through GS
 * (percpu.h): the boot CPU here, each AP as it wrote down before parking;
 * KERNEL_GS_BASE holds no task's value yet; and the top of each IST stack
 * names the CPU whose TSS points there (trap_paranoid reads it).
 */
static enum ktest_result each_cpu_finds_its_own_struct_cpu(void)
{
	CHECK(rdmsr(MSR_GS_BASE) == (uint64_t)&cpus[0] && this_cpu() == &cpus[0]);
	CHECK(percpu->id == 0);
	for (unsigned i = 0; i < n_cpus; i++) {
		const struct cpu *c = &cpus[i];
		if (c->state != CPU_ONLINE)
			continue;
		if (i > 0)
			CHECK(c->gs_base_seen == (uint64_t)c && c->kernel_gs_base_seen == 0);
		CHECK(c->self == c);
		for (unsigned s = 0; s < IST_STACKS; s++) {
			uint64_t top = c->tss.tss.ist[s];
			CHECK(top && top % 16 == 0 && *(struct cpu **)top == c);
		}
	}
	return KT_PASS;
}

/* The boot CPU kept its tables: cpus[0] is them, and they are loaded. */
static enum ktest_result boot_cpu_keeps_its_tables(void)
{
	struct desc_ptr g;
	uint16_t tr;
	asm volatile("sgdt %0; str %1" : "=m"(g), "=m"(tr));
	CHECK(cpus[0].id == 0 && cpus[0].apic_id == lapic_id() && cpus[0].state == CPU_ONLINE);
	CHECK(g.base == gdt_pointer.base && g.limit == gdt_pointer.limit && tr == SEL_TSS);
	CHECK(cpus[0].gdt == (uint64_t *)gdt_pointer.base);
	CHECK(cpus[0].stack_top == (uint64_t)kernel_stack_top);
	return KT_PASS;
}

/* The trampoline's page is below 1 MiB, never free to the frame allocator, in no module. */
static enum ktest_result trampoline_page_out_of_reach(void)
{
	uint64_t p = ap_trampoline_page;
	if (!p)
		SKIP("no AP was started");
	CHECK(p % PAGE_SIZE == 0 && p + PAGE_SIZE <= 0xa0000 && !pmm_is_free(&pmm, p));
	for (unsigned i = 0; i < boot_info.n_modules; i++)
		CHECK(p + PAGE_SIZE <= boot_info.modules[i].start || p >= boot_info.modules[i].end);
	CHECK(p + PAGE_SIZE <= boot_mbi_phys || p >= boot_mbi_phys + boot_info.mbi_phys_size);
	return KT_PASS;
}

/* Over a few timer ticks on the boot CPU no parked AP leaves HLT or changes its state. */
static enum ktest_result aps_stay_parked(void)
{
	if (cpus_online < 2)
		SKIP("no AP online");
	uint64_t start = percpu->ticks, t0 = rdtsc(), limit = 2 * tsc_rate + 1;
	while (percpu->ticks < start + 3 && rdtsc() - t0 < limit)
		halt();
	CHECK(percpu->ticks >= start + 3);
	for (unsigned i = 1; i < n_cpus; i++)
		if (cpus[i].state == CPU_ONLINE)
			CHECK(cpus[i].wakeups == 0);
	return KT_PASS;
}

const struct ktest ktest_smp_cases[] = {
#define T(fn) { #fn, fn }
	T(cpus_started_as_configured),
	T(aps_run_on_tables_of_their_own),
	T(each_cpu_finds_its_own_struct_cpu),
	T(boot_cpu_keeps_its_tables),
	T(trampoline_page_out_of_reach),
	T(aps_stay_parked),
#undef T
};
const unsigned ktest_smp_count = sizeof(ktest_smp_cases) / sizeof(ktest_smp_cases[0]);
