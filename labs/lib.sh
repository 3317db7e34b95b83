# Shell helpers the labs' graders (labs/*/grade.sh) share; sourced, not
# run, first thing in a grader, which then names itself:
#   . "$(dirname "$0")/../lib.sh"
#   lab_start NAME "$@"
# Each helper that can fail prints the failing check itself, one line
# (tests/lib.sh's case_line, which this file brings in), and returns
# non-zero; the grader decides what runs after it.  Nothing prints a
# passing check: a grader says ok where its list of checks has one.

# Sourced before lab_start's cd, so relative to where the grader was run from.
. "$(dirname "$0")/../../tests/lib.sh"

# lab_start NAME BUILD_DIR LOGDIR: the grader's setup.  Sets here (its lab's
# directory), repo, build and logs (both made, and absolute, as the
# caller meant them before the cd) and case_prefix (lab:NAME); moves to
# the repository's top, where the Makefile is.  The grader's makes are its
# own: the jobserver and variables of a make that started it (make grade)
# stay out.
lab_start() {
	here=$(cd "$(dirname "$0")" && pwd) || exit 1
	repo=$(cd "$here/../.." && pwd) || exit 1
	mkdir -p "$2" "$3" || exit 1
	build=$(cd "$2" && pwd) && logs=$(cd "$3" && pwd) || exit 1
	case_prefix=lab:$1
	unset MAKEFLAGS MFLAGS MAKELEVEL
	cd "$repo" || exit 1
}

# lab_first_error LOG: the first line of build log LOG that says what went
# wrong (a compiler's or linker's error, make's own), and where LOG is.
lab_first_error() {
	lab_line=$(grep -a -m1 -E 'error|Error|undefined reference|No rule' "$1" | cut -c1-240)
	echo "${lab_line:-see the log}; log: $1"
}

# lab_build_failed CHECK WHAT LOG: CHECK fails: WHAT (what did not build),
# with the first error from LOG (lab_first_error).
lab_build_failed() {
	case_line "$1" 1 "$2: $(lab_first_error "$3")"
}

# lab_make LOG TARGET...: make TARGETs (file names under $build, or make's
# options) without Linux; make's output goes to LOG.  Its status.
lab_make() {
	lab_log=$1
	shift
	make BUILD="$build" LINUX=no "$@" >"$lab_log" 2>&1
}

# lab_build CHECK LOG WHAT TARGET...: lab_make LOG TARGET...; if make
# fails, CHECK fails (lab_build_failed CHECK WHAT LOG) and the status is 1.
lab_build() {
	lab_check=$1 lab_log=$2 lab_what=$3
	shift 3
	lab_make "$lab_log" "$@" && return 0
	lab_build_failed "$lab_check" "$lab_what" "$lab_log"
	return 1
}

# lab_iso CHECK ISO CONFIG MODULE...: the ISO to boot, with iso/mkiso.sh:
# the kernel built in $build (loglevel=info), the root task, CONFIG as its
# configuration and each MODULE (FILE:NAME, as mkiso.sh takes them); its
# output in $logs/iso.log.  If that fails, CHECK fails and the status is 1.
lab_iso() {
	lab_check=$1 lab_image=$2 lab_config=$3
	shift 3
	iso/mkiso.sh "$lab_image" "$build/kernel.elf" "loglevel=info" "$build/prog/root.elf:root" \
		"$lab_config:config" "$@" >"$logs/iso.log" 2>&1 && return 0
	case_line "$lab_check" 1 "making the ISO failed: see $logs/iso.log"
	return 1
}

# lab_boot SUITE ISO LIMIT [STOP]: boots ISO in QEMU as a run of boot test
# suite SUITE (tests/boot/run-suite.sh: no KVM, so the same machine on
# every host; QEMU_EXTRA from the environment), stopped after LIMIT
# seconds if it does not end by itself, or as soon as a line of its serial
# log matches the grep -E pattern STOP (a run that cannot end after it,
# e.g. a server's fault).  Sets serial, the serial log
# ($logs/SUITE-qemu.serial.log, without CRs), and cases, the run's case
# lines ($logs/SUITE.cases: the kernel's, or those its
# tests/boot/SUITE.expect and SUITE.check say).
lab_boot() {
	serial=$logs/$1-qemu.serial.log cases=$logs/$1.cases
	STOP_AT=${4:-} tests/boot/run-suite.sh qemu "$2" "$1" "$logs" "$3" >"$cases" 2>&1
}
