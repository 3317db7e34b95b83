/* VMX capability discovery (Intel SDM vol. 3, appendix A: the VMX capability MSRs). */
#include "log.h"
#include "vmx.h"
#include "x86.h"

#define MSR_VMX_BASIC         0x480
#define MSR_VMX_PINBASED      0x481
#define MSR_VMX_PROCBASED     0x482
#define MSR_VMX_PROCBASED2    0x48b
#define MSR_VMX_EPT_VPID_CAP  0x48c

#define FC_LOCKED             (1ULL << 0)
#define FC_VMXON_OUTSIDE_SMX  (1ULL << 2)

struct vmx_caps vmx_caps;

/* A control is available when its allowed-1 bit (high half of the MSR) is set. */
static bool allowed1(uint32_t msr, int bit)
{
	return (rdmsr(msr) >> 32) & (1ULL << bit);
}

static void read_caps(struct vmx_caps *c)
{
	uint64_t fc = rdmsr(MSR_FEATURE_CONTROL);
	c->enabled_by_fw = !(fc & FC_LOCKED) || (fc & FC_VMXON_OUTSIDE_SMX);
	c->revision = rdmsr(MSR_VMX_BASIC) & 0x7fffffff;
	c->preemption_timer = allowed1(MSR_VMX_PINBASED, 6);
	if (!allowed1(MSR_VMX_PROCBASED, 31))
		return; /* no secondary controls: no EPT, VPID or unrestricted guest */
	c->ept = allowed1(MSR_VMX_PROCBASED2, 1);
	c->vpid = allowed1(MSR_VMX_PROCBASED2, 5);
	c->unrestricted_guest = allowed1(MSR_VMX_PROCBASED2, 7);
	if (c->ept) {
		uint64_t cap = rdmsr(MSR_VMX_EPT_VPID_CAP);
		c->ept_wb = cap & (1ULL << 14);
		c->ept_2m = cap & (1ULL << 16);
		c->ept_1g = cap & (1ULL << 17);
		c->ept_ad = cap & (1ULL << 21);
	}
}

void vmx_probe(void)
{
	struct vmx_caps *c = &vmx_caps;
	c->present = cpuid(1, 0).ecx & (1U << 5);
	c->svm = cpuid(0x80000000, 0).eax >= 0x80000001 && (cpuid(0x80000001, 0).ecx & (1U << 2));
	if (!c->present) {
		log_info("vmx: not available on this CPU: virtual machines are disabled%s",
			 c->svm ? " (the CPU has AMD SVM, which this kernel does not use yet)" : "");
		return;
	}
	read_caps(c);
	log_info("vmx: present, VMCS revision %#x, %s by firmware", c->revision,
		 c->enabled_by_fw ? "allowed" : "DISABLED");
	log_info("vmx: EPT %s (2M %s, 1G %s, A/D %s), VPID %s, unrestricted guest %s, "
		 "preemption timer %s",
		 c->ept ? "yes" : "no", c->ept_2m ? "yes" : "no", c->ept_1g ? "yes" : "no",
		 c->ept_ad ? "yes" : "no", c->vpid ? "yes" : "no",
		 c->unrestricted_guest ? "yes" : "no", c->preemption_timer ? "yes" : "no");
}
