#pragma once

// The interrupt descriptor table: one gate per vector, each leading to that
// vector's stub in trap_entry.S (see trap.h for what happens next).
//
// Every gate is an interrupt gate (interrupts stay off in handlers) with
// privilege level 0, so `int N` from ring 3 raises #GP rather than entering
// a handler; system calls will use the syscall instruction instead. Double
// faults and NMIs run on their own IST stacks (gdt.h).

// Fills the IDT and loads it (lidt). Call once at boot, after gdt_init (the
// gates name its kernel code selector and IST slots), with interrupts off.
void idt_init(void);

// Loads the IDT that idt_init filled into this CPU (lidt): every CPU shares
// the one table. For application processors, after their gdt_init.
void idt_load(void);
