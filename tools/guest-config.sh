#!/bin/sh
# The system `make iso|run|run-bochs GUEST=FILE` boots (docs/vmm.md, "Running
# your own kernel"): the usual drivers and one VMM whose one guest is the
# user's kernel, with its command line, RAM, vCPUs and initrd.
#   tools/guest-config.sh DIR KERNEL INITRD MEMORY VCPUS
# The second line of DIR/settings is GUEST_ARGS as make wrote it (no shell
# quoting touches it).
# Checks that KERNEL is a Multiboot (v1) kernel or a Linux bzImage, as the
# VMM's loader tells them apart, and writes DIR/partitions.cfg, the
# system as a partition configuration (make compiles it as for CONFIG=).
# Each refusal names the make variable.
set -eu
dir=$1 kernel=$2 initrd=$3 memory=$4 vcpus=$5

fail() {
	echo "$*" >&2
	exit 1
}

# "linux" for a bzImage (its setup header's "HdrS" at 0x202, which the
# VMM looks for first), "multiboot" for a Multiboot header (magic
# 0x1BADB002 at a 4-byte aligned offset of the first 8 KiB, with flags
# and checksum adding up to 0 mod 2^32); nothing and status 1 for neither.
kernel_kind() {
	if [ "$(dd if="$1" bs=1 skip=514 count=4 2>/dev/null)" = HdrS ]; then
		echo linux
	elif od -An -v -tu4 -N8192 "$1" | awk '
		{ for (i = 1; i <= NF; i++) w[n++] = $i }
		END {
			for (k = 0; k + 2 < n; k++)
				if (w[k] == 464367618 && (w[k] + w[k + 1] + w[k + 2]) % 4294967296 == 0)
					exit 0
			exit 1
		}'; then
		echo multiboot
	else
		return 1
	fi
}

[ ! -d "$kernel" ] || fail "GUEST=$kernel: a directory, not a kernel"
[ -f "$kernel" ] || fail "GUEST=$kernel: no such file"
kind=$(kernel_kind "$kernel") ||
	fail "GUEST=$kernel: neither a Multiboot (v1) kernel (no Multiboot header in its" \
		"first 8 KiB) nor a Linux bzImage (no \"HdrS\" at 0x202)"
[ -z "$initrd" ] || [ -f "$initrd" ] || fail "GUEST_INITRD=$initrd: no such file"

# GUEST_MEM: bytes, or a number with K, M or G, as the VMM's memory= takes it.
case $memory in
*[!0-9KMG]* | [KMG]* | *[KMG]?* | "") fail "GUEST_MEM=$memory: not a size (64M, 1G, 65536K)" ;;
*G) bytes=$((${memory%G} << 30)) ;;
*M) bytes=$((${memory%M} << 20)) ;;
*K) bytes=$((${memory%K} << 10)) ;;
*) bytes=$memory ;;
esac
mib=$(((bytes + (1 << 20) - 1) >> 20))
[ "$bytes" -gt 0 ] && [ $((bytes % 4096)) -eq 0 ] ||
	fail "GUEST_MEM=$memory: not a non-zero multiple of 4K"
[ "$mib" -le 4075 ] ||
	fail "GUEST_MEM=$memory: more than 4075M (a guest's RAM ends below the devices at 0xfeb00000)"
pages=4K
[ $((bytes % (2 << 20))) -eq 0 ] && pages=2M # fewer exits and tables for the same RAM

args=$(sed 1d "$dir/settings")
case $args in
*'"'*) fail "GUEST_ARGS: a double quote cannot be passed (the VMM's cmdline= takes none)" ;;
esac
[ ${#args} -le 255 ] || fail "GUEST_ARGS: ${#args} characters, more than the 255 a command line has"
if [ "$kind" = linux ]; then
	case " $args" in
	*" console="*) ;;
	*) echo "guest-config: note: Linux writes to the serial console only when GUEST_ARGS" \
		"names it (console=ttyS0)" >&2 ;;
	esac
fi

# A Linux kernel's initrd= ; a Multiboot kernel's first module (as QEMU's -initrd gives it).
extra=
if [ -n "$initrd" ]; then
	if [ "$kind" = linux ]; then extra=" initrd=$(realpath "$initrd")"; else extra=" modules=$(realpath "$initrd")"; fi
fi
name=$(basename "$kernel" | cut -c1-40)
# The system is a partition configuration (docs/partitions.md), which
# tools/partitions.sh compiles as for make CONFIG=; its files by absolute
# path, the configuration being elsewhere.
cat >"$dir/partitions.cfg" <<CFG
# Made by tools/guest-config.sh for make GUEST=$kernel ($kind):
# iso/system.cfg's servers but the disk (echo, the serial and keyboard
# drivers), and a VMM whose one guest is the user's kernel.
server echo priority=100 memory=256K
server serial ioports=0x3f8-0x3ff irq=4 untyped=16K priority=90 console_driver restart
server kbd ioports=0x60-0x64 irq=1 untyped=16K priority=90 console restart
partition vmm connect=serial,kbd
guest $name kernel=$(realpath "$kernel") cmdline="$args" memory=$memory pages=$pages vcpus=$vcpus$extra
CFG
