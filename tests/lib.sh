# Shell helpers the test scripts share; sourced (. tests/lib.sh), not run.
#
# case_line NAME STATUS [WHY]: one case's line, as tests/boot/run-suite.sh
# prints them: "ok N PREFIX:NAME" when STATUS is 0, else "not ok N
# PREFIX:NAME # WHY".  The caller sets case_prefix (e.g. qemu:guestcmd); N
# counts the cases this script has printed.
case_n=0
case_line() {
	case_n=$((case_n + 1))
	if [ "$2" -eq 0 ]; then
		echo "ok $case_n $case_prefix:$1"
	else
		echo "not ok $case_n $case_prefix:$1 # ${3:-}"
	fi
}
