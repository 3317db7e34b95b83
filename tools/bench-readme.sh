#!/bin/sh
# Compares a run of make bench with the figures README.md quotes: prints a
# comment line for each figure whose value differs, and one for each figure
# README.md quotes that the run did not print, so that a change which moves
# a figure shows it at once (the book quotes README.md's figures, and
# tools/book-check.sh holds it to them).
#   tools/bench-readme.sh FIGURES_FILE README.md
set -u
figures=$1 readme=$2
# README.md's figures: its indented "name: value" lines, each name with an underscore.
awk '
	FNR == NR { if ($0 ~ /^[a-z0-9_]+: [0-9.]+$/) { sub(/:$/, "", $1); run[$1] = $2 }; next }
	/^[ \t]+[a-z0-9_]+: [0-9.]+/ {
		name = $1; sub(/:$/, "", name)
		if (name !~ /_/) next # a log line quoted, such as "root: 10 modules"
		quoted++
		if (!(name in run)) { printf "# README.md quotes %s: %s; this run has no such figure\n", name, $2; off++ }
		else if (run[name] != $2) { printf "# README.md differs: %s: README %s, this run %s\n", name, $2, run[name]; off++ }
	}
	END {
		if (!off) printf "# README.md quotes %d figures, all as this run measured them\n", quoted
		else printf "# %d of README.md'"'"'s %d figures differ from this run: update README.md (and the book: tools/book-check.sh)\n", off, quoted
	}' "$figures" "$readme"
