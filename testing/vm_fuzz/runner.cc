// Running a sequence in a child process (see runner.h).
//
// The child reports on a result file, a line at a time: each operation
// before running it ("op ..."), so that a child that dies mid-way still
// tells which operations it ran; then its statistics, the outcome and the
// failure message. Its stdout and stderr go to an output file.

#include "testing/vm_fuzz/runner.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sstream>

#include "testing/vm_fuzz/generator.h"
#include "testing/vm_fuzz/rng.h"
#include "testing/vm_fuzz/system.h"
#include "testing/vm_fuzz/text.h"

namespace vm_fuzz {

namespace {

void WriteAll(int fd, const std::string &text)
{
    const char *p = text.data();
    size_t left = text.size();
    while (left > 0) {
        ssize_t n = write(fd, p, left);
        if (n <= 0) {
            return;
        }
        p += n;
        left -= static_cast<size_t>(n);
    }
}

std::string ReadAll(int fd)
{
    std::string text;
    lseek(fd, 0, SEEK_SET);
    char buf[4096];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) {
        text.append(buf, static_cast<size_t>(n));
    }
    return text;
}

int TempFile()
{
    const char *dir = getenv("TEST_TMPDIR");
    std::string path = std::string(dir != nullptr ? dir : "/tmp") + "/vm_fuzz.XXXXXX";
    int fd = mkstemp(path.data());
    if (fd < 0) {
        perror("vm_fuzz: mkstemp");
        abort();
    }
    unlink(path.c_str());
    return fd;
}

std::string OneLine(std::string text)
{
    std::replace(text.begin(), text.end(), '\n', ' ');
    return text;
}

[[noreturn]] void RunChild(int result_fd, const std::vector<Op> *ops, uint64_t seed, size_t length,
                           const Config &config)
{
    alarm(30);  // a sequence takes milliseconds: a hang is a failure too
    System system(config);
    Rng rng(seed);
    size_t count = ops != nullptr ? ops->size() : length;
    if (system.Start()) {
        for (size_t i = 0; i < count; i++) {
            Op op = ops != nullptr ? (*ops)[i] : Generate(rng, system.Procs(), system.Running());
            WriteAll(result_fd, "op " + FormatOp(op) + "\n");
            system.Apply(op, i);
            system.AfterStep();
            if (system.failure().failed) {
                break;
            }
        }
        if (!system.failure().failed) {
            system.Finish();
        }
    }
    std::string stats = "stats";
    Stats counted = system.stats();
    for (const StatsField &field : kStatsFields) {
        stats += " " + std::to_string(counted.*field.field);
    }
    WriteAll(result_fd, stats + "\n");
    const Failure &f = system.failure();
    WriteAll(result_fd, Printf("end %d %zu %s\n", f.failed ? 1 : 0, f.step,
                               f.failed ? f.category.c_str() : "-"));
    WriteAll(result_fd, "message " + OneLine(f.message) + "\n");
    fflush(stdout);
    fflush(stderr);
    _exit(0);
}

SequenceResult RunInChild(const std::vector<Op> *ops, uint64_t seed, size_t length,
                          const Config &config)
{
    fflush(stdout);
    fflush(stderr);
    int result_fd = TempFile();
    int output_fd = TempFile();
    pid_t pid = fork();
    if (pid < 0) {
        perror("vm_fuzz: fork");
        abort();
    }
    if (pid == 0) {
        dup2(output_fd, STDOUT_FILENO);
        dup2(output_fd, STDERR_FILENO);
        RunChild(result_fd, ops, seed, length, config);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    SequenceResult result;
    result.output = ReadAll(output_fd);
    std::istringstream lines(ReadAll(result_fd));
    close(result_fd);
    close(output_fd);
    std::string line;
    bool ended = false;
    while (std::getline(lines, line)) {
        Op op;
        if (line.rfind("op ", 0) == 0 && ParseOp(line.substr(3), &op)) {
            result.ops.push_back(op);
        } else if (line.rfind("end ", 0) == 0) {
            int failed = 0;
            size_t step = 0;
            char category[32] = "";
            sscanf(line.c_str(), "end %d %zu %31s", &failed, &step, category);
            result.failure.failed = failed != 0;
            result.failure.step = step;
            result.failure.category = failed ? category : "";
            ended = true;
        } else if (line.rfind("stats ", 0) == 0) {
            std::istringstream values(line.substr(6));
            for (const StatsField &field : kStatsFields) {
                values >> result.stats.*field.field;
            }
        } else if (line.rfind("message ", 0) == 0) {
            result.failure.message = line.substr(8);
        }
    }
    if (!ended) {
        // Killed: by a kernel panic (abort), a crash or the alarm.
        result.failure.failed = true;
        result.failure.step = result.ops.empty() ? 0 : result.ops.size() - 1;
        bool alarm = WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM;
        result.failure.category = alarm ? "timeout" : "crash";
        std::string tail =
            result.output.substr(result.output.size() > 600 ? result.output.size() - 600 : 0);
        result.failure.message =
            (WIFSIGNALED(status)
                 ? Printf("killed by signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)))
                 : Printf("exited with status %d", WEXITSTATUS(status))) +
            "; last output: " + OneLine(tail);
    }
    return result;
}

}  // namespace

SequenceResult GenerateAndRun(uint64_t seed, size_t length, const Config &config)
{
    return RunInChild(nullptr, seed, length, config);
}

SequenceResult Replay(const std::vector<Op> &ops, const Config &config)
{
    return RunInChild(&ops, 0, ops.size(), config);
}

}  // namespace vm_fuzz
