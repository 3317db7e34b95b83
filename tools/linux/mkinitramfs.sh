#!/bin/sh
# Builds the Linux guest's initramfs: busybox, /init, the tsc program and the
# kernel modules /init may load, with their dependencies, from the same
# kernel package; a gzip-compressed newc cpio archive (docs/linux.md).
#   tools/linux/mkinitramfs.sh LINUXDIR MKCPIO TSC OUT.gz
# LINUXDIR is tools/linux/fetch.sh's directory (root/ and release in it).
set -eu
dir=$1 mkcpio=$2 tsc=$3 out=$4
here=$(dirname "$0")
release=$(cat "$dir/release")
root=$dir/root
moddir=lib/modules/$release
# The disk drivers /init may load: virtio-blk behind virtio-pci, the PCI IDE
# controllers QEMU and Bochs model (ata_piix, ata_generic), IDE at the
# legacy ports without PCI (pata_legacy), and the SCSI disk driver the ATA
# ones need to make a block device.  ext2/ext4 are built into the kernel.
DRIVERS="virtio_pci virtio_blk ata_piix ata_generic pata_legacy sd_mod"

# The .ko file of module $1 (Debian's names use '_' and '-' alike).
module_file() {
	pattern=$(echo "$1" | sed 's/[-_]/[-_]/g')
	find "$root/$moddir/kernel" -regex ".*/$pattern\.ko\(\.[gx]z\|\.zst\)?" | head -n 1
}
# The modules module file $1 needs: its .modinfo section's "depends=".
module_depends() {
	objcopy -O binary --only-section=.modinfo "$1" "$work/modinfo"
	tr '\0' '\n' <"$work/modinfo" | sed -n 's/^depends=//p' | tr ',' ' '
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
stage=$work/stage
mkdir -p "$stage/$moddir"

# The drivers and everything they depend on, copied into the stage.
todo=$DRIVERS seen=
while [ -n "$todo" ]; do
	set -- $todo
	m=$1
	shift
	todo=$*
	case " $seen " in *" $m "*) continue ;; esac
	seen="$seen $m"
	file=$(module_file "$m")
	[ -n "$file" ] || { echo "mkinitramfs.sh: $release has no module $m" >&2; exit 1; }
	case $file in
	*.ko) ;;
	*) # busybox's insmod loads plain ELF objects; Debian 12 ships them so.
		echo "mkinitramfs.sh: $file is compressed; busybox cannot load it" >&2
		exit 1 ;;
	esac
	rel=${file#"$root/"}
	mkdir -p "$stage/$(dirname "$rel")"
	cp "$file" "$stage/$rel"
	todo="$todo $(module_depends "$file")"
done
# modules.dep and modules.alias for busybox's modprobe, made by the same
# busybox (a static binary: it runs on the host as well).
"$root/bin/busybox" depmod -b "$stage" "$release"

{
	for d in bin dev proc sys mnt tmp lib lib/modules "$moddir"; do
		echo "dir /$d 755"
	done
	# The kernel opens /dev/console for /init before anything mounts /dev.
	echo "nod /dev/console 600 c 5 1"
	echo "file /init 755 $here/init.sh"
	echo "file /bin/busybox 755 $root/bin/busybox"
	echo "link /bin/sh busybox"
	echo "file /bin/tsc 755 $tsc"
	(cd "$stage" && find "$moddir" -mindepth 1 | sort) | while read -r p; do
		if [ -d "$stage/$p" ]; then
			echo "dir /$p 755"
		else
			echo "file /$p 644 $stage/$p"
		fi
	done
} >"$work/list"
"$mkcpio" <"$work/list" | gzip -n -9 >"$out.tmp"
# The archive read back by another reader (busybox's cpio) must name every
# entry of the list, in its order.
awk '{ sub(/^\//, "", $2); print $2 }' "$work/list" >"$work/expected"
gzip -dc "$out.tmp" | "$root/bin/busybox" cpio -t 2>/dev/null >"$work/listed"
cmp -s "$work/expected" "$work/listed" ||
	{ echo "mkinitramfs.sh: the archive does not list what was put in" >&2; exit 1; }
mv "$out.tmp" "$out"
