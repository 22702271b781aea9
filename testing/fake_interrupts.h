#pragma once

// What the host's interrupt flag (testing/fake_interrupts.cc, the host's
// arch/interrupts.h) has seen, for tests that check a path leaves interrupts
// alone: under QEMU's emulation every change of the flag ends a translated
// block, so hot paths avoid it.

// How many times intr_disable has run since the program started. Compare it
// before and after the code under test.
int fake_intr_disable_count();
