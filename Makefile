# Build, run and test the microkernel.  `make help` lists the targets.
#
# CROSS is the toolchain prefix: the host's gcc and binutils build a
# freestanding x86-64 kernel; a user with an x86_64-elf- toolchain sets
# CROSS=x86_64-elf-.

CROSS   ?=
CC      := $(CROSS)gcc
LD      := $(CROSS)ld
NM      := $(CROSS)nm
HOSTCC  ?= gcc
BUILD   ?= build
EMU     ?= qemu
KARGS   ?= loglevel=info
V       ?= @
# yes: `make` and `make test` take in Debian's Linux kernel (mk/linux.mk),
# fetched from Debian's archive.
LINUX   ?= yes
# make debug's gdb port, one per user as several may share a machine.
GDBPORT ?= $(shell echo $$((26000 + $$(id -u) % 5000)))

WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
KCFLAGS := -std=gnu11 -O2 -g $(WARN) -ffreestanding -fno-stack-protector -fno-pic \
	   -mno-red-zone -mcmodel=kernel -mgeneral-regs-only -fno-omit-frame-pointer \
	   -fno-asynchronous-unwind-tables -Ikernel -Ilib/include -MMD -MP
KLDFLAGS := -nostdlib -z max-page-size=0x1000 -T kernel/kernel.ld

KSRCS := $(wildcard kernel/*.c) $(wildcard kernel/*.S) lib/fmt.c lib/string.c lib/elf.c lib/ring.c

# User programs: each directory below is one program, build/prog/NAME.elf,
# linked with the user runtime in lib/user/ and the shared lib/ code.
UCFLAGS := -std=gnu11 -O2 -g $(WARN) -ffreestanding -fno-stack-protector -fno-pic -fno-pie \
	   -mno-red-zone -mgeneral-regs-only -fno-omit-frame-pointer \
	   -fno-asynchronous-unwind-tables -Ilib/include -MMD -MP
ULDFLAGS := -nostdlib -static -no-pie -z max-page-size=0x1000 -z noexecstack -T lib/user/user.ld
PROGRAM_DIRS := $(wildcard servers/root servers/echo servers/vmm servers/drivers/ata \
	servers/drivers/serial servers/drivers/kbd tests/user/suite tests/user/fuzz tests/user/disk \
	tests/user/serialtest tests/user/kbdtest) $(wildcard labs/*/lab_*)
LIBUSER_SRCS := $(wildcard lib/user/*.c lib/user/*.S) lib/fmt.c lib/string.c lib/elf.c lib/ring.c \
		lib/x86decode.c lib/x86alu.c
LIBUSER_OBJS := $(patsubst %,$(BUILD)/user/%.o,$(LIBUSER_SRCS))
PROGRAMS := $(foreach d,$(PROGRAM_DIRS),$(BUILD)/prog/$(notdir $(d)).elf)

# Pure logic that also builds for the host and is unit-tested there.  The kernel
# files among it call into files that need the processor; tests/unit/khost.c
# stands in for those.
UNIT_SRCS := lib/fmt.c kernel/cmdline.c kernel/multiboot2.c kernel/pmm.c kernel/ksyms.c kernel/fwtables.c \
	     kernel/pagetable.c kernel/cap.c kernel/untyped.c kernel/gpa_space.c kernel/vcpu_check.c kernel/vcpu_bind.c \
	     kernel/frame.c kernel/ioport.c kernel/timeout.c \
	     $(wildcard lib/elf.c lib/x86decode.c lib/x86alu.c servers/root/config.c \
		servers/vmm/uart16550.c servers/vmm/pic8259.c servers/vmm/pit8254.c servers/vmm/ide.c \
		servers/vmm/vlapic.c servers/vmm/config.c servers/vmm/fwcfg.c servers/vmm/loader.c servers/vmm/bzimage.c servers/vmm/gwalk.c \
		servers/vmm/ioapic.c servers/vmm/acpi.c servers/vmm/rtc.c servers/vmm/i8042.c servers/vmm/bios.c servers/vmm/pvclock.c servers/vmm/exitstats.c servers/vmm/pcmap.c \
		servers/drivers/serial/input.c servers/drivers/serial/output.c servers/drivers/ata/request.c \
		lib/ring.c)
UNIT_TESTS := $(wildcard tests/unit/*.c)

.PHONY: FORCE programs listings all iso bench grade fuzz fuzz-coverage run run-bochs test debug deps deps-check clean help compile_commands.json
all: $(BUILD)/kernel.elf iso listings $(if $(filter yes,$(LINUX)),linux)

help:
	@echo "make            build the kernel and the ISO ($(BUILD)/os.iso), and fetch and"
	@echo "                prepare Debian's Linux kernel (docs/linux.md)"
	@echo "make run        boot the system with a guest in QEMU (KVM if the host has it; else"
	@echo "                emulated, guests on AMD SVM); EMU=bochs for Bochs; serial console here"
	@echo "make run-bochs  boot the ISO in Bochs, serial console on this terminal"
	@echo "make run GUEST=FILE [GUEST_ARGS=\"...\"] [GUEST_MEM=64M] [GUEST_INITRD=FILE]"
	@echo "                [GUEST_VCPUS=N]"
	@echo "                your own kernel (Multiboot or a Linux bzImage) as the VMM's"
	@echo "                guest; also make iso GUEST=..., make run-bochs GUEST=..."
	@echo "make run CONFIG=FILE  the system a partition configuration describes (also make iso"
	@echo "                CONFIG=..., make run-bochs CONFIG=...; docs/partitions.md)"
	@echo "make run-partitions  two Linux partitions and a bare-metal one (iso/partitions.cfg)"
	@echo "make test       host unit tests + boot tests in QEMU and Bochs"
	@echo "make fuzz       the syscall fuzzer in QEMU (SEED=N replays a run; EMU=bochs)"
	@echo "make fuzz-coverage  the share of each kernel file's lines the fuzzer reaches"
	@echo "make bench      benchmarks (instruction counts) under Bochs and QEMU -icount"
	@echo "make run-linux  Debian's Linux kernel booted natively to a busybox shell (docs/linux.md)"
	@echo "make linux-bootcount  its instructions from entry to /init, Bochs and QEMU -icount"
	@echo "make debug      make run's machine in QEMU, waiting for gdb on port $(GDBPORT);"
	@echo "                then: gdb -x $(BUILD)/gdbinit (docs/debugging.md)"
	@echo "make listings   $(BUILD)/kernel.asm, kernel.sym, prog/NAME.asm, NAME.sym (also in make)"
	@echo "make grade LAB=NAME  grade your work on a lab (labs/README.md)"
	@echo "make deps       install the Debian packages the project needs"
	@echo "make clean      remove $(BUILD)/"
	@echo "Variables (make VAR=VALUE ...):"
	@echo "  BUILD=DIR     where everything is built (default build)"
	@echo "  LINUX=no      leaves Debian's Linux kernel (fetched from Debian's archive) out"
	@echo "  KARGS=\"...\"   the kernel command line (default loglevel=info; README.md)"
	@echo "  EMU=bochs     make run, make fuzz in Bochs instead of QEMU"
	@echo "  QEMU_EXTRA=\"...\"  more QEMU flags (tools/emu.sh), e.g. -icount shift=7"
	@echo "  GUEST=FILE GUEST_ARGS=\"...\" GUEST_MEM=64M GUEST_INITRD=FILE GUEST_VCPUS=N"
	@echo "                your kernel as the VMM's guest, its command line, memory,"
	@echo "                initrd and vCPUs (docs/vmm.md)"
	@echo "  CONFIG=FILE   a partition configuration as the system (docs/partitions.md)"
	@echo "  CROSS=PREFIX  toolchain prefix, e.g. x86_64-elf-"
	@echo "  SEED=N        make fuzz replays seed N; FUZZ_CALLS=N calls per run (200000)"
	@echo "  LAB=NAME      the lab make grade grades (labs/README.md)"
	@echo "  GDBPORT=N     make debug's gdb port (default 26000 + uid % 5000: $(GDBPORT))"
	@echo "  V=            print the build's commands in full"

# --- kernel ------------------------------------------------------------------

# The measurement kernel: the same sources built with MEASURE_DEFS, for the
# test images whose guests measure the in-kernel baseline (make bench's
# vmexit_kernel_baseline_instructions).  With MEASURE_KERNEL_CPUID the
# kernel answers CPUID itself for a vCPU configured with VCPU_KERNEL_CPUID;
# the shipped kernel ($(BUILD)/kernel.elf) refuses the flag and has no such
# branch on its exit paths (docs/testing.md).
MEASURE := $(BUILD)/measure
MEASURE_DEFS := -DMEASURE_KERNEL_CPUID
$(MEASURE)/%.o: KCFLAGS += $(MEASURE_DEFS)

# kernel_build DIR: DIR/kernel.elf from the objects under DIR.
#
# The kernel symbolizes its own backtraces.  It is linked twice: first with
# an empty symbol table, then with the table made from the first link.  The
# table sits after the code, so no function moves; the check below proves it.
define kernel_build
$(1)/%.c.o: %.c
	@mkdir -p $$(dir $$@)
	@echo "  CC      $$<"
	$$(V)$$(CC) $$(KCFLAGS) -c $$< -o $$@

$(1)/%.S.o: %.S
	@mkdir -p $$(dir $$@)
	@echo "  AS      $$<"
	$$(V)$$(CC) $$(KCFLAGS) -c $$< -o $$@

# The IPC fast path never returns to a caller, so frame pointers buy nothing there.
$(1)/kernel/fastpath.c.o: KCFLAGS += -fomit-frame-pointer

$(1)/kernel.stage1.elf: $(patsubst %,$(1)/%.o,$(KSRCS)) $(1)/ksyms-empty.o kernel/kernel.ld
	$$(V)$$(LD) $$(KLDFLAGS) -o $$@ $$(filter %.o,$$^)

$(1)/ksyms-empty.S:
	@mkdir -p $(1)
	$$(V)kernel/ksyms-gen.sh /dev/null > $$@

$(1)/ksyms.S: $(1)/kernel.stage1.elf kernel/ksyms-gen.sh
	$$(V)$$(NM) -n --defined-only $$< | kernel/ksyms-gen.sh - > $$@

$(1)/ksyms.o $(1)/ksyms-empty.o: %.o: %.S
	$$(V)$$(CC) $$(KCFLAGS) -c $$< -o $$@

$(1)/kernel.elf: $(patsubst %,$(1)/%.o,$(KSRCS)) $(1)/ksyms.o kernel/kernel.ld
	@echo "  LD      $$@"
	$$(V)$$(LD) $$(KLDFLAGS) -o $$@ $$(filter %.o,$$^)
	$$(V)$$(NM) -n $(1)/kernel.stage1.elf | grep -i ' t ' > $(1)/text1.sym
	$$(V)$$(NM) -n $$@ | grep -i ' t ' > $(1)/text2.sym
	$$(V)cmp -s $(1)/text1.sym $(1)/text2.sym || \
		{ echo "$$@: functions moved between the two links"; rm -f $$@; exit 1; }
endef
$(eval $(call kernel_build,$(BUILD)))
$(eval $(call kernel_build,$(MEASURE)))

# --- user programs -------------------------------------------------------------

$(BUILD)/user/%.c.o: %.c
	@mkdir -p $(dir $@)
	@echo "  UCC     $<"
	$(V)$(CC) $(UCFLAGS) -c $< -o $@

$(BUILD)/user/%.S.o: %.S
	@mkdir -p $(dir $@)
	@echo "  UAS     $<"
	$(V)$(CC) $(UCFLAGS) -c $< -o $@

define program
$(BUILD)/prog/$(notdir $(1)).elf: $(patsubst %,$(BUILD)/user/%.o,$(wildcard $(1)/*.c $(1)/*.S)) \
		$(LIBUSER_OBJS) lib/user/user.ld
	@mkdir -p $$(dir $$@)
	@echo "  ULD     $$@"
	$(V)$(LD) $(ULDFLAGS) -o $$@ $$(filter %.o,$$^)
endef
$(foreach d,$(PROGRAM_DIRS),$(eval $(call program,$(d))))

programs: $(PROGRAMS)

# Listings to read beside gdb: disassembly with the source (objdump -d -S)
# and symbols by address (nm -n), for the kernel and every program.
OBJDUMP := $(CROSS)objdump
LISTINGS := $(foreach e,$(BUILD)/kernel.elf $(PROGRAMS),$(e:.elf=.asm) $(e:.elf=.sym))
listings: $(LISTINGS)
%.asm: %.elf
	$(V)$(OBJDUMP) -d -S $< > $@
%.sym: %.elf
	$(V)$(NM) -n $< > $@

# --- ISO images --------------------------------------------------------------

iso: $(BUILD)/os.iso

# Test guests: flat binaries, each linked at the address its first line names;
# a first line with elf=32 or elf=64 makes an ELF32 or ELF64 executable instead.
# A lab's guests (labs/NAME/guest/*.S) are built the same way, with
# tests/guests/ on the include path.
GUEST_SRCS := $(wildcard tests/guests/*.S labs/*/guest/*.S)
GUESTS := $(patsubst %.S,$(BUILD)/guests/%.bin,$(notdir $(GUEST_SRCS)))
vpath %.S tests/guests $(sort $(dir $(wildcard labs/*/guest/*.S)))
guest_line = $$(sed -n '1s/.*$(1)=\([0-9A-Fa-fx]*\).*/\1/p' $<)
$(BUILD)/guests/%.bin: %.S tests/guests/guest.h tests/guests/mbcheck.h tests/guests/bench.h \
		tests/guests/ata.h tests/guests/ticker.h $(wildcard labs/*/guest/*.h)
	@mkdir -p $(dir $@)
	@echo "  GUEST   $<"
	$(V)case "$(call guest_line,elf)" in \
	64) $(CC) -Itests/guests -c -o $(@:.bin=.o) $< && \
	    $(LD) -m elf_x86_64 -z max-page-size=0x1000 -z noexecstack \
		-Ttext=$(call guest_line,load) -e start -o $@ $(@:.bin=.o) ;; \
	32) $(CC) -m32 -Itests/guests -c -o $(@:.bin=.o) $< && \
	    $(LD) -m elf_i386 -z max-page-size=0x1000 -z noexecstack \
		-Ttext=$(call guest_line,load) -e start -o $@ $(@:.bin=.o) ;; \
	*)  $(CC) -m32 -Itests/guests -c -o $(@:.bin=.o) $< && \
	    $(LD) -m elf_i386 -Ttext=$(call guest_line,load) --oformat binary -e start \
		-o $@ $(@:.bin=.o) ;; \
	esac

# The Multiboot ELF guests' first module (tests/guests/mbcheck.h): 5000
# bytes, byte i being 'A' + i % 26.
$(BUILD)/guests/mb_module.bin:
	@mkdir -p $(dir $@)
	$(V)yes ABCDEFGHIJKLMNOPQRSTUVWXYZ | tr -d '\n' | head -c 5000 > $@

# Modules "guest_NAME" for every test guest, for the VMM to find by name.
GUEST_MODULES := $(foreach g,$(GUESTS) $(BUILD)/guests/mb_module.bin,$(g):guest_$(basename $(notdir $(g))))

# The files of a list of boot modules (FILE:NAME each).
module_files = $(foreach m,$(1),$(firstword $(subst :, ,$(m))))

# The system: the root task starts the servers iso/system.cfg names; the VMM
# runs the guests iso/vmm.cfg names.  With LINUX=yes Debian's kernel is the
# VMM's main guest (iso/system-linux.cfg, iso/vmm-linux.cfg), with the
# machine's disk, an ext2 image, as its own.  With GUEST=FILE the user's
# kernel is the VMM's only guest (below).
ifeq ($(LINUX),yes)
SYSTEM_CFG := iso/system-linux.cfg
VMM_CFG := iso/vmm-linux.cfg
SYSTEM_GUESTS := $(BUILD)/linux/vmlinuz:vmlinuz $(BUILD)/linux/initramfs.gz:initrd
RUN_DISK := $(BUILD)/linux-disk.img
RUN_MEGS := 512
else
SYSTEM_CFG := iso/system.cfg
VMM_CFG := iso/vmm.cfg
SYSTEM_GUESTS := $(BUILD)/guests/disk.bin:guest_disk
RUN_DISK := $(BUILD)/disk.img
RUN_MEGS := 128
endif
SYSTEM_GUESTS := $(BUILD)/guests/greeting.bin:guest_greeting $(BUILD)/guests/console.bin:guest_console \
	$(SYSTEM_GUESTS)
# The machine's processors (tools/emu.sh's EMU_CPUS; a CONFIG's machine cpus=).
RUN_CPUS := $(or $(EMU_CPUS),1)

# Running one's own kernel (docs/vmm.md, "Running your own kernel"):
#   make iso|run|run-bochs GUEST=FILE [GUEST_ARGS="..."] [GUEST_MEM=64M]
#                         [GUEST_INITRD=FILE] [GUEST_VCPUS=N]
# FILE, a Multiboot (v1) kernel or a Linux bzImage, is the VMM's one guest;
# tools/guest-config.sh checks it and writes the system as a partition
# configuration, $(GUEST_DIR)/partitions.cfg, which is then built as
# CONFIG= is: the ISO depends on the files, so a changed kernel remakes it.
GUEST_MEM ?= 64M
GUEST_VCPUS ?= 1
GUEST_DIR := $(BUILD)/guest
# make cannot name a file with blanks in a rule, nor ':' (mkiso.sh's
# FILE:NAME) or a pattern character: such a path is refused here, not
# mangled later.
PATH_CHARS := a b c d e f g h i j k l m n o p q r s t u v w x y z \
	A B C D E F G H I J K L M N O P Q R S T U V W X Y Z 0 1 2 3 4 5 6 7 8 9 . _ / + @ -
# What is left of $(1) once every character of the list $(2) is taken out.
list_rest = $(wordlist 2,$(words $(1)),$(1))
strip_chars = $(if $(2),$(call strip_chars,$(subst $(firstword $(2)),,$(1)),$(call list_rest,$(2))),$(1))
# Not empty unless $(1) is one word of PATH_CHARS alone.
odd_path = $(filter-out 1,$(words $(1)))$(strip $(call strip_chars,$(1),$(PATH_CHARS)))
# check_path VAR: stops make unless $(VAR) is such a path, naming a file.
check_path = $(if $(call odd_path,$(value $(1))), \
	$(error $(1)='$(value $(1))': only a path of letters, digits and . _ / + @ - is supported \
		(no blanks, no other characters); copy or link the file to such a path)) \
	$(if $(wildcard $(value $(1))),,$(error $(1)=$(value $(1)): no such file))
ifneq ($(GUEST),)
$(call check_path,GUEST)
$(if $(GUEST_INITRD),$(call check_path,GUEST_INITRD))
$(if $(filter 1 2 3 4,$(GUEST_VCPUS)),,$(error \
	GUEST_VCPUS=$(GUEST_VCPUS): a guest has 1 to 4 vCPUs))
$(if $(strip $(call strip_chars,$(GUEST_MEM),0 1 2 3 4 5 6 7 8 9 K M G)),$(error \
	GUEST_MEM=$(GUEST_MEM): not a size (64M, 1G, 65536K)))
$(if $(CONFIG),$(error CONFIG=$(CONFIG) and GUEST=$(GUEST) each describe the whole system; give one))
# The system GUEST= describes is a partition configuration, built as CONFIG= is (below).
CONFIG := $(GUEST_DIR)/partitions.cfg
GUEST_CONFIG := yes
else
$(foreach v,GUEST_ARGS GUEST_INITRD,$(if $(value $(v)),$(error $(v) is given without GUEST=FILE)))
endif

# A partition configuration (docs/partitions.md, "Configuration"):
#   make iso|run|run-bochs CONFIG=FILE
# tools/partitions.sh compiles FILE into the root's and each VMM's
# configuration and the boot modules' list, $(CONFIG_DIR)/deps.mk, which
# make reads (and remakes first when FILE, the tool or the settings
# changed); every file FILE names is a boot module, so a prerequisite of
# the ISO.
CONFIG_DIR := $(BUILD)/partitions
ifneq ($(CONFIG),)
$(if $(GUEST_CONFIG),,$(call check_path,CONFIG))
include $(CONFIG_DIR)/deps.mk
endif
$(CONFIG_DIR)/settings: FORCE
	$(V)$(shell mkdir -p $(CONFIG_DIR))$(file >$@.new,$(CONFIG) $(BUILD) $(notdir $(PROGRAM_DIRS)))
	$(V)cmp -s $@.new $@ && rm $@.new || mv $@.new $@
$(CONFIG_DIR)/deps.mk: $(CONFIG) tools/partitions.sh $(CONFIG_DIR)/settings
	@echo "  PART    $(CONFIG)"
	$(V)tools/partitions.sh $(CONFIG) $(CONFIG_DIR) $(BUILD) "$(notdir $(PROGRAM_DIRS))"

# The settings, GUEST_ARGS on a line of its own (written as it is, never
# through a shell's quoting): rewritten when they change, so that the
# configurations are remade then and only then.
GUEST_SETTINGS = $(GUEST) $(GUEST_INITRD) $(GUEST_MEM) $(GUEST_VCPUS)
$(GUEST_DIR)/settings: FORCE
	$(V)$(shell mkdir -p $(GUEST_DIR))$(file >$@.new,$(GUEST_SETTINGS))
	$(V)$(file >>$@.new,$(value GUEST_ARGS))
	$(V)cmp -s $@.new $@ && rm $@.new || mv $@.new $@
$(GUEST_DIR)/partitions.cfg: $(GUEST_DIR)/settings tools/guest-config.sh $(GUEST) $(GUEST_INITRD)
	@echo "  CFG     $@ (GUEST=$(GUEST))"
	$(V)tools/guest-config.sh $(GUEST_DIR) $(GUEST) "$(GUEST_INITRD)" $(GUEST_MEM) $(GUEST_VCPUS)

SYSTEM_MODULES := $(BUILD)/prog/root.elf:root $(SYSTEM_CFG):config $(BUILD)/prog/echo.elf:echo \
	$(BUILD)/prog/serial.elf:serial $(BUILD)/prog/ata.elf:ata $(BUILD)/prog/kbd.elf:kbd \
	$(BUILD)/prog/vmm.elf:vmm $(VMM_CFG):vmm.cfg $(SYSTEM_GUESTS)
ifneq ($(CONFIG),)
SYSTEM_MODULES := $(CONFIG_MODULES)
RUN_DISK := $(CONFIG_DISK)
# The machine: machine memory= if given; else the VMMs' and servers'
# untyped memory, twice the ISO (GRUB's copy of the modules and the
# kernel's) and 192 MiB for the rest, as for GUEST=.
RUN_MEGS = $(or $(CONFIG_MEGS),$$(($(CONFIG_UNTYPED_MIB) + 2 * $$(du -m --apparent-size \
	$(BUILD)/os.iso | cut -f1) + 192)))
# and its processors: machine cpus= if given (EMU_CPUS otherwise, as without CONFIG).
RUN_CPUS := $(or $(CONFIG_CPUS),$(RUN_CPUS))
endif

# The system's disk: made once, then kept (guests write to it).
$(BUILD)/disk.img:
	@mkdir -p $(BUILD)
	$(V)tests/user/disk/disk-image.sh $@ 2016
$(BUILD)/linux-disk.img:
	@mkdir -p $(BUILD)
	$(V)tests/boot/linux.disk $@
# iso/partitions.cfg's: a region of its own for each Linux partition.
$(BUILD)/partitions-disk.img:
	@mkdir -p $(BUILD)
	$(V)tests/boot/partitions.disk $@

# KARGS is the kernel command line, $(BUILD)/os-modules the list of boot
# modules (it changes with LINUX= and GUEST=); the ISO is remade when
# either changes, or any module's file.
$(BUILD)/os.iso: $(BUILD)/kernel.elf iso/mkiso.sh $(BUILD)/kargs $(BUILD)/os-modules $(PROGRAMS) \
		$(GUESTS) $(call module_files,$(SYSTEM_MODULES))
	$(V)iso/mkiso.sh $@ $(BUILD)/kernel.elf "$(KARGS)" $(SYSTEM_MODULES)

$(BUILD)/kargs: FORCE
	@mkdir -p $(BUILD)
	@echo "$(KARGS)" | cmp -s - $@ || echo "$(KARGS)" > $@

$(BUILD)/os-modules: FORCE
	@mkdir -p $(BUILD)
	@echo "$(SYSTEM_MODULES)" | cmp -s - $@ || echo "$(SYSTEM_MODULES)" > $@

FORCE:

# A test ISO is its boot modules, built with the kernel (or the kernel a
# third argument names) and the kernel options a fourth adds; its
# prerequisites are those files, so it is remade when any of them changes.
define test_iso
$(BUILD)/test-$(1).iso: $(or $(3),$(BUILD)/kernel.elf) iso/mkiso.sh $(call module_files,$(2))
	$$(V)iso/mkiso.sh $$@ $(or $(3),$(BUILD)/kernel.elf) "loglevel=info$(if $(4), $(4))" $(2)
endef

# The user-level test suite, started by the root task.
USER_TEST_MODULES := $(BUILD)/prog/root.elf:root tests/user/test.cfg:config \
	$(BUILD)/prog/echo.elf:echo $(BUILD)/prog/suite.elf:suite
$(eval $(call test_iso,user,$(USER_TEST_MODULES)))

# The syscall fuzzer (docs/testing.md).  Its seed is a boot module: a fresh
# random one for every run, or SEED=N to replay one.  FUZZ_CALLS calls under
# QEMU, FUZZ_BOCHS_CALLS under Bochs (with two CPUs, tests/boot/fuzz.bochs.cpus:
# 30,000 take about as long as 50,000 did on one).
FUZZ_CALLS ?= 200000
FUZZ_BOCHS_CALLS ?= 30000
$(BUILD)/fuzz-seed: FORCE
	@mkdir -p $(BUILD)
	@seed=$${SEED:-0x$$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')}; \
	echo "seed=$$seed calls=$(FUZZ_CALLS) bochs_calls=$(FUZZ_BOCHS_CALLS)" > $@
FUZZ_TEST_MODULES := $(BUILD)/prog/root.elf:root tests/fuzz/root.cfg:config \
	$(BUILD)/prog/fuzz.elf:fuzz $(BUILD)/fuzz-seed:fuzzseed
$(eval $(call test_iso,fuzz,$(FUZZ_TEST_MODULES)))

# The VMM and its test guests (tests/vm/): Bochs runs them on VMX and SVM, QEMU on SVM.
# The measurement kernel: tests/vm/vmm.cfg runs the in-kernel baseline guest.
# Its ISO holds the guests tests/vm/root.cfg gives the VMM, no others: the
# kernel takes at most 57 boot modules (MB2_MAX_MODULES).
comma := ,
VM_GUEST_NAMES := $(subst $(comma), ,$(shell grep -o 'modules=[^ ]*' tests/vm/root.cfg | cut -d= -f2))
VM_TEST_MODULES := $(BUILD)/prog/root.elf:root tests/vm/root.cfg:config \
	$(BUILD)/prog/vmm.elf:vmm tests/vm/vmm.cfg:vmm.cfg \
	$(filter $(addprefix %:,$(VM_GUEST_NAMES)),$(GUEST_MODULES))
$(eval $(call test_iso,vm,$(VM_TEST_MODULES),$(MEASURE)/kernel.elf))

# Debian's kernel as a guest of the VMM (tests/linuxvm/, docs/vmm.md "Loading a
# Linux kernel"), from the packages the linux work unpacks into $(BUILD)/linux
# (or LINUXVM_KERNEL=, LINUXVM_INITRD=).  Without them the suite is a skip.
LINUXVM_KERNEL ?= $(BUILD)/linux/vmlinuz
LINUXVM_INITRD ?= $(BUILD)/linux/initramfs.gz
LINUXVM_TEST_MODULES := $(BUILD)/prog/root.elf:root tests/linuxvm/root.cfg:config \
	$(BUILD)/prog/ata.elf:ata $(BUILD)/prog/vmm.elf:vmm tests/linuxvm/vmm.cfg:vmm.cfg \
	$(LINUXVM_KERNEL):vmlinuz $(LINUXVM_INITRD):initrd
$(eval $(call test_iso,linuxvm,$(LINUXVM_TEST_MODULES)))
.PHONY: test-linuxvm
test-linuxvm: $(if $(wildcard $(LINUXVM_KERNEL)),$(BUILD)/test-linuxvm.iso)
	$(V)if [ -f $(LINUXVM_KERNEL) ] && [ -f $(LINUXVM_INITRD) ]; then \
		QEMU_EXTRA="-icount shift=7" tests/boot/run-suite.sh qemu $(BUILD)/test-linuxvm.iso \
			linuxvm $(BUILD)/test-logs 1200; \
	else echo "skip 1 qemu:linuxvm:linux # no Debian kernel at $(LINUXVM_KERNEL)" \
		"and initramfs at $(LINUXVM_INITRD) (the linux packages' work fetches them)"; fi

# The same without the two background spinners, for Bochs's SVM: Bochs 2.7
# never ends an SVM guest's time slice while the guest keeps IF=0
# (docs/vm-exit-protocol.md), so a spinner would hold the CPU for ever.
$(BUILD)/vmm-nospin.cfg: tests/vm/vmm.cfg
	$(V)grep -v 'test=spin\|test=delete' $< > $@
$(eval $(call test_iso,vm-nospin,$(subst tests/vm/vmm.cfg:,$(BUILD)/vmm-nospin.cfg:,$(VM_TEST_MODULES)),$(MEASURE)/kernel.elf))

# The same guests with the VMM on CPU 1 and its vCPUs on CPU 0 (docs/smp.md):
# every exit and every reply crosses CPUs (suite vmsmp, 2 CPUs).  Without the
# spinners: a vCPU woken by a reply from the other CPU waits its turn behind
# the threads of its own priority there, and two spinners make each turn 40 ms.
# The guests of two vCPUs get one CPU each (cpus=0,1): their vCPUs run at once.
# All but pause, whose figure is how long a PAUSE wait holds the CPU that its
# other vCPU needs (pause_wait_held_instructions_cross_cpu): on two CPUs it
# would measure the other vCPU's work instead.
$(BUILD)/vmsmp-root.cfg: tests/vm/root.cfg
	$(V)sed 's/^server vmm /server vmm cpu=1 /' $< > $@
$(BUILD)/vmm-vmsmp.cfg: $(BUILD)/vmm-nospin.cfg
	$(V)sed '/^guest pause /!s/ vcpus=2/ vcpus=2 cpus=0,1/' $< > $@
$(eval $(call test_iso,vmsmp,$(subst tests/vm/root.cfg:,$(BUILD)/vmsmp-root.cfg:,$(subst tests/vm/vmm.cfg:,$(BUILD)/vmm-vmsmp.cfg:,$(VM_TEST_MODULES))),$(MEASURE)/kernel.elf))

# Large guests (tests/vmlarge/): a 1 GiB guest in 1 GiB pages and a 512 MiB
# one in 2 MiB pages, under QEMU; Bochs, with less memory, runs the 512 MiB
# one alone (vmlarge-512).
VMLARGE_TEST_MODULES := $(BUILD)/prog/root.elf:root tests/vmlarge/root.cfg:config \
	$(BUILD)/prog/vmm.elf:vmm tests/vmlarge/vmm.cfg:vmm.cfg $(BUILD)/guests/bigmem.bin:guest_bigmem
$(eval $(call test_iso,vmlarge,$(VMLARGE_TEST_MODULES)))
$(BUILD)/vmm-512.cfg: tests/vmlarge/vmm.cfg
	$(V)grep -v '^guest guest_1gib' $< > $@
$(eval $(call test_iso,vmlarge-512,$(subst tests/vmlarge/root.cfg:,tests/vmlarge/root-512.cfg:,$(subst tests/vmlarge/vmm.cfg:,$(BUILD)/vmm-512.cfg:,$(VMLARGE_TEST_MODULES)))))

# Driver servers (tests/drivers/): the ATA driver and its test client; the
# runner attaches a fresh disk image (tests/boot/drivers.disk).
DRIVER_TEST_MODULES := $(BUILD)/prog/root.elf:root tests/drivers/root.cfg:config \
	$(BUILD)/prog/ata.elf:ata $(BUILD)/prog/disk.elf:disk
$(eval $(call test_iso,drivers,$(DRIVER_TEST_MODULES)))

# Disk regions (tests/diskregion/): the same test program as two clients of
# the ATA driver, each confined by the root's disk= to 500 sectors of the
# runner's disk image (tests/boot/diskregion.disk).
DISKREGION_TEST_MODULES := $(BUILD)/prog/root.elf:root tests/diskregion/root.cfg:config \
	$(BUILD)/prog/ata.elf:ata $(BUILD)/prog/disk.elf:disk
$(eval $(call test_iso,diskregion,$(DISKREGION_TEST_MODULES)))

# The serial driver and its test client (tests/serial/): the runner types
# tests/boot/serial.input into COM1 when asked.
SERIAL_TEST_MODULES := $(BUILD)/prog/root.elf:root tests/serial/root.cfg:config \
	$(BUILD)/prog/serial.elf:serial $(BUILD)/prog/serialtest.elf:serialtest
$(eval $(call test_iso,serial,$(SERIAL_TEST_MODULES)))
# The same with ioapic=off: IRQ 4 through the 8259s (suite serial8259).
$(eval $(call test_iso,serial8259,$(SERIAL_TEST_MODULES),,ioapic=off))

# A guest console round trip (tests/console/): typed input reaches a guest
# through the serial driver and the VMM, and its echo comes back.
CONSOLE_TEST_MODULES := $(BUILD)/prog/root.elf:root tests/console/root.cfg:config \
	$(BUILD)/prog/serial.elf:serial $(BUILD)/prog/vmm.elf:vmm tests/console/vmm.cfg:vmm.cfg \
	$(BUILD)/guests/console.bin:guest_console $(BUILD)/guests/console_irq.bin:guest_console_irq \
	$(BUILD)/guests/console_hlt.bin:guest_console_hlt
$(eval $(call test_iso,console,$(CONSOLE_TEST_MODULES)))

# A guest disk (tests/guestdisk/): the guest's IDE disk is a model in the VMM
# whose sectors come from the ATA driver, and so from the runner's disk image;
# a second VMM's guest has a 100-sector region of it (disk=).
GUESTDISK_TEST_MODULES := $(BUILD)/prog/root.elf:root tests/guestdisk/root.cfg:config \
	$(BUILD)/prog/ata.elf:ata $(BUILD)/prog/vmm.elf:vmm tests/guestdisk/vmm.cfg:vmm.cfg \
	$(BUILD)/guests/disk.bin:guest_disk tests/guestdisk/vmm_region.cfg:vmm_region.cfg \
	$(BUILD)/guests/disk_region.bin:guest_disk_region
$(eval $(call test_iso,guestdisk,$(GUESTDISK_TEST_MODULES)))

# Console switching (tests/switch/): two VMMs share the serial driver; the
# runner types Ctrl-A 1 / Ctrl-A 2 to send each a line.
SWITCH_TEST_MODULES := $(BUILD)/prog/root.elf:root tests/switch/root.cfg:config \
	$(BUILD)/prog/serial.elf:serial $(BUILD)/prog/vmm.elf:vmm tests/switch/vmm_a.cfg:vmm_a.cfg \
	tests/switch/vmm_b.cfg:vmm_b.cfg $(BUILD)/guests/console.bin:guest_console
$(eval $(call test_iso,switch,$(SWITCH_TEST_MODULES)))

# CPU budgets (tests/budget/): two VMMs with budgets of 20 and 40 ms in every
# 100 ms, each with a guest that measures its share of the CPU.
BUDGET_TEST_MODULES := $(BUILD)/prog/root.elf:root tests/budget/root.cfg:config \
	$(BUILD)/prog/vmm.elf:vmm tests/budget/vmm_a.cfg:vmm_a.cfg tests/budget/vmm_b.cfg:vmm_b.cfg \
	$(BUILD)/guests/share.bin:guest_share
$(eval $(call test_iso,budget,$(BUDGET_TEST_MODULES)))

# Faults stay inside a partition (tests/partfault/): five VMMs share the
# serial driver; vmm_a crashes on purpose and is restarted, vmm_c crashes
# and stays stopped, vmm_d crashes in a vCPU thread and is restarted,
# vmm_e misuses its fault endpoint, vmm_b's guests tick on and triple-fault.
PARTFAULT_TEST_MODULES := $(BUILD)/prog/root.elf:root tests/partfault/root.cfg:config \
	$(BUILD)/prog/serial.elf:serial $(BUILD)/prog/vmm.elf:vmm \
	tests/partfault/vmm_a.cfg:vmm_a.cfg tests/partfault/vmm_b.cfg:vmm_b.cfg \
	tests/partfault/vmm_c.cfg:vmm_c.cfg tests/partfault/vmm_d.cfg:vmm_d.cfg \
	tests/partfault/vmm_e.cfg:vmm_e.cfg $(BUILD)/guests/ticker_a.bin:guest_ticker_a \
	$(BUILD)/guests/ticker_b.bin:guest_ticker_b $(BUILD)/guests/ticker_c.bin:guest_ticker_c \
	$(BUILD)/guests/ticker_d.bin:guest_ticker_d $(BUILD)/guests/ticker_e.bin:guest_ticker_e \
	$(BUILD)/guests/tf_once.bin:guest_tf_once $(BUILD)/guests/spin_pause.bin:guest_spin_pause
$(eval $(call test_iso,partfault,$(PARTFAULT_TEST_MODULES)))

# The keyboard driver and its test (tests/kbd/): the runner presses keys
# through QEMU's monitor or as a VNC viewer of Bochs's display.
KBD_TEST_MODULES := $(BUILD)/prog/root.elf:root tests/kbd/root.cfg:config \
	$(BUILD)/prog/kbd.elf:kbd $(BUILD)/prog/kbdtest.elf:kbdtest
$(eval $(call test_iso,kbd,$(KBD_TEST_MODULES)))

# The keyboard as a guest console (tests/kbdconsole/): the console test's
# guests, their lines typed as key presses (as for kbd).
KBDCONSOLE_TEST_MODULES := $(BUILD)/prog/root.elf:root tests/kbdconsole/root.cfg:config \
	$(BUILD)/prog/serial.elf:serial $(BUILD)/prog/kbd.elf:kbd $(BUILD)/prog/vmm.elf:vmm \
	tests/kbdconsole/vmm.cfg:vmm.cfg $(BUILD)/guests/console.bin:guest_console \
	$(BUILD)/guests/console_irq.bin:guest_console_irq $(BUILD)/guests/kbd_8042.bin:guest_kbd_8042
$(eval $(call test_iso,kbdconsole,$(KBDCONSOLE_TEST_MODULES)))

# kvm-unit-tests under the VMM (tests/kut/): built from the read-only copy
# KUT_SRC into $(BUILD)/kut (a run without it prints skip lines).  The ISO
# holds the root task, the VMM, its generated configuration and the test
# images (tests/kut/build.sh lists them in $(BUILD)/kut/modules).
KUT_SRC ?= ../shared/third-party/kvm-unit-tests
$(BUILD)/kut/modules: tests/kut/build.sh tests/kut/mkconfig.awk tests/kut/cases tests/kut/cases.bochs \
		tests/kut/cases.bochs-svm $(wildcard tests/boot/kut.*.cpus)
	@echo "  KUT     $(KUT_SRC)"
	$(V)tests/kut/build.sh $(KUT_SRC) $(BUILD)/kut
$(BUILD)/test-kut.iso: $(BUILD)/kernel.elf iso/mkiso.sh $(BUILD)/prog/root.elf $(BUILD)/prog/vmm.elf \
		$(BUILD)/kut/modules
	$(V)iso/mkiso.sh $@ $(BUILD)/kernel.elf "loglevel=info" $(BUILD)/prog/root.elf:root \
		$(BUILD)/prog/vmm.elf:vmm $$(cat $(BUILD)/kut/modules)
$(BUILD)/test-kut-bochs.iso: $(BUILD)/kernel.elf iso/mkiso.sh $(BUILD)/prog/root.elf \
		$(BUILD)/prog/vmm.elf $(BUILD)/kut/modules
	$(V)iso/mkiso.sh $@ $(BUILD)/kernel.elf "loglevel=info" $(BUILD)/prog/root.elf:root \
		$(BUILD)/prog/vmm.elf:vmm $$(cat $(BUILD)/kut/modules-bochs)
$(BUILD)/test-kut-bochs-svm.iso: $(BUILD)/kernel.elf iso/mkiso.sh $(BUILD)/prog/root.elf \
		$(BUILD)/prog/vmm.elf $(BUILD)/kut/modules
	$(V)iso/mkiso.sh $@ $(BUILD)/kernel.elf "loglevel=info" $(BUILD)/prog/root.elf:root \
		$(BUILD)/prog/vmm.elf:vmm $$(cat $(BUILD)/kut/modules-bochs-svm)
$(BUILD)/test-kutbench.iso: $(BUILD)/kernel.elf iso/mkiso.sh $(BUILD)/prog/root.elf \
		$(BUILD)/prog/vmm.elf $(BUILD)/kut/modules
	$(V)iso/mkiso.sh $@ $(BUILD)/kernel.elf "loglevel=info" $(BUILD)/prog/root.elf:root \
		$(BUILD)/prog/vmm.elf:vmm $$(cat $(BUILD)/kut/modules-bench)

# One ISO per in-kernel boot test suite: the suite is chosen on the kernel command line.
TEST_MODULES := tests/boot/hello.txt:hello
$(BUILD)/test-%.iso: $(BUILD)/kernel.elf iso/mkiso.sh $(firstword $(subst :, ,$(TEST_MODULES)))
	$(V)iso/mkiso.sh $@ $(BUILD)/kernel.elf "loglevel=info test=$*" $(TEST_MODULES)

# The smp suite twice more: cpus=1 keeps the APs stopped (suite smp1), and
# acpi=off finds them in the MP table (suite smpmp) (docs/smp.md).
$(BUILD)/test-smp1.iso: $(BUILD)/kernel.elf iso/mkiso.sh $(firstword $(subst :, ,$(TEST_MODULES)))
	$(V)iso/mkiso.sh $@ $(BUILD)/kernel.elf "loglevel=info test=smp cpus=1" $(TEST_MODULES)
$(BUILD)/test-smpmp.iso: $(BUILD)/kernel.elf iso/mkiso.sh $(firstword $(subst :, ,$(TEST_MODULES)))
	$(V)iso/mkiso.sh $@ $(BUILD)/kernel.elf "loglevel=info test=smp acpi=off" $(TEST_MODULES)

# Debian's Linux kernel: its packages, initramfs and native reference ISOs.
include mk/linux.mk

# --- running -----------------------------------------------------------------

run: deps-check $(BUILD)/os.iso $(RUN_DISK)
	DISK=$(RUN_DISK) EMU_MEGS=$(RUN_MEGS) EMU_CPUS=$(RUN_CPUS) tools/emu.sh $(EMU) $(BUILD)/os.iso

run-bochs: deps-check $(BUILD)/os.iso $(RUN_DISK)
	DISK=$(RUN_DISK) EMU_MEGS=$(RUN_MEGS) EMU_CPUS=$(RUN_CPUS) tools/emu.sh bochs $(BUILD)/os.iso

# Two Linux partitions and a bare-metal one side by side (iso/partitions.cfg).
PARTITIONS_CFG := iso/partitions.cfg
.PHONY: run-partitions
run-partitions:
	$(MAKE) run CONFIG=$(PARTITIONS_CFG)

# make run's machine (its ISO, disk and memory), stopped for gdb.  The gdbinit
# loads the kernel's symbols and tools/gdb/moat.py's commands for the
# servers (docs/debugging.md), and stops at kmain.
debug: deps-check $(BUILD)/os.iso $(RUN_DISK) $(PROGRAMS)
	$(V)tools/gdbinit.sh $(BUILD) $(GDBPORT) > $(BUILD)/gdbinit
	$(V)echo 'hbreak kmain' >> $(BUILD)/gdbinit
	@echo "QEMU waits for gdb on :$(GDBPORT); in another terminal: gdb -x $(BUILD)/gdbinit"
	DISK=$(RUN_DISK) EMU_MEGS=$(RUN_MEGS) EMU_CPUS=$(RUN_CPUS) GDBPORT=$(GDBPORT) tools/emu.sh qemu-gdb $(BUILD)/os.iso

deps:
	tools/deps.sh install

deps-check:
	@tools/deps.sh check

# --- tests -------------------------------------------------------------------

$(BUILD)/unit-tests: $(UNIT_TESTS) $(UNIT_SRCS) \
		$(wildcard tests/unit/*.h kernel/*.h lib/include/*.h lib/include/moat/*.h servers/*/*.h)
	@mkdir -p $(BUILD)
	@echo "  HOSTCC  $@"
	$(V)$(HOSTCC) -std=gnu11 -g -O1 $(WARN) -Wno-missing-prototypes -fsanitize=address,undefined \
		-Ikernel -Ilib/include -Iservers/vmm -Iservers/drivers/serial -Itests/unit $(UNIT_TESTS) $(UNIT_SRCS) -o $@

BOOT_SUITES := boot fault user fuzz vm vmsmp vmlarge drivers diskregion serial serial8259 console guestdisk switch partfault \
	kbd kbdconsole budget smp smp1 smpmp

# $(PROGRAMS) and $(GUESTS): tests/guestcmd.sh builds an ISO from them.
test: deps-check $(BUILD)/unit-tests $(patsubst %,$(BUILD)/test-%.iso,$(BOOT_SUITES)) \
		$(BUILD)/kernel.elf $(PROGRAMS) $(GUESTS) \
		$(BUILD)/test-vm-nospin.iso $(BUILD)/test-vmlarge-512.iso $(BUILD)/test-kut.iso \
		$(BUILD)/test-kut-bochs.iso $(BUILD)/test-kut-bochs-svm.iso \
		$(if $(filter yes,$(LINUX)),$(BUILD)/test-linux.iso $(BUILD)/test-linuxvm.iso)
	$(V)tests/run-all.sh $(BUILD)

# The fuzzer alone: make fuzz [SEED=N] [EMU=bochs] [FUZZ_CALLS=N]; the serial log
# is build/test-logs/fuzz-EMU.serial.log.  QEMU counts instructions, as in make
# test, so a seed replays the same run (FUZZ_QEMU= runs it on the host's clock).
FUZZ_QEMU ?= -icount shift=7
fuzz: deps-check $(BUILD)/test-fuzz.iso
	$(V)QEMU_EXTRA="$(FUZZ_QEMU)" tests/boot/run-suite.sh $(EMU) $(BUILD)/test-fuzz.iso fuzz \
		$(BUILD)/test-logs 600

# The share of each kernel file's lines the fuzzer reaches (docs/testing.md).
fuzz-coverage: deps-check $(BUILD)/test-fuzz.iso
	$(V)tools/fuzz-coverage.sh $(BUILD)

# Benchmarks: instruction counts under Bochs (exact) and QEMU -icount.
BENCH_ISOS := $(patsubst %,$(BUILD)/test-%.iso,user vm vm-nospin drivers serial vmlarge kutbench vmsmp)
# The figures also go to $(BUILD)/bench.txt, which the last step compares
# with README.md's (tools/bench-readme.sh).
bench: deps-check $(BENCH_ISOS) $(if $(filter yes,$(LINUX)),$(LINUX_BENCH_ISOS))
	$(V){ tools/bench.sh $(BENCH_ISOS) || echo "# tools/bench.sh failed"; \
	  $(if $(filter yes,$(LINUX)),tools/linux/bootcount.sh $(LINUX_BENCH_ISOS) || \
		echo "# tools/linux/bootcount.sh failed";) } | tee $(BUILD)/bench.txt
	$(V)tools/bench-readme.sh $(BUILD)/bench.txt README.md
	$(V)! grep -q '^# tools/.* failed$$' $(BUILD)/bench.txt

# --- labs ----------------------------------------------------------------------

# make grade LAB=NAME (labs/README.md): labs/NAME/grade.sh builds what its
# checks need in $(BUILD), boots it and grades; each lab's test program is a
# program directory labs/NAME/lab_*.
grade: deps-check
	$(V)labs/grade.sh "$(LAB)" $(BUILD)

compile_commands.json:
	bear -- $(MAKE) -B $(BUILD)/kernel.elf $(BUILD)/unit-tests

clean:
	rm -rf $(BUILD)

# (Not in $(LINUX_DIR): Debian's unpacked packages have directories named *.d.)
-include $(shell find $(BUILD) -path $(LINUX_DIR) -prune -o -type f -name "*.d" -print 2>/dev/null)
