/*
 * The output of the programs run both natively and as WALI guests: one `name=value` line per
 * check, written with the program's S(write) (a WALI import or a raw syscall).
 */
static size_t slen(const char *s) { size_t n = 0; while (s[n]) n++; return n; }
static void out(const char *s) { S(write, 1, s, slen(s)); }
static void kv(const char *name, i64 v) {
  char b[24];
  int i = 23, neg = v < 0;
  unsigned long long u = neg ? -(unsigned long long)v : (unsigned long long)v;
  b[i] = 0;
  do { b[--i] = '0' + (char)(u % 10); u /= 10; } while (u);
  if (neg) b[--i] = '-';
  out(name); out("="); out(b + i); out("\n");
}
/* A fact only the wasm run checks (it differs from the native process by design). */
__attribute__((unused)) static void wasm_only(const char *name, i64 v) {
#ifdef __wasm__
  out("only-wasm:"); kv(name, v);
#else
  (void)name, (void)v;
#endif
}
