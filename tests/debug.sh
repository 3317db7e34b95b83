#!/bin/sh
# make debug's gdb reaches the servers (docs/debugging.md): the VM suite's
# machine under QEMU's gdb stub, a hardware breakpoint in the VMM's CPUID
# exit handler conditioned on $_moat_in_task("vmm") (tools/gdb/moat.py).
# It must stop in exit_cpuid with CR3 the page table of the one task that
# all_tasks shows running vmm.elf, and the same test for the root be false there.
#   tests/debug.sh BUILD LOGDIR
set -u
build=$1 logs=$2
iso=$build/test-vm.iso # (it carries the measurement kernel: its symbols are gdb's)
name=qemu:debug:vmm_breakpoint_stops_in_vmm
mkdir -p "$logs"
if ! command -v gdb >/dev/null 2>&1; then
	echo "skip 1 $name # gdb is not installed (tools/deps.sh installs it)"
	exit 0
fi
if [ ! -f "$iso" ]; then
	echo "not ok 1 $name # no $iso"
	exit 0
fi
port=$((40000 + $$ % 10000))
gdbinit=$logs/debug.gdbinit
tools/gdbinit.sh "$build" "$port" "$build/measure/kernel.elf" >"$gdbinit" || { echo "not ok 1 $name # tools/gdbinit.sh failed"; exit 0; }
cat >"$logs/debug.cmds" <<'GDB'
moat-task vmm
hbreak exit_cpuid if $_moat_in_task("vmm")
continue
python
import gdb
vmm = [p for _, p in tasks_running("vmm")]
cr3 = int(gdb.parse_and_eval("$cr3")) & ADDR_MASK
in_root = int(gdb.parse_and_eval('$_moat_in_task("root")'))
print("debug-check: function=%s cr3=0x%x vmm_tasks=%s in_root=%d" % (
    gdb.selected_frame().name(), cr3, ",".join("0x%x" % p for p in vmm), in_root))
end
GDB
GDBPORT=$port timeout 60 tools/emu.sh qemu-gdb "$iso" "$logs/debug-serial.log" "$logs/debug-qemu.log" &
qemu=$!
# QEMU stops before the first instruction (-S); gdb tries again until its
# stub listens.
for try in 1 2 3 4 5; do
	timeout 50 gdb -batch -nx -x "$gdbinit" -x "$logs/debug.cmds" >"$logs/debug-gdb.log" 2>&1
	grep -q "Connection refused" "$logs/debug-gdb.log" || break
	sleep 1
done
kill "$qemu" 2>/dev/null
wait "$qemu" 2>/dev/null
line=$(grep '^debug-check:' "$logs/debug-gdb.log")
# One VMM task, and CR3 at the stop is its page table.
vmm=$(echo "$line" | sed -n 's/.* vmm_tasks=\(0x[0-9a-f]*\) .*/\1/p')
if echo "$line" | grep -q '^debug-check: function=exit_cpuid ' && [ -n "$vmm" ] &&
	echo "$line" | grep -q " cr3=$vmm vmm_tasks=$vmm in_root=0\$"; then
	echo "ok 1 $name"
else
	echo "not ok 1 $name # ${line:-no stop}; see $logs/debug-gdb.log"
	sed 's/^/# /' "$logs/debug-gdb.log" | tail -15
fi
