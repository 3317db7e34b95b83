#!/bin/sh
# Runs the benchmark cases of the test images and prints "name: value".
# Under Bochs RDTSC advances by exactly one per instruction, so its figures
# are instruction counts.  QEMU runs with -icount shift=7: RDTSC advances
# 2^7 per instruction, so its figures are divided by 128.  VM exits are
# measured on both backends: VMX (Bochs, Intel CPU) and SVM (Bochs with an
# AMD CPU, and QEMU).
# The large-guest build (guest_build_1gib_*) runs under QEMU, the one
# emulator here with memory for a 1 GiB guest in 1 GiB pages; a _calls
# figure is a count of syscalls, not divided.
# kvm-unit-tests' vmexit timings (kut_vmexit_*) run under the VMM in Bochs
# (VMX): each prints "NAME CYCLES" per iteration, instructions there.
# The VMM on another CPU than its guests (VMSMP_ISO) gives the exit
# figures again, named *_cross_cpu.
#   tools/bench.sh USER_ISO VM_ISO VM_ISO_WITHOUT_SPINNERS DRIVERS_ISO SERIAL_ISO VMLARGE_ISO KUTBENCH_ISO VMSMP_ISO
set -eu
user_iso=$1 vm_iso=$2 vm_nospin_iso=$3 drivers_iso=$4 serial_iso=$5 vmlarge_iso=$6 kut_iso=$7
vmsmp_iso=$8
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
here=$(dirname "$0")

# Two CPUs for the user suite: its cross-CPU round trip (the others run on CPU 0).
EMU_CPUS=2 timeout 300 "$here/emu.sh" bochs "$user_iso" "$dir/bochs.log" "$dir/bochs.emu" || true
# The VM exits again with the VMM on CPU 1 and the guests on CPU 0 (tests/boot/vmsmp).
EMU_CPUS=2 timeout 300 "$here/emu.sh" bochs "$vmsmp_iso" "$dir/bochs-vmsmp.log" \
	"$dir/bochs-vmsmp.emu" || true
timeout 300 "$here/emu.sh" bochs "$vm_iso" "$dir/bochs-vm.log" "$dir/bochs-vm.emu" || true
timeout 300 "$here/emu.sh" bochs-svm "$vm_nospin_iso" "$dir/bochs-svm.log" "$dir/bochs-svm.emu" ||
	true
"$here/../tests/boot/drivers.disk" "$dir/disk.img"
# Two CPUs for the drivers and serial suites too: their configs put a driver on CPU 1
# (tests/drivers/root.cfg, tests/serial/root.cfg), which with one CPU does not start.
DISK=$dir/disk.img EMU_CPUS=2 timeout 300 "$here/emu.sh" bochs "$drivers_iso" "$dir/bochs-drivers.log" \
	"$dir/bochs-drivers.emu" || true
# The serial test asks for typed input: the feeder answers it, over a loopback socket.
port=$((20000 + ($$ % 20000)))
"$here/../tests/boot/serial-feed.sh" "$port" "$dir/bochs-serial.log" \
	"$here/../tests/boot/serial.input" &
SERIAL_PORT=$port EMU_CPUS=2 timeout 300 "$here/emu.sh" bochs "$serial_iso" "$dir/unused.log" \
	"$dir/bochs-serial.emu" || true
wait
EMU_MEGS=$(cat "$here/../tests/boot/kut.bochs.megs") timeout 1200 "$here/emu.sh" bochs "$kut_iso" \
	"$dir/bochs-kut.log" "$dir/bochs-kut.emu" || true
QEMU_EXTRA="-icount shift=7" timeout 120 "$here/emu.sh" qemu-tcg "$user_iso" "$dir/qemu.log" \
	"$dir/qemu.emu" || true
QEMU_EXTRA="-icount shift=7" timeout 300 "$here/emu.sh" qemu-tcg "$vm_iso" "$dir/qemu-vm.log" \
	"$dir/qemu-vm.emu" || true
EMU_MEGS=$(cat "$here/../tests/boot/vmlarge.qemu.megs") QEMU_EXTRA="-icount shift=7" \
	timeout 300 "$here/emu.sh" qemu-tcg "$vmlarge_iso" "$dir/qemu-vmlarge.log" \
	"$dir/qemu-vmlarge.emu" || true

# "bench NAME: N" lines from a serial log, printed as "NAME[SUFFIX]: N / DIVISOR".
figures() {
	tr -d '\r' <"$1" | awk -v suffix="$2" -v div="$3" '
		/^bench kernel_lock_/ { next }	# each kernel prints it: lock_figure takes it
		/^bench [a-z0-9_]+: [0-9]+/ {
			name = $2; sub(/:$/, "", name)
			printf "%s%s: %d\n", name, suffix, $3 / (name ~ /_calls$/ ? 1 : div)
			n++
		}
		END { if (!n) { print "# no benchmark figures in this run" > "/dev/stderr"; exit 1 } }'
}

# The big kernel lock's longest hold (docs/smp.md): each kernel prints its
# own at the end of its run; the figure is the longest of the Bochs runs.
lock_figure() {
	cat "$@" | tr -d '\r' | awk '
		/^bench kernel_lock_longest_hold_instructions: [0-9]+/ { if ($3 > max) max = $3; n++ }
		END {
			if (!n) { print "# no kernel lock figure in these runs" > "/dev/stderr"; exit 1 }
			print "kernel_lock_longest_hold_instructions: " max
		}'
}

# kvm-unit-tests' "NAME CYCLES" line, then the VMM's verdict on guest kut_CASE: "kut_CASE: CYCLES".
kut_figures() {
	tr -d '\r' <"$1" | awk '
		/^[a-z_0-9]+ [0-9]+$/ { last = $2 }
		/^ok [0-9]+ kut_/     { if (last != "") { print $3 ": " last; n++ }; last = "" }
		END { if (!n) { print "# no kvm-unit-tests figures in this run" > "/dev/stderr"; exit 1 } }'
}

status=0
figures "$dir/bochs.log" "" 1 || status=1
figures "$dir/bochs-vm.log" "" 1 || status=1
figures "$dir/bochs-vmsmp.log" "_cross_cpu" 1 || status=1
figures "$dir/bochs-svm.log" "_svm" 1 || status=1
figures "$dir/bochs-drivers.log" "" 1 || status=1
figures "$dir/bochs-serial.log" "" 1 || status=1
lock_figure "$dir/bochs.log" "$dir/bochs-vm.log" "$dir/bochs-vmsmp.log" "$dir/bochs-svm.log" \
	"$dir/bochs-drivers.log" "$dir/bochs-serial.log" || status=1
figures "$dir/qemu.log" "_qemu_icount" 128 || status=1
figures "$dir/qemu-vm.log" "_svm_qemu_icount" 128 || status=1
figures "$dir/qemu-vmlarge.log" "" 128 || status=1
if [ -s "$kut_iso" ] && grep -q vmexit.flat "$(dirname "$kut_iso")/kut/modules-bench"; then
	kut_figures "$dir/bochs-kut.log" || status=1
else
	echo "# no kvm-unit-tests: no kut_vmexit_* figures"
fi
exit $status
