#!/bin/sh
# Keeps the book (docs/book/*.md) true to the code: fails, naming
# CHAPTER:LINE, when a chapter names
#   - a file that does not exist: any path under one of the source
#     directories (kernel/, lib/, servers/, tests/, tools/, docs/, iso/,
#     mk/, .ci/), anywhere in the text, or a bare file name in a code span
#     (`boot.S`) that no file of the repository has;
#   - a FILE:FUNCTION (`thread.c:schedule`, `kernel/entry.S:syscall_entry`,
#     in a code span or not) whose function FILE does not define: a C
#     function (its name at the start of a line, then its body before any
#     ';'), a #define, or an assembly label;
#   - a make bench figure, a lower-case `name: value` (`ipc_one_way_instructions: 145`),
#     that README.md's "Benchmarks" list does not give with that value.
# A bare name that several files have (main.c) holds if one of them fits.
# Links and names outside code spans are not checked: write a file of
# another project (xv6's proc.c) without backticks.
#   tools/book-check.sh [ROOT]      (ROOT: the repository, by default this one)
# Prints one line per problem and exits 1 if there is any, else 0.
set -u
root=${1:-$(dirname "$0")/..}
book=$root/docs/book
readme=$root/README.md
if [ ! -d "$book" ]; then
	echo "$book: no such directory"
	exit 1
fi
if [ ! -f "$readme" ]; then
	echo "$readme: no such file (it gives the bench figures)"
	exit 1
fi
tmp=$(mktemp -d /tmp/book-check.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT PIPE TERM

# The bench figures: "name: value" lines of README.md's Benchmarks section.
awk '/^## / { in_bench = ($0 ~ /^## Benchmarks/) }
     in_bench && /^[ \t]+[a-z0-9_]+: [0-9]/ { print $1, $2 }' "$readme" |
	sed 's/: / /' >"$tmp/bench"

# Every file of the repository but .git and build output, for bare names.
(cd "$root" && find . -path ./.git -prune -o -path ./build -prune -o -type f -print) |
	sed 's|^\./||' >"$tmp/files"

# The references in the chapters, one per line: CHAPTER LINE KIND TOKEN, KIND
# one of path (a path under a source directory, maybe with :FUNCTION), name
# (a bare file name in a code span, maybe with :FUNCTION), bench (name=value).
for chapter in "$book"/*.md; do
	[ -f "$chapter" ] || continue
	awk -v chapter="docs/book/${chapter##*/}" '
	function emit(kind, token) { print chapter, FNR, kind, token }
	# Strips what may follow a reference in prose: a full stop, a comma...
	function trim(t) {
		while (t ~ /[.,;:)]$/)
			t = substr(t, 1, length(t) - 1)
		return t
	}
	/^[ \t]*```/ { fenced = !fenced; next }
	{
		line = $0
		# Paths under the source directories, anywhere.
		s = line
		while (match(s, /(^|[^A-Za-z0-9_.\/-])(kernel|lib|servers|tests|tools|docs|iso|mk|\.ci)\/[A-Za-z0-9_.\/-]*(:[A-Za-z_][A-Za-z0-9_]*)?/)) {
			t = substr(s, RSTART, RLENGTH)
			if (t !~ /^(kernel|lib|servers|tests|tools|docs|iso|mk|\.ci)\//)
				t = substr(t, 2)
			emit("path", trim(t))
			s = substr(s, RSTART + RLENGTH)
		}
		# FILE:FUNCTION with a bare file name, anywhere.
		s = line
		while (match(s, /(^|[^A-Za-z0-9_.\/-])[A-Za-z0-9_-]+\.(c|h|S|s):[A-Za-z_][A-Za-z0-9_]*/)) {
			t = substr(s, RSTART, RLENGTH)
			if (t !~ /^[A-Za-z0-9_-]/)
				t = substr(t, 2)
			emit("name", t)
			s = substr(s, RSTART + RLENGTH)
		}
		# A bare file name alone in a code span (outside fenced blocks).
		s = line
		while (!fenced && match(s, /`[A-Za-z0-9_-]+\.(c|h|S|s|ld|sh|md|cfg|mk)`/)) {
			emit("name", substr(s, RSTART + 1, RLENGTH - 2))
			s = substr(s, RSTART + RLENGTH)
		}
		# Bench figures: name: value.
		s = line
		while (match(s, /(^|[^A-Za-z0-9_])[a-z][a-z0-9]*_[a-z0-9_]*: ?[0-9][0-9,.]*/)) {
			t = substr(s, RSTART, RLENGTH)
			if (t !~ /^[a-z]/)
				t = substr(t, 2)
			sub(/: ?/, "=", t)
			gsub(/,/, "", t)
			sub(/\.$/, "", t)
			emit("bench", t)
			s = substr(s, RSTART + RLENGTH)
		}
	}' "$chapter"
done >"$tmp/refs"

# defines FILE NAME: FILE defines NAME as a function, a macro or a label.
defines() {
	awk -v name="$2" '
	BEGIN { call = "(^|[^A-Za-z0-9_])" name "[ \t]*\\(" }
	# An assembly label, or a #define of the name.
	$0 ~ ("^[ \t]*" name ":") { found = 1; exit }
	$0 ~ ("^[ \t]*#[ \t]*define[ \t]+" name "([ \t(]|$)") { found = 1; exit }
	# A C function: the name and its "(" on a line that starts in column 0
	# (not a comment, not a statement), then "{" before any ";".
	!looking && /^[A-Za-z_]/ && $0 ~ call {
		match($0, call)
		rest = substr($0, RSTART + RLENGTH)
		looking = 1
	}
	looking {
		if (rest == "")
			rest = $0
		b = index(rest, "{"); c = index(rest, ";")
		if (b && (!c || b < c)) { found = 1; exit }
		if (c) looking = 0
		rest = ""
	}
	END { exit !found }' "$1"
}

# has_file NAME: the files (repository-relative) whose name is NAME.
has_file() {
	awk -v name="$1" '{ n = $0; sub(/.*\//, "", n) } n == name' "$tmp/files"
}

problems=0
problem() {
	echo "$1:$2: $3"
	problems=$((problems + 1))
}

while read -r chapter line kind token; do
	case $kind in
	path | name)
		file=${token%%:*}
		func=
		case $token in *:*) func=${token#*:} ;; esac
		if [ "$kind" = path ]; then
			if [ ! -e "$root/$file" ]; then
				problem "$chapter" "$line" "$file: no such file"
				continue
			fi
			candidates=$file
		else
			candidates=$(has_file "$file")
			if [ -z "$candidates" ]; then
				problem "$chapter" "$line" "$file: no file of the repository has this name"
				continue
			fi
		fi
		[ -n "$func" ] || continue
		case $file in
		*.c | *.h | *.S | *.s) ;;
		*) continue ;; # a function is looked for in C and assembly only
		esac
		ok=
		for f in $candidates; do
			if defines "$root/$f" "$func"; then
				ok=1
				break
			fi
		done
		[ -n "$ok" ] || problem "$chapter" "$line" "$token: $file defines no $func"
		;;
	bench)
		name=${token%%=*} value=${token#*=}
		given=$(awk -v n="$name" '$1 == n { print $2 }' "$tmp/bench")
		if [ -z "$given" ]; then
			problem "$chapter" "$line" "$name: not a figure README.md's Benchmarks give"
		elif [ "$given" != "$value" ]; then
			problem "$chapter" "$line" "$name: $value here, $given in README.md"
		fi
		;;
	esac
done <"$tmp/refs"

[ "$problems" -eq 0 ]
