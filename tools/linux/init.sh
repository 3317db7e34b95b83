#!/bin/sh
# /init of the Linux guest's initramfs (docs/linux.md), run by busybox's sh.
# It prints "moat-linux: init reached tsc=N" first, then sets the system up
# and, with moat.test=1 on the kernel command line, runs the checks of
# issue 15, each an "ok N name" or "not ok N name" line, closes with
# "end of tests: ...", and powers the machine off; without it, it gives a
# shell on the console.  Other arguments it reads:
#   moat.cpus=N         the number of CPUs the checks expect
#   moat.modules=a,b    modules to load besides the drivers of the PCI
#                       devices found (e.g. pata_legacy, which has no PCI id)
#   moat.name=NAME      its partition's name (docs/partitions.md): printed
#                       with the disk's /moat-id, to show whose disk it has
/bin/tsc "moat-linux: init reached"
export PATH=/bin
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
# The kernel's messages stay off the console from here: they would cut into
# the lines below (dmesg still has them).
dmesg -n 1
# The console at 115200 baud rather than the kernel's 9600: Bochs takes
# the time a byte needs at that rate.
stty -F /dev/console 115200

test=0 cpus= modules= name=
for arg in $(cat /proc/cmdline); do
	case $arg in
	moat.name=*) name=${arg#*=} ;;
	moat.test=*) test=${arg#*=} ;;
	moat.cpus=*) cpus=${arg#*=} ;;
	moat.modules=*) modules=$(echo "${arg#*=}" | tr ',' ' ') ;;
	esac
done

# Drivers: those of the PCI devices present (modules.alias), those named,
# then those of the virtio devices the first found, and the SCSI disk
# driver that turns an ATA disk into /dev/sdX.
for f in /sys/bus/pci/devices/*/modalias; do
	[ -r "$f" ] && modprobe -q "$(cat "$f")"
done
for m in $modules; do
	modprobe "$m" || echo "moat-linux: modprobe $m failed"
done
for f in /sys/bus/virtio/devices/*/modalias; do
	[ -r "$f" ] && modprobe -q "$(cat "$f")"
done
[ -d /sys/module/libata ] && modprobe sd_mod

# The first disk, once its driver has found it (SCSI scans asynchronously).
disk=
for i in $(seq 50); do
	for d in /dev/vda /dev/sda; do
		[ -b "$d" ] && disk=$d && break 2
	done
	sleep 0.1
done
echo "moat-linux: disk ${disk:-none}"

if [ "$test" != 1 ]; then
	if [ -n "$disk" ] && mount "$disk" /mnt; then
		echo "moat-linux: $disk mounted on /mnt"
		[ -n "$name" ] && echo "moat-linux: moat.name=$name, /mnt/moat-id: $(cat /mnt/moat-id 2>/dev/null)"
	fi
	echo "moat-linux: shell (poweroff -f ends it)"
	exec setsid cttyhack sh
fi

n=0 failed=0
# result NAME STATUS [WHY]: one case's line; STATUS 0 is ok.
result() {
	n=$((n + 1))
	if [ "$2" -eq 0 ]; then
		echo "ok $n linux_$1"
	else
		failed=$((failed + 1))
		echo "not ok $n linux_$1${3:+ # $3}"
	fi
}

# The kernel is the packaged one: its release names the modules' directory.
release=$(uname -r)
echo "moat-linux: uname -r $release"
[ -d "/lib/modules/$release" ]
result uname_is_packaged_release $? "no /lib/modules/$release: $(ls /lib/modules)"

online=$(grep -c '^processor' /proc/cpuinfo)
echo "moat-linux: cpus $online"
if [ -n "$cpus" ]; then
	[ "$online" = "$cpus" ]
	result cpu_count $? "expected $cpus"
else
	n=$((n + 1))
	echo "skip $n linux_cpu_count # no moat.cpus= on the command line"
fi

# /proc/interrupts: a header of CPU columns, then a line per interrupt.
ncpu=$(head -n 1 /proc/interrupts | wc -w)
loc=$(grep '^ *LOC:' /proc/interrupts)
echo "moat-linux: interrupts $loc"
echo "$loc" | awk -v n="$ncpu" '{ for (i = 2; i <= n + 1; i++) if ($i + 0 == 0) exit 1 }'
result lapic_timer_ticks_on_every_cpu $? "$loc"
serial=$(grep 'ttyS0' /proc/interrupts)
echo "moat-linux: interrupts $serial"
echo "$serial" | awk -v n="$ncpu" '
	/IO-APIC/ { for (i = 2; i <= n + 1; i++) sum += $i; ok = sum > 0 }
	END { exit !ok }'
result serial_irq_through_ioapic $? "${serial:-no ttyS0 line}"

# A file written and synced, read back after a remount, from the disk.
disk_round_trip() {
	token="moat $(cat /proc/sys/kernel/random/uuid)"
	mount "$1" /mnt || return 1
	echo "$token" >/mnt/moat-test && sync && umount /mnt || return 1
	# Neither the page cache nor the buffer cache may answer the read.
	echo 3 >/proc/sys/vm/drop_caches
	blockdev --flushbufs "$1"
	mount "$1" /mnt || return 1
	back=$(cat /mnt/moat-test)
	umount /mnt
	echo "moat-linux: disk wrote '$token', read '$back'"
	[ "$back" = "$token" ]
}
if [ -n "$disk" ]; then
	disk_round_trip "$disk"
	result disk_write_sync_remount_read $?
else
	n=$((n + 1))
	echo "skip $n linux_disk_write_sync_remount_read # no disk"
fi

echo "end of tests: $((n - failed)) of $n not failed"
# poweroff -f does not wait for the console's output; stty sets the speed
# only once all of it is sent (TCSADRAIN).
stty -F /dev/console 115200
poweroff -f
