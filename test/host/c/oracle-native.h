/*
 * The native side of the programs run both natively and as WALI guests (processes.c, sockets.c,
 * fd-objects.c, kernel-state.c): raw Linux syscalls through syscall(2), S(name, ...) answering
 * -errno on failure as a WALI import does. Included first in the native branch.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sys/syscall.h>
#include <unistd.h>
typedef long long i64;
typedef unsigned long long u64;
static i64 R(long v) { return v == -1 ? -errno : v; }
#define S(n, ...) R(syscall(SYS_##n, ##__VA_ARGS__))
