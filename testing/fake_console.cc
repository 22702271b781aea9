#include "testing/fake_console.h"

#include <cstdio>

extern "C" {
#include "arch/console.h"
}

namespace {

std::string &Output()
{
    static std::string output;
    return output;
}

}  // namespace

std::string fake_console_take_output()
{
    std::string taken;
    taken.swap(Output());
    return taken;
}

extern "C" void console_init(void)
{
}

extern "C" void console_putc(char c)
{
    Output().push_back(c);
    std::fputc(c, stderr);
}
