#!/bin/sh
# Writes a gdbinit for a Moat machine that QEMU runs with its gdb stub on PORT
# (tools/emu.sh qemu-gdb; make debug, tests/debug.sh): the kernel's symbols,
# the commands of tools/gdb/moat.py for the user programs in BUILD/prog/
# (docs/debugging.md), and the connection.  KERNEL is the kernel the
# machine's ISO carries (BUILD/kernel.elf unless given: the VM suite's ISO
# carries the measurement kernel, BUILD/measure/kernel.elf, whose symbols
# lie elsewhere).
#   tools/gdbinit.sh BUILD PORT [KERNEL] >FILE
set -eu
build=$(cd "$1" && pwd) port=$2 kernel=${3:-$build/kernel.elf}
top=$(cd "$(dirname "$0")/.." && pwd)
physmap=$(sed -n 's/^#define PHYSMAP_BASE *\(0x[0-9A-Fa-f]*\).*/\1/p' "$top/kernel/layout.h")
[ -n "$physmap" ] || { echo "gdbinit.sh: no PHYSMAP_BASE in $top/kernel/layout.h" >&2; exit 1; }
cat <<GDB
file $kernel
set architecture i386:x86-64
source $top/tools/gdb/moat.py
python moat_physmap = $physmap
python moat_prog_dir = "$build/prog"
target remote 127.0.0.1:$port
GDB
