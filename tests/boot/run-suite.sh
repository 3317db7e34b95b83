#!/bin/sh
# Runs one boot test suite in one emulator and prints one line per case:
#   ok N EMU:SUITE:CASE | not ok N EMU:SUITE:CASE | skip N EMU:SUITE:CASE # why
#   tests/boot/run-suite.sh EMU ISO SUITE LOGDIR TIMEOUT_SECONDS [--no-skip]
# Cases come from the kernel's own lines on the serial log, or, when
# tests/boot/SUITE.expect exists, from its "case: pattern" lines, each a
# grep -E pattern the serial log must contain.  tests/boot/SUITE.EMU.also
# adds such pattern cases to a run in that emulator only.  tests/boot/SUITE.check,
# if it exists, is run as `SUITE.check SERIAL_LOG EMU:SUITE` and prints cases
# of its own (ok N EMU:SUITE:CASE / not ok ...), for what one line's pattern
# cannot say (counts, order).  A run that hangs is killed
# at the timeout (a QEMU run first prints where each CPU was: qemu_where); one that ends without its closing line counts as a failed
# case "completed", and one whose closing line
# counts more cases than the log shows a failed case "all_cases_seen"; a VMM's summary line ("vmm: N guests: A ended well, B
# failed") is a case "vmm_summary" that fails unless B is 0.  --no-skip turns skips into failures (for the emulator
# that is meant to have every feature).  Logs stay in LOGDIR.
# tests/boot/SUITE.EMU.megs, if it exists, holds the machine's memory in MiB;
# tests/boot/SUITE.EMU.cpus its number of processors (EMU_CPUS, tools/emu.sh).
# tests/boot/SUITE.disk, if it exists, is run as `SUITE.disk IMAGE` to make a
# fresh disk image for the run, attached as the primary ATA master.
# tests/boot/SUITE.input, if it exists, is typed into COM1 when the machine
# prints "# input please"; COM1 then goes over a loopback socket
# (tests/boot/serial-feed.sh) instead of straight into the log file.
# tests/boot/SUITE.keys is pressed on the keyboard, a line each time the
# machine asks for input (tests/boot/key-feed.sh): through QEMU's monitor,
# or as a VNC viewer of Bochs's display.
# STOP_AT, if set, is a grep -E pattern: once a line of the serial log
# matches it the run is stopped there, as at the timeout, for a run that
# cannot end by itself after such a line (a grader's, once a server it
# tests has faulted: labs/lib.sh).
# tests/SUITE/expected-failures, if it exists, lists the cases that fail
# for a known reason in an emulator: they are skips that give the reason
# (tests/boot/expected-failures.sh).
set -u
emu=$1 iso=$2 suite=$3 logdir=$4 limit=$5 noskip=${6:-}
here=$(dirname "$0")
serial=$logdir/$suite-$emu.serial.log
emulog=$logdir/$suite-$emu.emu.log
mkdir -p "$logdir"
rm -f "$serial"
if [ -f "$here/$suite.$emu.megs" ]; then
	EMU_MEGS=$(cat "$here/$suite.$emu.megs")
	export EMU_MEGS
fi
if [ -f "$here/$suite.$emu.cpus" ]; then
	EMU_CPUS=$(cat "$here/$suite.$emu.cpus")
	export EMU_CPUS
fi
if [ -x "$here/$suite.disk" ]; then
	DISK=$logdir/$suite-$emu.disk.img
	"$here/$suite.disk" "$DISK" || echo "# $emu:$suite: making the disk image failed"
	export DISK
fi

# QEMU always without KVM: the same machine on every host.
mode=$emu
[ "$emu" = qemu ] && mode=qemu-tcg
feeder=
if [ -f "$here/$suite.input" ]; then
	# Runs go in parallel: distinct PIDs, and a range of their own per emulator.
	SERIAL_PORT=$((20000 + ($$ % 10000)))
	[ "$emu" = qemu ] || SERIAL_PORT=$((SERIAL_PORT + 10000))
	export SERIAL_PORT
	"$here/serial-feed.sh" "$SERIAL_PORT" "$serial" "$here/$suite.input" &
	feeder=$!
fi
keys=
if [ -f "$here/$suite.keys" ]; then
	if [ "$emu" = qemu ]; then
		MONITOR_PORT=$((40000 + ($$ % 20000)))
		export MONITOR_PORT
		"$here/key-feed.sh" qemu "$MONITOR_PORT" "$here/$suite.keys" "$serial" &
	else # Bochs's log names the port of its display, where the keys go in
		BOCHS_LOG=$logdir/$suite-$emu.bochs.log
		rm -f "$BOCHS_LOG"
		export BOCHS_LOG
		"$here/key-feed.sh" bochs "$BOCHS_LOG" "$here/$suite.keys" "$serial" &
	fi
	keys=$!
fi
# Where every CPU of a QEMU run was when the timeout killed it: its monitor's
# registers and local APICs into the emulator's log, and on comment lines
# each CPU's RIP (EIP: in a 16- or 32-bit guest) and its APIC's timer count,
# ISR, IRR and PPR (a hang then names where it is, in the CI's log too).
qemu_where() {
	local n=${EMU_CPUS:-1} ask="info registers -a\n" c
	for c in $(seq 0 $((n - 1))); do ask="${ask}cpu $c\ninfo lapic\n"; done
	bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" || exit
		printf "$2" >&3; sleep 3; timeout 3 cat <&3' _ "$1" "$ask" >"$emulog.cpus" 2>&1
	cat "$emulog.cpus" >>"$emulog"
	elf=$(dirname "$iso")/kernel.elf
	tr -d '\r' <"$emulog.cpus" | grep -oE '(^CPU#[0-9]+|[RE]IP=[0-9a-f]+|HLT=[01])' | while read -r w; do
		case $w in
		RIP=ffffffff*) # the kernel's: named from the ISO's kernel.elf
			printf '%s (%s) ' "$w" "$(addr2line -f -e "$elf" "${w#RIP=}" 2>/dev/null | head -1)" ;;
		EIP=*) printf '%s (a 16/32-bit guest) ' "$w" ;;
		*) printf '%s ' "$w" ;;
		esac
	done | sed "s/^/# $emu:$suite: at the timeout: /; s/ *\$/\n/"
	tr -d '\r' <"$emulog.cpus" | awk -v tag="# $emu:$suite: at the timeout:" '
		/dumping local APIC state for CPU/ { cpu = $NF }
		/^Timer/ { timer = $0; sub(/.*current_count = /, "", timer) }
		/^ISR/ { isr = $0; sub(/^ISR[ \t]*/, "", isr) }
		/^IRR/ { irr = $0; sub(/^IRR[ \t]*/, "", irr) }
		/PPR/ { ppr = $0; sub(/.*PPR /, "", ppr)
			printf "%s APIC of CPU %s: timer count %s, ISR %s, IRR %s, PPR %s\n", tag, cpu, timer, isr, irr, ppr }'
	rm -f "$emulog.cpus"
}
if [ "$emu" = qemu ] && [ -z "$keys" ] && [ -z "${STOP_AT:-}" ]; then
	MONITOR_PORT=$((40000 + ($$ % 20000)))
	export MONITOR_PORT
	"$here/../../tools/emu.sh" "$mode" "$iso" "$serial" "$emulog" &
	run=$! waited=0
	while kill -0 "$run" 2>/dev/null && [ "$waited" -lt "$limit" ]; do
		sleep 1
		waited=$((waited + 1))
	done
	if kill -0 "$run" 2>/dev/null; then
		qemu_where "$MONITOR_PORT"
		kill "$run" 2>/dev/null
		wait "$run"
		status=124
	else
		wait "$run"
		status=$?
	fi
elif [ -z "${STOP_AT:-}" ]; then
	timeout "$limit" "$here/../../tools/emu.sh" "$mode" "$iso" "$serial" "$emulog"
	status=$?
else # timeout passes the kill on to the emulator, and waits for it
	timeout "$limit" "$here/../../tools/emu.sh" "$mode" "$iso" "$serial" "$emulog" &
	run=$! stopped=
	while kill -0 "$run" 2>/dev/null; do
		sleep 1
		if grep -aqE -- "$STOP_AT" "$serial" 2>/dev/null; then
			kill "$run" 2>/dev/null
			stopped=yes
			break
		fi
	done
	wait "$run"
	status=$?
	[ -n "$stopped" ] && echo "# $emu:$suite: stopped at a line that matches $STOP_AT" >>"$emulog"
fi
[ $status -eq 124 ] && echo "# $emu:$suite: killed after ${limit}s" >>"$emulog"
[ -n "$feeder" ] && { sleep 1; kill "$feeder" 2>/dev/null; wait "$feeder" 2>/dev/null; }
[ -n "$keys" ] && { kill "$keys" 2>/dev/null; wait "$keys" 2>/dev/null; }
touch "$serial"
tr -d '\r' <"$serial" >"$serial.txt"
mv "$serial.txt" "$serial"

# One case per "name: pattern" line of file $1.
check_patterns() {
	n=0
	grep -v '^#' "$1" | while IFS= read -r line; do
		[ -z "$line" ] && continue
		n=$((n + 1))
		name=${line%%:*} pattern=${line#*: }
		if grep -qE -- "$pattern" "$serial"; then
			echo "ok $n $emu:$suite:$name"
		else
			echo "not ok $n $emu:$suite:$name # no line matches: $pattern"
		fi
	done
}

# The cases' verdicts, each a line.
verdicts() {
	if [ -f "$here/$suite.expect" ]; then
		check_patterns "$here/$suite.expect"
		return
	fi
	[ -f "$here/$suite.$emu.also" ] && check_patterns "$here/$suite.$emu.also"
	[ -x "$here/$suite.check" ] && "$here/$suite.check" "$serial" "$emu:$suite"

	awk -v p="$emu:$suite:" -v noskip="$noskip" '
	/^ok [0-9]+ /      { cases++; print "ok " $2 " " p $3; next }
	/^not ok [0-9]+ /  { cases++; print "not ok " $3 " " p $4; next }
	/^skip [0-9]+ /    {
		cases++
		why = $0; sub(/^[^#]*# ?/, "", why)
		if (noskip == "--no-skip")
			print "not ok " $2 " " p $3 " # skipped where it must run: " why
		else
			print "skip " $2 " " p $3 " # " why
		next
	}
	/^# /              { print }
	/^vmm: [0-9]+ guests?: [0-9]+ ended well, [0-9]+ failed/ { # a VMM summary: every guest counted
		print ($7 == 0 ? "ok 0 " : "not ok 0 ") p "vmm_summary" ($7 == 0 ? "" : " # " $0)
		next
	}
	# A closing line that counts more cases than the log shows lost one (a
	# line cut by two writers of COM1, say).  More lines than it counts are a
	# guest'\''s own cases inside its VMM'\''s one (linuxvm).
	/^end of tests: [0-9]+ passed, [0-9]+ failed, [0-9]+ skipped/ {
		said = $4 + $6 + $8
		if (said > cases)
			print "not ok 0 " p "all_cases_seen # the closing line counts " said \
				" cases, the log shows " cases ": a case line was lost"
		cases = 0
	}
	/^end of tests:/   { done = 1 }
	END { if (!done) print "not ok 0 " p "completed # the run ended without its closing line" }
	' "$serial"
}

# A suite's expected failures (tests/boot/expected-failures.sh): skips with their reasons.
xfail=$(dirname "$here")/$suite/expected-failures
if [ -f "$xfail" ]; then
	verdicts | "$here/expected-failures.sh" "$xfail" "$emu"
else
	verdicts
fi
