#pragma once

// What the host's kmap (testing/fake_kmap.cc) has seen, for tests that check
// how much of the page tables a call reads: the real x86_64 tables reach
// every table page through kmap_p2v.

#include <cstddef>

// How many times kmap_p2v has run since the program started. Compare it
// before and after the code under test.
size_t fake_kmap_p2v_count();
