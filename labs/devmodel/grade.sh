#!/bin/sh
# The devmodel lab's grader (labs/devmodel/README.md): a pvpanic device
# model in the VMM, with its host unit tests.  Prints one line per check
# (ok N lab:devmodel:CHECK / not ok N lab:devmodel:CHECK # why), the same
# checks every time, in four parts:
#   1. the host unit tests build and pass, and the four the README names
#      are there and pass;
#   2. those tests catch bugs: each is built against the student's model
#      with one bug put in (host/mutant.c) and must fail;
#   3. the grader's own host driver of the model (host/check_pvpanic.c);
#   4. the lab's guests (guest/*.S) under the VMM in QEMU: the VMM's lines
#      and its summary; and docs/vmm.md describes the device.
#   labs/devmodel/grade.sh BUILD_DIR LOGDIR        (through make grade LAB=devmodel)
set -u
. "$(dirname "$0")/../lib.sh"
lab_start devmodel "$@"
work=$build/lab-devmodel
mkdir -p "$work"
rm -f "$logs/unit-tests.out" "$logs/model.out" "$logs"/mutant*.out "$logs/devmodel-qemu.serial.log"
cc=${HOSTCC:-cc}

TESTS="pvpanic_reads_supported_events pvpanic_panicked_stops_the_guest
pvpanic_crash_loaded_runs_on pvpanic_ignores_what_is_no_event"
# mutant number (host/mutant.c), its check's name, the test that must catch it, what the bug is
MUTANTS="1 catches_open_bus_read pvpanic_reads_supported_events the_port_reading_0xff
2 catches_lost_panic pvpanic_panicked_stops_the_guest PANICKED_being_dropped
3 catches_crash_loaded_as_panic pvpanic_crash_loaded_runs_on CRASH_LOADED_stopping_the_guest
4 catches_lost_crash_loaded pvpanic_crash_loaded_runs_on CRASH_LOADED_being_dropped
5 catches_stray_write_as_panic pvpanic_ignores_what_is_no_event 0_or_bits_that_name_no_event_stopping_the_guest"
MODEL_CHECKS="model_constants model_reads_supported_events model_panicked_gives_the_reason
model_panicked_wins_over_crash_loaded model_crash_loaded_runs_on model_every_byte_written
model_init_resets model_devices_are_independent"
MODEL_H=servers/vmm/pvpanic.h MODEL_C=servers/vmm/pvpanic.c TEST_C=tests/unit/test_pvpanic.c

# What host unit test $2 gave in the unit tests' output $1: "ok", "not ok",
# or nothing (it did not run, or the output is not there).
unit_result() {
	sed -n -E "s/^(ok|not ok) [0-9]+ $2\$/\1/p" "$1" 2>/dev/null | head -n 1
}

# ---- 1. the host unit tests -------------------------------------------------
unit_ok=no
if lab_make "$logs/unit-build.log" "$build/unit-tests"; then
	case_line unit_tests_build 0
	unit_ok=yes
	timeout 60 "$build/unit-tests" >"$logs/unit-tests.out" 2>&1
	failed=$(grep '^not ok ' "$logs/unit-tests.out" | cut -d' ' -f4 | head -3 | tr '\n' ' ' | sed 's/ $//')
	if [ -z "$failed" ] && grep -q '^ok ' "$logs/unit-tests.out"; then
		case_line unit_tests_pass 0
	else
		case_line unit_tests_pass 1 "failing: ${failed:-none ran} (log: $logs/unit-tests.out)"
	fi
else
	hint=
	grep -q "undefined reference to .pvpanic_" "$logs/unit-build.log" && hint=" (is $MODEL_C in UNIT_SRCS in the Makefile?)"
	lab_build_failed unit_tests_build "the host unit tests do not build$hint" "$logs/unit-build.log"
	case_line unit_tests_pass 1 "not run: the host unit tests do not build"
fi
for t in $TESTS; do
	if [ $unit_ok = no ]; then
		case_line "unit_$t" 1 "not run: the host unit tests do not build"
		continue
	fi
	case $(unit_result "$logs/unit-tests.out" "$t") in
	ok) case_line "unit_$t" 0 ;;
	"not ok") case_line "unit_$t" 1 "your test $t fails (run it alone: $build/unit-tests $t)" ;;
	*) case_line "unit_$t" 1 "the host unit tests have no test named $t ($TEST_C)" ;;
	esac
done

# ---- 2. do the tests catch bugs? ----------------------------------------------
# The student's model with its functions renamed real_*, under mutant.c's.
renames="-Dpvpanic_init=real_pvpanic_init -Dpvpanic_read=real_pvpanic_read
	-Dpvpanic_write=real_pvpanic_write -Dpvpanic_stop_reason=real_pvpanic_stop_reason
	-Dpvpanic_crash_loaded=real_pvpanic_crash_loaded"
cflags="-std=gnu11 -g -O1 -Iservers/vmm -Ilib/include -Itests/unit"
mutants_built=no
if [ -f "$MODEL_C" ] && [ -f "$TEST_C" ] &&
	$cc $cflags $renames -c "$MODEL_C" -o "$work/model-renamed.o" >"$logs/mutants-build.log" 2>&1 &&
	$cc $cflags -c "$TEST_C" -o "$work/tests.o" >>"$logs/mutants-build.log" 2>&1 &&
	$cc $cflags -c tests/unit/unit_main.c -o "$work/unit_main.o" >>"$logs/mutants-build.log" 2>&1; then
	mutants_built=yes
fi
while read -r n name test bug; do
	bug=$(echo "$bug" | tr _ ' ')
	if [ ! -f "$MODEL_C" ] || [ ! -f "$TEST_C" ]; then
		case_line "$name" 1 "not run: $MODEL_C and $TEST_C are not both there"
		continue
	fi
	if [ "$(unit_result "$logs/unit-tests.out" "$test")" != ok ]; then
		case_line "$name" 1 "not run: your test $test must first pass on your model"
		continue
	fi
	bin=$work/mutant$n
	if [ $mutants_built = no ] ||
		! $cc $cflags -DMUTANT="$n" -c "$here/host/mutant.c" -o "$bin.o" >>"$logs/mutants-build.log" 2>&1 ||
		! $cc "$work/unit_main.o" "$work/tests.o" "$work/model-renamed.o" "$bin.o" -o "$bin" \
			>>"$logs/mutants-build.log" 2>&1; then
		lab_build_failed "$name" "your model and tests do not build with the grader's mutant" "$logs/mutants-build.log"
		continue
	fi
	timeout 10 "$bin" "$test" >"$logs/mutant$n.out" 2>&1
	case $(unit_result "$logs/mutant$n.out" "$test") in
	"not ok") case_line "$name" 0 ;;
	ok) case_line "$name" 1 "your test $test still passes on a model with a bug: $bug (check it through the functions of pvpanic.h)" ;;
	*) case_line "$name" 1 "your test $test crashed or hung on a model with a bug: $bug, where a check should fail (log: $logs/mutant$n.out)" ;;
	esac
done <<EOF
$MUTANTS
EOF

# ---- 3. the grader's own driver of the model ----------------------------------
driver=$work/check_pvpanic
rm -f "$driver"
why=
if [ ! -f "$MODEL_H" ] || [ ! -f "$MODEL_C" ]; then
	why="$MODEL_H and $MODEL_C are not both there yet"
elif ! $cc -std=gnu11 -g -O1 -fsanitize=address,undefined -Iservers/vmm -Ilib/include \
	"$here/host/check_pvpanic.c" "$MODEL_C" -o "$driver" >"$logs/model-build.log" 2>&1; then
	why="the grader's driver does not build with your model: $(lab_first_error "$logs/model-build.log")"
fi
if [ -z "$why" ]; then
	case_line model_builds 0
	timeout 10 "$driver" >"$logs/model.out" 2>&1
else
	case_line model_builds 1 "$why"
	: >"$logs/model.out"
fi
for c in $MODEL_CHECKS; do
	line=$(grep -E "^(not )?ok $c( |\$)" "$logs/model.out")
	case $line in
	"ok $c") case_line "$c" 0 ;;
	"not ok $c # "*) case_line "$c" 1 "${line#*# }" ;;
	*) if [ -n "$why" ]; then case_line "$c" 1 "not run: see model_builds"
	   else case_line "$c" 1 "not run: the driver stopped before it (a crash? log: $logs/model.out)"; fi ;;
	esac
done

# ---- 4. the guests under the VMM -------------------------------------------------
guests="devmodel_probe devmodel_crash devmodel_panic"
iso=$work/devmodel.iso
bins=
mods=
for gname in $guests; do
	bins="$bins $build/guests/$gname.bin"
	mods="$mods $build/guests/$gname.bin:guest_$gname"
done
booted=no
serial=$logs/devmodel-qemu.serial.log
if lab_build build "$logs/build.log" "the kernel, the VMM or the lab's guests do not build" \
		"$build/kernel.elf" "$build/prog/root.elf" "$build/prog/vmm.elf" $bins &&
	lab_iso build "$iso" "$here/root.cfg" "$build/prog/vmm.elf:vmm" "$here/vmm.cfg:vmm.cfg" $mods; then
	case_line build 0
	lab_boot devmodel "$iso" 60
	booted=yes
fi
touch "$serial"

# The VMM's line on guest $1 (a case's "# vmm: guest N ..." or a plain guest's "vmm: guest N ...").
vmm_says() {
	grep -m1 -E "^(# )?vmm: guest $1 " "$serial" | sed 's/^# //'
}
# The failure code guest $1 reported on the result port, or nothing.
failure_of() {
	vmm_says "$1" | sed -n 's/.* reported failure \([0-9]*\)$/\1/p'
}
# Why guest $1 failed, in words, from its failure code (guest/*.S: 0x100,
# 0x200, 0x300 + the byte it read) or the VMM's line; $2, $3: what came
# before its reads 0x200 and 0x300.
why_failed() {
	said=$(vmm_says "$1")
	code=$(failure_of "$1")
	if [ -z "$said" ]; then
		echo "the VMM said nothing of guest $1 (log: $serial)"
		return
	fi
	byte=$(printf '%#x' $((${code:-0} % 256)))
	case $((${code:-0} / 256)) in
	1) where="port 0x505 reads $byte in guest $1" ;;
	2) where="in guest $1, after $2, port 0x505 reads $byte" ;;
	3) where="in guest $1, after $3, port 0x505 reads $byte" ;;
	*) echo "$said"; return ;;
	esac
	if [ "$byte" = 0xff ]; then
		echo "$where: nothing answers it (servers/vmm/devices.c)"
	else
		echo "$where, not 0x03"
	fi
}
not_run() {
	for c; do case_line "$c" 1 "not run: the system did not build"; done
}
if [ $booted = no ]; then
	not_run boot_completed port_reads_0x03 no_event_writes_change_nothing crash_loaded_guest_runs_on \
		crash_loaded_reported panicked_guest_stopped summary_counts_the_panic
else
	if grep -q '^end of tests:' "$serial" && grep -qE '^vmm: [0-9]+ guests?:' "$serial"; then
		case_line boot_completed 0
	else
		case_line boot_completed 1 "the run ended without the VMM's summary (did the VMM crash or hang?): $serial"
	fi
	probe_why=$(why_failed devmodel_probe "a write of 0 (no event)" "a write of 0xfc (no event)")
	if grep -qE '^ok [0-9]+ devmodel_probe$' "$serial"; then
		case_line port_reads_0x03 0
		case_line no_event_writes_change_nothing 0
	else
		code=$(failure_of devmodel_probe)
		if [ -n "$code" ] && [ "$code" -ge 512 ]; then # its first read was right
			case_line port_reads_0x03 0
		else
			case_line port_reads_0x03 1 "$probe_why"
		fi
		case_line no_event_writes_change_nothing 1 "$probe_why"
	fi
	if grep -qE '^ok [0-9]+ devmodel_crash$' "$serial"; then
		case_line crash_loaded_guest_runs_on 0
	else
		case_line crash_loaded_guest_runs_on 1 "$(why_failed devmodel_crash "two writes of CRASH_LOADED (2)")"
	fi
	want="vmm: guest devmodel_crash panicked with a crash kernel loaded (pvpanic): it runs on"
	n=$(grep -cxF "$want" "$serial")
	if [ "$n" -eq 1 ]; then
		case_line crash_loaded_reported 0
	else
		case_line crash_loaded_reported 1 "the VMM printed the line \"$want\" $n times, not once"
	fi
	panic=$(vmm_says devmodel_panic)
	want="vmm: guest devmodel_panic panicked (pvpanic)"
	if [ "$panic" = "$want" ]; then
		case_line panicked_guest_stopped 0
	elif [ "$(failure_of devmodel_panic)" = 1 ]; then
		case_line panicked_guest_stopped 1 "devmodel_panic ran on after writing PANICKED (1) to port 0x505: the VMM must stop it at that write, with the reason \"panicked (pvpanic)\""
	elif [ -n "$(failure_of devmodel_panic)" ] || [ -z "$panic" ]; then
		case_line panicked_guest_stopped 1 "$(why_failed devmodel_panic)"
	else
		case_line panicked_guest_stopped 1 "the VMM's line is \"$panic\", not \"$want\""
	fi
	summary=$(grep -m1 -E '^vmm: [0-9]+ guests?:' "$serial")
	if [ "$summary" = "vmm: 3 guests: 2 ended well, 1 failed" ]; then
		case_line summary_counts_the_panic 0
	else
		case_line summary_counts_the_panic 1 "the VMM's summary is \"${summary:-missing}\", not \"vmm: 3 guests: 2 ended well, 1 failed\""
	fi
fi

if grep -q pvpanic docs/vmm.md && grep -q 0x505 docs/vmm.md; then
	case_line docs_describe_the_device 0
else
	case_line docs_describe_the_device 1 "docs/vmm.md does not describe the device yet (it does not name both pvpanic and port 0x505)"
fi
