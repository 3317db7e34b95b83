#!/bin/sh
# The syscall lab's grader (labs/syscall/README.md, "What the grader checks").
# Builds the kernel, the root task, the lab's test program and the fuzzer;
# boots the test program (labs/syscall/lab_syscall, started by
# labs/syscall/root.cfg) in QEMU and turns each of its cases into a check;
# then checks the interface the student adds around the kernel: the name and
# number in abi.h, the user stub, docs/syscalls.md and the fuzzer's table.
# Prints one line per check: ok N lab:syscall:CHECK / not ok N ... # why.
#   labs/syscall/grade.sh BUILD_DIR LOGDIR      (labs/grade.sh runs it: make grade LAB=syscall)
set -u
. "$(dirname "$0")/../lib.sh"
lab_start syscall "$@"

name=SYS_THREAD_GET_PRIORITY number=45

# --- build -------------------------------------------------------------------

lab_build build "$logs/build.log" "the kernel, the root task, the test program or the fuzzer does not build" \
	-j2 "$build/kernel.elf" "$build/prog/root.elf" "$build/prog/lab_syscall.elf" "$build/prog/fuzz.elf" ||
	exit 1
case_line build 0

# --- the test program, booted ------------------------------------------------

iso=$build/lab-syscall.iso
lab_iso boot "$iso" "$here/root.cfg" "$build/prog/lab_syscall.elf:lab_syscall" || exit 1
lab_boot lab-syscall "$iso" 60

# Why the test program never printed its closing line: the kernel's panic,
# the program's fault as the root reports it, or a hang; after which case.
unfinished() {
	last=$(grep -E '^(ok|not ok|skip) [0-9]+ ' "$serial" | tail -n 1)
	crash=$(grep -m1 -E '^!!! kernel exception|^kernel panic' "$serial")
	rip=$(grep -m1 '^rip ' "$serial" | cut -d' ' -f2-3)
	fault=$(grep -m1 '^root: server lab_syscall faulted' "$serial")
	if [ -n "$crash" ]; then
		what="the kernel crashed: $crash${rip:+ at $rip}"
	elif [ -n "$fault" ]; then
		what="the test program faulted: $fault"
	else
		what="the run hung or stopped (killed after 60 s?)"
	fi
	echo "the test program never finished${last:+ (its last line: '$last')}: $what; see $serial"
}

# Each case's line, with the "# why" line the program printed before a failure.
why=
while IFS= read -r line; do
	case $line in
	"# "*)
		why=${line#\# } ;;
	"ok "*)
		case_line "${line##*:}" 0
		why= ;;
	"not ok "*"completed #"*)
		case_line completed 1 "$(unfinished)"
		why= ;;
	"not ok "*)
		check=${line##*:}
		case_line "${check%% *}" 1 "${why:-see $serial}"
		why= ;;
	"skip "*)
		check=${line#*qemu:lab-syscall:}
		case_n=$((case_n + 1))
		echo "skip $case_n $case_prefix:$check"
		why= ;;
	esac
done <"$cases"

# --- the interface around the kernel ------------------------------------------

# Whether C source $1 compiles against the user headers (stdin: nothing).
compiles() {
	printf '%s\n' "$1" | ${HOSTCC:-gcc} -std=gnu11 -Wall -Werror -fsyntax-only \
		-Ilib/include -x c - >/dev/null 2>&1
}

if compiles "#include \"moat/abi.h\"
int check[$name == $number && SYS_COUNT == $number + 1 ? 1 : -1];"; then
	case_line abi_number 0
elif compiles "#include \"moat/abi.h\"
int check = $name;"; then
	case_line abi_number 1 "lib/include/moat/abi.h: $name must be $number, right after SYS_DEBUG_CPU_COUNTS, and SYS_COUNT $((number + 1))"
else
	case_line abi_number 1 "lib/include/moat/abi.h has no $name in enum moat_syscall yet"
fi

if compiles "#include \"moat/syscall.h\"
uint64_t check(uint64_t thread, uint64_t *priority);
uint64_t check(uint64_t thread, uint64_t *priority) { return sys_thread_get_priority(thread, priority); }"; then
	case_line user_stub 0
else
	case_line user_stub 1 "lib/include/moat/syscall.h has no sys_thread_get_priority(uint64_t thread, uint64_t *priority) yet"
fi

if grep -q "^| \`$name\` |" docs/syscalls.md; then
	case_line documented 0
else
	case_line documented 1 "docs/syscalls.md has no table row for \`$name\` yet (see the Threads table)"
fi

# The fuzzer draws each call's arguments by its shape; a call without one only ever gets zeros.
if grep -Eq "\[$name\][[:space:]]*=[[:space:]]*\{[[:space:]]*K_[A-Z_]+" tests/user/fuzz/calls.c &&
   ! grep -Eq "\[$name\][[:space:]]*=[[:space:]]*\{[[:space:]]*K_NONE" tests/user/fuzz/calls.c; then
	case_line fuzzer_knows_it 0
else
	case_line fuzzer_knows_it 1 "tests/user/fuzz/calls.c gives $name no argument shape yet: the fuzzer would only ever pass it zeros"
fi
