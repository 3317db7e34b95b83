/*
 * Hardware-facing invariants: the state the CPU holds for the kernel,
 * which a VM exit, a #VMEXIT, SYSCALL or a stale pointer can change behind
 * its back (docs/security.md lists what each transition loads and leaves).
 * Checked on SYS_DEBUG_CHECK, from a syscall of `current`, against what
 * boot set up (kcheck_boot, called once syscall_init has run):
 *   - GDTR and IDTR base and limit (SGDT/SIDT: the tables' real sizes);
 *   - TR is the kernel's TSS and LDTR is null (STR/SLDT);
 *   - GS base is this CPU's struct cpu (percpu.h); FS base and
 *     KERNEL_GS_BASE are current's own (fsgs.h: it owns them), or 0 where
 *     a task cannot set them (no FSGSBASE);
 *   - STAR, LSTAR, CSTAR, SFMASK; SYSENTER_*;
 *     PAT, DEBUGCTL and TSC_AUX (where RDTSCP exists): a guest has its own;
 *   - CR0 (its cache control apart), CR4, EFER; DR7 arms no breakpoint; RFLAGS has no AC, NT, TF, DF;
 *   - XCR0 is the kernel's set (fpu_xcr0): every exit puts it back after a
 *     guest ran with its own (fpu.h), and QEMU lets a guest's XSETBV
 *     through without SVM's intercept;
 *   - the TSS: rsp0 is current's kernel stack, and the I/O bitmap is exactly
 *     the port capabilities of current's task (or off if it has none);
 *   - CR3 holds current's tables (or the kernel's once a shootdown made this
 *     CPU forget them: check_cr3), and active_task (which skips CR3 writes,
 *     and which a VM exit restores, vcpu_vmx.c) is current's task or none;
 *   - every vCPU that can still enter its guest has an EPTP (VMX) or nCR3
 *     (SVM) naming the root of the live gpa_space it holds;
 *   - on every other CPU that runs threads (a cross call): its descriptor
 *     tables, MSRs, control registers, GS base, DR7, RFLAGS and XCR0.
 */
#include "bkl.h"
#include "cap.h"
#include "fpu.h"
#include "fsgs.h"
#include "gdt.h"
#include "kcheck.h"
#include "layout.h"
#include "log.h"
#include "mem.h"
#include "memory.h"
#include "smp.h"
#include "task.h"
#include "thread.h"
#include "vcpu.h"
#include "x86.h"
#include "array.h"

enum hw_check {
	HW_GDTR, HW_IDTR, HW_TR, HW_LDTR, HW_FS_BASE, HW_GS_BASE, HW_KERNEL_GS_BASE,
	HW_SYSCALL_MSRS, HW_SYSENTER_MSRS, HW_OTHER_MSRS, HW_CONTROL_REGS, HW_CACHE_CONTROL, HW_DR7, HW_RFLAGS,
	HW_TSS_RSP0, HW_TSS_IOMAP, HW_CR3, HW_GUEST_TABLES, HW_XCR0, HW_CHECKS
};

static const char *const check_names[HW_CHECKS] = {
	[HW_GDTR] = "GDTR", [HW_IDTR] = "IDTR", [HW_TR] = "TR", [HW_LDTR] = "LDTR",
	[HW_FS_BASE] = "FS base", [HW_GS_BASE] = "GS base",
	[HW_KERNEL_GS_BASE] = "KERNEL_GS_BASE", [HW_SYSCALL_MSRS] = "STAR/LSTAR/CSTAR/SFMASK",
	[HW_SYSENTER_MSRS] = "SYSENTER_CS/ESP/EIP",
	[HW_OTHER_MSRS] = "PAT/DEBUGCTL/TSC_AUX", [HW_CONTROL_REGS] = "CR0/CR4/EFER",
	[HW_CACHE_CONTROL] = "CR0.CD/NW",
	[HW_DR7] = "DR7", [HW_RFLAGS] = "kernel RFLAGS", [HW_TSS_RSP0] = "TSS rsp0",
	[HW_TSS_IOMAP] = "TSS I/O bitmap", [HW_CR3] = "CR3", [HW_GUEST_TABLES] = "vCPU EPTP/nCR3",
	[HW_XCR0] = "XCR0",
};


#define RFLAGS_BAD (RFLAGS_TF | RFLAGS_DF | RFLAGS_NT | RFLAGS_AC)
#define CR0_CD_NW  (CR0_CD | CR0_NW)

/* The state boot set up, on each CPU (its own GDT, TSC_AUX and, on the boot CPU alone, VMXE). */
static struct {
	struct desc_ptr gdtr, idtr;
	uint64_t cr0, cr4, efer;
	uint64_t msr_values[10];
} boot_state[MAX_CPUS];
#define boot (boot_state[percpu->id])

static const uint32_t msrs[10] = {
	MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_SFMASK, MSR_SYSENTER_CS, MSR_SYSENTER_ESP,
	MSR_SYSENTER_EIP, MSR_PAT, MSR_DEBUGCTL, MSR_TSC_AUX, /* TSC_AUX last: only with RDTSCP */
};
static unsigned msr_count; /* of msrs[] this CPU has */

static unsigned *broken_count;
static uint32_t logged[HW_CHECKS]; /* failures logged so far, per check */

static struct desc_ptr read_gdtr(void)
{
	struct desc_ptr p;
	asm volatile("sgdt %0" : "=m"(p));
	return p;
}

static struct desc_ptr read_idtr(void)
{
	struct desc_ptr p;
	asm volatile("sidt %0" : "=m"(p));
	return p;
}

void kcheck_boot(void)
{
	boot.gdtr = read_gdtr();
	boot.idtr = read_idtr();
	boot.cr0 = read_cr0();
	boot.cr4 = read_cr4();
	boot.efer = rdmsr(MSR_EFER);
	msr_count = ARRAY_LEN(msrs) - !cpu_has_rdtscp();
	for (unsigned i = 0; i < msr_count; i++)
		boot.msr_values[i] = rdmsr(msrs[i]);
}

/* Check c failed: counted, and logged the first few times only (the fuzzer checks after every call). */
static void fail(enum hw_check c, uint64_t seen, uint64_t want)
{
	(*broken_count)++;
	if (logged[c] < 3) {
		logged[c]++;
		log_error("kcheck: %s is %#lx, not %#lx", check_names[c], seen, want);
	}
}

static void expect(enum hw_check c, uint64_t seen, uint64_t want)
{
	if (seen != want)
		fail(c, seen, want);
}

static void check_descriptor_tables(void)
{
	struct desc_ptr g = read_gdtr(), i = read_idtr();
	uint16_t tr, ldtr;
	asm volatile("str %0; sldt %1" : "=r"(tr), "=r"(ldtr));
	expect(HW_GDTR, g.base, boot.gdtr.base);
	expect(HW_GDTR, g.limit, boot.gdtr.limit);
	expect(HW_IDTR, i.base, boot.idtr.base);
	expect(HW_IDTR, i.limit, boot.idtr.limit);
	expect(HW_TR, tr, SEL_TSS);
	expect(HW_LDTR, ldtr, 0);
}

/* The check each of msrs[] belongs to. */
static enum hw_check msr_check(unsigned i)
{
	return i < 4 ? HW_SYSCALL_MSRS : i < 7 ? HW_SYSENTER_MSRS : HW_OTHER_MSRS;
}

/*
 * The segment bases in a syscall of current (fsgs.h): GS base is the
 * kernel's; FS base and KERNEL_GS_BASE are current's own if it uses them
 * (it owns them, with CR4.FSGSBASE set: their values are its to choose),
 * and 0 otherwise, with CR4.FSGSBASE clear so that it cannot change them
 * unseen.
 */
static void check_segment_bases(void)
{
	const struct thread *owner = percpu->fsgs_owner;
	expect(HW_GS_BASE, rdmsr(MSR_GS_BASE), (uint64_t)this_cpu());
	expect(HW_FS_BASE, (uint64_t)owner, (uint64_t)current->fsgs_self);
	expect(HW_CONTROL_REGS, read_cr4() & CR4_FSGSBASE, owner ? CR4_FSGSBASE : 0);
	if (!owner) {
		expect(HW_FS_BASE, rdmsr(MSR_FS_BASE), 0);
		expect(HW_KERNEL_GS_BASE, rdmsr(MSR_KERNEL_GS_BASE), 0);
	}
}

static void check_msrs(void)
{
	for (unsigned i = 0; i < msr_count; i++)
		expect(msr_check(i), rdmsr(msrs[i]), boot.msr_values[i]);
	/* TS is clear exactly while a thread's FPU state is live in the registers (fpu.h) */
	expect(HW_CONTROL_REGS, read_cr0() & ~(CR0_CD_NW | CR0_TS), boot.cr0 & ~(CR0_CD_NW | CR0_TS));
	expect(HW_CONTROL_REGS, read_cr0() & CR0_TS, fpu_live ? 0 : CR0_TS);
	expect(HW_CACHE_CONTROL, read_cr0() & CR0_CD_NW, boot.cr0 & CR0_CD_NW);
	expect(HW_CONTROL_REGS, read_cr4() & ~CR4_FSGSBASE, boot.cr4); /* its own check below */
	expect(HW_CONTROL_REGS, rdmsr(MSR_EFER), boot.efer);
}

static void check_flags_and_debug(void)
{
	uint64_t dr7;
	asm volatile("mov %%dr7, %0" : "=r"(dr7));
	expect(HW_DR7, dr7 & 0xff, 0); /* L0-3, G0-3: no breakpoint armed */
	expect(HW_RFLAGS, read_rflags() & RFLAGS_BAD, 0);
	if (fpu_xcr0)
		expect(HW_XCR0, xgetbv0(), fpu_xcr0);
}

/* The I/O bitmap task t's port capabilities allow: a set bit denies the port. */
static bool port_allowed(const struct task *t, unsigned port)
{
	for (unsigned i = 0; i < CSPACE_SLOTS; i++) {
		const struct cap *c = &t->cspace[i];
		if (c->type == OBJ_IOPORT && port >= c->ports.first && port <= c->ports.last)
			return true;
	}
	return false;
}

/*
 * The TSS as current's syscall left it: rsp0 at its register frame, and
 * the bitmap on exactly when its task holds ports.  The bitmap itself is
 * compared with the task's, and that one, at the bounds of each range the
 * task holds and at a few ports it does not, with its capabilities.
 */
static void check_tss(void)
{
	struct task *t = current->task;
	const struct tss_area *tss = &this_cpu()->tss;
	expect(HW_TSS_RSP0, tss->tss.rsp[0], (uint64_t)(&current->regs + 1));
	if (!t || active_task != t)
		return;
	expect(HW_TSS_IOMAP, tss->tss.iomap_base, t->has_ports ? sizeof(struct tss) : IOMAP_NONE);
	if (!t->has_ports)
		return;
	if (active_ports == t && memcmp(tss->iomap, t->iobitmap, sizeof(tss->iomap)))
		fail(HW_TSS_IOMAP, 1, 0);
	static const unsigned probes[] = { 0, 0x3f, 0x40, 0x43, 0x44, 0x80, 0x3f8, 0xcf8, 0xffff };
	for (unsigned i = 0; i < ARRAY_LEN(probes); i++) {
		unsigned p = probes[i];
		bool denied = t->iobitmap[p / 8] & (1 << (p % 8));
		expect(HW_TSS_IOMAP, denied, !port_allowed(t, p));
	}
}

/*
 * CR3 holds current's tables, or, when this CPU holds no task's
 * (active_task none), the kernel's: a TLB shootdown (task.c's
 * forget_task_here) may have run here while this CPU waited for the lock
 * on its way in from current, and the way out (task_activate) loads
 * current's tables again.  The kernel reaches user memory only through
 * the task's tables in software (copy_from_user), never through CR3.
 */
static void check_cr3(void)
{
	uint64_t cr3 = read_cr3() & PTE_ADDR;
	if (active_task) {
		expect(HW_CR3, (uint64_t)active_task, (uint64_t)current->task);
		expect(HW_CR3, cr3, current->task->pml4);
	} else if (cr3 != current->task->pml4) {
		expect(HW_CR3, cr3, paging_kernel_pml4());
	}
}

/* Every vCPU that may enter its guest again runs on the tables of a live space it holds. */
static void check_guest_tables(void)
{
	for (struct thread *t = all_threads; t; t = t->all_next) {
		struct vcpu *v = t->vcpu;
		if (!v || t->state == THREAD_INACTIVE)
			continue;
		if (v->space.type != OBJ_GPA_SPACE) {
			fail(HW_GUEST_TABLES, vcpu_backend->gpa_root(v), 0);
			continue;
		}
		struct gpa_space *g = v->space.gpa_space;
		expect(HW_GUEST_TABLES, vcpu_backend->gpa_root(v), g->root);
		expect(HW_GUEST_TABLES, g->hdr.refs != 0, 1);
	}
}

/*
 * Another CPU's part, run there in a cross call (bkl.h), wherever it was
 * when it came: in the kernel, waiting for the lock, with its guest's
 * state (if it ran one) already put back by the exit.  What a syscall of
 * `current` alone pins down (the TSS's rsp0, CR3, FS and KERNEL_GS_BASE)
 * is left out; the rest is as on the calling CPU.  A vCPU that moved to a
 * CPU and exited there with the old CPU's host values would show here.
 */
static void check_cpu_here(void *arg)
{
	(void)arg;
	check_descriptor_tables();
	check_msrs();
	expect(HW_GS_BASE, rdmsr(MSR_GS_BASE), (uint64_t)this_cpu());
	check_flags_and_debug();
}

/*
 * other_cpus: the cross calls too.  The fuzzer checks the calling CPU
 * after every call and every CPU only with each round's full check: under
 * QEMU -icount, whose CPUs run in turns, a cross call waits for the other
 * CPU's turn, and four CPUs' calls each waiting for three made its run
 * six times slower.
 */
void kcheck_hardware(unsigned *broken, bool other_cpus)
{
	broken_count = broken;
	check_descriptor_tables();
	check_msrs();
	check_segment_bases();
	check_flags_and_debug();
	check_tss();
	check_cr3();
	if (vcpu_backend)
		check_guest_tables();
	if (other_cpus)
		for (unsigned c = 0; c < n_cpus; c++)
			if (c != percpu->id && cpus[c].scheduling)
				cpu_call(c, check_cpu_here, 0);
}
