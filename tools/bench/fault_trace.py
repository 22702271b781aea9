# gdb script for tools/bench/fault_trace.sh: follows one user page fault
# through the kernel, one guest instruction at a time, and prints where its
# instructions went.
#
# Environment (set by fault_trace.sh): FAULT_TRACE_PORT, QEMU's gdb port;
# FAULT_TRACE_OUT, the file the report goes to (gdb's own stop messages go
# to its standard output, which the script discards);
# FAULT_TRACE_SKIP, how many page faults to let pass before the one traced
# (the program's set-up faults too); FAULT_TRACE_LIST, 1 to also print every
# instruction outside the page-zeroing and copying loops.
#
# The trace starts at the page-fault entry stub (vector 14 in trap_stubs)
# and ends at the first instruction back in user space. QEMU's gdb stub
# single-steps with interrupts and timers held off, so nothing else runs in
# between.

import collections
import os
import re

import gdb

USER_TOP = 0x800000000000
TRAP_STUB_SIZE = 16  # arch/x86_64/trap.h
VECTOR_PAGE_FAULT = 14
# Instructions that cost QEMU more than their share: they end a translated
# block, call a helper or flush the software TLB.
NOTABLE = {"call", "ret", "iretq", "pushf", "popf", "cli", "sti", "swapgs", "invlpg", "lock",
           "xchg", "cmpxchg"}

port = os.environ["FAULT_TRACE_PORT"]
report = open(os.environ["FAULT_TRACE_OUT"], "w")
skip = int(os.environ.get("FAULT_TRACE_SKIP", "300"))
listing = os.environ.get("FAULT_TRACE_LIST") == "1"

gdb.execute("set pagination off")
gdb.execute("set confirm off")
gdb.execute("target remote :" + port)
stub = int(gdb.parse_and_eval("(unsigned long)&trap_stubs")) + VECTOR_PAGE_FAULT * TRAP_STUB_SIZE
gdb.execute("break *0x%x" % stub, to_string=True)
for _ in range(skip + 1):
    gdb.execute("continue", to_string=True)
gdb.execute("delete", to_string=True)

by_function = collections.Counter()
notable = collections.Counter()
path = []
total = 0
while True:
    pc = int(gdb.parse_and_eval("$pc"))
    if pc < USER_TOP:
        break
    text = gdb.execute("x/i $pc", to_string=True).strip()
    where = re.search(r"<([^+>]+)", text)
    function = where.group(1) if where else "0x%x" % pc
    instruction = text.split(":", 1)[1].split("#")[0].split() if ":" in text else ["?"]
    mnemonic = instruction[0]
    if mnemonic == "lock" and len(instruction) > 1:
        mnemonic = "lock " + instruction[1]
    by_function[function] += 1
    if mnemonic.split()[0] in NOTABLE or "%cr" in " ".join(instruction[1:]):
        notable[(function, " ".join(instruction))] += 1
    if not path or path[-1] != function:
        path.append(function)
    if listing:
        print("  " + text.lstrip("=> "), file=report)
    total += 1
    gdb.execute("stepi", to_string=True)

print("guest instructions from the fault to the return to user mode: %d" % total, file=report)
print("\nby function (inlined code counts where it was inlined):", file=report)
for function, count in by_function.most_common():
    print("  %6d  %s" % (count, function), file=report)
print("\ninstructions QEMU charges extra for (function: instruction x count):", file=report)
for (function, kind), count in sorted(notable.items()):
    print("  %s: %s x %d" % (function, kind, count), file=report)
print("\npath: " + " > ".join(path), file=report)
report.close()
gdb.execute("kill", to_string=True)
