/*
 * The entry point of the programs run both as WALI guests and natively (processes.c, sockets.c,
 * fd-objects.c, kernel-state.c): argv[1] names a group, run(group) runs it and its result is the
 * exit status (2: no such group). Natively, main first leaves the process what the guest has:
 * only stdio (fds from 3 closed; a program defines ORACLE_KEEPS_FDS(argc, argv) for the runs that
 * must keep what they were given, such as an execve'd one), and with ORACLE_NO_SIGPIPE no
 * SIGPIPE (the host delivers none: a write with no reader is EPIPE). Included last; oracle-wasm.h
 * declares sys_exit_group and the argv imports for wasm.
 */
static int run(const char *group);

#ifdef __wasm__
void _start(void) {
  char group[32];
  int n = cl_get_argv_len(1);
  if (n < 0 || n > 30) sys_exit_group(2);
  cl_copy_argv(group, 1);
  group[n] = 0;
  sys_exit_group(run(group));
}
#else
#include <signal.h>
#ifndef ORACLE_KEEPS_FDS
#define ORACLE_KEEPS_FDS(argc, argv) 0
#endif
int main(int argc, char **argv) {
  if (!ORACLE_KEEPS_FDS(argc, argv)) syscall(SYS_close_range, 3, ~0U, 0);
#ifdef ORACLE_NO_SIGPIPE
  signal(SIGPIPE, SIG_IGN);
#endif
  return argc < 2 ? 2 : run(argv[1]);
}
#endif
