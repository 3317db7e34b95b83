#!/bin/sh
# Grades one lab (labs/README.md): runs labs/NAME/grade.sh, which builds
# what its check needs in BUILD_DIR, boots it and prints one line per check
# (ok N lab:NAME:CHECK / not ok N lab:NAME:CHECK # why); then a last line
# with the count.  Exits 0 only when every check passed.
#   labs/grade.sh NAME BUILD_DIR          (make grade LAB=NAME)
set -u
lab=${1:-} build=${2:-build}
here=$(cd "$(dirname "$0")" && pwd)
labs=$(cd "$here" && ls -d */grade.sh 2>/dev/null | sed 's,/grade.sh,,' | tr '\n' ' ')
if [ -z "$lab" ] || [ ! -x "$here/$lab/grade.sh" ]; then
	echo "grade: no lab '${lab}'; the labs are: $labs(make grade LAB=NAME)" >&2
	exit 2
fi
logs=$build/lab-logs/$lab
mkdir -p "$logs"
"$here/$lab/grade.sh" "$build" "$logs" | tee "$logs/grade.out"
passed=$(grep -c '^ok ' "$logs/grade.out")
failed=$(grep -c '^not ok ' "$logs/grade.out")
echo "grade $lab: $passed of $((passed + failed)) checks pass (logs: $logs)"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
