# gdb commands for Moat's user tasks (docs/debugging.md); the gdbinit
# tools/gdbinit.sh writes sources this file and sets moat_prog_dir.
#
# Every user program is linked at the same address (lib/user/user.ld), so a
# user address names code in every task at once, and a software breakpoint
# would be written into whichever address space is current when gdb inserts
# it.  Hence hardware breakpoints (hbreak) conditioned on CR3: the kernel's
# all_tasks list gives each task's page table (struct task's pml4), and a
# task runs program NAME when its executable segment, read through that page
# table, holds NAME.elf's bytes (tasks carry no names).
#
#   moat-task NAME        NAME.elf's symbols (in place of the last program's);
#                         prints the tasks running it, $moat_cr3 the first one's
#   moat-tasks            every task: its page table and the program it runs
#   $_moat_in_task("NAME")  in a breakpoint condition: true when the CPU is in
#                         a task running NAME (hbreak FUNC if $_moat_in_task("vmm"))
import os
import struct

import gdb

# kernel/layout.h: all physical memory is mapped at phys + PHYSMAP_BASE in
# every address space; tools/gdbinit.sh sets it from there.
moat_physmap = None
moat_prog_dir = None

PAGE = 4096
ADDR_MASK = 0x000FFFFFFFFFF000  # a page-table entry's frame (bits 12..51)


def _read_u64(addr):
    return struct.unpack("<Q", bytes(gdb.selected_inferior().read_memory(addr, 8)))[0]


def _translate(pml4, va):
    """The physical address of user address va in the page table at pml4, or None."""
    table = pml4
    for shift in (39, 30, 21, 12):
        entry = _read_u64(moat_physmap + table + ((va >> shift) & 511) * 8)
        if not entry & 1:
            return None
        if shift != 12 and entry & 0x80:  # a 1 GiB or 2 MiB page
            size = 1 << shift
            return (entry & ADDR_MASK & ~(size - 1)) + (va & (size - 1))
        table = entry & ADDR_MASK
    return table + (va & (PAGE - 1))


def _exec_segment(path):
    """(vaddr, bytes) of an ELF64's first executable PT_LOAD segment."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"\x7fELF" or data[4] != 2:
        raise gdb.GdbError("%s: not an ELF64 file" % path)
    phoff, = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    for i in range(phnum):
        p_type, p_flags, p_offset, p_vaddr, _, p_filesz = struct.unpack_from(
            "<IIQQQQ", data, phoff + i * phentsize)
        if p_type == 1 and p_flags & 1:
            return p_vaddr, data[p_offset:p_offset + p_filesz]
    raise gdb.GdbError("%s: no executable segment" % path)


_segments = {}


def _program(name):
    path = os.path.join(moat_prog_dir or ".", name + ".elf")
    if not os.path.isfile(path):
        known = sorted(f[:-4] for f in os.listdir(moat_prog_dir or ".") if f.endswith(".elf"))
        raise gdb.GdbError("no program %s (%s); programs: %s" % (name, path, " ".join(known)))
    mtime = os.path.getmtime(path)
    if _segments.get(name, (None,))[0] != mtime:
        _segments[name] = (mtime, path) + _exec_segment(path)
    return _segments[name][1:]


def _runs(pml4, name):
    """Whether the task whose page table is at pml4 holds program name's code."""
    _, vaddr, code = _program(name)
    for off in range(0, len(code), PAGE):
        n = min(PAGE - (vaddr + off) % PAGE, len(code) - off)
        phys = _translate(pml4, vaddr + off)
        if phys is None:
            return False
        if bytes(gdb.selected_inferior().read_memory(moat_physmap + phys, n)) != code[off:off + n]:
            return False
    return True


def _tasks():
    """(task address, pml4) of every live task, from the kernel's all_tasks."""
    if moat_physmap is None:
        raise gdb.GdbError("moat.py: moat_physmap unset (source the gdbinit tools/gdbinit.sh writes)")
    t = gdb.parse_and_eval("all_tasks")
    seen = 0
    while int(t) != 0 and seen < 4096:  # bounded: a list being changed is read mid-way
        yield int(t), int(t["pml4"])
        t = t["all_next"]
        seen += 1


def _cr3():
    return int(gdb.parse_and_eval("$cr3")) & ADDR_MASK


def tasks_running(name):
    return [(t, pml4) for t, pml4 in _tasks() if _runs(pml4, name)]


class MoatInTask(gdb.Function):
    """$_moat_in_task("NAME"): true when the current page table (CR3) is a task running NAME."""

    def __init__(self):
        super().__init__("_moat_in_task")

    def invoke(self, name):
        name = name.string()
        cr3 = _cr3()
        return any(pml4 == cr3 and _runs(pml4, name) for _, pml4 in _tasks())


class MoatTask(gdb.Command):
    """moat-task NAME: load NAME.elf's symbols (in place of the last program's) and list
its tasks; $moat_cr3 is the first one's page table (0 while none runs it)."""

    loaded = None

    def __init__(self):
        super().__init__("moat-task", gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        name = arg.strip()
        if not name:
            raise gdb.GdbError("usage: moat-task NAME (a program in %s)" % moat_prog_dir)
        path, vaddr, _ = _program(name)
        # Programs share their addresses: one's symbols at a time.
        if MoatTask.loaded:
            gdb.execute("remove-symbol-file %s" % MoatTask.loaded, to_string=True)
            MoatTask.loaded = None
        gdb.execute("add-symbol-file %s" % path, to_string=True)
        MoatTask.loaded = path
        print("moat-task: %s's symbols loaded (code at 0x%x)" % (name, vaddr))
        try:
            found = tasks_running(name)
        except gdb.MemoryError:  # before the kernel's paging is up (QEMU's first stop)
            found = []
        gdb.set_convenience_variable("moat_cr3", found[0][1] if found else 0)
        for t, pml4 in found:
            print("  task 0x%x  cr3 0x%x" % (t, pml4))
        if not found:
            print("  no task runs %s yet (the root starts the servers after kmain)" % name)
        print('stop only there: hbreak FUNCTION if $_moat_in_task("%s")' % name)


class MoatTasks(gdb.Command):
    """moat-tasks: every task (kernel all_tasks), its page table and the program it runs."""

    def __init__(self):
        super().__init__("moat-tasks", gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        names = sorted(f[:-4] for f in os.listdir(moat_prog_dir) if f.endswith(".elf"))
        cr3 = _cr3()
        for t, pml4 in _tasks():
            which = [n for n in names if _runs(pml4, n)]
            print("task 0x%x  cr3 0x%x  %s%s" % (t, pml4, " ".join(which) or "?",
                                                  "  (current)" if pml4 == cr3 else ""))


MoatInTask()
MoatTask()
MoatTasks()
