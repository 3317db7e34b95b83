#!/bin/sh
# Runs every test: host unit tests, then the boot suites in QEMU and in Bochs
# (the Bochs runs in the background, in parallel).  The VM suite runs three
# times: QEMU (SVM), Bochs with an Intel CPU (VMX), Bochs with an AMD one (SVM).  Prints one line per
# case and, last, "N passed, N failed, N skipped"; exits 1 if any failed.
#   tests/run-all.sh BUILD_DIR
set -u
build=$1
logs=$build/test-logs
rm -rf "$logs"
mkdir -p "$logs"
suite=tests/boot/run-suite.sh

"$suite" bochs "$build/test-boot.iso" boot "$logs" 180 --no-skip >"$logs/bochs-boot.out" 2>&1 &
b1=$!
"$suite" bochs "$build/test-fault.iso" fault "$logs" 120 >"$logs/bochs-fault.out" 2>&1 &
b2=$!
"$suite" bochs "$build/test-user.iso" user "$logs" 300 --no-skip >"$logs/bochs-user.out" 2>&1 &
b3=$!
"$suite" bochs "$build/test-vm.iso" vm "$logs" 300 --no-skip >"$logs/bochs-vm.out" 2>&1 &
b4=$!
"$suite" bochs-svm "$build/test-vm-nospin.iso" vm "$logs" 300 --no-skip \
	>"$logs/bochs-svm-vm.out" 2>&1 &
b5=$!
"$suite" bochs "$build/test-drivers.iso" drivers "$logs" 300 --no-skip \
	>"$logs/bochs-drivers.out" 2>&1 &
b6=$!
"$suite" bochs "$build/test-serial.iso" serial "$logs" 300 --no-skip \
	>"$logs/bochs-serial.out" 2>&1 &
b7=$!
"$suite" bochs "$build/test-console.iso" console "$logs" 300 --no-skip \
	>"$logs/bochs-console.out" 2>&1 &
b8=$!
"$suite" bochs "$build/test-guestdisk.iso" guestdisk "$logs" 300 --no-skip \
	>"$logs/bochs-guestdisk.out" 2>&1 &
b9=$!
"$suite" bochs "$build/test-switch.iso" switch "$logs" 300 --no-skip \
	>"$logs/bochs-switch.out" 2>&1 &
b10=$!
# The keyboard suites press keys as a VNC viewer of Bochs's display
# (tests/boot/key-feed.sh); one after the other, as enough Bochs run at once.
{
	"$suite" bochs "$build/test-kbd.iso" kbd "$logs" 300 --no-skip
	"$suite" bochs "$build/test-kbdconsole.iso" kbdconsole "$logs" 300 --no-skip
} >"$logs/bochs-kbd.out" 2>&1 &
b11=$!

{
	"$build/unit-tests" | sed 's/^\(\(not \)\{0,1\}ok [0-9]*\) /\1 unit:/'
	"$suite" qemu "$build/test-boot.iso" boot "$logs" 60
	"$suite" qemu "$build/test-fault.iso" fault "$logs" 60
	"$suite" qemu "$build/test-user.iso" user "$logs" 120
	"$suite" qemu "$build/test-vm.iso" vm "$logs" 120 --no-skip
	"$suite" qemu "$build/test-drivers.iso" drivers "$logs" 120 --no-skip
	"$suite" qemu "$build/test-serial.iso" serial "$logs" 120 --no-skip
	"$suite" qemu "$build/test-console.iso" console "$logs" 120 --no-skip
	"$suite" qemu "$build/test-guestdisk.iso" guestdisk "$logs" 120 --no-skip
	"$suite" qemu "$build/test-kbd.iso" kbd "$logs" 120 --no-skip
	"$suite" qemu "$build/test-kbdconsole.iso" kbdconsole "$logs" 120 --no-skip
	"$suite" qemu "$build/test-switch.iso" switch "$logs" 120 --no-skip
	wait $b1 $b2 $b3 $b4 $b5 $b6 $b7 $b8 $b9 $b10 $b11
	cat "$logs/bochs-boot.out" "$logs/bochs-fault.out" "$logs/bochs-user.out" \
		"$logs/bochs-vm.out" "$logs/bochs-svm-vm.out" "$logs/bochs-drivers.out" \
		"$logs/bochs-serial.out" "$logs/bochs-console.out" "$logs/bochs-guestdisk.out" \
		"$logs/bochs-switch.out" "$logs/bochs-kbd.out"
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
