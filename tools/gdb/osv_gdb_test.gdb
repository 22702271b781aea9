# The commands of osv_gdb_test.sh; what they must print is in
# osv_gdb_test.expected. gdb runs them after loading the kernel ELF and
# osv.py and connecting to QEMU, which waits at the first instruction.
#
# The first page fault of pid 2: init's child, forked and not yet exec'd, so
# it shares init's pages copy-on-write.
break handle_page_fault if $osv_pid() == 2
continue
osv current
osv ps
osv regions
osv regions 1
osv walk 0x400000
osv page $osv_page
osv walk fault_addr
help osv
# Let the kernel go on: it must run meminfo and shut down cleanly.
delete
detach
