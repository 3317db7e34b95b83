#!/bin/sh
# The packaged Linux kernel's native boot, counted in instructions from the
# kernel's first to /init's first, under Bochs and under QEMU -icount
# (docs/linux.md, "Measuring"): the baseline of issue 15's benchmark.
#   tools/linux/bootcount.sh NATIVE_ISO PROBE_ISO
# NATIVE_ISO's /init prints the TSC when it starts ("moat-linux: init
# reached tsc=N"); PROBE_ISO is the same but for the entry probe over the
# kernel's first instructions, which prints the TSC there and stops.  Both
# boot the same firmware and GRUB, which read the same files, so the
# difference is the kernel's alone.  Bochs's TSC advances one per
# instruction, QEMU's under -icount shift=7 2^7 per instruction; both keep
# counting while the CPU halts (idle time counts as instructions).
# Prints "NAME: N" lines; exits 1 if a figure is missing.
set -eu
native=$1 probe=$2
here=$(dirname "$0")
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

# tsc LOG PATTERN: the decimal TSC on the log's line that matches PATTERN.
tsc() {
	v=$(tr -d '\r' <"$1" | sed -n "s/^$2.*tsc=\(0x[0-9a-f]*\|[0-9]*\)$/\1/p" | head -n 1)
	[ -n "$v" ] || return 1
	printf '%d\n' "$v"
}

# boot EMU ISO LOG PATTERN: boots ISO until its serial log has a line
# matching PATTERN (what follows is not counted, and a kernel that cannot
# power off, e.g. with acpi=off, would otherwise run to the time limit) or
# a kernel panic, for at most 15 minutes.
boot() {
	rm -f "$3"
	timeout 900 "$here/../emu.sh" "$1" "$2" "$3" "$3.emu" &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		if [ -f "$3" ] && tr -d '\r' <"$3" | grep -q "^$4.*tsc=\|Kernel panic"; then
			kill "$pid" 2>/dev/null # timeout passes it on to the emulator
			break
		fi
		sleep 1
	done
	wait "$pid" 2>/dev/null || true
}

# count EMU DIVISOR NAME: boots both ISOs in EMU and prints the figure.
count() {
	boot "$1" "$probe" "$dir/$1-probe.log" 'moat-linux-probe: kernel entry'
	boot "$1" "$native" "$dir/$1-native.log" 'moat-linux: init reached'
	if ! entry=$(tsc "$dir/$1-probe.log" 'moat-linux-probe: kernel entry') ||
		! init=$(tsc "$dir/$1-native.log" 'moat-linux: init reached'); then
		echo "# $1: no count; the logs end:" >&2
		tail -n 3 "$dir/$1-probe.log" "$dir/$1-native.log" >&2
		return 1
	fi
	echo "# $1: TSC $entry at the kernel's entry, $init at /init, / $2"
	echo "$3: $(((init - entry) / $2))"
}

status=0
QEMU_EXTRA="-icount shift=7" count qemu-tcg 128 linux_boot_native_instructions_qemu_icount ||
	status=1
count bochs 1 linux_boot_native_instructions || status=1
exit $status
