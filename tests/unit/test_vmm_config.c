/* Host unit tests for servers/vmm/config.c, the VMM's guest lines. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "vmm.h"
#include "unit.h"

/* lib/string.c's (the VMM's), which the host's C library lacks: the same result. */
size_t strlcpy(char *d, const char *s, size_t size)
{
	return (size_t)snprintf(d, size, "%s", s);
}

static struct guest_config cfg[2];
static char err[160];

static int parse(const char *text)
{
	err[0] = 0;
	return guest_config_parse("vmm.cfg", text, strlen(text), cfg, 2, err, sizeof(err));
}

TEST(vmm_config_vcpus)
{
	CHECK_EQ(parse("guest a module=m\nguest b vcpus=4\n"), 2);
	CHECK_EQ(cfg[0].vcpus, 1); /* the default */
	CHECK_EQ(cfg[1].vcpus, 4);
}

/* parse(text) refuses the configuration with the message msg. */
#define CHECK_REFUSED(text, msg)               \
	do {                                   \
		CHECK_EQ(parse(text), -1);     \
		CHECK_STR(err, msg);           \
	} while (0)

/* It is an error to ask for no vCPUs, for more than VMM_MAX_VCPUS, or for a non-number. */
TEST(vmm_config_bad_vcpus_is_refused)
{
	CHECK_EQ(parse("guest a vcpus=0\n"), -1);
	CHECK_STR(err, "vmm.cfg: line 1: option 'vcpus': '0' is not 1 to 4");
	CHECK_EQ(parse("guest a\nguest b vcpus=5\n"), -1);
	CHECK_STR(err, "vmm.cfg: line 2: option 'vcpus': '5' is not 1 to 4");
	CHECK_EQ(parse("guest a vcpus=two\n"), -1);
	CHECK_STR(err, "vmm.cfg: line 1: option 'vcpus': 'two' is not 1 to 4");
	CHECK_EQ(parse("guest a vcpus=\n"), -1);
}

/* cpus= lists the host CPU of each vCPU in turn; none given, cpu_count is 0. */
TEST(vmm_config_cpus)
{
	CHECK_EQ(parse("guest a vcpus=2 cpus=0,1\nguest b cpus=3\n"), 2);
	CHECK_EQ(cfg[0].cpu_count, 2);
	CHECK_EQ(cfg[0].cpus[0], 0);
	CHECK_EQ(cfg[0].cpus[1], 1);
	CHECK_EQ(cfg[1].cpu_count, 1);
	CHECK_EQ(cfg[1].cpus[0], 3);
	CHECK_EQ(parse("guest a vcpus=2\n"), 1);
	CHECK_EQ(cfg[0].cpu_count, 0);
}

/* It is an error to give no CPU, a CPU past 63, more than 4, or anything but numbers. */
TEST(vmm_config_bad_cpus_is_refused)
{
	CHECK_REFUSED("guest a cpus=\n", "vmm.cfg: line 1: option 'cpus': '' is not a list of CPU numbers (0 to 63)");
	CHECK_REFUSED("guest a cpus=64\n", "vmm.cfg: line 1: option 'cpus': '64' is not a list of CPU numbers (0 to 63)");
	CHECK_REFUSED("guest a cpus=0,\n", "vmm.cfg: line 1: option 'cpus': '0,' is not a list of CPU numbers (0 to 63)");
	CHECK_REFUSED("guest a cpus=1;2\n", "vmm.cfg: line 1: option 'cpus': '1;2' is not a list of CPU numbers (0 to 63)");
	CHECK_REFUSED("guest a cpus=0001\n", "vmm.cfg: line 1: option 'cpus': '0001' is not a list of CPU numbers (0 to 63)");
	CHECK_REFUSED("guest a cpus=0,1,0,1,0\n", "vmm.cfg: line 1: option 'cpus': more than 4 CPUs in '0,1,0,1,0'");
}

/* kernel=MOD is module=MOD mode=multiboot, as kvm-unit-tests' lines use it. */
TEST(vmm_config_kernel_cmdline_memory)
{
	CHECK_EQ(parse("guest kut kernel=vmexit.flat cmdline=\"cpuid\" memory=64M vcpus=1\n"), 1);
	CHECK_STR(cfg[0].module, "vmexit.flat");
	CHECK_EQ(cfg[0].mode, MODE_MULTIBOOT);
	CHECK_STR(cfg[0].cmdline, "cpuid");
	CHECK_EQ(cfg[0].memory, 64 << 20);
	CHECK_EQ(cfg[0].module_count, 0);
}

/* Quotes group blanks into one word and are dropped; one word needs none. */
TEST(vmm_config_cmdline_quotes)
{
	CHECK_EQ(parse("guest a kernel=k cmdline=\"x  y\tz\" memory=2M\nguest b kernel=k cmdline=w\n"),
		 2);
	CHECK_STR(cfg[0].cmdline, "x  y\tz");
	CHECK_EQ(cfg[0].memory, 2 << 20); /* the word after the quotes is its own */
	CHECK_STR(cfg[1].cmdline, "w");
	CHECK_EQ(parse("guest a kernel=k cmdline=\"\"\n"), 1);
	CHECK_STR(cfg[0].cmdline, "");
	CHECK_EQ(parse("guest a kernel=k cmdline=\"#not a comment\"\n"), 1);
	CHECK_STR(cfg[0].cmdline, "#not a comment");
}

/* It is an error to leave a quote open, or to give more than 255 characters. */
TEST(vmm_config_bad_cmdline_is_refused)
{
	CHECK_EQ(parse("guest a kernel=k cmdline=\"a b\n"), -1);
	CHECK_STR(err, "vmm.cfg: line 1: option 'cmdline': unterminated quote");
	char line[400] = "guest a kernel=k cmdline=";
	memset(line + strlen(line), 'c', 256);
	CHECK_EQ(parse(line), -1);
	CHECK_STR(err, "vmm.cfg: line 1: option 'cmdline': longer than 255 characters");
	line[strlen(line) - 1] = 0; /* 255 fit */
	CHECK_EQ(parse(line), 1);
	CHECK_EQ(strlen(cfg[0].cmdline), 255);
	memset(line + strlen(line), 'c', 100); /* longer than a word may be */
	CHECK_EQ(parse(line), -1);
	CHECK_STR(err, "vmm.cfg: line 1: option 'cmdline': longer than a word may be");
}

TEST(vmm_config_modules_list)
{
	CHECK_EQ(parse("guest a kernel=k modules=m1,m2 modules=m3\n"), 1);
	CHECK_EQ(cfg[0].module_count, 3);
	CHECK_STR(cfg[0].modules[0], "m1");
	CHECK_STR(cfg[0].modules[1], "m2");
	CHECK_STR(cfg[0].modules[2], "m3");
}

/* It is an error to name more than 8 modules, or an empty name. */
TEST(vmm_config_bad_modules_are_refused)
{
	CHECK_EQ(parse("guest a kernel=k modules=1,2,3,4,5,6,7,8\n"), 1);
	CHECK_EQ(parse("guest a kernel=k modules=1,2,3,4,5,6,7,8,9\n"), -1);
	CHECK_STR(err, "vmm.cfg: line 1: option 'modules': more than 8 modules in '1,2,3,4,5,6,7,8,9'");
	CHECK_EQ(parse("guest a kernel=k modules=a,,b\n"), -1);
	CHECK_STR(err, "vmm.cfg: line 1: option 'modules': "
		       "'a,,b' is not a list of names of 1 to 47 characters");
	CHECK_EQ(parse("guest a kernel=k modules=\n"), -1);
}

/* It is an error to give a command line, modules or an initrd to a guest that is no kernel. */
TEST(vmm_config_cmdline_needs_a_kernel)
{
	CHECK_REFUSED("guest a module=m mode=protected cmdline=x\n",
		      "vmm.cfg: line 1: options 'cmdline', 'modules' and 'initrd' are for kernels (kernel=)");
	CHECK_EQ(parse("guest a module=m modules=x\n"), -1);
	CHECK_REFUSED("guest a module=m initrd=x\n",
		      "vmm.cfg: line 1: options 'cmdline', 'modules' and 'initrd' are for kernels (kernel=)");
	CHECK_EQ(parse("guest a module=m mode=multiboot modules=x\n"), 1);
}

/* A Linux kernel's line: the kernel, its initrd and command line. */
TEST(vmm_config_linux_kernel_initrd)
{
	CHECK_EQ(parse("guest linux kernel=vmlinuz initrd=initrd.cpio cmdline=\"console=ttyS0 quiet\" "
		       "memory=256M pages=2M\n"), 1);
	CHECK_STR(cfg[0].module, "vmlinuz");
	CHECK_STR(cfg[0].initrd, "initrd.cpio");
	CHECK_STR(cfg[0].cmdline, "console=ttyS0 quiet");
	CHECK_EQ(cfg[0].mode, MODE_MULTIBOOT);
	CHECK_EQ(parse("guest linux kernel=vmlinuz\n"), 1);
	CHECK_STR(cfg[0].initrd, "");
}

/* test=console waits for expect= on the guest's console: each needs the other. */
TEST(vmm_config_test_console_expect)
{
	CHECK_EQ(parse("guest l kernel=k test=console expect=\"Linux version \"\n"), 1);
	CHECK_EQ(cfg[0].test, TEST_CONSOLE);
	CHECK_STR(cfg[0].expect, "Linux version ");
	CHECK_REFUSED("guest l kernel=k test=console\n",
		      "vmm.cfg: line 1: options 'test=console' and 'expect' go together");
	CHECK_REFUSED("guest l kernel=k expect=x\n",
		      "vmm.cfg: line 1: options 'test=console' and 'expect' go together");
	CHECK_REFUSED("guest l kernel=k test=console expect=\n",
		      "vmm.cfg: line 1: option 'expect': needs 1 to 63 characters");
}

/* It is an error to give both modules= and initrd=, or an empty initrd=. */
TEST(vmm_config_initrd_refusals)
{
	CHECK_REFUSED("guest a kernel=k modules=m initrd=i\n",
		      "vmm.cfg: line 1: options 'modules' (a Multiboot kernel's) "
		      "and 'initrd' (a Linux one's): not both");
	CHECK_REFUSED("guest a kernel=k initrd=\n",
		      "vmm.cfg: line 1: option 'initrd': '' is not a module name of 1 to 47 characters");
}

/* It is an error for RAM from 0 to reach the devices below 4 GiB. */
TEST(vmm_config_memory_below_the_device_hole)
{
	CHECK_EQ(parse("guest a memory=4075M\nguest b memory=3G pages=1G\n"), 2);
	CHECK_EQ(cfg[0].memory, 0xfeb00000ULL);
	CHECK_EQ(parse("guest a memory=4076M\n"), -1);
	CHECK_STR(err, "vmm.cfg: line 1: option 'memory': "
		       "reaches the devices at 0xfeb00000: at most 4075M");
	CHECK_EQ(parse("guest a memory=4G pages=1G\n"), -1);
	CHECK_EQ(parse("guest a memory=65536K\n"), 1);
	CHECK_EQ(cfg[0].memory, 64 << 20);
}

TEST(vmm_config_test_refused)
{
	CHECK_EQ(parse("guest a kernel=k test=refused\n"), 1);
	CHECK_EQ(cfg[0].test, TEST_REFUSED);
}

/* What kvm-unit-tests' guests use: test=debug-exit, a time limit, and running alone for figures. */
TEST(vmm_config_debug_exit_timeout_alone)
{
	CHECK_EQ(parse("guest a kernel=k test=debug-exit timeout=90 alone\nguest b kernel=k\n"), 2);
	CHECK_EQ(cfg[0].test, TEST_DEBUG_EXIT);
	CHECK_EQ(cfg[0].timeout_s, 90);
	CHECK(cfg[0].alone);
	CHECK_EQ(cfg[1].timeout_s, 0); /* no limit by default */
	CHECK(!cfg[1].alone);
	CHECK_EQ(parse("guest a timeout=soon\n"), -1);
	CHECK_EQ(parse("guest a kernel=k x2apic=off\nguest b kernel=k\n"), 2);
	CHECK(cfg[0].no_x2apic && !cfg[1].no_x2apic);
	CHECK_EQ(parse("guest a x2apic=on\n"), -1); /* on is the default: only off is a setting */
	CHECK_EQ(parse("guest a kernel=k vendor=amd\nguest b kernel=k\n"), 2);
	CHECK(cfg[0].vendor_amd && !cfg[1].vendor_amd);
}

/* It is an error for a module name not to fit (47 characters). */
TEST(vmm_config_long_kernel_name_is_refused)
{
	char line[128] = "guest a kernel=";
	memset(line + strlen(line), 'k', 48);
	CHECK_EQ(parse(line), -1);
	CHECK(strncmp(err, "vmm.cfg: line 1: option 'kernel': 'kkk", 38) == 0);
}

/* It is an error for a guest's name to be longer than a word may be. */
TEST(vmm_config_overlong_name_is_refused)
{
	char line[400] = "guest ";
	memset(line + strlen(line), 'n', 300);
	CHECK_EQ(parse(line), -1);
	CHECK_STR(err, "vmm.cfg: line 1: expected 'guest NAME ...'");
}

TEST(vmm_config_restarts_and_poweroff)
{
	CHECK_EQ(parse("guest a kernel=k restarts=3 test=poweroff\nguest b kernel=k\n"), 2);
	CHECK_EQ(cfg[0].max_restarts, 3);
	CHECK_EQ(cfg[0].test, TEST_POWEROFF);
	CHECK_EQ(cfg[1].max_restarts, 0); /* a reset stops a guest by default */
	CHECK_EQ(parse("guest a restarts=often\n"), -1);
	CHECK_EQ(parse("guest a test=off\n"), -1);
}

/* on-fault= says what a triple fault does: stop (the default) or restart, restarts= times. */
TEST(vmm_config_on_fault)
{
	CHECK_EQ(parse("guest a on-fault=restart restarts=2\nguest b\n"), 2);
	CHECK_EQ(cfg[0].on_fault, ON_FAULT_RESTART);
	CHECK_EQ(cfg[0].max_restarts, 2);
	CHECK_EQ(cfg[1].on_fault, ON_FAULT_STOP); /* a triple fault stops a guest by default */
	CHECK_EQ(parse("guest a on-fault=stop\n"), 1);
	CHECK_EQ(cfg[0].on_fault, ON_FAULT_STOP);
}

/* It is an error to restart on a fault without saying how often, or to name another policy. */
TEST(vmm_config_bad_on_fault_is_refused)
{
	CHECK_REFUSED("guest a on-fault=restart\n", "vmm.cfg: line 1: option 'on-fault=restart' "
						    "needs 'restarts=N' (how often, at least 1)");
	CHECK_REFUSED("guest a on-fault=restart restarts=0\n",
		      "vmm.cfg: line 1: option 'on-fault=restart' needs 'restarts=N' (how often, at "
		      "least 1)");
	CHECK_REFUSED("guest a on-fault=reboot\n",
		      "vmm.cfg: line 1: option 'on-fault': 'reboot' is not one of stop, restart");
}

/* crash-vmm-after=MS (a test's) is milliseconds; 0, the default, is never. */
TEST(vmm_config_crash_vmm_after)
{
	CHECK_EQ(parse("guest a crash-vmm-after=500\nguest b\n"), 2);
	CHECK_EQ(cfg[0].crash_vmm_ms, 500);
	CHECK_EQ(cfg[1].crash_vmm_ms, 0);
	CHECK_REFUSED("guest a crash-vmm-after=soon\n",
		      "vmm.cfg: line 1: option 'crash-vmm-after': 'soon' is not a number");
}

/*
 * crash-vmm-by= says which thread crashes: the first (main, as without
 * it), a vCPU thread, or the first by a message to its fault endpoint; it
 * is an error to give it without crash-vmm-after= or with another word.
 */
TEST(vmm_config_crash_vmm_by)
{
	CHECK_EQ(parse("guest a crash-vmm-after=5 crash-vmm-by=vcpu\n"
		       "guest b crash-vmm-after=5 crash-vmm-by=message\n"), 2);
	CHECK_EQ(cfg[0].crash_by, CRASH_BY_VCPU);
	CHECK_EQ(cfg[1].crash_by, CRASH_BY_MESSAGE);
	CHECK_EQ(parse("guest c crash-vmm-after=5 crash-vmm-by=main\nguest d crash-vmm-after=5\n"), 2);
	CHECK_EQ(cfg[0].crash_by, CRASH_BY_MAIN);
	CHECK_EQ(cfg[1].crash_by, CRASH_BY_DEFAULT);
	CHECK(strcmp(crash_by_name(CRASH_BY_VCPU), "vcpu") == 0);
	CHECK_REFUSED("guest a crash-vmm-by=vcpu\n",
		      "vmm.cfg: line 1: option 'crash-vmm-by' needs 'crash-vmm-after=MS' (when)");
	CHECK_REFUSED("guest a crash-vmm-after=5 crash-vmm-by=irq\n",
		      "vmm.cfg: line 1: option 'crash-vmm-by': 'irq' is not one of main, vcpu, message");
}

/* Every error names the configuration's module, the line and the option. */
TEST(vmm_config_errors_name_file_line_and_option)
{
	CHECK_EQ(guest_config_parse("vmm_a.cfg", "# guests\n\nguest a memroy=64M\n", 29, cfg, 2, err,
				    sizeof(err)), -1);
	CHECK_STR(err, "vmm_a.cfg: line 3: option 'memroy': unknown");
	CHECK_REFUSED("guest a\nguest b colour\n", "vmm.cfg: line 2: option 'colour': unknown");
	CHECK_REFUSED("guest a memory=64X\n",
		      "vmm.cfg: line 1: option 'memory': "
		      "'64X' is not a size (bytes, or a number with K, M or G)");
	CHECK_REFUSED("guest a memory=6000\n",
		      "vmm.cfg: line 1: option 'memory': '6000' is not a non-zero multiple of 4K");
	CHECK_REFUSED("guest a memory=3M pages=2M\n",
		      "vmm.cfg: line 1: option 'memory': not whole pages of pages=");
	CHECK_REFUSED("guest a pages=3M\n",
		      "vmm.cfg: line 1: option 'pages': '3M' is not one of 4K, 2M, 1G");
	CHECK_REFUSED("guest a mode=long\n",
		      "vmm.cfg: line 1: option 'mode': 'long' is not one of realmode, protected, multiboot");
	CHECK_REFUSED("guest a timeout=soon\n",
		      "vmm.cfg: line 1: option 'timeout': 'soon' is not a number");
	CHECK_REFUSED("guest a x2apic=on\n",
		      "vmm.cfg: line 1: option 'x2apic': 'on' is not off (on is the default)");
	CHECK_REFUSED("guest a vendor=intel\n",
		      "vmm.cfg: line 1: option 'vendor': 'intel' is not amd (the CPU's own vendor is the default)");
}

/* It is an error to give a bare option a value, or a valued one none. */
TEST(vmm_config_value_or_none)
{
	CHECK_REFUSED("guest a disk=yes\n", "vmm.cfg: line 1: option 'disk': takes no value");
	CHECK_REFUSED("guest a memory\n", "vmm.cfg: line 1: option 'memory': needs a value");
	CHECK_REFUSED("guest a kernel\n", "vmm.cfg: line 1: option 'kernel': needs a value");
}

/* It is an error to configure more guests than the VMM runs. */
TEST(vmm_config_too_many_guests)
{
	CHECK_REFUSED("guest a\nguest b\nguest c\n", "vmm.cfg: line 3: more than 2 guests");
}
