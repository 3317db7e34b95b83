#!/bin/sh
# Tests tools/book-check.sh, which keeps docs/book true to the code: in a
# copy of the repository's README.md and kernel/ whose book is one planted
# chapter, the chapter as
# written must pass, and each bad reference planted in it (a missing file, a
# function its file does not define, a bench figure other than README.md's,
# a function renamed in the code under a chapter that names it) must fail
# with a line naming the chapter and the line.
# Prints one line per case, as tests/boot/run-suite.sh does.
#   tests/bookcheck.sh
set -u
repo=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d /tmp/moat-bookcheck.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT PIPE TERM
# The copy holds what the planted chapter names: README.md and kernel/.
copy=$tmp/repo
mkdir -p "$copy/docs/book"
cp "$repo/README.md" "$copy/"
cp -R "$repo/kernel" "$copy/"
chapter=$copy/docs/book/99-planted.md
figure=$(awk '/^[ \t]+ipc_one_way_instructions: / { print $2 }' "$repo/README.md")

# The planted chapter: line 3 names a file, line 4 a function, line 6 a figure.
plant() {
	cat >"$chapter" <<-EOF
	# A planted chapter

	The scheduler is in \`kernel/thread.c\`: $1.
	It picks the next thread in \`$2\`.

	    ipc_one_way_instructions: $3
	EOF
}

. "$repo/tests/lib.sh" # case_line
case_prefix=book
# check: runs the script on the copy; its output in $tmp/out, its status returned.
check() {
	"$repo/tools/book-check.sh" "$copy" >"$tmp/out" 2>&1
}
# fails NAME MESSAGE: the check fails and says MESSAGE.
fails() {
	if check; then
		case_line "$1" 1 "passed; expected: $2"
	elif grep -qF -- "$2" "$tmp/out"; then
		case_line "$1" 0
	else
		case_line "$1" 1 "said $(tr '\n' ' ' <"$tmp/out" | cut -c1-200); expected: $2"
	fi
}

if [ -z "$figure" ]; then
	case_line check_passes_a_true_chapter 1 "README.md gives no ipc_one_way_instructions"
	exit 0
fi
plant "\`kernel/thread.c:return_to_user\`" "thread.c:schedule" "$figure"
if check; then
	case_line check_passes_a_true_chapter 0
else
	case_line check_passes_a_true_chapter 1 "said $(tr '\n' ' ' <"$tmp/out" | cut -c1-200)"
fi

plant "\`kernel/no_such_file.c\`" "thread.c:schedule" "$figure"
fails check_finds_a_missing_file "docs/book/99-planted.md:3: kernel/no_such_file.c: no such file"

plant "\`kernel/thread.c:return_to_user\`" "thread.c:no_such_function" "$figure"
fails check_finds_a_missing_function \
	"docs/book/99-planted.md:4: thread.c:no_such_function: thread.c defines no no_such_function"

plant "\`kernel/thread.c:return_to_user\`" "thread.c:schedule" "$((figure + 1))"
fails check_finds_a_wrong_bench_figure \
	"docs/book/99-planted.md:6: ipc_one_way_instructions: $((figure + 1)) here, $figure in README.md"

# The code drifts under a true chapter: the function it names is renamed.
plant "\`kernel/thread.c:return_to_user\`" "thread.c:schedule" "$figure"
sed -i 's/^static void schedule(void)$/static void schedule_renamed(void)/' "$copy/kernel/thread.c"
if ! grep -q '^static void schedule_renamed(void)$' "$copy/kernel/thread.c"; then
	case_line check_finds_a_renamed_function 1 "kernel/thread.c has no 'static void schedule(void)' to rename"
else
	fails check_finds_a_renamed_function "docs/book/99-planted.md:4: thread.c:schedule: thread.c defines no schedule"
fi
