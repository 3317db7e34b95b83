/* The kernel's entry from boot.S: bring the machine up step by step. */
#include "bkl.h"
#include "boot.h"
#include "entry.h"
#include "fpu.h"
#include "fsgs.h"
#include "gdt.h"
#include "irq.h"
#include "kcheck.h"
#include "ktest.h"
#include "lapic.h"
#include "log.h"
#include "memory.h"
#include "panic.h"
#include "root.h"
#include "smp.h"
#include "syscall.h"
#include "thread.h"
#include "trap.h"
#include "svm.h"
#include "vmx.h"
#include "x86.h"

struct boot_info boot_info;
uint64_t boot_mbi_phys;
struct kernel_options kernel_options;

static void report_bad_option(void *arg, const char *msg)
{
	(void)arg;
	log_warn("cmdline: %s (ignored)", msg);
}

/* Checks and parses the Multiboot2 information; every problem stops the boot with its reason. */
static void read_boot_info(uint32_t magic, uint64_t mbi_phys)
{
	if (magic != MB2_BOOTLOADER_MAGIC)
		panic("not started by a Multiboot2 loader (EAX %#x, expected %#x): boot with "
		      "GRUB's multiboot2 command", magic, MB2_BOOTLOADER_MAGIC);
	if (mbi_phys == 0 || mbi_phys >= (1ULL << 32))
		panic("boot information at %#lx, above the 4 GiB the boot tables map",
		      mbi_phys);
	uint32_t where;
	enum mb2_status s = mb2_parse(phys_to_virt(mbi_phys), &boot_info, &where);
	if (s != MB2_OK)
		panic("bad Multiboot2 information: %s (at byte %u)", mb2_strerror(s), where);
	boot_mbi_phys = mbi_phys;
}

static void log_boot_info(void)
{
	log_info("boot: loader '%s', command line '%s'", boot_info.loader_name, boot_info.cmdline);
	for (unsigned i = 0; i < boot_info.n_mmap; i++)
		log_debug("boot: memory 0x%012lx-0x%012lx type %u", boot_info.mmap[i].base,
			  boot_info.mmap[i].base + boot_info.mmap[i].len, boot_info.mmap[i].type);
	for (unsigned i = 0; i < boot_info.n_modules; i++) {
		const struct mb2_module *m = &boot_info.modules[i];
		log_info("boot: module '%s' at %#lx, %lu bytes", m->cmdline, m->start,
			 m->end - m->start);
	}
}

void kmain(uint32_t magic, uint64_t mbi_phys)
{
	serial_init();
	gdt_init();
	/*
	 * The boot CPU holds the big kernel lock from here until it first
	 * leaves for user mode: an AP that starts scheduling waits for it.
	 */
	bkl_lock_for(BKL_REASON_IDLE);
	cpus[0].scheduling = true;
	idt_init();
	kprintf("\nMoat microkernel booting\n");

	read_boot_info(magic, mbi_phys);
	options_parse(boot_info.cmdline, &kernel_options, report_bad_option, 0);
	log_threshold = kernel_options.log_level;
	log_boot_info();

	memory_init(&boot_info, mbi_phys);
	paging_init(pmm.nframes * PAGE_SIZE);
	lapic_init();
	fpu_init(); /* before any vCPU: its host CR0 and CR4 come from these */
	fsgs_init();
	irq_enable();
	syscall_init(); /* before svm_init, which saves the host's syscall MSRs */
	svm_probe(); /* before vmx_probe, which names SVM when there is no VMX */
	vmx_probe();
	vmx_init();
	svm_init(); /* only if VMX is not in use */
	smp_aps_schedule = !kernel_options.test_suite[0]; /* the kernel's tests want them parked */
	smp_init(); /* the other processors start, and run threads or park */
	irq_init(); /* after smp_init, which reads the MADT's I/O APICs */
	kcheck_boot(); /* the hardware state the checker expects from now on */

	if (kernel_options.test_suite[0])
		ktest_main(kernel_options.test_suite); /* does not return */

	irq_disable();
	if (root_task_create()) {
		percpu->bkl_since = (uint32_t)rdtsc(); /* the boot is no hold anyone waited for: not counted */
		return_to_user();
	}
	log_error("boot: nothing to run; idle");
	for (;;)
		halt();
}
