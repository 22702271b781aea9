// libFuzzer target for elf_parse (kernel/elf/elf.h): any bytes at all.
//
// Beyond "no crash, no sanitizer report", an image elf_parse accepts must be
// what elf.h promises: 1 to ELF_MAX_SEGMENTS segments, sorted, each
// page-aligned, inside [ELF_USER_MIN, ELF_USER_MAX) without wrapping, with
// file_size <= mem_size and its bytes inside the file, a permission of UR,
// URW or URX, no two sharing a page; the entry point inside an executable
// segment. And the result must not depend on the file's alignment in
// memory. A broken promise aborts, which libFuzzer reports as a crash.
//
// Bounded run in `bazel test //...`: //kernel/elf:elf_fuzzer_test. Long runs:
//   bazel run //kernel/elf:elf_fuzzer -- -max_total_time=600 /tmp/elf_corpus
// (seed that directory with kernel/elf/elf_fuzzer_corpus/*).

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

extern "C" {
#include "arch/page.h"
#include "kernel/elf/elf.h"
}

namespace {

[[noreturn]] void Broken(const char *promise, size_t segment)
{
    std::fprintf(stderr,
                 "elf_fuzzer: elf_parse accepted an image that breaks its promise: %s "
                 "(segment %zu)\n",
                 promise, segment);
    std::abort();
}

void CheckAccepted(const elf_image &image, size_t file_size)
{
    if (image.num_segments < 1 || image.num_segments > ELF_MAX_SEGMENTS) {
        Broken("1 to ELF_MAX_SEGMENTS segments", image.num_segments);
    }
    bool entry_found = false;
    for (size_t i = 0; i < image.num_segments; i++) {
        const elf_segment &s = image.segments[i];
        if (!pg_aligned(s.vaddr)) {
            Broken("page-aligned", i);
        }
        if (s.vaddr < ELF_USER_MIN || s.mem_size == 0 || s.mem_size > ELF_USER_MAX - s.vaddr) {
            Broken("non-empty, inside [ELF_USER_MIN, ELF_USER_MAX)", i);
        }
        if (s.file_size > s.mem_size) {
            Broken("file_size <= mem_size", i);
        }
        if (s.file_offset > file_size || s.file_size > file_size - s.file_offset) {
            Broken("its bytes inside the file", i);
        }
        if (s.perm != MEMPERM_UR && s.perm != MEMPERM_URW && s.perm != MEMPERM_URX) {
            Broken("UR, URW or URX", i);
        }
        if (i > 0) {
            const elf_segment &prev = image.segments[i - 1];
            if (pg_round_up(prev.vaddr + prev.mem_size) > s.vaddr) {
                Broken("sorted, no page shared with the segment before", i);
            }
        }
        if (s.perm == MEMPERM_URX && image.entry >= s.vaddr && image.entry - s.vaddr < s.mem_size) {
            entry_found = true;
        }
    }
    if (!entry_found) {
        Broken("the entry point inside an executable segment", image.num_segments);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    elf_image image;
    err_t err = elf_parse(data, size, &image);
    if (err != ERR_OK && err != ERR_NOEXEC) {
        Broken("ERR_OK or ERR_NOEXEC", 0);
    }
    if (err == ERR_OK) {
        CheckAccepted(image, size);
    }

    // The same bytes at an odd address, in an exact-size heap block (so ASan
    // sees a read one byte past the end).
    std::vector<uint8_t> shifted(size + 1);
    std::memcpy(shifted.data() + 1, data, size);
    elf_image again;
    err_t err_again = elf_parse(shifted.data() + 1, size, &again);
    bool same = err_again == err;
    if (same && err == ERR_OK) {
        same = again.entry == image.entry && again.num_segments == image.num_segments;
        for (size_t i = 0; same && i < image.num_segments; i++) {
            const elf_segment &a = image.segments[i];
            const elf_segment &b = again.segments[i];
            same = a.vaddr == b.vaddr && a.mem_size == b.mem_size &&
                   a.file_offset == b.file_offset && a.file_size == b.file_size && a.perm == b.perm;
        }
    }
    if (!same) {
        Broken("the same result at any alignment", 0);
    }
    return 0;
}
