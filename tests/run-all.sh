#!/bin/sh
# Runs every test: host unit tests, then the boot suites in QEMU and in Bochs
# (the Bochs runs in the background, in parallel).  The VM suite runs three
# times: QEMU (SVM), Bochs with an Intel CPU (VMX), Bochs with an AMD one (SVM).  Prints one line per
# case and, last, "N passed, N failed, N skipped"; exits 1 if any failed.
# The user suite also runs on Bochs's AMD CPU: its isolation cases drive SVM.
#   tests/run-all.sh BUILD_DIR
set -u
build=$1
logs=$build/test-logs
rm -rf "$logs"
mkdir -p "$logs"
suite=tests/boot/run-suite.sh

# Runs a Bochs suite (or a function running several) in the background,
# its lines kept in $logs/bochs-NAME.out until the end.
names= pids=
background() {
	name=$1
	shift
	"$@" >"$logs/bochs-$name.out" 2>&1 &
	names="$names $name" pids="$pids $!"
}

# The keyboard suites press keys as a VNC viewer of Bochs's display
# (tests/boot/key-feed.sh); one after the other, as enough Bochs run at once.
keyboard_suites() {
	for s in kbd kbdconsole; do
		"$suite" bochs "$build/test-$s.iso" "$s" "$logs" 300 --no-skip
	done
}

background boot "$suite" bochs "$build/test-boot.iso" boot "$logs" 180 --no-skip
background fault "$suite" bochs "$build/test-fault.iso" fault "$logs" 120
background user "$suite" bochs "$build/test-user.iso" user "$logs" 300 --no-skip
background fuzz "$suite" bochs "$build/test-fuzz.iso" fuzz "$logs" 300 --no-skip
background vm "$suite" bochs "$build/test-vm.iso" vm "$logs" 300 --no-skip
background svm-user "$suite" bochs-svm "$build/test-user.iso" user "$logs" 300 --no-skip
background svm-vm "$suite" bochs-svm "$build/test-vm-nospin.iso" vm "$logs" 300 --no-skip
for s in drivers serial console guestdisk switch; do
	background "$s" "$suite" bochs "$build/test-$s.iso" "$s" "$logs" 300 --no-skip
done
background kbd keyboard_suites

{
	"$build/unit-tests" | sed 's/^\(\(not \)\{0,1\}ok [0-9]*\) /\1 unit:/'
	"$suite" qemu "$build/test-boot.iso" boot "$logs" 60
	"$suite" qemu "$build/test-fault.iso" fault "$logs" 60
	"$suite" qemu "$build/test-user.iso" user "$logs" 120
	"$suite" qemu "$build/test-fuzz.iso" fuzz "$logs" 300 --no-skip
	for s in vm drivers serial console guestdisk kbd kbdconsole switch; do
		"$suite" qemu "$build/test-$s.iso" "$s" "$logs" 120 --no-skip
	done
	# shellcheck disable=SC2086 # the lists split into words
	wait $pids
	for name in $names; do
		cat "$logs/bochs-$name.out"
	done
	# Log lines name threads and vCPUs by number, never by kernel address
	# (physmap addresses give physical memory away); only a panic report,
	# the fault suite's, prints kernel addresses.
	leaks=$(grep -lE '0xffff8[0-9a-f]{11}' "$logs"/*.serial.log | grep -v '/fault-')
	if [ -z "$leaks" ]; then
		echo "ok 1 logs:no_kernel_addresses"
	else
		echo "not ok 1 logs:no_kernel_addresses # in $(echo $leaks)"
	fi
} >"$logs/all.out" 2>&1
cat "$logs/all.out"

passed=$(grep -c '^ok ' "$logs/all.out")
failed=$(grep -c '^not ok ' "$logs/all.out")
skipped=$(grep -c '^skip ' "$logs/all.out")
if [ "$failed" -gt 0 ]; then
	echo "# failures: the serial and emulator logs are in $logs/"
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
