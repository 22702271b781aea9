#pragma once

// printf into a std::string, for the fuzzer's messages, traces and text
// formats: C++17 has no std::format, and printf's conversions are the ones
// the kernel's own messages use, so the two read alike side by side.

#include <cstdint>
#include <string>

namespace vm_fuzz {

// At most 511 characters: a longer result is cut there.
std::string Printf(const char *format, ...) __attribute__((format(printf, 1, 2)));

// "0x" and lower-case hex digits, as addresses appear in traces.
std::string Hex(uint64_t x);

}  // namespace vm_fuzz
