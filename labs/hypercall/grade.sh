#!/bin/sh
# The hypercall lab's grader (labs/hypercall/README.md, "What the grader
# checks").  Builds the kernel, the root task, the VMM and the lab's guest
# (guest/lab_hypercall.S) in BUILD_DIR, boots them in QEMU, and reads the
# serial log: the guest prints one line per VMCALL_WRITE_STRING it made,
#   hypercall: CASE rax=0x<16 hex digits> want=0x<16 hex digits>
# and between two such lines is what the VMM wrote to the console for the
# second call.  One check per case (what the call returned, and exactly
# what it wrote), then whether the VMM lived through them all and the
# guest ended well.
#   labs/hypercall/grade.sh BUILD_DIR LOGDIR      (run by make grade LAB=hypercall)
set -u
. "$(dirname "$0")/../lib.sh"
lab_start hypercall "$@"

# ---- build and boot ----
iso=$build/lab-hypercall.iso
lab_build build "$logs/build.log" "the kernel, the root task, the VMM or the guest does not build" \
	"$build/kernel.elf" "$build/prog/root.elf" "$build/prog/vmm.elf" "$build/guests/lab_hypercall.bin" ||
	exit 1
lab_iso build "$iso" "$here/root.cfg" "$build/prog/vmm.elf:vmm" "$here/vmm.cfg:vmm.cfg" \
	"$build/guests/lab_hypercall.bin:guest_lab_hypercall" || exit 1
case_line build 0
# The run ends by itself (the VMM's "end of tests" ends QEMU) in about a
# second.  One whose VMM faulted would idle until the limit: it is stopped
# as soon as the root task has reported the fault; one that loops, at the
# limit.
limit=30
lab_boot lab-hypercall "$iso" "$limit" '^root: server vmm faulted'

# ---- the cases ----
# Per case, in the guest's order: NAME RAX WANT CLEAN, where CLEAN is 1 if
# the result line starts its line (nothing the VMM wrote ran into it); the
# guest's console lines before it, since the previous case's (or since
# the VMM started), go to $logs/written-NAME.txt.  Lines of the system's
# own (the kernel's log, the root task's and the VMM's reports) are no
# guest output.
results=$logs/results.txt
rm -f "$logs"/written-*.txt
awk -v dir="$logs" '
/^root: started vmm / { started = 1 }
!started || /^(\[[A-Z]\] |root: |vmm: |# |ok |not ok |end of tests)/ { next }
match($0, /hypercall: [a-z_0-9]+ rax=0x[0-9a-f]+ want=0x[0-9a-f]+$/) {
	if (RSTART > 1)
		text = text substr($0, 1, RSTART - 1) "\n"
	split(substr($0, RSTART), f, /[ =]/)
	name = f[2]
	printf "%s", text > (dir "/written-" name ".txt")
	close(dir "/written-" name ".txt")
	print name, f[4], f[6], (RSTART == 1)
	text = ""
	next
}
{ text = text $0 "\n" }
' "$serial" >"$results"

# How the run ended, for the reasons of the checks: the root task's
# report of a VMM fault, no end at all, or the VMM's line on the guest
# when it stopped it ("# vmm: guest hypercall stopped: REASON ...") or
# the guest failed ("... reported failure N": the number of its first
# case that got a wrong answer).
fault=$(grep -a -m1 '^root: server vmm faulted' "$serial")
ended=$(grep -a -m1 '^end of tests:' "$serial")
why=$(grep -a -m1 '^# vmm: guest hypercall ' "$serial" | sed 's/^# vmm: guest hypercall //')
last=$(tail -1 "$results" | cut -d' ' -f1)
after=${last:+, the one after case $last}
if [ ! -s "$serial" ]; then
	cut_short="QEMU printed nothing: see $logs/lab-hypercall-qemu.emu.log"
elif [ -n "$fault" ]; then
	cut_short="the VMM faulted in a call$after (vmm_survived)"
elif [ -z "$ended" ]; then
	cut_short="the run did not end within ${limit}s (vmm_survived)"
elif [ -n "$why" ]; then
	cut_short="the VMM says: guest hypercall $why"
else
	cut_short="see $serial"
fi

# The lines the good cases must write: exactly these (the guest's strings).
expect_string() { echo "hypercall lab: one string, one exit"; }
expect_end_of_ram() { echo "hypercall lab: the last bytes of RAM"; }
expect_longest() {
	i=0
	while [ $i -lt 64 ]; do
		printf 'hypercall lab: longest, line %02d................................\n' $i
		i=$((i + 1))
	done
}

# What a returned RAX means.
meaning() {
	case $1 in
	0x0000000000000000) echo "0 (written)" ;;
	0x00000000ffffffff) echo "0xffffffff (VMCALL_ERR_UNKNOWN: the VMM does not know hypercall 2)" ;;
	0x00000000fffffffe) echo "0xfffffffe (VMCALL_ERR_RANGE)" ;;
	0x00000000fffffffd) echo "0xfffffffd (VMCALL_ERR_TOO_LONG)" ;;
	*) echo "$1 (no code of this lab)" ;;
	esac
}

# check_case NAME WHAT: WHAT says what the guest asked, for the reason.
check_case() {
	name=$1 what=$2
	line=$(grep "^$name " "$results" | head -1)
	if [ -z "$line" ]; then
		case_line "$name" 1 "$what: the guest never printed this case's result: $cut_short"
		return
	fi
	set -- $line # its words: NAME RAX WANT CLEAN
	rax=$2 want=$3 clean=$4
	written=$logs/written-$name.txt
	if [ "$rax" != "$want" ]; then
		case_line "$name" 1 "$what: VMCALL_WRITE_STRING returned $(meaning "$rax"), want $(meaning "$want")"
	elif [ "$want" = 0x0000000000000000 ] && command -v "expect_$name" >/dev/null; then
		if "expect_$name" | cmp -s - "$written"; then
			case_line "$name" 0
		else
			case_line "$name" 1 "$what: returned 0, but the console did not get exactly the string's bytes (got $(wc -l <"$written") lines: $written)"
		fi
	elif [ -s "$written" ] || [ "$clean" != 1 ]; then
		case_line "$name" 1 "$what: returned $(meaning "$rax") but wrote bytes to the console, which a call that writes nothing must not: $written"
	else
		case_line "$name" 0
	fi
}

check_case string "a 36-byte string in RAM"
check_case empty "length 0"
check_case end_of_ram "a string that ends at RAM's very end (0x200000)"
check_case longest "exactly 4096 bytes"
check_case past_ram "1 byte at 0x200000, the first address past RAM"
check_case straddles_end "16 bytes from 0x1ffff8: 8 in RAM, 8 past it"
check_case device_page "16 bytes at 0xfee00000, the local APIC's page"
check_case high_address "the good string's address plus 4 GiB"
check_case wraps "0x1000 bytes from 0xfffffffffffff800: address + length wraps past 2^64 to 0x800"
check_case too_long "4097 bytes, all in RAM"
check_case huge_32 "the good string's length plus 4 GiB"
check_case huge_64 "length 2^64 - 1"

# ---- the VMM and the guest ----
if [ ! -s "$serial" ]; then
	case_line vmm_survived 1 "$cut_short"
elif [ -n "$fault" ]; then
	case_line vmm_survived 1 "the VMM faulted in a call$after: $fault; a guest's numbers made it touch memory that is not the guest's RAM"
elif [ -z "$ended" ]; then
	case_line vmm_survived 1 "the run did not end within ${limit}s (last case printed: ${last:-none}): the VMM hangs or loops (over a length the guest chose?); see $serial"
else
	case_line vmm_survived 0
fi
summary=$(grep -a -m1 '^vmm: [0-9]* guests*: ' "$serial")
case $why in
"reported failure "*)
	n=${why#reported failure }
	why="$why: its case $n, $(sed -n "${n}s/ .*//p" "$results"), got a wrong answer" ;;
esac
if [ "$summary" = "vmm: 1 guest: 1 ended well, 0 failed" ]; then
	case_line guest_ended_well 0
elif [ -n "$summary" ]; then
	case_line guest_ended_well 1 "$summary${why:+: guest hypercall $why}"
else
	case_line guest_ended_well 1 "the VMM printed no summary line: $cut_short"
fi
