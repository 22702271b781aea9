// The elf fuzzer's seed corpus (kernel/elf/elf_fuzzer_corpus/) is what its names
// say: elf_parse accepts every good_* file and refuses every bad_* file with
// ERR_NOEXEC. So the seeds start the fuzzer on both sides of each check.

#include <dirent.h>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "gtest/gtest.h"

extern "C" {
#include "kernel/elf/elf.h"
}

namespace {

constexpr char kCorpus[] = "kernel/elf/elf_fuzzer_corpus";

TEST(ElfFuzzerCorpusTest, GoodFilesParseAndBadFilesAreRefused)
{
    DIR *dir = opendir(kCorpus);
    ASSERT_NE(dir, nullptr) << "no " << kCorpus << " in the runfiles";
    std::vector<std::string> names;
    while (struct dirent *entry = readdir(dir)) {
        if (entry->d_name[0] != '.') {
            names.push_back(entry->d_name);
        }
    }
    closedir(dir);
    EXPECT_GE(names.size(), 10u);
    for (const std::string &name : names) {
        std::ifstream in(std::string(kCorpus) + "/" + name, std::ios::binary);
        std::vector<char> bytes((std::istreambuf_iterator<char>(in)),
                                std::istreambuf_iterator<char>());
        elf_image image;
        err_t err = elf_parse(bytes.data(), bytes.size(), &image);
        if (name.rfind("good_", 0) == 0) {
            EXPECT_EQ(err, ERR_OK) << name;
        } else {
            EXPECT_EQ(name.rfind("bad_", 0), 0u) << name << ": name it good_* or bad_*";
            EXPECT_EQ(err, ERR_NOEXEC) << name;
        }
    }
}

}  // namespace
