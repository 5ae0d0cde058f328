/*
 * The entry point of the programs run both as WALI guests and natively (processes.c, sockets.c,
 * fd-objects.c, kernel-state.c): argv[1] names a group, run(group) runs it and its result is the
 * exit status (2: no such group). Natively, native_setup() first leaves the process what the
 * guest has. Included last; the program declares sys_exit_group and the argv imports for wasm.
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
static void native_setup(int argc, char **argv);
int main(int argc, char **argv) {
  native_setup(argc, argv);
  return argc < 2 ? 2 : run(argv[1]);
}
#endif
