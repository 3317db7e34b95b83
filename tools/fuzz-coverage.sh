#!/bin/sh
# The share of each kernel source file's lines that the syscall fuzzer
# reaches (docs/testing.md).  Boots build/test-fuzz.iso in QEMU with its
# translation log (-d in_asm: every block of code QEMU translates, so every
# instruction run at least once), maps the kernel's addresses to source
# lines with addr2line on kernel.elf (built with -g), and divides by the
# lines that have code at all (every instruction address in kernel.elf).
#   tools/fuzz-coverage.sh BUILD_DIR
# Boot code run before the fuzzer counts too, as it is kernel code reached.
# QEMU has no VMX, so vcpu_vmx.c and vmx.c show what the SVM machine runs of them.
set -eu
build=$1
out=$build/coverage
mkdir -p "$out"
rm -f "$out/in_asm.log"
QEMU_EXTRA="-d in_asm -D $out/in_asm.log" timeout 600 \
	tools/emu.sh qemu-tcg "$build/test-fuzz.iso" "$out/serial.log" "$out/emu.log" || true
grep -a '^end of tests' "$out/serial.log" >/dev/null ||
	echo "fuzz-coverage: the fuzz run did not finish (see $out/serial.log)" >&2

# Source lines of the kernel's instructions: all of them, and those run.
lines() {
	addr2line -e "$build/kernel.elf" | sed -n 's|^.*/\(kernel/[^:]*\.[cS]\):\([0-9]*\).*|\1 \2|p' |
		sort -u
}
objdump -d --no-show-raw-insn "$build/kernel.elf" |
	sed -n 's/^ *\(ffffffff8[0-9a-f]*\):.*/\1/p' | lines >"$out/all.lines"
sed -n 's/^0x\(ffffffff8[0-9a-f]*\):.*/\1/p' "$out/in_asm.log" | sort -u | lines >"$out/hit.lines"

# One line per file: reached / with code, percent; then the total.
awk '
NR == FNR { hit[$1 " " $2] = 1; next }
{ all[$1]++; if (($1 " " $2) in hit) got[$1]++ }
END {
	for (f in all) {
		printf "%-26s %5d / %5d  %3d%%\n", f, got[f], all[f], 100 * got[f] / all[f]
		ta += all[f]; tg += got[f]
	}
	printf "%-26s %5d / %5d  %3d%%\n", "~total", tg, ta, 100 * tg / ta
}' "$out/hit.lines" "$out/all.lines" | sort >"$out/report.txt"
rm -f "$out/in_asm.log" # hundreds of MB
cat "$out/report.txt"
