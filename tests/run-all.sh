#!/bin/sh
# Runs every test: host unit tests, then the boot suites in QEMU and in Bochs
# (the Bochs runs in the background, in parallel).  The VM suite runs three
# times: QEMU (SVM), Bochs with an Intel CPU (VMX), Bochs with an AMD one (SVM); so does
# the large-guest suite (QEMU: 1 GiB and 512 MiB guests; Bochs: the 512 MiB one).  Prints one line per
# case and, last, "N passed, N failed, N skipped"; exits 1 if any failed.
# The user suite also runs on Bochs's AMD CPU: its isolation cases drive SVM; so does the
# partfault suite (partitions whose VMMs crash).  Every boot suite runs with two
# CPUs or more (tests/boot/SUITE.EMU.cpus; docs/testing.md, "Processors");
# vmsmp is the VM suite with the VMM on CPU 1 and its guests on CPU 0, under Bochs.
# Every kernel prints its big kernel lock's longest hold at the end (docs/smp.md).
# The budget suite runs in QEMU (SVM) and Bochs (VMX) only: Bochs 2.7 never
# ends an SVM guest's slice while it keeps IF=0, as the share guest does.
# The linux suite boots Debian's Linux kernel natively, in QEMU and Bochs.
# tests/guestcmd.sh checks `make iso GUEST=FILE` and boots its ISO in QEMU;
# tests/partitions.sh `make iso CONFIG=iso/partitions.cfg`.
# tools/book-check.sh checks that docs/book names only what exists.
# tests/labs.sh grades each lab (labs/) on the starting point and with its solution.
#   tests/run-all.sh BUILD_DIR
set -u
build=$1
logs=$build/test-logs
rm -rf "$logs"
mkdir -p "$logs"
suite=tests/boot/run-suite.sh

# The Bochs suites run in the background in three lanes (kvm-unit-tests
# in a fourth), one suite after another in each: enough to overlap the
# suites that wait for typed input,
# few enough that QEMU's runs (timed by the host's clock) keep their share
# of the two cores.  Each suite's lines are kept in $logs/bochs-NAME.out.
# lane NAME EMU ISO SUITE TIMEOUT FLAG ... (FLAG --no-skip or '')
lane() {
	while [ $# -gt 0 ]; do
		name=$1 emu=$2 iso=$3 s=$4 limit=$5 flag=$6
		shift 6
		"$suite" "$emu" "$build/$iso" "$s" "$logs" "$limit" $flag >"$logs/bochs-$name.out" 2>&1
	done
}
# The keyboard suites share a lane: they press keys as VNC viewers of
# Bochs's display (tests/boot/key-feed.sh), one Bochs at a time.  The fuzzer's
# Bochs run (two CPUs, workers on each, vCPUs moving between them) took
# close to 300 s with the other lanes running: it has 600.
lane boot bochs test-boot.iso boot 180 --no-skip \
	smp bochs test-smp.iso smp 180 --no-skip \
	fuzz bochs test-fuzz.iso fuzz 600 --no-skip \
	kbd bochs test-kbd.iso kbd 300 --no-skip \
	kbdconsole bochs test-kbdconsole.iso kbdconsole 300 --no-skip &
lane1=$!
# Debian's Linux kernel booted natively (docs/linux.md), about 45 s of CPU,
# then as a guest of the VMM (tests/linuxvm/, about 60 s), last in the
# second lane; built with LINUX=no both are skips.
linux_suite="linux bochs test-linux.iso linux 600 --no-skip"
if [ ! -f "$build/test-linux.iso" ]; then
	linux_suite=
	echo "skip 0 bochs:linux:boot # no $build/test-linux.iso: built with LINUX=no" \
		>"$logs/bochs-linux.out"
fi
linuxvm_suite="linuxvm bochs test-linuxvm.iso linuxvm 900 --no-skip"
if [ ! -f "$build/test-linuxvm.iso" ]; then
	linuxvm_suite=
	echo "skip 0 bochs:linuxvm:linux # no $build/test-linuxvm.iso: Debian's kernel is not fetched" \
		>"$logs/bochs-linuxvm.out"
fi
lane user bochs test-user.iso user 300 --no-skip \
	svm-user bochs-svm test-user.iso user 300 --no-skip \
	serial bochs test-serial.iso serial 300 --no-skip \
	console bochs test-console.iso console 300 --no-skip \
	drivers bochs test-drivers.iso drivers 300 --no-skip \
	diskregion bochs test-diskregion.iso diskregion 300 --no-skip $linux_suite $linuxvm_suite &
lane2=$!
# The third lane ends with kvm-unit-tests on Bochs's AMD CPU (SVM), the
# cases tests/kut/cases.bochs-svm names (an ISO of their own), so that it
# runs beside the fourth lane's Intel ones rather than after them; its
# two-vCPU cases, some 5 minutes, take its limit to 1800 s.
{
	lane fault bochs test-fault.iso fault 120 '' \
		vm bochs test-vm.iso vm 300 --no-skip \
		svm-vm bochs-svm test-vm-nospin.iso vm 300 --no-skip \
		vmsmp bochs test-vmsmp.iso vmsmp 300 --no-skip \
		svm-vmsmp bochs-svm test-vmsmp.iso vmsmp 300 --no-skip \
		guestdisk bochs test-guestdisk.iso guestdisk 300 --no-skip \
		switch bochs test-switch.iso switch 300 --no-skip \
		partfault bochs test-partfault.iso partfault 300 --no-skip \
		svm-partfault bochs-svm test-partfault.iso partfault 300 --no-skip \
		vmlarge bochs test-vmlarge-512.iso vmlarge 600 --no-skip \
		svm-vmlarge bochs-svm test-vmlarge-512.iso vmlarge 600 --no-skip \
		budget bochs test-budget.iso budget 300 --no-skip
	tests/kut/run.sh bochs-svm "$build/test-kut-bochs-svm.iso" "$build/kut" "$logs" 1800 \
		"$build/kut/cases-bochs-svm" >"$logs/bochs-svm-kut.out" 2>&1
} &
lane3=$!
# kvm-unit-tests under the VMM (tests/kut/run.sh) in a lane of its own, the
# longest: on Bochs's Intel CPU (VMX) the cases tests/kut/cases.bochs
# names.  Each kut Bochs has two CPUs (tests/boot/kut.EMU.cpus,
# docs/testing.md "Host CPUs").
tests/kut/run.sh bochs "$build/test-kut-bochs.iso" "$build/kut" "$logs" 2400 \
	"$build/kut/cases-bochs" >"$logs/bochs-kut.out" 2>&1 &
lane4=$!
names="boot smp fuzz kbd kbdconsole user svm-user serial console drivers diskregion fault vm svm-vm vmsmp svm-vmsmp guestdisk switch
	partfault svm-partfault vmlarge svm-vmlarge budget kut svm-kut linux linuxvm"

{
	"$build/unit-tests" | sed 's/^\(\(not \)\{0,1\}ok [0-9]*\) /\1 unit:/'
	# The book (docs/book/) names only files, functions and bench figures
	# that exist (tools/book-check.sh); tests/bookcheck.sh checks the check.
	if tools/book-check.sh >"$logs/book-check.out" 2>&1; then
		echo "ok 1 book:references_hold"
	else
		echo "not ok 1 book:references_hold"
		sed 's/^/# /' "$logs/book-check.out"
	fi
	tests/bookcheck.sh
	# kvm-unit-tests' guest lines put a multi-vCPU case on the lane's CPUs.
	tests/kut/mkconfig-check.sh
	"$suite" qemu "$build/test-boot.iso" boot "$logs" 120
	"$suite" qemu "$build/test-fault.iso" fault "$logs" 120
	# The processors (docs/smp.md): 4 in QEMU (tests/boot/smp.qemu.cpus), all
	# online; cpus=1 keeps 3 stopped (its AP cases skip: no AP runs); acpi=off
	# finds them in the MP table.  Bochs runs the smp suite with 2 (a lane).
	"$suite" qemu "$build/test-smp.iso" smp "$logs" 120 --no-skip
	"$suite" qemu "$build/test-smp1.iso" smp1 "$logs" 120
	"$suite" qemu "$build/test-smpmp.iso" smpmp "$logs" 120 --no-skip
	# The suites that hold time to a limit (timed waits, the VMM's halts)
	# run under QEMU counting instructions (-icount): time then follows the
	# instructions executed, not the host's clock, so the host's load cannot
	# make a wake-up late (docs/testing.md).  Bochs counts instructions
	# anyway.
	QEMU_EXTRA="-icount shift=7" "$suite" qemu "$build/test-user.iso" user "$logs" 120
	# The fuzzer's workers on every CPU (docs/testing.md): with 2 CPUs
	# (tests/boot/fuzz.qemu.cpus), then the same ISO with 4 (fuzz4.qemu.cpus).
	# The run with 2 uses QEMU's single-threaded TCG on the host's clock, not
	# -icount: its round robin then hands the turn on at least every 100 ms,
	# where QEMU 7.2's -icount turns left a CPU no instruction for 600 s
	# (docs/smp.md, "QEMU's turns").  fuzz4 keeps -icount.
	# fuzz4 gets 1500 s: alone on the host, one seed's run took from 1m47 to
	# 3m32 (with four CPUs the turns, and so the run, differ each time:
	# docs/testing.md), and beside four Bochs lanes on two host cores a CI
	# run made 100 of its 334 rounds in 600 s.
	QEMU_EXTRA="-accel tcg,thread=single" "$suite" qemu "$build/test-fuzz.iso" fuzz "$logs" 600 --no-skip
	QEMU_EXTRA="-icount shift=7" "$suite" qemu "$build/test-fuzz.iso" fuzz4 "$logs" 1500 --no-skip
	# Two CPUs (vm.qemu.cpus): spin_timers failed with two (under 3/4 of its
	# APIC timer's intervals within 10%) until the kernel ended a CPU's turn
	# at each tick on time (docs/smp.md, "QEMU's turns"); since, 3 of 3 passed.
	QEMU_EXTRA="-icount shift=7" "$suite" qemu "$build/test-vm.iso" vm "$logs" 120 --no-skip
	# CPU budgets: each partition's guest measures its share of the CPU (tests/budget/).
	# Two CPUs (budget.qemu.cpus), and shift=6: at shift=7 (7.8 million
	# instructions a second) the kernel's work at each switch, charged to
	# the partition but not seen by its guest, took share_a to 190 permille,
	# the bound of its 5%, and to 189 with a change of the ticks' phase; at
	# shift=6 it measures 199 with one CPU (docs/partitions.md).  With two at
	# shift=7 it measured 189 before the kernel ended a CPU's turn at each
	# tick on time (docs/smp.md, "QEMU's turns"); with two at shift=6, since,
	# 197.  Bochs with two measures 198.
	QEMU_EXTRA="-icount shift=6" "$suite" qemu "$build/test-budget.iso" budget "$logs" 120 --no-skip
	# Faults stay inside a partition (tests/partfault/): its VMMs crash on
	# a timer, its guests tick on one, and its checks count their lines.
	QEMU_EXTRA="-icount shift=7" "$suite" qemu "$build/test-partfault.iso" partfault "$logs" 120 --no-skip
	# The console suite's halting guest must see its line's end before the
	# PIT's next tick: under -icount a host that stalls QEMU stops the
	# guest's clock too, so the host's load cannot bring the tick first
	# (one CI run, with every lane busy, had the tick first three times).
	QEMU_EXTRA="-icount shift=7" "$suite" qemu "$build/test-console.iso" console "$logs" 120 --no-skip
	# Device IRQs come through the I/O APIC (docs/book/07-interrupts.md);
	# serial8259 is the serial suite with ioapic=off, through the 8259s.
	for s in vmlarge drivers diskregion serial serial8259 guestdisk kbd kbdconsole switch; do
		"$suite" qemu "$build/test-$s.iso" "$s" "$logs" 120 --no-skip
	done
	# make iso GUEST=FILE with a kernel from outside the repository, booted
	# in QEMU; the ISO remade when the kernel changes (tests/guestcmd.sh).
	tests/guestcmd.sh "$build" "$logs"
	# make run's terminal: Ctrl-A reaches the machine (QEMU's escape is Ctrl-]).
	tests/terminal.sh "$build" "$logs"
	# make debug's gdb stops in one server only (docs/debugging.md).
	tests/debug.sh "$build" "$logs"
	# Each lab's grader fails on the starting point and passes its
	# reference solution (labs/README.md).
	tests/labs.sh "$build" "$logs"
	QEMU_EXTRA="-icount shift=7" tests/kut/run.sh qemu "$build/test-kut.iso" "$build/kut" "$logs" 900
	# Debian's Linux kernel booted natively (docs/linux.md); its /init prints the cases.
	if [ -f "$build/test-linux.iso" ]; then
		QEMU_EXTRA="-icount shift=7" "$suite" qemu "$build/test-linux.iso" linux "$logs" 300 --no-skip
	else
		echo "skip 0 qemu:linux:boot # no $build/test-linux.iso: built with LINUX=no"
	fi
	# Debian's kernel under the VMM (tests/linuxvm/): the whole suite, two
	# vCPUs, as in the Bochs lane.  Its ISO is built when the packages are
	# (LINUXVM_KERNEL).
	if [ -f "$build/test-linuxvm.iso" ]; then
		QEMU_EXTRA="-icount shift=7" "$suite" qemu "$build/test-linuxvm.iso" linuxvm "$logs" 900 --no-skip
	else
		echo "skip 1 qemu:linuxvm:linux # no $build/test-linuxvm.iso: Debian's kernel is not fetched"
	fi
	# make iso CONFIG=iso/partitions.cfg: two Linux partitions and a bare
	# one, each on its own disk region and console (tests/partitions.sh;
	# a skip without Debian's kernel).
	tests/partitions.sh "$build" "$logs"
	wait $lane1 $lane2 $lane3 $lane4
	for name in $names; do
		cat "$logs/bochs-$name.out"
	done
	# Log lines name threads and vCPUs by number, never by kernel address
	# (physmap addresses give physical memory away); only a panic report,
	# the fault suite's, prints kernel addresses.  A fault's "at rip R,
	# address A" are the faulting thread's or guest's own values (the
	# fuzzer's threads jump to and touch kernel addresses on purpose), so
	# they are left out of the search.
	leaks=
	for log in "$logs"/*.serial.log; do
		case $log in */fault-*) continue ;; esac
		if sed -E 's/(at rip|address) 0x[0-9a-f]+/\1 -/g' "$log" |
			grep -qE '0xffff8[0-9a-f]{11}'; then
			leaks="$leaks $log"
		fi
	done
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
