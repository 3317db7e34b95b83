#!/bin/sh
# Runs kvm-unit-tests under the VMM in one emulator and prints one line per
# case of tests/kut/cases:
#   tests/kut/run.sh EMU ISO KUT_OUT LOGDIR TIMEOUT_SECONDS [CASES]
# KUT_OUT is tests/kut/build.sh's output; CASES the cases ISO runs
# (KUT_OUT/cases, all of them, if not given).  The VMM reports each case (a
# guest with test=debug-exit); a case it never reported (the run ended or
# was killed first) is a failure.  A case listed in
# tests/kut/expected-failures for this emulator becomes a skip line that
# gives the listed reason when it fails; when it passes, it is a pass with
# a note to take it off the list (not a failure: some of the listed ones
# depend on timing, and a run that happens to pass them must not fail).  Without kvm-unit-tests (KUT_OUT/missing) every
# case is a skip line: nothing passes that did not run.
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
	verdict=$(grep -E "^(not )?ok [0-9]+ $emu:kut:$c( |\$)" "$logdir/kut-$emu.lines" | head -1)
	case $verdict in
	ok*) result=ok why= ;;
	"not ok"*) result="not ok" why=" # ${verdict#*# }" ; [ "$why" = " # $verdict" ] && why= ;;
	*) result="not ok" why=" # no result: the run ended first (see $logdir/kut-$emu.serial.log)" ;;
	esac
	reason=$(awk -v e="$emu" -v c="$c" '!/^#/ && ($1 == e || $1 == "*") && $2 == c {
		$1 = ""; $2 = ""; sub(/^ +/, ""); print; exit }' "$here/expected-failures")
	if [ -n "$reason" ] && [ "$result" = ok ]; then
		echo "ok $n $emu:kut:$c # passes although listed: take it off tests/kut/expected-failures"
	elif [ -n "$reason" ]; then
		echo "skip $n $emu:kut:$c # expected failure: $reason"
	else
		echo "$result $n $emu:kut:$c$why"
	fi
done <"$cases"
