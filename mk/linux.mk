# Debian's own Linux kernel as a guest (issue 15; docs/linux.md): its inputs
# and its native reference boot.  Included from the Makefile, where LINUX=no
# leaves it out of `make` and `make test`.
#
#   $(LINUX_DIR)/release          the kernel's release, once both packages are
#                                 fetched (tools/linux/fetch.sh) and unpacked
#   $(LINUX_DIR)/vmlinuz          the packaged bzImage
#   $(LINUX_DIR)/initramfs.gz     busybox, /init and the disk drivers
#   $(BUILD)/linux.iso            GRUB boots both natively: a shell (make run-linux)
#   $(BUILD)/test-linux.iso       the same running /init's checks (the linux suite)
#   $(BUILD)/linux-probe.iso      the same with the entry probe: the instruction
#                                 count at the kernel's entry (make linux-bootcount)

LINUX_DIR := $(BUILD)/linux
# The native reference's command line: the console and nothing about the
# hardware.  The test adds /init's own arguments (tools/linux/init.sh).
LINUX_ARGS ?= console=ttyS0
LINUX_TEST_ARGS := $(LINUX_ARGS) moat.test=1 moat.cpus=1

.PHONY: linux run-linux linux-bootcount
linux: $(BUILD)/linux.iso $(BUILD)/test-linux.iso

# Fetched again only when fetch.sh changes or the directory is gone; a
# new Debian point release is taken by removing $(LINUX_DIR).
$(LINUX_DIR)/release: tools/linux/fetch.sh
	@mkdir -p $(LINUX_DIR)
	$(V)tools/linux/fetch.sh $(LINUX_DIR)

$(LINUX_DIR)/vmlinuz: $(LINUX_DIR)/release
	$(V)cp $(LINUX_DIR)/root/boot/vmlinuz-$$(cat $<) $@

$(LINUX_DIR)/mkcpio: tools/linux/mkcpio.c
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	$(V)$(HOSTCC) -std=gnu11 -O2 $(WARN) -o $@ $<

# Runs inside the guest, which has no C library.
$(LINUX_DIR)/tsc: tools/linux/tsc.c
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	$(V)$(HOSTCC) -std=gnu11 -O2 $(WARN) -ffreestanding -fno-stack-protector -fno-pie \
		-static -nostdlib -no-pie -o $@ $<

$(LINUX_DIR)/initramfs.gz: $(LINUX_DIR)/release $(LINUX_DIR)/mkcpio $(LINUX_DIR)/tsc \
		tools/linux/mkinitramfs.sh tools/linux/init.sh
	@echo "  CPIO    $@"
	$(V)tools/linux/mkinitramfs.sh $(LINUX_DIR) $(LINUX_DIR)/mkcpio $(LINUX_DIR)/tsc $@

# The kernel with the entry probe over its first instructions: the
# protected-mode part starts after the boot sector and setup_sects (byte
# 0x1f1) sectors of setup code.
$(LINUX_DIR)/entry-probe.bin: tools/linux/entry-probe.S
	@mkdir -p $(dir $@)
	$(V)$(CC) -m32 -c -o $(@:.bin=.o) $<
	$(V)$(LD) -m elf_i386 -Ttext=0 --oformat binary -e start -o $@ $(@:.bin=.o)
$(LINUX_DIR)/vmlinuz-probe: $(LINUX_DIR)/vmlinuz $(LINUX_DIR)/entry-probe.bin
	$(V)cp $< $@.tmp
	$(V)setup=$$(od -An -tu1 -j 497 -N1 $< | tr -d ' '); \
	dd if=$(LINUX_DIR)/entry-probe.bin of=$@.tmp bs=512 seek=$$(($${setup:-4} + 1)) \
		conv=notrunc status=none
	$(V)mv $@.tmp $@

# The command line is part of an ISO: it is remade when it changes.
$(LINUX_DIR)/args: FORCE
	@mkdir -p $(LINUX_DIR)
	@echo "$(LINUX_ARGS)" | cmp -s - $@ || echo "$(LINUX_ARGS)" > $@

LINUX_ISO_DEPS := $(LINUX_DIR)/initramfs.gz tools/linux/mkiso.sh $(LINUX_DIR)/args
$(BUILD)/linux.iso: $(LINUX_DIR)/vmlinuz $(LINUX_ISO_DEPS)
	$(V)tools/linux/mkiso.sh $@ $< $(LINUX_DIR)/initramfs.gz "$(LINUX_ARGS)"
$(BUILD)/test-linux.iso: $(LINUX_DIR)/vmlinuz $(LINUX_ISO_DEPS)
	$(V)tools/linux/mkiso.sh $@ $< $(LINUX_DIR)/initramfs.gz "$(LINUX_TEST_ARGS)"
$(BUILD)/linux-probe.iso: $(LINUX_DIR)/vmlinuz-probe $(LINUX_ISO_DEPS)
	$(V)tools/linux/mkiso.sh $@ $< $(LINUX_DIR)/initramfs.gz "$(LINUX_TEST_ARGS)"

# The packaged kernel booted natively to a busybox shell on this terminal,
# with the linux suite's disk (made once, then kept) on /mnt.
$(LINUX_DIR)/disk.img:
	$(V)tests/boot/linux.disk $@
run-linux: deps-check $(BUILD)/linux.iso $(LINUX_DIR)/disk.img
	DISK=$(LINUX_DIR)/disk.img tools/emu.sh $(EMU) $(BUILD)/linux.iso

# The same kernel, initramfs and command line as the VMM's guest, stopped
# at /init's first line, its exits counted (the benchmark's guest side).
$(LINUX_DIR)/bench-vmm.cfg: $(LINUX_DIR)/args
	$(V)echo 'guest linux_boot kernel=vmlinuz initrd=initrd cmdline="$(LINUX_TEST_ARGS)"' \
		'memory=256M pages=2M test=console expect="moat-linux: init reached" exit-stats' >$@
LINUX_BENCH_MODULES := $(BUILD)/prog/root.elf:root tools/linux/bench-root.cfg:config \
	$(BUILD)/prog/vmm.elf:vmm $(LINUX_DIR)/bench-vmm.cfg:vmm.cfg \
	$(LINUX_DIR)/vmlinuz:vmlinuz $(LINUX_DIR)/initramfs.gz:initrd
$(eval $(call test_iso,linuxbench,$(LINUX_BENCH_MODULES)))

# Instructions from the kernel's first to /init's first, natively and as
# the VMM's guest, under QEMU -icount and Bochs (docs/linux.md, "Measuring").
LINUX_BENCH_ISOS := $(BUILD)/test-linux.iso $(BUILD)/linux-probe.iso $(BUILD)/test-linuxbench.iso
linux-bootcount: deps-check $(LINUX_BENCH_ISOS)
	$(V)tools/linux/bootcount.sh $(LINUX_BENCH_ISOS)
