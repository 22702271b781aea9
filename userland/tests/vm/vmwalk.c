// vmwalk: a walk through the copy-on-write lab, one snapshot of the
// address spaces per step, for tools/vmpictures to draw.
//
// The walker (this process, the parent once it forks) takes each step,
// then prints a snapshot: every region and mapped page of itself and, once
// there is one, of its child, as `vmsnap` lines on the console (the format
// is defined in tools/vmpictures/README.md, "The snapshot format"). The steps:
//
//   exec          what exec left: code, data, the one stack page
//   stack-grow    two pages below the stack page touched: demand-zero
//   sbrk-up       sbrk(+4 pages): the heap region grows, nothing mapped
//   heap-touch    heap pages 0, 1 and 3 written: three zeroed frames
//   sbrk-down     sbrk(-2 pages): page 3 unmapped and its frame freed
//   fork          every page shared by parent and child, read-only
//   child-write   the child writes heap page 0: it gets a copy
//   parent-write  the parent, last sharer of that frame, writes in place
//   child-exit    the child is gone: the parent's pages are cow-last
//
// It lives with the address-space tests because it is one: it checks what
// each snapshot must show (below) and ends with "vmwalk: PASS". It is also
// in //userland:initrd, so that `vmwalk` typed in the shell of `bazel run
// //:qemu` prints the same walk for a saved console log.
//
// Correctness criteria (frames are compared, never their values):
//   1. exec: exactly one stack page mapped, private rw-; the heap empty.
//   2. stack-grow: exactly two more stack pages, private rw-.
//   3. sbrk-up: the heap region 4 pages long, none mapped.
//   4. heap-touch: heap pages 0, 1, 3 private rw- with refcount 1, page 2
//      absent, three different frames.
//   5. sbrk-down: the heap region 2 pages long, pages 0 and 1 still
//      mapped to the same frames.
//   6. fork: both see heap pages 0 and 1 r-- cow-shared, refcount 2, on
//      the frames of step 5; the first code page is shared, refcount 2,
//      on the same frame in both.
//   7. child-write: the child's heap page 0 is a new frame, private rw-;
//      the parent's is the old frame, r--, cow-last. Page 1 unchanged.
//   8. parent-write: the parent's heap page 0 is still the old frame, now
//      rw- private.
//   9. child-exit: the parent's heap page 1 is cow-last on its old frame;
//      the first code page private, refcount 1.

#include <osv.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "userland/tests/vm/vmtest.h"

#define P            VT_PAGE
#define HEAP_PAGES   4
#define VIEW_RECORDS 64  // 3.5 KiB: a view's records fit in one page

// One process's description, from one vmmap call.
struct view {
    int pid;
    const char *label;
    size_t n;
    struct osv_vmmap_entry rec[VIEW_RECORDS];
};

// In bss, page-aligned so that each view occupies one page: vt_init maps
// them before the first snapshot, and after fork writing one copies exactly
// one page.
static struct view self __attribute__((aligned(4096)));
static struct view child __attribute__((aligned(4096)));

static uintptr_t heap;  // the heap's start: page i is at heap + i * P

// Commands from the walker to its child, over a pipe.
enum { CMD_WRITE = 'w', CMD_EXIT = 'x' };

static void describe(struct view *v)
{
    int64_t n = vmmap(v->pid, OSV_VMMAP_PAGES, v->rec, VIEW_RECORDS);
    VT_CHECK(n > 0 && n <= VIEW_RECORDS, "vmmap(%d): %ld", v->pid, n);
    v->n = (size_t)n;
}

static void print_view(const struct view *v)
{
    printf("vmsnap proc %d %s\n", v->pid, v->label);
    for (size_t i = 0; i < v->n; i++) {
        const struct osv_vmmap_entry *e = &v->rec[i];
        char perm[4];
        osv_vmmap_perm_string(e->perm, perm);
        if (e->type == OSV_VMMAP_REGION) {
            printf("vmsnap region %s %s 0x%lx 0x%lx %lu\n", osv_vmmap_kind_name(e->kind), perm,
                   e->start, e->end, e->pages);
        } else {
            printf("vmsnap page %s %s 0x%lx %s %lu 0x%lx\n", osv_vmmap_kind_name(e->kind), perm,
                   e->start, osv_vmmap_sharing_name(e->sharing), e->refs, e->frame);
        }
    }
}

// Describes the walker and, when `with_child`, its child, and prints the
// snapshot. The caption says what the step did; no double quotes.
//
// Everything the snapshot itself writes (stdout's buffer, both views) is
// written before either description, so that after fork the two views are
// of one moment (the copy a write makes changes the other process's
// refcount too) and the next step shows no copy that the snapshot made.
static void snapshot(const char *step, const char *caption, bool with_child)
{
    printf("vmsnap begin %s \"%s\"\n", step, caption);
    self.n = 0;
    child.n = 0;
    describe(&self);
    if (with_child) {
        describe(&child);
    }
    print_view(&self);
    if (with_child) {
        print_view(&child);
    }
    printf("vmsnap end %s\n", step);
}

static const struct osv_vmmap_entry *find(const struct view *v, uint32_t type, uintptr_t start)
{
    for (size_t i = 0; i < v->n; i++) {
        if (v->rec[i].type == type && v->rec[i].start == start) {
            return &v->rec[i];
        }
    }
    return NULL;
}

static const struct osv_vmmap_entry *region_of_kind(const struct view *v, uint32_t kind)
{
    for (size_t i = 0; i < v->n; i++) {
        if (v->rec[i].type == OSV_VMMAP_REGION && v->rec[i].kind == kind) {
            return &v->rec[i];
        }
    }
    vt_fail("pid %d: no %s region", v->pid, osv_vmmap_kind_name(kind));
}

// Checks the page at va and returns its frame; the page must be mapped.
static uint64_t expect_page(const struct view *v, uintptr_t va, uint32_t perm, uint32_t sharing,
                            uint64_t refs)
{
    const struct osv_vmmap_entry *e = find(v, OSV_VMMAP_PAGE, va);
    VT_CHECK(e != NULL, "%s: page 0x%lx not mapped", v->label, va);
    VT_CHECK(e->perm == perm && e->sharing == sharing && e->refs == refs,
             "%s: page 0x%lx: perm %u %s refs %lu, expected perm %u %s refs %lu", v->label, va,
             e->perm, osv_vmmap_sharing_name(e->sharing), e->refs, perm,
             osv_vmmap_sharing_name(sharing), refs);
    return e->frame;
}

static void expect_absent(const struct view *v, uintptr_t va)
{
    VT_CHECK(find(v, OSV_VMMAP_PAGE, va) == NULL, "%s: page 0x%lx mapped", v->label, va);
}

static void step_ok(const char *step)
{
    printf("vmwalk: %s: ok\n", step);
}

static void write_byte(uintptr_t va)
{
    *(volatile char *)va = 1;
}

// The child: says it is ready, then obeys commands until told to exit.
static _Noreturn void child_loop(int cmd_fd, int ack_fd)
{
    for (;;) {
        char c = 'r';
        VT_CHECK(write(ack_fd, &c, 1) == 1, "child: write to the walker failed");
        VT_CHECK(read(cmd_fd, &c, 1) == 1, "child: read from the walker failed");
        if (c == CMD_EXIT) {
            exit(0);
        }
        write_byte(heap);
    }
}

// Sends a command to the child and, unless it exits, waits until it has
// carried it out and is blocked again.
static void command(int cmd_fd, int ack_fd, char c)
{
    VT_CHECK(write(cmd_fd, &c, 1) == 1, "write to the child failed");
    if (c != CMD_EXIT) {
        VT_CHECK(read(ack_fd, &c, 1) == 1, "read from the child failed");
    }
}

int main(void)
{
    vt_init("vmwalk", true);
    heap = vt_heap_start();
    self.pid = getpid();
    self.label = "parent";
    const uintptr_t stack_top = VT_USTACK_TOP;

    snapshot("exec",
             "Right after exec (and vmwalk's setup, which reads its data pages in): code, data and "
             "the one stack page that holds the arguments.",
             false);
    VT_EXPECT_EQ(region_of_kind(&self, OSV_VMMAP_STACK)->pages, 1, "exec: stack pages");
    expect_page(&self, stack_top - P, OSV_VMMAP_READ | OSV_VMMAP_WRITE, OSV_VMMAP_PRIVATE, 1);
    VT_EXPECT_EQ(region_of_kind(&self, OSV_VMMAP_HEAP)->end, heap, "exec: heap end");
    step_ok("exec");

    const uint32_t rw = OSV_VMMAP_READ | OSV_VMMAP_WRITE;
    write_byte(stack_top - 2 * P);
    write_byte(stack_top - 3 * P);
    snapshot("stack-grow",
             "Two pages below the stack page written: each write faults and the kernel maps a "
             "zeroed frame (demand-zero).",
             false);
    VT_EXPECT_EQ(region_of_kind(&self, OSV_VMMAP_STACK)->pages, 3, "stack-grow: stack pages");
    expect_page(&self, stack_top - 2 * P, rw, OSV_VMMAP_PRIVATE, 1);
    expect_page(&self, stack_top - 3 * P, rw, OSV_VMMAP_PRIVATE, 1);
    step_ok("stack-grow");

    vt_sbrk(HEAP_PAGES * P);
    snapshot("sbrk-up", "sbrk(+4 pages): the heap region grows, but no page is mapped yet (lazy).",
             false);
    const struct osv_vmmap_entry *h = region_of_kind(&self, OSV_VMMAP_HEAP);
    VT_CHECK(h->end == heap + HEAP_PAGES * P && h->pages == 0, "sbrk-up: heap end 0x%lx, %lu pages",
             h->end, h->pages);
    step_ok("sbrk-up");

    write_byte(heap);
    write_byte(heap + P);
    write_byte(heap + 3 * P);
    snapshot("heap-touch",
             "Heap pages 0, 1 and 3 written: three demand-zero faults, three new frames. Page 2 "
             "stays unmapped.",
             false);
    uint64_t frame0 = expect_page(&self, heap, rw, OSV_VMMAP_PRIVATE, 1);
    uint64_t frame1 = expect_page(&self, heap + P, rw, OSV_VMMAP_PRIVATE, 1);
    uint64_t frame3 = expect_page(&self, heap + 3 * P, rw, OSV_VMMAP_PRIVATE, 1);
    expect_absent(&self, heap + 2 * P);
    VT_CHECK(frame0 != frame1 && frame1 != frame3 && frame0 != frame3,
             "heap-touch: frames not distinct");
    step_ok("heap-touch");

    vt_sbrk(-2 * (intptr_t)P);
    snapshot("sbrk-down",
             "sbrk(-2 pages): the heap shrinks; page 3 is unmapped and its frame freed.", false);
    h = region_of_kind(&self, OSV_VMMAP_HEAP);
    VT_CHECK(h->end == heap + 2 * P && h->pages == 2, "sbrk-down: heap end 0x%lx, %lu pages",
             h->end, h->pages);
    VT_EXPECT_EQ(expect_page(&self, heap, rw, OSV_VMMAP_PRIVATE, 1), frame0, "sbrk-down: frame 0");
    VT_EXPECT_EQ(expect_page(&self, heap + P, rw, OSV_VMMAP_PRIVATE, 1), frame1,
                 "sbrk-down: frame 1");
    step_ok("sbrk-down");

    int cmd[2], ack[2];
    VT_CHECK(pipe(cmd) == 0 && pipe(ack) == 0, "pipe failed");
    int pid = fork();
    VT_CHECK(pid >= 0, "fork: %s", err_name(pid));
    if (pid == 0) {
        child_loop(cmd[0], ack[1]);
    }
    child.pid = pid;
    child.label = "child";
    char c;
    VT_CHECK(read(ack[0], &c, 1) == 1, "the child did not start");
    snapshot("fork",
             "fork: the child shares every frame; writable pages became read-only in both "
             "(copy-on-write). Stack and data pages written since fork were copied already.",
             true);
    const uint32_t r = OSV_VMMAP_READ;
    for (int i = 0; i < 2; i++) {
        uint64_t frame = i == 0 ? frame0 : frame1;
        VT_EXPECT_EQ(expect_page(&self, heap + i * P, r, OSV_VMMAP_COW_SHARED, 2), frame,
                     "fork: the parent's heap frame");
        VT_EXPECT_EQ(expect_page(&child, heap + i * P, r, OSV_VMMAP_COW_SHARED, 2), frame,
                     "fork: the child's heap frame");
    }
    const uint32_t rx = OSV_VMMAP_READ | OSV_VMMAP_EXEC;
    uint64_t code = expect_page(&self, USER_REGION_MIN, rx, OSV_VMMAP_SHARED, 2);
    VT_EXPECT_EQ(expect_page(&child, USER_REGION_MIN, rx, OSV_VMMAP_SHARED, 2), code,
                 "fork: the child's code frame");
    step_ok("fork");

    command(cmd[1], ack[0], CMD_WRITE);
    snapshot("child-write",
             "The child writes heap page 0: the fault copies the shared frame, the child maps "
             "its copy writable. The parent is now the old frame's last sharer.",
             true);
    uint64_t copy = expect_page(&child, heap, rw, OSV_VMMAP_PRIVATE, 1);
    VT_CHECK(copy != frame0, "child-write: the child kept the shared frame");
    VT_EXPECT_EQ(expect_page(&self, heap, r, OSV_VMMAP_COW_LAST, 1), frame0,
                 "child-write: the parent's frame");
    VT_EXPECT_EQ(expect_page(&self, heap + P, r, OSV_VMMAP_COW_SHARED, 2), frame1,
                 "child-write: the parent's page 1");
    step_ok("child-write");

    write_byte(heap);
    snapshot("parent-write",
             "The parent writes heap page 0. As the last sharer it needs no copy: the kernel "
             "makes the same frame writable in place.",
             true);
    VT_EXPECT_EQ(expect_page(&self, heap, rw, OSV_VMMAP_PRIVATE, 1), frame0,
                 "parent-write: the parent's frame");
    step_ok("parent-write");

    command(cmd[1], ack[0], CMD_EXIT);
    int status;
    VT_CHECK(wait(pid, &status) == pid && status == 0, "the child did not exit with status 0");
    snapshot("child-exit",
             "The child exits and its mappings go: every frame it shared has one mapping left. "
             "The parent's read-only pages are cow-last: a write makes them writable in place.",
             false);
    VT_EXPECT_EQ(expect_page(&self, heap + P, r, OSV_VMMAP_COW_LAST, 1), frame1,
                 "child-exit: the parent's page 1");
    VT_EXPECT_EQ(expect_page(&self, USER_REGION_MIN, rx, OSV_VMMAP_PRIVATE, 1), code,
                 "child-exit: the parent's code frame");
    step_ok("child-exit");
    return vt_pass();
}
