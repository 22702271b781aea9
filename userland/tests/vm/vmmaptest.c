// vmmaptest: the vmmap system call (kernel/syscall_abi.h), its records
// checked exactly around a fork, its errors, its printed form, and the
// lines the kernel prints when a process dies of a page fault.
//
// Two heap pages at fixed addresses, HEAP_A and HEAP_B (the break is moved
// up to them, so the pages between stay absent), written by the parent
// before it forks. Correctness criteria:
//   1. Before fork the parent's description is exact where the program
//      decides it: the stack region with all 10 pages (vt_init maps them),
//      the heap region up to HEAP_B's end, HEAP_A and HEAP_B private rw-
//      with refcount 1; every region counts the page records after it.
//   2. After fork the child sees HEAP_A and HEAP_B r-- cow-shared with
//      refcount 2, and the parent's records (read by the child) show the
//      same frames, the same way.
//   3. After the child writes HEAP_A: the child's HEAP_A is rw- private, a
//      new frame with refcount 1; the parent's HEAP_A is still the old
//      frame, r--, refcount 1: cow-last. HEAP_B stays cow-shared in both.
//   4. Once the child is gone, the parent's HEAP_B is cow-last too; the
//      parent's write of HEAP_A then keeps its frame and makes it rw-.
//   5. The count is the whole description's: vmmap(pid, flags, NULL, 0)
//      counts; a smaller capacity gets the same count and no more records
//      than the capacity.
//   6. Errors: ERR_FAULT for a NULL, low, kernel, non-canonical or
//      read-only buffer, and one that runs past the break; ERR_INVAL for
//      unknown flags; ERR_SRCH for pids of no process, a zombie, a reaped
//      child and a pid with bits above 32. Another process (init) may be
//      described.
//   7. The vmmap program prints the table (the .expected checks its lines)
//      and fails with status 1 for a missing process.
//   8. A child writing just past the break is killed, and the kernel's
//      lines after the kill line show the heap pages around the address.

#include <osv.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "userland/tests/vm/vmtest.h"

#define HEAP_A   ((uintptr_t)0x800000)
#define HEAP_B   (HEAP_A + VT_PAGE)
#define HEAP_END (HEAP_B + VT_PAGE)

#define MAX_RECORDS 64

static const uint32_t kR = OSV_VMMAP_READ;
static const uint32_t kRW = OSV_VMMAP_READ | OSV_VMMAP_WRITE;

// Filled by describe; in bss, so vt_init has mapped it before any count.
static struct osv_vmmap_entry records[MAX_RECORDS];

// vmmap(pid, flags) into records, checked to succeed and fit.
static size_t describe(int pid, uint32_t flags)
{
    int64_t n = vmmap(pid, flags, records, MAX_RECORDS);
    VT_CHECK(n > 0 && n <= MAX_RECORDS, "vmmap(%d, %u): %ld", pid, flags, n);
    return (size_t)n;
}

static const struct osv_vmmap_entry *find(size_t n, uint32_t type, uintptr_t start)
{
    for (size_t i = 0; i < n; i++) {
        if (records[i].type == type && records[i].start == start) {
            return &records[i];
        }
    }
    vt_fail("no %s record at 0x%lx", type == OSV_VMMAP_PAGE ? "page" : "region", start);
}

// Checks the page record of va in the last description, and returns its
// frame.
static uint64_t expect_page(const char *who, size_t n, uintptr_t va, uint32_t perm,
                            uint32_t sharing, uint64_t refs)
{
    const struct osv_vmmap_entry *e = find(n, OSV_VMMAP_PAGE, va);
    VT_CHECK(e->kind == OSV_VMMAP_HEAP && e->end == va + VT_PAGE && e->pages == 1,
             "%s: page 0x%lx: kind %u, end 0x%lx, pages %lu", who, va, e->kind, e->end, e->pages);
    VT_CHECK(e->perm == perm && e->sharing == sharing && e->refs == refs,
             "%s: page 0x%lx: perm %u sharing %s refs %lu, expected perm %u sharing %s refs %lu",
             who, va, e->perm, osv_vmmap_sharing_name(e->sharing), e->refs, perm,
             osv_vmmap_sharing_name(sharing), refs);
    VT_CHECK(e->frame != 0 && e->frame % VT_PAGE == 0, "%s: page 0x%lx: frame 0x%lx", who, va,
             e->frame);
    return e->frame;
}

// Every region's page count equals the page records after it, which lie
// inside it, in ascending order.
static void expect_consistent(const char *who, size_t n)
{
    const struct osv_vmmap_entry *region = NULL;
    uint64_t seen = 0;
    uint64_t last = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || records[i].type == OSV_VMMAP_REGION) {
            if (region != NULL) {
                VT_EXPECT_EQ(seen, region->pages, who);
            }
            if (i == n) {
                break;
            }
            region = &records[i];
            seen = 0;
        } else {
            VT_CHECK(region != NULL && region->start <= records[i].start &&
                         records[i].end <= region->end,
                     "%s: page 0x%lx outside its region", who, records[i].start);
            seen++;
        }
        VT_CHECK(records[i].start >= last, "%s: records out of order at 0x%lx", who,
                 records[i].start);
        last = records[i].start;
    }
}

// Criterion 1.
static void check_before_fork(void)
{
    size_t n = describe(0, OSV_VMMAP_PAGES);
    expect_consistent("before fork", n);
    const struct osv_vmmap_entry *code = find(n, OSV_VMMAP_REGION, USER_REGION_MIN);
    VT_CHECK(code->kind == OSV_VMMAP_CODE && code->perm == (kR | OSV_VMMAP_EXEC),
             "the code region: kind %u perm %u", code->kind, code->perm);
    const struct osv_vmmap_entry *heap = find(n, OSV_VMMAP_REGION, vt_heap_start());
    VT_CHECK(heap->kind == OSV_VMMAP_HEAP && heap->perm == kRW && heap->end == HEAP_END,
             "the heap region: kind %u perm %u end 0x%lx", heap->kind, heap->perm, heap->end);
    const struct osv_vmmap_entry *stack = find(n, OSV_VMMAP_REGION, VT_USTACK_START);
    VT_CHECK(stack->kind == OSV_VMMAP_STACK && stack->perm == kRW && stack->end == VT_USTACK_TOP &&
                 stack->pages == VT_USTACK_PAGES,
             "the stack region: kind %u perm %u end 0x%lx pages %lu", stack->kind, stack->perm,
             stack->end, stack->pages);
    expect_page("before fork", n, HEAP_A, kRW, OSV_VMMAP_PRIVATE, 1);
    expect_page("before fork", n, HEAP_B, kRW, OSV_VMMAP_PRIVATE, 1);
    printf("vmmaptest: before fork: heap pages private, refcount 1\n");
}

// Criteria 2 and 3, in the child.
static void child_writes(void *unused)
{
    (void)unused;
    int parent = getppid();
    size_t n = describe(0, OSV_VMMAP_PAGES);
    expect_consistent("child after fork", n);
    uint64_t frame_a = expect_page("child", n, HEAP_A, kR, OSV_VMMAP_COW_SHARED, 2);
    uint64_t frame_b = expect_page("child", n, HEAP_B, kR, OSV_VMMAP_COW_SHARED, 2);
    n = describe(parent, OSV_VMMAP_PAGES);
    VT_EXPECT_EQ(expect_page("parent", n, HEAP_A, kR, OSV_VMMAP_COW_SHARED, 2), frame_a,
                 "the parent's frame of HEAP_A");
    VT_EXPECT_EQ(expect_page("parent", n, HEAP_B, kR, OSV_VMMAP_COW_SHARED, 2), frame_b,
                 "the parent's frame of HEAP_B");
    printf("vmmaptest: after fork: both share the frames, cow-shared, refcount 2\n");

    *(volatile char *)HEAP_A = 'c';
    n = describe(0, OSV_VMMAP_PAGES);
    expect_consistent("child after its write", n);
    uint64_t own = expect_page("child", n, HEAP_A, kRW, OSV_VMMAP_PRIVATE, 1);
    VT_CHECK(own != frame_a, "the child's write kept the shared frame 0x%lx", own);
    VT_EXPECT_EQ(expect_page("child", n, HEAP_B, kR, OSV_VMMAP_COW_SHARED, 2), frame_b,
                 "the child's frame of HEAP_B");
    printf("--- the child, after writing HEAP_A (vmmap -p of itself)\n");
    vmmap_print(records, n);

    n = describe(parent, OSV_VMMAP_PAGES);
    VT_EXPECT_EQ(expect_page("parent", n, HEAP_A, kR, OSV_VMMAP_COW_LAST, 1), frame_a,
                 "the parent's frame of HEAP_A");
    VT_EXPECT_EQ(expect_page("parent", n, HEAP_B, kR, OSV_VMMAP_COW_SHARED, 2), frame_b,
                 "the parent's frame of HEAP_B");
    printf("vmmaptest: after the child's write: child's own frame, parent's cow-last\n");
}

// Criterion 4.
static void check_after_child(void)
{
    size_t n = describe(0, OSV_VMMAP_PAGES);
    expect_consistent("parent after the child", n);
    uint64_t frame_a = expect_page("parent", n, HEAP_A, kR, OSV_VMMAP_COW_LAST, 1);
    expect_page("parent", n, HEAP_B, kR, OSV_VMMAP_COW_LAST, 1);
    printf("--- the parent, after the child exited (vmmap -p of itself)\n");
    vmmap_print(records, n);

    *(volatile char *)HEAP_A = 'p';
    n = describe(0, OSV_VMMAP_PAGES);
    VT_EXPECT_EQ(expect_page("parent", n, HEAP_A, kRW, OSV_VMMAP_PRIVATE, 1), frame_a,
                 "the parent's frame of HEAP_A after its write");
    printf("vmmaptest: the last sharer writes in place: same frame, now rw-\n");
}

// Criterion 5.
static void check_counts(void)
{
    size_t n = describe(0, OSV_VMMAP_PAGES);
    VT_EXPECT_EQ(vmmap(0, OSV_VMMAP_PAGES, NULL, 0), n, "the count without a buffer");
    size_t regions = 0;
    for (size_t i = 0; i < n; i++) {
        regions += records[i].type == OSV_VMMAP_REGION;
    }
    VT_EXPECT_EQ(vmmap(0, 0, NULL, 0), regions, "the count of regions");

    memset(records, 0xa5, sizeof(records));
    VT_EXPECT_EQ(vmmap(0, OSV_VMMAP_PAGES, records, 2), n, "the count into 2 records");
    VT_CHECK(records[0].type == OSV_VMMAP_REGION && records[0].start == USER_REGION_MIN,
             "the first record is not the code region");
    VT_CHECK(records[2].type == 0xa5a5a5a5u, "a record past the capacity was written");

    // A capacity larger than the buffer is fine when the records fit.
    VT_EXPECT_EQ(osv_syscall(SYS_VMMAP, 0, 0, (uint64_t)records, UINT64_MAX, 0, 0), regions,
                 "regions with an unbounded capacity");
    printf("vmmaptest: counts: %lu records, %lu regions; truncated to the capacity\n", n, regions);
}

// Criterion 6.
static void check_errors(int zombie, int reaped)
{
    const struct {
        uint64_t buf;
        const char *what;
    } bad[] = {
        {0, "NULL"},
        {0x1000, "a low address"},
        {VT_KERNEL_ADDR, "a kernel address"},
        {0x0000800000000000ul, "a non-canonical address"},
        {USER_REGION_MIN, "the code (read-only)"},
        {HEAP_END - sizeof(struct osv_vmmap_entry), "a buffer running past the break"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        VT_EXPECT_EQ(osv_syscall(SYS_VMMAP, 0, OSV_VMMAP_PAGES, bad[i].buf, 4, 0, 0), ERR_FAULT,
                     bad[i].what);
    }
    VT_EXPECT_EQ(vmmap(0, 2, records, MAX_RECORDS), ERR_INVAL, "flags 2");
    VT_EXPECT_EQ(osv_syscall(SYS_VMMAP, 0, 1ull << 32, (uint64_t)records, MAX_RECORDS, 0, 0),
                 ERR_INVAL, "flags 1 << 32");
    VT_EXPECT_EQ(vmmap(99999, 0, records, MAX_RECORDS), ERR_SRCH, "pid 99999");
    VT_EXPECT_EQ(vmmap(-1, 0, records, MAX_RECORDS), ERR_SRCH, "pid -1");
    VT_EXPECT_EQ(vmmap(zombie, 0, records, MAX_RECORDS), ERR_SRCH, "a zombie");
    VT_EXPECT_EQ(vmmap(reaped, 0, records, MAX_RECORDS), ERR_SRCH, "a reaped child");
    VT_EXPECT_EQ(osv_syscall(SYS_VMMAP, (1ull << 32) + (uint64_t)getpid(), 0, (uint64_t)records,
                             MAX_RECORDS, 0, 0),
                 ERR_SRCH, "own pid + 2^32");
    size_t n = describe(1, 0);
    VT_CHECK(find(n, OSV_VMMAP_REGION, VT_USTACK_START)->kind == OSV_VMMAP_STACK,
             "init's stack region");
    printf("vmmaptest: bad buffers ERR_FAULT, bad flags ERR_INVAL, bad pids ERR_SRCH\n");
}

// A child that has exited, not yet reaped: its pid, once it is a zombie.
static int make_zombie(void)
{
    int pid = fork();
    VT_CHECK(pid >= 0, "fork: %d", pid);
    if (pid == 0) {
        _exit(0);
    }
    // The child runs to its end while this process sleeps: a few ticks
    // are plenty for an exit.
    sleep(5);
    return pid;
}

// Criterion 7: runs the vmmap program with args and returns its status.
static int run_vmmap(char *const argv[])
{
    int pid = fork();
    VT_CHECK(pid >= 0, "fork: %d", pid);
    if (pid == 0) {
        int err = exec("vmmap", argv);
        printf("vmmaptest: exec vmmap: %s\n", err_name((err_t)err));
        _exit(1);
    }
    int status;
    VT_EXPECT_EQ(wait(pid, &status), pid, "wait for vmmap");
    return status;
}

// Criterion 8.
static void write_past_the_break(void *unused)
{
    (void)unused;
    *(volatile char *)HEAP_END = 'x';
}

int main(void)
{
    vt_init("vmmaptest", false);
    uintptr_t brk = vt_sbrk(0);
    VT_CHECK(brk < HEAP_A, "the heap starts at 0x%lx, above 0x%lx", brk, HEAP_A);
    vt_sbrk((intptr_t)(HEAP_END - brk));
    vt_touch_write(HEAP_A, HEAP_END);
    check_before_fork();

    VT_EXPECT_EQ(vt_run_child(child_writes, NULL), 0, "the child's status");
    check_after_child();
    check_counts();

    int zombie = make_zombie();
    int reaped = make_zombie();
    int status;
    VT_EXPECT_EQ(wait(reaped, &status), reaped, "wait for a child");
    check_errors(zombie, reaped);
    VT_EXPECT_EQ(wait(zombie, &status), zombie, "wait for the zombie");

    char pid_text[16];
    snprintf(pid_text, sizeof(pid_text), "%d", getpid());
    printf("--- vmmap -p %s (this process)\n", pid_text);
    VT_EXPECT_EQ(run_vmmap((char *const[]){"vmmap", "-p", pid_text, NULL}), 0, "vmmap's status");
    VT_EXPECT_EQ(run_vmmap((char *const[]){"vmmap", "99999", NULL}), 1,
                 "vmmap's status for no such process");

    vt_expect_killed("bad address", write_past_the_break, NULL);
    return vt_pass();
}
