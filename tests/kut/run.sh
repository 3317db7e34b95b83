#!/bin/sh
# Runs kvm-unit-tests under the VMM in one emulator and prints one line per
# case of tests/kut/cases:
#   tests/kut/run.sh EMU ISO KUT_OUT LOGDIR TIMEOUT_SECONDS [CASES]
# KUT_OUT is tests/kut/build.sh's output; CASES the cases ISO runs
# (KUT_OUT/cases, all of them, if not given).  The VMM reports each case (a
# guest with test=debug-exit); a case it never reported (the run ended or
# was killed first) is a failure.  A case listed in
# tests/kut/expected-failures for this emulator becomes a skip line that
# gives the listed reason when it fails, whether the VMM reported it or
# not (tests/boot/expected-failures.sh, which tests/boot/run-suite.sh
# applies to the cases reported).  A case of tests/kut/cases that CASES
# leaves out is a skip line with the reason tests/kut/expected-failures
# gives for it, or a failure where it gives none: no case drops silently.
# Without kvm-unit-tests (KUT_OUT/missing) every case is a skip line:
# nothing passes that did not run.
set -u
emu=$1 iso=$2 out=$3 logdir=$4 limit=$5 cases=${6:-$3/cases}
here=$(dirname "$0")
mkdir -p "$logdir"
if [ -f "$out/missing" ]; then
	n=0
	while read -r c; do
		n=$((n + 1))
		echo "skip $n $emu:kut:$c # $(cat "$out/missing")"
	done <"$cases"
	exit 0
fi
"$here/../boot/run-suite.sh" "$emu" "$iso" kut "$logdir" "$limit" --no-skip >"$logdir/kut-$emu.lines"
grep '^# ' "$logdir/kut-$emu.lines"
n=0
while read -r c; do
	n=$((n + 1))
	verdict=$(grep -E "^(not ok|ok|skip) [0-9]+ $emu:kut:$c( |\$)" "$logdir/kut-$emu.lines" | head -1)
	[ -n "$verdict" ] || verdict=$(echo "not ok 0 $emu:kut:$c # no result: the run ended first (see $logdir/kut-$emu.serial.log)" |
		"$here/../boot/expected-failures.sh" "$here/expected-failures" "$emu")
	echo "$verdict" | sed -E "s/^(not ok|ok|skip) [0-9]+ /\1 $n /"
done <"$cases"
# The cases this emulator does not run, and why.
while read -r c; do
	grep -qx "$c" "$cases" && continue
	n=$((n + 1))
	reason=$(awk -v e="$emu" -v c="$c" '($1 == e || $1 == "*") && $2 == c { sub(/^[^ ]+ +[^ ]+ +/, ""); print; exit }' \
		"$here/expected-failures")
	if [ -n "$reason" ]; then
		echo "skip $n $emu:kut:$c # not run under $emu: $reason"
	else
		echo "not ok $n $emu:kut:$c # not run under $emu, and tests/kut/expected-failures says not why"
	fi
done <"$out/cases"
