#!/bin/sh
# Fetches Debian 12's cloud kernel and static busybox with apt-get download and
# unpacks them with dpkg-deb -x; nothing is installed on the host.
#   tools/linux/fetch.sh DIR
# DIR/debs/ keeps the .deb files (one present is not fetched again);
# DIR/root/ is their unpacked contents; DIR/release is the kernel's release
# (uname -r), DIR/packages the package names and versions.
# linux-image-cloud-amd64 is a meta package whose one dependency, the
# versioned image package, changes with Debian's point releases: it is
# resolved here from apt's lists (refreshed once if they do not know it).
set -eu
dir=$1
meta=linux-image-cloud-amd64
mkdir -p "$dir/debs"

# The versioned package behind the meta package, e.g. linux-image-6.1.0-57-cloud-amd64.
resolve() {
	apt-cache depends "$meta" 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-cloud-amd64\)$/\1/p' | head -n 1
}

# fetch PACKAGE: DIR/debs/PACKAGE_VERSION_ARCH.deb, downloaded unless present.
fetch() {
	version=$(apt-cache policy "$1" | sed -n 's/^ *Candidate: //p')
	if [ -z "$version" ] || [ "$version" = "(none)" ]; then
		echo "fetch.sh: no candidate version of $1" >&2
		return 1
	fi
	# apt-get names the file with the version's ':' written as %3a.
	deb=$dir/debs/${1}_$(echo "$version" | sed 's/:/%3a/')_amd64.deb
	if [ ! -s "$deb" ]; then
		echo "  FETCH   $1 $version" >&2
		# apt's sandbox user cannot write into a root-only build directory.
		(cd "$dir/debs" && apt-get download -q "$1=$version" 2>&1 |
			grep -v 'Download is performed unsandboxed' >&2 || true)
		if [ ! -s "$deb" ]; then
			echo "fetch.sh: apt-get download $1=$version failed" >&2
			return 1
		fi
	fi
	echo "$1 $version" >>"$dir/packages.new"
	echo "$deb"
}

# Both packages; fails (without exiting) if apt cannot name or fetch one.
fetch_both() {
	rm -f "$dir/packages.new"
	image=$(resolve)
	if [ -z "$image" ]; then
		echo "fetch.sh: apt's lists do not resolve $meta" >&2
		return 1
	fi
	kernel_deb=$(fetch "$image") || return 1
	busybox_deb=$(fetch busybox-static) || return 1
}

# Lists that are missing or older than the archive (a point release removes
# the previous kernel's files) are refreshed once, as root.
if ! fetch_both; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "fetch.sh: run 'sudo apt-get update' and make again" >&2
		exit 1
	fi
	echo "fetch.sh: apt-get update, then again" >&2
	apt-get update -qq
	fetch_both || exit 1
fi

# The same packages as last time: already unpacked.
if [ -f "$dir/release" ] && cmp -s "$dir/packages.new" "$dir/packages" 2>/dev/null; then
	rm -f "$dir/packages.new"
	touch "$dir/release" # for make: up to date
	exit 0
fi
# Unpacked afresh, so that a new point release leaves no old modules behind.
rm -rf "$dir/root"
mkdir -p "$dir/root"
dpkg-deb -x "$kernel_deb" "$dir/root"
dpkg-deb -x "$busybox_deb" "$dir/root"
release=$(ls "$dir/root/lib/modules")
[ "$(echo "$release" | wc -l)" -eq 1 ] && [ -f "$dir/root/boot/vmlinuz-$release" ] ||
	{ echo "fetch.sh: $image holds no single kernel release" >&2; exit 1; }
[ -x "$dir/root/bin/busybox" ] || { echo "fetch.sh: busybox-static holds no bin/busybox" >&2; exit 1; }
echo "$release" >"$dir/release"
mv "$dir/packages.new" "$dir/packages"
