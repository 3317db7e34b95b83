#!/bin/sh
# Applies a suite's list of expected failures to its verdict lines:
#   tests/boot/expected-failures.sh LIST EMU <LINES
# LIST has a line "EMU CASE REASON" for each case that fails for a known
# reason in emulator EMU (qemu, bochs, bochs-svm, or * for all; # starts a
# comment); the goal is that the list is empty.  Of the lines on standard
# input, a listed case's "not ok N EMU:SUITE:CASE ..." becomes "skip N
# EMU:SUITE:CASE # expected failure: REASON", and its "ok" stays a pass
# with a note to take it off the list (not a failure: some listed cases
# depend on timing, and a run that happens to pass them must not fail).
# A REASON that starts "failure N:" expects that one failure of a VMM's
# test guest (the VMM's line "# vmm: guest CASE reported failure N" before
# the verdict): with any other the case still fails, so a listed guest
# keeps its other checks.  A VMM's summary case (vmm_summary,
# tests/boot/run-suite.sh) that failed passes when the guests it counts as
# failed are exactly the expected failures before it.  Every other line
# goes through as it is.
# tests/boot/run-suite.sh applies tests/SUITE/expected-failures this way,
# and tests/kut/run.sh to the cases the run never reported.
set -u
list=$1 emu=$2
awk -v emu="$emu" -v list="$list" '
NR == FNR {
	if ($0 !~ /^#/ && NF >= 3 && ($1 == emu || $1 == "*") && !($2 in why)) {
		reason = $0
		sub(/^[^ ]+ +[^ ]+ +/, "", reason)
		why[$2] = reason
	}
	next
}
# the case of a verdict line ("ok N E:S:C ..." or "not ok N E:S:C ..."), or ""
function case_of(line,   f, c, parts) {
	split(line, f, " ")
	c = f[1] == "not" ? f[4] : f[3]
	if (split(c, parts, ":") < 3)
		return ""
	sub(/^[^:]*:[^:]*:/, "", c)
	return c
}
/^# vmm: guest [^ ]+ reported failure [0-9]+$/ { reported[$4] = $7 }
# the N of a reason "failure N: ..." for case c, or "" (any failure)
function failure_named(c) {
	if (!match(why[c], /^failure [0-9]+:/))
		return ""
	return substr(why[c], 9, RLENGTH - 9)
}
/^(not )?ok [0-9]+ / {
	c = case_of($0)
	if (c == "vmm_summary" && /^not ok / && match($0, /ended well, [0-9]+ failed/)) {
		failed = substr($0, RSTART, RLENGTH)
		gsub(/[^0-9]/, "", failed)
		if (failed + 0 == expected) {
			sub(/ # .*/, "")
			sub(/^not ok/, "ok")
			print $0 " # its " failed " failed: the expected failures (" list ")"
			next
		}
	}
	if (c != "" && c in why) {
		if (/^ok /) {
			sub(/ # .*/, "")
			print $0 " # passes although listed: take it off " list
		} else if (failure_named(c) != "" && !((c in reported) && reported[c] == failure_named(c))) {
			sub(/ # .*/, "")
			print $0 " # " (c in reported ? "failure " reported[c] : "no failure code") \
				", not the expected failure " failure_named(c) " (" list ")"
		} else {
			expected++
			sub(/^not ok/, "skip")
			sub(/ # .*/, "")
			print $0 " # expected failure: " why[c]
		}
		next
	}
}
{ print }
' "$list" -
