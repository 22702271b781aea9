#pragma once

// Single x86_64 instructions that C cannot express: model-specific
// registers, control registers, descriptor-table loads, CPUID, halting.
// Each is a one-line wrapper named after the instruction or register.

#include <stdint.h>

// Operand of lgdt and lidt: the table's size in bytes minus one, and its
// linear address.
struct descriptor_table_pointer {
    uint16_t limit;
    uint64_t base;
} __attribute__((packed));

static inline uint64_t rdmsr(uint32_t msr)
{
    uint32_t lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t value)
{
    __asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)value), "d"((uint32_t)(value >> 32)));
}

// The linear address of the last page fault.
static inline uint64_t read_cr2(void)
{
    uint64_t value;
    __asm__ volatile("mov %%cr2, %0" : "=r"(value));
    return value;
}

// The physical address of the current top-level page table (plus flags).
static inline uint64_t read_cr3(void)
{
    uint64_t value;
    __asm__ volatile("mov %%cr3, %0" : "=r"(value));
    return value;
}

static inline void lgdt(const struct descriptor_table_pointer *gdtr)
{
    __asm__ volatile("lgdt %0" : : "m"(*gdtr) : "memory");
}

static inline void lidt(const struct descriptor_table_pointer *idtr)
{
    __asm__ volatile("lidt %0" : : "m"(*idtr) : "memory");
}

// Loads the task register with the TSS descriptor `selector`.
static inline void ltr(uint16_t selector)
{
    __asm__ volatile("ltr %0" : : "r"(selector) : "memory");
}

struct cpuid_result {
    uint32_t eax, ebx, ecx, edx;
};

static inline struct cpuid_result cpuid(uint32_t leaf)
{
    struct cpuid_result r;
    __asm__ volatile("cpuid"
                     : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
                     : "a"(leaf), "c"(0));
    return r;
}

// Spin-wait hint: tells the CPU (and an emulator) that this is a busy loop.
static inline void cpu_relax(void)
{
    __asm__ volatile("pause");
}

// The time-stamp counter: cycles since reset (its rate: arch/cycles.h).
static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}
