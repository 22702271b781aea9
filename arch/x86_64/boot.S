// Boot: from the multiboot loader's 32-bit protected mode to 64-bit C code.
//
// A multiboot loader (QEMU's -kernel, GRUB) enters boot_entry in 32-bit
// protected mode with paging off, %eax = 0x2BADB002 and %ebx = the physical
// address of the multiboot information. We build just enough page tables to
// run at both the physical addresses (this code) and the higher-half addresses
// the rest of the kernel is linked at, enable long mode, and call
// x86_64_start(magic, info_paddr) on the boot stack.
//
// Early page tables (2 MiB pages, writable, executable):
//
//   boot_pml4[0]   -> boot_pdpt_low[0..3]  -> boot_pd[0..3]  identity:  0 .. 4 GiB
//   boot_pml4[256] -> boot_pdpt_low[0..3]  -> boot_pd[0..3]  0xffff800000000000 + phys
//   boot_pml4[511] -> boot_pdpt_high[510]  -> boot_pd[0]     0xffffffff80000000 + phys
//
// plus, uncached, the device window of boot_layout.h (local and I/O APIC):
// its two 2 MiB entries in boot_pd[3] get the cache-disable bits.
//
// arch/x86_64/kernel_map.c replaces them with the kernel's real tables (with
// permissions, and without the identity map) as soon as C code runs.

#include "arch/x86_64/boot_layout.h"
#include "arch/x86_64/rflags.h"

#define MULTIBOOT_HEADER_MAGIC 0x1BADB002
// Bit 0: align modules on pages. Bit 1: give us the memory map.
#define MULTIBOOT_HEADER_FLAGS 0x00000003

#define CR0_PG (1 << 31)
#define CR0_AM (1 << 18)
#define CR0_WP (1 << 16)
#define CR4_PAE (1 << 5)
#define MSR_EFER 0xC0000080
#define EFER_LME (1 << 8)
#define EFER_NXE (1 << 11)
#define PTE_P 0x1
#define PTE_W 0x2
#define PTE_PWT 0x8
#define PTE_PCD 0x10
#define PTE_PS 0x80
#define CPUID_EXT_FEATURES 0x80000001
#define CPUID_EDX_NX (1 << 20)
#define CPUID_EDX_LM (1 << 29)

// Physical address of a symbol linked in the higher half.
#define PHYS(sym) ((sym) - KERNEL_VIRT_BASE)

    .section .multiboot, "a"
    .balign 4
    .long MULTIBOOT_HEADER_MAGIC
    .long MULTIBOOT_HEADER_FLAGS
    .long -(MULTIBOOT_HEADER_MAGIC + MULTIBOOT_HEADER_FLAGS)

    .section .boot.text, "ax"
    .code32
    .global boot_entry
boot_entry:
    cli
    mov %eax, %edi              // first argument: multiboot magic
    mov %ebx, %esi              // second argument: multiboot info (physical)
    mov $PHYS(boot_stack_top), %esp
    // The multiboot loader promises IF and VM clear and nothing about the
    // other flags: start from the kernel's (rflags.h), DF and AC clear.
    pushl $RFLAGS_KERNEL_ENTRY
    popfl

    // A CPU without long mode or no-execute pages cannot run osv: say so on
    // COM1 and stop.
    mov $CPUID_EXT_FEATURES, %eax
    cpuid
    and $(CPUID_EDX_LM | CPUID_EDX_NX), %edx
    cmp $(CPUID_EDX_LM | CPUID_EDX_NX), %edx
    jne unsupported_cpu

    // boot_pd: 4 x 512 large pages mapping physical 0 .. 4 GiB.
    mov $PHYS(boot_pd), %ebx
    xor %ecx, %ecx
1:  mov %ecx, %eax
    shl $21, %eax
    or $(PTE_P | PTE_W | PTE_PS), %eax
    mov %eax, (%ebx, %ecx, 8)
    movl $0, 4(%ebx, %ecx, 8)
    inc %ecx
    cmp $(4 * 512), %ecx
    jne 1b

    // boot_pdpt_low[i] -> boot_pd + i pages, for the first 4 GiB.
    xor %ecx, %ecx
    mov $(PHYS(boot_pd) + PTE_P + PTE_W), %eax
2:  mov %eax, PHYS(boot_pdpt_low)(, %ecx, 8)
    add $4096, %eax
    inc %ecx
    cmp $4, %ecx
    jne 2b

    // The device window (in the fourth GiB): cache disabled (PCD and PWT with
    // the default PAT give uncacheable), 2 MiB at a time.
    mov $(DEVICE_WINDOW_START + PTE_P + PTE_W + PTE_PWT + PTE_PCD + PTE_PS), %eax
    mov $(PHYS(boot_pd) + (DEVICE_WINDOW_START >> 21) * 8), %ebx
5:  mov %eax, (%ebx)
    add $(1 << 21), %eax
    add $8, %ebx
    cmp $(DEVICE_WINDOW_END + PTE_P + PTE_W + PTE_PWT + PTE_PCD + PTE_PS), %eax
    jne 5b

    mov $(PHYS(boot_pd) + PTE_P + PTE_W), %eax
    mov %eax, PHYS(boot_pdpt_high) + 510 * 8
    mov $(PHYS(boot_pdpt_low) + PTE_P + PTE_W), %eax
    mov %eax, PHYS(boot_pml4)
    mov %eax, PHYS(boot_pml4) + 256 * 8
    mov $(PHYS(boot_pdpt_high) + PTE_P + PTE_W), %eax
    mov %eax, PHYS(boot_pml4) + 511 * 8

    mov $PHYS(boot_pml4), %eax
    mov %eax, %cr3
    mov %cr4, %eax
    or $CR4_PAE, %eax
    mov %eax, %cr4
    mov $MSR_EFER, %ecx
    rdmsr
    or $(EFER_LME | EFER_NXE), %eax
    wrmsr
    // CR0.AM clear, whatever the loader left: no alignment checking in
    // ring 3 even for a program that sets RFLAGS.AC. A deliberate choice:
    // an #AC would end such a program on real CPUs but not under QEMU,
    // which never raises it, so tests would not see what machines do.
    // With AM clear, AC means nothing to a program on either, and the
    // kernel (ring 0) is never alignment-checked in any case.
    mov %cr0, %eax
    or $(CR0_PG | CR0_WP), %eax
    and $~CR0_AM, %eax
    mov %eax, %cr0

    // Paging is on, in compatibility mode; a far jump enters 64-bit mode.
    lgdt boot_gdt_pointer
    ljmp $BOOT_GDT_CODE, $long_mode_entry

unsupported_cpu:
    mov $unsupported_cpu_message, %esi
2:  lodsb
    test %al, %al
    jz 3f
    mov $0x3F8, %dx
    out %al, %dx
    jmp 2b
3:  hlt
    jmp 3b

    .code64
long_mode_entry:
    mov $BOOT_GDT_DATA, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    xor %eax, %eax
    mov %ax, %fs
    mov %ax, %gs
    // The upper halves of registers are undefined after the mode switch:
    // zero-extend the two arguments explicitly.
    mov %edi, %edi
    mov %esi, %esi
    movabs $higher_half_entry, %rax
    jmp *%rax

    .section .boot.rodata, "a"
unsupported_cpu_message:
    .asciz "osv: this CPU lacks 64-bit long mode or no-execute pages; halting.\r\n"

    .balign 8
boot_gdt:
    .quad 0                     // null descriptor
    .quad 0x00209A0000000000    // BOOT_GDT_CODE: 64-bit code, ring 0
    .quad 0x0000920000000000    // BOOT_GDT_DATA: data, ring 0
boot_gdt_end:
boot_gdt_pointer:
    .word boot_gdt_end - boot_gdt - 1
    .long boot_gdt

    .text
higher_half_entry:
    movabs $boot_stack_top, %rsp
    xor %ebp, %ebp              // the backtrace ends here
    call x86_64_start
4:  cli
    hlt
    jmp 4b

    .bss
    .balign 4096
    .global boot_pml4
boot_pml4:
    .skip 4096
boot_pdpt_low:
    .skip 4096
boot_pdpt_high:
    .skip 4096
boot_pd:
    .skip 4 * 4096
    .global boot_stack_bottom
boot_stack_bottom:
    .skip BOOT_STACK_SIZE
    .global boot_stack_top
boot_stack_top:
