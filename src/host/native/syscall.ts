/**
 * libc's syscall(2), bound through koffi for the host's raw calls (./sys.ts, ./sys-extra.ts,
 * ./sys-poll.ts, ./sys-net.ts). syscall(2) is variadic: each module binds one prototype per
 * argument shape it passes, and all arguments go in registers. The numbers those modules use
 * are x86-64's, so binding refuses other machines.
 */
import koffi from 'koffi';

type Libc = ReturnType<typeof koffi.load>;
type Syscall = ReturnType<Libc['func']>;

let libc: Libc | undefined;

/**
 * One binding of syscall(2) per shape, each shape the C argument list after the syscall number
 * (`'long, _Inout_ uint8_t *'`); throws on a machine that is not Linux x86-64.
 */
export function bindSyscall<K extends string>(shapes: Record<K, string>): Record<K, Syscall> {
  if (process.platform !== 'linux' || process.arch !== 'x64') throw new Error(`the Node WALI host needs Linux on x86-64 (this is ${process.platform}/${process.arch})`);
  libc ??= koffi.load('libc.so.6');
  const out = {} as Record<K, Syscall>;
  for (const k of Object.keys(shapes) as K[]) out[k] = libc.func(`long syscall(long, ${shapes[k]})`);
  return out;
}

/** A raw syscall(2) result as the host answers it: the value, or -errno when it failed. */
export function sysResult(ret: number | bigint): number {
  const n = Number(ret);
  return n < 0 ? -koffi.errno() : n;
}
