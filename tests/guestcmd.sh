#!/bin/sh
# `make iso GUEST=FILE` (docs/vmm.md, "Running your own kernel"), as a user
# would run it on a kernel of their own outside the repository: the test
# guest mb_cmdline (a Multiboot kernel that prints its command line) copied
# to a temporary directory, built into an ISO with GUEST_ARGS, booted in
# QEMU until the VMM's summary line; then the ISO is kept when nothing
# changed and remade when the kernel does; a bzImage (a made-up one: make
# only looks at its header) and a Multiboot kernel each get an initrd their
# way; and a missing file, a file that is no kernel and a path with a blank
# are refused, each naming GUEST.
# Prints one line per case, as tests/boot/run-suite.sh does.
#   tests/guestcmd.sh BUILD_DIR LOGDIR
# The build works in a copy of BUILD_DIR's objects (made up to date by
# make test), so it compiles nothing and leaves BUILD_DIR's os.iso alone.
set -u
build=$1 logs=$2
# Not a sub-make of make test's: its jobserver and variables stay out.
unset MAKEFLAGS MFLAGS MAKELEVEL
mkdir -p "$logs"
log=$logs/guestcmd.make.log
serial=$logs/guestcmd-qemu.serial.log
rm -f "$log" "$serial"
tmp=$(mktemp -d /tmp/moat-guestcmd.XXXXXX)
boot=
trap '[ -n "$boot" ] && kill "$boot" 2>/dev/null; rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT PIPE TERM # the EXIT trap then cleans up too
kernel=$tmp/my-kernel.bin scratch=$tmp/build iso=$tmp/build/os.iso
args="hello from guestcmd  two"

. "$(dirname "$0")/lib.sh" # case_line
case_prefix=qemu:guestcmd
# make_iso ARGS...: make iso in the scratch build; its output goes to the log and to $tmp/out.
make_iso() {
	echo "+ make iso $*" >>"$log"
	make BUILD="$scratch" LINUX=no iso "$@" >"$tmp/out" 2>&1
	status=$?
	cat "$tmp/out" >>"$log"
	return $status
}
# refused NAME MESSAGE ARGS...: make iso ARGS fails, saying MESSAGE.
refused() {
	name=$1 message=$2
	shift 2
	make_iso "$@"
	status=$?
	if [ $status -ne 0 ] && grep -qF -- "$message" "$tmp/out"; then
		case_line "$name" 0
	else
		case_line "$name" 1 "make said (status $status): $(tr '\n' ' ' <"$tmp/out" | cut -c1-200)"
	fi
}
# The ISO's time of change, to the nanosecond.
iso_time() {
	stat -c %y "$iso" 2>/dev/null
}

if [ ! -f "$build/guests/mb_cmdline.bin" ] || [ ! -f "$build/kernel.elf" ]; then
	case_line iso_built 1 "no $build/guests/mb_cmdline.bin or kernel.elf: build them first"
	exit 0
fi
cp "$build/guests/mb_cmdline.bin" "$kernel"
mkdir -p "$scratch"
(cd "$build" && tar --exclude=./linux --exclude=./test-logs --exclude=./kut --exclude=./measure \
	--exclude=./guest --exclude=./partitions --exclude='./*.iso' -cf - .) | tar -C "$scratch" -xf -

# holds_kernel: the ISO holds the kernel's bytes (an ISO 9660 image keeps a
# file's bytes as they are), which the project's own ISO never does.
holds_kernel() {
	grep -qF "mb_cmdline: command line: " "$iso"
}
make_iso GUEST="$kernel" GUEST_ARGS="$args" && holds_kernel
case_line iso_built $? "make iso GUEST=$kernel made no ISO that holds it (log: $log)"

# The system runs on after its guest ends: stop at the VMM's summary line.
EMU_MEGS=256 \
	timeout 120 tools/emu.sh qemu-tcg "$iso" "$serial" "$logs/guestcmd-qemu.emu.log" &
boot=$!
for _ in $(seq 480); do # up to 2 minutes, for a loaded machine
	grep -qE '^vmm: [0-9]+ guests?: ' "$serial" 2>/dev/null && break
	kill -0 "$boot" 2>/dev/null || break
	sleep 0.25
done
kill "$boot" 2>/dev/null
wait "$boot" 2>/dev/null
boot=
grep -qF "mb_cmdline: command line: my-kernel.bin $args" "$serial" 2>/dev/null
case_line guest_saw_its_cmdline $? "no line 'mb_cmdline: command line: my-kernel.bin $args' in $serial"
grep -qE '^vmm: 1 guest: 1 ended well, 0 failed' "$serial" 2>/dev/null
case_line guest_ended_well $? "no line 'vmm: 1 guest: 1 ended well, 0 failed' in $serial"

before=$(iso_time)
make_iso GUEST="$kernel" GUEST_ARGS="$args" && [ "$(iso_time)" = "$before" ] && holds_kernel
case_line iso_kept_when_nothing_changed $? "the ISO was remade with nothing changed, or lacks the kernel"

# A changed kernel: the ISO is remade and holds the new bytes.
before=$(iso_time)
printf 'moat-guestcmd-marker-%s' $$ >>"$kernel"
make_iso GUEST="$kernel" GUEST_ARGS="$args" && [ "$(iso_time)" != "$before" ] &&
	grep -q "moat-guestcmd-marker-$$" "$iso"
case_line iso_remade_after_kernel_change $? "the ISO was not remade with the changed kernel"

# The other kind and initrds, as far as make goes: a file with a bzImage's
# setup header ("HdrS" at 0x202) gets its initrd as initrd=, a Multiboot
# kernel as its first module.
head -c 1024 /dev/zero >"$tmp/fake-bzImage"
printf 'HdrS' | dd of="$tmp/fake-bzImage" bs=1 seek=514 conv=notrunc status=none
echo "an initrd" >"$tmp/initrd.img"
make_iso GUEST="$tmp/fake-bzImage" GUEST_INITRD="$tmp/initrd.img" GUEST_ARGS=console=ttyS0 &&
	grep -q ' kernel=fake-bzImage cmdline="console=ttyS0" .* initrd=initrd.img$' \
		"$scratch/partitions/vmm.cfg" &&
	grep -q 'modules=vmm.cfg,fake-bzImage,initrd.img$' "$scratch/partitions/system.cfg"
case_line bzimage_gets_its_initrd $? "no initrd=initrd.img in $scratch/partitions/vmm.cfg (log: $log)"
make_iso GUEST="$kernel" GUEST_INITRD="$tmp/initrd.img" GUEST_MEM=3M GUEST_VCPUS=2 &&
	grep -q ' kernel=my-kernel.bin cmdline="" memory=3M pages=4K vcpus=2 modules=initrd.img$' \
		"$scratch/partitions/vmm.cfg"
case_line multiboot_gets_initrd_as_module $? "no modules=initrd.img in $scratch/partitions/vmm.cfg"

refused missing_guest_refused "GUEST=$tmp/no-such-kernel: no such file" GUEST="$tmp/no-such-kernel"
echo "not a kernel" >"$tmp/notes.txt"
refused non_kernel_refused "GUEST=$tmp/notes.txt: neither a Multiboot (v1) kernel" \
	GUEST="$tmp/notes.txt"
cp "$kernel" "$tmp/my kernel"
refused path_with_blank_refused "GUEST='$tmp/my kernel': only a path of" GUEST="$tmp/my kernel"
