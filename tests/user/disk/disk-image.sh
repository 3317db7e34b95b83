#!/bin/sh
# Makes the disk image the disk test reads: SECTORS sectors of 512 bytes,
# sector N holding "MOATDISK", then N as a little-endian 64-bit number,
# then zeros.  Only shell builtins run per sector, so it is quick.
#
# Usage: disk-image.sh OUT SECTORS
set -eu

usage() {
	echo "usage: $0 OUT SECTORS" >&2
	exit 2
}

[ $# -eq 2 ] || usage
out=$1
sectors=$2
case $sectors in
'' | *[!0-9]*) usage ;;
esac
[ "$sectors" -gt 0 ] || usage

# printf escapes for the 496 zero bytes after the 16-byte header.
zeros=$(printf '%496s' '' | sed 's/ /\\000/g')

# The printf escapes for the 8 little-endian bytes of $1.
le64_escapes() {
	n=$1
	esc=
	i=0
	while [ $i -lt 8 ]; do
		b=$((n & 255))
		esc="$esc\\$((b >> 6))$((b >> 3 & 7))$((b & 7))"
		n=$((n >> 8))
		i=$((i + 1))
	done
}

tmp="$out.tmp.$$"
trap 'rm -f "$tmp"' EXIT
lba=0
while [ $lba -lt "$sectors" ]; do
	le64_escapes $lba
	printf "MOATDISK$esc$zeros"
	lba=$((lba + 1))
done >"$tmp"
mv "$tmp" "$out"
trap - EXIT
