"""gdb commands that know osv: threads, processes, address spaces, page tables.

Load it with `source tools/gdb/osv.py` (tools/gdb/gdbinit does, and also
loads the kernel ELF and connects to QEMU), then `help osv`:

    osv current          the running thread and its process
    osv ps               the process table
    osv regions [PID]    a process's memory regions and its break
    osv walk ADDR [PID]  the 4-level page-table walk of a user address, each
                         entry decoded, and the refcount of the page it maps
    osv page PADDR       a physical page's refcount, and who maps it

PID defaults to the running process. $osv_pid() is the running process's pid
(0 in a kernel-only thread), for breakpoint conditions:

    break handle_page_fault if $osv_pid() == 3

Struct layouts come from the kernel's DWARF (gdb.Value fields), so the
commands follow changes to struct proc, struct addrspace and the rest. What
DWARF does not carry -- preprocessor macros for the hardware's page-table
format and osv's direct map -- is repeated below.
"""

import gdb

# arch/x86_64/direct_map.h: physical address p is at DIRECT_MAP_BASE + p.
DIRECT_MAP_BASE = 0xFFFF800000000000

# arch/x86_64/pte.h: 4-level paging, 512 entries of 8 bytes per 4 KiB table.
PAGE_SIZE = 4096
PT_ENTRIES = 512
PTE_PRESENT = 1 << 0
PTE_WRITABLE = 1 << 1
PTE_USER = 1 << 2
PTE_ACCESSED = 1 << 5
PTE_DIRTY = 1 << 6
PTE_LARGE = 1 << 7
PTE_NX = 1 << 63
PTE_ADDRESS_MASK = 0x000FFFFFFFFFF000
LEVEL_NAMES = {4: "PML4", 3: "PDPT", 2: "PD", 1: "PT"}
USER_TOP = 0x0000800000000000  # arch/vpmap.h: VPMAP_USER_TOP
USER_PML4_ENTRIES = 256  # the PML4 entries of the user half

# kernel/mm/pmem_internal.h: PAGE_UNMANAGED
PAGE_UNMANAGED = -1


# --- reading the kernel's state ---------------------------------------------


def static_var(name, filename):
    """The value of file-static variable `name` defined in `filename`."""
    for sym in gdb.lookup_static_symbols(name):
        if sym.symtab is not None and sym.symtab.filename.endswith(filename):
            return sym.value()
    raise gdb.GdbError("no static '%s' in %s: is the kernel ELF loaded?" % (name, filename))


def enum_name(value, prefix):
    """PROC_ALIVE -> "alive" (the enumerator without its prefix, in lower case)."""
    text = str(value)
    return text[len(prefix):].lower() if text.startswith(prefix) else text


def perm_name(perm):
    """MEMPERM_URW -> "URW" (osv's own names for permissions)."""
    return str(perm).replace("MEMPERM_", "")


def level_shift(level):
    """log2 of the bytes one entry of a table at `level` (4 = PML4 .. 1 = PT) covers."""
    return 12 + 9 * (level - 1)


def read_u64(addr):
    data = gdb.selected_inferior().read_memory(addr, 8)
    return int.from_bytes(bytes(data), "little")


def read_table(paddr):
    """The 512 entries of the page-table page at physical address paddr."""
    data = bytes(gdb.selected_inferior().read_memory(DIRECT_MAP_BASE + paddr, PAGE_SIZE))
    return [int.from_bytes(data[i : i + 8], "little") for i in range(0, PAGE_SIZE, 8)]


def selected_cpu():
    """The struct cpu (arch/x86_64/percpu.h) of the CPU gdb has selected.

    QEMU's gdb stub numbers its threads by CPU index from 1, and QEMU gives CPU
    index i the local APIC ID i; osv orders its cpus[] by its own ids, so match
    on the APIC ID. Before the CPUs are counted, cpus[0] (the boot CPU).
    """
    cpus = gdb.parse_and_eval("cpus")
    apic_id = gdb.selected_thread().num - 1
    count = int(static_var("count", "arch/x86_64/percpu.c"))
    for i in range(count):
        if int(cpus[i]["lapic_id"]) == apic_id:
            return cpus[i]
    return cpus[0]


def current_thread():
    """The struct thread * running on the selected CPU, or None before the scheduler."""
    thread = selected_cpu()["local"]["thread"]
    return thread if int(thread) != 0 else None


def current_proc():
    thread = current_thread()
    if thread is None or int(thread["proc"]) == 0:
        return None
    return thread["proc"]


def procs():
    """Every struct proc slot of the process table that is in use."""
    table = gdb.lookup_global_symbol("procs").value()
    low, high = table.type.range()
    slots = [table[i] for i in range(low, high + 1)]
    return [p for p in slots if enum_name(p["state"], "PROC_") != "free"]


def proc_by_pid(pid):
    for p in procs():
        if int(p["pid"]) == pid:
            return p
    raise gdb.GdbError("no process with pid %d (see 'osv ps')" % pid)


def proc_arg(arg):
    """The process named by a PID argument, or the running one."""
    if arg.strip():
        return proc_by_pid(int(gdb.parse_and_eval(arg)))
    p = current_proc()
    if p is None:
        raise gdb.GdbError("no process is running (a kernel-only thread): give a pid")
    return p.dereference()


def proc_title(p):
    return 'pid %d "%s"' % (int(p["pid"]), p["name"].string())


def parent_pid(p):
    parent = p["parent"]
    return int(parent["pid"]) if int(parent) != 0 else 0


def vpmap_root(p):
    """Physical address of process p's PML4 (struct vpmap in arch/x86_64/vpmap.c)."""
    if int(p["as"]) == 0:
        raise gdb.GdbError("%s has no address space" % proc_title(p))
    return int(p["as"]["vpmap"].dereference()["root"])


def page_struct(paddr):
    """pmem's struct page for paddr, or None if pmem's array does not cover it."""
    pmem = gdb.parse_and_eval("pmem")
    index = (paddr - int(pmem["base"])) // PAGE_SIZE
    if paddr < int(pmem["base"]) or index >= int(pmem["num_pages"]):
        return None
    return (pmem["pages"] + index).dereference()


def refcount(paddr):
    """pmem's refcount of the page at paddr; None if pmem's array does not cover it."""
    page = page_struct(paddr)
    return int(page["refcount"]) if page is not None else None


def describe_refcount(count):
    if count is None:
        return "not in pmem's page array"
    if count == PAGE_UNMANAGED:
        return "not managed by pmem"
    if count == 0:
        return "refcount 0 (free)"
    return "refcount %d" % count


def user_mappings(root):
    """(vaddr, pte) of every present 4 KiB user mapping under the PML4 at root."""

    def walk(table, level, base):
        for i, pte in enumerate(read_table(table)):
            if level == 4 and i >= USER_PML4_ENTRIES:
                break
            if not pte & PTE_PRESENT:
                continue
            vaddr = base + (i << level_shift(level))
            if level == 1:
                yield vaddr, pte
            elif not pte & PTE_LARGE:
                yield from walk(pte & PTE_ADDRESS_MASK, level - 1, vaddr)

    return walk(root, 4, 0)


# --- formatting -------------------------------------------------------------


def kib(nbytes):
    return "%d KiB" % (nbytes // 1024)


def decode_pte(pte):
    if not pte & PTE_PRESENT:
        return "not present"
    flags = ["present", "writable" if pte & PTE_WRITABLE else "read-only"]
    flags.append("user" if pte & PTE_USER else "kernel")
    flags.append("NX" if pte & PTE_NX else "exec")
    if pte & PTE_ACCESSED:
        flags.append("accessed")
    if pte & PTE_DIRTY:
        flags.append("dirty")
    return " ".join(flags)


# --- commands ---------------------------------------------------------------


class OsvCommand(gdb.Command):
    """A subcommand of `osv`: run() does the work; memory that cannot be read is one line."""

    def __init__(self, name):
        super().__init__("osv " + name, gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        try:
            self.run(arg)
        except gdb.MemoryError as e:
            raise gdb.GdbError("%s (is the kernel running with paging on? 'continue' first)" % e)


class OsvPrefix(gdb.Command):
    """Commands that show osv's threads, processes, address spaces and page tables.

PID, ADDR and PADDR are gdb expressions ($rdi, fault_addr, 0x403000, ...).
$osv_pid() is the pid of the running process (0 in a kernel-only thread)."""

    def __init__(self):
        super().__init__("osv", gdb.COMMAND_DATA, gdb.COMPLETE_NONE, True)


class OsvCurrent(OsvCommand):
    """The running thread and its process: tid, name, state, pid, parent, page table.

Usage: osv current
Also says whether CR3 holds this process's page table."""

    def __init__(self):
        super().__init__("current")

    def run(self, arg):
        thread = current_thread()
        if thread is None:
            print("no thread yet: the scheduler has not started")
            return
        print(
            'thread %d "%s" %s, kernel stack 0x%x-0x%x'
            % (
                int(thread["tid"]),
                thread["name"].string(),
                enum_name(thread["state"], "THREAD_"),
                int(thread["kstack"]["bottom"]),
                int(thread["kstack"]["top"]),
            )
        )
        p = current_proc()
        if p is None:
            print("process: none (a kernel-only thread)")
            return
        root = vpmap_root(p)
        print(
            "process %s %s, parent pid %d, address space 0x%x"
            % (proc_title(p), enum_name(p["state"], "PROC_"), parent_pid(p), int(p["as"]))
        )
        cr3 = int(gdb.parse_and_eval("$cr3")) & PTE_ADDRESS_MASK
        loaded = "loaded in CR3" if cr3 == root else "NOT in CR3 (CR3 0x%x)" % cr3
        print("page table: PML4 at physical 0x%x, %s" % (root, loaded))


class OsvPs(OsvCommand):
    """The process table: pid, parent, state, thread state, pages mapped, name.

Usage: osv ps
The running process is marked with *. THREAD is the state of its first live
thread, then +N for N more. PAGES is the user pages its page table maps
(struct addrspace's pages_mapped)."""

    def __init__(self):
        super().__init__("ps")

    def run(self, arg):
        running = current_proc()
        running = int(running) if running is not None else 0
        print("   PID  PPID  STATE     THREAD    PAGES  NAME")
        for p in procs():
            state = enum_name(p["state"], "PROC_")
            # Threads that have ended have a NULL pointer (a zombie has none).
            live = [
                p["threads"][i]["thread"]
                for i in range(p["threads"].type.range()[1] + 1)
                if int(p["threads"][i]["thread"]) != 0
            ]
            thread = enum_name(live[0]["state"], "THREAD_") if live else "-"
            if len(live) > 1:
                thread += "+%d" % (len(live) - 1)
            pages = int(p["as"]["pages_mapped"]) if int(p["as"]) else 0
            note = " (exit status %d)" % int(p["exit_status"]) if state == "zombie" else ""
            print(
                "%s %5d %5d  %-9s %-9s %5d  %s%s"
                % (
                    "*" if int(p.address) == running else " ",
                    int(p["pid"]),
                    parent_pid(p),
                    state,
                    thread,
                    pages,
                    p["name"].string(),
                    note,
                )
            )


class OsvRegions(OsvCommand):
    """A process's memory regions: range, size, permission, kind; the break.

Usage: osv regions [PID]
PID defaults to the running process."""

    def __init__(self):
        super().__init__("regions")

    def run(self, arg):
        p = proc_arg(arg)
        as_ = p["as"]
        if int(as_) == 0:
            raise gdb.GdbError("%s has no address space" % proc_title(p))
        print(
            "%s: address space 0x%x, %d pages mapped"
            % (proc_title(p), int(as_), int(as_["pages_mapped"]))
        )
        print("  %-18s %-18s %10s  %-4s %s" % ("start", "end", "size", "perm", "kind"))
        region = as_["regions"]
        while int(region) != 0:
            start, end = int(region["start"]), int(region["end"])
            kind = enum_name(region["kind"], "MEMREGION_")
            note = ""
            if int(region) == int(as_["heap"]):
                note = "  break 0x%x" % int(as_["brk"])
            print(
                "  0x%016x 0x%016x %10s  %-4s %s%s"
                % (start, end, kib(end - start), perm_name(region["perm"]), kind, note)
            )
            region = region["next"]


class OsvWalk(OsvCommand):
    """Walk a process's page table for a user address, as the MMU would.

Usage: osv walk ADDR [PID]
Prints the entry used at each of the 4 levels (PML4, PDPT, PD, PT), decoded:
present, writable or read-only, user or kernel, NX or exec, and the physical
address it points to; then the page's pmem refcount and the region that
holds ADDR. Sets $osv_page to the physical page (for `osv page $osv_page`).
PID defaults to the running process."""

    def __init__(self):
        super().__init__("walk")

    def run(self, arg):
        args = gdb.string_to_argv(arg)
        if not args or len(args) > 2:
            raise gdb.GdbError("usage: osv walk ADDR [PID]")
        vaddr = int(gdb.parse_and_eval(args[0])) & 0xFFFFFFFFFFFFFFFF
        p = proc_arg(args[1] if len(args) == 2 else "")
        if vaddr >= USER_TOP:
            print(
                "note: 0x%x is not a user address (the user half ends at 0x%x)"
                % (vaddr, USER_TOP)
            )
        table = vpmap_root(p)
        print("%s, vaddr 0x%x, PML4 at physical 0x%x" % (proc_title(p), vaddr, table))
        leaf = None
        for level in (4, 3, 2, 1):
            index = (vaddr >> level_shift(level)) & (PT_ENTRIES - 1)
            pte = read_u64(DIRECT_MAP_BASE + table + 8 * index)
            name = "%s[%d]" % (LEVEL_NAMES[level], index)
            if not pte & PTE_PRESENT:
                print("  %-9s 0x%016x  not present: nothing mapped" % (name, pte))
                break
            table = pte & PTE_ADDRESS_MASK
            large = level in (2, 3) and pte & PTE_LARGE
            what = "page" if level == 1 or large else "table"
            print("  %-9s 0x%016x  %s -> %s at 0x%x" % (name, pte, decode_pte(pte), what, table))
            if large:
                print("  a %s page: the walk ends here" % ("2 MiB" if level == 2 else "1 GiB"))
                break
            if level == 1:
                leaf = pte
        if leaf is not None:
            count = refcount(table)
            gdb.set_convenience_variable("osv_page", table)
            print(
                "  -> physical 0x%x; page 0x%x: %s"
                % (table + (vaddr & (PAGE_SIZE - 1)), table, describe_refcount(count))
            )
            if count == 0:
                print("  BUG: a mapped page must not be free")
        if vaddr >= USER_TOP:
            return
        region = find_region(p, vaddr)
        if region is None:
            print("  region: none (no region of this process holds 0x%x)" % vaddr)
            return
        perm = int(region["perm"])
        print(
            "  region: %s %s [0x%x, 0x%x)"
            % (
                enum_name(region["kind"], "MEMREGION_"),
                perm_name(region["perm"]),
                int(region["start"]),
                int(region["end"]),
            )
        )
        write = int(gdb.parse_and_eval("MEMPERM_WRITE"))
        if leaf is not None and perm & write and not leaf & PTE_WRITABLE:
            print("  read-only in a writable region: copy-on-write (a write faults, then copies")
            print("  the page or, for its last sharer, makes it writable)")


def find_region(p, vaddr):
    """The struct memregion of process p that holds vaddr, or None."""
    region = p["as"]["regions"]
    while int(region) != 0:
        if int(region["start"]) <= vaddr < int(region["end"]):
            return region
        region = region["next"]
    return None


class OsvPage(OsvCommand):
    """A physical page's pmem refcount, and every user mapping of it.

Usage: osv page PADDR
Scans the user half of every process's page table for mappings of the page.
A user page's refcount equals its number of mappings; a kernel page (page
table, kernel stack, kmalloc slab) has refcount 1 and no user mapping."""

    def __init__(self):
        super().__init__("page")

    def run(self, arg):
        if not arg.strip():
            raise gdb.GdbError("usage: osv page PADDR")
        paddr = int(gdb.parse_and_eval(arg)) & ~(PAGE_SIZE - 1)
        count = refcount(paddr)
        print("page 0x%x: %s" % (paddr, describe_refcount(count)))
        mappings = 0
        for p in procs():
            if int(p["as"]) == 0:
                continue
            for vaddr, pte in user_mappings(vpmap_root(p)):
                if pte & PTE_ADDRESS_MASK == paddr:
                    mappings += 1
                    print("  mapped by %s at 0x%x, %s" % (proc_title(p), vaddr, decode_pte(pte)))
        print("  %d user mapping%s" % (mappings, "" if mappings == 1 else "s"))
        if mappings and mappings != count:
            print("  BUG: the refcount differs from the number of mappings")


class OsvPid(gdb.Function):
    """$osv_pid(): the pid of the running process, 0 in a kernel-only thread."""

    def __init__(self):
        super().__init__("osv_pid")

    def invoke(self):
        p = current_proc()
        return int(p["pid"]) if p is not None else 0


OsvPrefix()
OsvCurrent()
OsvPs()
OsvRegions()
OsvWalk()
OsvPage()
OsvPid()
