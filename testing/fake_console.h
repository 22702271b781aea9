#pragma once

// Host stand-in for the console (arch/console.h): everything kprintf prints
// is kept in memory, where a test can read it, and echoed to stderr so a
// failing test's log shows it.

#include <string>

// Returns everything printed since the last call, and forgets it.
std::string fake_console_take_output();
