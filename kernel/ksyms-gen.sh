#!/bin/sh
# Turns `nm -n` output (file or - for stdin) into the kernel's symbol table:
# an assembly file with the address and name offset of every function, sorted
# by address, which ksym_find() searches to symbolize backtraces.
awk '
$2 ~ /^[tT]$/ { addr[n] = $1; name[n] = $3; n++ }
END {
	print "\t.section .note.GNU-stack, \"\", @progbits"
	print "\t.section .ksyms, \"a\""
	print "\t.balign 8"
	print "\t.globl ksym_count, ksym_table, ksym_names"
	printf "ksym_count:\n\t.quad %d\n", n
	print "ksym_table:"
	off = 0
	for (i = 0; i < n; i++) {
		printf "\t.quad 0x%s, %d\n", addr[i], off
		off += length(name[i]) + 1
	}
	print "ksym_names:"
	for (i = 0; i < n; i++)
		printf "\t.asciz \"%s\"\n", name[i]
}' "$1"
