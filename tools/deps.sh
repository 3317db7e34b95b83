#!/bin/sh
# The Debian packages this project needs.
#   tools/deps.sh check     quiet if all are installed; installs them when run as
#                           root, or names the command to run
#   tools/deps.sh install   installs whatever is missing (idempotent)
set -eu
PACKAGES="gcc make binutils grub-pc-bin grub-common xorriso mtools qemu-system-x86 e2fsprogs
	bochs bochsbios vgabios gdb"

missing=
for p in $PACKAGES; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "missing Debian packages:$missing" >&2
	echo "install them with: sudo apt-get install -y$missing" >&2
	exit 1
fi
echo "installing missing Debian packages:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq $missing >/dev/null
