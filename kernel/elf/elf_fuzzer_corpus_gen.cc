// Writes the seed corpus of //kernel/elf:elf_fuzzer: a few small executables that
// elf_parse accepts and one of each kind it must refuse.
//
//   bazel run //kernel/elf:elf_fuzzer_corpus_gen -- "$PWD/kernel/elf/elf_fuzzer_corpus"
//
// The files are committed (kernel/elf/elf_fuzzer_corpus/); run this again after
// changing it, and list new files in kernel/elf/BUILD.bazel. Each file is small
// (a few hundred bytes), so libFuzzer mutates the headers, not padding.

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "testing/elf_builder.h"

extern "C" {
#include "kernel/elf/elf.h"
#include "kernel/elf/elf_format.h"
}

namespace {

using Image = ElfImage;

elf64_phdr Segment(uint32_t type, uint32_t flags, uint64_t vaddr, uint64_t offset, uint64_t filesz,
                   uint64_t memsz)
{
    return ElfSegment(type, flags, vaddr, offset, filesz, memsz);
}

// Text (RX) at 0x400000 holding the headers and code, data (RW) with .bss a
// page up.
Image Good()
{
    Image img = ElfExecutable(0x400180, 0x200);
    img.SetPhdrs({
        Segment(ELF_PT_LOAD, ELF_PF_R | ELF_PF_X, 0x400000, 0, 0x1c0, 0x1c0),
        Segment(ELF_PT_LOAD, ELF_PF_R | ELF_PF_W, 0x401000, 0x1c0, 0x40, 0x2000),
    });
    return img;
}

void Set(Image &img, std::vector<elf64_phdr> phdrs)
{
    img.SetPhdrs(std::move(phdrs));
    img.file_size =
        std::max<size_t>(img.file_size, sizeof(elf64_ehdr) + img.phdrs.size() * 56 + 0x40);
}

bool Write(const std::string &dir, const std::string &name, const Image &img)
{
    std::vector<uint8_t> bytes = img.Bytes();
    std::string path = dir + "/" + name;
    FILE *f = std::fopen(path.c_str(), "wb");
    if (f == nullptr || std::fwrite(bytes.data(), 1, bytes.size(), f) != bytes.size() ||
        std::fclose(f) != 0) {
        std::perror(path.c_str());
        return false;
    }
    std::printf("%s (%zu bytes)\n", path.c_str(), bytes.size());
    return true;
}

}  // namespace

int main(int argc, char **argv)
{
    if (argc != 2) {
        std::fprintf(stderr, "usage: elf_fuzzer_corpus_gen DIRECTORY\n");
        return 2;
    }
    std::string dir = argv[1];
    bool ok = true;

    ok &= Write(dir, "good_text_data_bss", Good());

    Image three = Good();
    Set(three, {
                   Segment(ELF_PT_NOTE, ELF_PF_R, 0, 0x100, 0x10, 0x10),
                   Segment(ELF_PT_LOAD, ELF_PF_R | ELF_PF_W, 0x403000, 0x200, 0x20, 0x20),
                   Segment(ELF_PT_LOAD, ELF_PF_R | ELF_PF_X, 0x400000, 0, 0x100, 0x100),
                   Segment(ELF_PT_LOAD, ELF_PF_R, 0x401000, 0x100, 0x80, 0x80),
                   Segment(ELF_PT_LOAD, ELF_PF_R, 0x402000, 0x180, 0, 0),  // empty: skipped
                   Segment(ELF_PT_GNU_STACK, ELF_PF_R | ELF_PF_W, 0, 0, 0, 0),
               });
    three.file_size = 0x220;
    three.eh.e_entry = 0x400040;
    ok &= Write(dir, "good_unsorted_with_notes", three);

    Image high = Good();
    Set(high, {Segment(ELF_PT_LOAD, ELF_PF_R | ELF_PF_X, ELF_USER_MAX - 0x1000, 0, 0x100, 0x1000)});
    high.eh.e_entry = ELF_USER_MAX - 0x10;
    ok &= Write(dir, "good_last_page", high);

    Image magic = Good();
    magic.eh.e_ident[ELF_EI_MAG1] = 'X';
    ok &= Write(dir, "bad_magic", magic);

    Image truncated = Good();
    truncated.file_size = 40;
    ok &= Write(dir, "bad_truncated_header", truncated);

    Image elf32 = Good();
    elf32.eh.e_ident[ELF_EI_CLASS] = ELF_CLASS32;
    ok &= Write(dir, "bad_elf32", elf32);

    Image dyn = Good();
    dyn.eh.e_type = ELF_ET_DYN;
    ok &= Write(dir, "bad_shared_object", dyn);

    Image past_end = Good();
    past_end.eh.e_phoff = 0x1f0;
    ok &= Write(dir, "bad_phdrs_past_end", past_end);

    Image interp = Good();
    Set(interp,
        {interp.phdrs[0], interp.phdrs[1], Segment(ELF_PT_INTERP, ELF_PF_R, 0, 0x100, 0x10, 0x10)});
    ok &= Write(dir, "bad_interp", interp);

    Image wx = Good();
    wx.phdrs[0].p_flags = ELF_PF_R | ELF_PF_W | ELF_PF_X;
    ok &= Write(dir, "bad_writable_and_executable", wx);

    Image shared_page = Good();
    shared_page.phdrs[1].p_vaddr = 0x400800;
    ok &= Write(dir, "bad_segments_share_a_page", shared_page);

    Image bytes_outside = Good();
    bytes_outside.phdrs[1].p_filesz = 0x1000;
    ok &= Write(dir, "bad_segment_past_end_of_file", bytes_outside);

    Image entry = Good();
    entry.eh.e_entry = 0x401010;  // in the data segment
    ok &= Write(dir, "bad_entry_not_executable", entry);

    Image many = Good();
    std::vector<elf64_phdr> loads;
    for (uint64_t i = 0; i <= ELF_MAX_SEGMENTS; i++) {
        loads.push_back(Segment(ELF_PT_LOAD, i == 0 ? ELF_PF_R | ELF_PF_X : ELF_PF_R,
                                0x400000 + i * 0x1000, 0, 0x10, 0x10));
    }
    Set(many, loads);
    ok &= Write(dir, "bad_too_many_segments", many);

    return ok ? 0 : 1;
}
