/*
 * KVM's paravirtual clock offered to the guest (pvclock.h has the
 * records), a convention other hypervisors share, not a device.  CPUID
 * leaf 0x40000100 names "KVMKVMKVM" (Linux looks for it every 0x100
 * leaves from 0x40000000, where our own leaves are) and 0x40000101 its
 * features: the clock's MSRs, a TSC every vCPU agrees on, and no I/O
 * delay (outb to port 0x80 between port accesses, a VM exit each, is
 * not needed).  Writing MSR_KVM_SYSTEM_TIME_NEW (address | enable)
 * places a vCPU's record, written once: the clock counts nanoseconds
 * from the guest's power-on (devices_init) in every vCPU's TSC.  It is
 * written again when the vCPU's TSC offset changes (an IA32_TSC write).
 * MSR_KVM_WALL_CLOCK_NEW's write has the VMM put down when that power-on
 * was, the RTC's starting time as UNIX seconds.  A record that is not
 * all in the guest's RAM is refused with #GP.
 */
#include "vmm.h"
#include "pvclock.h"

#define KVM_CPUID_SIGNATURE 0x40000100u
#define KVM_CPUID_FEATURES  0x40000101u
#define KVM_FEATURE_NOP_IO_DELAY           (1u << 1)
#define KVM_FEATURE_CLOCKSOURCE2           (1u << 3)
#define KVM_FEATURE_CLOCKSOURCE_STABLE_BIT (1u << 24)
#define KVM_FEATURES (KVM_FEATURE_NOP_IO_DELAY | KVM_FEATURE_CLOCKSOURCE2 | \
		      KVM_FEATURE_CLOCKSOURCE_STABLE_BIT)
#define MSR_KVM_WALL_CLOCK_NEW  0x4b564d00u
#define MSR_KVM_SYSTEM_TIME_NEW 0x4b564d01u
#define MSR_ENABLE 1u /* in MSR_KVM_SYSTEM_TIME_NEW, below the address */

#define SECONDS_1900_TO_1970 2208988800ull /* 70 years, 17 of them leap years */

bool kvmclock_cpuid(uint32_t leaf, uint64_t *w)
{
	if (leaf != KVM_CPUID_SIGNATURE && leaf != KVM_CPUID_FEATURES)
		return false;
	w[VMW_RAX] = w[VMW_RBX] = w[VMW_RCX] = w[VMW_RDX] = 0;
	if (!vmm_tsc_hz())
		return true; /* no rate to give: no clock, the leaves read as absent */
	if (leaf == KVM_CPUID_SIGNATURE) {
		w[VMW_RAX] = KVM_CPUID_FEATURES;
		w[VMW_RBX] = 0x4b4d564b; /* "KVMK" */
		w[VMW_RCX] = 0x564b4d56; /* "VMKV" */
		w[VMW_RDX] = 0x0000004d; /* "M\0\0\0" */
	} else {
		w[VMW_RAX] = KVM_FEATURES;
	}
	return true;
}

/* Writes vCPU c's record where its MSR says, if it is on; false if that is not guest RAM. */
static bool publish(struct guest *g, unsigned c)
{
	uint64_t msr = g->cpu[c].kvmclock_msr;
	if (!(msr & MSR_ENABLE))
		return true;
	volatile struct pvclock_vcpu_time *t =
		guest_ptr(g, msr & ~(uint64_t)MSR_ENABLE, sizeof(struct pvclock_vcpu_time));
	if (!t)
		return false;
	pvclock_publish(t, g->kvmclock_epoch + g->cpu[c].tsc_offset, 0, vmm_tsc_hz(),
			PVCLOCK_TSC_STABLE);
	return true;
}

void kvmclock_tsc_changed(struct guest *g, unsigned c)
{
	(void)publish(g, c); /* the record's address was checked when the MSR took it */
}

bool kvmclock_msr(struct guest *g, unsigned c, uint32_t msr, bool write, uint64_t *v)
{
	if (msr == MSR_KVM_SYSTEM_TIME_NEW) {
		if (!write) {
			*v = g->cpu[c].kvmclock_msr;
			return true;
		}
		uint64_t old = g->cpu[c].kvmclock_msr;
		g->cpu[c].kvmclock_msr = *v;
		if (publish(g, c))
			return true;
		g->cpu[c].kvmclock_msr = old;
		return false;
	}
	if (msr == MSR_KVM_WALL_CLOCK_NEW) {
		if (!write) {
			*v = g->kvm_wall_clock_msr;
			return true;
		}
		volatile struct pvclock_wall_clock *wc =
			guest_ptr(g, *v, sizeof(struct pvclock_wall_clock));
		if (!wc)
			return false;
		g->kvm_wall_clock_msr = *v;
		pvclock_publish_wall(wc, RTC_START - SECONDS_1900_TO_1970);
		return true;
	}
	return false;
}

bool kvmclock_is_msr(uint32_t msr)
{
	return vmm_tsc_hz() && (msr == MSR_KVM_SYSTEM_TIME_NEW || msr == MSR_KVM_WALL_CLOCK_NEW); /* only where CPUID shows them */
}
