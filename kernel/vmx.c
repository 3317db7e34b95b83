/*
 * VMX capability discovery (Intel SDM vol. 3, appendix A: the capability
 * MSRs) and VMX root operation (VMXON, with the fixed CR0/CR4 bits).
 */
#include "gpa_space.h"
#include "log.h"
#include "mem.h"
#include "memory.h"
#include "svm.h"
#include "vcpu.h"
#include "vmx.h"
#include "x86.h"

#define CR4_VMXE              (1UL << 13)

#define FC_LOCKED             (1ULL << 0)
#define FC_VMXON_OUTSIDE_SMX  (1ULL << 2)

struct vmx_caps vmx_caps;
uint64_t vmx_msr_bitmap;

/* A control is available when its allowed-1 bit (high half of the MSR) is set. */
static bool allowed1(uint32_t msr, uint32_t control)
{
	return (rdmsr(msr) >> 32) & control;
}

static void read_caps(struct vmx_caps *c)
{
	uint64_t fc = rdmsr(MSR_FEATURE_CONTROL);
	c->enabled_by_fw = !(fc & FC_LOCKED) || (fc & FC_VMXON_OUTSIDE_SMX);
	c->revision = rdmsr(MSR_VMX_BASIC) & 0x7fffffff;
	c->preemption_timer = allowed1(MSR_VMX_PINBASED_CTLS, PIN_PREEMPT_TIMER);
	c->msr_bitmap = allowed1(MSR_VMX_PROCBASED_CTLS, PROC_MSR_BITMAP);
	c->tsc_offset = allowed1(MSR_VMX_PROCBASED_CTLS, PROC_TSC_OFFSET);
	c->pat = allowed1(MSR_VMX_ENTRY_CTLS, ENTRY_LOAD_PAT) &&
		 allowed1(MSR_VMX_EXIT_CTLS, EXIT_SAVE_PAT) && allowed1(MSR_VMX_EXIT_CTLS, EXIT_LOAD_PAT);
	c->pause_exit = allowed1(MSR_VMX_PROCBASED_CTLS, PROC_PAUSE_EXIT);
	if (!allowed1(MSR_VMX_PROCBASED_CTLS, PROC_SECONDARY))
		return; /* no secondary controls: no EPT, VPID or unrestricted guest */
	c->ept = allowed1(MSR_VMX_PROCBASED_CTLS2, PROC2_EPT);
	c->vpid = allowed1(MSR_VMX_PROCBASED_CTLS2, PROC2_VPID);
	c->unrestricted_guest = allowed1(MSR_VMX_PROCBASED_CTLS2, PROC2_UNRESTRICTED);
	c->pause_loop = allowed1(MSR_VMX_PROCBASED_CTLS2, PROC2_PAUSE_LOOP);
	if (c->ept) {
		uint64_t cap = rdmsr(MSR_VMX_EPT_VPID_CAP);
		c->ept_wb = cap & (1ULL << 14);
		c->ept_2m = cap & (1ULL << 16);
		c->ept_1g = cap & (1ULL << 17);
		c->ept_ad = cap & (1ULL << 21);
		c->invvpid_single = cap & (1ULL << 41);
	}
}

void vmx_probe(void)
{
	struct vmx_caps *c = &vmx_caps;
	c->present = cpuid(1, 0).ecx & (1U << 5);
	if (!c->present) {
		log_info("vmx: not available on this CPU%s",
			 svm_caps.present ? " (it has AMD SVM instead)" : ": virtual machines are disabled");
		return;
	}
	read_caps(c);
	log_info("vmx: present, VMCS revision %#x, %s by firmware", c->revision,
		 c->enabled_by_fw ? "allowed" : "DISABLED");
	log_info("vmx: EPT %s (2M %s, 1G %s, A/D %s), VPID %s, unrestricted guest %s, "
		 "preemption timer %s, PAUSE-loop exiting %s, PAUSE exiting %s",
		 c->ept ? "yes" : "no", c->ept_2m ? "yes" : "no", c->ept_1g ? "yes" : "no",
		 c->ept_ad ? "yes" : "no", c->vpid ? "yes" : "no",
		 c->unrestricted_guest ? "yes" : "no", c->preemption_timer ? "yes" : "no",
		 c->pause_loop ? "yes" : "no", c->pause_exit ? "yes" : "no");
}

/*
 * The MSR bitmap (SDM 24.6.9): 1 KiB each of read bits for MSRs 0-0x1fff
 * and 0xc0000000-0xc0001fff, then write bits for the same; a set bit
 * exits.  All set but for the MSRs guests own outright.
 */
static void build_msr_bitmap(uint8_t *map)
{
	memset(map, 0xff, PAGE_SIZE);
	for (unsigned i = 0; i < vcpu_passthrough_count(); i++) {
		uint32_t msr = vcpu_passthrough_msrs[i];
		unsigned bit = (msr & 0x1fff) + (msr >> 31 ? 8192 : 0);
		map[bit / 8] &= ~(1u << (bit % 8));                 /* read */
		map[2048 + bit / 8] &= ~(1u << (bit % 8));          /* write */
	}
}

/* The CPU features the vCPU code relies on. */
static const char *missing_feature(void)
{
	const struct vmx_caps *c = &vmx_caps;
	if (!c->present)
		return "no VMX";
	if (!c->enabled_by_fw)
		return "VMX disabled by firmware";
	if (!c->ept || !c->ept_wb)
		return "no EPT with write-back tables";
	if (!c->vpid)
		return "no VPID";
	if (!c->unrestricted_guest)
		return "no unrestricted guest";
	if (!c->msr_bitmap || !c->tsc_offset || !c->pat)
		return "no MSR bitmaps, TSC offsetting or PAT switching";
	return 0;
}

/*
 * This CPU into VMX root operation (SDM 23.7): the feature-control lock,
 * CR0 and CR4 within the fixed bits, a VMXON region of its own.  Each CPU
 * does it for itself (the boot CPU in vmx_init, each AP before it runs
 * threads): VMX operation, like the VMCS a CPU has current, is per CPU.
 */
static bool cpu_on(void)
{
	uint64_t fc = rdmsr(MSR_FEATURE_CONTROL);
	if (!(fc & FC_LOCKED))
		wrmsr(MSR_FEATURE_CONTROL, fc | FC_LOCKED | FC_VMXON_OUTSIDE_SMX);
	else if (!(fc & FC_VMXON_OUTSIDE_SMX))
		return false; /* this CPU's firmware locked it off */
	write_cr0((read_cr0() | rdmsr(MSR_VMX_CR0_FIXED0)) & rdmsr(MSR_VMX_CR0_FIXED1));
	write_cr4(((read_cr4() | CR4_VMXE) | rdmsr(MSR_VMX_CR4_FIXED0)) &
		  rdmsr(MSR_VMX_CR4_FIXED1));
	uint64_t region = pmm_alloc(&pmm);
	if (!region)
		return false;
	memset(phys_to_virt(region), 0, PAGE_SIZE);
	*(uint32_t *)phys_to_virt(region) = vmx_caps.revision;
	uint8_t failed;
	asm volatile("vmxon %1; setna %0" : "=r"(failed) : "m"(region) : "cc", "memory");
	if (failed) {
		pmm_free(&pmm, region);
		return false;
	}
	percpu->vm_host_area = region;
	percpu->vm_on = true;
	return true;
}

void vmx_init(void)
{
	const char *why = missing_feature();
	if (why) {
		if (vmx_caps.present)
			log_warn("vmx: virtual machines disabled: %s", why);
		return;
	}
	vmx_msr_bitmap = pmm_alloc(&pmm);
	if (!vmx_msr_bitmap) {
		log_warn("vmx: no memory for the MSR bitmap");
		return;
	}
	build_msr_bitmap(phys_to_virt(vmx_msr_bitmap));
	if (!cpu_on()) {
		log_warn("vmx: VMXON failed");
		return;
	}
	vmx_caps.on = true;
	vcpu_backend = &vmx_backend;
	gpa_max_level = vmx_caps.ept_1g ? 3 : vmx_caps.ept_2m ? 2 : 1; /* large EPT pages it has */
	vcpu_tag_limit = 1u << 16; /* VPIDs 1-65535 */
	log_info("vmx: in VMX root operation");
}

void vmx_cpu_init(void)
{
	if (vmx_caps.on && !cpu_on())
		log_warn("vmx: cpu %u: VMXON failed: it runs no vCPU", percpu->id);
}

void vmx_invvpid(uint16_t vpid)
{
	struct {
		uint64_t vpid, linear;
	} desc = { vpid, 0 };
	uint64_t type = vmx_caps.invvpid_single ? 1 : 2; /* this VPID, else every one */
	asm volatile("invvpid %0, %1" : : "m"(desc), "r"(type) : "cc", "memory");
}

void vmx_invept(uint64_t root)
{
	if (!percpu->vm_on)
		return;
	(void)root; /* invalidate all contexts: simpler, and unmapping is rare */
	struct {
		uint64_t eptp, reserved;
	} desc = { 0, 0 };
	uint64_t type = 2;
	asm volatile("invept %0, %1" : : "m"(desc), "r"(type) : "cc", "memory");
}
