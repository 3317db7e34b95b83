#!/bin/sh
# Makes a bootable ISO: GRUB loads the kernel with multiboot2 and each module
# with module2, the module's name first on its command line.
#   iso/mkiso.sh OUT.iso KERNEL.elf "KERNEL ARGS" [FILE:NAME[:ARGS]]...
set -eu
out=$1 kernel=$2 args=$3
shift 3
stage=$(mktemp -d)
log=$(mktemp) # outside the stage: the stage is what goes into the ISO
trap 'rm -rf "$stage" "$log"' EXIT
mkdir -p "$stage/boot/grub"
cp "$kernel" "$stage/boot/kernel.elf"
{
	echo 'set timeout=0'
	echo 'set default=0'
	echo 'menuentry "Moat microkernel" {'
	echo "	multiboot2 /boot/kernel.elf $args"
	for m in "$@"; do
		file=${m%%:*} rest=${m#*:}
		name=${rest%%:*}
		margs=
		[ "$rest" != "$name" ] && margs=" ${rest#*:}"
		cp "$file" "$stage/boot/$name"
		echo "	module2 /boot/$name $name$margs"
	done
	echo '	boot'
	echo '}'
} > "$stage/boot/grub/grub.cfg"
grub-mkrescue -o "$out" "$stage" 2>"$log" || { cat "$log" >&2; exit 1; }
