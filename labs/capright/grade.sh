#!/bin/sh
# Grades lab capright (labs/capright/README.md): builds the kernel, the root
# task and the lab's test program (labs/capright/lab_capright/), boots them
# in QEMU (labs/capright/root.cfg) and turns the program's lines into checks;
# then boots the user test suite (tests/user/) to show that nothing else
# broke.  Prints ok / not ok / skip lines, one per check (labs/grade.sh
# counts them).
#   labs/capright/grade.sh BUILD_DIR LOGDIR
set -u
. "$(dirname "$0")/../lib.sh"
lab_start capright "$@"
# Its runs count instructions, as make test runs the user suite: the same
# timing however busy the host is.
QEMU_EXTRA="-icount shift=7"
export QEMU_EXTRA

# The test program's checks, in its order: one that prints no line is a failure.
checks="read_regs_with_r read_regs_needs_r write_regs_needs_w suspend_needs_w resume_needs_w
set_priority_needs_w configure_needs_w start_needs_w no_regaining_rights wrong_objects
vcpu_calls_need_w revoke_takes_copies kernel_invariants_hold"

iso=$build/lab-capright.iso
lab_build build "$logs/build.log" "the kernel, the root task or the test program does not build" \
	"$build/kernel.elf" "$build/prog/root.elf" "$build/prog/lab_capright.elf" || exit 1
lab_iso build "$iso" "$here/root.cfg" "$build/prog/lab_capright.elf:lab_capright" || exit 1

# The test program ends the run itself; the timeout only catches a hang.
lab_boot lab-capright "$iso" 30

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
if lab_build build "$logs/build-user.log" "the user test suite does not build" "$build/test-user.iso"; then
	lab_boot user "$build/test-user.iso" 120
	failing=$(grep '^not ok' "$cases" | sed 's/.*qemu:user://; s/ .*//' | tr '\n' ' ')
	if [ -z "$failing" ] && grep -q '^ok ' "$cases"; then
		case_line user_suite_passes 0
	else
		case_line user_suite_passes 1 "the user test suite fails: ${failing:-no case ran} (see $cases and $serial)"
	fi
fi
