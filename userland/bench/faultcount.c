// faultcount: events in rounds, each round's loop marked for an instruction
// counter outside the guest (tools/bench/fault_instructions.sh --qemu runs
// QEMU under callgrind and counts the host instructions between the marks).
//
//   faultcount MODE ROUNDS
//
// Each round is 1024 events of one kind (MODE):
//   dz       the first write to each page of 4 MiB freshly sbrk'ed
//            (demand-zero faults); the round then gives the pages back;
//   cow      after fork, the child writes one byte in each page of a 4 MiB
//            heap the parent wrote before the fork (copy-on-write faults);
//   reuse    after fork, the child exits at once and the parent writes one
//            byte in each page of the heap (copy-on-write faults by the
//            last sharer, which copy nothing);
//   getpid   a null system call;
//   zero     zeroing a warm 4 KiB page with 8-byte moves (forkbench's floor);
//   copy     copying a warm 4 KiB page with 8-byte moves (the other floor).
// A `cpuid` instruction just before and just after each round's loop is the
// mark: QEMU emulates it in cpu_x86_cpuid, where callgrind starts a new
// count (--dump-before), so the count between two marks is the loop's alone,
// without the boot, the round's set-up (sbrk, fork) or its tear-down.
//
// Output: "faultcount mode=MODE rounds=R result=pass" at the end (exit
// status 0), or result=FAIL (why) (status 1).

#include <stdbool.h>
#include <stdint.h>
#include <unistd.h>

#define PAGE_SIZE   4096u
#define EVENTS      1024u  // per round; dz, cow and reuse touch this many pages
#define FLOOR_PAGES 16
#define WORDS       (PAGE_SIZE / 8)

static uint64_t floor_src[FLOOR_PAGES * WORDS] __attribute__((aligned(4096)));
static uint64_t floor_dst[FLOOR_PAGES * WORDS] __attribute__((aligned(4096)));

static void print(const char *s)
{
    size_t n = 0;
    while (s[n] != '\0') {
        n++;
    }
    write(STDOUT_FILENO, s, n);
}

static void mark(void)
{
    uint32_t a = 0, b, c = 0, d;
    __asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d) : : "memory");
    (void)b;
    (void)d;
}

static bool same(const char *a, const char *b)
{
    while (*a != '\0' && *a == *b) {
        a++;
        b++;
    }
    return *a == *b;
}

// Writes one byte in each of EVENTS pages from p.
static void touch(volatile char *p, char value)
{
    for (uint32_t i = 0; i < EVENTS; i++) {
        p[i * PAGE_SIZE] = value;
    }
}

static bool round_dz(void)
{
    char *p = sbrk(EVENTS * PAGE_SIZE);
    if (p == (char *)-1) {
        return false;
    }
    mark();
    touch(p, 1);
    mark();
    return sbrk(-(int64_t)(EVENTS * PAGE_SIZE)) != (void *)-1;
}

static bool round_cow(char *heap, char value)
{
    touch(heap, value);  // writable again in the parent, so fork shares it
    int pid = fork();
    if (pid == 0) {
        mark();
        touch(heap, (char)(value + 1));
        mark();
        _exit(0);
    }
    int status;
    return pid > 0 && wait(pid, &status) == pid && status == 0;
}

static bool round_reuse(char *heap, char value)
{
    int pid = fork();
    if (pid == 0) {
        _exit(0);
    }
    int status;
    if (pid <= 0 || wait(pid, &status) != pid || status != 0) {
        return false;
    }
    mark();
    touch(heap, value);
    mark();
    return true;
}

static void round_getpid(void)
{
    mark();
    for (uint32_t i = 0; i < EVENTS; i++) {
        (void)getpid();
    }
    mark();
}

// The floor loops, as forkbench's: volatile 8-byte moves, so the compiler
// makes neither a library call nor string instructions.
static void copy_page_words(volatile uint64_t *dst, const volatile uint64_t *src)
{
    for (uint32_t w = 0; w < WORDS; w++) {
        dst[w] = src[w];
    }
}

static void zero_page_words(volatile uint64_t *dst)
{
    for (uint32_t w = 0; w < WORDS; w++) {
        dst[w] = 0;
    }
}

static void round_floor(bool copy)
{
    mark();
    for (uint32_t i = 0; i < EVENTS; i++) {
        uint32_t page = (i % FLOOR_PAGES) * WORDS;
        if (copy) {
            copy_page_words(&floor_dst[page], &floor_src[page]);
        } else {
            zero_page_words(&floor_dst[page]);
        }
    }
    mark();
}

int main(int argc, char **argv)
{
    int rounds = 0;
    if (argc == 3) {
        for (const char *p = argv[2]; *p >= '0' && *p <= '9'; p++) {
            rounds = rounds * 10 + (*p - '0');
        }
    }
    const char *mode = argc == 3 ? argv[1] : "";
    if (rounds <= 0 || !(same(mode, "dz") || same(mode, "cow") || same(mode, "reuse") ||
                         same(mode, "getpid") || same(mode, "zero") || same(mode, "copy"))) {
        print("faultcount: usage: faultcount dz|cow|reuse|getpid|zero|copy ROUNDS\n");
        return 2;
    }

    // The cow heap: page-aligned, every page written once (first faults
    // out of the way).
    char *brk = sbrk(0);
    uintptr_t misalign = (uintptr_t)brk % PAGE_SIZE;
    if (misalign != 0) {
        sbrk((int64_t)(PAGE_SIZE - misalign));
    }
    char *heap = sbrk(EVENTS * PAGE_SIZE);
    if (heap == (char *)-1) {
        print("faultcount result=FAIL (sbrk failed)\n");
        return 1;
    }
    touch(heap, 1);
    for (uint32_t i = 0; i < FLOOR_PAGES * WORDS; i++) {
        floor_src[i] = i;
        floor_dst[i] = 0;
    }

    bool ok = true;
    for (int r = 0; r < rounds && ok; r++) {
        if (same(mode, "dz")) {
            ok = round_dz();
        } else if (same(mode, "cow")) {
            ok = round_cow(heap, (char)r);
        } else if (same(mode, "reuse")) {
            ok = round_reuse(heap, (char)r);
        } else if (same(mode, "getpid")) {
            round_getpid();
        } else {
            round_floor(same(mode, "copy"));
        }
    }
    print(ok ? "faultcount result=pass\n" : "faultcount result=FAIL (sbrk, fork or wait failed)\n");
    return ok ? 0 : 1;
}
