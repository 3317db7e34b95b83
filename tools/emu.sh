#!/bin/sh
# Boots an ISO in an emulator.
#   tools/emu.sh qemu|qemu-gdb|bochs|bochs-svm ISO    serial console on this terminal
#   tools/emu.sh qemu|qemu-gdb|qemu-tcg|bochs|bochs-svm ISO SERIAL.log EMU.log
#                                                    headless, for tests: serial output
#                                                    into SERIAL.log, the emulator's own
#                                                    messages into EMU.log
# DISK=IMAGE in the environment attaches a raw disk image as the primary
# ATA master (the CD-ROM is the secondary master in both emulators).
# SERIAL_PORT=N puts COM1 on a TCP socket at 127.0.0.1:N instead of a file;
# the emulator waits for the test runner to connect (tests that type input).
# MONITOR_PORT=N (QEMU) puts its monitor there, for pressing keys (sendkey).
# qemu-gdb is qemu stopped before the first instruction, its gdb stub on
# 127.0.0.1:GDBPORT (1234 unless set; make debug sets one per user).
# qemu uses KVM when the host offers it with VMX; otherwise it emulates a CPU
# with AMD SVM and nested paging, which the kernel's SVM backend uses.
# qemu-tcg never uses KVM (tests want the same machine on every host).
# The kernel ends a test run itself: QEMU's isa-debug-exit device at port
# 0xf4, Bochs's shutdown port 0x8900.  Callers bound the run with timeout.
set -eu
emu=$1 iso=$2 serial=${3:-} emulog=${4:-/dev/null}

# QEMU_EXTRA adds flags, e.g. "-icount shift=7" for exact instruction counts.
# EMU_MEGS sets the machine's memory in MiB (QEMU 128, Bochs 256 otherwise).
# EMU_CPUS sets its number of processors (1 otherwise): QEMU's -smp, Bochs's cpu: count.
# In QEMU each is a socket of its own, as in Bochs: SeaBIOS's MP table lists
# one processor per socket, so with cores in one socket it lists only the first.
QEMU_FLAGS="-cdrom $iso -m ${EMU_MEGS:-128}M -smp ${EMU_CPUS:-1},sockets=${EMU_CPUS:-1}
	-no-reboot -display none
	-device isa-debug-exit,iobase=0xf4,iosize=0x04 ${QEMU_EXTRA:-}"
if [ -n "${DISK:-}" ]; then
	QEMU_FLAGS="$QEMU_FLAGS -drive file=$DISK,format=raw,if=ide,index=0"
fi

kvm_with_vmx() {
	[ -r /dev/kvm ] && [ -w /dev/kvm ] && grep -qw vmx /proc/cpuinfo
}

case $emu in
qemu | qemu-gdb)
	if kvm_with_vmx; then
		QEMU_FLAGS="$QEMU_FLAGS -enable-kvm -cpu host"
	else
		QEMU_FLAGS="$QEMU_FLAGS -cpu max"
	fi ;;
qemu-tcg)
	QEMU_FLAGS="$QEMU_FLAGS -cpu max"
	emu=qemu ;;
esac
if [ "$emu" = qemu-gdb ]; then
	QEMU_FLAGS="$QEMU_FLAGS -gdb tcp:127.0.0.1:${GDBPORT:-1234} -S"
	emu=qemu
fi

case $emu in
qemu)
	monitor=none
	[ -n "${MONITOR_PORT:-}" ] && monitor="tcp:127.0.0.1:$MONITOR_PORT,server=on,wait=off"
	if [ -n "${SERIAL_PORT:-}" ]; then
		exec qemu-system-x86_64 $QEMU_FLAGS -monitor "$monitor" -chardev \
			"socket,id=com1,host=127.0.0.1,port=$SERIAL_PORT,server=on,wait=on" \
			-serial chardev:com1 </dev/null >"$emulog" 2>&1
	fi
	if [ -n "$serial" ]; then
		exec qemu-system-x86_64 $QEMU_FLAGS -monitor "$monitor" -serial "file:$serial" \
			</dev/null >"$emulog" 2>&1
	fi
	# QEMU's own escape moves from Ctrl-A to Ctrl-], so that Ctrl-A reaches
	# the machine: the serial driver's Ctrl-A 1, 2, ... switch consoles.
	echo "QEMU: serial console below; Ctrl-] x quits (Ctrl-A goes to the machine)." >&2
	exec qemu-system-x86_64 $QEMU_FLAGS -echr 0x1d -serial mon:stdio ;;
bochs | bochs-svm)
	# bochs: Intel with VMX and EPT; bochs-svm: AMD with SVM and nested paging.
	model=corei7_skylake_x
	bochs_disk=
	# A Bochs that was killed leaves its disk's lock file behind, and the next refuses the disk.
	if [ -n "${DISK:-}" ] && [ -e "$DISK.lock" ] && ! pgrep -x bochs >/dev/null; then
		rm -f "$DISK.lock"
	fi
	if [ -n "${DISK:-}" ]; then # 16 heads, 63 sectors per track: the image is whole cylinders
		cylinders=$(( $(stat -c %s "$DISK") / (16 * 63 * 512) ))
		bochs_disk="ata0-master: type=disk, path=$DISK, mode=flat, cylinders=$cylinders, heads=16, spt=63"
	fi
	[ "$emu" = bochs-svm ] && model=ryzen
	dir=$(mktemp -d)
	trap 'rm -rf "$dir"' EXIT INT TERM
	bochslog=${BOCHS_LOG:-$dir/bochs.log} # BOCHS_LOG=FILE keeps Bochs's own log there
	if [ -z "$serial" ]; then
		exec 3>&1 # Bochs's own chatter goes to the log; the serial port to this terminal
		serial=/dev/fd/3
		emulog=$dir/bochs.out
		echo "Bochs: serial console below; Ctrl-C stops it." >&2
	fi
	# Bochs's debugger is built in and waits at a prompt: "c" continues.
	com1="com1: enabled=1, mode=file, dev=$serial"
	terminal=
	if [ "$serial" = /dev/fd/3 ] && [ -t 0 ]; then
		# A person at a terminal: COM1 on a socket that tools/serial-term.sh
		# joins to the terminal, so that what is typed reaches the machine.
		terminal=yes
		SERIAL_PORT=$((50000 + $$ % 10000))
	fi
	if [ -n "${SERIAL_PORT:-}" ]; then
		com1="com1: enabled=1, mode=socket-server, dev=127.0.0.1:$SERIAL_PORT"
	fi
	echo c >"$dir/commands"
	cat >"$dir/bochsrc" <<RC
megs: ${EMU_MEGS:-256}
romimage: file=/usr/share/bochs/BIOS-bochs-latest
vgaromimage: file=/usr/share/vgabios/vgabios.bin
cpu: model=$model, count=${EMU_CPUS:-1}, ips=50000000, reset_on_triple_fault=0
ata1: enabled=1, ioaddr1=0x170, ioaddr2=0x370, irq=15
ata1-master: type=cdrom, path=$iso, status=inserted
$bochs_disk
boot: cdrom
$com1
clock: sync=none
display_library: rfb, options="timeout=0"
panic: action=fatal
error: action=report
log: $bochslog
sound: waveoutdrv=dummy, waveindrv=dummy, midioutdrv=dummy
speaker: enabled=0
mouse: enabled=0
RC
	# Bochs's headless display listens on the first free port of 5900-5949,
	# but two Bochs starting at once can bind one port together, and the
	# loser then fails every later port (its socket stays bound): start again.
	for attempt in 1 2 3; do
		status=0
		if [ -n "$terminal" ]; then
			bochs -q -f "$dir/bochsrc" -rc "$dir/commands" </dev/null >"$emulog" 2>&1 &
			pid=$!
			"$(dirname "$0")/serial-term.sh" "$SERIAL_PORT" "$pid"
			wait "$pid" || status=$?
		else
			bochs -q -f "$dir/bochsrc" -rc "$dir/commands" </dev/null >"$emulog" 2>&1 || status=$?
		fi
		grep -q "RFB could not bind" "$bochslog" 2>/dev/null || break
		echo "emu.sh: Bochs found no free display port (attempt $attempt), starting again" >&2
		sleep "0.$((($$ + attempt) % 9 + 1))"
	done
	case $emulog in /dev/null | "$dir"/*) ;; *) cat "$bochslog" >>"$emulog" 2>/dev/null ;; esac
	exit $status ;;
*)
	echo "emu.sh: unknown emulator '$emu' (qemu, qemu-tcg, qemu-gdb, bochs, bochs-svm)" >&2
	exit 2 ;;
esac
