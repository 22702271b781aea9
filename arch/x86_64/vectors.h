#pragma once

// Which interrupt vector is what. Plain numbers: trap_entry.S includes this
// (through trap.h) too.
//
//   0x00 .. 0x1F   CPU exceptions (SDM vol. 3A, table 6-1)
//   0x20 .. 0x2F   the legacy 8259 PICs, remapped there and masked (pic.h)
//   0x30           the local APIC timer (lapic.h)
//   0x40 .. 0x4F   ISA IRQs 0..15 routed through the I/O APIC (ioapic.h),
//                  at VECTOR_ISA_BASE + IRQ; only those named below are
//                  routed
//   0xF0           a cross-CPU call (cpu_call.h)
//   0xF1           a kick: wakes a halted CPU (cpus_kick, cpu_call.h)
//   0xFF           the local APIC's spurious-interrupt vector
//
// The local APIC ranks interrupts by vector / 16, so the timer's class (3)
// is above any stray PIC vector; devices added later go above 0x30. A
// cross-CPU call outranks them all: its caller is spinning until it is done.

#define VECTOR_COUNT          256
#define VECTOR_NUM_EXCEPTIONS 32
#define VECTOR_PIC_BASE       0x20
#define VECTOR_TIMER          0x30
#define VECTOR_ISA_BASE       0x40
#define VECTOR_COM1           (VECTOR_ISA_BASE + 4)  // COM1_ISA_IRQ (uart.h): received bytes
#define VECTOR_CPU_CALL       0xF0
#define VECTOR_KICK           0xF1  // cpus_kick: wakes a halted CPU, nothing more
#define VECTOR_SPURIOUS       0xFF

// Not an IDT vector: marks the trap frames that syscall_entry.S builds.
#define VECTOR_SYSCALL 0x100

// Exceptions with handling or reporting of their own.
#define VECTOR_NMI          2
#define VECTOR_DOUBLE_FAULT 8
#define VECTOR_PAGE_FAULT   14
