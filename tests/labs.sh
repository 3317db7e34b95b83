#!/bin/sh
# Keeps the labs (labs/README.md) honest.  For every lab, two cases:
#   lab:NAME:start_fails       its grader fails on the repository as it is
#                              (the student's starting point), with at least
#                              one failing check, not an error of its own;
#   lab:NAME:solution_passes   in a copy of the repository with the lab's
#                              reference solution (labs/NAME/solution.patch)
#                              applied, every check of its grader passes.
# Prints one line per case, as tests/boot/run-suite.sh does.
#   tests/labs.sh BUILD_DIR LOGDIR
set -u
build=$1 logs=$2
repo=$(cd "$(dirname "$0")/.." && pwd)
. "$repo/tests/lib.sh"
# Not a sub-make of make test's: its jobserver and variables stay out.
unset MAKEFLAGS MFLAGS MAKELEVEL
mkdir -p "$logs"
tmp=$(mktemp -d /tmp/moat-labs.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT PIPE TERM

# The repository's files as they are (committed or not, but not ignored
# ones such as build/), in a copy of their own: with git, the files git
# would commit; without, everything but the build directories.
copy_repo() {
	mkdir -p "$1"
	if git -C "$repo" rev-parse --git-dir >/dev/null 2>&1; then
		git -C "$repo" ls-files -co --exclude-standard -z |
			(cd "$repo" && xargs -0 tar -cf - --no-recursion --ignore-failed-read) |
			tar -C "$1" -xf -
	else
		(cd "$repo" && tar --exclude=./build --exclude=./.git -cf - .) | tar -C "$1" -xf -
	fi
}

for grader in "$repo"/labs/*/grade.sh; do
	[ -x "$grader" ] || continue
	lab=$(basename "$(dirname "$grader")")
	case_prefix=lab:$lab
	out=$logs/lab-$lab-start.out
	"$repo/labs/grade.sh" "$lab" "$build" >"$out" 2>&1
	status=$?
	if [ $status -ne 0 ] && grep -q '^not ok ' "$out"; then
		case_line start_fails 0
	else
		case_line start_fails 1 "the grader (status $status) did not fail a check on the starting point: $out"
	fi

	copy=$tmp/$lab
	out=$logs/lab-$lab-solution.out
	copy_repo "$copy"
	if ! (cd "$copy" && patch -p1 -s --no-backup-if-mismatch <"labs/$lab/solution.patch") >"$out" 2>&1; then
		case_line solution_passes 1 "labs/$lab/solution.patch no longer applies: $out"
		continue
	fi
	(cd "$copy" && labs/grade.sh "$lab" build) >>"$out" 2>&1
	status=$?
	if [ $status -eq 0 ]; then
		case_line solution_passes 0
	else
		case_line solution_passes 1 "the grader failed the reference solution (status $status): $out"
	fi
	rm -rf "$copy"
done
