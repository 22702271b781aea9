// The application processors' way from real mode to the kernel (see smp.h).
//
// A startup IPI starts a processor in 16-bit real mode at CS:IP = page:0,
// with paging and interrupts off. smp.c copies the bytes from
// ap_trampoline_start to ap_trampoline_end to the physical page
// AP_TRAMPOLINE_PADDR and fills in the parameters at the end, then sends the
// IPI. The code runs at that copy, so it names its own addresses with AT()
// (its offset in the copy plus AP_TRAMPOLINE_PADDR), never with its link
// address. It goes through protected mode to long mode on the page tables of
// kernel_map_ap_boot_root (which map this page at its physical address and
// the kernel half as usual), then jumps to the C entry with the CPU's
// struct cpu as its argument, on the stack the parameters name.

#include "arch/x86_64/smp_trampoline.h"

#define AT(sym) ((sym) - ap_trampoline_start + AP_TRAMPOLINE_PADDR)

#define CR0_PE (1 << 0)
#define CR0_WP (1 << 16)
#define CR0_AM (1 << 18)
#define CR0_NW (1 << 29)
#define CR0_CD (1 << 30)
#define CR0_PG (1 << 31)
#define CR4_PAE (1 << 5)
#define MSR_EFER 0xC0000080
#define EFER_LME (1 << 8)
#define EFER_NXE (1 << 11)

// Selectors of the trampoline's own GDT, below.
#define CODE32 0x08
#define DATA   0x10
#define CODE64 0x18

    .section .text.ap_trampoline, "ax"
    .code16
    .global ap_trampoline_start
ap_trampoline_start:
    cli
    xor %ax, %ax
    mov %ax, %ds
    lgdtl AT(trampoline_gdt_pointer)
    mov %cr0, %eax
    or $CR0_PE, %eax
    mov %eax, %cr0
    ljmpl $CODE32, $AT(protected_mode)

    .code32
protected_mode:
    mov $DATA, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov %cr4, %eax
    or $CR4_PAE, %eax
    mov %eax, %cr4
    mov AT(ap_trampoline_params) + AP_PARAM_CR3, %eax
    mov %eax, %cr3
    mov $MSR_EFER, %ecx
    rdmsr
    or $(EFER_LME | EFER_NXE), %eax
    wrmsr
    // After INIT, CR0 has caching disabled (CD, NW): turn caching on, as
    // the bootstrap processor has it, with the same WP and AM as boot.S.
    mov %cr0, %eax
    and $~(CR0_CD | CR0_NW | CR0_AM), %eax
    or $(CR0_PG | CR0_WP), %eax
    mov %eax, %cr0
    ljmp $CODE64, $AT(long_mode)

    .code64
long_mode:
    mov $DATA, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov AT(ap_trampoline_params) + AP_PARAM_STACK, %rsp
    mov AT(ap_trampoline_params) + AP_PARAM_CPU, %rdi
    mov AT(ap_trampoline_params) + AP_PARAM_ENTRY, %rax
    xor %ebp, %ebp              // the backtrace ends here
    pushq $0                    // a return address, so the entry's stack is aligned as after a call
    jmp *%rax

    .balign 8
trampoline_gdt:
    .quad 0
    .quad 0x00CF9A000000FFFF    // CODE32: 4 GiB, 32-bit code, ring 0
    .quad 0x00CF92000000FFFF    // DATA: 4 GiB, writable data, ring 0
    .quad 0x00209A0000000000    // CODE64: 64-bit code, ring 0
trampoline_gdt_end:
trampoline_gdt_pointer:
    .word trampoline_gdt_end - trampoline_gdt - 1
    .long AT(trampoline_gdt)

    .balign 8
    .global ap_trampoline_params
ap_trampoline_params:
    .skip AP_PARAMS_SIZE
    .global ap_trampoline_end
ap_trampoline_end:
