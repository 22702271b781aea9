#pragma once

// System calls about processes, memory and time (see kernel/syscall_abi.h
// for what each does and kernel/syscall.h for the handler convention).

#include "kernel/syscall.h"

int64_t sys_exit(const struct syscall_args *args);
int64_t sys_fork(const struct syscall_args *args);
int64_t sys_wait(const struct syscall_args *args);
int64_t sys_getpid(const struct syscall_args *args);
int64_t sys_getppid(const struct syscall_args *args);
int64_t sys_getcpu(const struct syscall_args *args);
int64_t sys_thread_start(const struct syscall_args *args);
int64_t sys_thread_exit(const struct syscall_args *args);
int64_t sys_thread_join(const struct syscall_args *args);
int64_t sys_gettid(const struct syscall_args *args);
int64_t sys_kill(const struct syscall_args *args);
int64_t sys_sleep(const struct syscall_args *args);
int64_t sys_ticks(const struct syscall_args *args);
int64_t sys_sbrk(const struct syscall_args *args);
int64_t sys_exec(const struct syscall_args *args);
int64_t sys_sysinfo(const struct syscall_args *args);
int64_t sys_shutdown(const struct syscall_args *args);
int64_t sys_vmmap(const struct syscall_args *args);
