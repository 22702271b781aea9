// sh: the shell. Prints the prompt "$ ", reads a line, runs it, repeats
// until end of input (then exits 0).
//
// A line is a pipeline of commands separated by '|', optionally ending in
// '&'. A command is a program of the initrd and its arguments, separated by
// spaces or tabs ('|' and '&' need no spaces around them). No quoting,
// redirection or variables.
//
//   $ ls | wc              each command's stdout feeds the next one's stdin
//   $ cat lorem.txt | wc | cat
//   $ forktest 100 &       runs in the background; prints "[pid]"
//
// The shell waits for every command of a foreground pipeline. For each
// command that fails (exits with a status other than 0, or is killed) it
// prints
//
//   sh: <prog>: exit status N          (N = EXIT_STATUS_KILLED = -1 if killed)
//
// A background pipeline is not waited for; when the shell later reaps one
// of its processes while waiting for a foreground one, it prints
// "[pid] done" or the failure line above. (osv's wait cannot poll, so
// background processes are reaped only then, or by init after the shell.)
//
// Built-in commands, alone on a line: `exit [N]` ends the shell with status
// N (default 0); `help` lists the built-ins and the programs of the initrd.
//
// Limits: SH_LINE_MAX bytes per line (longer lines are refused whole),
// EXEC_MAX_ARGS arguments per command, SH_MAX_COMMANDS per pipeline,
// SH_MAX_BACKGROUND background processes remembered. A pipeline of any
// length uses at most three extra descriptors in the shell at any moment.

#include <osv.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SH_LINE_MAX       512
#define SH_MAX_COMMANDS   16
#define SH_MAX_BACKGROUND 16
#define EXEC_FAILED       127  // a child's status when exec did not work

struct command {
    char *argv[EXEC_MAX_ARGS + 1];  // NULL-terminated
    int pid;                        // once started
};

struct pipeline {
    struct command commands[SH_MAX_COMMANDS];
    int num_commands;
    bool background;
};

// Background processes not reaped yet.
static struct {
    int pid;
    char name[DIRENT_NAME_MAX];
} background[SH_MAX_BACKGROUND];

// ---- Reading lines ----

static char input[SH_LINE_MAX];
static size_t input_len;

static char *find_newline(char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n') {
            return s + i;
        }
    }
    return NULL;
}

// Reads the next line (without its newline) into line, NUL-terminated.
// Returns true, or false at the end of input. A line longer than
// SH_LINE_MAX - 1 bytes is skipped with a message, and "" returned.
static bool read_line(char *line)
{
    bool too_long = false;
    for (;;) {
        char *newline = find_newline(input, input_len);
        if (newline != NULL) {
            size_t len = (size_t)(newline - input);
            memcpy(line, input, len);
            line[too_long ? 0 : len] = '\0';
            input_len -= len + 1;
            memmove(input, newline + 1, input_len);
            if (too_long) {
                fprintf(stderr, "sh: line longer than %d bytes ignored\n", SH_LINE_MAX - 1);
            }
            return true;
        }
        if (input_len == sizeof(input)) {
            too_long = true;  // drop what we have and look for the end
            input_len = 0;
        }
        ssize_t n = read(STDIN_FILENO, input + input_len, sizeof(input) - input_len);
        if (n <= 0) {
            if (n < 0) {
                fprintf(stderr, "sh: read: %s\n", err_name((err_t)n));
            }
            if (input_len == 0 || too_long) {
                return false;
            }
            memcpy(line, input, input_len);  // a last line without newline
            line[input_len] = '\0';
            input_len = 0;
            return true;
        }
        input_len += (size_t)n;
    }
}

// ---- Parsing ----

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

// Splits line in place into *p. Returns false, with a message, on a syntax
// error or a limit; an empty line gives zero commands.
static bool parse(char *line, struct pipeline *p)
{
    p->num_commands = 0;
    p->background = false;
    int argc = 0;
    bool expect_command = false;  // after '|'
    for (char *s = line; *s != '\0';) {
        if (is_space(*s)) {
            *s++ = '\0';
            continue;
        }
        if (p->background) {
            fprintf(stderr, "sh: '&' must end the line\n");
            return false;
        }
        if (*s == '|' || *s == '&') {
            if (argc == 0) {
                fprintf(stderr, "sh: syntax error: '%c' without a command before it\n", *s);
                return false;
            }
            p->commands[p->num_commands].argv[argc] = NULL;
            p->num_commands++;
            argc = 0;
            expect_command = *s == '|';
            p->background = *s == '&';
            *s++ = '\0';
            continue;
        }
        if (argc == 0 && p->num_commands == SH_MAX_COMMANDS) {
            fprintf(stderr, "sh: more than %d commands in a pipeline\n", SH_MAX_COMMANDS);
            return false;
        }
        if (argc == EXEC_MAX_ARGS) {
            fprintf(stderr, "sh: more than %d arguments\n", EXEC_MAX_ARGS);
            return false;
        }
        p->commands[p->num_commands].argv[argc++] = s;
        expect_command = false;
        while (*s != '\0' && !is_space(*s) && *s != '|' && *s != '&') {
            s++;
        }
    }
    if (expect_command) {
        fprintf(stderr, "sh: syntax error: '|' without a command after it\n");
        return false;
    }
    if (argc > 0) {
        p->commands[p->num_commands].argv[argc] = NULL;
        p->num_commands++;
    }
    return true;
}

// ---- Running ----

static void report(const char *name, int status)
{
    if (status == EXIT_STATUS_KILLED) {
        printf("sh: %s: exit status %d (killed)\n", name, status);
    } else if (status != 0) {
        printf("sh: %s: exit status %d\n", name, status);
    }
}

static void remember_background(int pid, const char *name)
{
    for (int i = 0; i < SH_MAX_BACKGROUND; i++) {
        if (background[i].pid == 0) {
            background[i].pid = pid;
            snprintf(background[i].name, sizeof(background[i].name), "%s", name);
            return;
        }
    }
    // Not remembered: init reaps it after the shell exits, or a foreground
    // wait reaps it silently.
}

// A reaped process that was not in the foreground pipeline.
static void reaped_other(int pid, int status)
{
    for (int i = 0; i < SH_MAX_BACKGROUND; i++) {
        if (background[i].pid == pid) {
            background[i].pid = 0;
            if (status == 0) {
                printf("[%d] done\n", pid);
            } else {
                report(background[i].name, status);
            }
            return;
        }
    }
}

// In the child: makes `from` the descriptor `to` (0 or 1). osv has no dup2:
// closing `to` makes it the lowest free descriptor, which dup then takes,
// because 0 (and, for `to` = 1, also 0) is otherwise in use.
static void move_fd(int from, int to)
{
    if (from == to) {
        return;
    }
    close(to);
    if (dup(from) != to) {
        fprintf(stderr, "sh: cannot set up descriptor %d\n", to);
        exit(EXEC_FAILED);
    }
    close(from);
}

// Forks a child that runs cmd with stdin from in_fd and stdout to out_fd,
// closing also extra_fd (the read end of its own output pipe) in the child.
static int start(struct command *cmd, int in_fd, int out_fd, int extra_fd)
{
    int pid = fork();
    if (pid != 0) {
        return pid;  // the parent: the child's pid or an error
    }
    if (extra_fd >= 0) {
        close(extra_fd);
    }
    move_fd(in_fd, STDIN_FILENO);
    move_fd(out_fd, STDOUT_FILENO);
    int err = exec(cmd->argv[0], cmd->argv);
    fprintf(stderr, "sh: %s: %s\n", cmd->argv[0], err == ERR_NOENT ? "not found" : err_name(err));
    exit(EXEC_FAILED);
}

// Starts every command, each reading the previous one's pipe. Returns how
// many were started (all of them unless fork or pipe failed).
static int start_pipeline(struct pipeline *p)
{
    int prev_read = -1;  // the read end of the previous command's pipe
    int started = 0;
    for (int i = 0; i < p->num_commands; i++) {
        int fds[2] = {-1, -1};
        bool last = i == p->num_commands - 1;
        if (!last) {
            int err = pipe(fds);
            if (err < 0) {
                fprintf(stderr, "sh: pipe: %s\n", err_name(err));
                break;
            }
        }
        int pid = start(&p->commands[i], prev_read >= 0 ? prev_read : STDIN_FILENO,
                        last ? STDOUT_FILENO : fds[1], fds[0]);
        if (prev_read >= 0) {
            close(prev_read);
        }
        if (!last) {
            close(fds[1]);
        }
        prev_read = fds[0];
        if (pid < 0) {
            fprintf(stderr, "sh: fork: %s\n", err_name(pid));
            break;
        }
        p->commands[i].pid = pid;
        started++;
    }
    if (prev_read >= 0 && started < p->num_commands) {
        close(prev_read);
    }
    return started;
}

static void wait_pipeline(struct pipeline *p, int started)
{
    int status[SH_MAX_COMMANDS];
    int left = started;
    while (left > 0) {
        int st;
        int pid = wait(-1, &st);
        if (pid < 0) {
            fprintf(stderr, "sh: wait: %s\n", err_name(pid));
            return;
        }
        bool ours = false;
        for (int i = 0; i < started; i++) {
            if (p->commands[i].pid == pid) {
                status[i] = st;
                left--;
                ours = true;
            }
        }
        if (!ours) {
            reaped_other(pid, st);
        }
    }
    for (int i = 0; i < started; i++) {
        report(p->commands[i].argv[0], status[i]);
    }
}

static void help(void)
{
    printf("built-in commands: exit [status], help\n"
           "pipelines: prog args | prog args ... [&]\n"
           "programs:");
    int fd = open("/", O_RDONLY);
    struct osv_dirent entries[8];
    ssize_t n;
    while (fd >= 0 && (n = read(fd, entries, sizeof(entries))) > 0) {
        for (ssize_t i = 0; i < n / (ssize_t)sizeof(entries[0]); i++) {
            printf(" %.*s", DIRENT_NAME_MAX, entries[i].name);
        }
    }
    printf("\n");
    if (fd >= 0) {
        close(fd);
    }
}

// Runs a built-in; returns false when cmd is not one.
static bool builtin(struct command *cmd)
{
    if (strcmp(cmd->argv[0], "exit") == 0) {
        exit(cmd->argv[1] != NULL ? atoi(cmd->argv[1]) : 0);
    }
    if (strcmp(cmd->argv[0], "help") == 0) {
        help();
        return true;
    }
    return false;
}

static void run(struct pipeline *p)
{
    if (p->num_commands == 1 && !p->background && builtin(&p->commands[0])) {
        return;
    }
    int started = start_pipeline(p);
    if (p->background) {
        for (int i = 0; i < started; i++) {
            remember_background(p->commands[i].pid, p->commands[i].argv[0]);
        }
        if (started > 0) {
            printf("[%d]\n", p->commands[started - 1].pid);
        }
        return;
    }
    wait_pipeline(p, started);
}

int main(void)
{
    static char line[SH_LINE_MAX];
    static struct pipeline pipeline;
    for (;;) {
        printf("$ ");
        fflush(stdout);
        if (!read_line(line)) {
            break;
        }
        if (parse(line, &pipeline) && pipeline.num_commands > 0) {
            run(&pipeline);
        }
    }
    printf("\n");
    return 0;
}
