/*
 * The WALI side of the programs run both natively and as WALI guests (processes.c, sockets.c,
 * fd-objects.c, kernel-state.c): the types, the import macro SYS(name) the program declares its
 * calls with, exit_group and the argv imports oracle-main.h uses, S(name, ...) calling an import
 * (its -errno result as the native side's), and memset (no libc). Included first in the wasm
 * branch.
 */
typedef unsigned long size_t;
typedef long long i64;
typedef unsigned long long u64;
#define SYS(name) __attribute__((import_module("wali"), import_name("SYS_" #name)))
SYS(exit_group) i64 sys_exit_group(int);
__attribute__((import_module("wali"), import_name("__cl_get_argv_len"))) int cl_get_argv_len(int);
__attribute__((import_module("wali"), import_name("__cl_copy_argv"))) int cl_copy_argv(char *, int);
#define S(n, ...) sys_##n(__VA_ARGS__)
void *memset(void *d, int c, size_t n) {
  volatile unsigned char *p = d;
  while (n--) *p++ = (unsigned char)c;
  return d;
}
