// libFuzzer target for copyin, copyout and copyinstr (kernel/uaccess.h),
// over the real vm, pgfault and pmem code on the host's fake page table.
//
// kernel/BUILD.bazel runs it as uaccess_fuzzer_test (20000 inputs, ~5 s).
//
// Checked against bugs planted in a scratch copy of uaccess.c, each found
// within 20000 runs: copyout not asking for write access
// (run 1782), copyout ignoring the page end (1842), copyinstr reading one
// byte past max (1986, ASan), copyinstr's length off by one (2060).
//
// Each input describes a process and what its system calls copy: the first
// bytes choose the heap size, which pages are already there, whether the
// process forked (so pages are shared copy-on-write) and which side runs;
// the rest is a list of copies, each with its direction, a user address
// (in or near a region, or anywhere) and a length. A model of the process's
// memory (loaded bytes, what copyout wrote, zero elsewhere) says what every
// copy must do:
//  - ERR_OK exactly when every byte of the range lies in a region that
//    allows the access (copyout needs a writable one), and for an empty
//    range; ERR_FAULT otherwise (a kernel address, a wrapping range, a hole,
//    read-only memory);
//  - copyin returns the model's bytes; copyout's bytes are seen afterwards,
//    by this process only (the other side of a fork keeps its own); a
//    copyout that fails part way has written nothing but bytes of the range;
//  - copyinstr stops at the first NUL (sets the length), fails at the first
//    inaccessible byte before it, or returns ERR_TOOLONG with max - 1 bytes
//    and a NUL;
// and after every copy the invariant checker (vm_check) finds nothing; at the
// end every page is back in pmem.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "testing/fake_current.h"
#include "testing/fake_mmu.h"
#include "testing/pmem_arena.h"

extern "C" {
#include "arch/kmap.h"
#include "arch/page.h"
#include "arch/vpmap.h"
#include "kernel/mm/kmalloc.h"
#include "kernel/mm/pmem.h"
#include "kernel/mm/pmem_boot.h"
#include "kernel/mm/vm.h"
#include "kernel/mm/vm_check.h"
#include "kernel/uaccess.h"
}

namespace {

constexpr size_t kArenaPages = 96;
constexpr vaddr_t kCode = USER_REGION_MIN;        // 1 page, URX, loaded
constexpr vaddr_t kData = kCode + PAGE_SIZE;      // 2 pages, URW, the first loaded
constexpr vaddr_t kHeap = kData + 2 * PAGE_SIZE;  // grows by the input
constexpr vaddr_t kStack = USTACK_UPPERBOUND - USTACK_PAGES * PAGE_SIZE;
constexpr size_t kMaxCopy = 3 * PAGE_SIZE + 100;

// Reads the input a little at a time; zeros once it runs out.
class Input {
  public:
    Input(const uint8_t *data, size_t size) : data_(data), size_(size)
    {
    }
    bool Empty() const
    {
        return at_ >= size_;
    }
    uint64_t Take(size_t bytes)
    {
        uint64_t value = 0;
        for (size_t i = 0; i < bytes; i++) {
            value = value << 8 | (at_ < size_ ? data_[at_++] : 0);
        }
        return value;
    }

  private:
    const uint8_t *data_;
    size_t size_;
    size_t at_ = 0;
};

[[noreturn]] void Broken(const char *what, vaddr_t va, size_t n, int got, int want)
{
    std::fprintf(stderr, "uaccess_fuzzer: %s (address 0x%llx, %zu bytes): got %d, expected %d\n",
                 what, static_cast<unsigned long long>(va), n, got, want);
    std::abort();
}

uint8_t Loaded(vaddr_t va)
{
    return static_cast<uint8_t>((va * 0x9e3779b97f4a7c15ull) >> 56 | 1);
}

// One process's view of its memory: every byte of the two areas where its
// regions can be (code, data and heap; the stack), as it should read.
struct Model {
    static constexpr size_t kLowPages = 8;  // code, data, heap (at most 4 pages)
    vaddr_t brk = kHeap;
    std::vector<uint8_t> low = std::vector<uint8_t>(kLowPages * PAGE_SIZE);
    std::vector<uint8_t> stack = std::vector<uint8_t>(USTACK_PAGES * PAGE_SIZE);

    Model()
    {
        for (vaddr_t va = kCode; va < kData + PAGE_SIZE; va++) {
            low[va - kCode] = Loaded(va);  // code and the loaded data page
        }
    }
    // The model's byte for va, or nullptr outside both areas.
    const uint8_t *At(vaddr_t va) const
    {
        if (va >= kCode && va - kCode < low.size()) {
            return &low[va - kCode];
        }
        if (va >= kStack && va < USTACK_UPPERBOUND) {
            return &stack[va - kStack];
        }
        return nullptr;
    }
    uint8_t *At(vaddr_t va)
    {
        return const_cast<uint8_t *>(static_cast<const Model *>(this)->At(va));
    }
    uint8_t Byte(vaddr_t va) const
    {
        const uint8_t *at = At(va);
        return at != nullptr ? *at : 0;
    }
    bool Readable(vaddr_t va) const
    {
        return (va >= kCode && va < kData + 2 * PAGE_SIZE) ||
               (va >= kHeap && va < pg_round_up(brk)) || (va >= kStack && va < USTACK_UPPERBOUND);
    }
    bool Writable(vaddr_t va) const
    {
        return Readable(va) && !(va >= kCode && va < kData);
    }
    // Every byte of [va, va + n) allowed (no wrap)? True for n == 0.
    bool Allows(vaddr_t va, size_t n, bool write) const
    {
        if (n == 0) {
            return true;
        }
        if (va + (n - 1) < va) {
            return false;
        }
        for (vaddr_t page = pg_round_down(va); page <= va + (n - 1); page += PAGE_SIZE) {
            if (write ? !Writable(page) : !Readable(page)) {
                return false;
            }
        }
        return true;
    }
};

// The byte at va as the page table maps it, if it does.
bool Peek(struct addrspace *as, vaddr_t va, uint8_t *value)
{
    paddr_t pa;
    if (va >= VPMAP_USER_TOP || vpmap_lookup_vaddr(as->vpmap, va, &pa, nullptr) != ERR_OK) {
        return false;
    }
    *value = *static_cast<uint8_t *>(kmap_p2v(pa));
    return true;
}

struct addrspace *Build(Input &in, Model *model)
{
    struct addrspace *as;
    if (as_create(&as) != ERR_OK ||
        as_map_memregion(as, kCode, PAGE_SIZE, MEMPERM_URX, MEMREGION_CODE, nullptr) != ERR_OK ||
        as_map_memregion(as, kData, 2 * PAGE_SIZE, MEMPERM_URW, MEMREGION_DATA, nullptr) !=
            ERR_OK ||
        as_map_heap(as, kHeap) != ERR_OK || as_map_stack(as) != ERR_OK) {
        std::abort();  // 96 pages are plenty
    }
    for (vaddr_t va : {kCode, kData}) {
        if (as_map_zero_page(as, va) != ERR_OK) {
            std::abort();
        }
        uint8_t *bytes = static_cast<uint8_t *>(kmap_p2v([&] {
            paddr_t pa = 0;
            (void)vpmap_lookup_vaddr(as->vpmap, va, &pa, nullptr);
            return pa;
        }()));
        for (size_t i = 0; i < PAGE_SIZE; i++) {
            bytes[i] = Loaded(va + i);
        }
    }
    vaddr_t old;
    if (as_sbrk(as, static_cast<int64_t>(in.Take(2) % (4 * PAGE_SIZE)), &old) != ERR_OK) {
        std::abort();
    }
    model->brk = as->brk;
    // Some pages present before the copies (so copies meet both kinds).
    uint64_t present = in.Take(1);
    vaddr_t candidates[] = {kData + PAGE_SIZE,     kHeap,  kHeap + PAGE_SIZE,
                            kHeap + 2 * PAGE_SIZE, kStack, kStack + PAGE_SIZE};
    for (size_t i = 0; i < sizeof candidates / sizeof candidates[0]; i++) {
        vaddr_t va = candidates[i];
        if ((present >> i & 1) && model->Readable(va) && as_map_zero_page(as, va) != ERR_OK) {
            std::abort();
        }
    }
    return as;
}

vaddr_t PickAddress(Input &in)
{
    uint64_t where = in.Take(1) % 8;
    uint64_t offset = in.Take(2);
    switch (where) {
    case 0:
        return kCode + offset % (3 * PAGE_SIZE);
    case 1:
    case 2:
        return kHeap - 100 + offset % (6 * PAGE_SIZE);
    case 3:
        return kStack - PAGE_SIZE + offset % ((USTACK_PAGES + 1) * PAGE_SIZE);
    case 4:
        return USTACK_UPPERBOUND - offset % 200;
    case 5:
        return offset % USER_REGION_MIN;
    case 6:
        return VPMAP_USER_TOP - 100 + offset % 200;
    default:
        return in.Take(8);  // anything
    }
}

size_t PickLength(Input &in)
{
    uint64_t kind = in.Take(1) % 8;
    if (kind == 0) {
        return 0;
    }
    if (kind == 7) {
        return static_cast<size_t>(in.Take(8)) | (size_t{1} << 62);  // absurd: must fault
    }
    return static_cast<size_t>(in.Take(2)) % kMaxCopy + 1;
}

// Every page of the model's areas reads, through as's page table, what the
// model says; a page that is not mapped must be one the model has all zero.
void CheckMemory(struct addrspace *as, Model &model, const char *what)
{
    static const uint8_t zero[PAGE_SIZE] = {};
    for (vaddr_t area : {kCode, kStack}) {
        size_t pages = area == kCode ? Model::kLowPages : USTACK_PAGES;
        for (vaddr_t va = area; va < area + pages * PAGE_SIZE; va += PAGE_SIZE) {
            paddr_t pa;
            const uint8_t *want = model.At(va);
            const uint8_t *have = vpmap_lookup_vaddr(as->vpmap, va, &pa, nullptr) == ERR_OK
                                      ? static_cast<const uint8_t *>(kmap_p2v(pa))
                                      : zero;
            if (std::memcmp(have, want, PAGE_SIZE) != 0) {
                size_t i = 0;
                while (have[i] == want[i]) {
                    i++;
                }
                Broken(what, va + i, 1, have[i], want[i]);
            }
        }
    }
}

void Copy(Input &in, struct addrspace *as, Model &model, std::vector<uint8_t> &buf)
{
    uint64_t op = in.Take(1) % 3;
    vaddr_t va = PickAddress(in);
    size_t n = PickLength(in);
    // An absurd length copies (then faults) at most a run of readable pages,
    // which buf holds.
    size_t span = n < buf.size() ? n : buf.size();
    if (op == 0) {  // copyin
        err_t want = model.Allows(va, n, false) ? ERR_OK : ERR_FAULT;
        err_t err = copyin(buf.data(), va, n);
        if (err != want) {
            Broken("copyin's result", va, n, err, want);
        }
        for (size_t i = 0; err == ERR_OK && i < n; i++) {
            if (buf[i] != model.Byte(va + i)) {
                Broken("copyin's bytes", va + i, n, buf[i], model.Byte(va + i));
            }
        }
    } else if (op == 1) {  // copyout
        err_t want = model.Allows(va, n, true) ? ERR_OK : ERR_FAULT;
        // A string: non-zero bytes with a NUL where the input says (or none),
        // so that copyinstr meets strings ending anywhere.
        uint64_t salt = in.Take(1);
        size_t nul_at = static_cast<size_t>(in.Take(2));
        for (size_t i = 0; i < span; i++) {
            buf[i] = i == nul_at ? 0 : static_cast<uint8_t>((salt ^ (va + i)) | 1);
        }
        err_t err = copyout(va, buf.data(), n);
        if (err != want) {
            Broken("copyout's result", va, n, err, want);
        }
        // A copy that fails part way may have written part of the range, and
        // nothing else: learn what it wrote, checking that each byte is the
        // old or the new one.
        for (size_t i = 0; i < span && va + i >= va; i++) {
            uint8_t have;
            if (!model.Writable(va + i) || !Peek(as, va + i, &have)) {
                continue;
            }
            if (err == ERR_OK ? have != buf[i] : have != model.Byte(va + i) && have != buf[i]) {
                Broken(err == ERR_OK ? "copyout's bytes" : "a byte a failed copyout left behind",
                       va + i, n, have, buf[i]);
            }
            *model.At(va + i) = have;
        }
    } else {  // copyinstr
        // Into a buffer of exactly max bytes: ASan sees any write past it.
        size_t max = static_cast<size_t>(in.Take(2)) % 300;
        std::vector<char> str(max);
        size_t len = SIZE_MAX;
        err_t err = copyinstr(str.data(), va, max, &len);
        if (max > 0) {
            std::memcpy(buf.data(), str.data(), max);
        }
        // The model: walk until a NUL, a bad byte or max bytes.
        err_t want = ERR_TOOLONG;
        size_t want_len = 0;
        for (size_t i = 0; i < max; i++) {
            if (va + i < va || !model.Readable(va + i)) {
                want = ERR_FAULT;
                break;
            }
            if (model.Byte(va + i) == 0) {
                want = ERR_OK;
                want_len = i;
                break;
            }
        }
        if (err != want) {
            Broken("copyinstr's result", va, max, err, want);
        }
        if (err == ERR_OK && len != want_len) {
            Broken("copyinstr's length", va, max, static_cast<int>(len),
                   static_cast<int>(want_len));
        }
        size_t kept = err == ERR_OK ? want_len : err == ERR_TOOLONG && max > 0 ? max - 1 : 0;
        for (size_t i = 0; i < kept; i++) {
            if (buf[i] != model.Byte(va + i)) {
                Broken("copyinstr's bytes", va + i, max, buf[i], model.Byte(va + i));
            }
        }
        if ((err == ERR_OK || (err == ERR_TOOLONG && max > 0)) && buf[kept] != 0) {
            Broken("copyinstr's string ends in a NUL", va, max, buf[kept], 0);
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    Input in(data, size);
    // One arena for every input (creating one per input costs a page fault
    // per page), with every page pmem hands out refilled with 0xa5 as a new
    // arena would be, so each input starts from the same bytes.
    if (pmem_arena_pages() != kArenaPages) {
        pmem_arena_create(kArenaPages);
    }
    pmem_init(pmem_arena_boot_info());
    for (paddr_t pa; pmem_alloc(&pa) == ERR_OK;) {
        std::memset(kmap_p2v(pa), 0xa5, PAGE_SIZE);
    }
    pmem_init(pmem_arena_boot_info());
    kmalloc_init();
    fake_mmu_reset();
    vpmap_load(vpmap_kernel());
    size_t baseline = pmem_free_pages();
    if (as_live_count() != 0 || vm_check_setup() != ERR_OK) {
        std::abort();
    }

    Model parent_model;
    struct addrspace *parent = Build(in, &parent_model);
    struct addrspace *child = nullptr;
    Model child_model;
    uint64_t shape = in.Take(1);
    if (shape & 1) {
        if (as_copy(parent, &child) != ERR_OK) {
            std::abort();
        }
        child_model = parent_model;
    }
    bool child_runs = child != nullptr && (shape & 2);
    struct addrspace *as = child_runs ? child : parent;
    Model &model = child_runs ? child_model : parent_model;
    struct addrspace *other = child_runs ? parent : child;
    Model &other_model = child_runs ? parent_model : child_model;
    fake_set_current_as(as);
    vpmap_load(as->vpmap);

    // Longer than any run of readable pages (code, data and heap: 7; the
    // stack: 10), so even an absurd length stays inside it.
    std::vector<uint8_t> buf(16 * PAGE_SIZE);
    for (int copies = 0; copies < 16 && !in.Empty(); copies++) {
        Copy(in, as, model, buf);
        if (vm_check(nullptr) != 0) {
            Broken("vm_check found violations (listed above)", 0, 0, 0, 0);
        }
        CheckMemory(as, model, "this process's memory");
        if (other != nullptr) {
            // What this side wrote is not seen by the other.
            CheckMemory(other, other_model, "the other side of the fork's memory");
        }
    }

    vpmap_load(vpmap_kernel());
    fake_set_current_as(nullptr);
    as_destroy(parent);
    if (child != nullptr) {
        as_destroy(child);
    }
    vm_check_teardown();
    if (pmem_free_pages() != baseline) {
        Broken("pages leaked", 0, 0, static_cast<int>(pmem_free_pages()),
               static_cast<int>(baseline));
    }
    return 0;
}
