#!/bin/sh
# Grades lab capright (labs/capright/README.md): builds the kernel, the root
# task and the lab's test program (labs/capright/lab_capright/), boots them
# in QEMU (labs/capright/root.cfg) and turns the program's lines into checks;
# then boots the user test suite (tests/user/) to show that nothing else
# broke.  Prints ok / not ok / skip lines, one per check (labs/grade.sh
# counts them).
#   labs/capright/grade.sh BUILD_DIR LOGDIR
set -u
build=$1 logs=$2
repo=$(cd "$(dirname "$0")/../.." && pwd)
# Both directories as the caller meant them, before the cd below.
case $build in /*) ;; *) build=$(pwd)/$build ;; esac
case $logs in /*) ;; *) logs=$(pwd)/$logs ;; esac
. "$repo/tests/lib.sh"
case_prefix=lab:capright
cd "$repo" || exit 1
mkdir -p "$logs"
# The grader's own make, whatever make started it (make grade).
unset MAKEFLAGS MFLAGS MAKELEVEL

# The test program's checks, in its order: one that prints no line is a failure.
checks="read_regs_with_r read_regs_needs_r write_regs_needs_w suspend_needs_w resume_needs_w
set_priority_needs_w configure_needs_w start_needs_w no_regaining_rights wrong_objects
vcpu_calls_need_w revoke_takes_copies kernel_invariants_hold"

# A failed build is one failing check naming its log, with the compiler's first errors.
built() { # LOG TARGET...
	log=$1
	shift
	make BUILD="$build" LINUX=no "$@" >"$log" 2>&1 && return 0
	case_line build 1 "make $* failed: see $log"
	grep -m 8 -E 'error|Error' "$log" | sed 's/^/# /'
	return 1
}

iso=$build/lab-capright.iso
built "$logs/build.log" "$build/kernel.elf" "$build/prog/root.elf" "$build/prog/lab_capright.elf" ||
	exit 1
if ! iso/mkiso.sh "$iso" "$build/kernel.elf" "loglevel=info" "$build/prog/root.elf:root" \
	labs/capright/root.cfg:config "$build/prog/lab_capright.elf:lab_capright" \
	>"$logs/mkiso.log" 2>&1; then
	case_line build 1 "iso/mkiso.sh failed: see $logs/mkiso.log"
	exit 1
fi

# The test program ends the run itself; the timeout only catches a hang.
QEMU_EXTRA="-icount shift=7" tests/boot/run-suite.sh qemu "$iso" lab-capright "$logs" 30 \
	>"$logs/lab-capright.cases"
serial=$logs/lab-capright-qemu.serial.log

# Why a check printed no line: how far the run got, in the student's terms.
no_line() {
	if grep -qi 'panic' "$serial"; then
		echo "no result: the kernel panicked (see $serial)"
	elif ! grep -q '^# lab capright' "$serial"; then
		echo "no result: the test program never started (see $serial)"
	elif grep -q 'lab_capright: exited\|server lab_capright faulted' "$serial"; then
		echo "no result: the test program stopped or faulted before this check (see $serial)"
	else
		echo "no result: the run stopped or hung before this check (see $serial)"
	fi
}

for name in $checks; do
	line=$(grep -E "^(ok|not ok|skip) [0-9]+ $name( |\$)" "$serial" | head -n 1)
	case $line in
	"ok "*) case_line "$name" 0 ;;
	"not ok "*) case_line "$name" 1 "${line#*# }" ;;
	"skip "*)
		case_n=$((case_n + 1))
		echo "skip $case_n $case_prefix:$name # ${line#*# }" ;;
	*) case_line "$name" 1 "$(no_line)" ;;
	esac
done

# The rest of the system: the user suite must pass as it did before the change.
if built "$logs/build-user.log" "$build/test-user.iso"; then
	QEMU_EXTRA="-icount shift=7" tests/boot/run-suite.sh qemu "$build/test-user.iso" user \
		"$logs" 120 >"$logs/user.cases"
	failing=$(grep '^not ok' "$logs/user.cases" | sed 's/.*qemu:user://; s/ .*//' | tr '\n' ' ')
	if [ -z "$failing" ] && grep -q '^ok ' "$logs/user.cases"; then
		case_line user_suite_passes 0
	else
		case_line user_suite_passes 1 "the user test suite fails: ${failing:-no case ran} (see $logs/user.cases and $logs/user-qemu.serial.log)"
	fi
fi
