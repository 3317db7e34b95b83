#!/bin/sh
# Makes a GRUB ISO that boots a Linux kernel natively, by the Linux boot
# protocol (GRUB's "linux" and "initrd" commands), the reference for the
# same kernel booted as a guest of the VMM (docs/linux.md).
#   tools/linux/mkiso.sh OUT.iso BZIMAGE INITRD "KERNEL ARGS"
set -eu
out=$1 kernel=$2 initrd=$3 args=$4
stage=$(mktemp -d)
log=$(mktemp) # outside the stage: the stage is what goes into the ISO
trap 'rm -rf "$stage" "$log"' EXIT
mkdir -p "$stage/boot/grub"
cp "$kernel" "$stage/boot/vmlinuz"
cp "$initrd" "$stage/boot/initrd.gz"
cat >"$stage/boot/grub/grub.cfg" <<CFG
set timeout=0
set default=0
menuentry "Linux (native reference)" {
	linux /boot/vmlinuz $args
	initrd /boot/initrd.gz
	boot
}
CFG
grub-mkrescue -o "$out" "$stage" 2>"$log" || { cat "$log" >&2; exit 1; }
