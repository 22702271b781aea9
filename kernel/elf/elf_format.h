#pragma once

// The ELF64 file format, as far as osv's loader reads it: the file header and
// the program header (the "execution view": segments, not sections). Field
// names follow the System V ABI's Elf64_Ehdr and Elf64_Phdr, so the spec and
// `llvm-readelf-19 -h -l` read alongside this file.
//
// All fields are little-endian on x86_64. A file's bytes need not be aligned
// for these structures (an initrd file starts on a 4-byte boundary), so the
// loader copies them out with memcpy instead of casting pointers into the
// file.

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// e_ident[]: the first 16 bytes, which say how to read the rest.
#define ELF_NIDENT     16
#define ELF_EI_MAG0    0  // 0x7f
#define ELF_EI_MAG1    1  // 'E'
#define ELF_EI_MAG2    2  // 'L'
#define ELF_EI_MAG3    3  // 'F'
#define ELF_EI_CLASS   4  // ELF_CLASS64 for 64-bit files
#define ELF_EI_DATA    5  // ELF_DATA_LSB for little-endian files
#define ELF_EI_VERSION 6  // ELF_EV_CURRENT
#define ELF_MAG0       0x7f
#define ELF_CLASS32    1
#define ELF_CLASS64    2
#define ELF_DATA_LSB   1
#define ELF_DATA_MSB   2
#define ELF_EV_CURRENT 1

// e_type
#define ELF_ET_REL  1  // relocatable object (.o)
#define ELF_ET_EXEC 2  // executable at fixed addresses: what osv runs
#define ELF_ET_DYN  3  // shared object or position-independent executable

// e_machine
#define ELF_EM_386    3
#define ELF_EM_X86_64 62

// e_phnum's escape value: the real count is elsewhere (section 0). osv's
// programs have a handful of segments, so the loader refuses it.
#define ELF_PN_XNUM 0xffff

struct elf64_ehdr {
    unsigned char e_ident[ELF_NIDENT];
    uint16_t e_type;
    uint16_t e_machine;
    uint32_t e_version;
    uint64_t e_entry;      // virtual address of the first instruction
    uint64_t e_phoff;      // file offset of the program header table
    uint64_t e_shoff;      // file offset of the section header table (unused)
    uint32_t e_flags;      // none defined for x86_64
    uint16_t e_ehsize;     // sizeof(struct elf64_ehdr)
    uint16_t e_phentsize;  // sizeof(struct elf64_phdr)
    uint16_t e_phnum;      // entries in the program header table
    uint16_t e_shentsize;
    uint16_t e_shnum;
    uint16_t e_shstrndx;
};

// p_type
#define ELF_PT_NULL      0
#define ELF_PT_LOAD      1  // bytes to map: the only type the loader acts on
#define ELF_PT_DYNAMIC   2
#define ELF_PT_INTERP    3  // asks for a dynamic linker: refused
#define ELF_PT_NOTE      4
#define ELF_PT_PHDR      6
#define ELF_PT_TLS       7
#define ELF_PT_GNU_STACK 0x6474e551

// p_flags
#define ELF_PF_X 0x1
#define ELF_PF_W 0x2
#define ELF_PF_R 0x4

struct elf64_phdr {
    uint32_t p_type;
    uint32_t p_flags;
    uint64_t p_offset;  // file offset of the segment's first byte
    uint64_t p_vaddr;   // virtual address of that byte
    uint64_t p_paddr;   // unused
    uint64_t p_filesz;  // bytes taken from the file
    uint64_t p_memsz;   // bytes in memory; those past p_filesz are zero (.bss)
    uint64_t p_align;
};

#ifdef __cplusplus
static_assert(sizeof(struct elf64_ehdr) == 64, "Elf64_Ehdr is 64 bytes");
static_assert(sizeof(struct elf64_phdr) == 56, "Elf64_Phdr is 56 bytes");
#else
_Static_assert(sizeof(struct elf64_ehdr) == 64, "Elf64_Ehdr is 64 bytes");
_Static_assert(sizeof(struct elf64_phdr) == 56, "Elf64_Phdr is 56 bytes");
#endif

#ifdef __cplusplus
}
#endif
