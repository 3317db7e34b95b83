/*
 * AMD SVM discovery and enabling (AMD64 APM vol. 2, chapter 15): CPUID
 * 0x8000000A for nested paging and next-RIP saving, VM_CR for a firmware
 * lock, EFER.SVME, and the host save area VMRUN needs.  The I/O and MSR
 * permission maps are shared by every vCPU: all ones, so every port and
 * MSR access exits to the VMM, but for the MSRs guests own outright
 * (vcpu_passthrough_msrs).
 *
 * VMRUN and #VMEXIT switch only part of the processor's state (APM 15.5);
 * FS, GS, TR, LDTR, KernelGSBase, STAR, LSTAR, CSTAR, SFMASK and the
 * SYSENTER MSRs are the guest's only after VMLOAD and the host's again only
 * after the next.  A CPU's own values never change after boot, so each
 * CPU saves them once (percpu->svm_host_state), and svm_launch (entry.S)
 * loads the guest's before VMRUN and saves them, then loads the host's,
 * after.
 */
#include "gpa_space.h"
#include "log.h"
#include "mem.h"
#include "memory.h"
#include "svm.h"
#include "vcpu.h"
#include "x86.h"

#define MSR_VM_CR      0xc0010114
#define MSR_VM_HSAVE   0xc0010117
#define VM_CR_SVMDIS   (1ULL << 4)
#define IOPM_PAGES     3
#define MSRPM_PAGES    2

struct svm_caps svm_caps;
uint64_t svm_iopm, svm_msrpm;

void svm_probe(void)
{
	struct svm_caps *c = &svm_caps;
	c->present = cpuid(0x80000000, 0).eax >= 0x8000000a &&
		     (cpuid(0x80000001, 0).ecx & (1U << 2));
	if (!c->present)
		return;
	struct cpuid_regs r = cpuid(0x8000000a, 0);
	c->asids = r.ebx;
	c->npt = r.edx & 1;
	c->nrip_save = r.edx & (1U << 3);
	c->decode_assists = r.edx & (1U << 7);
	c->lbrv = r.edx & (1U << 1);
	c->pause_filter = r.edx & (1U << 10);
	c->pause_filter_threshold = r.edx & (1U << 12);
	c->disabled = rdmsr(MSR_VM_CR) & VM_CR_SVMDIS;
	if (cpuid(0x80000000, 0).eax >= 0x80000002) {
		struct cpuid_regs b = cpuid(0x80000002, 0); /* the brand string's first 16 bytes */
		c->qemu_cpu = b.eax == 0x554d4551; /* "QEMU" */
	}
}

/* Pages of all ones from the frame allocator; 0 if there is no memory. */
static uint64_t all_ones(unsigned pages)
{
	uint64_t p = pmm_alloc_contig(&pmm, pages, 1);
	if (p)
		memset(phys_to_virt(p), 0xff, pages * PAGE_SIZE);
	return p;
}

/*
 * The MSR permission map (APM 15.11): two bits an MSR, read then write, in
 * 2 KiB for each of the ranges 0-0x1fff, 0xc0000000-0xc0001fff and
 * 0xc0010000-0xc0011fff.  Clears both bits of each MSR guests own.
 */
static void open_passthrough_msrs(uint8_t *map)
{
	for (unsigned i = 0; i < vcpu_passthrough_count(); i++) {
		uint32_t msr = vcpu_passthrough_msrs[i];
		unsigned bit = 2 * (msr & 0x1fff) + (msr >> 31 ? 2048 * 8 : 0);
		map[bit / 8] &= ~(3u << (bit % 8));
	}
	/*
	 * But a write of TSC_AUX exits: VMLOAD does not switch it, so the
	 * kernel loads a guest's around VMRUN (vcpu_svm.c), and must see it
	 * change.  Guests set it once (the CPU's number); reads stay free.
	 */
	unsigned aux = 2 * (MSR_TSC_AUX & 0x1fff) + 2048 * 8;
	map[aux / 8] |= 2u << (aux % 8);
}

/*
 * SVM on this CPU: EFER.SVME, a host save area for VMRUN (VM_HSAVE_PA)
 * and the page VMSAVE keeps this CPU's own FS, GS, TR and syscall MSRs in
 * (percpu->svm_host_state: GS base and TR differ from CPU to CPU).  Each
 * CPU does it for itself, after syscall_init.
 */
static bool cpu_on(void)
{
	uint64_t hsave = pmm_alloc(&pmm), host_state = pmm_alloc(&pmm);
	if (!hsave || !host_state) {
		if (hsave)
			pmm_free(&pmm, hsave);
		if (host_state)
			pmm_free(&pmm, host_state);
		return false;
	}
	memset(phys_to_virt(host_state), 0, PAGE_SIZE);
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SVME);
	wrmsr(MSR_VM_HSAVE, hsave);
	asm volatile("vmsave %%rax" : : "a"(host_state) : "memory");
	percpu->vm_host_area = hsave;
	percpu->svm_host_state = host_state;
	percpu->vm_on = true;
	return true;
}

void svm_cpu_init(void)
{
	if (svm_caps.on && !cpu_on())
		log_warn("svm: cpu %u: no memory for its host save areas: it runs no vCPU", percpu->id);
}

void svm_init(void)
{
	struct svm_caps *c = &svm_caps;
	if (!c->present || vcpu_backend)
		return;
	log_info("svm: present, %u ASIDs, nested paging %s, next-RIP saving %s, decode assists %s, "
		 "pause filter %s (threshold %s)",
		 c->asids, c->npt ? "yes" : "no", c->nrip_save ? "yes" : "no",
		 c->decode_assists ? "yes" : "no", c->pause_filter ? "yes" : "no",
		 c->pause_filter_threshold ? "yes" : "no");
	if (c->disabled || !c->npt || c->asids < 2) {
		log_warn("svm: virtual machines disabled: %s",
			 c->disabled ? "SVM locked off by firmware"
			 : !c->npt   ? "no nested paging"
				     : "fewer than 2 ASIDs (ASID 0 is the host's)");
		return;
	}
	svm_iopm = all_ones(IOPM_PAGES);
	svm_msrpm = all_ones(MSRPM_PAGES);
	if (!svm_iopm || !svm_msrpm || !cpu_on()) {
		log_warn("svm: no memory for the host save areas and permission maps");
		return;
	}
	open_passthrough_msrs(phys_to_virt(svm_msrpm));
	c->on = true;
	vcpu_backend = &svm_backend;
	gpa_max_level = paging_max_level(); /* nested tables take the host's page sizes */
	vcpu_tag_limit = c->asids; /* ASIDs 1 to asids - 1 */
	log_info("svm: on (instruction lengths from the kernel, which needs no next-RIP saving)%s",
		 c->qemu_cpu ? "; QEMU's CPU: external interrupts go in as virtual interrupts, and a lost interrupt shadow is restored" : "");
}
