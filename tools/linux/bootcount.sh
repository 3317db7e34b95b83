#!/bin/sh
# The packaged Linux kernel's boot, counted in instructions from the
# kernel's first to /init's first, under Bochs and under QEMU -icount
# (docs/linux.md, "Measuring"): natively, and as the VMM's guest with the
# same initramfs and command line, issue 15's benchmark.
#   tools/linux/bootcount.sh NATIVE_ISO PROBE_ISO [GUEST_ISO]
# NATIVE_ISO's /init prints the TSC when it starts ("moat-linux: init
# reached tsc=N"); PROBE_ISO is the same but for the entry probe over the
# kernel's first instructions, which prints the TSC there and stops.  Both
# boot the same firmware and GRUB, which read the same files, so the
# difference is the kernel's alone.  Bochs's TSC advances one per
# instruction, QEMU's under -icount shift=7 2^7 per instruction; both keep
# counting while the CPU halts (idle time counts as instructions).
# Prints "NAME: N" lines; exits 1 if a figure is missing.
# GUEST_ISO's VMM starts the kernel as guest linux_boot, stops it at
# /init's first line, and prints "vmm: guest linux_boot: N exits from TSC
# A to B: REASON COUNT, ..." (exit-stats): A is the TSC just before the
# guest's first instruction; the guest's TSC is the host's.
set -eu
native=$1 probe=$2 guest=${3:-}
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
		if [ -f "$3" ] && tr -d '\r' <"$3" | grep -q "^$4\|Kernel panic"; then
			kill "$pid" 2>/dev/null # timeout passes it on to the emulator
			break
		fi
		sleep 1
	done
	wait "$pid" 2>/dev/null || true
}

# count EMU DIVISOR NAME: boots both ISOs in EMU and prints the figure.
count() {
	boot "$1" "$probe" "$dir/$1-probe.log" 'moat-linux-probe: kernel entry.*tsc='
	boot "$1" "$native" "$dir/$1-native.log" 'moat-linux: init reached.*tsc='
	if ! entry=$(tsc "$dir/$1-probe.log" 'moat-linux-probe: kernel entry') ||
		! init=$(tsc "$dir/$1-native.log" 'moat-linux: init reached'); then
		echo "# $1: no count; the logs end:" >&2
		tail -n 3 "$dir/$1-probe.log" "$dir/$1-native.log" >&2
		return 1
	fi
	echo "# $1: TSC $entry at the kernel's entry, $init at /init, / $2"
	echo $(((init - entry) / $2)) >"$dir/$1-native.count"
	echo "$3: $(((init - entry) / $2))"
}

# count_guest EMU DIVISOR SUFFIX: boots GUEST_ISO in EMU and prints the
# guest's figures, its ratio to the native one counted before (in
# $dir/EMU-native.count) and its five commonest exits.
count_guest() {
	log=$dir/$1-guest.log
	EMU_MEGS=400 boot "$1" "$guest" "$log" 'vmm: guest linux_boot: [0-9]* exits from'
	line=$(tr -d '\r' <"$log" | grep -m1 '^vmm: guest linux_boot: [0-9]* exits from' || true)
	if ! init=$(tsc "$log" 'moat-linux: init reached') || [ -z "$line" ]; then
		echo "# $1: no guest count; the log ends:" >&2
		tail -n 3 "$log" >&2
		return 1
	fi
	first=$(echo "$line" | sed 's/.* exits from TSC \([0-9]*\) to .*/\1/')
	echo "# $1: TSC $first at the guest's first entry, $init at its /init, / $2"
	echo "# $1: $line"
	n=$(((init - first) / $2))
	echo "linux_boot_guest_instructions$3: $n"
	if [ -s "$dir/$1-native.count" ]; then
		awk -v g="$n" -v s="$3" '{ printf "linux_boot_overhead_ratio%s: %.2f\n", s, g / $1 }' \
			"$dir/$1-native.count"
	fi
	echo "$line" | sed 's/.*: //' | tr ',' '\n' | awk -v s="$3" '
		NF == 2 { name = tolower($1); gsub(/-/, "_", name); printf "linux_boot_guest_exits_%s%s: %d\n", name, s, $2 }'
}

status=0
QEMU_EXTRA="-icount shift=7" count qemu-tcg 128 linux_boot_native_instructions_qemu_icount ||
	status=1
count bochs 1 linux_boot_native_instructions || status=1
if [ -n "$guest" ]; then
	QEMU_EXTRA="-icount shift=7" count_guest qemu-tcg 128 _qemu_icount || status=1
	count_guest bochs 1 "" || status=1
fi
exit $status
