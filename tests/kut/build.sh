#!/bin/sh
# Builds kvm-unit-tests and the VMM's configuration to run it:
#   tests/kut/build.sh SRC OUT
# SRC is the read-only copy (../shared/third-party/kvm-unit-tests); it is
# copied to OUT/src and built there (./configure --arch=x86_64 && make).
# Then, for every case tests/kut/cases names, OUT/vmm.cfg gets a guest line
# made from the case's section of x86/unittests.cfg (tests/kut/mkconfig.awk),
# OUT/vmm-bochs.cfg and OUT/modules-bochs do the same for the cases Bochs
# runs with its Intel CPU (tests/kut/cases.bochs), OUT/vmm-bochs-svm.cfg and
# OUT/modules-bochs-svm for those it runs with its AMD one
# (tests/kut/cases.bochs-svm).  Each for the CPUs its lane's emulator has
# (tests/boot/kut.EMU.cpus, 1 without it): a multi-vCPU case's vCPUs go on
# them (cpus=, mkconfig.awk).
# OUT/root.cfg gives the VMM those images, and OUT/modules lists the ISO's
# boot modules besides the root task and the VMM (FILE:NAME); OUT/bench.cfg,
# OUT/root-bench.cfg and OUT/modules-bench do the same for make bench.  Without SRC, OUT/missing says so, and the
# runner (tests/kut/run.sh) prints a skip line for each case.
set -eu
src=$1 out=$2
here=$(dirname "$0")
rm -rf "$out"
mkdir -p "$out"
out=$(cd "$out" && pwd) # absolute: the build runs in $out/src
grep -v '^#' "$here/cases" | grep . >"$out/cases"
for emu in bochs bochs-svm; do
	grep -v '^#' "$here/cases.$emu" | grep . >"$out/cases-$emu"
done
if [ ! -f "$src/x86/unittests.cfg" ]; then
	echo "no kvm-unit-tests at $src" >"$out/missing"
	: >"$out/modules"
	: >"$out/modules-bench"
	: >"$out/modules-bochs"
	: >"$out/modules-bochs-svm"
	exit 0
fi
cp -r "$src" "$out/src"
chmod -R u+w "$out/src"
# The copy keeps upstream's symbolic links as small files that hold the
# link's target (x86/sieve.c holds "../common/sieve.c"): links again.
find "$out/src" -type f -size -256c | while read -r f; do
	target=$(cat "$f")
	case $target in
	../*) [ -f "$(dirname "$f")/$target" ] && ln -sf "$target" "$f" ;;
	esac
done
(cd "$out/src" && ./configure --arch=x86_64 >"$out/build.log" 2>&1 && make -j2 >>"$out/build.log" 2>&1) || {
	tail -20 "$out/build.log"
	echo "kvm-unit-tests did not build: $out/build.log" >&2
	exit 1
}
# The guest lines for the cases FILE names, for an emulator with CPUS
# processors: the count tests/boot/kut.EMU.cpus gives that lane's runs
# (tests/boot/run-suite.sh), so that a multi-vCPU case's cpus= names CPUs
# the machine has.
guests() { # CASES CPUS
	awk -f "$here/mkconfig.awk" -v cases="$1" -v hostcpus="$2" "$out/src/x86/unittests.cfg"
}
lane_cpus() { # EMU
	cat "$here/../boot/kut.$1.cpus" 2>/dev/null || echo 1
}
guests "$out/cases" "$(lane_cpus qemu)" >"$out/vmm.cfg"
files=$(sed -n 's/.* kernel=\([^ ]*\).*/\1/p' "$out/vmm.cfg" | sort -u)
for f in $files; do
	[ -f "$out/src/x86/$f" ] || { echo "kvm-unit-tests built no x86/$f" >&2; exit 1; }
done
{
	echo "# The VMM runs kvm-unit-tests (made by tests/kut/build.sh)."
	echo "server vmm module=vmm priority=60 memory=1M console untyped=300M modules=vmm.cfg modules=$(echo $files | tr ' ' ,)"
} >"$out/root.cfg"
# Bochs's cases (tests/kut/cases.bochs, cases.bochs-svm), a VMM of their own
# for each of its CPUs.
for emu in bochs bochs-svm; do
	guests "$out/cases-$emu" "$(lane_cpus "$emu")" >"$out/vmm-$emu.cfg"
	echo "$out/root.cfg:config $out/vmm-$emu.cfg:vmm.cfg" >"$out/modules-$emu"
	for f in $files; do echo "$out/src/x86/$f:$f"; done >>"$out/modules-$emu"
done
# make bench's figures: the vmexit cases kvm-unit-tests times, alone in a
# VMM of their own (tools/bench.sh names each kut_NAME).  Bochs runs them
# with one CPU, so vmexit_ipi's two vCPUs share it, as the figure always had them.
printf '%s\n' vmexit_cpuid vmexit_inl_pmtimer vmexit_mov_to_cr8 vmexit_tscdeadline vmexit_ipi \
	>"$out/cases-bench"
guests "$out/cases-bench" 1 | sed 's/^guest /guest kut_/' >"$out/bench.cfg"
{
	echo "# The VMM runs kvm-unit-tests' vmexit timings (made by tests/kut/build.sh)."
	echo "server vmm module=vmm priority=60 memory=1M console untyped=300M modules=vmm.cfg,vmexit.flat"
} >"$out/root-bench.cfg"
echo "$out/root-bench.cfg:config $out/bench.cfg:vmm.cfg $out/src/x86/vmexit.flat:vmexit.flat" \
	>"$out/modules-bench"
{
	echo "$out/root.cfg:config $out/vmm.cfg:vmm.cfg"
	for f in $files; do echo "$out/src/x86/$f:$f"; done
} >"$out/modules"
