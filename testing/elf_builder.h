#pragma once

// Hand-made ELF64 executables for tests of the loader (kernel/elf/elf_test.cc)
// and for the ELF fuzzer's seed files (kernel/elf/elf_fuzzer_corpus_gen.cc).
//
// An ElfImage is a header, the program headers (written at e_phoff) and the
// file's size; tests build a good one, break one field, and parse the bytes.

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

extern "C" {
#include "kernel/elf/elf_format.h"
}

struct ElfImage {
    elf64_ehdr eh{};
    std::vector<elf64_phdr> phdrs;
    size_t file_size = 0;

    // The file: filler bytes ("something to load"), the header at 0 and the
    // program headers at e_phoff, as far as they fit (tests of bad offsets
    // put them partly or wholly outside the file).
    std::vector<uint8_t> Bytes() const
    {
        std::vector<uint8_t> bytes(file_size);
        for (size_t i = 0; i < bytes.size(); i++) {
            bytes[i] = static_cast<uint8_t>(i * 7);
        }
        std::memcpy(bytes.data(), &eh, std::min(sizeof(eh), bytes.size()));
        for (size_t i = 0; i < phdrs.size(); i++) {
            size_t at = eh.e_phoff + i * sizeof(elf64_phdr);
            if (eh.e_phoff > bytes.size() || at < eh.e_phoff || at > bytes.size() ||
                bytes.size() - at < sizeof(elf64_phdr)) {
                break;
            }
            std::memcpy(bytes.data() + at, &phdrs[i], sizeof(elf64_phdr));
        }
        return bytes;
    }

    // Replaces the program headers and sets e_phnum to match.
    void SetPhdrs(std::vector<elf64_phdr> new_phdrs)
    {
        phdrs = std::move(new_phdrs);
        eh.e_phnum = static_cast<uint16_t>(phdrs.size());
    }
};

// A program header of `type` (for PT_LOAD: vaddr and offset page-aligned).
inline elf64_phdr ElfSegment(uint32_t type, uint32_t flags, uint64_t vaddr, uint64_t offset,
                             uint64_t filesz, uint64_t memsz)
{
    elf64_phdr ph{};
    ph.p_type = type;
    ph.p_flags = flags;
    ph.p_offset = offset;
    ph.p_vaddr = vaddr;
    ph.p_paddr = vaddr;
    ph.p_filesz = filesz;
    ph.p_memsz = memsz;
    ph.p_align = 4096;
    return ph;
}

// A valid x86_64 executable's header with the given entry point, program
// headers right after it, and no segments yet.
inline ElfImage ElfExecutable(uint64_t entry, size_t file_size)
{
    ElfImage img;
    std::memcpy(img.eh.e_ident,
                "\x7f"
                "ELF",
                4);
    img.eh.e_ident[ELF_EI_CLASS] = ELF_CLASS64;
    img.eh.e_ident[ELF_EI_DATA] = ELF_DATA_LSB;
    img.eh.e_ident[ELF_EI_VERSION] = ELF_EV_CURRENT;
    img.eh.e_type = ELF_ET_EXEC;
    img.eh.e_machine = ELF_EM_X86_64;
    img.eh.e_version = ELF_EV_CURRENT;
    img.eh.e_entry = entry;
    img.eh.e_phoff = sizeof(elf64_ehdr);
    img.eh.e_ehsize = sizeof(elf64_ehdr);
    img.eh.e_phentsize = sizeof(elf64_phdr);
    img.file_size = file_size;
    return img;
}
