#!/bin/sh
# Tests tests/kut/mkconfig.awk's host CPUs: for a made-up unittests.cfg of
# one-, two- and three-vCPU cases, each guest line must carry cpus= as the
# emulator's CPU count says (none on one CPU or for one vCPU; one host CPU
# per vCPU, in turn when there are fewer), an AMD CPU in QEMU's settings
# must be vendor=amd, and a case the file lacks must fail.  Prints one line
# per case, as tests/boot/run-suite.sh does.
#   tests/kut/mkconfig-check.sh
set -u
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d /tmp/moat-mkconfig.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT PIPE TERM
cat >"$tmp/unittests.cfg" <<'EOF'
[one]
file = one.flat

[two]
file = two.flat
smp = 2

[three]
file = three.flat
smp = 3

[amd]
file = amd.flat
qemu_params = -cpu Opteron_G1,vendor=AuthenticAMD
EOF
printf '%s\n' one two three amd >"$tmp/cases"
n=0
# check NAME HOSTCPUS CASE EXPECTED: the case's cpus= option (or "none").
check() {
	n=$((n + 1))
	got=$(awk -f "$here/mkconfig.awk" -v cases="$tmp/cases" ${2:+-v hostcpus="$2"} "$tmp/unittests.cfg" |
		awk -v c="$3" '$2 == c { for (i = 3; i <= NF; i++) if ($i ~ /^cpus=/) { print $i; exit } print "none" }')
	if [ "$got" = "$4" ]; then
		echo "ok $n kut:mkconfig_$1"
	else
		echo "not ok $n kut:mkconfig_$1 # case $3 on ${2:-unset} CPUs: got '$got', want '$4'"
	fi
}
check one_cpu_leaves_cpus_out 1 two none
check no_count_is_one_cpu "" two none
check one_vcpu_needs_no_cpus 2 one none
check two_vcpus_on_two_cpus 2 two cpus=0,1
check three_vcpus_share_two_cpus 2 three cpus=0,1
check three_vcpus_on_four_cpus 4 three cpus=0,1,2
# vendor CASE EXPECTED: the case's vendor= option (or "none").
vendor() {
	n=$((n + 1))
	got=$(awk -f "$here/mkconfig.awk" -v cases="$tmp/cases" "$tmp/unittests.cfg" |
		awk -v c="$1" '$2 == c { for (i = 3; i <= NF; i++) if ($i ~ /^vendor=/) { print $i; exit } print "none" }')
	if [ "$got" = "$2" ]; then
		echo "ok $n kut:mkconfig_vendor_of_$1"
	else
		echo "not ok $n kut:mkconfig_vendor_of_$1 # got '$got', want '$2'"
	fi
}
vendor amd vendor=amd
vendor one none
n=$((n + 1))
echo missing >>"$tmp/cases"
if awk -f "$here/mkconfig.awk" -v cases="$tmp/cases" -v hostcpus=2 "$tmp/unittests.cfg" \
	>/dev/null 2>"$tmp/err" || ! grep -q "has no case missing" "$tmp/err"; then
	echo "not ok $n kut:mkconfig_unknown_case_fails # $(cat "$tmp/err")"
else
	echo "ok $n kut:mkconfig_unknown_case_fails"
fi
